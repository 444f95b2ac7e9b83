"""Checks on an uploaded file's bytes before any parser sees them.

`check_bytes` is cheap (the server runs it at once): it refuses what would exhaust memory or
time (oversized uploads, zip bombs, XML entity definitions, sheets declaring more rows or
columns than allowed) from the zip directory and the first bytes of each sheet.

`check_rows` counts the rows as the parser will see them, whatever the file declares: CSV
records with universal newlines (a file of bare \\r line ends has as many rows as one of \\n),
and for xlsx the <row> elements and cell references of every worksheet, streamed from the
zip and stopping at the limit, so its cost is bounded by the limits. It runs in the parsing
child (etl.ingest.sandbox), just before the parser.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from etl.core import settings
from etl.core.problems import LoadRejected, Problem

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:(?P<col>[A-Z]+)(?P<row>\d+)"')
_HEAD_BYTES = 64 * 1024
_CHUNK = 1024 * 1024
_MAX_TAG = 4 * 1024 * 1024  # bytes without a '>' in a worksheet: not a spreadsheet's XML
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_R_ATTRIBUTE = re.compile(rb'\br\s*=\s*["\'](\d+)["\']')
_WORKSHEET_REL = re.compile(
    rb"<(?:\w+:)?Relationship\b[^>]*?Type=\"[^\"]*/worksheet\"[^>]*?Target=\"([^\"]+)\""
    rb"|<(?:\w+:)?Relationship\b[^>]*?Target=\"([^\"]+)\"[^>]*?Type=\"[^\"]*/worksheet\""
)


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
        return []  # rows are counted by check_rows, in the parsing child
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


# ---------------------------------------------------------------- rows as the parser sees them


def check_rows(data: bytes, file_name: str) -> list[Problem]:
    """Refuse a file whose sheets hold more rows (or columns) than allowed, counted, not declared."""
    _, _, max_rows, max_cols = _limits()
    suffix = Path(file_name).suffix.lower()
    if suffix in (".csv", ".txt"):
        rows = csv_rows(data, file_name, max_rows)
        if rows > max_rows:
            return [
                Problem(
                    "error",
                    f"文件有超过 {max_rows:,} 行（按回车、换行或回车换行分行计算），超过上限；"
                    "请按季度或单位拆分后上传",
                    file=file_name,
                )
            ]
        return []
    if suffix not in (".xlsx", ".xlsm") or not data.startswith(b"PK\x03\x04"):
        return []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        for member in _worksheets(archive):
            if _surely_within(archive, member, max_rows, max_cols):
                continue  # the usual sheet: one quick pass shows nothing near the limits
            rows, cols = _sheet_extent(archive, member, max_rows, max_cols)
            if rows > max_rows or cols > max_cols:
                return [
                    Problem(
                        "error",
                        f"工作表「{member}」实际数据超过上限 {max_rows:,} 行 × {max_cols:,} 列"
                        f"（数到第 {rows:,} 行、第 {cols:,} 列时停止），与文件声明的范围不符或文件过大；"
                        "请删除多余的行列或拆分后上传",
                        file=file_name,
                    )
                ]
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError):
        return []  # a damaged archive: the reader says what is wrong with it
    except _Malformed as exc:
        return [Problem("error", f"工作表「{exc}」的内容不是正常的表格 XML，已拒绝", file=file_name)]
    return []


def csv_rows(data: bytes, file_name: str, limit: int) -> int:
    """Records a CSV reader will see, counted up to limit + 1.

    Lines are counted first (\\r, \\n and \\r\\n each end one, as the parser reads them); only when
    that bound is over the limit are the records counted exactly (a quoted cell may hold line
    breaks), with the delimiter the reader will choose (each candidate, keeping the largest,
    should the reader no longer say which).
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16/32: count characters, not bytes
        text = data.decode(
            "utf-32" if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") else "utf-16", "replace"
        )
        lines = text.count("\n") + text.count("\r") - text.count("\r\n")
        ends_open = not text.endswith(("\n", "\r"))
    else:  # UTF-8 and GB18030 never use the bytes of \\r and \\n inside a character
        lines = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
        ends_open = not data.endswith((b"\n", b"\r"))
    bound = lines + (1 if data and ends_open else 0)
    if bound <= limit:
        return bound
    from etl.ingest import read

    try:
        text = read.decode_csv(data, file_name)
    except LoadRejected:
        return bound  # undecodable: counted as lines, the reader reports the encoding
    choose = getattr(read, "_delimiter", None)  # the reader's own choice: its records are ours
    most = 0
    for delimiter in [choose(text)] if choose else [",", "\t", ";"]:
        count = 0
        try:
            for count, _ in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1):
                if count > limit:
                    return count
        except csv.Error:
            return bound
        most = max(most, count)
    return most


class _Malformed(Exception):
    pass


