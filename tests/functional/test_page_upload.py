"""数据上传 page through Streamlit's AppTest: inspect, show, confirm or cancel, against a real DuckDB file."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from streamlit.testing.v1 import AppTest

from dashboard import upload_view
from etl import store
from etl.core.problems import Problem
from etl.indicators import kpis, queries
from etl.ingest.inspect import inspect_bytes
from etl.outputs.templates import template_bytes
from etl.store.pipeline import load_paths
from tests.conftest import copy_folder

# these databases have no account: the app runs as the single local user, as after `make run`
pytestmark = pytest.mark.usefixtures("local_server")
APP = Path(__file__).resolve().parents[2] / "app.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["单位名称", "上级工会", "职工人数", "会员人数", "新发展会员"]


def membership_xlsx(rows: list[list[object]], title: str = "2025年第四季度会员发展情况统计表") -> bytes:
    """A membership sheet as a unit sends it: a title row, the header, the rows, a 合计 row."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("会员发展")
    sheet.write_row(0, 0, [title])
    sheet.write_row(1, 0, HEADER)
    for number, row in enumerate(rows, start=2):
        sheet.write_row(number, 0, row)
    sheet.write_row(2 + len(rows), 0, ["合计", "", sum(r[2] for r in rows), sum(r[3] for r in rows)])
    book.close()
    return buffer.getvalue()


def page_warnings(at: AppTest) -> list[str]:
    """The page's warnings, without the single-local-user banner of a database with no account."""
    return [w.value for w in at.warning if not str(w.value).startswith("未启用登录")]


FIRST_LOAD = membership_xlsx(
    [["滨江市第一中学", "滨江市教育工会", 120, 118, 2]], title="2025年第三季度会员发展情况统计表"
)


@pytest.fixture(scope="module")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # built once per module; each test writes to its own copy (`db`)
    tmp_path = tmp_path_factory.mktemp("db")
    path = tmp_path / "upload.duckdb"
    source = tmp_path / "2025年第三季度_会员发展.xlsx"
    source.write_bytes(FIRST_LOAD)
    load_paths([source], db=path, user="tester")
    return path


