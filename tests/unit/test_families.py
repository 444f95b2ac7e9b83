"""Spreadsheets as union offices really send them (issue 3), one test per family.

Every file is built here the way the office software builds it (xlsxwriter / openpyxl for
.xlsx with merged cells, number formats and both date systems; xlwt for BIFF8 .xls; CSV
bytes in GBK, GB18030, UTF-8 and UTF-8 with BOM), loaded through ``load_paths`` WITHOUT
kind, year or quarter, and the figures in the database are asserted against values
computed by hand. Test names start with the family they cover:

layout_*, sheets_*, formats_*, headers_*, numbers_*, dates_*, categories_*, unit_names_*,
periods_*, rejected_*, cli_*.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest
import xlsxwriter
import xlwt
from openpyxl.styles import Alignment
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from etl import store
from etl.core.problems import LoadRejected
from etl.core.settings import StatusRules
from etl.indicators import kpis
from etl.ingest.inspect import inspect_path
from etl.store.pipeline import load_paths

ROOT = Path(__file__).resolve().parents[2]
FACT_TABLES = ("membership", "dues", "welfare", "activities", "targets", "units", "loads")


# ---------------------------------------------------------------- helpers


def load(path: Path, tmp_path: Path, name: str = "x.duckdb") -> Path:
    db = tmp_path / name
    load_paths([path], db=db, user="test")
    return db


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def per_unit(db: Path, table: str, column: str, year: int, quarter: int) -> dict[str, object]:
    """{unit name: value} of one column for one quarter."""
    rows = query(
        db,
        f"SELECT u.name, t.{column} FROM {table} t JOIN units u USING (unit_id) "
        "WHERE t.year = ? AND t.quarter = ? ORDER BY u.name",
        [year, quarter],
    )
    return {name: value for name, value in rows}


def per_quarter(db: Path, table: str, expr: str) -> dict[tuple[int, int], object]:
    rows = query(db, f"SELECT year, quarter, {expr} FROM {table} GROUP BY ALL ORDER BY ALL")
    return {(y, q): v for y, q, v in rows}


def compute(db: Path, year: int, quarter: int) -> dict[str, kpis.Kpi]:
    with store.connect(db, read_only=True) as con:
        return kpis.compute(con, year, quarter, None, StatusRules())


def nothing_written(db: Path) -> bool:
    if not db.exists():
        return True
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return all(
            con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] == 0 for t in FACT_TABLES if t in tables
        )


def rejected(path: Path, db: Path) -> str:
    with pytest.raises(LoadRejected) as info:
        load_paths([path], db=db, user="test")
    assert nothing_written(db)
    return str(info.value)


def warnings_of(path: Path) -> list[str]:
    return [p.text() for p in inspect_path(path).warnings]


def write_csv(path: Path, rows: list[list[object]], encoding: str, delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


# ---------------------------------------------------------------- layout


def test_layout_merged_title_two_row_header_totals_and_footer_xlsxwriter(tmp_path: Path) -> None:
    """The 统计表 as an office makes it in Excel: merged title, blank row, 序号, a two-row header
    merged over groups, 合计 right under the header, a computed 入会率 column (text and
    percent-formatted), empty formatted trailing columns and footer lines with a 填报日期
    in another quarter."""
    path = tmp_path / "会员发展统计表.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sheet1")
    bold = book.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    pct = book.add_format({"num_format": "0.0%", "border": 1})
    border = book.add_format({"border": 1})
    sheet.merge_range("A1:I1", "2025年第二季度会员发展情况统计表", bold)
    sheet.write("A2", "填报单位：滨江市机关工会（盖章）")
    sheet.write("G2", "填报日期：2025年7月5日")
    # row 4-5: two-row header
    sheet.merge_range("A4:A5", "序号", bold)
    sheet.merge_range("B4:B5", "单位名称", bold)
    sheet.merge_range("C4:D4", "职工情况", bold)
    sheet.write_row("C5", ["人数", "女职工"], bold)
    sheet.merge_range("E4:F4", "会员情况", bold)
    sheet.write_row("E5", ["人数", "女会员"], bold)
    sheet.merge_range("G4:G5", "本期新增会员", bold)
    sheet.merge_range("H4:H5", "入会率", bold)
    sheet.merge_range("I4:I5", "备注", bold)
    sheet.write_row("A6", ["合计", "", 1360, 610, 1300, 590, 37, "95.6%"], border)
    data = [
        [1, "滨江市第一中学工会", 1000, 500, 963, 490, 30, 0.963],
        [2, "滨江市人民医院（东院）工会", 300, 100, 290, 95, 5, 0.9667],
        [3, "滨江市税务局工会", 60, 10, 47, 5, 2, 0.7833],
    ]
    for i, row in enumerate(data, start=6):
        sheet.write_row(i, 0, row[:7], border)
        sheet.write_number(i, 7, row[7], pct)
    for c in range(9, 14):  # formatted but empty trailing columns
        sheet.write_blank(5, c, None, border)
    sheet.write("A11", "填表人：张三")
    sheet.write("D11", "审核人：李四")
    sheet.write("A12", "填报日期：2025年7月5日")
    sheet.write("A13", "注：1. 会员人数为季度末在册人数。")
    sheet.write("A14", "2、本表由各基层工会填写。")
    book.close()

    db = load(path, tmp_path)
    assert per_unit(db, "membership", "members", 2025, 2) == {
        "滨江市人民医院（东院）工会": 290,
        "滨江市第一中学工会": 963,
        "滨江市税务局工会": 47,
    }
    assert per_unit(db, "membership", "employees_female", 2025, 2)["滨江市第一中学工会"] == 500
    assert per_unit(db, "membership", "members_female", 2025, 2)["滨江市税务局工会"] == 5
    assert per_unit(db, "membership", "new_members", 2025, 2)["滨江市人民医院（东院）工会"] == 5
    assert query(db, "SELECT DISTINCT year, quarter FROM membership") == [(2025, 2)]
    k = compute(db, 2025, 2)
    assert k["members"].actual == 1300
    assert k["membership_rate"].actual == pytest.approx(1300 / 1360)
    assert k["new_members"].actual == 37
    assert query(db, "SELECT count(*) FROM units")[0][0] == 3  # 合计 is not a unit


def test_layout_header_low_with_newlines_units_in_brackets_and_total_at_bottom_openpyxl(
    tmp_path: Path,
) -> None:
    """Header on row 12 (notes above it), a header cell with a line break, 「（人）」 in the header,
    columns in an unusual order, the 总计 row at the bottom with its label in the 序号 column
    (unit cell blank), spelled with a full-width space."""
    path = tmp_path / "2025年三季度会员发展.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "会员发展"
    for r in range(1, 10):
        ws.cell(r, 1, f"填表说明第{r}条：请如实填写。" if r % 2 else None)
    ws.cell(12, 1, "序号")
    ws.cell(12, 2, "会员\n人数")
    ws.cell(12, 3, "单位名称")
    ws.cell(12, 4, "职工人数（人）")
    ws.cell(12, 5, "新发展\n会员（人）")
    ws.cell(12, 2).alignment = Alignment(wrap_text=True)
    rows = [[1, 98, "甲单位", 100, 3], [2, 45, "乙单位", 50, 0], ["总　计", 143, None, 150, 3]]
    for i, row in enumerate(rows, start=13):
        for j, value in enumerate(row, start=1):
            ws.cell(i, j, value)
    book.save(path)

    db = load(path, tmp_path)
    assert per_unit(db, "membership", "members", 2025, 3) == {"乙单位": 45, "甲单位": 98}
    assert per_unit(db, "membership", "employees", 2025, 3) == {"乙单位": 50, "甲单位": 100}
    assert compute(db, 2025, 3)["new_members"].actual == 3
    report = inspect_path(path)
    assert report.sheets[0].header_rows == (12,)
    assert (15, "合计行") in report.sheets[0].skipped


def test_layout_csv_two_row_header_group_label_over_first_column_only(tmp_path: Path) -> None:
    """A CSV cannot merge: the group label stands above the first of its sub-columns only."""
    rows = [
        ["2025年第一季度会费收缴情况统计表", "", "", "", ""],
        ["单位名称", "会费情况（元）", "", "工会经费（元）", ""],
        ["", "应缴", "实缴", "应拨缴", "实拨缴"],
        ["甲单位", "1,000", "800", "5000", "5000"],
        ["乙单位", "200", "200", "", ""],
        ["合计", "1,200", "1,000", "5000", "5000"],
    ]
    path = write_csv(tmp_path / "会费.csv", rows, "gbk")
    db = load(path, tmp_path)
    assert per_unit(db, "dues", "dues_due", 2025, 1) == {
        "乙单位": Decimal("200.00"),
        "甲单位": Decimal("1000.00"),
    }
    assert per_unit(db, "dues", "dues_paid", 2025, 1) == {
        "乙单位": Decimal("200.00"),
        "甲单位": Decimal("800.00"),
    }
    assert per_unit(db, "dues", "funds_paid", 2025, 1)["甲单位"] == Decimal("5000.00")
    assert compute(db, 2025, 1)["dues_collection_rate"].actual == pytest.approx(1000 / 1200)


def test_layout_units_row_under_the_header_and_table_units_line_above(tmp_path: Path) -> None:
    """A row of units （人）/（万元） right under the header, and 「金额单位：万元」 above the table."""
    path = tmp_path / "2025年二季度会费.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    ws.write("A1", "会费收缴情况表")
    ws.write("D2", "金额单位：万元")
    ws.write_row("A3", ["单位名称", "职工人数", "应缴会费", "实缴会费"])
    ws.write_row("A4", ["", "（人）", "（万元）", "（万元）"])
    ws.write_row("A5", ["甲单位", 100, 1.2, 1.0])
    ws.write_row("A6", ["乙单位", 20, 0.25, 0.25])
    book.close()
    db = load(path, tmp_path)
    assert per_unit(db, "dues", "dues_due", 2025, 2) == {
        "乙单位": Decimal("2500.00"),
        "甲单位": Decimal("12000.00"),
    }
    assert per_unit(db, "dues", "dues_paid", 2025, 2) == {
        "乙单位": Decimal("2500.00"),
        "甲单位": Decimal("10000.00"),
    }


def test_layout_sum_row_without_label_is_not_a_unit(tmp_path: Path) -> None:
    """A SUM row at the bottom whose unit cell is blank and that has no 合计 label."""
    path = tmp_path / "2025年一季度会员发展.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    ws.write_row("A1", ["单位名称", "职工人数", "会员人数"])
    ws.write_row("A2", ["甲单位", 100, 90])
    ws.write_row("A3", ["乙单位", 50, 50])
    ws.write_formula("B4", "=SUM(B2:B3)", None, 150)
    ws.write_formula("C4", "=SUM(C2:C3)", None, 140)
    book.close()
    db = load(path, tmp_path)
    assert per_unit(db, "membership", "members", 2025, 1) == {"乙单位": 50, "甲单位": 90}


# ---------------------------------------------------------------- several sheets


def test_sheets_one_per_quarter_chinese_names_year_from_file_name(tmp_path: Path) -> None:
    path = tmp_path / "2025年会员发展情况.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for q, name in enumerate(("一季度", "二季度", "三季度", "四季度"), start=1):
        ws = book.add_worksheet(name)
        ws.write_row("A1", ["单位名称", "职工人数", "会员人数", "新发展会员"])
        ws.write_row("A2", ["甲单位", 100, 90 + q, q])
        ws.write_row("A3", ["乙单位", 50, 40 + q, 1])
    book.close()
    db = load(path, tmp_path)
    assert per_quarter(db, "membership", "sum(members)") == {(2025, q): 130 + 2 * q for q in range(1, 5)}
    assert compute(db, 2025, 3)["members"].actual == 136  # a stock is read at the quarter
    assert compute(db, 2025, 3)["new_members"].actual == 1 + 2 + 3 + 3  # a flow adds up


@pytest.mark.parametrize(
    "names",
    [
        ("Q1", "Q2", "Q3"),
        ("2025年Q1", "2025年Q2", "2025年Q3"),
        ("第1季度", "第2季度", "第3季度"),
        ("2025Q1", "2025 Q2", "2025-Q3"),
    ],
)
def test_sheets_quarter_names_in_other_spellings(tmp_path: Path, names: tuple[str, ...]) -> None:
    path = tmp_path / "会员发展.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for q, name in enumerate(names, start=1):
        ws = book.add_worksheet(name)
        ws.merge_range("A1:C1", "2025年会员发展情况统计表")
        ws.write_row("A2", ["单位名称", "职工人数", "会员人数"])
        ws.write_row("A3", ["甲单位", 100, 80 + q])
    book.close()
    db = load(path, tmp_path)
    assert per_quarter(db, "membership", "sum(members)") == {(2025, 1): 81, (2025, 2): 82, (2025, 3): 83}


def test_sheets_year_and_quarter_from_each_sheet_across_years(tmp_path: Path) -> None:
    path = tmp_path / "会员发展（跨年）.xlsx"
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, members in (("2024年四季度", 70), ("2025年一季度", 75)):
        ws = book.create_sheet(name)
        ws.append(["单位名称", "职工人数", "会员人数"])
        ws.append(["甲单位", 100, members])
    book.save(path)
    db = load(path, tmp_path)
    assert per_quarter(db, "membership", "sum(members)") == {(2024, 4): 70, (2025, 1): 75}


def test_sheets_summary_sheet_is_skipped_not_double_counted(tmp_path: Path) -> None:
    """A 汇总 sheet (sum of the quarter sheets, no period of its own) is passed over visibly;
    hidden lookup sheets and a 填表说明 sheet are ignored."""
    path = tmp_path / "2025年会费收缴.xlsx"
    book = xlsxwriter.Workbook(str(path))
    info = book.add_worksheet("填表说明")
    info.write("A1", "1. 金额单位为元；2. 请勿修改表头。")
    summary = book.add_worksheet("汇总")
    summary.write_row("A1", ["单位名称", "应缴会费", "实缴会费"])
    summary.write_row("A2", ["甲单位", 2000, 1800])
    for q, paid in ((1, 1000), (2, 800)):
        ws = book.add_worksheet(f"{q}季度")
        ws.write_row("A1", ["单位名称", "应缴会费", "实缴会费"])
        ws.write_row("A2", ["甲单位", 1000, paid])
    lookup = book.add_worksheet("lists")
    lookup.write_column("A1", ["单位名称", "甲单位", "乙单位"])
    lookup.hide()
    book.close()
    db = load(path, tmp_path)
    assert per_quarter(db, "dues", "sum(dues_paid)") == {
        (2025, 1): Decimal("1000.00"),
        (2025, 2): Decimal("800.00"),
    }
    assert compute(db, 2025, 2)["dues_collected"].actual == pytest.approx(1800)
    warnings = " ".join(warnings_of(path))
    assert "汇总" in warnings


# ---------------------------------------------------------------- formats


def test_formats_xls_biff8_from_excel_with_merged_header_and_dates(tmp_path: Path) -> None:
    """Legacy .xls (BIFF8) as xlwt writes it: merged title, merged two-row header, real dates."""
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("二季度")
    ws.write_merge(0, 0, 0, 4, "2025年第二季度会员发展情况统计表")
    ws.write_merge(2, 3, 0, 0, "单位名称")
    ws.write_merge(2, 2, 1, 2, "职工情况")
    ws.write(3, 1, "人数")
    ws.write(3, 2, "女职工")
    ws.write_merge(2, 2, 3, 4, "会员情况")
    ws.write(3, 3, "人数")
    ws.write(3, 4, "女会员")
    ws.write_merge(4, 4, 0, 0, "合计")
    for c, v in enumerate([160, 60, 150, 58], start=1):
        ws.write(4, c, v)
    for r, row in enumerate([["甲单位", 100, 40, 95, 39], ["乙单位", 60, 20, 55, 19]], start=5):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    ws.write(8, 0, "填表人：王五")
    events = book.add_sheet("慰问")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    events.write_merge(0, 0, 0, 4, "2025年帮扶慰问明细")
    for c, h in enumerate(["发放日期", "单位名称", "类别", "受益人次", "金额（元）"]):
        events.write(1, c, h)
    for r, row in enumerate(
        [
            [dt.date(2025, 1, 20), "甲单位", "送温暖", 10, 5000],
            [dt.date(2025, 4, 2), "乙单位", "困难帮扶", 1, 2000],
        ],
        start=2,
    ):
        for c, v in enumerate(row):
            events.write(r, c, v, date_style if c == 0 else xlwt.Style.default_style)
    path = tmp_path / "会员发展.xls"
    book.save(str(path))
    db = load(path, tmp_path)
    assert per_unit(db, "membership", "members", 2025, 2) == {"乙单位": 55, "甲单位": 95}
    assert per_unit(db, "membership", "employees_female", 2025, 2) == {"乙单位": 20, "甲单位": 40}
    assert per_quarter(db, "welfare", "sum(amount)") == {
        (2025, 1): Decimal("5000.00"),
        (2025, 2): Decimal("2000.00"),
    }
    assert query(db, "SELECT category FROM welfare ORDER BY date") == [("送温暖",), ("困难职工帮扶",)]


CSV_ROWS = [
    ["2025年第三季度会员发展情况统计表", "", "", ""],
    ["单位名称", "职工人数", "会员人数", "女职工人数"],
    ["滨江市第一中学工会", "1,200", "1,150", "620"],
    ["滨江区（街道）总工会", "300人", "290人", "100"],
    ["合计", "1,500", "1,440", "720"],
    ["填表人：张三", "", "", ""],
]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_formats_csv_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "members.csv", CSV_ROWS, encoding)
    db = load(path, tmp_path)
    assert per_unit(db, "membership", "members", 2025, 3) == {
        "滨江区（街道）总工会": 290,
        "滨江市第一中学工会": 1150,
    }
    assert compute(db, 2025, 3)["membership_rate"].actual == pytest.approx(1440 / 1500)


def test_formats_csv_semicolon_and_tab_separated_utf16(tmp_path: Path) -> None:
    """Excel's 「Unicode 文本」 is tab-separated UTF-16; some exports use semicolons."""
    tab = write_csv(tmp_path / "members.txt", CSV_ROWS, "utf-16", delimiter="\t")
    semi = write_csv(tmp_path / "members2.csv", CSV_ROWS, "utf-8-sig", delimiter=";")
    for path in (tab, semi):
        db = load(path, tmp_path, name=f"{path.stem}.duckdb")
        assert per_unit(db, "membership", "members", 2025, 3) == {
            "滨江区（街道）总工会": 290,
            "滨江市第一中学工会": 1150,
        }


