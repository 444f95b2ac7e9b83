"""Every way data leaves the app keeps formula-like cells (=, +, -, @, tab, CR) inert, or is off:
the tables' own toolbar export is turned off in the running app; the app's CSV and xlsx escape
them (tests/unit/test_templates.py); Word and PowerPoint hold them as plain text, read back here."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from etl.core.names import clean_name, to_simplified
from etl.outputs import report
from etl.outputs.templates import csv_bytes, write_frame_xlsx
from etl.store.pipeline import load_paths
from tests.sheets import write_xlsx

FORMULAS = [
    '=HYPERLINK("http://evil.example","点我")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-1+2",
]
STORED = [to_simplified(clean_name(name)) for name in FORMULAS]  # brackets folded as for any name


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Units named like formulas: they pay dues in arrears and send no membership sheet, so the
    report lists them in its 未报送 and 欠缴 tables."""
    work = tmp_path_factory.mktemp("formulas")
    db = work / "f.duckdb"
    membership = write_xlsx(
        work / "2025年第一季度会员发展.xlsx", ["单位名称", "职工人数", "会员人数"], [["滨江一中", 100, 90]]
    )
    dues = work / "2025年第一季度会费收缴.xlsx"
    book = xlsxwriter.Workbook(str(dues), {"strings_to_formulas": False})  # the names as text cells
    sheet = book.add_worksheet()
    for r, row in enumerate([["单位名称", "应缴会费", "实缴会费"], *[[n, 1000, 400] for n in FORMULAS]]):
        sheet.write_row(r, 0, row)
    book.close()
    load_paths([membership, dues], db=db)
    return db


@pytest.fixture(scope="module")
def draft(hostile_db: Path) -> report.Draft:
    return report.draft(hostile_db, 2025, 1)


def documents(d: report.Draft) -> report.ReportFiles:
    """The documents' text and tables; charts are pictures (tested in test_report.py)."""
    return report.render(d, formats=("docx", "pptx"), charts=[])


def test_the_report_lists_the_hostile_units(draft: report.Draft) -> None:
    assert all(name[0] in "=@+-" for name in STORED)  # still formula-like after cleaning
    assert set(STORED) <= set(draft.missing["unit"]) and set(STORED) <= set(draft.arrears["unit"])


def test_word_holds_formula_like_names_as_plain_text(draft: report.Draft) -> None:
    from docx import Document

    data = documents(draft).docx
    doc = Document(io.BytesIO(data))
    cells = {cell.text for table in doc.tables for row in table.rows for cell in row.cells}
    assert set(STORED) <= cells  # shown exactly as stored
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        xml = "".join(package.read(n).decode("utf-8") for n in package.namelist() if n.endswith(".xml"))
    # Word computes only fields; the document's only fields are the page numbers in the footers
    instructions = re.findall(r'w:instr="([^"]*)"', xml) + re.findall(r"<w:instrText[^>]*>([^<]*)<", xml)
    assert {i.strip() for i in instructions} == {"PAGE"}
    assert not any(
        name.startswith("word/embeddings") for name in zipfile.ZipFile(io.BytesIO(data)).namelist()
    )


def test_powerpoint_holds_formula_like_names_as_plain_text(draft: report.Draft) -> None:
    from pptx import Presentation

    data = documents(draft).pptx
    deck = Presentation(io.BytesIO(data))
    notes = " ".join(s.notes_slide.notes_text_frame.text for s in deck.slides if s.has_notes_slide)
    assert any(name in notes for name in STORED)  # the summary names units in arrears
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
        slides = "".join(
            package.read(n).decode("utf-8")
            for n in names
            if n.startswith(("ppt/slides/", "ppt/notesSlides/")) and n.endswith(".xml")
        )
    assert not any(n.startswith("ppt/embeddings") or n.startswith("ppt/charts") for n in names)
    assert "<a:fld" not in slides  # no computed fields, no embedded workbooks: text stays text


def test_the_apps_csv_and_xlsx_keep_them_inert(draft: report.Draft) -> None:
    from openpyxl import load_workbook

    frame = draft.arrears
    rows = csv_bytes(frame).decode("utf-8-sig").splitlines()
    assert all(any(f"'{name}" in line or f"\"'{name}" in line for line in rows) for name in ("+1+1", "-1+2"))
    assert not any(line.startswith("=") or ",=" in line for line in rows)
    book = load_workbook(io.BytesIO(write_frame_xlsx(frame, "欠缴")))
    values = [(c.value, c.data_type) for row in book.active.iter_rows() for c in row if c.value in STORED]
    assert sorted(v for v, _ in values) == sorted(STORED)
    assert {t for _, t in values} == {"s"}  # strings, never formulas


def test_the_table_toolbar_offers_no_export(
    streamlit_server: str, browser_page: Any, wait_for_app: Any, browser_login: Any
) -> None:
    page = browser_page
    browser_login(page, streamlit_server, "admin")
    page.goto(f"{streamlit_server}/dues")
    wait_for_app(page, timeout_ms=60_000)
    table = page.locator('[data-testid="stDataFrame"]:visible').first
    table.scroll_into_view_if_needed()
    table.hover()
    toolbar = page.locator('[data-testid="stElementToolbar"]:visible button')
    toolbar.first.wait_for(timeout=30_000)
    labels = {toolbar.nth(i).get_attribute("aria-label") for i in range(toolbar.count())}
    assert "Search" in labels  # the toolbar is there ...
    assert not any(label and "Download" in label for label in labels)  # ... without its CSV export
    # the app's own CSV button (formula-safe) is
    assert page.get_by_role("button", name="下载 CSV").first.is_visible()
