"""Real spreadsheet files for tests, written with xlsxwriter."""

from __future__ import annotations

from pathlib import Path


def write_xlsx(
    path: Path,
    header: list[str],
    rows: list[list[object]],
    *,
    title: str | None = None,
    sheet: str = "Sheet1",
) -> Path:
    """A one-sheet workbook: optional title row (and a blank row), the header, then the rows."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(sheet)
    start = 0
    if title:
        ws.write(0, 0, title)
        start = 2
    ws.write_row(start, 0, header)
    for i, row in enumerate(rows, start=start + 1):
        for j, value in enumerate(row):
            if value is not None:
                ws.write(i, j, value)
    book.close()
    return path
