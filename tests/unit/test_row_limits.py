"""The row limit holds for the rows the parser will see, whatever the file declares: a CSV of bare
\\r line ends and an xlsx whose <dimension> lies are refused before they are parsed."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from etl.core.problems import LoadRejected
from etl.ingest import guard
from etl.ingest.inspect import inspect_path
from etl.store.pipeline import load_paths

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/{path}" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="会员发展" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/worksheet" Target="{path}"/></Relationships>'
)


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx(
    sheet_data: str,
    dimension: str = "A1:C3",
    member: str = "xl/worksheets/sheet1.xml",
    target: str = "worksheets/sheet1.xml",
) -> bytes:
    """A real workbook (Excel and calamine open it) whose sheet declares `dimension`; the sheet is
    stored as `member` and named by the workbook's relationships as `target`."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><dimension ref="{dimension}"/>'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(path=member.removeprefix("xl/")))
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(path=target))
        archive.writestr(member, sheet)
    return buffer.getvalue()


def membership_rows(count: int) -> str:
    header = "".join(
        text_cell(f"{c}1", h) for c, h in zip("ABC", ["单位名称", "职工人数", "会员人数"], strict=True)
    )
    rows = [f'<row r="1">{header}</row>']
    rows += [
        f'<row r="{r}">{text_cell(f"A{r}", f"单位{r}")}<c r="B{r}"><v>100</v></c>'
        f'<c r="C{r}"><v>90</v></c></row>'
        for r in range(2, count + 2)
    ]
    return "".join(rows)


def refused(path: Path, db: Path) -> str:
    with pytest.raises(LoadRejected) as caught:
        load_paths([path], db=db)
    assert not db.exists()
    return str(caught.value)


@pytest.fixture(autouse=True)
def _limits(monkeypatch: pytest.MonkeyPatch, parse_sandbox: None) -> None:
    # parsed as deployed, in the sandbox's child process
    # the old code parsed these files to the end: 30 s is far less than that took
    monkeypatch.setenv("UNION_KPI_PARSE_SECONDS", "30")


def test_a_csv_of_two_million_bare_cr_lines_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "2025年第一季度会员发展.csv"
    path.write_bytes("单位名称,职工人数,会员人数\r".encode() + "甲单位,100,90\r".encode() * 2_000_000)
    message = refused(path, tmp_path / "x.duckdb")
    assert "超过 200,000 行" in message and "超过上限" in message
    assert path.name in message


@pytest.mark.parametrize("ending", [b"\r", b"\n", b"\r\n"])
def test_every_kind_of_line_end_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: bytes
) -> None:
    monkeypatch.setenv("UNION_KPI_MAX_ROWS", "100")
    data = ending.join(
        ["单位名称,职工人数,会员人数".encode(), *[f"单位{i},1,1".encode() for i in range(100)]]
    )
    assert guard.csv_rows(data, "a.csv", 100) == 101
    assert guard.check_rows(data, "a.csv")[0].message.startswith("文件有超过 100 行")
    assert not guard.check_rows(ending.join(data.split(ending)[:100]), "a.csv")


def test_line_breaks_inside_quoted_cells_are_not_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNION_KPI_MAX_ROWS", "10")
    records = ["单位名称,职工人数,会员人数,备注"] + [
        f'单位{i},10,9,"第一行\r\n第二行\r\n第三行"' for i in range(8)
    ]
    path = tmp_path / "2025年第一季度会员发展.csv"
    path.write_bytes("\r\n".join(records).encode("utf-8-sig"))
    report = inspect_path(path)  # 25 lines, 9 records: under the limit of 10
    assert not report.errors, [p.text() for p in report.errors]
    assert len(report.data_sheets[0].frame) == 8


def test_a_quote_cannot_hide_rows_from_the_count(monkeypatch: pytest.MonkeyPatch) -> None:
    # a stray quote in a tab-separated file: the comma reading would swallow every line break
    lines = ['单位名称\t职工人数\t备注,"'] + [f"单位{i}\t1\t-" for i in range(50)]
    data = "\n".join(lines).encode()
    assert guard.csv_rows(data, "a.csv", 20) > 20


def test_an_xlsx_whose_dimension_lies_is_refused(tmp_path: Path) -> None:
    data = xlsx(membership_rows(250_000), dimension="A1:C3")  # says 3 rows, holds 250,001
    assert not guard.check_bytes(data, "a.xlsx")  # the declared range passes the cheap check
    path = tmp_path / "2025年第一季度会员发展.xlsx"
    path.write_bytes(data)
    tracemalloc.start()
    problems = guard.check_rows(data, path.name)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 64 * 1024 * 1024  # streamed in chunks, not inflated whole
    assert problems and "超过上限 200,000 行" in problems[0].message
    message = refused(path, tmp_path / "x.duckdb")
    assert "实际数据超过上限 200,000 行" in message and "worksheets/sheet1.xml" in message


@pytest.mark.parametrize(
    "sheet_data",
    [
        # one row element, its cell placed far below by its own reference
        '<row><c r="A1" t="inlineStr"><is><t>单位名称</t></is></c></row>'
        '<row><c r="A300000"><v>1</v></c></row>',
        # a single row element numbered far below the header
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="300000"><c r="B300000"><v>1</v></c></row>',
        # rows without numbers follow one another: 250,001 of them
        '<row><c t="inlineStr"><is><t>单位名称</t></is></c></row>' + "<row><c><v>1</v></c></row>" * 250_000,
    ],
    ids=["cell-reference", "row-number", "unnumbered-rows"],
)
def test_rows_are_placed_as_the_reader_places_them(tmp_path: Path, sheet_data: str) -> None:
    problems = guard.check_rows(xlsx(sheet_data), "a.xlsx")
    assert problems and "实际数据超过上限" in problems[0].message


def test_a_sheet_at_an_unusual_path_is_still_counted() -> None:
    data = xlsx(membership_rows(250_000), member="xl/data/hidden.xml", target="../xl/data/hidden.xml")
    problems = guard.check_rows(data, "a.xlsx")
    assert problems and "xl/data/hidden.xml" in problems[0].message


def test_columns_far_to_the_right_are_refused() -> None:
    data = xlsx('<row r="1"><c r="A1"><v>1</v></c><c r="ZZZ1"><v>1</v></c></row>', dimension="A1:B1")
    problems = guard.check_rows(data, "a.xlsx")
    assert problems and "列" in problems[0].message


def test_a_sheet_just_under_the_limit_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNION_KPI_MAX_ROWS", "1000")
    path = tmp_path / "2025年第一季度会员发展.xlsx"
    path.write_bytes(xlsx(membership_rows(999), dimension="A1:C1000"))  # 1,000 rows with the header
    [summary] = load_paths([path], db=tmp_path / "ok.duckdb")
    assert summary.rows == 999
    path.write_bytes(xlsx(membership_rows(1000), dimension="A1:C3"))
    assert "1,000 行" in refused(path, tmp_path / "no.duckdb")
