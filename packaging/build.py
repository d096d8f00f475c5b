"""Build the OneWindow folder bundle (PyInstaller) and the .deb for Debian, UOS and Kylin.

    uv run python packaging/build.py bundle [--target linux-x86_64|linux-arm64|windows-x64]
    uv run python packaging/build.py deb          # from dist/onewindow/, Linux targets only
    uv run python packaging/build.py all          # bundle + deb (Linux) or bundle (Windows)

Why PyInstaller: it is the most used and actively maintained freezer for PySide6 applications
(its hooks for PySide6, SQLAlchemy, psycopg, reportlab and pyserial ship with it and are kept up
to date with each Qt release), builds a plain folder with its own Python and Qt on Linux x86-64,
Linux ARM64 and Windows from one spec, and needs no compiler (Nuitka needs a C toolchain and a long
compile; briefcase and cx_Freeze have thinner PySide6 hooks). The folder form (not one-file) starts
faster — nothing is unpacked to a temporary directory at every start — and lets a .deb or an
installer put it under /opt or Program Files as it is.

PyInstaller does not cross-build: each target is built on its own kind of machine (an ARM64
UOS/Kylin PC or VM for linux-arm64, Windows 10 for windows-x64). Only linux-x86_64 is built and
tested here; see packaging/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.version import VERSION  # noqa: E402

DIST = ROOT / "dist"
BUILD = ROOT / "build"
BUNDLE = DIST / "onewindow"
TARGETS = {
    # target: (machine names it builds on, Debian architecture)
    "linux-x86_64": (("x86_64", "amd64"), "amd64"),
    "linux-arm64": (("aarch64", "arm64"), "arm64"),
    "windows-x64": (("AMD64", "x86_64"), ""),
}
# A CJK font the bundle carries (Apache-2.0/GPL-with-font-exception, redistributable); the build
# takes it from the build machine's fonts-wqy-microhei package.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
    Path("C:/Windows/Fonts/msyh.ttc"),  # Windows has its own; nothing needs to be bundled there
)
# Libraries of the system the bundle uses (Qt's xcb platform, OpenGL, fonts, sound): a minimal
# Debian root with only these installs runs it. The rest (Python, Qt, ICU…) is in the bundle.
DEB_DEPENDS = (
    "libc6 (>= 2.31), libglib2.0-0, libdbus-1-3, libfontconfig1, libfreetype6, libgl1, libegl1, "
    "libxkbcommon0, libxkbcommon-x11-0, libx11-6, libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4, "
    "libxcb-image0, libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-shape0, libxcb-shm0, "
    "libxcb-sync1, libxcb-xfixes0, libxcb-xinerama0, libxcb-xkb1, libxrender1, libxext6, libxi6, libsm6, libice6, "
    "libasound2 | libpulse0, libgssapi-krb5-2, libnss3"
)
DEB_RECOMMENDS = "fonts-wqy-microhei | fonts-noto-cjk, postgresql-client, x11-xserver-utils"


def host_target() -> str:
    machine = platform.machine()
    if sys.platform == "win32":
        return "windows-x64"
    return "linux-arm64" if machine in ("aarch64", "arm64") else "linux-x86_64"


def stage_resources(stage: Path) -> Path:
    """resources/ plus the bundled CJK font and a fonts.conf that adds it to the system's fonts."""
    shutil.copytree(ROOT / "resources", stage / "resources", dirs_exist_ok=True)
    fonts = stage / "resources" / "fonts"
    font = next((p for p in FONT_CANDIDATES if p.is_file()), None)
    if font is None and not sys.platform == "win32":
        raise SystemExit("no CJK font to bundle: install fonts-wqy-microhei on the build machine")
    if font is not None and not str(font).startswith("C:"):
        shutil.copy2(font, fonts / font.name)
        (fonts / "fonts.conf").write_text(
            '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
            '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
            '  <dir prefix="relative">.</dir>\n'
            '  <cachedir prefix="xdg">fontconfig</cachedir>\n'
            "</fontconfig>\n",
            encoding="utf-8",
        )
    return stage


def build_bundle(target: str) -> Path:
    machines, _arch = TARGETS[target]
    if platform.machine() not in machines or (target.startswith("windows") != (sys.platform == "win32")):
        raise SystemExit(
            f"{target} must be built on its own kind of machine (this is {host_target()}): PyInstaller does not cross-build"
        )
    with tempfile.TemporaryDirectory(prefix="onewindow-stage-") as tmp:
        stage = stage_resources(Path(tmp))
        env = {**os.environ, "ONEWINDOW_TARGET": target, "ONEWINDOW_STAGE": str(stage)}
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "PyInstaller",
                "--noconfirm",
                "--clean",
                "--log-level=WARN",
                f"--distpath={DIST}",
                f"--workpath={BUILD}",
                str(ROOT / "packaging" / "onewindow.spec"),
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
    print(
        f"bundle: {BUNDLE} ({tree_size(BUNDLE) / 2**20:.0f} MiB, built in {time.monotonic() - started:.0f} s)"
    )
    return BUNDLE


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def desktop_entry() -> str:
    return """[Desktop Entry]
Type=Application
Name=OneWindow 综合一窗
Name[zh_CN]=综合一窗
Comment=Government service hall: counter, kiosk, call display, manager
Comment[zh_CN]=政务服务大厅：窗口受理、取号机、叫号屏、大厅管理
Exec=onewindow
Icon=onewindow
Terminal=false
Categories=Office;
Actions=counter;kiosk;display;manager;doctor;

[Desktop Action counter]
Name=窗口（受理）
Exec=onewindow counter

[Desktop Action kiosk]
Name=取号机
Exec=onewindow kiosk

[Desktop Action display]
Name=叫号屏
Exec=onewindow display

[Desktop Action manager]
Name=大厅管理
Exec=onewindow manager

[Desktop Action doctor]
Name=检查本机（doctor）
Exec=x-terminal-emulator -e sh -c "onewindow doctor; echo; read -p 'Enter…' x"
"""


