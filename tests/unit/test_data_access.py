"""dashboard.data: the pages' typed reads give what the etl reads give, cached per data version
(a write that moves the stamp shows on the next read; nothing else does), one cache entry per read."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

from dashboard import data
from etl import store
from etl.indicators import kpis, queries
from etl.store.pipeline import load_paths
from tests.sheets import write_xlsx

HEADER = ["单位名称", "上级工会", "会员人数", "职工人数"]


@pytest.fixture
def db(tmp_db: Path, tmp_path: Path) -> Path:
    rows = [["东区工会", None, 30, 40], ["甲厂", "东区工会", 100, 120], ["乙厂", "东区工会", 50, 80]]
    load_paths([write_xlsx(tmp_path / "2025年第1季度会员发展.xlsx", HEADER, rows)], db=tmp_db, user="t")
    st.cache_data.clear()
    yield tmp_db
    st.cache_data.clear()


def test_typed_reads_give_what_the_etl_reads_give(db: Path) -> None:
    with store.connect(db) as con:  # as the pages' reads connect (DuckDB: one configuration per file)
        east = kpis.find_unit(con, "东区工会")
        pd.testing.assert_frame_equal(data.units(), queries.units(con))
        pd.testing.assert_frame_equal(
            data.missing_units(2025, 1, east, "dues"), queries.missing_units(con, 2025, 1, east, "dues")
        )
        pd.testing.assert_frame_equal(
            data.unit_history(2025, 1, None, "unit"), kpis.unit_history(con, 2025, 1, None, None, "unit")
        )
        assert data.indicators(2025, 1, east) == kpis.compute(con, 2025, 1, east)
        assert data.periods() == queries.periods(con) == [(2025, 1)]
        assert data.subtree(east) == queries.subtree(con, east) and len(data.subtree(east)) == 3
        assert data.path_to(kpis.find_unit(con, "甲厂"))[0] == east
    assert data.indicators(2025, 1, east)["members"].actual == 180
    assert data.arrears_total(2025, 1, None) == (0, 0.0)


def test_reads_are_cached_until_the_data_version_moves(db: Path) -> None:
    assert data.unit_count() == 3 and "东区工会" in set(data.units()["name"])
    with store.connect(db) as con:  # a change that does not move the stamp: the cache still answers
        con.execute("UPDATE units SET name = '东区工会联合会' WHERE name = '东区工会'")
    assert data.unit_count() == 3 and "东区工会" in set(data.units()["name"])
    store.data_changed(db)  # what every write does after its commit
    assert "东区工会联合会" in set(data.units()["name"])


def test_a_load_shows_on_the_next_read(db: Path, tmp_path: Path) -> None:
    assert data.indicators(2025, 1, None)["members"].actual == 180
    rows = [["丙厂", "东区工会", 20, 25]]
    load_paths([write_xlsx(tmp_path / "2025年第1季度会员发展_补.xlsx", HEADER, rows)], db=db, user="t")
    assert data.unit_count() == 4
    assert data.indicators(2025, 1, None)["members"].actual == 200


def test_each_read_has_its_own_cache_entry_and_copies(db: Path) -> None:
    """Reads with the same arguments do not answer for each other; a page may change what it got."""
    with store.connect(db) as con:
        store.set_setting(con, "org_name", "滨江市总工会")
    store.data_changed(db)
    assert data.org_name() == "滨江市总工会"
    assert data.last_loaded() != data.org_name()
    assert data.unit_name(None) == "滨江市总工会"
    first = data.units()
    first.loc[:, "name"] = "改掉"
    assert "改掉" not in set(data.units()["name"])
