"""The program's version: one place, read by `main.py --version`, the bundle and the .deb."""

from __future__ import annotations

# Keep equal to [project] version in pyproject.toml (tests/deploy checks it).
VERSION = "0.1.0"
