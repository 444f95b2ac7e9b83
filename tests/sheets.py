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


LARGE_HEADER = [
    "单位名称", "上级工会", "职工人数", "会员人数", "女职工人数", "女会员人数", "农民工人数",
    "农民工会员人数", "新发展会员", "应建会单位数", "已建会单位数", "新建工会组织数", "签订集体合同单位数",
    "签订工资专项集体合同单位数", "签订女职工权益保护专项集体合同单位数", "年度", "季度", "备注",
]  # fmt: skip


def large_membership_xlsx(rows: int = 32_000, note_chars: int = 110, seed: int = 7) -> bytes:
    """A valid 会员发展 workbook of about 10 MB (32,000 units, every column, a long 备注 of
    random characters that compresses poorly), for load and concurrency tests."""
    import io
    import random

    import xlsxwriter

    rng = random.Random(seed)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("2025年第一季度")
    sheet.write_row(0, 0, LARGE_HEADER)
    for i in range(rows):
        note = "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(note_chars))
        sheet.write_row(
            i + 1,
            0,
            [f"滨江市第{i}号基层工会委员会", f"滨江市第{i % 40}上级工会", 1000 + i % 97, 900 + i % 89,
             400 + i % 13, 380 + i % 11, 100 + i % 7, 90 + i % 5, i % 17, 30 + i % 3, 25 + i % 3, i % 2,
             20 + i % 3, 15 + i % 3, 10 + i % 3, 2025, 1, note],
        )  # fmt: skip
    book.close()
    return buffer.getvalue()
