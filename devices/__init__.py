"""Serial devices: pure protocol codecs, pyserial drivers, pty emulators; Qt only in qt_worker."""
