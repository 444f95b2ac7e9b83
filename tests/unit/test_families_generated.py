"""Layout family, generated: hypothesis combines the features offices mix freely — writer
(Excel via xlsxwriter, openpyxl, BIFF8 via xlwt, CSV in four encodings), merged or plain
title, notes and a 填报日期 above the header, 序号, one- or two-row header (merged, or
CSV-style with the group written once), Traditional or synonym headers with units, column
order, a computed 入会率 column, empty trailing columns, a 合计 row at the top, middle or
bottom, footer lines, numbers as text — and the rows read must be exactly the units'.

Parsing is called directly (read_bytes + parse_sheet) so that many layouts run quickly;
test_families.py loads whole files through load_paths and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import openpyxl
import xlsxwriter
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.ingest.normalise import parse_sheet
from etl.ingest.read import read_bytes
from etl.ingest.validate import validate_sheet

UNITS = [
    ("滨江市第一中学工会", 1000, 963, 500, 490),
    ("滨江市人民医院（东院）工会", 300, 290, 100, 95),
    ("滨江市人民医院（西院）工会", 280, 270, 90, 88),
    ("滨江市税务局工会", 60, 47, 10, 5),
]
FIELDS = ["employees", "members", "employees_female", "members_female"]
HEADERS = {
    "plain": ["职工人数", "会员人数", "女职工人数", "女会员人数"],
    "traditional": ["職工人數", "會員人數", "女職工人數", "女會員人數"],
    "synonyms": ["职工总数（人）", "会员总数\n（人）", "其中：女职工", "女会员数"],
}
UNIT_HEADERS = {"plain": "单位名称", "traditional": "單位名稱", "synonyms": "基层工会名称"}
GROUPS = [("职工情况", "人数", "女职工"), ("会员情况", "人数", "女会员")]


@st.composite
def layouts(draw: st.DrawFn) -> dict:
    return {
        "writer": draw(
            st.sampled_from(["xlsxwriter", "openpyxl", "xlwt", "gbk", "gb18030", "utf-8", "utf-8-sig"])
        ),
        "title": draw(st.sampled_from(["none", "plain", "merged"])),
        "blank_rows": draw(st.integers(0, 2)),
        "report_line": draw(st.booleans()),
        "serial": draw(st.booleans()),
        "header": draw(st.sampled_from(["single", "groups"])),
        "words": draw(st.sampled_from(sorted(HEADERS))),
        "order": draw(st.permutations(range(4))),
        "rate": draw(st.sampled_from(["none", "text", "number"])),
        "trailing": draw(st.integers(0, 3)),
        "total": draw(st.sampled_from(["none", "top", "middle", "bottom"])),
        "total_label": draw(st.sampled_from(["合计", "总计", "合　计", "全市合计"])),
        "footer": draw(st.booleans()),
        "text_numbers": draw(st.sampled_from(["no", "separators", "suffix", "full_width"])),
        "period": draw(st.sampled_from(["title", "sheet", "file", "columns"])),
        "seed": draw(st.integers(0, 1000)),
    }


def _number(value: int, how: str) -> object:
    if how == "separators":
        return f"{value:,}"
    if how == "suffix":
        return f"{value}人"
    if how == "full_width":
        return str(value).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return value


def build(layout: dict) -> tuple[list[list[object]], list[tuple[int, int, int, int]], str, str]:
    """The grid, merged ranges (r0, c0, r1, c1), sheet name and file name of one layout."""
    rng = random.Random(layout["seed"])
    grid: list[list[object]] = []
    merges: list[tuple[int, int, int, int]] = []
    lead = ["序号"] if layout["serial"] else []
    period_cols = ["年度", "季度"] if layout["period"] == "columns" else []
    width = len(lead) + len(period_cols) + 1 + 4 + (1 if layout["rate"] != "none" else 0)
    title = "2025年第二季度会员发展情况统计表" if layout["period"] == "title" else "会员发展情况统计表"
    if layout["title"] != "none" or layout["period"] == "title":
        grid.append([title] + [None] * (width - 1))
        if layout["title"] != "plain":
            merges.append((0, 0, 0, width - 1))
    grid += [[None] * width for _ in range(layout["blank_rows"])]
    if layout["report_line"]:
        grid.append(["填报单位：滨江市机关工会", None, "填报日期：", "2025年7月5日"] + [None] * (width - 4))
    order = list(layout["order"])
    words = HEADERS[layout["words"]]
    measures = [words[i] for i in order]
    unit_header = UNIT_HEADERS[layout["words"]]
    rate = ["入会率"] if layout["rate"] != "none" else []
    header_row = len(grid)
    if layout["header"] == "single":
        grid.append(lead + period_cols + [unit_header] + measures + rate)
    else:
        # groups need 职工/会员 pairs next to each other: employees, female employees, members, female members
        order = [0, 2, 1, 3]
        top = lead + period_cols + [unit_header]
        bottom = [None] * len(top)
        first = len(top)
        for group, total, female in GROUPS:
            top += [group, None]
            bottom += [total, female]
        top += rate
        bottom += [None] * len(rate)
        grid += [top, bottom]
        spanned = len(lead) + len(period_cols) + 1
        for c in range(spanned):
            merges.append((header_row, c, header_row + 1, c))
        merges += [(header_row, first, header_row, first + 1), (header_row, first + 2, header_row, first + 3)]
        if rate:
            merges.append((header_row, width - 1, header_row + 1, width - 1))
    rows = []
    for i, (name, *numbers) in enumerate(UNITS, start=1):
        cells = [numbers[k] for k in order]
        row = (
            ([i] if lead else [])
            + (["2025", "第二季度"] if period_cols else [])
            + [name]
            + [_number(v, layout["text_numbers"]) for v in cells]
        )
        if layout["rate"] == "text":
            row.append(f"{numbers[1] / numbers[0]:.1%}")
        elif layout["rate"] == "number":
            row.append(round(numbers[1] / numbers[0], 4))
        rows.append(row)
    sums = [sum(u[1 + k] for u in UNITS) for k in order]
    label = layout["total_label"]
    total = (["", *([None] * len(period_cols))] if lead else [None] * len(period_cols)) + [label] + sums
    if lead and rng.random() < 0.5:  # the label in the 序号 column, the unit cell blank
        total = [label, *([None] * len(period_cols)), None, *sums]
    total += [None] * (width - len(total))
    position = {"none": None, "top": 0, "middle": 2, "bottom": len(rows)}[layout["total"]]
    if position is not None:
        rows.insert(position, total)
    grid += [row + [None] * (width - len(row)) for row in rows]
    if layout["footer"]:
        grid += [
            [None] * width,
            ["填表人：张三", None, "审核人：李四"] + [None] * (width - 3),
            ["填报日期：2025年7月5日"] + [None] * (width - 1),
            ["注：会员人数为季度末在册人数。"] + [None] * (width - 1),
        ]
    for row in grid:
        row += [None] * layout["trailing"]
    sheet = "2025年二季度" if layout["period"] == "sheet" else "Sheet1"
    file_stem = "2025年第二季度会员发展" if layout["period"] == "file" else "会员发展"
    return grid, merges, sheet, file_stem


def write(layout: dict) -> tuple[bytes, str]:
    grid, merges, sheet, stem = build(layout)
    writer = layout["writer"]
    if writer == "xlsxwriter":
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        ws = book.add_worksheet(sheet)
        pct = book.add_format({"num_format": "0.0%"})
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value, pct if isinstance(value, float) and value < 1 else None)
        for r0, c0, r1, c1 in merges:
            ws.merge_range(r0, c0, r1, c1, grid[r0][c0])
        book.close()
        return buffer.getvalue(), f"{stem}.xlsx"
    if writer == "openpyxl":
        book = openpyxl.Workbook()
        ws = book.active
        ws.title = sheet
        for row in grid:
            ws.append(row)
        for r0, c0, r1, c1 in merges:
            if (r0, c0) != (r1, c1):
                ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue(), f"{stem}.xlsx"
    if writer == "xlwt":
        book = xlwt.Workbook(encoding="utf-8")
        ws = book.add_sheet(sheet)
        covered = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r0, c0, r1, c1 in merges:
            ws.write_merge(r0, r1, c0, c1, grid[r0][c0])
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if value is not None and (r, c) not in covered:
                    ws.write(r, c, value)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue(), f"{stem}.xls"
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([["" if v is None else v for v in row] for row in grid])
    # a CSV has no sheet name: the period said by the sheet moves to the file name
    name = f"{stem}.csv" if layout["period"] != "sheet" else "2025年二季度.csv"
    return text.getvalue().encode(writer), name


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(layout=layouts())
def test_layout_generated_tables_read_exactly_the_units(layout: dict) -> None:
    data, name = write(layout)
    sheets = [s for s in read_bytes(data, name) if any(str(c).strip() for row in s.rows for c in row)]
    assert len(sheets) == 1
    parsed = parse_sheet(sheets[0], name)
    validate_sheet(parsed)
    assert parsed.problems.errors == [], [p.text() for p in parsed.problems.errors]
    assert parsed.kind == "membership"
    frame = parsed.frame.set_index("unit")
    assert sorted(frame.index) == sorted(u[0] for u in UNITS)
    for name_, *numbers in UNITS:
        assert [int(frame.loc[name_, f]) for f in FIELDS] == numbers, (name_, layout)
    assert parsed.periods == [(2025, 2)]
    assert not [w for w in parsed.problems.warnings if "约数" in w.message or "类别" in w.message]
    if layout["period"] != "columns":  # the period was said by the sheet, never by the 填报日期
        assert parsed.period_note


# ---------------------------------------------------------------- dated events

EVENTS = [
    (dt.date(2025, 1, 20), "滨江市第一中学工会", "送温暖", 10, 5000),
    (dt.date(2025, 3, 31), "滨江市税务局工会", "困难帮扶", 2, 2000),
    (dt.date(2025, 4, 1), "滨江市人民医院（东院）工会", "住院慰问", 3, 600),
    (dt.date(2025, 9, 30), "滨江市税务局工会", "金秋助学", 4, 8000),
    (dt.date(2025, 12, 31), "滨江市第一中学工会", "节日慰问", 20, 12000),
]
CANONICAL = {
    "送温暖": "送温暖",
    "困难帮扶": "困难职工帮扶",
    "住院慰问": "住院探望",
    "金秋助学": "金秋助学",
    "节日慰问": "节日慰问",
}


def _date_cell(day: dt.date, how: str) -> object:
    serial = (day - dt.date(1899, 12, 30)).days
    return {
        "date": day,
        "iso": day.isoformat(),
        "slash": f"{day.year}/{day.month}/{day.day}",
        "cn": f"{day.year}年{day.month}月{day.day}日",
        "dots": f"{day.year}.{day.month}.{day.day}",
        "serial": serial,
        "serial_text": str(serial),
    }[how]


def _amount_cell(value: int, how: str) -> object:
    return {
        "number": value,
        "separators": f"{value:,}",
        "yuan": f"{value}元",
        "currency": f"￥{value:,.2f}",
        "wan": value / 10_000,
    }[how]


@st.composite
def event_layouts(draw: st.DrawFn) -> dict:
    return {
        "writer": draw(st.sampled_from(["xlsxwriter", "openpyxl", "xlwt", "gbk", "utf-8-sig"])),
        "dates": draw(
            st.lists(
                st.sampled_from(["date", "iso", "slash", "cn", "dots", "serial", "serial_text"]),
                min_size=len(EVENTS),
                max_size=len(EVENTS),
            )
        ),
        "amounts": draw(st.sampled_from(["number", "separators", "yuan", "currency", "wan"])),
        "title": draw(st.booleans()),
        "total": draw(st.sampled_from(["none", "top", "bottom"])),
        "footer": draw(st.booleans()),
        "order": draw(st.permutations(range(5))),
    }


def write_events(layout: dict) -> tuple[bytes, str]:
    headers = [
        "发放日期",
        "单位名称",
        "帮扶类别",
        "受益人次",
        "金额（万元）" if layout["amounts"] == "wan" else "金额",
    ]
    rows: list[list[object]] = []
    for day, unit, category, people, amount in EVENTS:
        rows.append(
            [
                _date_cell(day, layout["dates"][len(rows)]),
                unit,
                category,
                people,
                _amount_cell(amount, layout["amounts"]),
            ]
        )
    total = [
        None,
        "合计",
        None,
        sum(e[3] for e in EVENTS),
        _amount_cell(sum(e[4] for e in EVENTS), layout["amounts"]),
    ]
    if layout["total"] == "top":
        rows.insert(0, total)
    elif layout["total"] == "bottom":
        rows.append(total)
    order = list(layout["order"])
    grid = ([["2025年帮扶慰问发放明细表"]] if layout["title"] else []) + [[headers[i] for i in order]]
    grid += [[row[i] for i in order] for row in rows]
    if layout["footer"]:
        grid += [["填表人：张三"], ["填报日期：2026年1月8日"]]
    writer = layout["writer"]
    if writer in ("xlsxwriter", "openpyxl", "xlwt"):
        if writer == "xlsxwriter":
            buffer = io.BytesIO()
            book = xlsxwriter.Workbook(buffer, {"in_memory": True})
            ws = book.add_worksheet("慰问明细")
            fmt = book.add_format({"num_format": "yyyy-mm-dd"})
            for r, row in enumerate(grid):
                for c, value in enumerate(row):
                    if isinstance(value, dt.date):
                        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), fmt)
                    elif value is not None:
                        ws.write(r, c, value)
            book.close()
            return buffer.getvalue(), "2025年帮扶慰问.xlsx"
        if writer == "openpyxl":
            book = openpyxl.Workbook()
            for row in grid:
                book.active.append(row)
            buffer = io.BytesIO()
            book.save(buffer)
            return buffer.getvalue(), "2025年帮扶慰问.xlsx"
        xls = xlwt.Workbook(encoding="utf-8")
        ws = xls.add_sheet("慰问明细")
        style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value, style if isinstance(value, dt.date) else xlwt.Style.default_style)
        buffer = io.BytesIO()
        xls.save(buffer)
        return buffer.getvalue(), "2025年帮扶慰问.xls"
    text = io.StringIO()
    csv.writer(text).writerows(
        [["" if v is None else (v.isoformat() if isinstance(v, dt.date) else v) for v in row] for row in grid]
    )
    return text.getvalue().encode(writer), "2025年帮扶慰问.csv"


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(layout=event_layouts())
def test_dates_generated_event_lists_count_each_event_in_the_quarter_of_its_date(layout: dict) -> None:
    data, name = write_events(layout)
    parsed = parse_sheet(read_bytes(data, name)[0], name)
    assert parsed.problems.errors == [], [p.text() for p in parsed.problems.errors]
    assert parsed.kind == "welfare"
    frame = parsed.frame.sort_values("date")
    assert list(frame["date"]) == [e[0] for e in EVENTS]
    assert list(frame["quarter"]) == [1, 1, 2, 3, 4]
    assert [float(a) for a in frame["amount"]] == [float(e[4]) for e in EVENTS]
    assert list(frame["category"]) == [CANONICAL[e[2]] for e in EVENTS]
    assert list(frame["beneficiaries"]) == [e[3] for e in EVENTS]
