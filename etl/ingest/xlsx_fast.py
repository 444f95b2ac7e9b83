"""Big xlsx sheets in two parts: calamine for the first rows, fastexcel (Arrow) for the rest.

The header, the title that names the period and merged cells need every cell as it is (a number,
a text, a date); the data block below needs speed. So a big worksheet is read twice, each time by
a library made for it, and never by hand:

- `prepare` copies the workbook with each long worksheet cut after its first HEAD_ROWS rows
  (what follows the rows — merged ranges — kept): python-calamine reads that small copy cell by
  cell, exactly as it would read the first rows of the whole sheet;
- meanwhile, in a second thread, `typed_block` has fastexcel read the whole sheet from the first
  row the copy does not hold, each column as one typed Arrow array. Only columns of one type
  throughout (text, numbers, true/false) are taken (fastexcel's strict mode): a column that
  mixes types, or holds dates (calamine tells a date cell from a date-time one by its format,
  which fastexcel does not pass on), sends the sheet back to calamine whole.

`HybridRows` puts both together as the list of rows calamine would have given (an empty cell
is "", a number a float), so every rule of etl.ingest.normalise reads the same cells; etl.ingest.fastrows
checks the Arrow columns without making a Python object per cell.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import threading
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
_ROW_OPEN = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_R_ATTRIBUTE = re.compile(rb'\br\s*=\s*["\'](\d+)["\']')
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
class Prepared:
    """A workbook made ready for two-part reading."""

    data: bytes  # the workbook with its long worksheets cut after HEAD_ROWS rows
    cut: dict[str, bool]  # sheet name -> whether its rows go on past the copy
    blocks: dict[str, TypedBlock | None]  # sheet name -> fastexcel's typed rows past the copy


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


def _upto(n: int) -> str:
    """A regular expression for the whole numbers 0..n (written without leading zeros)."""
    digits = str(n)
    options = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, ch in enumerate(digits):
        low, high, rest = 1 if i == 0 and len(digits) > 1 else 0, int(ch) - 1, len(digits) - i - 1
        if high >= low:
            options.append(digits[:i] + f"[{low}-{high}]" + (rf"\d{{{rest}}}" if rest else ""))
    return "|".join([*options, digits])


def _before(skip: int) -> str:
    """RE2: a row or cell reference to one of the first `skip` rows (the copy's)."""
    space = r"[\t\n\v\f\r ]"
    return rf"r{space}*={space}*[\"'][A-Z]{{0,3}}0*(?:{_upto(skip)})[\"']"


class _Cutter:
    """One long worksheet cut in two steps: `skip`, the row the rest starts at (known from the
    first rows, so fastexcel can start on the rest at once), then `finish()`, the cut copy."""

    def __init__(self, archive: zipfile.ZipFile, member: str, keep: int):
        self._steps = self._run(archive, member, keep)
        self.skip: int | None = next(self._steps)

    def finish(self) -> bytes | None:
        return next(self._steps, None) if self.skip is not None else None

    def _run(self, archive: zipfile.ZipFile, member: str, keep: int) -> Iterator:
        with archive.open(member) as handle:
            parts = _parts(handle)
            head: list[bytes] = []
            rows, rest, skip = 0, b"", None
            for part in parts:
                for match in _ROW_END.finditer(part):
                    rows += 1
                    if rows == keep:
                        head.append(part[: match.end()])
                        rest = part[match.end() :]
                        opening = list(_ROW_OPEN.finditer(part, 0, match.end()))
                        number = _R_ATTRIBUTE.search(opening[-1][1]) if opening else None
                        skip = int(number[1]) if number else None  # the next row's index
                        break
                else:
                    if _data_end(part):
                        break  # the rows end within the first `keep`
                    head.append(part)
                    continue
                break
            yield skip
            if skip is None:
                return
            import pyarrow.compute as pc

            earlier = _before(skip)
            more, batch = False, []
            for piece in itertools.chain([rest], parts):
                end = _data_end(piece)
                rows_part = piece[: end.start()] if end else piece
                more = more or bool(_ROW_START.search(rows_part))
                batch.append(rows_part)
                if len(batch) == 16 or end:
                    # a row or cell placed among the first rows from further down (rows out of
                    # order): calamine reads such a sheet whole
                    if pc.any(pc.match_substring_regex(pa.array(batch, pa.binary()), earlier)).as_py():
                        return
                    batch = []
                if end:
                    if more:
                        yield b"".join([*head, piece[end.start() :], *parts])
                    return


def _sheet_members(archive: zipfile.ZipFile) -> tuple[dict[str, str], set[str]]:
    """Sheet name -> worksheet member, from xl/workbook.xml and its relationships; and the names
    of hidden sheets (never read: they hold lookup lists)."""
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") or "" for rel in rels}
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    members: dict[str, str] = {}
    hidden: set[str] = set()
    for element in book.iter():
        if not element.tag.endswith("}sheet"):
            continue
        if element.get("state") in ("hidden", "veryHidden"):
            hidden.add(element.get("name") or "")
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
    return members, hidden


def prepare(data: bytes, keep: int | None = None) -> Prepared | None:
    """The workbook with every worksheet longer than `keep` (HEAD_ROWS) rows cut after them, and
    fastexcel's reading of the rest of each (in a second thread while the copy is made); None
    when no worksheet is that long, or the workbook is not one this can copy (calamine reads it
    whole)."""
    keep = keep or HEAD_ROWS
    blocks: dict[str, TypedBlock | None] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members, hidden = _sheet_members(archive)
            cutters = {m: _Cutter(archive, m, keep) for m in set(members.values())}
            starts = {
                name: skip
                for name, m in members.items()
                if name not in hidden and (skip := cutters[m].skip) is not None
            }
            if not starts:
                return None

            def read_rest() -> None:
                for name, skip in starts.items():
                    blocks[name] = typed_block(data, name, skip)

            reader = threading.Thread(target=read_rest, name="fastexcel", daemon=True)
            reader.start()
            try:
                cut = {m: xml for m, c in cutters.items() if (xml := c.finish()) is not None}
                out = io.BytesIO()
                with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
                    for info in archive.infolist():
                        copy.writestr(info.filename, cut.get(info.filename) or archive.read(info.filename))
            finally:
                reader.join()
    except _INTERRUPTS:
        raise
    except Exception:
        return None  # a damaged or unusual archive: calamine reads (or refuses) it whole
    if not cut:
        return None
    return Prepared(out.getvalue(), {name: member in cut for name, member in members.items()}, blocks)


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
        # the copy's rows, and empty rows up to where the block starts
        self.head = head + [[] for _ in range(block.skip - len(head))]
        self.block = block
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
