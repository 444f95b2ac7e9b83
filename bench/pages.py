"""Page figures: server-side time of each dashboard page through streamlit.testing.v1.AppTest,
warm (each page opened once first, so st.cache_data holds its queries), p95 over all runs.
The report figures: the whole `python -m etl report` process for the annual report (Q4), 简版
(Word, slides and PNGs of its six charts) and 完整版 with slides, after one warm-up run of each."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# every page a leader opens (数据上传 and 单位管理 are admin pages without indicator queries)
PAGES = ("overview", "organisation", "contracts", "dues", "welfare", "activities", "reporting", "targets")


BENCH_ACCOUNT = ("benchadmin", "bench-admin-2025")


def _sign_in(at, db: Path) -> None:
    """Through the login form, as a leader signs in (an admin account is added to the bench
    database the first time)."""
    from etl import store
    from etl.store import accounts
    from etl.store.permissions import local_admin

    name, password = BENCH_ACCOUNT
    with store.connect(db, read_only=True) as con:
        exists = accounts.find(con, name) is not None
    if not exists:
        accounts.add(db, name, password, "admin", unit=None, actor=local_admin("bench"))
    at.run()
    at.text_input(key="login.name").input(name)
    at.text_input(key="login.password").input(password)
    next(b for b in at.button if b.label in ("登录", "Sign in")).click().run()
    at.run()  # the browser reloads the app after signing in
    if at.exception or not any(name in str(c.value) for c in at.sidebar.caption):
        raise RuntimeError(f"bench could not sign in: {[e.value for e in at.exception or at.error]}")


def page_times(db: Path, runs: int) -> list[float]:
    from streamlit.testing.v1 import AppTest

    os.environ["UNION_KPI_DB"] = str(db)
    previous = os.getcwd()
    os.chdir(ROOT)
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
        _sign_in(at, db)
        times = []
        for page in PAGES:
            at.switch_page(f"pages/{page}.py")
            at.run()  # warm-up: fills the caches
            if at.exception:
                raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")
            for _ in range(runs):
                start = time.perf_counter()
                at.run()
                times.append((time.perf_counter() - start) * 1000)
        return times
    finally:
        os.chdir(previous)


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report_seconds(db: Path, length: str = "short") -> tuple[float, float]:
    """(wall, CPU) seconds of `python -m etl report --year 2025 --quarter 4 --length LENGTH` (Word,
    slides, PNGs); CPU is user + sys of the command and its children (Chromium included)."""
    import resource
    import subprocess
    import sys

    with tempfile.TemporaryDirectory(prefix="bench-report-") as out:
        command = [sys.executable, "-m", "etl", "report", "--year", "2025", "--quarter", "4"]
        command += ["--length", length, "--db", str(db), "--out", out]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def report_times(db: Path, repeats: int) -> dict[str, list[float]]:
    """report_short_s and report_full_s (and their CPU seconds), each after a warm-up run (fonts,
    files and Chromium in the page cache: a warm system); report_export_s is the short one."""
    out: dict[str, list[float]] = {}
    for length in ("short", "full"):
        report_seconds(db, length)  # warm-up
        runs = [report_seconds(db, length) for _ in range(repeats)]
        out[f"report_{length}_s"] = [wall for wall, _ in runs]
        out[f"report_{length}_cpu_s"] = [cpu for _, cpu in runs]
    out["report_export_s"] = out["report_short_s"]
    return out