# ---------------------------------------------------------------- headers


def test_headers_traditional_chinese(tmp_path: Path) -> None:
    path = tmp_path / "2025年第一季度.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("會員發展")
    ws.write_row("A1", ["單位名稱", "職工人數", "會員人數", "女職工人數", "新發展會員"])
    ws.write_row("A2", ["濱江市第一中學工會", 100, 90, 40, 2])
    dues = book.add_worksheet("會費")
    dues.write_row("A1", ["單位名稱", "應繳會費（萬元）", "實繳會費（萬元）"])
    dues.write_row("A2", ["濱江市第一中學工會", 1.5, 1.2])
    book.close()
    db = load(path, tmp_path)
    assert per_unit(db, "membership", "members", 2025, 1) == {"滨江市第一中学工会": 90}
    assert per_unit(db, "membership", "employees_female", 2025, 1) == {"滨江市第一中学工会": 40}
    assert per_unit(db, "dues", "dues_paid", 2025, 1) == {"滨江市第一中学工会": Decimal("12000.00")}


def test_headers_synonyms_brackets_and_units(tmp_path: Path) -> None:
    path = tmp_path / "2025年二季度.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("会员")
    ws.write_row(
        "A1", ["基层工会名称", "职工总数", "其中：女职工", "会员总数", "其中:女会员", "本期新增会员"]
    )
    ws.write_row("A2", ["甲单位", 100, 40, 90, 38, 4])
    dues = book.add_worksheet("会费")
    dues.write_row("A1", ["单位", "应缴金额（千元）", "实缴金额(千元)", "实拨缴工会经费/元"])
    dues.write_row("A2", ["甲单位", 1.5, "1.2", 3000])
    welfare = book.add_worksheet("慰问")
    welfare.write_row("A1", ["慰问日期", "单位名称", "帮扶项目", "慰问人数（人）", "金额(元)", "备注"])
    welfare.write_row("A2", ["2025-05-01", "甲单位", "生日慰问", 3, "300元", "生日蛋糕券"])
    book.close()
    db = load(path, tmp_path)
    assert per_unit(db, "membership", "employees_female", 2025, 2) == {"甲单位": 40}
    assert per_unit(db, "membership", "members_female", 2025, 2) == {"甲单位": 38}
    assert per_unit(db, "membership", "new_members", 2025, 2) == {"甲单位": 4}
    assert per_unit(db, "dues", "dues_due", 2025, 2) == {"甲单位": Decimal("1500.00")}
    assert per_unit(db, "dues", "dues_paid", 2025, 2) == {"甲单位": Decimal("1200.00")}
    assert per_unit(db, "dues", "funds_paid", 2025, 2) == {"甲单位": Decimal("3000.00")}
    assert query(db, "SELECT amount, beneficiaries, category FROM welfare") == [
        (Decimal("300.00"), 3, "生日慰问")
    ]
    mapping = {c.header: (c.field, c.note) for s in inspect_path(path).sheets for c in s.columns}
    assert mapping["应缴金额（千元）"] == ("dues_due", "千元 → 元（×1000）")


