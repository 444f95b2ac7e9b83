"""Ingest figures: `python -m etl load` of a 200,000-row membership workbook (units known, and
all new) against parsing it into Arrow with fastexcel, and against pandas.read_excel(openpyxl)
+ DuckDB; peak memory loading a 20 MB workbook. Each is a whole process (a command)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.data import CACHE, cached_membership_workbook, copy_database

ROOT = Path(__file__).resolve().parent.parent
# the 20 MB workbook has ~300,000 rows: above the default sheet limit, raised for the bench
ENV = {**os.environ, "UNION_KPI_MAX_ROWS": "400000", "UNION_KPI_MAX_UPLOAD_MB": "100"}

RAW_PARSE = (
    "import fastexcel,sys; fastexcel.read_excel(sys.argv[1]).load_sheet(0, header_row=None, eager=True)"
)
PANDAS_OPENPYXL = """import sys, duckdb, pandas as pd
frame = pd.read_excel(sys.argv[1], engine="openpyxl", header=1)
con = duckdb.connect(sys.argv[2])
con.execute("CREATE OR REPLACE TABLE membership AS SELECT * FROM frame")
con.close()"""


CPU: dict[str, list[float]] = {}  # command label -> CPU seconds (user + sys, children included)


def timed(command: list[str], label: str = "") -> float:
    """Wall seconds of a command; its CPU seconds go to CPU[label] (robust on a busy machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if label:
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        CPU.setdefault(label, []).append(used)
    return wall


def etl_load(workbook: Path, db: Path, label: str = "") -> float:
    return timed(
        [sys.executable, "-m", "etl", "load", str(workbook), "--db", str(db), "--user", "bench"], label
    )


def peak_rss_mb(command: list[str]) -> float:
    """Peak resident memory of the command and its children (the parsing child included)."""
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command], cwd=ROOT, env=ENV, capture_output=True, text=True, check=True
    )
    kb = int(out.stderr.strip().splitlines()[-1])
    return kb / 1024


def _loaded_once(workbook: Path) -> Path:
    """A database that already holds the workbook (its units known)."""
    path = CACHE / f"loaded-{workbook.stem}.duckdb"
    if not path.exists():
        tmp = path.with_suffix(".tmp.duckdb")
        tmp.unlink(missing_ok=True)
        etl_load(workbook, tmp)
        tmp.replace(path)
    return path


def measure(repeats: int, pandas_repeats: int, record) -> None:
    workbook = cached_membership_workbook(200_000)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        work = Path(tmp)
        raw = [
            timed([sys.executable, "-c", RAW_PARSE, str(workbook)], "raw_parse_200k") for _ in range(repeats)
        ]
        record("raw_parse_200k_s", raw)
        known = []
        for i in range(repeats):
            db = copy_database(_loaded_once(workbook), work / f"known{i}.duckdb")
            known.append(etl_load(workbook, db, "etl_xlsx_200k"))
        record("etl_xlsx_200k_s", known)
        new = [etl_load(workbook, work / f"new{i}.duckdb", "etl_xlsx_200k_new_units") for i in range(repeats)]
        record("etl_xlsx_200k_new_units_s", new)
        pandas = [
            timed(
                [sys.executable, "-c", PANDAS_OPENPYXL, str(workbook), str(work / f"pd{i}.duckdb")],
                "pandas_openpyxl_200k",
            )
            for i in range(pandas_repeats)
        ]
        record("pandas_openpyxl_200k_s", pandas)
        for label, samples in CPU.items():
            record(f"{label}_cpu_s", samples, note="CPU seconds (user + sys) of the command and its children")
        big = cached_membership_workbook(300_000)
        record(
            "upload_20mb_peak_rss_mb",
            [peak_rss_mb([sys.executable, "-m", "etl", "load", str(big), "--db", str(work / "big.duckdb")])],
            note=f"{big.stat().st_size / 1e6:.1f} MB, 300,000 rows",
        )
