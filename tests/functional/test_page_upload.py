"""数据上传 page through Streamlit's AppTest: inspect, show, confirm or cancel, against a real DuckDB file."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from streamlit.testing.v1 import AppTest

from dashboard import upload_view
from etl import queries, store
from etl.pipeline import inspect_bytes, load_paths

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


FIRST_LOAD = membership_xlsx(
    [["滨江市第一中学", "滨江市教育工会", 120, 118, 2]], title="2025年第三季度会员发展情况统计表"
)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "upload.duckdb"
    source = tmp_path / "2025年第三季度_会员发展.xlsx"
    source.write_bytes(FIRST_LOAD)
    load_paths([source], db=path, user="tester")
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
    assert any("年度来自表格标题" in str(c.value) for c in at.caption)
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
    problems = next(d.value for d in at.dataframe if "说明" in d.value.columns)
    assert problems.columns.tolist() == ["工作表", "行号", "列", "表头", "值", "说明"]
    row = problems.iloc[0]
    assert (row["工作表"], row["行号"], row["列"], row["表头"], row["值"]) == (
        "会员发展",
        4,
        "E",
        "新发展会员",
        "十几个",
    )
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
        12,
        6,
        1,
        "已导入",
        "ab",  # the first 12 characters of the SHA-256
    ]


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
