"""The change preview names units added, changed (old → new) and unchanged, and writes nothing."""

from pathlib import Path

from etl import store
from etl.ingest.inspect import inspect_path
from etl.store import changes
from etl.store.pipeline import load_paths
from tests.sheets import write_xlsx


def sheet(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    return write_xlsx(path, header, rows)


def test_preview_of_a_snapshot_reload(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    header = ["单位名称", "职工人数", "会员人数"]
    load_paths(
        [sheet(tmp_path / "2025年第二季度会员.xlsx", header, [["甲", 100, 90], ["乙", 50, 40]])], db=db
    )
    report = inspect_path(
        sheet(
            tmp_path / "2025年第二季度会员_新.xlsx", header, [["甲", 100, 95], ["乙 ", 50, 40], ["丙", 10, 9]]
        )
    )
    with store.connect(db) as con:
        before = con.execute("SELECT count(*) FROM loads").fetchall()
        frame = changes.preview(con, [report])
        assert con.execute("SELECT count(*) FROM loads").fetchall() == before
    by_unit = frame.set_index("unit")
    assert by_unit.loc["甲", "status"] == "changed" and by_unit.loc["甲", "detail"] == "会员人数 90 → 95"
    assert by_unit.loc["乙", "status"] == "unchanged"
    assert by_unit.loc["丙", "status"] == "added"
    assert (
        changes.summary_text(frame) == "会员发展 2025年第二季度：1 个单位新增，1 个单位数据变化，1 个单位不变"
    )


def test_preview_of_events_compares_counts_and_totals(tmp_path: Path) -> None:
    db = tmp_path / "e.duckdb"
    header = ["发放日期", "单位名称", "类别", "金额"]
    load_paths([sheet(tmp_path / "w1.xlsx", header, [["2025-01-05", "甲", "送温暖", 500]])], db=db)
    report = inspect_path(
        sheet(
            tmp_path / "w2.xlsx",
            header,
            [["2025-01-05", "甲", "送温暖", 500], ["2025-02-05", "甲", "节日慰问", 300]],
        )
    )
    with store.connect(db) as con:
        frame = changes.preview(con, [report])
    [row] = frame.to_dict("records")
    assert (
        row["status"] == "changed"
        and "记录数 1 → 2" in row["detail"]
        and "金额合计 500 → 800" in row["detail"]
    )
