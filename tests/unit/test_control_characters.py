"""Control characters (NUL, BEL, ESC, DEL, other C0/C1) never reach the register or the reports:
cleaned at the door with a warning naming row and column, refused in the 单位管理 forms."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl import store
from etl.core.names import clean_cell_text, clean_name, control_characters, name_key
from etl.core.problems import Problem
from etl.ingest.inspect import inspect_path
from etl.store import database, units
from etl.store.pipeline import load_paths
from tests.sheets import write_xlsx

HOSTILE = {
    "滨江\x00一中": "滨江一中",
    "滨江\x07二中": "滨江二中",
    "\x1b[31m滨江三中": "[31m滨江三中",
    "滨江四中\x7f": "滨江四中",
    "滨江\x85五中\x9b": "滨江五中",
}


def stored_names(db: Path) -> list[str]:
    with store.connect(db, read_only=True) as con:
        return [r[0] for r in con.execute("SELECT name FROM units ORDER BY unit_id").fetchall()]


@pytest.mark.parametrize(("raw", "clean"), HOSTILE.items())
def test_clean_name_drops_control_characters_but_keeps_the_text(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean
    assert not control_characters(clean_name(raw))
    assert name_key(raw) == name_key(clean)


def test_ordinary_whitespace_is_not_a_control_character() -> None:
    assert control_characters("甲\t乙\n丙\r丁 戊") == []
    assert clean_cell_text("备注\n第二行", name=False) == ("备注\n第二行", None)


def test_control_characters_are_named_in_the_note() -> None:
    text, note = clean_cell_text("滨江\x07一中\x00\x1b", name=True)
    assert text == "滨江一中"
    assert note is not None and "BEL" in note and "NUL" in note and "ESC" in note and "滨江一中" in note
    with pytest.raises(ValueError, match="只有不可见的控制字符"):
        clean_cell_text("\x07\x00", name=True)


def test_a_sheet_with_control_characters_loads_clean_names_with_warnings(tmp_path: Path) -> None:
    header = ["单位名称", "上级工会", "职工人数", "会员人数"]
    rows = [[raw, "滨江\x07教育工会", 100, 90] for raw in HOSTILE]
    path = write_xlsx(tmp_path / "2025年第一季度会员发展.xlsx", header, rows)
    report = inspect_path(path)
    assert not report.errors, [p.text() for p in report.errors]
    warnings = [p for p in report.warnings if "控制字符" in p.message]
    unit_rows = sorted(p.row for p in warnings if p.header == "单位名称")
    assert unit_rows == [2, 3, 4, 5, 6]  # every hostile unit cell, by its spreadsheet row
    assert all(p.column == 0 for p in warnings if p.header == "单位名称")
    assert any(p.header == "上级工会" and p.column == 1 for p in warnings)
    db = tmp_path / "c.duckdb"
    load_paths([path], db=db)
    names = stored_names(db)
    assert sorted(names) == sorted([*HOSTILE.values(), "滨江教育工会"])
    assert not any(control_characters(n) for n in names)


def test_a_cell_of_nothing_but_control_characters_is_an_error_with_its_place(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "2025年第一季度会员发展.xlsx",
        ["单位名称", "职工人数", "会员人数"],
        [["滨江一中", 10, 9], ["\x07\x1b", 10, 9]],
    )
    errors = inspect_path(path).errors
    assert [(p.row, p.column) for p in errors] == [(3, 0)]
    assert "控制字符" in errors[0].message


def test_notes_titles_and_categories_are_cleaned_too(tmp_path: Path) -> None:
    welfare = write_xlsx(
        tmp_path / "2025年第一季度帮扶慰问.xlsx",
        ["发放日期", "单位名称", "类别", "金额", "备注"],
        [["2025-02-01", "滨江一中", "送温暖\x07", 500, "春节\x00慰问\x1b"]],
    )
    activities = write_xlsx(
        tmp_path / "2025年第一季度活动开展.xlsx",
        ["活动时间", "单位名称", "活动名称", "类别", "参与人数"],
        [["2025-03-01", "滨江一中", "健步走\x7f比赛", "文体\x08活动", 40]],
    )
    db = tmp_path / "n.duckdb"
    load_paths([welfare, activities], db=db)
    with store.connect(db, read_only=True) as con:
        texts = con.execute(
            "SELECT category, note FROM welfare UNION ALL SELECT category, title FROM activities"
        ).fetchall()
    assert all(not control_characters(str(t)) for row in texts for t in row), texts
    assert ("送温暖", "春节慰问") in texts


def test_rename_and_alias_forms_refuse_control_characters(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    load_paths(
        [
            write_xlsx(
                tmp_path / "2025年第一季度会员发展.xlsx", ["单位名称", "职工人数", "会员人数"], [["甲", 1, 1]]
            )
        ],
        db=db,
    )
    with store.connect(db, read_only=True) as con:
        unit_id = con.execute("SELECT unit_id FROM units").fetchall()[0][0]
    with pytest.raises(units.UnitEditError, match="控制字符（BEL）"):
        units.rename(db, unit_id, "乙\x07")
    with pytest.raises(units.UnitEditError, match="控制字符（ESC）"):
        units.add_alias(db, unit_id, "甲\x1b")
    assert stored_names(db) == ["甲"]


def test_names_stored_by_an_older_version_are_cleaned_at_start_up(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    store.ensure_schema(con)
    con.execute(
        "INSERT INTO units (unit_id, name, name_key) VALUES (1, '甲' || chr(7) || '乙' || chr(127), 'k')"
    )
    con.close()
    database._SCHEMA_READY.discard(str(db))  # as in a new process
    with store.connect(db):
        pass
    assert stored_names(db) == ["甲乙"]


def test_problem_text_shows_control_characters_visibly() -> None:
    shown = Problem("error", "不是数字", row=2, value="1\x1b[2J").text()
    assert "\x1b" not in shown and "\\x1b[2J" in shown
