"""Cached reads of the database for the pages: one typed function per thing a page reads.

Every cache key includes the database's data version, so a load from the upload page or the
command line shows on the next rerun without a restart, and a cache never serves stale data.
Each function runs the etl read of the same name (etl.indicators.queries / kpis) on a short-lived
connection; st.cache_data hands every caller its own copy, so a page may change what it gets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Concatenate, ParamSpec, TypeVar, cast

import duckdb
import pandas as pd
import streamlit as st

from etl import store
from etl.core import settings
from etl.indicators import kpis, queries
from etl.indicators.kpis import Kpi, LeftOut

P = ParamSpec("P")
R = TypeVar("R")


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
def _cached(
    _read: Callable[..., object],  # not hashed (leading underscore): `name` stands for it in the key
    name: str,
    db: str,
    data_version: int,
    args: tuple[object, ...],
    kwargs: tuple[tuple[str, object], ...],
) -> object:
    with store.connect(db) as con:
        return _read(con, *args, **dict(kwargs))


def _read(
    read: Callable[Concatenate[duckdb.DuckDBPyConnection, P], R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """read(con, *args, **kwargs), cached per database and data version; typed as `read` is."""
    name = f"{read.__module__}.{read.__qualname__}"
    result = _cached(read, name, db_path(), version(), args, tuple(sorted(kwargs.items())))
    return cast(R, result)  # what `read` returned, through the cache's pickle


# ---------------------------------------------------------------- the organisation and its units


def org_name() -> str:
    return _read(queries.org_name)


def units() -> pd.DataFrame:
    """The register: unit_id, name, parent_id, parent, reports, unit_type, children, retired."""
    return _read(queries.units)


def unit_name(unit_id: int | None) -> str:
    return _read(queries.unit_name, unit_id)


def unit_count() -> int:
    return _read(queries.unit_count)


def scope_units(year: int) -> pd.DataFrame:
    """The units offered as a scope for `year` (retired ones only with data in it)."""
    return _read(queries.scope_units, year)


def children(parent: int | None, year: int) -> pd.DataFrame:
    return _read(queries.children, parent, year)


def path_to(unit_id: int) -> list[int]:
    return _read(queries.path_to, unit_id)


def subtree(unit_id: int) -> frozenset[int]:
    return _read(queries.subtree, unit_id)


def reporting_units(scope: int | None) -> int:
    return _read(queries.reporting_units, scope)


# ---------------------------------------------------------------- periods and loads


def periods() -> list[tuple[int, int]]:
    """(year, quarter) with data, newest first."""
    return _read(queries.periods)


def period_coverage() -> pd.DataFrame:
    return _read(queries.period_coverage)


def default_period(min_share: float) -> tuple[int, int] | None:
    return _read(queries.default_period, min_share)


def target_years() -> list[int]:
    return _read(queries.target_years)


def target_unit_names() -> tuple[list[str], bool]:
    return _read(queries.target_unit_names)


def targets(year: int) -> pd.DataFrame:
    return _read(queries.targets, year)


def last_loaded() -> str:
    return _read(queries.last_loaded)


def load_log() -> pd.DataFrame:
    return _read(queries.load_log)


def sha_loaded(sha256: str) -> pd.DataFrame:
    return _read(queries.sha_loaded, sha256)


# ---------------------------------------------------------------- indicators


def indicators(year: int, quarter: int, scope: int | None) -> dict[str, Kpi]:
    return _read(kpis.compute, year, quarter, scope)


def left_out(year: int, quarter: int, scope: int | None) -> dict[str, LeftOut]:
    return _read(kpis.left_out, year, quarter, scope)


def trend(year: int, quarter: int, scope: int | None) -> pd.DataFrame:
    return _read(kpis.trend, year, quarter, scope)


def unit_history(year: int, quarter: int, scope: int | None, level: str) -> pd.DataFrame:
    return _read(kpis.unit_history, year, quarter, scope, None, level)


def has_sub_unions(scope: int | None) -> bool:
    return _read(kpis.has_sub_unions, scope)


def coverage_by_kind(year: int, quarter: int, scope: int | None) -> pd.DataFrame:
    return _read(kpis.coverage_by_kind, year, quarter, scope)


# ---------------------------------------------------------------- page tables


def breakdown(kind: str, year: int, quarter: int, scope: int | None) -> pd.DataFrame:
    return _read(queries.breakdown, kind, year, quarter, scope)


def events(kind: str, year: int, quarter: int, scope: int | None) -> pd.DataFrame:
    return _read(queries.events, kind, year, quarter, scope)


def missing_units(year: int, quarter: int, scope: int | None, kind: str) -> pd.DataFrame:
    return _read(queries.missing_units, year, quarter, scope, kind)


def reporting_matrix(year: int, scope: int | None, kind: str) -> pd.DataFrame:
    return _read(queries.reporting_matrix, year, scope, kind)


def membership_rows(year: int, quarter: int, scope: int | None) -> pd.DataFrame:
    return _read(queries.membership_rows, year, quarter, scope)


def dues_by_unit(year: int, quarter: int, scope: int | None, *, arrears_only: bool = False) -> pd.DataFrame:
    return _read(queries.dues_by_unit, year, quarter, scope, arrears_only)


def arrears_total(year: int, quarter: int, scope: int | None) -> tuple[int, float]:
    """How many units of the scope owe dues, and how much."""
    return _read(queries.arrears_total, year, quarter, scope)
