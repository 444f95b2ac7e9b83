"""Mutated workbooks: the reader never raises, and a load either writes everything or nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import xlsxwriter
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.core.problems import LoadRejected
from etl.ingest.inspect import FileReport, _inspect_trusted
from etl.ingest.normalise import Hints
from etl.store.pipeline import load_reports

ROWS = [["甲单位", 100, 95, "2025-03-01"], ["乙单位（二部）", "1,200", "约1100人", "2025/3/5"]]


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("2025年Q1")
    ws.write_row(0, 0, ["单位名称", "职工人数", "会员人数", "填报日期"])
    for i, row in enumerate(ROWS, start=1):
        ws.write_row(i, 0, row)
    book.close()
    return buffer.getvalue()


def _xls() -> bytes:
    book = xlwt.Workbook()
    ws = book.add_sheet("2025年Q1")
    for j, h in enumerate(["单位名称", "职工人数", "会员人数"]):
        ws.write(0, j, h)
    for i, row in enumerate(ROWS, start=1):
        for j, v in enumerate(row[:3]):
            ws.write(i, j, v)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv() -> bytes:
    text = "单位名称,职工人数,会员人数\n" + "\n".join(",".join(f'"{c}"' for c in r[:3]) for r in ROWS)
    return text.encode("gb18030")


BASES = {"m.xlsx": _xlsx(), "m.xls": _xls(), "2025年第一季度.csv": _csv()}


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(BASES)))
    data = bytearray(BASES[name])
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return name, bytes(data)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=mutated())
def test_mutated_files_never_crash_and_never_half_load(tmp_path: Path, case: tuple[str, bytes]) -> None:
    name, data = case
    report = _inspect_trusted(data, name, Hints())  # in-process: a reader bug surfaces here
    assert isinstance(report, FileReport)
    db = tmp_path / f"{abs(hash(data))}.duckdb"
    if report.errors or not report.data_sheets:
        with pytest.raises(LoadRejected):
            load_reports([report], db=db)
        assert not db.exists()
    else:
        [summary] = load_reports([report], db=db)
        assert summary.rows == sum(len(s.frame) for s in report.data_sheets)
