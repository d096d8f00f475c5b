"""Fixtures shared by every test area.

The Qt platform is forced offscreen before anything imports Qt. PostgreSQL tests read
ONEWINDOW_TEST_PG_URL (a superuser URL on a real server); without it they skip locally and
fail under CI=true, where a missing server is a broken pipeline, not a reason to skip.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QPA_FONTDIR", "/usr/share/fonts")

PG_ENV = "ONEWINDOW_TEST_PG_URL"

if os.environ.get("MUTANT_UNDER_TEST"):
    # Under mutmut (pyproject [tool.mutmut]) a failing example only has to fail: shrinking it
    # would cost minutes per killed mutant, and the example database must not carry between mutants.
    from hypothesis import Phase, settings

    settings.register_profile("mutmut", phases=[Phase.explicit, Phase.generate, Phase.target], database=None)
    settings.load_profile("mutmut")


@pytest.fixture(autouse=True)
def _no_leaked_log_handlers() -> Iterator[None]:
    """A command run in-process sets up the program's log file; the next test must not log into it
    (and a later test that looks for its own log file must find it)."""
    import logging

    logger = logging.getLogger("onewindow")
    before = list(logger.handlers)
    yield
    for handler in [h for h in logger.handlers if h not in before]:
        logger.removeHandler(handler)
        handler.close()


@pytest.fixture(scope="session", autouse=True)
def site_secrets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every hall a test opens is a site with keys: one generated secrets file per session
    (ONEWINDOW_SECRETS, inherited by CLI subprocesses). Tests of missing keys unset it."""
    from app.secrets import ENV_PATH, ensure_keys

    before = os.environ.get(ENV_PATH)
    path = tmp_path_factory.mktemp("secrets") / "test.secrets"
    ensure_keys(path)
    os.environ[ENV_PATH] = str(path)
    yield path
    if before is None:
        os.environ.pop(ENV_PATH, None)
    else:
        os.environ[ENV_PATH] = before


def _pg_admin_url() -> str:
    url = os.environ.get(PG_ENV, "")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_ENV} is not set under CI: .ci/run must start PostgreSQL")
        pytest.skip(
            f"no PostgreSQL server: set {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres)"
        )
    return url


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """Superuser URL of the real test server."""
    return _pg_admin_url()


