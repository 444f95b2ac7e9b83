"""The fast path of row parsing: whole columns checked and converted at once.

A data row is *plain* when every rule of etl.ingest.normalise's per-row parser would simply read
it: a unit name that is no 合计, heading, footer or repeated header, numbers that are
numbers (not text, not negative, integral where counts are asked), real dates, no merged
cells, no 同上. Plain rows are read here column by column (numpy); every other row goes
through the per-cell parser, so each message keeps its wording, row, column and value.
The results are the same values of the same Python types as the per-cell parser gives.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import zip_longest

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.core import values
from etl.core.dictionary import Kind
from etl.core.names import clean_name
from etl.core.problems import ProblemList
from etl.ingest.bulk_names import remember_keys, simplified_many
from etl.ingest.headers import header_key
from etl.ingest.xlsx_fast import HybridRows

# below this many data rows the per-cell parser is fast enough and the fast path is skipped
MIN_ROWS = 200
_SIMPLE_NAME_RE2 = r"^[\x{4e00}-\x{9fff}A-Za-z0-9（）()]+$"  # the same, for pyarrow (RE2)
# words that make etl.ingest.normalise treat a row as no unit row (合计, headings, footers, notes,
# unit lines, 栏次): a name matching any of them is left to the per-cell parser
_SPECIAL = re.compile(
    r"计|其中|^[一二三四五六七八九十第（(]|^(?:填|审|制|负|单|联|报|注|备|说|附|盖|签)|^\d|"
    r"^(?:万元|千元|元|人|人次|家|个|户|次|项|场)$|^(?:甲|乙|丙|丁|栏次|序号|同上)$"
)


@dataclass
class PlainBlock:
    """The plain rows of a sheet: `ok[i]` for data row start + i; their values by field, one
    object array per field (None where the cell is blank), in the order of the plain rows."""

    start: int
    ok: np.ndarray
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    position: dict[int, int] = field(default_factory=dict)  # sheet row index -> index in columns

    def record(self, r: int) -> dict[str, object]:
        """The record the per-cell parser would have made for sheet row r (0-based)."""
        i = self.position[r]
        out: dict[str, object] = {"_row": r + 1}
        for name, column in self.columns.items():
            value = column[i]
            if column.dtype.kind == "f":  # counts, years and quarters: whole numbers, NaN = blank
                if value == value:
                    out[name] = int(value)
            elif value is not None:
                out[name] = value
        return out


class LazyRecord(Mapping):
    """The previous row's record for 同上, built only when a row asks for it."""

    def __init__(self, block: PlainBlock, r: int):
        self._block, self._r = block, r
        self._data: dict[str, object] | None = None

    def _get(self) -> dict[str, object]:
        if self._data is None:
            self._data = self._block.record(self._r)
        return self._data  # type: ignore[return-value]

    def __getitem__(self, key: str) -> object:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


_NUMBER_TYPES = {float, int}


def as_objects(values: list) -> np.ndarray:
    """A 1-d object array of the values (numpy would make a 2-d array of equal-length lists)."""
    out = np.empty(len(values), object)
    out[:] = values
    return out


