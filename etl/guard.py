"""Cheap checks on an uploaded file's bytes before any parser sees them.

They refuse what would exhaust memory or time (oversized uploads, zip bombs, XML entity
definitions, sheets beyond the row/column limit) by reading only the zip directory and the
first bytes of each sheet, so a hostile file is rejected before memory grows.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from etl import settings
from etl.problems import Problem

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:(?P<col>[A-Z]+)(?P<row>\d+)"')
_HEAD_BYTES = 64 * 1024


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number


def _limits() -> tuple[int, int, int, int]:
    return (
        int(float(settings.get("UNION_KPI_MAX_UPLOAD_MB")) * 1024 * 1024),
        int(float(settings.get("UNION_KPI_MAX_UNZIPPED_MB")) * 1024 * 1024),
        int(settings.get("UNION_KPI_MAX_ROWS")),
        int(settings.get("UNION_KPI_MAX_COLUMNS")),
    )


def check_bytes(data: bytes, file_name: str) -> list[Problem]:
    """Problems that make the file unsafe to parse; empty when it may be parsed."""
    max_upload, max_unzipped, max_rows, max_cols = _limits()

    def refuse(message: str) -> list[Problem]:
        return [Problem("error", message, file=file_name)]

    if len(data) > max_upload:
        return refuse(f"文件大小 {len(data) / 1024 / 1024:.1f} MB，超过上限 {max_upload // 1024 // 1024} MB")
    suffix = Path(file_name).suffix.lower()
    if suffix in (".csv", ".txt"):
        lines = data.count(b"\n")
        if lines > max_rows:
            return refuse(f"文件有 {lines:,} 行，超过上限 {max_rows:,} 行；请按季度或单位拆分后上传")
        return []
    if suffix not in (".xlsx", ".xlsm") or not data.startswith(b"PK\x03\x04"):
        return []  # not an xlsx zip: the reader decides (legacy .xls, mislabelled, unsupported files)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return refuse("文件已损坏（压缩包结构不完整），请用 Excel/WPS 打开后重新保存再上传")
    unzipped = sum(m.file_size for m in members)
    if unzipped > max_unzipped:
        return refuse(
            f"文件解压后达 {unzipped / 1024 / 1024:,.0f} MB，超过上限 "
            f"{max_unzipped // 1024 // 1024} MB（疑似压缩炸弹），已拒绝"
        )
    for member in members:
        if member.file_size > 10 * 1024 * 1024 and member.file_size > 200 * max(member.compress_size, 1):
            return refuse(
                f"文件中的「{member.filename}」压缩比异常（{member.file_size // max(member.compress_size, 1)}"
                f" 倍，疑似压缩炸弹），已拒绝"
            )
    for member in members:
        if not member.filename.endswith(".xml") and not member.filename.endswith(".rels"):
            continue
        try:
            with archive.open(member) as handle:
                head = handle.read(_HEAD_BYTES)
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError):
            return refuse("文件已损坏（压缩内容无法读取），请用 Excel/WPS 打开后重新保存再上传")
        if b"<!ENTITY" in head or b"<!DOCTYPE" in head:
            return refuse("文件包含 XML 实体定义，正常的 Excel 文件不会这样（可能是恶意文件），已拒绝")
        dimension = _DIMENSION.search(head)
        if dimension:
            rows, cols = int(dimension["row"]), _column_number(dimension["col"].decode())
            if rows > max_rows or cols > max_cols:
                return refuse(
                    f"工作表「{member.filename}」范围为 {rows:,} 行 × {cols:,} 列，超过上限 "
                    f"{max_rows:,} 行 × {max_cols:,} 列；请删除多余的空行空列或拆分后上传"
                )
    return []
