"""The hall display board: calls, windows, waiting counts, voice."""
