"""Big xlsx sheets in two parts: calamine for the first rows, fastexcel (Arrow) for the rest.

The header, the title that names the period and merged cells need every cell as it is (a number,
a text, a date); the data block below needs speed. So a big worksheet is read twice, each time by
a library made for it, and never by hand:

- `head_workbook` copies the workbook with each long worksheet cut after its first HEAD_ROWS
  rows (what follows the rows — merged ranges — kept): python-calamine reads that small copy
  cell by cell, exactly as it would read the first rows of the whole sheet;
- `typed_block` has fastexcel read the whole sheet from the first row the copy did not hold,
  each column as one typed Arrow array. Only columns of one type throughout (text, numbers,
  true/false) are taken (fastexcel's strict mode): a column that mixes types, or holds dates
  (calamine tells a date cell from a date-time one by its format, which fastexcel does not
  pass on), sends the sheet back to calamine whole.

`HybridRows` puts both together as the list of rows calamine would have given (an empty cell
is "", a number a float), so every rule of etl.normalise reads the same cells; etl.fastrows
checks the Arrow columns without making a Python object per cell.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import overload
from xml.etree import ElementTree

import pyarrow as pa

HEAD_ROWS = 40  # rows read cell by cell: the header is looked for in the first 30
_CHUNK = 1024 * 1024
_ROW_END = re.compile(rb"<(?:\w+:)?row\b[^>]*?/>|</(?:\w+:)?row\s*>")
_ROW_START = re.compile(rb"<(?:\w+:)?row\b")
_DATA_END = re.compile(rb"</(?:\w+:)?sheetData\s*>")
_TYPES = (
    pa.types.is_string,
    pa.types.is_large_string,
    pa.types.is_float64,
    pa.types.is_int64,
    pa.types.is_boolean,
    pa.types.is_null,
)
_INTERRUPTS = (KeyboardInterrupt, SystemExit, GeneratorExit)

# fastexcel says through logging when an empty column is typed as text: expected here
logging.getLogger("fastexcel").setLevel(logging.ERROR)


@dataclass
class HeadWorkbook:
    data: bytes  # the workbook with its long worksheets cut
    cut: dict[str, bool]  # sheet name -> whether its rows go on past the copy


def _parts(handle) -> Iterator[bytes]:
    """The member's XML in pieces that end with '>' (no tag is split between two)."""
    tail = b""
    while True:
        chunk = handle.read(_CHUNK)
        buffer = tail + chunk
        end = buffer.rfind(b">") + 1 if chunk else len(buffer)
        part, tail = buffer[:end], buffer[end:]
        if part:
            yield part
        if not chunk:
            return


def _data_end(part: bytes) -> re.Match[bytes] | None:
    return _DATA_END.search(part) if b"sheetData" in part else None


def _cut(archive: zipfile.ZipFile, member: str, keep: int) -> bytes | None:
    """The worksheet with only its first `keep` row elements (and all that follows its rows), or
    None when it has no more rows than that. (Cells fastexcel types otherwise than calamine's
    Python values — ISO dates, durations — make `typed_block` refuse; error cells are empty
    in both.)"""
    head: list[bytes] = []
    rows = 0
    with archive.open(member) as handle:
        parts = _parts(handle)
        rest = b""
        for part in parts:
            for match in _ROW_END.finditer(part):
                rows += 1
                if rows == keep:
                    head.append(part[: match.end()])
                    rest = part[match.end() :]
                    break
            else:
                if _data_end(part):
                    return None  # the rows end within the first `keep`
                head.append(part)
                continue
            break
        else:
            return None
        more = False
        for piece in itertools.chain([rest], parts):
            end = _data_end(piece)
            if not more:
                more = bool(_ROW_START.search(piece, 0, end.start() if end else len(piece)))
            if end:
                if not more:
                    return None
                return b"".join([*head, piece[end.start() :], *parts])
    return None  # no end of the rows: calamine says what is wrong with the sheet


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet member, from xl/workbook.xml and its relationships."""
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") or "" for rel in rels}
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    members: dict[str, str] = {}
    for element in book.iter():
        if not element.tag.endswith("}sheet"):
            continue
        rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
        target, name = targets.get(rid, ""), element.get("name")
        if not target or name is None:
            continue
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        parts: list[str] = []
        for piece in path.split("/"):
            if piece == "..":
                if parts:
                    parts.pop()
            elif piece not in ("", "."):
                parts.append(piece)
        members[name] = "/".join(parts)
    return members


def head_workbook(data: bytes, keep: int | None = None) -> HeadWorkbook | None:
    """The workbook with every worksheet longer than `keep` (HEAD_ROWS) rows cut after them; None
    when no worksheet is that long (or the workbook is not one this can copy: calamine reads it
    whole)."""
    keep = keep or HEAD_ROWS
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = _sheet_members(archive)
            cut = {m: c for m in set(members.values()) if (c := _cut(archive, m, keep)) is not None}
            if not cut:
                return None
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
                for info in archive.infolist():
                    copy.writestr(info.filename, cut.get(info.filename) or archive.read(info.filename))
    except _INTERRUPTS:
        raise
    except Exception:
        return None  # a damaged or unusual archive: calamine reads (or refuses) it whole
    return HeadWorkbook(out.getvalue(), {name: member in cut for name, member in members.items()})


@dataclass
class TypedBlock:
    """Rows `skip` and after of a sheet: one Arrow array per column, at absolute column indices."""

    skip: int
    height: int  # rows in the block
    columns: dict[int, pa.Array]


def typed_block(data: bytes, sheet_name: str, skip: int) -> TypedBlock | None:
    """fastexcel's reading of the sheet from row `skip` on, or None where a column mixes types
    or holds what calamine's Python values would show otherwise (dates, durations)."""
    import fastexcel

    try:
        sheet = fastexcel.read_excel(data).load_sheet(
            sheet_name, header_row=None, skip_rows=skip, dtype_coercion="strict", schema_sample_rows=None
        )
        batch = sheet.to_arrow()
        positions = [c.absolute_index for c in sheet.selected_columns]
        total = sheet.total_height
    except _INTERRUPTS:
        raise
    except BaseException:  # mixed types, or a sheet fastexcel cannot read (Rust panics too)
        return None
    if total - skip != batch.num_rows or any(not any(t(col.type) for t in _TYPES) for col in batch.columns):
        return None
    columns = {
        p: col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        for p, col in zip(positions, batch.columns, strict=True)
    }
    return TypedBlock(skip, batch.num_rows, columns)


