"""Shared fixtures.

- ``tmp_db``            an empty database path, also set as UNION_KPI_DB
- ``demo_db``           the demo database, built once per run (shared by the xdist workers; read-only:
                        copy it before writing)
- ``parse_sandbox``     turns the parsing sandbox on for one test (it is off in the test session)
- ``chromium_path``     the system Chromium; skips without it, fails if REQUIRE_BROWSER=1
- ``streamlit_server``  the app (serve.py) served on a free port over a copy of the demo database
- ``module_server``     the same, shared by the tests of a module that only read (one start, warm caches)
- ``browser_page``      a Playwright page in headless Chromium (1440x900, zh-CN)
- ``wait_for_app``      waits until a Streamlit page has rendered and finished running
- ``local_server``      the server address AppTest reports is 127.0.0.1 (as ``make run``): with no
                        account in the database the app runs as the single local user
- ``tests.login.login(at, name)`` (a function): signs an AppTest in through the login form
- ``browser_login``     ``browser_login(page, base_url, name)``: the same in Chromium

Tests under tests/unit are marked ``unit``, under tests/functional ``functional``;
tests using a browser or a server are marked ``browser`` too. Tests marked ``serial`` (timing- or
load-sensitive) run alone after the parallel part: ``make test`` runs both.

The parsing sandbox (a child process per parse, UNION_KPI_SANDBOX) is off for the session: it is
turned on by the tests about the sandbox and hostile files (``parse_sandbox``) and for the server of
the browser upload test. Set UNION_KPI_SANDBOX=1 in the environment to run every test with it.

Databases several tests start from: build them once (a module-scoped fixture) and hand each test a
copy (``copy_db``, ``copy_folder``); the demo database is built once per run for all xdist workers.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from filelock import FileLock

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SERVER_START_TIMEOUT = 60.0
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

try:  # hypothesis: no per-example deadline in CI, where the machine is shared and slower
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("ci", deadline=None, print_blob=True)
    _hypothesis_settings.register_profile("dev", deadline=None)
    _hypothesis_settings.load_profile(
        os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
    )
except ImportError:  # pragma: no cover - dev requirements not installed
    pass


def pytest_configure(config: pytest.Config) -> None:
    # The parsing sandbox starts a child process per parsing process: a cost most tests do not need.
    # Off for the session (children started by tests inherit it) unless the caller set it.
    os.environ.setdefault("UNION_KPI_SANDBOX", "0")


@pytest.fixture
def parse_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse in the sandbox's child processes for this test, as the product does by default."""
    monkeypatch.setenv("UNION_KPI_SANDBOX", "1")


def browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "") == "1"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test, or fail it when REQUIRE_BROWSER=1 (as in CI)."""
    if browser_required():
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------- markers


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--part",
        choices=("all", "parallel", "serial"),
        default="all",
        help="run all tests, only those that may run beside others (parallel), or only those marked "
        "serial, which must run alone; `make test` runs the parallel part under xdist, then the serial part",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_dir = PROJECT_ROOT / "tests"
    for item in items:
        try:
            parts = item.path.resolve().relative_to(tests_dir).parts
        except ValueError:
            parts = ()
        if parts[:1] == ("unit",):
            item.add_marker(pytest.mark.unit)
        elif parts[:1] == ("functional",):
            item.add_marker(pytest.mark.functional)
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & {
            "browser_page",
            "chromium_browser",
            "streamlit_server",
            "module_server",
            "serve_app",
            "chromium_path",
        }:
            item.add_marker(pytest.mark.browser)
    part = config.getoption("part")
    if part != "all":
        keep = [
            item for item in items if (item.get_closest_marker("serial") is not None) == (part == "serial")
        ]
        dropped = [item for item in items if item not in keep]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = keep


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # keep each phase's report on the item, so fixtures can tell at teardown whether the test failed
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    node = request.node
    return any(getattr(getattr(node, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))


# --------------------------------------------------------------------------- databases


@pytest.fixture
def tmp_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database path in tmp_path (the file does not exist yet), set as UNION_KPI_DB."""
    path = tmp_path / "t.duckdb"
    monkeypatch.setenv("UNION_KPI_DB", str(path))
    return path