def test_headers_user_alias_file_extends_the_table_without_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    aliases = tmp_path / "aliases.csv"
    aliases.write_text(
        "kind,field,alias\nmembership,members,在册会员\nmembership,employees,在岗人员\n", encoding="utf-8"
    )
    monkeypatch.setenv("UNION_KPI_ALIASES", str(aliases))
    path = tmp_path / "2025年一季度.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet().write_row("A1", ["单位名称", "在岗人员", "在册会员"])
    book.worksheets()[0].write_row("A2", ["甲单位", 10, 9])
    book.close()
    db = load(path, tmp_path)
    assert per_unit(db, "membership", "members", 2025, 1) == {"甲单位": 9}


# ---------------------------------------------------------------- numbers


def test_numbers_stored_as_text_with_separators_fullwidth_digits_and_suffixes(tmp_path: Path) -> None:
    path = tmp_path / "2025年一季度会员.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["单位名称", "职工人数", "会员人数", "新建工会组织数", "新发展会员"])
    ws.append(["甲单位", "1,234", "１２００", "3家", "12人"])
    ws.append(["乙单位", "'500", "４９０人", "0", " 5 "])
    ws.append(["丙单位", 80, "80人", "—", "/"])
    ws["B3"].number_format = "@"
    book.save(path)
    db = load(path, tmp_path)
    assert per_unit(db, "membership", "employees", 2025, 1) == {"丙单位": 80, "乙单位": 500, "甲单位": 1234}
    assert per_unit(db, "membership", "members", 2025, 1) == {"丙单位": 80, "乙单位": 490, "甲单位": 1200}
    assert per_unit(db, "membership", "new_unions", 2025, 1) == {"丙单位": None, "乙单位": 0, "甲单位": 3}
    assert per_unit(db, "membership", "new_members", 2025, 1) == {"丙单位": None, "乙单位": 5, "甲单位": 12}