def _python(column: pa.Array) -> list[object]:
    """calamine's Python values: an empty cell is ''."""
    return ["" if v is None else v for v in column.to_pylist()]


class HybridRows(Sequence):
    """The rows of a sheet as python-calamine's to_python(skip_empty_area=False) gives them: the
    first from calamine, the rest made from the typed block (only for the rows asked for)."""

    # past this many single rows asked for, the whole block becomes Python values at once
    _ROWS_ONE_BY_ONE = 2000

    def __init__(self, head: list[list[object]], block: TypedBlock):
        self.head, self.block = head, block
        self.width = max([len(r) for r in head] + [p + 1 for p in block.columns])
        self._python: dict[int, list[object]] | None = None
        self._asked = 0

    def __len__(self) -> int:
        return self.block.skip + self.block.height

    def _row(self, r: int) -> list[object]:
        if r < 0:
            r += len(self)
        if not 0 <= r < len(self):
            raise IndexError(r)
        if r < len(self.head):
            row = self.head[r]
            return row + [""] * (self.width - len(row)) if len(row) < self.width else list(row)
        i = r - self.block.skip
        if self._python is None:
            self._asked += 1
            if self._asked > self._ROWS_ONE_BY_ONE:
                self._python = {p: _python(col) for p, col in self.block.columns.items()}
        out: list[object] = [""] * self.width
        for p, col in self.block.columns.items():
            if self._python is not None:
                out[p] = self._python[p][i]
            else:
                value = col[i].as_py()
                out[p] = "" if value is None else value
        return out

    @overload
    def __getitem__(self, index: int) -> list[object]: ...

    @overload
    def __getitem__(self, index: slice) -> list[list[object]]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._row(r) for r in range(*index.indices(len(self)))]
        return self._row(index)

    def __iter__(self) -> Iterator[list[object]]:
        return (self._row(r) for r in range(len(self)))

    def column(self, c: int, start: int) -> pa.Array | list[object]:
        """Column c from row `start` on: one Arrow array when the rows from the head fit its type
        (they are few: the block starts right under the header), else calamine's Python values."""
        skip = self.block.skip
        own = [self.head[r][c] if c < len(self.head[r]) else "" for r in range(start, skip)]
        typed = self.block.columns.get(c)
        if typed is None:  # no cell below the head: a column of blanks
            typed = pa.nulls(self.block.height, pa.null())
        typed = typed.slice(max(0, start - skip))
        head = _as_arrow(own, typed.type)
        if head is None:
            return own + _python(typed)
        return pa.concat_arrays([head, typed]) if len(head) else typed


def _as_arrow(values: list[object], kind: pa.DataType) -> pa.Array | None:
    """The head's cells as an array of the block's type, '' as null; None when one does not fit."""
    blank = [v is None or v == "" for v in values]
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        fits = all(b or type(v) is str for v, b in zip(values, blank, strict=True))
        cells = [None if v is None else v for v in values]  # '' stays '': an empty text cell
    elif pa.types.is_float64(kind) or pa.types.is_int64(kind):
        fits = all(b or type(v) in (float, int) for v, b in zip(values, blank, strict=True))
        cells = [None if b else v for v, b in zip(values, blank, strict=True)]
    elif pa.types.is_boolean(kind):
        fits = all(b or type(v) is bool for v, b in zip(values, blank, strict=True))
        cells = [None if b else v for v, b in zip(values, blank, strict=True)]
    elif pa.types.is_null(kind):
        fits = all(blank)
        cells = [None] * len(values)
    else:
        return None
    if not fits:
        return None
    try:
        return pa.array(cells, kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None
