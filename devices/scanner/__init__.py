"""Barcode/QR scanners in serial mode: the code as text, ended by CR, LF or CR LF."""
