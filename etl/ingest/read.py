"""Read a spreadsheet file into plain grids of cells, one per sheet.

xlsx/xls/ods go through calamine (fast, Rust); CSV is decoded strictly as UTF-16 (when it
starts with a BOM: Excel's 「Unicode 文本」), UTF-8 (with or without BOM) or GB18030 (a
superset of GBK) — never with errors ignored, so a wrong encoding is reported instead of
silently turning names into garbage.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import python_calamine as calamine

from etl.core.problems import LoadRejected, Problem
from etl.ingest import xlsx_fast

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class RawSheet:
    name: str
    rows: Sequence[list[object]]  # a list, or xlsx_fast.HybridRows for a long xlsx sheet
    # merged ranges as ((row0, col0), (row1, col1)), 0-based inclusive
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # the workbook uses the 1904 date system (old Mac Excel): serial numbers count from 1904
    date1904: bool = False
    # every visible sheet of the same file, this one included: a 汇总 sheet looks at the others
    book: list[RawSheet] = field(default_factory=list, repr=False, compare=False)


def _reject(file_name: str, message: str) -> LoadRejected:
    return LoadRejected([Problem("error", message, file=file_name)])


def decode_csv(data: bytes, file_name: str) -> str:
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        encodings: tuple[str, ...] = ("utf-32",)
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _reject(
        file_name,
        "无法识别文件编码：CSV 文件应为 UTF-8（可带 BOM）或 GBK/GB18030 编码。"
        "请在 Excel 中“另存为 → CSV UTF-8”后重新上传",
    )


def _delimiter(text: str) -> str:
    """Comma, tab or semicolon: the one that splits the most of the first lines, into the
    most regular widths. (csv.Sniffer guesses wrong on Chinese text with a one-cell title
    line, and a tab-separated file may hold 1,234 in every row.)"""
    sample = [line for line in text.splitlines()[:50] if line.strip()]

    def fit(delimiter: str) -> tuple[int, int, bool]:
        try:
            widths = [len(row) for row in csv.reader(sample, delimiter=delimiter) if len(row) > 1]
        except csv.Error:
            return (0, 0, False)
        common = max((widths.count(w) for w in set(widths)), default=0)
        return (len(widths), common, delimiter == ",")

    return max((",", "\t", ";"), key=fit)


def read_csv(data: bytes, file_name: str) -> list[RawSheet]:
    text = decode_csv(data, file_name)
    try:
        rows: list[list[object]] = [
            list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
        ]
    except csv.Error as exc:
        raise _reject(
            file_name, f"CSV 文件格式有误（{exc}）。请用 Excel/WPS 打开后另存为 .xlsx 再上传"
        ) from None
    return [RawSheet(Path(file_name).stem, rows)]


_DATE1904 = re.compile(rb"<(?:\w+:)?workbookPr\b[^>]*\bdate1904\s*=\s*[\"'](?:1|true)[\"']")
# BIFF8 workbook globals: DATEMODE (0x0022, 2 bytes) is always followed by PRECISION (0x000E)
_BIFF_DATEMODE = re.compile(rb"\x22\x00\x02\x00([\x00\x01])\x00\x0e\x00\x02\x00")


def uses_1904_dates(data: bytes) -> bool:
    """Whether a workbook counts its dates from 1904 (old Mac Excel): the date1904 flag of
    xl/workbook.xml, or the DATEMODE record of an .xls. calamine already turns date-formatted
    cells into dates; this matters for serial numbers in General or Text cells."""
    if data[:8] == _OLE_MAGIC:
        found = _BIFF_DATEMODE.search(data)
        return bool(found and found.group(1) == b"\x01")
    if data[:4] != _ZIP_MAGIC:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return bool(_DATE1904.search(archive.read("xl/workbook.xml")))
    except Exception:  # a damaged archive is reported by calamine, not here
        return False


# calamine's Rust panics surface as pyo3's PanicException, a BaseException: a broken file
# must be reported like any other, while Ctrl-C and exit still stop the program
_INTERRUPTS = (KeyboardInterrupt, SystemExit, GeneratorExit)


def read_excel(data: bytes, file_name: str) -> list[RawSheet]:
    """Every visible sheet. A long xlsx sheet is read in two parts (etl.ingest.xlsx_fast): its first
    rows by calamine, the rest by fastexcel into Arrow; calamine reads it whole when fastexcel
    cannot give exactly the same cells."""
    prepared = xlsx_fast.prepare(data) if data[:4] == _ZIP_MAGIC else None
    try:
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(prepared.data if prepared else data))
    except calamine.PasswordError:
        raise _reject(file_name, "工作簿设置了密码保护，无法读取。请先取消密码保护，再重新上传") from None
    except _INTERRUPTS:
        raise
    except BaseException as exc:  # several calamine errors for broken files, and Rust panics
        raise _reject(
            file_name,
            f"文件已损坏或不是有效的 Excel 工作簿（{type(exc).__name__}）。"
            "请用 Excel/WPS 打开后重新保存为 .xlsx 再上传",
        ) from None
    sheets: list[RawSheet] = []
    date1904 = uses_1904_dates(data)
    whole: list[calamine.CalamineWorkbook] = []  # the uncut workbook, opened if a sheet needs it
    for meta in workbook.sheets_metadata:
        if str(meta.visible) != str(calamine.SheetVisibleEnum.Visible):
            continue  # hidden sheets hold lookup lists, not data
        try:
            grid, merged = _calamine_sheet(workbook, meta.name)
            rows: Sequence[list[object]] = grid
            if prepared is not None and prepared.cut.get(meta.name):  # only its first rows here
                block = prepared.blocks.get(meta.name)
                if block is not None and len(grid) <= block.skip:
                    rows = xlsx_fast.HybridRows(grid, block)
                else:  # a long sheet fastexcel leaves to calamine
                    if not whole:
                        whole.append(calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)))
                    rows, merged = _calamine_sheet(whole[0], meta.name)
        except _INTERRUPTS:
            raise
        except BaseException as exc:  # a damaged sheet can make calamine panic (a BaseException)
            raise _reject(file_name, f"工作表「{meta.name}」无法读取（{type(exc).__name__}）") from None
        sheets.append(RawSheet(meta.name, rows, merged, date1904))
    for raw in sheets:
        raw.book = sheets
    return sheets


def _calamine_sheet(workbook, name: str) -> tuple[list[list[object]], list]:
    sheet = workbook.get_sheet_by_name(name)
    rows = sheet.to_python(skip_empty_area=False)
    grid = cast(list[list[object]], rows) if isinstance(rows, list) else [list(r) for r in rows]
    return grid, list(sheet.merged_cell_ranges or [])


def read_bytes(data: bytes, file_name: str) -> list[RawSheet]:
    """All visible sheets of a file; rejects empty, mislabelled or unreadable files."""
    suffix = Path(file_name).suffix.lower()
    if not data:
        raise _reject(file_name, "文件是空的（0 字节）")
    if suffix in EXCEL_SUFFIXES:
        if suffix in (".xlsx", ".xlsm") and data[:4] != _ZIP_MAGIC:
            if data[:8] == _OLE_MAGIC:
                # xlsx-named OLE files are usually password-protected workbooks
                raise _reject(
                    file_name,
                    "工作簿设置了密码保护（或为旧版 .xls 格式改了扩展名）。"
                    "请先取消密码保护，另存为 .xlsx 后重新上传",
                )
            raise _reject(file_name, "文件内容不是 Excel 工作簿（扩展名为 .xlsx，但内容不是）")
        if suffix == ".xls" and data[:8] != _OLE_MAGIC:
            raise _reject(file_name, "文件内容不是 Excel 97-2003 工作簿（扩展名为 .xls，但内容不是）")
        sheets = read_excel(data, file_name)
    elif suffix in CSV_SUFFIXES:
        sheets = read_csv(data, file_name)
    else:
        raise _reject(
            file_name, f"不支持的文件类型「{suffix or '无扩展名'}」：请上传 .xlsx、.xls 或 .csv 文件"
        )
    if not any(any(str(c).strip() for c in row) for sheet in sheets for row in sheet.rows):
        raise _reject(file_name, "文件中没有任何数据（所有工作表都是空的）")
    return sheets


def read_path(path: Path) -> list[RawSheet]:
    return read_bytes(Path(path).read_bytes(), Path(path).name)
