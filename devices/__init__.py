"""Serial devices: pure protocol codecs, pyserial drivers, pty emulators; no Qt (the GUI's
threads for them are in ui/device_workers.py).

Map of the package (see each module's docstring):
- idcard/codec.py     SAM frames, XOR checksum, SW3 → typed errors, FrameSplitter (resync)
- idcard/card.py      IdCard and the text block of every card type (parse and build)
- idcard/driver.py    IdCardReader: status, module id, find/select/read with timeouts
- idcard/monitor.py   IdCardMonitor: each placed card once, reconnect every second
- idcard/emulator.py  IdCardEmulator on a pty (or socket://), with fault injection
- idcard/photo.py     optional ctypes plugin for a licensed WLT photo decoder
- thermo/             codecs (Modbus RTU, GY-MCU906, HTPA, ASCII), Thermometer, ThermoMonitor, emulator
- scanner/            serial-mode barcode/QR scanners: LineDecoder (CR/LF/CR LF), ScannerMonitor, emulator
- monitor.py          reconnecting loop shared by every device
- ports.py            list ports, probe what answers
- emulators.py        start_demo_devices() for the demo hall
- config.py           settings → ports/protocols (+ emulators for missing devices)
- cli.py              main.py idcard | thermometer | devices | emulate
"""
