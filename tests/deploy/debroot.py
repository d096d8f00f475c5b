"""A fresh minimal Debian 12 root (`debootstrap --variant=minbase`) for the installation tests.

Building the root takes about a minute, so one pristine root is kept per day as a tarball in a
cache folder (`$ONEWINDOW_ROOT_CACHE`, default `/tmp/onewindow-cache`); each test unpacks its own
copy of it (a few seconds), so no test sees another's installs. Downloaded .debs are kept in a
per-day apt archive folder bind-mounted into every root, so the same package is fetched once a day.

Needs root (debootstrap, chroot, mounts) and a Debian mirror. Everything mounted into a root is
unmounted before the copy is removed; a copy with a mount left is not deleted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

SUITE = "bookworm"
MIRROR = os.environ.get("ONEWINDOW_DEBIAN_MIRROR", "http://deb.debian.org/debian")
CACHE = Path(os.environ.get("ONEWINDOW_ROOT_CACHE", Path(tempfile.gettempdir()) / "onewindow-cache"))
ROOT_ENV = {
    "HOME": "/root",
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
    "DEBIAN_FRONTEND": "noninteractive",
}


def require_tools() -> None:
    """Skip (fail under CI) where a root cannot be built."""
    missing = [t for t in ("debootstrap", "chroot", "mount", "tar") if shutil.which(t) is None]
    why = ""
    if os.geteuid() != 0:
        why = "building a Debian root needs root (debootstrap, chroot)"
    elif missing:
        why = f"missing {', '.join(missing)} (apt-get install debootstrap)"
    if why:
        if os.environ.get("CI"):
            pytest.fail(why + " — .ci/run installs debootstrap and runs as root")
        pytest.skip(why)


def _today() -> str:
    return dt.date.today().isoformat()


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def apt_archive() -> Path:
    """Today's shared apt download folder (older days' are removed)."""
    path = CACHE / f"apt-archives-{_today()}"
    (path / "partial").mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob("apt-archives-*"):
        if old != path:
            shutil.rmtree(old, ignore_errors=True)
    return path


def base_tarball() -> Path:
    """Today's pristine minbase root (with its package lists), built once a day."""
    tarball = CACHE / f"{SUITE}-minbase-{_today()}.tar"
    with _locked("base"):
        if tarball.is_file():
            return tarball
        build = Path(tempfile.mkdtemp(prefix="debootstrap-", dir=CACHE))
        try:
            subprocess.run(
                ["debootstrap", "--variant=minbase", SUITE, str(build), MIRROR],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=600,
            )
            with Root(build, keep=True) as root:
                root.run(["apt-get", "update", "-qq"], timeout=300)
            partial = tarball.with_suffix(".partial")
            subprocess.run(["tar", "-C", str(build), "-cf", str(partial), "."], check=True)
            partial.rename(tarball)
        finally:
            _remove_tree(build)
        for old in CACHE.glob(f"{SUITE}-minbase-*.tar"):
            if old != tarball:
                old.unlink(missing_ok=True)
    return tarball


def _mounted_under(path: Path) -> list[str]:
    prefix = str(path).rstrip("/") + "/"
    with open("/proc/mounts") as f:
        points = [line.split()[1] for line in f]
    return [p for p in points if p.startswith(prefix) or p == str(path)]


def _remove_tree(path: Path) -> None:
    if _mounted_under(path):
        raise RuntimeError(f"mounts left under {path}: not removing it")
    shutil.rmtree(path, ignore_errors=True)


class Root:
    """A Debian root with /proc, /dev/pts and the apt archive mounted; `run` executes in it."""

    def __init__(self, path: Path, *, keep: bool = False) -> None:
        self.path = path
        self.keep = keep
        self._mounts: list[Path] = []

    def __enter__(self) -> Root:
        shutil.copy("/etc/resolv.conf", self.path / "etc" / "resolv.conf")
        self._mount(["-t", "proc", "proc"], "proc")
        self._mount(["-t", "devpts", "-o", "newinstance,ptmxmode=0666", "devpts"], "dev/pts")
        ptmx = self.path / "dev" / "ptmx"
        if not ptmx.is_symlink():
            ptmx.unlink(missing_ok=True)
            ptmx.symlink_to("pts/ptmx")
        self._mount(["--bind", str(apt_archive())], "var/cache/apt/archives")
        return self

    def _mount(self, args: Sequence[str], inside: str) -> Path:
        target = self.path / inside
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", *args, str(target)], check=True)
        self._mounts.append(target)
        return target

    def bind(self, source: Path, inside: str) -> Path:
        return self._mount(["--bind", str(source)], inside)

    def __exit__(self, *exc: object) -> None:
        for target in reversed(self._mounts):
            if subprocess.run(["umount", str(target)], check=False).returncode != 0:
                subprocess.run(["umount", "-l", str(target)], check=False)
        self._mounts.clear()

    def trust_host_certificates(self) -> dict[str, str]:
        """The host's CA bundle (a network whose TLS proxy has its own CA, as on this machine and on
        some government networks) copied into the root; the environment that makes pip and uv use it."""
        host = Path(os.environ.get("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"))
        if not host.is_file():
            return {}
        inside = "/etc/ssl/certs/host-ca-bundle.crt"
        (self.path / inside[1:]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(host, self.path / inside[1:])
        return {"SSL_CERT_FILE": inside, "PIP_CERT": inside, "REQUESTS_CA_BUNDLE": inside}

    def command(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> list[str]:
        pairs = [f"{k}={v}" for k, v in {**ROOT_ENV, **(env or {})}.items()]
        return ["chroot", str(self.path), "/usr/bin/env", "-i", *pairs, *argv]

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        timeout: float = 600,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            self.command(argv, env), capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{' '.join(argv)} → exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done

    def popen(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.command(argv, env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )


@contextlib.contextmanager
def fresh_root(tmp: Path) -> Iterator[Root]:
    """A private copy of today's pristine root, removed afterwards."""
    tarball = base_tarball()
    path = Path(tempfile.mkdtemp(prefix="debroot-", dir=tmp))
    subprocess.run(["tar", "-C", str(path), "-xf", str(tarball)], check=True)
    try:
        with Root(path) as root:
            yield root
    finally:
        _remove_tree(path)


def stop_group(proc: subprocess.Popen[bytes], timeout: float = 30) -> tuple[str, str]:
    """SIGTERM the process group (chroot → program), then its output."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    return out.decode(errors="replace"), err.decode(errors="replace")
