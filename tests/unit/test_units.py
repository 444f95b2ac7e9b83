"""Unit register changes keep history attached and never lose or double figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import store
from etl.indicators import kpis
from etl.store import units
from etl.store.pipeline import load_paths
from etl.store.units import UnitEditError
from tests.conftest import copy_folder
from tests.sheets import write_xlsx

HEADER = ["单位名称", "上级工会", "职工人数", "会员人数"]


def sheet(path: Path, rows: list[list[object]]) -> Path:
    return write_xlsx(path, HEADER, rows)


@pytest.fixture(scope="module")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # built once per module; each test writes to its own copy (`db`)
    tmp_path = tmp_path_factory.mktemp("db")
    path = tmp_path / "u.duckdb"
    load_paths(
        [
            sheet(
                tmp_path / "2025年第一季度会员.xlsx",
                [["甲厂工会", "局工会", 100, 90], ["甲厂", "局工会", 10, 9], ["乙厂", "局工会", 50, 50]],
            ),
            sheet(tmp_path / "2025年第二季度会员.xlsx", [["甲厂工会", "局工会", 100, 95]]),
        ],
        db=path,
    )
    return path


@pytest.fixture
def db(db_template: Path, tmp_path: Path) -> Path:
    return copy_folder(db_template, tmp_path)


def unit_id(db: Path, name: str) -> int:
    with store.connect(db, read_only=True) as con:
        return kpis.find_unit(con, name)


def members(db: Path, quarter: int, unit: str | None = None) -> float | None:
    with store.connect(db, read_only=True) as con:
        scope = kpis.find_unit(con, unit) if unit else None
        return kpis.compute(con, 2025, quarter, scope)["members"].actual


def test_rename_keeps_the_old_spelling_as_alias(db: Path, tmp_path: Path) -> None:
    old = unit_id(db, "乙厂")
    units.rename(db, old, "乙厂工会（总部）")
    assert unit_id(db, "乙廠") == old  # the old name, in Traditional, still finds it
    assert unit_id(db, "乙厂工会 (总部)") == old
    load_paths([sheet(tmp_path / "2025年第三季度会员.xlsx", [["乙厂", "局工会", 60, 60]])], db=db)
    assert members(db, 3, "乙厂工会（总部）") == 60  # next quarter's file with the old name attaches


def test_merge_moves_history_and_keeps_the_target_on_clashes(db: Path) -> None:
    source, target = unit_id(db, "甲厂"), unit_id(db, "甲厂工会")
    before_q2 = members(db, 2)
    dropped = units.merge(db, source, target)
    assert dropped["membership"] == 1  # both reported 2025 Q1: target's row kept
    assert members(db, 1, "甲厂工会") == 90
    assert members(db, 1) == 90 + 50  # not 90 + 9 + 50: the duplicate is gone
    assert members(db, 2) == before_q2
    assert unit_id(db, "甲厂") == target  # the merged spelling maps to the target


def test_rename_onto_another_unit_is_refused(db: Path) -> None:
    with pytest.raises(UnitEditError, match="合并"):
        units.rename(db, unit_id(db, "乙厂"), "甲厂")


def test_set_parent_refuses_cycles(db: Path) -> None:
    parent, child = unit_id(db, "局工会"), unit_id(db, "乙厂")
    with pytest.raises(UnitEditError):
        units.set_parent(db, parent, child)
    units.set_parent(db, child, None)
    assert members(db, 1, "局工会") == 90 + 9  # 乙厂 is no longer below 局工会


def test_alias_added_by_hand_is_used_by_the_next_load(db: Path, tmp_path: Path) -> None:
    target = unit_id(db, "乙厂")
    units.add_alias(db, target, "乙厂职工之家")
    load_paths([sheet(tmp_path / "2025年第四季度会员.xlsx", [["乙厂职工之家", "局工会", 70, 70]])], db=db)
    assert members(db, 4, "乙厂") == 70
    with pytest.raises(UnitEditError):
        units.add_alias(db, target, "甲厂工会")


def test_a_removed_alias_no_longer_matches(db: Path, tmp_path: Path) -> None:
    target = unit_id(db, "乙厂")
    units.add_alias(db, target, "乙厂职工之家")
    units.remove_alias(db, "乙厂职工之家")
    load_paths([sheet(tmp_path / "2025年第四季度会员.xlsx", [["乙厂职工之家", "局工会", 70, 70]])], db=db)
    assert unit_id(db, "乙厂职工之家") != target
