"""Resident ID-card readers (SAM serial protocol): codec, card parsing, driver, emulator."""
