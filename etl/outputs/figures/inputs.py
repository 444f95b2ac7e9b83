"""Reading the frames the builders are given: numbers, indicators and statuses, missing values tolerated."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from etl.core import fmt
from etl.core.dictionary import INDICATOR_BY_ID, Indicator
from etl.outputs.figures.style import STATUS_COLORS


def num(x: Any) -> float | None:
    return fmt.to_number(x)


def indicator(ind: Indicator | str) -> Indicator:
    return INDICATOR_BY_ID[ind] if isinstance(ind, str) else ind


def status(s: Any) -> str:
    """A known status id; anything missing or unknown is 'no_data'."""
    s = None if s is None or (isinstance(s, float) and math.isnan(s)) or s is pd.NA else str(s)
    return s if s in STATUS_COLORS else "no_data"


def column(df: pd.DataFrame, name: str) -> list[float | None]:
    """The numbers of a column (None where missing; all None when the column is absent)."""
    if name not in df.columns:
        return [None] * len(df)
    return [num(v) for v in df[name].tolist()]


def statuses(df: pd.DataFrame, default: str) -> list[str]:
    """The status of each row, or `default` for every row when the frame has no status column."""
    if "status" not in df.columns:
        return [default] * len(df)
    return [status(s) for s in df["status"]]
