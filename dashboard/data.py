"""Cached reads of the database for the pages.

Every cache key includes the database's data version, so a load from the upload page or
the command line shows on the next rerun without a restart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import streamlit as st

from etl import kpis, queries, settings, store


def db_path() -> str:
    return str(settings.db_path())


@contextmanager
def connection() -> Iterator:
    with store.connect(db_path()) as con:
        yield con


def version() -> int:
    with connection() as con:
        return store.data_version(con)


@st.cache_data(show_spinner=False, max_entries=64)
def _cached(name: str, db: str, data_version: int, *args: object) -> object:
    with store.connect(db) as con:
        if name.startswith("kpis."):
            return getattr(kpis, name.removeprefix("kpis."))(con, *args)
        return getattr(queries, name)(con, *args)


def get(name: str, *args: object) -> object:
    """queries.<name>(con, *args) or kpis.<fn>(con, *args), cached per data version."""
    return _cached(name, db_path(), version(), *args)


def frame(name: str, *args: object) -> pd.DataFrame:
    result = get(name, *args)
    assert isinstance(result, pd.DataFrame)
    return result.copy()


def database_exists() -> bool:
    return Path(db_path()).exists()
