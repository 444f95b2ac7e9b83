"""Broken and hostile files are rejected with a clear Chinese message and 0 bytes written."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
import xlwt

from etl.core.problems import LoadRejected
from etl.store.pipeline import load_paths

# hostile files are parsed as deployed: in the sandbox's child process, with its limits
pytestmark = pytest.mark.usefixtures("parse_sandbox")

HEADER = ["单位名称", "职工人数", "会员人数"]


def good_xlsx(rows: int = 3) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("2025年Q1")
    ws.write_row(0, 0, HEADER)
    for i in range(rows):
        ws.write_row(i + 1, 0, [f"单位{i}", 100, 90])
    book.close()
    return buffer.getvalue()


def good_xls() -> bytes:
    book = xlwt.Workbook()
    ws = book.add_sheet("2025年Q1")
    for j, h in enumerate(HEADER):
        ws.write(0, j, h)
    for i in range(50):
        for j, v in enumerate([f"单位{i}", 100, 90]):
            ws.write(i + 1, j, v)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_with(member: str, payload: bytes | None = None, size: int = 0) -> bytes:
    """An xlsx-shaped zip; `size` bytes of spaces are streamed in when no payload is given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        if payload is not None:
            archive.writestr(member, payload)
        else:
            with archive.open(member, "w", force_zip64=True) as handle:
                chunk = b" " * (16 * 1024 * 1024)
                for _ in range(size // len(chunk)):
                    handle.write(chunk)
    return buffer.getvalue()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
        for i in range(1, 10)
    )
    + b']><worksheet><sheetData><row><c t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    b"</sheetData></worksheet>"
)


def huge_dimension_xlsx() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet()
    ws.write_row(0, 0, HEADER)
    ws.write(1_048_575, 2, 1)  # one cell on the last row: the sheet declares 1,048,576 rows
    book.close()
    return buffer.getvalue()


CASES = {
    "empty.xlsx": (b"", "空的"),
    "text.xlsx": ("单位名称,职工人数\n甲,1\n".encode(), "不是 Excel"),
    "page.xlsx": (b"<!DOCTYPE html><html><body>not a workbook</body></html>", "不是 Excel"),
    "program.xlsx": (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "不是 Excel"),
    "encrypted.xlsx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000, "取消密码保护"),
    "truncated.xlsx": (good_xlsx()[:1500], "损坏"),
    "truncated.xls": (good_xls()[:700], "损坏"),
    "program.xls": (b"MZ\x90\x00" + b"\x00" * 300, "不是 Excel"),
    "entities.xlsx": (zip_with("xl/worksheets/sheet1.xml", BILLION_LAUGHS), "XML 实体"),
    "rows.xlsx": (huge_dimension_xlsx(), "1,048,576 行"),
    "empty.csv": (b"\n\n", "没有任何数据"),
    "binary.csv": (b"unit,employees\n\xff\xfd\x80\xff,1\n", "编码"),
    "notes.docx": (b"PK\x03\x04", "不支持的文件类型"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_is_rejected_and_nothing_is_written(tmp_path: Path, name: str) -> None:
    data, expected = CASES[name]
    path = tmp_path / name
    path.write_bytes(data)
    db = tmp_path / "x.duckdb"
    with pytest.raises(LoadRejected) as caught:
        load_paths([path], db=db)
    assert expected in str(caught.value)
    assert name in str(caught.value)  # the message names the file
    assert not db.exists()  # 0 bytes written: the database was never opened


def test_zip_bomb_is_refused_before_memory_grows(tmp_path: Path) -> None:
    bomb = zip_with("xl/worksheets/sheet1.xml", size=1024 * 1024 * 1024 + 16 * 1024 * 1024)
    assert len(bomb) < 3 * 1024 * 1024  # a small file ...
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    started = time.monotonic()
    with pytest.raises(LoadRejected, match="压缩炸弹"):
        load_paths([path], db=tmp_path / "x.duckdb")
    assert time.monotonic() - started < 5  # ... refused from its zip directory, not by inflating it


def test_upload_over_the_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNION_KPI_MAX_UPLOAD_MB", "0.001")
    path = tmp_path / "2025年第一季度会员.xlsx"
    path.write_bytes(good_xlsx(rows=200))
    with pytest.raises(LoadRejected, match="超过上限"):
        load_paths([path], db=tmp_path / "x.duckdb")


def test_a_parse_over_the_time_limit_is_stopped_in_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNION_KPI_SANDBOX", "1")
    monkeypatch.setenv("UNION_KPI_PARSE_SECONDS", "0.01")
    path = tmp_path / "2025年第一季度会员.xlsx"
    path.write_bytes(good_xlsx(rows=20000))
    with pytest.raises(LoadRejected, match="解析超过"):
        load_paths([path], db=tmp_path / "x.duckdb")
    assert not (tmp_path / "x.duckdb").exists()


def test_the_sandbox_parses_a_normal_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNION_KPI_SANDBOX", "1")
    path = tmp_path / "2025年第一季度会员.xlsx"
    path.write_bytes(good_xlsx(rows=5))
    [summary] = load_paths([path], db=tmp_path / "x.duckdb")
    assert summary.rows == 5 and summary.periods == [(2025, 1)]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["甲", 100, -1]], "不能为负数"),
        ([["甲", 100, 90], ["甲 ", 100, 80]], "重复数据"),
    ],
)
def test_values_out_of_range_are_rejected(tmp_path: Path, rows: list, expected: str) -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("2025年Q1")
    ws.write_row(0, 0, HEADER)
    for i, row in enumerate(rows, start=1):
        ws.write_row(i, 0, row)
    book.close()
    path = tmp_path / "m.xlsx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(LoadRejected, match=expected):
        load_paths([path], db=tmp_path / "x.duckdb")
    assert not (tmp_path / "x.duckdb").exists()


def test_quarter_five_and_a_file_of_another_kind_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "m.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    ws.write_row(0, 0, [*HEADER, "年度", "季度"])
    ws.write_row(1, 0, ["甲", 100, 90, 2025, 5])
    book.close()
    with pytest.raises(LoadRejected, match="季度应为 1–4"):
        load_paths([path], db=tmp_path / "x.duckdb")
    with pytest.raises(LoadRejected, match="不是有效的会费收缴表"):
        load_paths([path], db=tmp_path / "x.duckdb", kind="dues")
