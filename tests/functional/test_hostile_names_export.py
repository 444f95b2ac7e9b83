"""Unit names that arrived with control characters (NUL, BEL, ESC, DEL) are cleaned at the door,
so the report still exports: ranking charts render and Word/PowerPoint accept every name."""

from __future__ import annotations

import io
from pathlib import Path

from etl.core.names import control_characters
from etl.outputs import report
from etl.store.pipeline import load_paths
from tests.sheets import write_xlsx

HOSTILE = ["滨江\x00一中", "滨江\x07二中", "\x1b[31m滨江三中", "滨江四中\x7f", "滨江\x85五中"]


def test_report_and_ranking_chart_with_formerly_hostile_names(tmp_path: Path, chromium_path: str) -> None:
    db = tmp_path / "h.duckdb"
    rows = [[name, "滨江\x07教育工会", 100 + i, 90 + i, i] for i, name in enumerate(HOSTILE)]
    sheet = write_xlsx(
        tmp_path / "2025年第一季度会员发展.xlsx",
        ["单位名称", "上级工会", "职工人数", "会员人数", "新发展会员"],
        rows,
    )
    load_paths([sheet], db=db)
    d = report.draft(db, 2025, 1)
    rankings = [c for c in d.charts if c.kind == "ranking"]
    assert rankings, [c.kind for c in d.charts]
    labels = [
        str(y)
        for c in rankings
        for trace in c.figure().data
        for y in (trace.y if trace.y is not None else [])
    ]
    assert any("滨江一中" in label for label in labels)
    assert not any(control_characters(label) for label in labels)
    files = report.render(d, formats=("docx", "pptx", "png", "svg"), charts=[rankings[0].key])
    chart = files.charts[0]
    assert chart.png.startswith(b"\x89PNG") and b"<svg" in chart.svg
    docx, pptx = files.docx, files.pptx

    from docx import Document
    from pptx import Presentation

    text = "\n".join(cell.text for t in Document(io.BytesIO(docx)).tables for r in t.rows for cell in r.cells)
    assert not control_characters(text)
    assert len(Presentation(io.BytesIO(pptx)).slides) == 3  # title, indicators, the chart
