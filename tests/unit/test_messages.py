"""What a 干事 reads about a file and about an undo: whole sentences, the template's own
instructions sheet passed over quietly, and an undo that says what it deletes and restores."""

from __future__ import annotations

import io
from pathlib import Path

import xlsxwriter

from etl import store
from etl.core.problems import Problem
from etl.ingest.inspect import inspect_bytes, is_instructions_sheet
from etl.outputs.templates import GUIDE_SHEET
from etl.store import history
from etl.store.pipeline import load_paths
from tests.sheets import write_xlsx

HEADER = ["单位名称", "职工人数", "会员人数"]


def test_a_problem_is_one_sentence_naming_file_sheet_row_column_and_value() -> None:
    problem = Problem(
        "error", "应为数字", file="a.xlsx", sheet="会员发展", row=6, column=2, header="会员人数", value="x"
    )
    assert (
        problem.text()
        == "文件「a.xlsx」 工作表「会员发展」 第 6 行 C 列「会员人数」：应为数字，表中填的是「x」。"
    )
    # under its sheet, the list leaves out what the group title already says
    assert problem.sentence() == "第 6 行 C 列「会员人数」：应为数字，表中填的是「x」。"
    sheet_level = Problem("warning", "工作表「汇总」是汇总表，未导入。", file="a.xlsx", sheet="汇总")
    assert sheet_level.sentence() == "工作表「汇总」是汇总表，未导入。"  # no doubled full stop
    assert sheet_level.text() == "文件「a.xlsx」 工作表「汇总」：工作表「汇总」是汇总表，未导入。"


def _book(sheets: dict[str, list[list[object]]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def test_an_instructions_sheet_is_passed_over_quietly_another_extra_sheet_with_a_sentence() -> None:
    assert is_instructions_sheet(GUIDE_SHEET) and is_instructions_sheet("填表说明")
    assert not is_instructions_sheet("会员发展") and not is_instructions_sheet("封面")
    data = [HEADER, ["甲单位", 100, 90]]
    notes = [["本表每季度报送一次"], ["请勿修改表头"]]
    report = inspect_bytes(_book({"会员发展": data, "填表说明": notes, "封面": notes}), "2025年第二季度.xlsx")
    by_name = {s.sheet: s for s in report.sheets}
    assert by_name["填表说明"].problems.items == []
    assert [p.sentence() for p in by_name["封面"].problems.items] == [
        "工作表「封面」中没有找到任何一类报表的表头（如「单位名称」「会员人数」），未导入其中的内容；"
        "如果它是数据表，请把表头改成模板中的列名后重新上传。"
    ]
    assert report.errors == []


def test_an_instructions_sheet_alone_is_still_an_error() -> None:
    report = inspect_bytes(_book({"填写说明": [["本表每季度报送一次"], ["请勿修改表头"]]}), "x.xlsx")
    assert report.errors and not report.data_sheets


def test_undo_effect_lists_what_an_undo_deletes_and_restores(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    first = write_xlsx(tmp_path / "2025年第一季度会员.xlsx", HEADER, [["甲", 100, 90], ["乙", 50, 40]])
    second = write_xlsx(tmp_path / "2025年第一季度会员_更正.xlsx", HEADER, [["甲", 100, 95], ["丙", 9, 9]])
    (loaded,) = load_paths([first], db=db)
    (correction,) = load_paths([second], db=db)
    with store.connect(db, read_only=True) as con:
        effect = history.undo_effect(con, correction.load_id)
        untouched = history.undo_effect(con, loaded.load_id)
    rows = {a: (k, n, u, p) for a, k, n, u, p in effect.itertuples(index=False)}
    assert rows == {
        "delete": ("membership", 2, ["丙", "甲"], [(2025, 1)]),
        "restore": ("membership", 1, ["甲"], [(2025, 1)]),
    }
    # the first load wrote 甲 and 乙; 甲 was replaced since, so only 乙 is still its own
    assert untouched[["action", "rows"]].values.tolist() == [["delete", 1]]
    history.undo(db, correction.load_id, user="test")
    with store.connect(db, read_only=True) as con:
        assert history.undo_effect(con, correction.load_id).empty  # nothing left to undo