@pytest.fixture
def db(db_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = copy_folder(db_template, tmp_path)
    monkeypatch.setenv("UNION_KPI_DB", str(path))
    return path


def _open_upload_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("pages/upload.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, content, XLSX))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _markdown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def _members(db: Path, year: int, quarter: int) -> pd.DataFrame:
    with store.connect(db, read_only=True) as con:
        return queries.membership_rows(con, year, quarter, None)


def _load_count(db: Path) -> int:
    with store.connect(db, read_only=True) as con:
        return len(queries.load_log(con))


def test_page_shows_uploader_templates_and_history(db: Path) -> None:
    at = _open_upload_page()
    assert [t.value for t in at.title] == ["数据上传"]
    subheaders = [s.value for s in at.subheader]
    assert "下载空白模板" in subheaders and "导入记录" in subheaders
    assert at.file_uploader[0].label == "选择文件"
    assert at.file_uploader[0].accept_multiple_files
    assert set(at.file_uploader[0].allowed_type) == {".xlsx", ".xls", ".csv"}
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["会员发展模板", "会费收缴模板", "帮扶慰问模板", "活动开展模板", "年度目标模板"]
    history = at.dataframe[-1].value
    assert list(history.columns[:6]) == ["导入编号", "导入时间", "操作人", "文件", "报表类型", "统计期"]
    assert history.iloc[0]["文件"] == "2025年第三季度_会员发展.xlsx"
    assert history.iloc[0]["报表类型"] == "会员发展"
    assert history.iloc[0]["统计期"] == "2025年第三季度"
    assert [b.key for b in at.button] == ["undo.go"]  # no confirm button before a file is chosen


def test_inspect_shows_what_will_be_read_then_confirm_loads_it(db: Path) -> None:
    at = _open_upload_page()
    content = membership_xlsx(
        [["滨江新能源科技有限公司", "", 5000, 4990, 30], ["滨江市第一中学", "滨江市教育工会", 121, 119, 1]]
    )
    _upload(at, "2025年第四季度_会员发展.xlsx", content)

    text = _markdown(at)
    assert "识别为“会员发展”表" in text
    assert "2025年第四季度" in text  # the period
    assert "第 2 行" in text  # the header row
    assert "已有 1 个 · 新增 1 个" in text  # units matched against the database
    assert "统计期依据：年度、季度来自表格标题「2025年第四季度会员发展情况统计表」" in [
        c.value for c in at.caption
    ]
    frames = [d.value for d in at.dataframe]
    mapping = next(f for f in frames if "原表头" in f.columns)
    assert mapping["对应字段"].tolist() == ["单位名称", "上级工会", "职工人数", "会员人数", "新发展会员"]
    totals = next(f for f in frames if "合计" in f.columns)
    assert dict(zip(totals["字段"], totals["合计"], strict=True))["会员人数"] == "5,109"
    new_units = next(f for f in frames if "类型" in f.columns)
    assert new_units["单位"].tolist() == ["滨江新能源科技有限公司"]
    preview = next(f for f in frames if "行号" in f.columns and "会员人数" in f.columns)
    assert preview["行号"].tolist() == [3, 4]
    assert preview["会员人数"].tolist() == [4990, 119]
    skipped = next(f for f in frames if "原因" in f.columns)
    assert skipped.values.tolist() == [[5, "合计行"]]
    assert [s.value for s in at.success] == ["未发现错误。"]
    assert _members(db, 2025, 4).empty  # nothing written yet

    confirm = at.button(key="upload.confirm")
    assert not confirm.disabled
    confirm.click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]

    assert any("已导入 1 个文件，共 2 行" in s.value for s in at.success)
    assert any("新建单位 1 个：滨江新能源科技有限公司" in t.value for t in at.text)
    assert [p.label for p in at.get("page_link")] == ["查看总览"]
    loaded = _members(db, 2025, 4).set_index("unit")
    assert loaded.loc["滨江新能源科技有限公司", "members"] == 4990
    assert loaded.loc["滨江市第一中学", "employees"] == 121
    assert at.file_uploader[0].value in (None, [])  # the uploader was cleared for the next batch
    assert at.dataframe[-1].value.iloc[0]["文件"] == "2025年第四季度_会员发展.xlsx"


def test_errors_are_listed_and_block_the_import(db: Path) -> None:
    at = _open_upload_page()
    content = membership_xlsx(
        [
            ["滨江新能源科技有限公司", "", 5000, 4990, 30],
            ["滨江市第一中学", "滨江市教育工会", 121, 119, "十几个"],
        ]
    )
    _upload(at, "有错误的表.xlsx", content)

    assert [e.value for e in at.error] == ["发现 1 处错误，请修改表格后重新上传。"]
    assert "工作表「会员发展」中有 1 处错误" in _markdown(at)  # listed under its sheet
    problems = next(d.value for d in at.dataframe if "说明" in d.value.columns)
    assert problems[["行号", "列"]].values.tolist() == [["4", "E"]]
    assert _messages(problems) == ["第 4 行 E 列「新发展会员」：应为数字，表中填的是「十几个」。"]
    assert at.button(key="upload.confirm").disabled
    assert any("请先处理上面标出的错误" in str(c.value) for c in at.caption)
    at.run()
    assert _members(db, 2025, 4).empty
    assert _load_count(db) == 1


def test_cancel_clears_the_upload_and_writes_nothing(db: Path) -> None:
    at = _open_upload_page()
    _upload(
        at, "2025年第四季度_会员发展.xlsx", membership_xlsx([["滨江新能源科技有限公司", "", 5000, 4990, 30]])
    )
    uploader_key = at.file_uploader[0].key
    at.button(key="upload.cancel").click()
    at.run()
    assert not at.exception
    assert at.file_uploader[0].key != uploader_key  # a fresh, empty uploader
    assert [b.key for b in at.button] == ["undo.go"]  # confirm and cancel are gone with the files
    assert any("已取消本次上传" in i.value for i in at.info)
    assert _members(db, 2025, 4).empty
    assert _load_count(db) == 1


def test_a_file_loaded_before_is_recognised(db: Path) -> None:
    at = _open_upload_page()
    _upload(at, "再次上传.xlsx", FIRST_LOAD)
    infos = [i.value for i in at.info]
    assert len(infos) == 2
    assert "已于" in infos[0] and "导入过" in infos[0]
    assert "2025年第三季度\\_会员发展\\.xlsx" in infos[0]  # the earlier file name, markdown-escaped
    assert "1 个单位不变" in infos[1]  # the change preview: the same figures again change nothing


def test_user_text_is_escaped_in_markdown(db: Path) -> None:
    at = _open_upload_page()
    _upload(
        at, "**粗体**<img src=x onerror=alert(1)>.xlsx", membership_xlsx([["**加粗单位**", "", 10, 9, 0]])
    )
    heading = next(s.value for s in at.subheader if "粗体" in s.value)
    assert heading == "\\*\\*粗体\\*\\*\\<img src\\=x onerror\\=alert\\(1\\)\\>\\.xlsx"
    new_units = next(d.value for d in at.dataframe if "类型" in d.value.columns)
    assert new_units["单位"].tolist() == ["**加粗单位**"]  # tables show the name as written


def test_kind_override_is_passed_to_the_parser(db: Path) -> None:
    at = _open_upload_page()
    at.selectbox(key="upload.hint_kind").set_value("dues")
    _upload(
        at, "2025年第四季度_会员发展.xlsx", membership_xlsx([["滨江新能源科技有限公司", "", 5000, 4990, 30]])
    )
    errors = [e.value for e in at.error]
    assert errors == ["发现 1 处错误，请修改表格后重新上传。"]
    problems = next(d.value for d in at.dataframe if "说明" in d.value.columns)
    assert "不是有效的会费收缴表" in problems.iloc[0]["说明"]


def test_english_labels(db: Path) -> None:
    at = _open_upload_page()
    at.session_state["lang"] = (
        "en"  # the sidebar's language radio (AppTest drops the sidebar after switch_page)
    )
    at.run()
    assert [t.value for t in at.title] == ["Upload data"]
    assert next(b.label for b in at.get("download_button")) == "Membership template"


# ---------------------------------------------------------------- issue 8: nothing may mislead


def _template_with_rows(rows: list[dict[str, object]]) -> bytes:
    """The page's own 会员发展 template, downloaded and filled in below its header."""
    at_template = openpyxl.load_workbook(io.BytesIO(template_bytes("membership")))
    sheet = at_template["会员发展"]
    columns = {cell.value: cell.column for cell in sheet[2]}
    first = 3
    while any(sheet.cell(first, c).value is not None for c in columns.values()):
        first += 1  # below whatever the template holds already
    for offset, row in enumerate(rows):
        for header, value in row.items():
            sheet.cell(first + offset, columns[header]).value = value
    buffer = io.BytesIO()
    at_template.save(buffer)
    return buffer.getvalue()


def _in_order(at: AppTest) -> list[str]:
    """The page's text in the order shown: markdown, captions and dataframes' 说明 cells."""
    out = []
    for node in at.main:
        kind = getattr(node, "type", "")
        if kind in ("markdown", "caption"):
            out.append(str(node.value))
        elif kind in ("arrow_data_frame", "dataframe") and "说明" in node.value.columns:
            out.extend(_messages(node.value))
    return out


def _messages(frame: pd.DataFrame, column: str = "说明") -> list[str]:
    """The messages as written (the page shows them with no-break spaces, so they wrap whole)."""
    return [m.replace("\u00a0", " ") for m in frame[column]]


def _no_blank_cells(frame: pd.DataFrame) -> bool:
    cells = [v for row in frame.astype(object).values.tolist() for v in row]
    return not any(
        v is None or pd.isna(v) or str(v).strip() in ("", "None", "nan", "NaT", "<NA>") for v in cells
    )


def test_a_filled_template_lists_its_errors_under_its_own_sheet_and_the_guide_gives_no_warning(
    db: Path,
) -> None:
    at = _open_upload_page()
    rows = [
        {
            "单位名称": "滨江新能源科技有限公司",
            "职工人数": 500,
            "会员人数": 480,
            "年度": 2025,
            "季度": "第四季度",
        },
        {"单位名称": "滨江市财政局", "职工人数": 80, "会员人数": "八十", "年度": 2025, "季度": "第四季度"},
    ]
    _upload(at, "会员发展_模板.xlsx", _template_with_rows(rows))

    shown = _in_order(at)
    sheet_at = next(i for i, v in enumerate(shown) if "识别为“会员发展”表" in v)
    errors_at = shown.index("工作表「会员发展」中有 1 处错误".join([":red[:material/error: **", "**]"]))
    message_at = shown.index("第 4 行 C 列「会员人数」：应为数字，表中填的是「八十」。")
    guide_at = shown.index("工作表「填写说明」是填写说明，不含数据，未导入。")
    assert sheet_at < errors_at < message_at < guide_at  # under its own sheet, before the guide
    assert not any("未识别" in v for v in shown)
    assert page_warnings(at) == []  # the template's own guide is no cause for a warning
    problems = next(d.value for d in at.dataframe if "说明" in d.value.columns)
    assert _no_blank_cells(problems)
    preview = next(
        d.value for d in at.dataframe if "行号" in d.value.columns and "会员人数" in d.value.columns
    )
    assert preview["单位名称"].tolist() == ["滨江新能源科技有限公司", "滨江市财政局"]  # no sample row


def test_a_sheets_own_period_columns_win_over_the_file_name(db: Path) -> None:
    at = _open_upload_page()
    rows = [
        {"单位名称": "滨江市第一中学", "职工人数": 121, "会员人数": 119, "年度": 2025, "季度": "第三季度"}
    ]
    _upload(at, "2026年第一季度_会员发展.xlsx", _template_with_rows(rows))

    assert [e.value for e in at.error] == []
    assert "2025年第三季度" in _markdown(at)  # the period the rows say
    assert "统计期依据：年度、季度来自表中「年度」「季度」列" in [c.value for c in at.caption]
    warnings = _messages(next(d.value for d in at.dataframe if "说明" in d.value.columns))
    assert warnings == [
        "第 3 行的「年度」为2025年，与文件名「2026年第一季度_会员发展.xlsx」所写的2026年不同："
        "已按表中「年度」列导入为2025年。如果表中的年度填错了，请改正后重新上传。",
        "第 3 行的「季度」为第3季度，与文件名「2026年第一季度_会员发展.xlsx」所写的第1季度不同："
        "已按表中「季度」列导入为第3季度。如果表中的季度填错了，请改正后重新上传。",
    ]
    at.button(key="upload.confirm").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _members(db, 2025, 3).set_index("unit").loc["滨江市第一中学", "members"] == 119
    assert _members(db, 2026, 1).empty


def _unescape(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def test_undo_asks_first_says_what_it_restores_and_keeps_the_period(db: Path, tmp_path: Path) -> None:
    later = tmp_path / "2025年第四季度_会员发展.xlsx"
    later.write_bytes(membership_xlsx([["滨江市第一中学", "滨江市教育工会", 122, 120, 1]]))
    again = tmp_path / "2025年第三季度_会员发展（更正）.xlsx"
    again.write_bytes(
        membership_xlsx(
            [["滨江市第一中学", "滨江市教育工会", 121, 119, 1], ["滨江新能源科技有限公司", "", 50, 49, 3]],
            title="2025年第三季度会员发展情况统计表",
        )
    )
    load_paths([later], db=db, user="tester")
    (correction,) = load_paths([again], db=db, user="tester")
    with store.connect(db, read_only=True) as con:
        school = kpis.find_unit(con, "滨江市第一中学")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.sidebar.selectbox(key="quarter").set_value(3).run()  # not the latest quarter
    at.sidebar.selectbox(key="scope").set_value(school).run()
    at.switch_page("pages/upload.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]

    assert at.selectbox(key="undo.choice").value == correction.load_id  # the latest load
    at.button(key="undo.go").click().run()
    plan = [_unescape(w) for w in page_warnings(at)]
    assert plan == [
        f"撤销导入 #{correction.load_id}「2025年第三季度_会员发展（更正）.xlsx」将删除它写入的 2 行"
        "（会员发展：滨江市第一中学、滨江新能源科技有限公司，2025年第三季度），"
        "并恢复它替换掉的 1 行（会员发展：滨江市第一中学，2025年第三季度）。"
    ]
    assert _members(db, 2025, 3)["members"].sum() == 119 + 49  # asking changes nothing
    at.button(key="undo.cancel").click().run()
    assert page_warnings(at) == [] and [b.key for b in at.button] == ["undo.go"]
    assert _members(db, 2025, 3)["members"].sum() == 119 + 49

    at.button(key="undo.go").click().run()
    at.button(key="undo.confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [_unescape(s.value) for s in at.success] == [
        f"已撤销导入 #{correction.load_id}「2025年第三季度_会员发展（更正）.xlsx」："
        "删除了它写入的 2 行，恢复了它替换掉的 1 行原有数据。"
        "同时删除了这次导入新建、已无任何数据的 1 个单位：滨江新能源科技有限公司"
    ]
    assert _members(db, 2025, 3).set_index("unit")["members"].to_dict() == {"滨江市第一中学": 118}
    # the view stays where the user was: 2025 Q3, one unit (not the latest quarter, not everyone)
    assert (at.session_state["year"], at.session_state["quarter"], at.session_state["scope"]) == (
        2025,
        3,
        school,
    )
    history = at.dataframe[-1].value
    assert history.iloc[0]["状态"] == "撤销操作"
    assert _no_blank_cells(history)


# ---------------------------------------------------------------- the display helpers on their own


def test_report_frames_for_a_sheet_with_a_wan_yuan_column() -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("2025年第二季度")
    sheet.write_row(0, 0, ["单位名称", "应缴会费（万元）", "实缴会费(万元)", "备用列"])
    sheet.write_row(1, 0, ["滨江市第一中学", 1.2, 1.15, "x"])
    sheet.write_row(2, 0, ["滨江市财政局", 0.5, 0.5, "y"])
    book.close()
    report = inspect_bytes(buffer.getvalue(), "会费.xlsx")
    assert upload_view.report_ok(report)
    parsed = report.data_sheets[0]

    mapping = upload_view.mapping_frame(parsed, "zh")
    assert mapping.values.tolist() == [
        ["A", "单位名称", "单位名称", ""],
        ["B", "应缴会费（万元）", "应缴会费", "万元 → 元（×10000）"],
        ["C", "实缴会费(万元)", "实缴会费", "万元 → 元（×10000）"],
        ["D", "备用列", "未使用", ""],
    ]
    totals = upload_view.totals_frame(parsed, "zh")
    assert totals.values.tolist() == [["应缴会费", "17,000.00 元"], ["实缴会费", "16,500.00 元"]]
    assert upload_view.period_text(parsed.periods, "zh") == "2025年第二季度"
    assert upload_view.period_text(parsed.periods, "en") == "2025 Q2"
    matched, new, parents = upload_view.unit_match(parsed, {"滨江市财政局"})
    assert (matched, new, parents) == (["滨江市财政局"], ["滨江市第一中学"], [])
    preview = upload_view.preview_frame(parsed, "zh")
    assert preview.columns.tolist() == ["行号", "单位名称", "应缴会费", "实缴会费", "年度", "季度"]
    assert preview["应缴会费"].tolist() == [12000.0, 5000.0]


def test_history_frame_reads_periods_and_kinds() -> None:
    log = pd.DataFrame(
        [
            {
                "load_id": 7,
                "loaded_at": pd.Timestamp("2025-10-08 09:30"),
                "user_name": "李四",
                "file_name": "x.xlsx",
                "kind": "dues,membership",
                "periods": "2025Q2,2025Q3",
                "rows_loaded": 12,
                "units": 6,
                "warnings": 1,
                "sha256": "ab",
            }
        ]
    )
    frame = upload_view.history_frame(log, "zh")
    assert frame.iloc[0].tolist() == [
        7,
        "2025-10-08 09:30",
        "李四",
        "x.xlsx",
        "会费收缴、会员发展",
        "2025年第二季度、2025年第三季度",
        "12",
        "6",
        "1",
        "已导入",
        "ab",  # the first 12 characters of the SHA-256
    ]


def test_history_frame_shows_a_dash_where_an_undo_entry_has_no_counts() -> None:
    log = pd.DataFrame(
        [
            {
                "load_id": 8,
                "loaded_at": pd.Timestamp("2025-10-09 10:00"),
                "user_name": "李四",
                "file_name": "撤销导入 #7：x.xlsx",
                "kind": "membership",
                "periods": "2025Q3",
                "rows_loaded": 0,
                "units": None,
                "warnings": None,
                "sha256": None,
                "status": "undo",
            },
            {
                "load_id": 7,
                "loaded_at": pd.NaT,
                "user_name": None,
                "file_name": "x.xlsx",
                "kind": "membership",
                "periods": None,
                "rows_loaded": 1234,
                "units": 6,
                "warnings": 0,
                "sha256": "ab",
                "status": "undone",
            },
        ]
    )
    frame = upload_view.history_frame(log, "zh")
    assert frame.iloc[0].tolist() == [
        8,
        "2025-10-09 10:00",
        "李四",
        "撤销导入 #7：x.xlsx",
        "会员发展",
        "2025年第三季度",
        "—",
        "—",
        "—",
        "撤销操作",
        "—",
    ]
    assert frame.iloc[1].tolist()[1:] == [
        "—",
        "—",
        "x.xlsx",
        "会员发展",
        "—",
        "1,234",
        "6",
        "0",
        "已撤销",
        "ab",
    ]
    assert _no_blank_cells(frame)


def test_problems_frame_leaves_out_empty_columns_and_dashes_what_does_not_apply() -> None:
    sheet_level = Problem("warning", "汇总表未导入", file="a.xlsx", sheet="汇总")
    assert upload_view.problems_frame([sheet_level], "zh").values.tolist() == [["汇总表未导入。"]]
    in_a_row = Problem("error", "重复数据", file="a.xlsx", sheet="会员发展", row=5)
    in_a_cell = Problem(
        "error", "应为数字", file="a.xlsx", sheet="会员发展", row=6, column=2, header="会员人数", value="x"
    )
    frame = upload_view.problems_frame([in_a_row, in_a_cell], "en")
    assert frame.columns.tolist() == ["Row", "Column", "Message"]
    assert frame.values.tolist() == [
        ["5", "—", "第 5 行：重复数据。"],
        ["6", "C", "第 6 行 C 列「会员人数」：应为数字，表中填的是「x」。"],
    ]


def test_problems_belong_to_their_sheet_or_to_the_file() -> None:
    report = inspect_bytes(membership_xlsx([["甲单位", "", 10, 9, "九"]]), "x.xlsx")
    (sheet,) = report.sheets
    report.problems.append(Problem("error", "重复", file="x.xlsx", sheet="会员发展"))
    report.problems.append(Problem("error", "文件过大", file="x.xlsx"))
    assert [p.message for p in upload_view.sheet_problems(report, sheet)] == ["应为数字", "重复"]
    assert [p.message for p in upload_view.file_problems(report)] == ["文件过大"]
    title = upload_view.problem_group_title("error", 2, "en", sheet="会员发展")
    assert title == "Sheet “会员发展”: 2 error(s)"


def test_undo_plan_names_rows_units_and_periods() -> None:
    effect = pd.DataFrame(
        [
            ["delete", "membership", 5, ["甲", "乙", "丙", "丁", "戊"], [(2025, 3)]],
            ["delete", "targets", 2, [None], [(2025, 0)]],
            ["restore", "membership", 1, ["甲"], [(2025, 3)]],
        ],
        columns=["action", "kind", "rows", "units", "periods"],
    )
    assert upload_view.undo_plan_text(12, "x.xlsx", effect, "zh") == (
        "撤销导入 #12「x.xlsx」将删除它写入的 7 行（会员发展：甲、乙、丙等 5 个单位，2025年第三季度；"
        "年度目标：全单位，2025年），并恢复它替换掉的 1 行（会员发展：甲，2025年第三季度）。"
    )
    nothing_replaced = effect[effect["action"] == "delete"].head(1)
    assert upload_view.undo_plan_text(12, "x.xlsx", nothing_replaced, "en") == (
        "Undoing load #12 “x.xlsx” deletes the 5 rows it wrote (Membership: 甲, 乙, 丙 and others (5 units), "
        "2025 Q3). It replaced no earlier data, so these units will have no data of this kind for these "
        "periods."
    )
    assert upload_view.undo_done_text(12, "x.xlsx", nothing_replaced, "zh") == (
        "已撤销导入 #12「x.xlsx」：删除了它写入的 5 行；这次导入没有替换原有数据，无需恢复。"
    )


def test_english_problem_list_and_undo_labels(db: Path) -> None:
    at = _open_upload_page()
    _upload(at, "bad.xlsx", membership_xlsx([["滨江市第一中学", "滨江市教育工会", 121, 119, "十几个"]]))
    at.button(key="undo.go").click().run()
    # one run in English at the end: AppTest formats the sidebar's options outside the script,
    # always in Chinese, so a second English run cannot find '2025年' among '2025', '2024'
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    problems = next(d.value for d in at.dataframe if "Message" in d.value.columns)
    assert problems.columns.tolist() == ["Row", "Column", "Message"]
    assert ":red[:material/error: **Sheet “会员发展”: 1 error(s)**]" in [
        _unescape(m.value) for m in at.markdown
    ]
    labels = (at.button(key="undo.confirm").label, at.button(key="undo.cancel").label)
    assert labels == ("Confirm undo", "Cancel")
    assert at.warning[-1].value.startswith(
        "Undoing load \\#1 “2025年第三季度\\_会员发展\\.xlsx” deletes the 1 rows"
    )
    history = at.dataframe[-1].value
    assert history.columns[:3].tolist() == ["Load", "Loaded at", "User"]


def test_md_escape_neutralises_markdown_and_html() -> None:
    assert upload_view.md_escape("<b>**x**</b> [a](b) :red[c] $y$") == (
        "\\<b\\>\\*\\*x\\*\\*\\</b\\> \\[a\\]\\(b\\) \\:red\\[c\\] \\$y\\$"
    )


def test_first_upload_into_an_empty_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "empty.duckdb"
    monkeypatch.setenv("UNION_KPI_DB", str(db))
    at = _open_upload_page()
    assert any("尚无导入记录" in str(c.value) for c in at.caption)
    _upload(at, "2025年第四季度_会员发展.xlsx", membership_xlsx([["滨江新能源科技有限公司", "", 50, 49, 3]]))
    assert "已有 0 个 · 新增 1 个" in _markdown(at)
    at.button(key="upload.confirm").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _members(db, 2025, 4)["members"].tolist() == [49]


def test_a_file_that_is_not_a_spreadsheet_is_refused(db: Path) -> None:
    at = _open_upload_page()
    _upload(at, "报表.xlsx", b"this is not a workbook")
    assert next(e.value for e in at.error).startswith("发现 1 处错误")
    assert at.button(key="upload.confirm").disabled
    assert _load_count(db) == 1