def test_numbers_money_with_currency_signs_and_scales(tmp_path: Path) -> None:
    path = tmp_path / "2025年三季度会费.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    money = book.add_format({"num_format": "¥#,##0.00"})
    ws.write_row(
        "A1",
        ["单位名称", "应缴会费(元)", "实缴会费（元）", "应拨缴工会经费（万元）", "实拨缴工会经费（万元）"],
    )
    ws.write_row("A2", ["甲单位", "¥1,200.50", "￥1,200.50", 1.5, "1.2"])
    ws.write_row("A3", ["乙单位", "1.2万", "1.2万元", "", ""])
    ws.write_row("A4", ["丙单位", "3000元", "RMB 2,000", "5000元", "4,000元"])
    ws.write_number("B5", 99.9, money)
    ws.write_string("A5", "丁单位")
    ws.write_number("C5", 99.9, money)
    book.close()
    db = load(path, tmp_path)
    assert per_unit(db, "dues", "dues_due", 2025, 3) == {
        "丁单位": Decimal("99.90"),
        "丙单位": Decimal("3000.00"),
        "乙单位": Decimal("12000.00"),
        "甲单位": Decimal("1200.50"),
    }
    assert per_unit(db, "dues", "dues_paid", 2025, 3)["乙单位"] == Decimal("12000.00")
    assert per_unit(db, "dues", "dues_paid", 2025, 3)["丙单位"] == Decimal("2000.00")
    # a 万元 column; a cell with its own 元 keeps its own unit
    assert per_unit(db, "dues", "funds_due", 2025, 3) == {
        "丁单位": None,
        "丙单位": Decimal("5000.00"),
        "乙单位": None,
        "甲单位": Decimal("15000.00"),
    }
    assert per_unit(db, "dues", "funds_paid", 2025, 3)["甲单位"] == Decimal("12000.00")