def _worksheets(archive: zipfile.ZipFile) -> list[str]:
    """Worksheet parts: those the workbook's relationships name, and any under xl/worksheets/."""
    names = set(archive.namelist())
    found = {n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")}
    if "xl/_rels/workbook.xml.rels" in names:
        rels = archive.read("xl/_rels/workbook.xml.rels")
        for match in _WORKSHEET_REL.finditer(rels):
            target = (match[1] or match[2]).decode("utf-8", "replace")
            path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            parts: list[str] = []
            for part in path.split("/"):  # resolve ../ as the reader does
                if part == "..":
                    if parts:
                        parts.pop()
                elif part not in ("", "."):
                    parts.append(part)
            if "/".join(parts) in names:
                found.add("/".join(parts))
    return sorted(found)


def _column_pattern(max_cols: int) -> re.Pattern[bytes]:
    """Cell references whose column letters are as long as the limit's or longer (checked exactly)."""
    letters = len(_column_letters(max_cols))
    return re.compile(rb'<(?:\w+:)?c\b[^>]*?\br\s*=\s*["\']([A-Z]{%d,3})(\d+)["\']' % letters)


def _big_row_pattern(max_rows: int) -> re.Pattern[bytes]:
    """Cell references with a row number that may be over the limit (checked exactly)."""
    digits = str(max_rows)
    first = int(digits[0])
    longer = rb"\d{%d,}" % (len(digits) + 1)
    same = rb"[%d-9]\d{%d}" % (first, len(digits) - 1)
    return re.compile(rb'<(?:\w+:)?c\b[^>]*?\br\s*=\s*["\'][A-Z]{1,3}(' + same + rb"|" + longer + rb')["\']')


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters or "A"


_BATCH = 16  # chunks searched at once: one regex compilation for 16 MB of XML


def _suspicious_pattern(max_rows: int, max_cols: int) -> str:
    """An RE2 pattern (pyarrow) for anything in a worksheet's XML that could put a cell past the
    limits as `_sheet_extent` counts them: a row element not written as `<row r="N"` (its number
    then depends on the rows before it), or a row or cell reference whose row number has as many
    digits as the limit and a first digit as high, or more digits; a cell reference whose column
    letters could be past the column limit. Looser than the exact count, never tighter: what it
    does not find, the exact count would not refuse."""
    digits = str(max_rows)
    big = rf"(?:[{digits[0]}-9]\d{{{len(digits) - 1}}}|\d{{{len(digits) + 1},}})"
    space = r"[\t\n\v\f\r ]"  # Python's \s for bytes (RE2's has no \v)
    letters = _column_letters(max_cols)
    wide = [rf"[{letters[0]}-Z][A-Z]{{{len(letters) - 1}}}"]
    if len(letters) < 3:
        wide.append(rf"[A-Z]{{{len(letters) + 1},3}}")
    return "|".join(
        [
            r"<\w+:row",  # a row element with a namespace prefix
            rf'<row(?:[^ \w]| [^r]| r[^=]| r=[^"]| r="(?:[^\d]|\d+[^\d"]|{big}"))',
            rf"r{space}*={space}*[\"'][A-Z]{{1,3}}{big}[\"']",
            rf"r{space}*={space}*[\"'](?:{'|'.join(wide)})\d",
        ]
    )


def _surely_within(archive: zipfile.ZipFile, member: str, max_rows: int, max_cols: int) -> bool:
    """One streamed pass of RE2 (C++, linear time) over the worksheet: True when nothing in it
    could be past the limits, so the exact count (`_sheet_extent`, Python regular expressions,
    several times slower) is not needed. Anything unusual answers False and the exact count runs."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is a requirement
        return False
    pattern = _suspicious_pattern(max_rows, max_cols)
    batch: list[bytes] = []
    try:
        for part, last in _whole_tags(archive, member):
            batch.append(part)
            if len(batch) == _BATCH or last:
                try:
                    found = pc.any(pc.match_substring_regex(pa.array(batch, pa.binary()), pattern))
                except Exception:  # pragma: no cover - a pattern RE2 refuses: count exactly
                    return False
                if found.as_py():
                    return False
                batch = []
    except _Malformed:
        return False  # the exact count says what is wrong
    return True


def _whole_tags(archive: zipfile.ZipFile, member: str) -> Iterator[tuple[bytes, bool]]:
    """The worksheet streamed in parts cut after a '>' (no tag split between two parts), each with
    whether it is the last; a run longer than any tag without '>' is malformed."""
    tail = b""
    with archive.open(member) as handle:
        while True:
            chunk = handle.read(_CHUNK)
            buffer = tail + chunk
            end = buffer.rfind(b">") + 1 if chunk else len(buffer)
            part, tail = buffer[:end], buffer[end:]
            if len(tail) > _MAX_TAG:
                raise _Malformed(member)
            yield part, not chunk
            if not chunk:
                return


def _sheet_extent(archive: zipfile.ZipFile, member: str, max_rows: int, max_cols: int) -> tuple[int, int]:
    """(rows, columns) the reader will lay out for a worksheet, streamed; stops past the limits.

    Rows: a <row> without r follows the previous one; r="N" puts it at N; a cell's own
    reference (r="A300000") places it wherever it says, whatever its row element claims.
    """
    big_row, big_col = _big_row_pattern(max_rows), _column_pattern(max_cols)
    row = height = width = 0
    for part, last in _whole_tags(archive, member):
        for match in _ROW_TAG.finditer(part):
            number = _R_ATTRIBUTE.search(match[1])
            row = int(number[1]) if number else row + 1
            height = max(height, row)
        for match in big_row.finditer(part):
            height = max(height, int(match[1]))
        for match in big_col.finditer(part):
            width = max(width, _column_number(match[1].decode()))
        if height > max_rows or width > max_cols or last:
            break
    return height, width
