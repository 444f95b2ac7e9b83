"""Units an import created go with its undo (when nothing else uses them); 单位管理 can retire a unit."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import store
from etl.indicators import kpis, queries
from etl.store import history, units
from etl.store.pipeline import load_paths
from tests.conftest import copy_folder
from tests.sheets import write_xlsx

HEADER = ["单位名称", "上级工会", "职工人数", "会员人数"]


def membership(path: Path, rows: list[list[object]]) -> Path:
    return write_xlsx(path, HEADER, rows)


def reporting_rate(db: Path, quarter: int = 1) -> float | None:
    with store.connect(db, read_only=True) as con:
        return kpis.compute(con, 2025, quarter)["reporting_rate"].actual


def unit_names(db: Path) -> set[str]:
    with store.connect(db, read_only=True) as con:
        return {r[0] for r in con.execute("SELECT name FROM units").fetchall()}


@pytest.fixture(scope="module")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four reporting units under one parent, three of which sent 2025 Q1."""
    # built once per module; each test writes to its own copy (`db`)
    tmp_path = tmp_path_factory.mktemp("db")
    path = tmp_path / "life.duckdb"
    rows = [[f"基层{i}", "教育工会", 100, 90] for i in range(3)]
    load_paths([membership(tmp_path / "2025年第一季度会员发展.xlsx", rows)], db=path)
    load_paths(
        [membership(tmp_path / "2024年第四季度会员发展.xlsx", [["基层3", "教育工会", 10, 9]])], db=path
    )
    return path


@pytest.fixture
def db(db_template: Path, tmp_path: Path) -> Path:
    return copy_folder(db_template, tmp_path)


def test_undoing_a_roster_of_fifty_new_units_removes_them(db: Path, tmp_path: Path) -> None:
    before_rate, before_units = reporting_rate(db), unit_names(db)
    assert before_rate == pytest.approx(3 / 4)
    roster = [[f"误导入单位{i:02d}", "误导入上级", 10, 1] for i in range(50)]
    roster.append(["基层0", "教育工会", 100, 91])  # a known unit in the same file stays
    [summary] = load_paths([membership(tmp_path / "2025年第二季度会员发展.xlsx", roster)], db=db)
    assert len(summary.new_units) == 51  # and their new parent
    assert reporting_rate(db, 2) == pytest.approx(51 / 54)
    assert reporting_rate(db) == pytest.approx(3 / 4)  # a unit is expected from its first return on

    result = history.undo_load(db, summary.load_id, user="test")

    assert sorted(result.removed_units) == sorted([*(r[0] for r in roster[:50]), "误导入上级"])
    assert unit_names(db) == before_units
    assert reporting_rate(db) == pytest.approx(before_rate)
    with store.connect(db, read_only=True) as con:  # nobody is left expected to send later quarters
        expected = kpis.coverage_by_kind(con, 2025, 2).set_index("kind").loc["membership", "expected"]
    assert expected == 4
    with store.connect(db, read_only=True) as con:
        log = queries.load_log(con)
    assert (log["status"] == "undo").sum() == 1  # the same audit record as before


def test_units_still_in_use_are_kept(db: Path, tmp_path: Path) -> None:
    [first] = load_paths(
        [
            membership(
                tmp_path / "2025年第二季度会员发展.xlsx",
                [["新单位甲", "教育工会", 5, 5], ["新单位乙", "", 5, 5]],
            )
        ],
        db=db,
    )
    # 新单位甲 sends another quarter; 新单位乙 gets a spelling someone added by hand
    load_paths(
        [membership(tmp_path / "2025年第三季度会员发展.xlsx", [["新单位甲", "教育工会", 6, 6]])], db=db
    )
    with store.connect(db, read_only=True) as con:
        yi = kpis.find_unit(con, "新单位乙")
    units.add_alias(db, yi, "新单位乙（简称）")

    result = history.undo_load(db, first.load_id, user="test")

    assert result.removed_units == []
    assert {"新单位甲", "新单位乙"} <= unit_names(db)


def test_units_that_existed_before_the_load_are_never_removed(db: Path, tmp_path: Path) -> None:
    [load] = load_paths(
        [membership(tmp_path / "2025年第二季度会员发展.xlsx", [["基层3", "教育工会", 7, 7]])], db=db
    )
    history.undo_load(db, load.load_id, user="test")
    assert "基层3" in unit_names(db)


def test_a_retired_unit_is_not_expected_to_report_and_can_be_restored(db: Path) -> None:
    with store.connect(db, read_only=True) as con:
        gone = kpis.find_unit(con, "基层3")
    assert reporting_rate(db) == pytest.approx(3 / 4)

    units.retire(db, gone)

    assert reporting_rate(db) == pytest.approx(3 / 3)
    with store.connect(db, read_only=True) as con:
        missing = queries.missing_units(con, 2025, 1, None)
        scope_2025 = set(queries.scope_units(con, 2025)["unit_id"])
        scope_2024 = set(queries.scope_units(con, 2024)["unit_id"])
        register = queries.units(con).set_index("unit_id")
        history_rows = con.execute("SELECT count(*) FROM membership WHERE unit_id = ?", [gone]).fetchall()[0][
            0
        ]
    assert "基层3" not in set(missing["unit"])
    assert gone not in scope_2025  # no data in 2025: off the scope list
    assert gone in scope_2024  # its 2024 data still has a scope
    assert bool(register.loc[gone, "retired"]) and gone in register.index
    assert history_rows == 1  # history kept

    units.restore(db, gone)

    assert reporting_rate(db) == pytest.approx(3 / 4)
    with store.connect(db, read_only=True) as con:
        assert gone in set(queries.scope_units(con, 2025)["unit_id"])


def test_a_parent_with_active_sub_units_cannot_be_retired(db: Path) -> None:
    with store.connect(db, read_only=True) as con:
        parent = kpis.find_unit(con, "教育工会")
    with pytest.raises(units.UnitEditError, match="下级单位"):
        units.retire(db, parent)
