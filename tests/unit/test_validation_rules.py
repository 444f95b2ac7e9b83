"""Cross-field rules: a part above its whole is a warning naming the row, not a crash."""

from pathlib import Path

import xlsxwriter

from etl.ingest.inspect import inspect_path


def test_members_above_employees_is_a_located_warning(tmp_path: Path) -> None:
    path = tmp_path / "2025年第一季度会员发展.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("一季度")
    ws.write_row(0, 0, ["单位名称", "职工人数", "会员人数"])
    ws.write_row(1, 0, ["甲单位", 100, 90])
    ws.write_row(2, 0, ["乙单位", 10, 12])
    book.close()
    report = inspect_path(path)
    assert not report.errors
    [warning] = report.warnings
    assert warning.row == 3 and "会员人数（12）大于职工人数（10）" in warning.text()