@contextlib.contextmanager
def scratch_pg_database(admin_url: str) -> Iterator[str]:
    """A fresh, empty database on the real server (its URL), dropped afterwards."""
    import sqlalchemy as sa

    name = f"ow_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", hide_parameters=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty database on the real server, dropped afterwards."""
    with scratch_pg_database(pg_admin_url) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a real SQLite file in the test's temporary directory (not yet created)."""
    return f"sqlite:///{tmp_path / 'hall.db'}"


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A 1920×1080 Xvfb screen (its DISPLAY); its socket is in /tmp/.X11-unix."""
    if shutil.which("Xvfb") is None or shutil.which("xdotool") is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb and xdotool are needed under CI (.ci/run installs xvfb and xdotool)")
        pytest.skip("no Xvfb/xdotool here: apt-get install xvfb xdotool")
    with xvfb_server() as display:
        yield display


@contextlib.contextmanager
def xvfb_server() -> Iterator[str]:
    """Xvfb started and stopped (the `xvfb` fixture's server, usable outside a test)."""
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    try:
        assert number.isdigit(), "Xvfb did not report its display"
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- the slow deployment tests: their builds start first, the tests run last --------------------

HEAD_START_MARKERS = ("packaging", "fresh_debian")
_BUILD_KEY = pytest.StashKey[subprocess.Popen[str]]()


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Tests that build the bundle or a Debian root go last, so what they wait for (the PyInstaller
    build, the day's debootstrap root) is made in the background while the rest of the suite runs."""
    slow = [i for i in items if any(i.get_closest_marker(m) for m in HEAD_START_MARKERS)]
    # The tests that look at the rendered screens go just before them: the renderer, started at
    # collection too (rendered_screens), has finished by then.
    shots = [i for i in items if i not in slow and "rendered_screens" in getattr(i, "fixturenames", ())]
    if slow or shots:
        items[:] = [i for i in items if i not in slow and i not in shots] + shots + slow


def _background() -> None:
    """Head starts (the bundle build, the Debian root, the screenshots) run niced: they have the
    whole suite to finish in and the core the tests leave idle, while the tests themselves — the
    run's critical path — keep a core of their own."""
    os.nice(10)


def pytest_collection_finish(session: pytest.Session) -> None:
    items = session.items
    if session.config.option.collectonly:
        return
    # Everything alive now (imported modules, test items, fixture definitions) lives as long as the
    # session: moved out of the cyclic collector's reach, as app/warmup.py does for the GUI, so
    # that the generation-2 passes (automatic, and the hall tests' gc.collect() while Qt is alive)
    # walk only what the tests create instead of the whole import graph every time.
    gc.collect()
    gc.freeze()
    if any("rendered_screens" in getattr(i, "fixturenames", ()) for i in items):
        session.config.stash[_SHOTS_KEY] = _start_screenshots(session.config)
    if any(i.get_closest_marker("packaging") or i.get_closest_marker("fresh_debian") for i in items):
        root = Path(__file__).resolve().parents[1]
        session.config.stash[_BUILD_KEY] = subprocess.Popen(
            [sys.executable, "packaging/build.py", "all"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=_background,
        )
    if (
        any(i.get_closest_marker("fresh_debian") for i in items)
        and os.geteuid() == 0
        and shutil.which("debootstrap")
    ):
        import threading

        readme = [i for i in items if i.name == "test_readme_steps_on_a_fresh_debian"]
        early: Future[None] | None = Future() if readme and shutil.which("Xvfb") else None
        if early is not None:
            session.config.stash[_README_KEY] = early
        factory: pytest.TempPathFactory | None = getattr(session.config, "_tmp_path_factory", None)

        def prepare() -> None:
            from tests.deploy import debroot

            _background()  # Linux: this thread only, and the debootstrap it starts
            with contextlib.suppress(Exception):  # the test itself builds it again and says why
                debroot.base_tarball()
            if early is None:
                return
            # The README scenario needs only the root: it runs now, beside the suite; its test
            # (run last) waits for it and raises what it raised.
            try:
                from tests.deploy.test_fresh_debian import readme_scenario

                tmp = factory.mktemp("readme-steps") if factory else Path(tempfile.mkdtemp(prefix="readme-steps"))
                with xvfb_server() as display:
                    readme_scenario(tmp, display)
            except BaseException as exc:
                early.set_exception(exc)
            else:
                early.set_result(None)

        threading.Thread(target=prepare, name="debian-root-head-start", daemon=True).start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests.migrated import drop_templates

    drop_templates()
    gc.unfreeze()
    proc = session.config.stash.get(_BUILD_KEY, None)
    if proc is not None and proc.poll() is None:  # the tests that wanted it did not run
        proc.kill()
        proc.communicate()
    shots = session.config.stash.get(_SHOTS_KEY, None)
    if shots is not None and shots.proc.poll() is None:
        shots.proc.kill()
        shots.proc.wait()


_README_KEY = pytest.StashKey["Future[None]"]()


def early_readme(config: pytest.Config) -> Future[None] | None:
    """The fresh-Debian README scenario started at collection (its test awaits it), if any."""
    return config.stash.get(_README_KEY, None)


def started_build(config: pytest.Config) -> subprocess.Popen[str] | None:
    """The bundle build started at collection (tests/deploy/conftest.py waits for it), if any."""
    return config.stash.get(_BUILD_KEY, None)


@dataclass
class _Screenshots:
    proc: subprocess.Popen[bytes]
    out: Path
    stderr: Path


_SHOTS_KEY = pytest.StashKey[_Screenshots]()


def _start_screenshots(config: pytest.Config) -> _Screenshots:
    """`main.py screenshots DIR` in the background, as a field engineer would run it (its own
    process, offscreen, a scratch demo database in its own HOME)."""
    factory: pytest.TempPathFactory | None = getattr(config, "_tmp_path_factory", None)
    home = factory.mktemp("screenshots-home") if factory else Path(tempfile.mkdtemp(prefix="screenshots-home"))
    out = home / "shots"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(home)}
    for name in ("ONEWINDOW_DB", "ONEWINDOW_CONFIG"):
        env.pop(name, None)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        env[name] = str(home / name.lower())
    root = Path(__file__).resolve().parents[1]
    stderr = home / "stderr.txt"
    with open(home / "stdout.txt", "wb") as out_file, open(stderr, "wb") as err_file:
        proc = subprocess.Popen(
            [sys.executable, str(root / "main.py"), "screenshots", str(out)],
            stdout=out_file,
            stderr=err_file,
            env=env,
            cwd=root,
            preexec_fn=_background,
        )
    return _Screenshots(proc, out, stderr)


@pytest.fixture(scope="session")
def rendered_screens(pytestconfig: pytest.Config) -> Path:
    """`main.py screenshots DIR` run once per session, as a field engineer would (its own process,
    offscreen, a scratch demo database): every screen at the sizes halls use. It must succeed, with
    no text elided or clipped (ui/shots.py writes DIR/clipped.txt and exits 1 otherwise). Started
    at collection when the session has tests that use it (it renders while other tests run)."""
    shots = pytestconfig.stash.get(_SHOTS_KEY, None) or _start_screenshots(pytestconfig)
    try:
        returncode = shots.proc.wait(timeout=600)
    except subprocess.TimeoutExpired:
        shots.proc.kill()
        shots.proc.wait()
        raise
    stderr = shots.stderr.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in stderr, stderr[-4000:]
    assert returncode == 0, stderr[-4000:]
    assert not (shots.out / "clipped.txt").exists()
    return shots.out
