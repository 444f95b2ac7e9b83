"""The 工作数据报告: a Word document laid out as Chinese offices file them (GB/T 9704), a 16:9
PowerPoint deck and each chart as PNG (SVG/PDF on request).

    files = build_report("data/union_kpi.duckdb", 2025, 4, out_dir="out")            # 简版
    files = build_report(db, 2025, 4, length="full", out_dir="out")                     # 完整版
    files.docx, files.pptx, files.zip_bytes()

Two steps, so the page can preview before it renders:

- draft(con, year, quarter, unit_id): reads the database once, drafts the sentences
  (etl.outputs.narrative) and lists every chart the data allows (figures built only when rendered).
- render(draft, length=..., charts=...): renders the chosen charts in one warm Chromium, each once
  per target (Word picture, slide picture), then writes the .docx and the .pptx.

Modules: draft (reading, text, tables), charts (which charts, per length), images (pictures),
docx (Word), pptx (slides), pagination (pages of the Word report), build (files), cli, jobs
(builds in the background for the page). The output is deterministic for a given database.
"""

from etl.outputs.report.build import (
    ALL_FORMATS,
    FORMATS,
    OPTIONAL_FORMATS,
    Progress,
    ReportFiles,
    build_report,
    render,
)
from etl.outputs.report.charts import LENGTHS, SHORT, Chart, select, short_keys
from etl.outputs.report.cli import run_cli
from etl.outputs.report.draft import Draft, NoData, draft, indicator_rows, status_rule_text

__all__ = [
    "ALL_FORMATS",
    "FORMATS",
    "LENGTHS",
    "OPTIONAL_FORMATS",
    "SHORT",
    "Chart",
    "Draft",
    "NoData",
    "Progress",
    "ReportFiles",
    "build_report",
    "draft",
    "indicator_rows",
    "render",
    "run_cli",
    "select",
    "short_keys",
    "status_rule_text",
]
