"""Cached reads of the database for the pages, with typed results.

Every cache key includes the database's data version, so a load from the upload page or the
command line shows on the next rerun without a restart, and a cache never serves stale data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import duckdb
import pandas as pd
import streamlit as st

from etl import store
from etl.core import settings
from etl.indicators import kpis, queries
from etl.indicators.kpis import Kpi, LeftOut


def db_path() -> str:
    return str(settings.db_path())


@contextmanager
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    with store.connect(db_path()) as con:
        yield con


def version() -> int:
    """The data version: the stamp every data write moves on (a file read, no connection)."""
    return store.stamp(db_path())


@st.cache_data(show_spinner=False, max_entries=128)
def _cached(name: str, db: str, data_version: int, *args: object) -> object:
    with store.connect(db) as con:
        if name.startswith("kpis."):
            return getattr(kpis, name.removeprefix("kpis."))(con, *args)
        return getattr(queries, name)(con, *args)


def get(name: str, *args: object) -> Any:
    """queries.<name>(con, *args) or kpis.<fn>(con, *args), cached per data version."""
    return _cached(name, db_path(), version(), *args)


def frame(name: str, *args: object) -> pd.DataFrame:
    result = get(name, *args)
    assert isinstance(result, pd.DataFrame), name
    return result.copy()


def indicators(year: int, quarter: int, unit_id: int | None) -> dict[str, Kpi]:
    return cast(dict[str, Kpi], get("kpis.compute", year, quarter, unit_id))


def left_out(year: int, quarter: int, unit_id: int | None) -> dict[str, LeftOut]:
    return cast(dict[str, LeftOut], get("kpis.left_out", year, quarter, unit_id))


def periods() -> list[tuple[int, int]]:
    return cast(list[tuple[int, int]], get("periods"))


def text(name: str, *args: object) -> str:
    return str(get(name, *args))


def database_exists() -> bool:
    return Path(db_path()).exists()