def test_numbers_approximations_read_with_a_warning_naming_the_cells(tmp_path: Path) -> None:
    path = tmp_path / "2025年二季度活动.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    ws.write_row("A1", ["活动时间", "单位名称", "活动名称", "类别", "参与人数"])
    ws.write_row("A2", ["2025-04-10", "甲单位", "健步走", "文体", "80余人"])
    ws.write_row("A3", ["2025-05-10", "甲单位", "读书会", "培训", "约80人"])
    ws.write_row("A4", ["2025-06-10", "乙单位", "技能比武", "技能竞赛", "30多人"])
    ws.write_row("A5", ["2025-06-11", "乙单位", "义诊", "志愿服务", "50人左右"])
    book.close()
    db = load(path, tmp_path)
    assert query(db, "SELECT sum(participants), count(*) FROM activities") == [(240, 4)]
    approx = [w for w in warnings_of(path) if "约数" in w]
    assert len(approx) == 4
    assert any("第 2 行" in w and "E 列" in w and "80余人" in w for w in approx)
    assert any("第 3 行" in w and "约80人" in w for w in approx)


def test_numbers_negative_in_parentheses_is_rejected_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "2025年二季度会费.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    ws.write_row("A1", ["单位名称", "应缴会费", "实缴会费"])
    ws.write_row("A2", ["甲单位", 1000, "(1,200)"])
    ws.write_row("A3", ["乙单位", 1000, -5])
    book.close()
    message = rejected(path, tmp_path / "x.duckdb")
    assert "第 2 行" in message and "负数" in message and "(1,200)" in message
    assert "第 3 行" in message