POSTINST = """#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
    cat <<'NOTE'
OneWindow is installed in /opt/onewindow (command: onewindow).
Serial devices (ID-card reader, thermometer, ticket printer): every user who runs OneWindow
must be in the "dialout" group:   sudo usermod -aG dialout USERNAME   (then log out and in).
Check this PC with:   onewindow doctor
A kiosk or call-display PC: open it full screen at every log-in, restarted after a crash:
    onewindow autostart kiosk      (or: onewindow autostart display)
NOTE
fi
exit 0
"""

# The site's data (settings, secrets, hall database, backups, logs) lives in each user's config,
# data and log folders and is never touched by removing or purging the package.
PRERM = """#!/bin/sh
set -e
exit 0
"""

POSTRM = """#!/bin/sh
set -e
case "$1" in
    remove|purge)
        command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
        echo "OneWindow removed. Site data (~/.config/OneWindow, ~/.local/share/OneWindow with the hall database and backups) is kept."
        ;;
esac
exit 0
"""


def icon_png(path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGBA", (256, 256), (178, 34, 34, 255))
    draw = ImageDraw.Draw(img)
    font_path = next((p for p in FONT_CANDIDATES if p.is_file()), None)
    font = ImageFont.truetype(str(font_path), 150) if font_path else ImageFont.load_default()
    draw.text((128, 128), "窗", fill="white", font=font, anchor="mm")
    img.save(path)


def build_deb(target: str) -> Path:
    _machines, arch = TARGETS[target]
    if not arch:
        raise SystemExit(f"no .deb for {target}")
    if not (BUNDLE / "onewindow").is_file():
        raise SystemExit(f"build the bundle first: {BUNDLE}/onewindow is missing")
    if shutil.which("dpkg-deb") is None:
        raise SystemExit("dpkg-deb is not installed (apt-get install dpkg)")
    deb = DIST / f"onewindow_{VERSION}_{arch}.deb"
    with tempfile.TemporaryDirectory(prefix="onewindow-deb-") as tmp:
        root = Path(tmp) / "root"
        shutil.copytree(BUNDLE, root / "opt" / "onewindow", symlinks=True)
        (root / "usr" / "bin").mkdir(parents=True)
        (root / "usr" / "bin" / "onewindow").symlink_to("/opt/onewindow/onewindow")
        apps = root / "usr" / "share" / "applications"
        apps.mkdir(parents=True)
        (apps / "onewindow.desktop").write_text(desktop_entry(), encoding="utf-8")
        units = root / "usr" / "lib" / "systemd" / "user"  # kiosk/display restarted after a crash
        units.mkdir(parents=True)
        shutil.copy(ROOT / "packaging" / "linux" / "onewindow@.service", units / "onewindow@.service")
        icons = root / "usr" / "share" / "icons" / "hicolor" / "256x256" / "apps"
        icons.mkdir(parents=True)
        icon_png(icons / "onewindow.png")
        control = root / "DEBIAN"
        control.mkdir()
        size_kib = tree_size(root) // 1024
        (control / "control").write_text(
            f"Package: onewindow\nVersion: {VERSION}\nArchitecture: {arch}\n"
            "Maintainer: OneWindow maintainers <onewindow@example.gov.cn>\n"
            f"Installed-Size: {size_kib}\nSection: misc\nPriority: optional\n"
            f"Depends: {DEB_DEPENDS}\nRecommends: {DEB_RECOMMENDS}\n"
            "Description: OneWindow (综合一窗) government service hall software\n"
            " Counter, ticket kiosk, call display and hall manager for township and district\n"
            " government service halls; self-contained (own Python, Qt, fonts and voice clips).\n",
            encoding="utf-8",
        )
        for name, text in (("postinst", POSTINST), ("prerm", PRERM), ("postrm", POSTRM)):
            (control / name).write_text(text, encoding="utf-8")
            os.chmod(control / name, 0o755)
        # dpkg-deb refuses group/world-writable control files; the payload is root-owned in the .deb.
        for p in [root, *root.rglob("*")]:
            if not p.is_symlink():
                os.chmod(p, (0o755 if p.is_dir() or os.access(p, os.X_OK) else 0o644))
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(deb)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    print(f"deb: {deb} ({deb.stat().st_size / 2**20:.0f} MiB)")
    return deb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="build the OneWindow bundle and .deb")
    ap.add_argument("what", choices=("bundle", "deb", "all"))
    ap.add_argument("--target", choices=sorted(TARGETS), default=host_target())
    args = ap.parse_args(argv)
    if args.what in ("bundle", "all"):
        build_bundle(args.target)
    if args.what == "deb" or (args.what == "all" and TARGETS[args.target][1]):
        build_deb(args.target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
