"""The column-wise fast path of row parsing (etl.ingest.fastrows) gives exactly what the per-cell
parser gives — values, types, skipped rows and every message — on sheets that mix plain rows
with the rows that need the per-cell rules; set-based unit resolution keeps its rules."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from etl import store
from etl.core.names import clean_name, name_key, to_simplified
from etl.ingest import fastrows
from etl.ingest.bulk_names import display_names, name_keys
from etl.ingest.normalise import parse_sheet
from etl.ingest.read import read_bytes
from etl.store.pipeline import load_paths

MEMBERSHIP = ["序号", "单位名称", "上级工会", "职工人数", "会员人数", "新发展会员", "年度"]
WELFARE = ["发放日期", "单位名称", "类别", "受益人次", "金额（万元）", "备注"]


def _workbook(header: list[str], rows: list[list[object]], title: str, merges=()) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("数据")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.merge_range(0, 0, 0, len(header) - 1, title)
    sheet.write_row(1, 0, header)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
            elif value is not None:
                sheet.write(r, c, value)
    for r0, c0, r1, c1, value in merges:
        sheet.merge_range(r0, c0, r1, c1, value)
    book.close()
    return buf.getvalue()


def _membership_rows() -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(260):
        rows.append([i + 1, f"滨江市第{i + 1}机械厂工会", "滨江市总工会", 100 + i, 80 + i % 15, i % 4, 2025])
    # rows the per-cell rules must see, between plain ones
    rows[5] = [6, "滨江市測試廠工會（東院）", "滨江市总工会", "约120人", 90, 1, 2025]
    rows[9] = [10, "同上", "滨江市总工会", 100, 80, 0, 2025]
    rows[11] = [12, "滨江市第十二厂工会", None, -5, 80.5, None, 2025]
    rows[20] = [None, "二、企业", None, None, None, None, None]
    rows[30] = [31, "滨江市第三十一厂工会", "滨江市总工会", 100, None, 3, "2025年"]
    rows[40] = [41, "滨江市第四十一厂工会", "滨江市总工会", 50, 60, 0, 2024]
    rows[50] = [51, "单位名称", "上级工会", "职工人数", "会员人数", "新发展会员", "年度"]
    rows[60] = [61, " 滨江市 第六十一厂 工会 ", "滨江市总工会", 10.0000001, 8, "-", 2025]
    rows[70] = [71, "ABC(中国)有限公司工会", "滨江市总工会", True, 8, 0, 2025]
    rows += [
        [None, "合计", None, 99999, 88888, 100, None],
        ["填表人：张三", None, None, None, None, None, None],
    ]
    return rows


def _welfare_rows() -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(240):
        day = dt.date(2025, 4, 1) + dt.timedelta(days=i % 80)
        rows.append([day, f"滨江市第{i % 30 + 1}中学工会", "送温暖", 1 + i % 5, 0.1234 + i / 10000, None])
    rows[3][2] = "春节慰问品"  # not a standard category: a warning
    rows[7][4] = 1.23456789  # 万元 with more decimals than cents: per cell
    rows[8][0] = "2025年5月"  # a month only: a note
    rows[12][0] = dt.date(2025, 7, 2)  # next quarter: a warning
    rows[15][4] = "1.5万元"
    rows[17][1] = None  # merged from the row above (a unit over its disbursements)
    return rows


def _both(data: bytes, monkeypatch: pytest.MonkeyPatch, name: str):
    raw = read_bytes(data, name)[0]
    fast = parse_sheet(raw, name)
    monkeypatch.setattr(fastrows, "MIN_ROWS", 10**9)
    slow = parse_sheet(raw, name)
    return fast, slow


def _same(fast, slow) -> None:
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert [p.text() for p in fast.problems.items] == [p.text() for p in slow.problems.items]
    assert [(p.level, p.row, p.column, p.value) for p in fast.problems.items] == [
        (p.level, p.row, p.column, p.value) for p in slow.problems.items
    ]
    assert fast.skipped == slow.skipped


def test_membership_fast_rows_equal_per_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _workbook(MEMBERSHIP, _membership_rows(), "2025年第二季度会员发展情况统计表")
    fast, slow = _both(data, monkeypatch, "会员.xlsx")
    _same(fast, slow)
    assert len(fast.frame) > 200 and fast.problems.errors  # the odd rows did speak up
    assert fast.frame["employees"].dtype == "int64" or fast.frame["employees"].dtype == "float64"


def test_welfare_fast_rows_equal_per_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _workbook(
        WELFARE,
        _welfare_rows(),
        "2025年第二季度帮扶慰问明细",
        merges=[(18, 1, 19, 1, "滨江市第十七中学工会")],
    )
    fast, slow = _both(data, monkeypatch, "帮扶.xlsx")
    _same(fast, slow)
    assert fast.problems.warnings
    assert {str(v) for v in fast.frame["amount"]} >= {"1234.00", "15000.00"}


def test_fast_path_reads_plain_sheets_by_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [[i + 1, f"滨江市第{i + 1}机械厂工会", "滨江市总工会", 100, 80, 1, 2025] for i in range(300)]
    data = _workbook(MEMBERSHIP, rows, "2025年第二季度会员发展情况统计表")
    raw = read_bytes(data, "m.xlsx")[0]
    mapped = [c for c in parse_sheet(raw, "m.xlsx").columns if c.field]
    from etl.core.dictionary import KINDS
    from etl.ingest.headers import current_alias_index

    block = fastrows.plain_block(
        raw.rows, KINDS["membership"], mapped, 2, set(), current_alias_index()["membership"]
    )
    assert block is not None and block.ok.all() and len(block.position) == 300
    _same(*_both(data, monkeypatch, "m.xlsx"))


def test_bulk_names_equal_one_by_one() -> None:
    names = [
        "滨江市第一中学工会",
        "濱江區醫院（東院）",
        "ABC公司(北京)",
        " 空格 公司 ",
        "Test Co工会",
        "１２３",
        "後勤",
        "干部",
    ]
    assert name_keys(names) == [name_key(n) for n in names]
    assert display_names(names) == [to_simplified(clean_name(n)) for n in names]


def _load(tmp_path: Path, rows: list[list[object]], name: str, db: Path) -> list:
    path = tmp_path / name
    path.write_bytes(
        _workbook(["单位名称", "上级工会", "职工人数", "会员人数"], rows, "2025年第一季度会员发展")
    )
    return load_paths([path], db=db, user="test")


def test_set_based_units_parents_and_cycles(tmp_path: Path) -> None:
    db = tmp_path / "u.duckdb"
    [first] = _load(
        tmp_path, [["甲厂工会", "乙厂工会", 10, 8], ["乙厂工会", "甲厂工会", 10, 8]], "a.xlsx", db
    )
    assert sorted(first.new_units) == ["乙厂工会", "甲厂工会"]
    with store.connect(db, read_only=True) as con:
        units = dict(con.execute("SELECT name, parent_id FROM units").fetchall())
        created = con.execute("SELECT DISTINCT created_load FROM units").fetchall()
    assert sorted(v is None for v in units.values()) == [False, True]  # one parent set, never a cycle
    assert created == [(first.load_id,)]
    [second] = _load(
        tmp_path, [["丙厂工会", "甲厂工会", 5, 5], ["甲厂工会", "丙厂工会", 10, 8]], "b.xlsx", db
    )
    assert second.new_units == ["丙厂工会"]
    with store.connect(db, read_only=True) as con:
        cycle = con.execute(
            """WITH RECURSIVE up(start, node, depth) AS (
                   SELECT unit_id, parent_id, 1 FROM units WHERE parent_id IS NOT NULL
                   UNION ALL SELECT up.start, u.parent_id, depth + 1
                   FROM up JOIN units u ON u.unit_id = up.node
                   WHERE u.parent_id IS NOT NULL AND depth < 10)
               SELECT count(*) FROM up WHERE node = start"""
        ).fetchall()[0][0]
        reports = con.execute("SELECT count(*) FROM units WHERE reports").fetchall()[0][0]
    assert cycle == 0 and reports == 3
