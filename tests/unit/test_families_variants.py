"""Adversarial but realistic variants of the families of test_families.py: print layouts
(栏次 rows, repeated headers, section headings, prefilled 序号), merged cells in the data,
sub-columns under a merged header, ditto marks, dates in Chinese numerals, period words in
titles, 汇总 sheets alone, hidden sheets and 1904 workbooks saved as .xls. Each is loaded
with no hints and its figures asserted."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
import xlwt

from etl import store
from etl.core.problems import LoadRejected
from etl.ingest.inspect import inspect_path
from etl.store.pipeline import load_paths


def load(path: Path, tmp_path: Path) -> Path:
    db = tmp_path / "v.duckdb"
    load_paths([path], db=db, user="test")
    return db


def query(db: Path, sql: str) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(sql).fetchall()


def members(db: Path) -> dict[str, tuple]:
    rows = query(
        db,
        "SELECT u.name, m.year, m.quarter, m.employees, m.members FROM membership m "
        "JOIN units u USING (unit_id) ORDER BY 1, 2, 3",
    )
    return {r[0]: r[1:] for r in rows}


def xlsx(
    path: Path,
    sheets: dict[str, list[list[object]]],
    merges: dict[str, list[tuple]] | None = None,
    hidden: tuple[str, ...] = (),
    options: dict | None = None,
) -> Path:
    book = xlsxwriter.Workbook(str(path), options or {})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
        for first_row, first_col, last_row, last_col, value in (merges or {}).get(name, []):
            ws.merge_range(first_row, first_col, last_row, last_col, value)
        if name in hidden:
            ws.hide()
    book.close()
    return path


def test_layout_sub_columns_total_and_of_which_under_a_merged_header(tmp_path: Path) -> None:
    """职工人数 merged over 合计 / 其中：女; 会员 merged over 人数 / 其中：女 / 新发展."""
    rows = [
        ["2025年第一季度工会组织和会员情况"],
        [],
        ["单位名称", "职工人数", None, "会员", None, None],
        [None, "合计", "其中：女", "人数", "其中：女", "新发展"],
        ["甲单位", 100, 40, 95, 38, 3],
        ["乙单位", 20, 5, 20, 5, 0],
    ]
    path = xlsx(
        tmp_path / "会员.xlsx",
        {"Sheet1": rows},
        {
            "Sheet1": [
                (0, 0, 0, 5, rows[0][0]),
                (2, 0, 3, 0, "单位名称"),
                (2, 1, 2, 2, "职工人数"),
                (2, 3, 2, 5, "会员"),
            ]
        },
    )
    db = load(path, tmp_path)
    assert query(
        db,
        "SELECT u.name, employees, employees_female, members, members_female, new_members "
        "FROM membership JOIN units u USING (unit_id) ORDER BY 1",
    ) == [("乙单位", 20, 5, 20, 5, 0), ("甲单位", 100, 40, 95, 38, 3)]


def test_layout_print_layout_column_numbers_repeated_header_sections_and_prefilled_rows(
    tmp_path: Path,
) -> None:
    """A statistics form: 栏次 row (甲/1/2), section headings 一、/（二）, the header repeated
    for the second printed page, prefilled 序号 rows nobody filled, 合计 in the middle."""
    rows = [
        ["2025年第三季度会员发展情况统计表"],
        ["序号", "单位名称", "职工人数", "会员人数"],
        ["甲", "乙", 1, 2],
        [None, "合计", 170, 160],
        ["一、市直机关", None, None, None],
        [1, "市财政局工会", 100, 95],
        [2, "市审计局工会", 30, 30],
        ["序号", "单位名称", "职工人数", "会员人数"],
        ["（二）企业", None, None, None],
        [3, "注册会计师协会工会", 40, 35],
        [4, None, None, None],
        [5, None, None, None],
        ["备注：本表为季末数。"],
    ]
    path = xlsx(tmp_path / "统计表.xlsx", {"Sheet1": rows})
    db = load(path, tmp_path)
    assert members(db) == {
        "市审计局工会": (2025, 3, 30, 30),
        "市财政局工会": (2025, 3, 100, 95),
        "注册会计师协会工会": (2025, 3, 40, 35),
    }
    skipped = dict(inspect_path(path).sheets[0].skipped)
    assert skipped[3] == "栏次行" and skipped[4] == "合计行" and skipped[8] == "重复的表头行"


def test_layout_merged_unit_cells_and_ditto_marks_in_an_event_list(tmp_path: Path) -> None:
    """A unit merged down over its disbursements; 同上 in the category column."""
    rows = [
        ["发放日期", "单位名称", "类别", "受益人次", "金额（元）"],
        ["2025-01-10", "甲单位", "送温暖", 5, 2500],
        ["2025-01-11", None, "同上", 3, 1500],
        ["2025-04-02", None, "困难职工帮扶", 1, 3000],
        ["2025-04-03", "乙单位", "生日慰问", 2, 400],
    ]
    path = xlsx(tmp_path / "2025年帮扶.xlsx", {"慰问": rows}, {"慰问": [(1, 1, 3, 1, "甲单位")]})
    db = load(path, tmp_path)
    assert query(
        db, "SELECT u.name, quarter, category, amount FROM welfare JOIN units u USING (unit_id) ORDER BY date"
    ) == [
        ("甲单位", 1, "送温暖", Decimal("2500.00")),
        ("甲单位", 1, "送温暖", Decimal("1500.00")),
        ("甲单位", 2, "困难职工帮扶", Decimal("3000.00")),
        ("乙单位", 2, "生日慰问", Decimal("400.00")),
    ]


def test_dates_in_chinese_numerals_and_months_without_a_day(tmp_path: Path) -> None:
    rows = [
        ["活动时间", "组织单位", "活动名称", "参加人次"],
        ["二〇二五年三月十五日", "甲单位", "植树", 30],
        ["2025年6月", "甲单位", "端午包粽子", 40],
    ]
    path = xlsx(tmp_path / "活动.xlsx", {"活动": rows})
    db = load(path, tmp_path)
    assert query(db, "SELECT date, quarter, participants FROM activities ORDER BY date") == [
        (dt.date(2025, 3, 15), 1, 30),
        (dt.date(2025, 6, 1), 2, 40),
    ]
    assert any("只有年月" in w.text() and "第 3 行" in w.text() for w in inspect_path(path).warnings)


def test_dates_an_event_just_before_the_labelled_year_counts_in_its_own_quarter(tmp_path: Path) -> None:
    rows = [
        ["发放日期", "单位名称", "类别", "金额"],
        ["2024-12-28", "甲单位", "送温暖", 1000],
        ["2025-01-05", "甲单位", "送温暖", 2000],
    ]
    path = xlsx(tmp_path / "2025年一季度帮扶慰问.xlsx", {"Sheet1": rows})
    db = load(path, tmp_path)
    assert query(db, "SELECT year, quarter, amount FROM welfare ORDER BY date") == [
        (2024, 4, Decimal("1000.00")),
        (2025, 1, Decimal("2000.00")),
    ]
    assert any("2024-12-28" in w.text() for w in inspect_path(path).warnings)


def test_dates_an_event_years_away_from_the_labelled_year_is_an_error(tmp_path: Path) -> None:
    rows = [["发放日期", "单位名称", "类别", "金额"], ["2052-01-05", "甲单位", "送温暖", 2000]]
    path = xlsx(tmp_path / "2025年一季度帮扶慰问.xlsx", {"Sheet1": rows})
    with pytest.raises(LoadRejected, match="2052-01-05"):
        load(path, tmp_path)


def test_dates_serials_in_a_1904_xls(tmp_path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    book.dates_1904 = True
    ws = book.add_sheet("活动")
    for c, h in enumerate(["活动日期", "单位名称", "活动名称", "参与人数"]):
        ws.write(0, c, h)
    ws.write(1, 0, dt.date(2025, 5, 6), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    ws.write(2, 0, (dt.date(2025, 8, 6) - dt.date(1904, 1, 1)).days)  # a General cell
    for r in (1, 2):
        for c, v in enumerate(["甲单位", f"活动{r}", 10 * r], start=1):
            ws.write(r, c, v)
    path = tmp_path / "活动.xls"
    book.save(str(path))
    db = load(path, tmp_path)
    assert query(db, "SELECT date, quarter, participants FROM activities ORDER BY date") == [
        (dt.date(2025, 5, 6), 2, 10),
        (dt.date(2025, 8, 6), 3, 20),
    ]


@pytest.mark.parametrize(
    ("line", "quarter"),
    [
        ("统计时间：2025年4月1日至2025年6月30日", 2),
        ("（截至2025年9月30日）", 3),
        ("统计期间：2025年10-12月", 4),
    ],
)
def test_periods_from_period_words_in_the_title_area(tmp_path: Path, line: str, quarter: int) -> None:
    rows = [["会员发展情况统计表"], [line], ["单位名称", "职工人数", "会员人数"], ["甲单位", 10, 9]]
    path = xlsx(tmp_path / "表.xlsx", {"Sheet1": rows})
    assert members(load(path, tmp_path)) == {"甲单位": (2025, quarter, 10, 9)}


def test_sheets_a_summary_sheet_alone_is_the_data(tmp_path: Path) -> None:
    rows = [
        ["2025年第二季度会员发展汇总表"],
        ["单位名称", "职工人数", "会员人数"],
        ["甲单位", 10, 9],
        ["乙单位", 5, 5],
    ]
    path = xlsx(tmp_path / "会员.xlsx", {"汇总": rows, "填表说明": [["请按季度填写"]]})
    assert members(load(path, tmp_path)) == {"乙单位": (2025, 2, 5, 5), "甲单位": (2025, 2, 10, 9)}


def test_sheets_hidden_sheets_are_not_loaded(tmp_path: Path) -> None:
    header = ["单位名称", "职工人数", "会员人数"]
    path = xlsx(
        tmp_path / "2025年会员.xlsx",
        {"二季度": [header, ["甲单位", 10, 9]], "一季度(旧)": [header, ["甲单位", 10, 1]]},
        hidden=("一季度(旧)",),
    )
    assert members(load(path, tmp_path)) == {"甲单位": (2025, 2, 10, 9)}


def test_formats_gb18030_csv_with_traditional_headers_and_blank_units_row(tmp_path: Path) -> None:
    text = (
        "2025年第四季度會員發展情況\n單位名稱,職工人數,會員人數,新發展會員\n,（人）,（人）,（人）\n"
        '甲單位,"1,000",980,12\n乙單位,50,50,0\n總計,"1,050","1,030",12\n'
    )
    path = tmp_path / "members.csv"
    path.write_bytes(text.encode("gb18030"))
    assert members(load(path, tmp_path)) == {"乙单位": (2025, 4, 50, 50), "甲单位": (2025, 4, 1000, 980)}


def test_headers_group_label_over_sub_labels_that_only_make_sense_together(tmp_path: Path) -> None:
    """会员 over 人数 / 新发展 / 本期新增: the field name is read in either order."""
    buffer = io.StringIO()
    buffer.write("2025年第二季度\n单位名称,会员,,职工\n,人数,新发展,人数\n甲单位,90,4,100\n")
    path = tmp_path / "m.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    db = load(path, tmp_path)
    assert query(db, "SELECT employees, members, new_members FROM membership") == [(100, 90, 4)]


def test_sheets_an_annual_sheet_without_a_quarter_beside_quarter_sheets_is_a_total(tmp_path: Path) -> None:
    header = ["单位名称", "职工人数", "会员人数"]
    path = xlsx(
        tmp_path / "会员发展.xlsx",
        {
            "2025年一季度": [header, ["甲单位", 10, 8]],
            "2025年二季度": [header, ["甲单位", 10, 9]],
            "2025年": [header, ["甲单位", 10, 9]],
        },
    )
    db = load(path, tmp_path)
    assert query(db, "SELECT year, quarter, members FROM membership ORDER BY quarter") == [
        (2025, 1, 8),
        (2025, 2, 9),
    ]
    assert any("2025年" in w.text() for w in inspect_path(path).warnings)