@pytest.mark.parametrize("ext", ["xlsx", "csv"])
def test_numbers_percentages_as_text_fraction_and_percent_formatted_cells(tmp_path: Path, ext: str) -> None:
    rows = [
        ["年度", "指标", "目标值", "单位名称"],
        [2025, "入会率", "95%", ""],
        [2025, "集体合同签订率", 0.8, ""],
        [2025, "女职工入会率", 90, ""],
        [2025, "新发展会员", "900人", ""],
        [2025, "帮扶慰问支出", "5万元", ""],
    ]
    path = tmp_path / f"2025年度目标.{ext}"
    if ext == "csv":
        write_csv(path, rows, "gb18030")
    else:
        book = xlsxwriter.Workbook(str(path))
        ws = book.add_worksheet()
        pct = book.add_format({"num_format": "0%"})
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
        ws.write_number(2, 2, 0.8, pct)
        book.close()
    db = load(path, tmp_path)
    targets = dict(query(db, "SELECT indicator, target FROM targets"))
    assert targets == pytest.approx(
        {
            "membership_rate": 0.95,
            "contract_signing_rate": 0.8,
            "female_membership_rate": 0.9,
            "new_members": 900,
            "welfare_spend": 50000,
        }
    )


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("maker", ["xlsxwriter", "openpyxl"])
def test_dates_real_excel_dates_in_the_1904_system(tmp_path: Path, maker: str) -> None:
    days = [dt.date(2025, 3, 31), dt.date(2025, 4, 1), dt.date(2025, 12, 31)]
    path = tmp_path / "慰问1904.xlsx"
    if maker == "xlsxwriter":
        book = xlsxwriter.Workbook(str(path), {"date_1904": True})
        ws = book.add_worksheet()
        fmt = book.add_format({"num_format": "yyyy年m月d日"})
        ws.write_row("A1", ["发放日期", "单位名称", "类别", "金额"])
        for r, day in enumerate(days, start=1):
            ws.write_datetime(r, 0, dt.datetime.combine(day, dt.time()), fmt)
            ws.write_row(r, 1, ["甲单位", "节日慰问", 100 * r])
        book.close()
    else:
        book = openpyxl.Workbook()
        book.epoch = CALENDAR_MAC_1904
        ws = book.active
        ws.append(["发放日期", "单位名称", "类别", "金额"])
        for r, day in enumerate(days, start=1):
            ws.append([day, "甲单位", "节日慰问", 100 * r])
            ws.cell(r + 1, 1).number_format = "yyyy/m/d"
        book.save(path)
    db = load(path, tmp_path)
    assert query(db, "SELECT date, year, quarter, amount FROM welfare ORDER BY date") == [
        (days[0], 2025, 1, Decimal("100.00")),
        (days[1], 2025, 2, Decimal("200.00")),
        (days[2], 2025, 4, Decimal("300.00")),
    ]


def test_dates_serial_numbers_in_a_1904_workbook_and_in_text_cells(tmp_path: Path) -> None:
    """Serials typed into General or Text cells: read in the workbook's own date system."""
    path = tmp_path / "活动1904.xlsx"
    book = xlsxwriter.Workbook(str(path), {"date_1904": True})
    ws = book.add_worksheet()
    ws.write_row("A1", ["活动日期", "单位名称", "活动名称", "参与人数"])
    serial_1904 = (dt.date(2025, 5, 6) - dt.date(1904, 1, 1)).days
    ws.write_row("A2", [serial_1904, "甲单位", "歌咏比赛", 10])
    ws.write_row("A3", [str(serial_1904 + 60), "甲单位", "篮球赛", 20])  # a text cell
    book.close()
    db = load(path, tmp_path)
    assert query(db, "SELECT date, quarter, participants FROM activities ORDER BY date") == [
        (dt.date(2025, 5, 6), 2, 10),
        (dt.date(2025, 7, 5), 3, 20),
    ]


def test_dates_written_every_way_count_in_the_quarter_of_their_date(tmp_path: Path) -> None:
    rows = [
        ["日期", "单位名称", "活动名称", "活动类别", "参加人次"],
        [dt.date(2025, 1, 15), "甲单位", "新春联欢", "文体", 100],  # real date
        ["2025-03-05", "甲单位", "三八健步走", "女工活动", 50],
        ["2025/3/31", "乙单位", "读书会", "学习培训", 10],
        ["2025年4月1日", "乙单位", "技能比武", "技能比武", 20],
        ["2025.6.30", "甲单位", "义务献血", "志愿服务", 5],
        ["2025.07.01", "甲单位", "消夏晚会", "文体活动", 60],
        [str((dt.date(2025, 9, 30) - dt.date(1899, 12, 30)).days), "乙单位", "安全培训", "培训", 30],
        [45962, "乙单位", "趣味运动会", "文体", 40],  # 2025-11-01 as a number
        ["2025年12月31日 星期三", "甲单位", "迎新长跑", "体育活动", 70],
    ]
    path = tmp_path / "活动.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("活动开展")
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_fmt)
            else:
                ws.write(r, c, value)
    book.close()
    db = load(path, tmp_path)
    assert per_quarter(db, "activities", "sum(participants)") == {
        (2025, 1): 160,
        (2025, 2): 25,
        (2025, 3): 90,
        (2025, 4): 110,
    }
    assert query(db, "SELECT min(date), max(date) FROM activities") == [
        (dt.date(2025, 1, 15), dt.date(2025, 12, 31))
    ]
    k = compute(db, 2025, 2)
    assert k["activities_count"].actual == 5
    assert k["activity_participants"].actual == 185


# ---------------------------------------------------------------- categories


def test_categories_synonyms_are_mapped_and_unknown_kept_as_other_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "2025年帮扶慰问.csv"
    rows = [
        ["发放日期", "单位名称", "类别", "受益人次", "金额"],
        ["2025-01-10", "甲单位", "困难帮扶", "2", "2000"],
        ["2025-01-11", "甲单位", "送溫暖", "10", "5000"],  # Traditional
        ["2025-01-12", "乙单位", "两节送温暖", "3", "1500"],
        ["2025-02-01", "乙单位", "工会福利", "1", "100"],  # unknown
        ["2025-02-02", "乙单位", "其他", "1", "50"],
        ["2025-02-03", "乙单位", "送温暖（春节）", "1", "60"],
    ]
    write_csv(path, rows, "utf-8-sig")
    db = load(path, tmp_path)
    assert dict(query(db, "SELECT category, sum(amount) FROM welfare GROUP BY 1")) == {
        "困难职工帮扶": Decimal("2000.00"),
        "送温暖": Decimal("6560.00"),
        "其他": Decimal("150.00"),
    }
    unknown = [w for w in warnings_of(path) if "类别" in w]
    assert len(unknown) == 1 and "工会福利" in unknown[0] and "其他" in unknown[0] and "第 5 行" in unknown[0]


