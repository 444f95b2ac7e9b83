"""Killing the loader (SIGKILL) at random moments never leaves a database that fails to open
or a quarter that is half old, half new: the two files of a batch land together or not at all."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xlsxwriter

from etl import store
from etl.store.pipeline import load_paths

# alone: the kill times are chosen against how long a load takes on an otherwise idle machine
pytestmark = pytest.mark.serial

ROOT = Path(__file__).resolve().parents[2]
UNITS = 3000
EVENTS = 30000


def write_batch(folder: Path, members: int, amount: int) -> list[Path]:
    folder.mkdir()
    membership = folder / "2025年第一季度会员发展.xlsx"
    book = xlsxwriter.Workbook(str(membership), {"constant_memory": True})
    ws = book.add_worksheet("一季度")
    ws.write_row(0, 0, ["单位名称", "职工人数", "会员人数"])
    for i in range(UNITS):
        ws.write_row(i + 1, 0, [f"单位{i:05d}", 100, members])
    book.close()
    welfare = folder / "2025年帮扶慰问.xlsx"
    book = xlsxwriter.Workbook(str(welfare), {"constant_memory": True})
    ws = book.add_worksheet("明细")
    ws.write_row(0, 0, ["发放日期", "单位名称", "类别", "金额"])
    for i in range(EVENTS):
        ws.write_row(i + 1, 0, ["2025-02-01", f"单位{i % UNITS:05d}", "送温暖", amount])
    book.close()
    return [membership, welfare]


def totals(db: Path) -> tuple[int, int, int]:
    with store.connect(db, read_only=True) as con:
        members = con.execute("SELECT coalesce(sum(members), 0), count(*) FROM membership").fetchall()[0]
        amount = con.execute("SELECT coalesce(sum(amount), 0) FROM welfare").fetchall()[0][0]
    return int(members[0]), int(members[1]), int(amount)


def test_sigkill_during_loads_never_corrupts(tmp_path: Path, parse_sandbox: None) -> None:
    # parse_sandbox: the loaders started below inherit it and parse in their child, as deployed
    db = tmp_path / "k.duckdb"
    old, new = write_batch(tmp_path / "old", 10, 5), write_batch(tmp_path / "new", 20, 7)
    load_paths(old, db=db)
    states = {"old": (10 * UNITS, UNITS, 5 * EVENTS), "new": (20 * UNITS, UNITS, 7 * EVENTS)}
    rng = random.Random(7)
    seen = ["old"]
    for _ in range(6):
        batch = new if seen[-1] == "old" else old  # always try to move to the other state
        process = subprocess.Popen(
            [sys.executable, "-m", "etl", "load", *map(str, batch), "--db", str(db)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(
            rng.uniform(1.0, 12.0)
        )  # a whole load takes 6–9 s here: kills fall before and after commit
        os.killpg(process.pid, signal.SIGKILL)  # the loader and its parsing child, as `kill -9` of a service
        process.wait()
        state = totals(db)  # the file opens, and holds exactly one whole batch
        assert state in states.values(), state
        seen.append(next(k for k, v in states.items() if v == state))
    load_paths(new, db=db)  # the lock of a killed loader does not block the next one
    assert totals(db) == states["new"]
    print("states after kills:", seen)
