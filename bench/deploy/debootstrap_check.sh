#!/bin/sh
# Install the built .deb into a fresh minimal Debian root and run it there: no uv, no Python tools,
# no source tree — only the package's declared Depends. Needs root (debootstrap, chroot) and a
# Debian mirror. Not a pytest test: it downloads ~150 packages and needs root.
#
#   uv run python packaging/build.py all
#   sudo sh bench/deploy/debootstrap_check.sh [dist/onewindow_0.1.0_amd64.deb] [MIRROR]
set -eu
DEB=$(readlink -f "${1:-$(ls dist/onewindow_*_amd64.deb | tail -1)}")
MIRROR=${2:-http://deb.debian.org/debian}
ROOT=$(mktemp -d /tmp/onewindow-root.XXXXXX)
XVFB_PID=""
cleanup() {
    [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
    umount "$ROOT/tmp/.X11-unix" 2>/dev/null || true
    umount "$ROOT/proc" 2>/dev/null || true
    umount "$ROOT/dev/pts" 2>/dev/null || true
    # Never delete through a mount that is still there (the host's X sockets, /proc).
    if grep -q " $ROOT/" /proc/mounts; then
        echo "mounts left under $ROOT: not removing it" >&2
    else
        rm -rf "$ROOT"
    fi
}
trap cleanup EXIT
in_root() { chroot "$ROOT" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
step() { printf '\n== %s\n' "$*"; }

step "debootstrap --variant=minbase bookworm"
t0=$(date +%s)
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >/dev/null
echo "root built in $(( $(date +%s) - t0 )) s"
mount -t proc proc "$ROOT/proc"
mkdir -p "$ROOT/dev/pts" && mount -t devpts devpts "$ROOT/dev/pts"
cp "$DEB" "$ROOT/tmp/"

step "apt-get install ./$(basename "$DEB")"
in_root apt-get update -qq
in_root sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/$(basename "$DEB")" | tail -8
test ! -e "$ROOT/usr/bin/python3" && echo "no python3 in the root: the bundle runs on its own"

step "onewindow --version"
in_root onewindow --version

step "onewindow doctor (offscreen): Qt and the bundled font must be fine; no hall yet"
in_root env QT_QPA_PLATFORM=offscreen onewindow doctor --no-devices || true
in_root env QT_QPA_PLATFORM=offscreen onewindow doctor --no-devices --json | grep -q '"area": "fonts", "status": "ok"'

step "a hall: secrets, database, backup"
in_root onewindow secrets init
in_root onewindow db upgrade
in_root onewindow db backup || echo "(backup refused: the fresh hall has no site yet — expected without an enrolment)"

step "onewindow doctor on Xvfb with the xcb platform (the host's Xvfb: nothing more installed in the root)"
DISPLAY_NO=$(( $$ % 400 + 100 ))
Xvfb ":$DISPLAY_NO" -nolisten tcp -screen 0 1920x1080x24 >/dev/null 2>&1 &
XVFB_PID=$!
mkdir -p "$ROOT/tmp/.X11-unix" && mount --bind /tmp/.X11-unix "$ROOT/tmp/.X11-unix"
i=0; while [ ! -S "/tmp/.X11-unix/X$DISPLAY_NO" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
in_root env DISPLAY=":$DISPLAY_NO" QT_QPA_PLATFORM=xcb onewindow doctor --no-devices | grep "qt\|fonts" || true
in_root env DISPLAY=":$DISPLAY_NO" QT_QPA_PLATFORM=xcb onewindow doctor --no-devices --json | grep -q '"area": "qt", "status": "ok"'

step "apt-get purge onewindow keeps site data"
in_root apt-get purge -y -qq onewindow | tail -3
test ! -e "$ROOT/opt/onewindow/onewindow" && test ! -e "$ROOT/usr/bin/onewindow"
ls "$ROOT/root/.local/share/OneWindow/" && test -f "$ROOT/root/.local/share/OneWindow/hall.db"
echo "OK: installed, ran, removed; site data kept"