# ---------------------------------------------------------------- unit names


def test_unit_names_spelled_differently_resolve_to_one_unit_but_bracket_contents_stay_apart(
    tmp_path: Path,
) -> None:
    path = tmp_path / "2025年会员发展.xlsx"
    book = xlsxwriter.Workbook(str(path))
    spellings = {
        "一季度": [
            "滨江市第一中学工会",
            "滨江市人民医院（东院）工会",
            "滨江市人民医院（西院）工会",
            "ABC 科技公司工会",
        ],
        "二季度": [
            " 滨江市 第一中学工会 ",
            "滨江市人民医院(东院)工会",
            "滨江市人民医院 ( 西院 ) 工会",
            "ＡＢＣ科技公司工会",
        ],
        "三季度": [
            "濱江市第一中學工會",
            "濱江市人民醫院（東院）工會",
            "滨江市人民医院（西院）工会\u200b",
            "abc　科技公司工会",
        ],
    }
    for sheet, names in spellings.items():
        ws = book.add_worksheet(sheet)
        ws.write_row("A1", ["单位名称", "职工人数", "会员人数"])
        for r, name in enumerate(names, start=1):
            ws.write_row(r, 0, [name, 100, 90 + r])
    book.close()
    db = load(path, tmp_path)
    names = [n for (n,) in query(db, "SELECT name FROM units ORDER BY name")]
    assert len(names) == 4
    assert "滨江市人民医院（东院）工会" in names and "滨江市人民医院（西院）工会" in names
    for q in (1, 2, 3):
        assert sorted(per_unit(db, "membership", "members", 2025, q).values()) == [91, 92, 93, 94]


# ---------------------------------------------------------------- periods


def test_periods_from_year_and_quarter_columns(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "members.csv",
        [
            ["年度", "季度", "单位名称", "职工人数", "会员人数"],
            ["2025", "第一季度", "甲单位", "100", "90"],
            ["2025年", "二季度", "甲单位", "100", "92"],
            ["2025", "Q3", "甲单位", "100", "93"],
            ["2025", "4", "甲单位", "100", "94"],
        ],
        "utf-8",
    )
    db = load(path, tmp_path)
    assert per_quarter(db, "membership", "sum(members)") == {
        (2025, 1): 90,
        (2025, 2): 92,
        (2025, 3): 93,
        (2025, 4): 94,
    }


def test_periods_from_a_report_period_column_holding_year_and_quarter(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "members.csv",
        [
            ["报告期", "单位名称", "职工人数", "会员人数"],
            ["2025年第一季度", "甲单位", "100", "90"],
            ["2025年第二季度", "甲单位", "100", "92"],
        ],
        "utf-8",
    )
    db = load(path, tmp_path)
    assert per_quarter(db, "membership", "sum(members)") == {(2025, 1): 90, (2025, 2): 92}


def test_periods_from_the_file_name(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "2024年三季度会员发展.csv",
        [["单位名称", "职工人数", "会员人数"], ["甲单位", "100", "90"]],
        "gbk",
    )
    db = load(path, tmp_path)
    assert per_quarter(db, "membership", "sum(members)") == {(2024, 3): 90}


def test_periods_from_the_title_and_the_report_date_is_not_the_period(tmp_path: Path) -> None:
    """The title says 2025年第四季度; 填报日期 2026年1月10日 in its own cell above the header and
    in the footer must not change the year or the quarter."""
    path = tmp_path / "会员发展表.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    ws.merge_range("A1:D1", "2025年第四季度会员发展情况统计表")
    ws.write_row("A2", ["填报单位：", "滨江市总工会", "填报日期：", "2026年1月10日"])
    ws.write_row("A3", ["单位名称", "职工人数", "会员人数", "新发展会员"])
    ws.write_row("A4", ["甲单位", 100, 90, 5])
    ws.write("A6", "填报日期：2026-01-10")
    book.close()
    db = load(path, tmp_path)
    assert per_quarter(db, "membership", "sum(members)") == {(2025, 4): 90}


def test_periods_a_report_date_alone_gives_no_period(tmp_path: Path) -> None:
    path = tmp_path / "会员发展表.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    ws.write_row("A1", ["单位名称", "职工人数", "会员人数"])
    ws.write_row("A2", ["甲单位", 100, 90])
    ws.write("A4", "填报日期：2025年7月5日")
    book.close()
    message = rejected(path, tmp_path / "x.duckdb")
    assert "无法确定年度" in message and "无法确定季度" in message


def test_periods_from_event_dates_alone(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "welfare.csv",
        [
            ["发放日期", "单位名称", "类别", "金额"],
            ["2024/12/28", "甲单位", "送温暖", "1000"],
            ["2025/1/5", "甲单位", "送温暖", "2000"],
        ],
        "gb18030",
    )
    db = load(path, tmp_path)
    assert per_quarter(db, "welfare", "sum(amount)") == {
        (2024, 4): Decimal("1000.00"),
        (2025, 1): Decimal("2000.00"),
    }


def test_periods_dues_without_any_period_but_payment_dates(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "dues.csv",
        [
            ["单位名称", "应缴会费", "实缴会费", "缴纳日期"],
            ["甲单位", "1000", "1000", "2025-05-20"],
            ["乙单位", "500", "400", "2025-06-02"],
        ],
        "utf-8",
    )
    db = load(path, tmp_path)
    assert per_quarter(db, "dues", "sum(dues_paid)") == {(2025, 2): Decimal("1400.00")}
    assert any("缴纳日期" in w for w in warnings_of(path))


