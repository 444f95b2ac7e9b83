"""Settings read from the environment. Every setting is documented in README.md
(a test checks that), so a union office can configure the product without code."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# name -> (default, one-line description used by the docs test)
SETTINGS: dict[str, tuple[str, str]] = {
    "UNION_KPI_DB": (str(PROJECT_ROOT / "data" / "union_kpi.duckdb"), "DuckDB database file"),
    "UNION_KPI_ALIASES": (
        str(PROJECT_ROOT / "data" / "aliases.csv"),
        "extra header aliases (CSV: kind,field,alias)",
    ),
    "UNION_KPI_STATUS_TOLERANCE": (
        "0.05",
        "Q1–Q3: on track while actual ÷ expected progress is within this share of 100 % (every indicator)",
    ),
    "UNION_KPI_MIN_COVERAGE": (
        "0.8",
        "a new session opens on the latest quarter in which this share of units sent the membership sheet",
    ),
    "UNION_KPI_USER": ("", "name recorded in the load log (defaults to the OS user)"),
    "UNION_KPI_MAX_UPLOAD_MB": ("50", "largest file accepted, checked on the server"),
    "UNION_KPI_MAX_UNZIPPED_MB": ("500", "largest total unpacked size of an xlsx (zip bombs)"),
    "UNION_KPI_MAX_ROWS": ("200000", "most rows a sheet may hold (declared and counted)"),
    "UNION_KPI_MAX_COLUMNS": ("500", "most columns a sheet may hold (declared and counted)"),
    "UNION_KPI_SANDBOX": ("1", "parse uploads in a child process with memory/time limits (0 = off)"),
    "UNION_KPI_PARSE_MEMORY_MB": ("2048", "memory limit of the parsing child process"),
    "UNION_KPI_PARSE_SECONDS": ("120", "time limit for parsing one file, from when its parsing starts"),
    "UNION_KPI_PARSE_WORKERS": (
        "auto",
        "parsing child processes shared by all uploads (auto = CPU cores - 1, at least 1, at most 2)",
    ),
    "UNION_KPI_PARSE_PER_OWNER": (
        "3",
        "files of one session or account in the parse queue at once (the rest follow as they finish)",
    ),
    "UNION_KPI_ALLOWED_ORIGINS": (
        "",
        "other origins allowed to open the app, comma-separated (https://kpi.example.org behind a proxy)",
    ),
    # accounts and sessions (etl/store/accounts.py)
    "UNION_KPI_SESSION_IDLE_MINUTES": ("480", "a login ends after this many minutes without use"),
    "UNION_KPI_SESSION_MAX_HOURS": ("24", "a login ends this many hours after it began, used or not"),
    "UNION_KPI_COOKIE_SECRET": (
        "",
        "key that signs the login cookie (default: a random key kept in the database)",
    ),
}


def get(name: str) -> str:
    default, _ = SETTINGS[name]
    return os.environ.get(name) or default


def snapshot() -> dict[str, str]:
    """The settings set in this process's environment (for a child process started earlier)."""
    return {name: os.environ[name] for name in SETTINGS if os.environ.get(name)}


def db_path() -> Path:
    return Path(get("UNION_KPI_DB"))


def aliases_path() -> Path:
    return Path(get("UNION_KPI_ALIASES"))


def current_user() -> str:
    explicit = get("UNION_KPI_USER")
    if explicit:
        return explicit
    try:
        return os.getlogin()
    except OSError:
        return os.environ.get("USER", "unknown")


@dataclass(frozen=True)
class StatusRules:
    """One rule for every indicator, so a reader can state it: in Q1–Q3, 完成进度 = actual ÷ expected
    progress; within ±tolerance of 100 % is 正常, below is 滞后, above is 超前. In Q4 the year is judged:
    完成 when 完成率 (actual ÷ annual target, to one decimal) reaches 100 %, else 未完成."""

    tolerance: float = 0.05

    @classmethod
    def from_env(cls) -> StatusRules:
        return cls(float(get("UNION_KPI_STATUS_TOLERANCE")))


def min_coverage() -> float:
    return float(get("UNION_KPI_MIN_COVERAGE"))


def session_idle_seconds() -> float:
    return float(get("UNION_KPI_SESSION_IDLE_MINUTES")) * 60


def session_max_seconds() -> float:
    return float(get("UNION_KPI_SESSION_MAX_HOURS")) * 3600
