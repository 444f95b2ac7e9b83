"""The pieces of etl/ingest/normalise/, etl/ingest/headers.py and etl/core/names.py on small grids: header
rows (merged, CSV-style groups, units rows), row types (合计, 栏次, footers, notes,
section headings), period signals in titles, categories and unit names. The whole-file
behaviour is in test_families*.py; these pin down why each rule is there."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.core.names import clean_name, name_key
from etl.core.problems import ProblemList
from etl.ingest.headers import header_key, header_scale, table_scale
from etl.ingest.normalise import Hints, _category, _is_total_or_footer, _title_cells, parse_sheet
from etl.ingest.read import RawSheet, decode_csv, read_bytes

NO_HINTS = Hints()


def parse(
    rows: list[list[object]],
    name: str = "Sheet1",
    file_name: str = "2025年第二季度.xlsx",
    merged: list | None = None,
    hints: Hints = NO_HINTS,
):
    return parse_sheet(RawSheet(name, rows, merged or []), file_name, hints)


# ---------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("实缴会费（万元）", "实缴会费"),
        ("金额(元)", "金额"),
        ("会员\n人数", "会员人数"),
        ("職工人數（人）", "职工人数"),
        ("其中：女职工", "女职工"),
        ("其中:女会员", "女会员"),
        ("实拨缴工会经费/元", "实拨缴工会经费"),
        ("金额（单位：元）", "金额"),
        ("单位名称\u200b", "单位名称"),
        ("＊会员人数", "会员人数"),
        ("參加人次（人次）", "参加人次"),
    ],
)
def test_headers_fold_to_the_alias_key(header: str, key: str) -> None:
    assert header_key(header) == key


@pytest.mark.parametrize(
    ("header", "scale"),
    [
        ("实缴会费（万元）", 10_000),
        ("實繳會費(萬元)", 10_000),
        ("金额（万）", 10_000),
        ("应缴金额（千元）", 1_000),
        ("金额(元)", 1),
        ("会员人数", 1),
    ],
)
def test_headers_scale_from_the_unit_in_the_header(header: str, scale: int) -> None:
    assert header_scale(header) == scale


def test_headers_units_line_above_the_table() -> None:
    assert table_scale("金额单位：万元") == 10_000
    assert table_scale("单位：元") == 1
    assert table_scale("填报单位：滨江市总工会") is None


def test_layout_merged_two_row_header_is_found_with_its_groups() -> None:
    rows = [
        ["2025年第二季度会员发展情况统计表", "", "", "", ""],
        ["单位名称", "职工情况", "", "会员情况", ""],
        ["", "人数", "女职工", "人数", "女会员"],
        ["甲单位", 100, 40, 90, 38],
    ]
    merged = [((0, 0), (0, 4)), ((1, 0), (2, 0)), ((1, 1), (1, 2)), ((1, 3), (1, 4))]
    sheet = parse(rows, merged=merged)
    assert sheet.header_rows == (2, 3)
    assert [c.field for c in sheet.columns] == [
        "unit",
        "employees",
        "employees_female",
        "members",
        "members_female",
    ]
    assert sheet.frame[["employees", "members_female"]].values.tolist() == [[100, 38]]


def test_layout_csv_group_label_spreads_over_its_sub_columns() -> None:
    rows = [
        ["单位名称", "会费（元）", "", "工会经费（元）", ""],
        ["", "应缴", "实缴", "应拨缴", "实拨缴"],
        ["甲单位", "100", "90", "500", "450"],
    ]
    sheet = parse(rows)
    assert [c.field for c in sheet.columns] == ["unit", "dues_due", "dues_paid", "funds_due", "funds_paid"]


def test_layout_units_row_belongs_to_the_header_and_scales_money() -> None:
    rows = [["单位名称", "应缴会费", "实缴会费"], ["", "（万元）", "（万元）"], ["甲单位", 1.5, 1]]
    sheet = parse(rows)
    assert sheet.header_rows == (1, 2)
    assert [c.scale for c in sheet.columns if c.field] == [1, 10_000, 10_000]
    assert [str(v) for v in sheet.frame["dues_due"]] == ["15000.00"]


def test_layout_a_first_data_row_without_numbers_is_not_taken_for_a_header_row() -> None:
    rows = [["单位名称", "职工人数", "会员人数"], ["甲单位", None, None], ["乙单位", 10, 9]]
    sheet = parse(rows)
    assert sheet.header_rows == (1,)
    assert [p.message for p in sheet.problems.errors] == ["必填项「职工人数」为空", "必填项「会员人数」为空"]


def test_layout_title_above_header_is_not_a_header_row() -> None:
    rows = [
        ["2025年第二季度会员发展情况统计表", "", ""],
        ["单位名称", "职工人数", "会员人数"],
        ["甲单位", 10, 9],
    ]
    assert parse(rows).header_rows == (2,)


@pytest.mark.parametrize(
    ("cells", "kind"),
    [
        (["合计", "", "100"], "合计行"),
        (["总计"], "合计行"),
        (["全市合计"], "合计行"),
        (["合计(3家)"], "合计行"),
        (["其中:非公企业", "30"], "合计行"),
        (["填表人:张三", "审核人:李四"], "表尾说明"),
        (["注:本表…"], "表尾说明"),
        (["1.本表为季末数"], "表尾说明"),
        (["说明"], "表尾说明"),
        (["填报日期:2025年7月5日"], "表尾说明"),
        (["注册会计师协会工会", "10"], None),
        (["审计局工会", "10"], None),
        (["说明书厂工会", "5"], None),
        (["小计量站工会", "5"], None),
        (["1", "甲单位", "10"], None),
        (["12.5"], None),
    ],
)
def test_layout_row_types(cells: list[str], kind: str | None) -> None:
    assert _is_total_or_footer(cells) == kind


# ---------------------------------------------------------------- periods


def test_periods_title_cells_leave_out_report_dates() -> None:
    grid = [
        ["2025年第二季度会员发展情况统计表    填报日期：2025年7月5日"],
        ["填报单位：滨江市总工会", "填报日期：", "2026年1月10日"],
        ["日期：2026-01-10", dt.date(2026, 1, 1), "单位：人"],
    ]
    assert _title_cells(grid, 3) == ["2025年第二季度会员发展情况统计表", "填报单位：滨江市总工会", "单位：人"]


def test_periods_conflict_names_each_signal_and_its_text() -> None:
    sheet = parse(
        [["单位名称", "职工人数", "会员人数"], ["甲单位", 10, 9]],
        name="三季度",
        file_name="2025年二季度会员发展.xlsx",
    )
    errors = [p.message for p in sheet.problems.errors]
    assert any(
        "工作表名「三季度」为第3季度" in e and "文件名「2025年二季度会员发展.xlsx」为第2季度" in e
        for e in errors
    )
    assert sheet.periods == []  # the rows have no quarter; nothing crashes


def test_periods_hints_override_the_sheet() -> None:
    sheet = parse(
        [["单位名称", "职工人数", "会员人数"], ["甲单位", 10, 9]],
        name="三季度",
        file_name="2025年二季度会员发展.xlsx",
        hints=Hints(year=2024, quarter=1),
    )
    assert sheet.periods == [(2024, 1)]


MEMBERS_WITH_PERIOD = [
    ["单位名称", "职工人数", "会员人数", "年度", "季度"],
    ["甲单位", 10, 9, 2025, "第三季度"],
    ["乙单位", 20, 18, 2025, 3],
]


def test_periods_a_sheets_own_columns_win_over_the_file_name() -> None:
    sheet = parse(MEMBERS_WITH_PERIOD, name="会员发展", file_name="2026年第一季度会员发展.xlsx")
    assert sheet.problems.errors == []
    assert sheet.periods == [(2025, 3)]
    assert sheet.period_note == "年度、季度来自表中「年度」「季度」列"
    # said once for the sheet, as a sentence naming the rows, the file name and both values
    messages = [p.message for p in sheet.problems.warnings]
    assert messages == [
        "第 2、3 行的「年度」为2025年，与文件名「2026年第一季度会员发展.xlsx」所写的2026年不同："
        "已按表中「年度」列导入为2025年。如果表中的年度填错了，请改正后重新上传",
        "第 2、3 行的「季度」为第3季度，与文件名「2026年第一季度会员发展.xlsx」所写的第1季度不同："
        "已按表中「季度」列导入为第3季度。如果表中的季度填错了，请改正后重新上传",
    ]
    assert all(p.row is None for p in sheet.problems.warnings)


def test_periods_names_that_contradict_each_other_do_not_matter_when_the_rows_say_it() -> None:
    sheet = parse(MEMBERS_WITH_PERIOD, name="三季度", file_name="2025年二季度会员发展.xlsx")
    assert sheet.problems.errors == []
    assert sheet.periods == [(2025, 3)]


def test_periods_an_empty_period_cell_falls_back_to_the_names_and_the_note_says_so() -> None:
    rows = [*MEMBERS_WITH_PERIOD[:2], ["乙单位", 20, 18, None, None]]
    sheet = parse(rows, name="会员发展", file_name="2025年第三季度会员发展.xlsx")
    assert sheet.problems.items == []
    assert sheet.periods == [(2025, 3)]
    assert sheet.period_note == (
        "年度、季度来自表中「年度」「季度」列（这两列为空的行取自文件名「2025年第三季度会员发展.xlsx」）"
    )


def test_periods_a_note_names_the_text_it_read() -> None:
    sheet = parse([["单位名称", "职工人数", "会员人数"], ["甲单位", 10, 9]], file_name="2025年第二季度.xlsx")
    assert sheet.period_note == "年度、季度来自文件名「2025年第二季度.xlsx」"
    hinted = parse(
        [["单位名称", "职工人数", "会员人数"], ["甲单位", 10, 9]], hints=Hints(year=2024, quarter=1)
    )
    assert hinted.period_note == "年度、季度为手动指定"


def test_periods_an_events_date_is_checked_against_the_rows_own_year() -> None:
    rows = [
        ["发放日期", "单位名称", "类别", "金额", "年度", "季度"],
        [dt.date(2025, 8, 1), "甲单位", "送温暖", 100, 2025, 3],
    ]
    sheet = parse(rows, name="帮扶慰问", file_name="2026年帮扶慰问.xlsx")
    assert sheet.problems.items == []
    assert sheet.periods == [(2025, 3)]
    no_columns = parse([r[:4] for r in rows], name="帮扶慰问", file_name="2026年帮扶慰问.xlsx")
    assert [p.message for p in no_columns.problems.errors] == [
        "日期 2025-08-01 不在文件名「2026年帮扶慰问.xlsx」所写的 2026 年内，请核对日期或年度"
    ]


# ---------------------------------------------------------------- categories and names


@pytest.mark.parametrize(
    ("kind", "raw", "category"),
    [
        ("welfare", "困难帮扶", "困难职工帮扶"),
        ("welfare", "送溫暖", "送温暖"),
        ("welfare", "春节慰问", "节日慰问"),
        ("welfare", "送温暖（春节）", "送温暖"),
        ("welfare", "其它", "其他"),
        ("activities", "文体", "文体活动"),
        ("activities", "志愿服务活动", "志愿公益"),
        ("activities", "职工技能比武大赛", "技能竞赛"),
        ("activities", "女职工活动", "女职工活动"),
    ],
)
def test_categories_synonyms(kind: str, raw: str, category: str) -> None:
    problems = ProblemList()
    assert _category(kind, raw, problems, {}) == category
    assert problems.items == []


def test_categories_unknown_is_other_with_a_warning() -> None:
    problems = ProblemList()
    assert _category("welfare", "工会福利", problems, {"row": 5}) == "其他"
    assert len(problems.warnings) == 1 and "工会福利" in problems.warnings[0].message


@pytest.mark.parametrize(
    "spelling",
    [
        "滨江市人民医院（东院）工会",
        "滨江市人民医院(东院)工会",
        " 滨江市人民医院 ( 东院 ) 工会 ",
        "濱江市人民醫院（東院）工會",
        "滨江市人民医院\u3000（东院）工会",
        "滨江市人民医院（东院）工会\u200b",
        "滨江市人民医院（东院）工会\ufeff",
    ],
)
def test_unit_names_spellings_share_one_key(spelling: str) -> None:
    assert name_key(spelling) == name_key("滨江市人民医院（东院）工会")
    assert clean_name(spelling).replace("醫", "医") != ""


def test_unit_names_that_differ_inside_brackets_stay_apart() -> None:
    assert name_key("滨江市人民医院（东院）工会") != name_key("滨江市人民医院（西院）工会")
    assert name_key("ABC科技(上海)有限公司工会") != name_key("ABC科技(北京)有限公司工会")


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-32"])
def test_formats_csv_encodings_decode(encoding: str) -> None:
    text = "单位名称,会员人数\n滨江市第一中学工会,10\n"
    assert decode_csv(text.encode(encoding), "x.csv").replace("\ufeff", "") == text


def test_formats_csv_with_a_title_line_and_quoted_thousands() -> None:
    data = '2025年第二季度会员发展情况\n单位名称,职工人数\n甲单位,"1,234"\n'.encode("gbk")
    assert read_bytes(data, "m.csv")[0].rows == [
        ["2025年第二季度会员发展情况"],
        ["单位名称", "职工人数"],
        ["甲单位", "1,234"],
    ]


def test_formats_csv_in_an_unknown_encoding_is_rejected_in_chinese() -> None:
    with pytest.raises(Exception, match="编码"):
        read_bytes(b"\xff\x80\xff\x80,\x81\n", "x.csv")
