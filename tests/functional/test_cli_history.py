"""`python -m etl history` and `python -m etl undo ID` from a terminal, as the 数据上传 page does them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from etl import store
from etl.indicators import kpis
from etl.store import history
from tests.sheets import write_xlsx

ROOT = Path(__file__).resolve().parents[2]


def etl(*args: str, user: str = "管理员甲") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "UNION_KPI_USER": user}
    return subprocess.run(
        [sys.executable, "-m", "etl", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def members(db: Path, quarter: int) -> float | None:
    with store.connect(db, read_only=True) as con:
        return kpis.compute(con, 2025, quarter)["members"].actual


def test_history_lists_loads_and_undo_reverts_one_with_the_audit_record(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    header = ["单位名称", "职工人数", "会员人数"]
    first = write_xlsx(tmp_path / "2025年第一季度会员发展.xlsx", header, [["滨江一中", 100, 90]])
    second = write_xlsx(
        tmp_path / "2025年第二季度会员发展.xlsx", header, [["滨江一中", 100, 95], ["新单位", 9, 9]]
    )
    assert etl("load", str(first), "--db", str(db)).returncode == 0
    assert etl("load", str(second), "--db", str(db), user="管理员乙").returncode == 0
    with store.connect(db, read_only=True) as con:
        load_id = con.execute("SELECT max(load_id) FROM loads").fetchall()[0][0]

    listed = etl("history", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["编号", "时间", "账号", "文件", "类型", "统计期", "行数", "状态"]
    newest = lines[1].split()
    assert newest[0] == f"#{load_id}"
    assert newest[3:] == [
        "管理员乙",
        "2025年第二季度会员发展.xlsx",
        "会员发展",
        "2025年第二季度",
        "2",
        "已导入",
    ]
    assert "2025年第一季度会员发展.xlsx" in lines[2]

    undone = etl("undo", str(load_id), "--db", str(db), user="管理员丙")
    assert undone.returncode == 0, undone.stderr
    assert f"已撤销导入 #{load_id}" in undone.stdout
    assert "新单位" in undone.stdout  # the unit it created went with it
    assert members(db, 2) is None and members(db, 1) == 90
    with store.connect(db, read_only=True) as con:
        log = con.execute(
            "SELECT load_id, file_name, status, undoes, user_name FROM loads ORDER BY load_id"
        ).fetchall()
        units = {r[0] for r in con.execute("SELECT name FROM units").fetchall()}
    assert units == {"滨江一中"}
    # the record the history page writes (etl.store.history.undo_load): the undone load and an 'undo' entry
    assert log[-2][:4] == (load_id, "2025年第二季度会员发展.xlsx", "undone", None)
    assert log[-1][1:] == (f"撤销导入 #{load_id}：2025年第二季度会员发展.xlsx", "undo", load_id, "管理员丙")

    after = etl("history", "--db", str(db)).stdout.splitlines()
    assert after[1].split()[-1] == "撤销操作" and after[2].split()[-1] == "已撤销"


def test_undo_refusals_are_explained_in_chinese(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    sheet = write_xlsx(
        tmp_path / "2025年第一季度会员发展.xlsx", ["单位名称", "职工人数", "会员人数"], [["甲", 1, 1]]
    )
    assert etl("load", str(sheet), "--db", str(db)).returncode == 0
    missing = etl("undo", "99", "--db", str(db))
    assert missing.returncode == 2 and "导入记录 #99 不存在" in missing.stderr
    assert etl("undo", "1", "--db", str(db)).returncode == 0
    again = etl("undo", "1", "--db", str(db))
    assert again.returncode == 2 and "已经撤销过了" in again.stderr
    undo_of_undo = etl("undo", "2", "--db", str(db))
    assert undo_of_undo.returncode == 2 and "本身是一次撤销操作" in undo_of_undo.stderr


def test_history_of_an_empty_database(tmp_path: Path) -> None:
    result = etl("history", "--db", str(tmp_path / "empty.duckdb"))
    assert result.returncode == 0 and "还没有导入记录" in result.stdout


def test_history_rows_match_the_cli_columns(tmp_path: Path) -> None:
    db = tmp_path / "rows.duckdb"
    sheet = write_xlsx(
        tmp_path / "2025年第一季度会员发展.xlsx", ["单位名称", "职工人数", "会员人数"], [["甲", 1, 1]]
    )
    assert etl("load", str(sheet), "--db", str(db)).returncode == 0
    with store.connect(db, read_only=True) as con:
        [row] = history.history_rows(con)
    assert len(row) == len(history.HISTORY_COLUMNS)
    assert row[2:] == ("管理员甲", "2025年第一季度会员发展.xlsx", "会员发展", "2025年第一季度", "1", "已导入")