def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this run that all xdist workers share (each worker has its own basetemp below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, built once per run: the first xdist worker to ask builds it under a file
    lock, the others wait and use the same file. Read-only (mode 0444): copy it
    (``copy_db(demo_db, tmp_path)``) before changing anything."""
    from etl.demo import build_demo

    folder = shared_dir(tmp_path_factory) / "demo"
    folder.mkdir(exist_ok=True)
    path = folder / "demo.duckdb"
    with FileLock(str(folder / "build.lock")):
        if not path.exists():
            building = folder / "building.duckdb"
            building.unlink(missing_ok=True)
            build_demo(db=building)
            assert building.exists(), f"build_demo(db={building}) did not create the database"
            assert not building.with_name(building.name + ".wal").exists(), "build_demo left a WAL"
            building.chmod(0o444)
            building.rename(path)  # appears whole or not at all
    return path


def copy_db(src: Path, dest_dir: Path, name: str = "copy.duckdb") -> Path:
    """Copy a DuckDB file (and its WAL, if one was left behind) into dest_dir."""
    dest = dest_dir / name
    shutil.copyfile(src, dest)
    wal = src.with_name(src.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, dest.with_name(dest.name + ".wal"))
    return dest


def copy_folder(db: Path, dest: Path) -> Path:
    """Copy the folder of ``db`` (a database a module built once, with the files it was loaded from)
    into ``dest`` (a test's tmp_path); returns the copy of the database. For tests that write."""
    shutil.copytree(db.parent, dest, dirs_exist_ok=True)
    return dest / db.name


@pytest.fixture
def demo_db_copy(demo_db: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the demo database."""
    return copy_db(demo_db, tmp_path, "demo-copy.duckdb")


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the system Chromium. Skips without it; fails instead when REQUIRE_BROWSER=1."""
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        skip_or_fail(f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)")
    return str(CHROMIUM)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _health(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", "replace").strip()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _start_server(
    db: Path,
    log_dir: Path,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    port: int | None = None,
) -> tuple[subprocess.Popen[bytes], Path, str]:
    """Start ``streamlit run serve.py`` over ``db`` on a free port (or ``port``) and wait until it
    answers its health check: (process, log path, base URL). Fails the test if it does not start."""
    app = PROJECT_ROOT / "serve.py"
    if not app.exists():
        pytest.fail(f"{app} does not exist", pytrace=False)
    port = port or _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = log_dir / f"streamlit-{port}.log"
    environment = {
        **os.environ,
        "UNION_KPI_DB": str(db),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "STREAMLIT_SERVER_SHOW_EMAIL_PROMPT": "false",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.headless", "true",
        *args,
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=PROJECT_ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole at teardown
        )
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if proc.poll() is not None:
            pytest.fail(
                f"streamlit exited with code {proc.returncode} during start-up:\n{_log_text(log_path)}",
                pytrace=False,
            )
        if _health(f"{base_url}/_stcore/health") == "ok":
            return proc, log_path, base_url
        if time.monotonic() > deadline:
            _stop(proc)
            pytest.fail(
                f"streamlit did not answer {base_url}/_stcore/health within "
                f"{SERVER_START_TIMEOUT:.0f}s:\n{_log_text(log_path)}",
                pytrace=False,
            )
        time.sleep(0.25)


@pytest.fixture
def serve_app(demo_db: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., str]]:
    """``serve_app(db=None, env=None, args=(), port=None)``: serve the app (serve.py) over ``db`` (default: a
    private copy of the demo database) with extra environment and ``streamlit run`` options;
    returns the base URL. Every server is stopped at teardown; logs are printed on failure."""
    started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def serve(
        db: Path | None = None,
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
        port: int | None = None,
    ) -> str:
        db = db or copy_db(
            demo_db, tmp_path, "server.duckdb" if not started else f"server-{len(started)}.duckdb"
        )
        proc, log_path, base_url = _start_server(db, tmp_path, env, args, port)
        started.append((proc, log_path))
        return base_url

    try:
        yield serve
    finally:
        for proc, log_path in started:
            _stop(proc)
            if _failed(request):
                sys.stderr.write(f"\n----- streamlit log ({log_path}) -----\n{_log_text(log_path)}\n")


@pytest.fixture(scope="module")
def module_server(
    demo_db: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """The app served over a copy of the demo database, shared by the tests of one module (for tests
    that only read, sign in and look: a server start and its first, cold page runs are saved).
    The copy is ``<folder>/server.duckdb`` next to the log. Its log is printed if a test of the
    module failed."""
    folder = tmp_path_factory.mktemp("module-server")
    proc, log_path, base_url = _start_server(copy_db(demo_db, folder, "server.duckdb"), folder)
    failed_before = request.session.testsfailed
    try:
        yield base_url
    finally:
        _stop(proc)
        if request.session.testsfailed > failed_before:
            sys.stderr.write(f"\n----- streamlit log ({log_path}) -----\n{_log_text(log_path)}\n")


def _log_text(path: Path) -> str:
    return ANSI_ESCAPE.sub("", path.read_text("utf-8", "replace"))


@pytest.fixture
def streamlit_server(serve_app: Callable[..., str]) -> str:
    """Serve the app (serve.py) over a private copy of the demo database (tmp_path/server.duckdb);
    yields the base URL (``http://127.0.0.1:<port>``). Stopped at teardown; its log is printed
    if it failed to start or the test failed."""
    return serve_app()


@pytest.fixture(scope="session")
def chromium_browser(chromium_path: str) -> Iterator[Any]:
    """One headless Chromium (Playwright, sync API) per test process, shared by the tests' pages:
    each test still gets a fresh context (cookies, storage), only the browser start is saved."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (make dev-venv)")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium_browser: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A Playwright page (sync API) in a fresh context of headless system Chromium, 1440x900,
    locale zh-CN. On failure a screenshot is saved to tmp_path/failure.png."""
    context = chromium_browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        if _failed(request):
            with contextlib.suppress(Exception):
                shot = tmp_path / "failure.png"
                page.screenshot(path=str(shot), full_page=True)
                sys.stderr.write(f"\nscreenshot of the failing page: {shot}\n")
        context.close()


def _wait_for_app(page: Any, timeout_ms: int = 30_000) -> None:
    """Wait until Streamlit has rendered the app and its first script run has finished.

    The app root carries ``data-test-script-state``: "initial" before the first run, then
    "running" / "rerunRequested" / "stopRequested" while it runs, and "notRunning" (or
    "compilationError") once it is done."""
    page.wait_for_selector('[data-testid="stApp"]', state="attached", timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            const state = app && app.getAttribute('data-test-script-state');
            return state === 'notRunning' || state === 'compilationError';
        }""",
        timeout=timeout_ms,
    )


@pytest.fixture
def wait_for_app() -> Callable[..., None]:
    """``wait_for_app(page, timeout_ms=30000)``: wait for a Streamlit page to finish its run."""
    return _wait_for_app


# --------------------------------------------------------------------------- accounts and login


@pytest.fixture
def local_server() -> Iterator[None]:
    """AppTest sees the server address of ``make run`` (127.0.0.1): an app whose database has no
    account then runs as the single local user, as it does for a newcomer."""
    from streamlit import config

    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    try:
        yield
    finally:
        config.set_option("server.address", before)


@pytest.fixture
def browser_login() -> Callable[..., None]:
    """``browser_login(page, base_url, name="admin", password=None)``: sign in through the login page."""
    from tests.login import browser_login as sign_in

    return lambda page, base_url, name="admin", password=None: sign_in(
        page, base_url, name, password, wait=_wait_for_app
    )
