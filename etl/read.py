"""Read a spreadsheet file into plain grids of cells, one per sheet.

xlsx/xls/ods go through calamine (fast, Rust); CSV is decoded strictly as UTF-8 (with or
without BOM) or GB18030 (a superset of GBK) — never with errors ignored, so a wrong
encoding is reported instead of silently turning names into garbage.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine

from etl.problems import LoadRejected, Problem

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class RawSheet:
    name: str
    rows: list[list[object]]
    # merged ranges as ((row0, col0), (row1, col1)), 0-based inclusive
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


def _reject(file_name: str, message: str) -> LoadRejected:
    return LoadRejected([Problem("error", message, file=file_name)])


def decode_csv(data: bytes, file_name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _reject(file_name, "无法识别文件编码：CSV 文件应为 UTF-8（可带 BOM）或 GBK/GB18030 编码。"
                             "请在 Excel 中“另存为 → CSV UTF-8”后重新上传")


def read_csv(data: bytes, file_name: str) -> list[RawSheet]:
    text = decode_csv(data, file_name)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    return [RawSheet(Path(file_name).stem, rows)]


def read_excel(data: bytes, file_name: str) -> list[RawSheet]:
    try:
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError:
        raise _reject(file_name, "工作簿设置了密码保护，无法读取。请先取消密码保护，再重新上传") from None
    except Exception as exc:  # calamine raises several error types for broken files
        raise _reject(file_name, f"文件已损坏或不是有效的 Excel 工作簿（{type(exc).__name__}）。"
                                 "请用 Excel/WPS 打开后重新保存为 .xlsx 再上传") from None
    sheets = []
    for meta in workbook.sheets_metadata:
        if str(meta.visible) != str(calamine.SheetVisibleEnum.Visible):
            continue  # hidden sheets hold lookup lists, not data
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or [])
        except Exception as exc:
            raise _reject(file_name, f"工作表「{meta.name}」无法读取（{type(exc).__name__}）") from None
        sheets.append(RawSheet(meta.name, [list(r) for r in rows], merged))
    return sheets


def read_bytes(data: bytes, file_name: str) -> list[RawSheet]:
    """All visible sheets of a file; rejects empty, mislabelled or unreadable files."""
    suffix = Path(file_name).suffix.lower()
    if not data:
        raise _reject(file_name, "文件是空的（0 字节）")
    if suffix in EXCEL_SUFFIXES:
        if suffix in (".xlsx", ".xlsm") and data[:4] != _ZIP_MAGIC:
            if data[:8] == _OLE_MAGIC:
                # xlsx-named OLE files are usually password-protected workbooks
                raise _reject(file_name, "工作簿设置了密码保护（或为旧版 .xls 格式改了扩展名）。"
                                         "请先取消密码保护，另存为 .xlsx 后重新上传")
            raise _reject(file_name, "文件内容不是 Excel 工作簿（扩展名为 .xlsx，但内容不是）")
        if suffix == ".xls" and data[:8] != _OLE_MAGIC:
            raise _reject(file_name, "文件内容不是 Excel 97-2003 工作簿（扩展名为 .xls，但内容不是）")
        sheets = read_excel(data, file_name)
    elif suffix in CSV_SUFFIXES:
        sheets = read_csv(data, file_name)
    else:
        raise _reject(file_name, f"不支持的文件类型「{suffix or '无扩展名'}」：请上传 .xlsx、.xls 或 .csv 文件")
    if not any(any(str(c).strip() for c in row) for sheet in sheets for row in sheet.rows):
        raise _reject(file_name, "文件中没有任何数据（所有工作表都是空的）")
    return sheets


def read_path(path: Path) -> list[RawSheet]:
    return read_bytes(Path(path).read_bytes(), Path(path).name)
