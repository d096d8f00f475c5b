"""Hall voice: the player and its backends (TTS, bundled clips, recording)."""