def test_periods_conflicting_signals_are_rejected_naming_both(tmp_path: Path) -> None:
    path = tmp_path / "2025年二季度会员发展.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("三季度")
    ws.write_row("A1", ["单位名称", "职工人数", "会员人数"])
    ws.write_row("A2", ["甲单位", 100, 90])
    book.close()
    message = rejected(path, tmp_path / "x.duckdb")
    assert "季度" in message and "矛盾" in message
    assert "三季度" in message and "2025年二季度会员发展" in message


def test_periods_conflicting_title_and_file_year_rejected(tmp_path: Path) -> None:
    path = tmp_path / "2024年第二季度会员发展.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    ws.write("A1", "2025年第二季度会员发展情况统计表")
    ws.write_row("A2", ["单位名称", "职工人数", "会员人数"])
    ws.write_row("A3", ["甲单位", 100, 90])
    book.close()
    message = rejected(path, tmp_path / "x.duckdb")
    assert "年度" in message and "2024" in message and "2025" in message


# ---------------------------------------------------------------- not understood


def test_rejected_file_not_understood_says_what_was_found_and_expected(tmp_path: Path) -> None:
    path = tmp_path / "2025年一季度职工名册.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    ws.write("A1", "职工花名册")
    ws.write_row("A2", ["姓名", "性别", "出生年月", "部门"])
    ws.write_row("A3", ["张三", "男", "1990-01", "办公室"])
    book.close()
    message = rejected(path, tmp_path / "x.duckdb")
    assert "姓名" in message and "部门" in message  # what was found
    assert "会员发展" in message and "职工人数" in message  # what was expected


def test_rejected_missing_required_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "2025年一季度会员发展.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    ws.write_row("A1", ["单位名称", "会员人数", "女会员人数"])
    ws.write_row("A2", ["甲单位", 90, 40])
    book.close()
    message = rejected(path, tmp_path / "x.duckdb")
    assert "职工人数" in message and "单位名称" in message and "会员人数" in message


def test_rejected_bad_cells_are_located_and_nothing_is_written(tmp_path: Path) -> None:
    good = tmp_path / "2025年一季度会员发展.xlsx"
    book = xlsxwriter.Workbook(str(good))
    ws = book.add_worksheet()
    ws.write_row("A1", ["单位名称", "职工人数", "会员人数"])
    ws.write_row("A2", ["甲单位", 100, 90])
    book.close()
    bad = tmp_path / "2025年二季度会员发展.xlsx"
    book = xlsxwriter.Workbook(str(bad))
    ws = book.add_worksheet()
    ws.write_row("A1", ["单位名称", "职工人数", "会员人数"])
    ws.write_row("A2", ["甲单位", "一百", 90])
    book.close()
    db = tmp_path / "x.duckdb"
    with pytest.raises(LoadRejected) as info:
        load_paths([good, bad], db=db, user="test")
    assert nothing_written(db)
    assert "第 2 行" in str(info.value) and "B 列" in str(info.value) and "一百" in str(info.value)


# ---------------------------------------------------------------- command line


def test_cli_load_without_hints_then_kpis(tmp_path: Path) -> None:
    path = tmp_path / "2025年第二季度会员发展.csv"
    write_csv(
        path,
        [
            ["2025年第二季度会员发展情况统计表"],
            ["序号", "單位名稱", "職工人數", "會員人數"],
            ["", "合计", "150", "140"],
            ["1", "甲单位", "100", "90"],
            ["2", "乙单位", "50", "50"],
        ],
        "gbk",
    )
    db = tmp_path / "cli.duckdb"
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(path), "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert per_unit(db, "membership", "members", 2025, 2) == {"乙单位": 50, "甲单位": 90}
    assert compute(db, 2025, 2)["membership_rate"].actual == pytest.approx(140 / 150)


def test_cli_rejects_a_conflicting_file_and_writes_nothing(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "2025年第二季度会员发展.csv",
        [["2025年第三季度会员发展情况统计表"], ["单位名称", "职工人数", "会员人数"], ["甲单位", "100", "90"]],
        "utf-8",
    )
    db = tmp_path / "cli.duckdb"
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(path), "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "矛盾" in proc.stderr and "标题" in proc.stderr and "文件名" in proc.stderr
    assert nothing_written(db)


def test_numbers_targets_with_the_year_in_the_file_name_money_in_wan_and_section_rows(tmp_path: Path) -> None:
    path = tmp_path / "2025年度工作目标.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("目标")
    pct = book.add_format({"num_format": "0.0%"})
    ws.write_row("A1", ["序号", "指标名称", "全年目标", "二季度"])
    ws.write_row("A2", ["一、组织建设"])
    ws.write_row("A3", [1, "入会率（%）", None, None])
    ws.write_number("C3", 0.95, pct)
    ws.write_row("A4", [2, "新发展会员（人）", "900", "450"])
    ws.write_row("A5", ["二、帮扶慰问"])
    ws.write_row("A6", [3, "帮扶慰问支出（万元）", 5, 2.5])
    ws.write_row("A7", [4, "会费收缴额", "12万元", None])
    book.close()
    db = load(path, tmp_path)
    assert query(db, "SELECT year, indicator, target, q2 FROM targets ORDER BY indicator") == [
        (2025, "dues_collected", 120000.0, None),
        (2025, "membership_rate", 0.95, None),
        (2025, "new_members", 900.0, 450.0),
        (2025, "welfare_spend", 50000.0, 25000.0),
    ]
