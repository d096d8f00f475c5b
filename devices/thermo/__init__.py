"""Temperature scanners: Modbus RTU, GY-MCU906xx, HTPA and ASCII protocols behind one reading."""
