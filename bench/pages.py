"""Page figures: server-side time of each dashboard page through streamlit.testing.v1.AppTest,
warm (each page opened once first, so st.cache_data holds its queries), p95 over all runs.
The report figure: etl.report.build_report for the annual report (Q4)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# every page a leader opens (数据上传 and 单位管理 are admin pages without indicator queries)
PAGES = ("overview", "organisation", "contracts", "dues", "welfare", "activities", "reporting", "targets")


def page_times(db: Path, runs: int) -> list[float]:
    from streamlit.testing.v1 import AppTest

    os.environ["UNION_KPI_DB"] = str(db)
    previous = os.getcwd()
    os.chdir(ROOT)
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
        at.run()
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


def report_seconds(db: Path) -> float:
    from etl.report import build_report

    with tempfile.TemporaryDirectory(prefix="bench-report-") as out:
        start = time.perf_counter()
        build_report(db, 2025, 4, None, out)
        return time.perf_counter() - start
