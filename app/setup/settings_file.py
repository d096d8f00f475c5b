"""Writing the settings TOML: merged into what is there, checked, then swapped in atomically.

The wizard changes only the keys it asks about; every other key already in the file (thresholds,
queue policy, …) is kept. The new text is loaded with `app.settings.load_settings` before it
replaces the old file (temporary file, fsync, rename), and the previous file is kept as `.bak`, so
a power cut or a bad value never leaves a site without working settings. Comments in the old file
are not kept (the `.bak` has them).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.secrets import make_private_dir
from app.settings import Settings, SettingsError, load_settings
from app.setup.state import SetupError

HEADER = "# OneWindow site settings, written by `main.py setup` (the first-run wizard).\n"


def read_existing(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        raise SetupError(f"现有设置文件 {path} 无法读取（{exc}）：请先修正或移走它再运行向导") from None


def merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        elif isinstance(value, Mapping):
            out[key] = merge({}, value)
        else:
            out[key] = value
    return out


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise SetupError(f"设置值类型无法写入：{value!r}")


def render(data: Mapping[str, Any]) -> str:
    lines: list[str] = [HEADER]

    def table(prefix: str, node: Mapping[str, Any]) -> None:
        scalars = {k: v for k, v in node.items() if not isinstance(v, Mapping)}
        subs = {k: v for k, v in node.items() if isinstance(v, Mapping)}
        if prefix and (scalars or not subs):
            lines.append(f"\n[{prefix}]")
        for key, value in scalars.items():
            lines.append(f"{key} = {_value(value)}")
        for key, value in subs.items():
            table(f"{prefix}.{key}" if prefix else key, value)

    table("", data)
    return "\n".join(lines).strip() + "\n"


def write_settings(path: Path, changes: Mapping[str, Any]) -> Settings:
    """Merge `changes` into the file at `path`, check, and swap it in atomically."""
    data = merge(read_existing(path), changes)
    text = render(data)
    make_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            load_settings(tmp, environ={})
        except SettingsError as exc:
            raise SetupError(f"生成的设置无效，未写入：{exc}") from None
        if path.exists():
            shutil.copy2(path, path.with_name(path.name + ".bak"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if os.name == "posix":
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return load_settings(path, environ={})
