"""The frame of a sheet whose plain rows were read column by column (etl.ingest.fastrows),
together with the rows parsed one by one, in sheet order."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from etl.core import values
from etl.core.dictionary import Kind
from etl.ingest import fastrows
from etl.ingest.normalise.model import Hints
from etl.ingest.normalise.periods import _Period


def _frame_with_plain(
    kind: Kind, records: list[dict], plain: fastrows.PlainBlock, period: _Period, hints: Hints
) -> pd.DataFrame:
    """The frame of the slow records and the plain rows together, in sheet order, with the
    periods _assign_periods would have given the plain rows; column types as
    DataFrame.from_records infers them from the same values."""
    cols = dict(plain.columns)
    count = len(plain.position)
    if kind.shape == "events":
        days: list[dt.date] = cols["date"].tolist()
        cols["year"] = np.array([d.year for d in days], dtype=float)
        cols["quarter"] = np.array([values.quarter_of(d) for d in days], dtype=float)
    else:
        for slot in ("year", "quarter"):
            hint, from_sheet = getattr(hints, slot), getattr(period, slot)
            given = cols.get(slot)
            if hint is not None or given is None:
                cols[slot] = np.full(count, hint if hint is not None else from_sheet, dtype=float)
            else:
                cols[slot] = np.where(np.isnan(given), from_sheet, given)
    names = ["_row", *(n for n in cols if n not in ("year", "quarter")), "year", "quarter"]
    for record in records:
        names += [k for k in record if k not in names]
    plain_rows = np.fromiter(plain.position, np.int64, count) + 1
    if not records:  # the usual big sheet: every data row plain, columns as they are
        data: dict[str, object] = {"_row": plain_rows}
        for name in names[1:]:
            column = cols[name]
            whole = column.dtype.kind == "f" and not np.isnan(column).any()
            data[name] = column.astype(np.int64) if whole else column
        frame = pd.DataFrame(data)
        strings = [n for n in names if frame[n].dtype == object]
        frame[strings] = frame[strings].infer_objects()
    else:
        frame = _merged_frame(names, cols, plain_rows, records)
    for f in kind.fields:
        if f.id not in frame:
            frame[f.id] = None
    return frame


def _merged_frame(
    names: list[str], cols: dict[str, np.ndarray], plain_rows: np.ndarray, records: list[dict]
) -> pd.DataFrame:
    slow_rows = np.array([int(str(rec["_row"])) for rec in records], dtype=np.int64)
    total = len(plain_rows) + len(records)
    at = np.searchsorted(np.sort(np.concatenate([plain_rows, slow_rows])), plain_rows)
    slow_at = np.setdiff1d(np.arange(total), at, assume_unique=True)
    data: dict[str, np.ndarray] = {}
    for name in names:
        out = np.full(total, np.nan, dtype=object)
        if name == "_row":
            out[at], out[slow_at] = plain_rows, slow_rows
        elif name in cols:
            fast = cols[name]
            if fast.dtype.kind == "f":
                out[at] = [np.nan if v != v else int(v) for v in fast.tolist()]
            else:
                out[at] = np.where(pd.isna(fast), np.nan, fast)
        if name != "_row" and records:
            out[slow_at] = fastrows.as_objects([rec.get(name, np.nan) for rec in records])
        data[name] = out
    return pd.DataFrame(data).infer_objects()
