"""What parsing a sheet produces: the column map, the parsed sheet, manual hints, one data row."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from etl.core.problems import ProblemList


@dataclass
class ColumnMap:
    index: int
    header: str
    field: str | None
    scale: int = 1

    @property
    def note(self) -> str:
        return {10_000: "万元 → 元（×10000）", 1_000: "千元 → 元（×1000）"}.get(self.scale, "")


@dataclass
class ParsedSheet:
    file: str
    sheet: str
    kind: str | None = None
    header_rows: tuple[int, ...] = ()  # 1-based
    columns: list[ColumnMap] = field(default_factory=list)
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    period_note: str = ""
    skipped: list[tuple[int, str]] = field(default_factory=list)
    problems: ProblemList = field(default_factory=ProblemList)

    @property
    def periods(self) -> list[tuple[int, int]]:
        if self.frame.empty or "quarter" not in self.frame:
            return []
        pairs = self.frame[["year", "quarter"]].dropna().drop_duplicates().sort_values(["year", "quarter"])
        return [(int(y), int(q)) for y, q in pairs.itertuples(index=False)]


@dataclass(frozen=True)
class Hints:
    kind: str | None = None
    year: int | None = None
    quarter: int | None = None


NO_HINTS = Hints()  # the default: kind and period from the sheet itself


@dataclass
class _Row:
    number: int  # 1-based
    record: dict[str, object]
    problems: ProblemList
    labelled: bool  # has a unit (or any text) naming what it is