def _numbers(column: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(is a number cell, its value as float or NaN, is empty); booleans are not numbers."""
    if isinstance(column, pa.Array):  # a column of numbers from the fast reader (null: empty)
        x = pc.fill_null(column.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False)
        blank = column.is_null().to_numpy(zero_copy_only=False)
        return ~blank, x, blank
    n = len(column)
    types = set(map(type, column))
    if types <= _NUMBER_TYPES:  # the usual column: numbers only, converted in C
        x = column.astype(float) if isinstance(column, np.ndarray) else np.fromiter(column, float, n)
        return np.ones(n, bool), x, np.zeros(n, bool)
    is_num = np.fromiter(((type(v) is float or type(v) is int) for v in column), bool, n)
    x = np.array([v if type(v) is float or type(v) is int else np.nan for v in column], dtype=float)
    blank = np.fromiter((v is None or v == "" for v in column), bool, n)
    return is_num, x, blank


def _int_field(column: tuple, required: bool) -> tuple[np.ndarray, np.ndarray]:
    """Counts: (cell ok, whole numbers as float64, NaN where blank)."""
    is_num, x, blank = _numbers(column)
    with np.errstate(invalid="ignore"):
        rounded = np.round(x)
        good = is_num & np.isfinite(x) & (x >= 0) & (np.abs(x - rounded) <= 1e-6) & (x < 2**53)
    ok = good | (blank & (not required))
    return ok, np.where(good, rounded, np.nan)


def _money_field(column: tuple, required: bool, scale: int) -> tuple[np.ndarray, np.ndarray]:
    is_num, x, blank = _numbers(column)
    with np.errstate(invalid="ignore"):
        cents = x * scale * 100
        rounded = np.round(cents)
        # exactly on a cent: Decimal(repr(x)) * scale quantized to 0.01 is this cent count
        good = is_num & np.isfinite(x) & (x >= 0) & (x * scale < 1e15) & (np.abs(cents - rounded) < 1e-6)
    ok = good | (blank & (not required))
    whole = np.where(good, rounded, 0).astype(np.int64).tolist()
    out = as_objects(
        [Decimal(c).scaleb(-2) if g else None for c, g in zip(whole, good.tolist(), strict=True)]
    )
    return ok, out


def _date_field(column: tuple, required: bool) -> tuple[np.ndarray, np.ndarray]:
    out: list = []
    ok = np.zeros(len(column), bool)
    for i, v in enumerate(column):
        t = type(v)
        if t is dt.date:
            out.append(v)
            ok[i] = True
        elif t is dt.datetime:
            out.append(v.date())
            ok[i] = True
        else:
            out.append(None)
            ok[i] = (v is None or v == "") and not required
    return ok, as_objects(out)


def _mapped_text(column: tuple, required: bool, convert) -> tuple[np.ndarray, np.ndarray]:
    """Text cells through `convert(text) -> value or raises`, once per distinct text."""
    seen: dict[str, tuple[bool, object]] = {}
    ok = np.zeros(len(column), bool)
    out: list = []
    for i, v in enumerate(column):
        if v is None or v == "":
            out.append(None)
            ok[i] = not required
            continue
        if type(v) is not str:
            out.append(None)
            continue
        if v not in seen:
            try:
                if v.strip() in ("同上", "〃", '"', "''") or values.is_blank(v):
                    raise ValueError
                seen[v] = (True, convert(v))
            except ValueError:
                seen[v] = (False, None)
        good, value = seen[v]
        ok[i] = good
        out.append(value if good else None)
    return ok, as_objects(out)


def _category(kind_id: str):
    from etl.ingest.normalise import _category as canonical

    def convert(text: str) -> str:
        probe = ProblemList()
        value = canonical(kind_id, text.strip(), probe, {})
        if probe.items:
            raise ValueError  # not a standard category: the per-cell parser says so
        return value

    return convert


def _number_field(column: tuple, parse) -> tuple[np.ndarray, np.ndarray]:
    """Year and quarter cells that are numbers, parsed once per distinct value."""
    seen: dict[object, object] = {}
    ok = np.zeros(len(column), bool)
    out: list = []
    for i, v in enumerate(column):
        if v is None or v == "":
            out.append(None)
            ok[i] = True
            continue
        if type(v) is not float and type(v) is not int:
            out.append(None)
            continue
        if v not in seen:
            try:
                seen[v] = parse(v)
            except ValueError:
                seen[v] = None
        out.append(seen[v])
        ok[i] = seen[v] is not None
    return ok, np.array([np.nan if v is None else v for v in out], dtype=float)


def _plain_forms(texts: pa.Array, unit_keys: dict[str, str]) -> pa.Array:
    """For each of distinct texts, its clean_name where it could name a unit, else null (not a
    simple name, or 合计, a heading, a footer, a repeated header). Arrow compute over all at once;
    names with brackets take the exact header rule."""
    aliases = pa.array(sorted(k for k, f in unit_keys.items() if f == "unit"), pa.string())
    is_simple = pc.fill_null(pc.match_substring_regex(texts, _SIMPLE_NAME_RE2), False)
    distinct = texts.filter(is_simple)
    names = distinct.to_pylist()
    simple = pa.array(simplified_many(names), pa.string())
    key = pc.utf8_lower(simple)
    bracketed = pc.match_substring_regex(distinct, "[()（）]")
    if pc.any(bracketed).as_py():
        key_of_name = pc.replace_substring(pc.replace_substring(key, "（", "("), "）", ")")
    else:
        key_of_name = key
    remember_keys(names, key_of_name.to_pylist())  # the name keys of etl.core.names, for validation
    rejected = pc.or_(
        pc.match_substring_regex(simple, _SPECIAL.pattern),
        pc.or_(
            pc.is_in(key, aliases),
            pc.or_(
                pc.is_in(pc.utf8_slice_codeunits(key, 1), aliases),
                pc.is_in(pc.utf8_slice_codeunits(key, 2), aliases),
            ),
        ),
    )
    forms = pc.if_else(pc.or_(rejected, bracketed), pa.scalar(None, pa.string()), distinct)
    if pc.any(pc.and_not(bracketed, rejected)).as_py():
        listed = forms.to_pylist()
        for i in pc.indices_nonzero(pc.and_not(bracketed, rejected)).to_pylist():
            name = names[i]
            if not _is_header(name, unit_keys):  # not a repeated 单位名称（盖章） header row
                listed[i] = name.replace("(", "（").replace(")", "）")
        forms = pa.array(listed, pa.string())
    if not len(forms):
        return pa.nulls(len(texts), pa.string())
    # back to one entry per text: null where the text is no simple name
    at = pc.subtract(pc.cumulative_sum(is_simple.cast(pa.int64())), 1)
    return pc.if_else(is_simple, pc.take(forms, pc.max_element_wise(at, 0)), pa.scalar(None, pa.string()))


def _plain_names(column, unit_keys: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Unit cells that name a unit and nothing else; their clean_name."""
    if isinstance(column, pa.Array) and pa.types.is_string(column.type):  # the fast reader's column
        encoded = pc.dictionary_encode(column)
        forms = _plain_forms(encoded.dictionary, unit_keys)
        out = pc.take(forms, encoded.indices).to_numpy(zero_copy_only=False)
    else:
        texts = pa.array([v for v in dict.fromkeys(column) if type(v) is str], pa.string())
        forms = _plain_forms(texts, unit_keys)
        plain = dict(zip(texts.to_pylist(), forms.to_pylist(), strict=True))
        out = as_objects([plain.get(v) for v in column])
    return ~pd.isna(out), out


def _is_header(name: str, unit_keys: dict[str, str]) -> bool:
    from etl.ingest.headers import loose_header_key

    return unit_keys.get(header_key(name)) == "unit" or unit_keys.get(loose_header_key(name)) == "unit"


def _left_cells_plain(columns: list, unit_index: int, n: int) -> np.ndarray:
    """Cells left of the unit column are empty or numbers (序号): never a 合计 or footer label."""
    ok = np.ones(n, bool)
    for column in columns[:unit_index]:
        ok &= _apply(column, _empty_or_number, numeric_ok=True)[0]
    return ok


def _empty_or_number(column) -> tuple[np.ndarray]:
    if isinstance(column, pa.Array) or set(map(type, column)) <= _NUMBER_TYPES:
        return (np.ones(len(column), bool),)  # numbers (or a numeric Arrow column)
    return (
        np.fromiter(
            (v is None or v == "" or type(v) is float or type(v) is int for v in column), bool, len(column)
        ),
    )


def _numeric(column: pa.Array) -> bool:
    return pa.types.is_floating(column.type) or pa.types.is_integer(column.type)


def _apply(column, check, numeric_ok: bool = False) -> tuple:
    """check(column) -> arrays, one value per cell. An Arrow column from the fast reader is
    checked through its distinct values only, as calamine's Python values (null is ''), and the
    answers spread back to its rows; a column of numbers goes to checks that take Arrow."""
    if not isinstance(column, pa.Array) or (numeric_ok and _numeric(column)):
        return check(column)
    if pa.types.is_null(column.type):
        distinct: list[object] = []
        indices = np.zeros(len(column), np.int64)
    else:
        encoded = pc.dictionary_encode(column)
        distinct = ["" if v is None else v for v in encoded.dictionary.to_pylist()]
        indices = pc.fill_null(encoded.indices, len(distinct)).to_numpy(zero_copy_only=False)
    answers = check(as_objects([*distinct, ""]))  # the last: an empty cell
    return tuple(answer[indices] for answer in answers)


def _field_check(kind: Kind, f, scale: int):
    """The column check of a field: column -> (cell ok, value per cell)."""
    if f.id == "year":
        return lambda column: _number_field(column, values.parse_year)
    if f.id == "quarter":
        return lambda column: _number_field(column, values.parse_quarter)
    if f.type == "int":
        return lambda column: _int_field(column, f.required)
    if f.type == "money":
        return lambda column: _money_field(column, f.required, scale)
    if f.type == "date":
        return lambda column: _date_field(column, f.required)
    if f.id == "parent":
        return lambda column: _mapped_text(column, f.required, clean_name)
    if f.id == "category":
        return lambda column: _mapped_text(column, f.required, _category(kind.id))
    if f.type == "text":
        return lambda column: _mapped_text(column, f.required, str.strip)
    return None


def plain_block(
    rows: Sequence[list[object]],
    kind: Kind,
    mapped: list,
    start: int,
    merged_rows: set[int],
    keys: dict[str, str],
) -> PlainBlock | None:
    """The plain rows from `start` on, or None for a sheet too small to be worth it."""
    count = len(rows) - start
    if count < MIN_ROWS:
        return None
    width = max(c.index for c in mapped) + 1
    columns: list
    if isinstance(rows, HybridRows):  # the fast reader's Arrow columns, no Python object per cell
        columns = [rows.column(c, start) for c in range(width)]
    else:
        data = rows[start:]
        grid = np.array(data, dtype=object) if len(set(map(len, data))) == 1 else None
        if grid is not None and grid.ndim == 2 and grid.shape[1] >= width:  # every row equally wide
            columns = [grid[:, c] for c in range(width)]
        else:
            columns = list(zip_longest(*(row[:width] for row in data), fillvalue=None))
        while len(columns) < width:
            columns.append((None,) * count)
    unit_col = next(c for c in mapped if c.field == "unit")
    names_column = columns[unit_col.index]
    if isinstance(names_column, pa.Array) and pa.types.is_string(names_column.type):
        ok, names = _plain_names(names_column, keys)  # Arrow throughout
    else:
        ok, names = _apply(names_column, lambda column: _plain_names(column, keys))
    ok &= _left_cells_plain(columns, unit_col.index, count)
    block = PlainBlock(start, ok)
    for col in mapped:
        f = kind.field(col.field)
        if f.id == "unit":
            block.columns["unit"] = names  # in column order, as the per-cell records have it
            continue
        check = _field_check(kind, f, col.scale)
        if check is None:
            return None  # a field type the fast path does not know: every row per cell
        counted = f.type in ("int", "money") and f.id not in ("year", "quarter")  # checks that take Arrow
        good, out = _apply(columns[col.index], check, numeric_ok=counted)
        block.ok &= good
        block.columns[f.id] = out
    for r in merged_rows:
        if 0 <= r - start < count:
            block.ok[r - start] = False
    keep = np.flatnonzero(block.ok)
    block.columns = {name: column[keep] for name, column in block.columns.items()}
    block.position = dict(zip((keep + start).tolist(), range(len(keep)), strict=True))
    return block
