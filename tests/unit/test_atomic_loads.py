"""A load is all or nothing; an undo restores exactly what a load replaced; writers queue."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

from etl import store
from etl.core.problems import LoadRejected
from etl.indicators import kpis
from etl.store import ARCHIVED_TABLES, faults, history
from etl.store.pipeline import load_paths
from tests.sheets import write_xlsx

HEADER = ["单位名称", "职工人数", "会员人数", "新发展会员"]


def sheet(path: Path, rows: list[list[object]]) -> Path:
    return write_xlsx(path, HEADER, rows)


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted: equal snapshots mean an identical database."""
    with store.connect(db, read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}


def members(db: Path, quarter: int = 1) -> float | None:
    with store.connect(db, read_only=True) as con:
        return kpis.compute(con, 2025, quarter)["members"].actual


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "a.duckdb"
    load_paths(
        [sheet(tmp_path / "2025年第一季度会员.xlsx", [["甲", 100, 90, 1], ["乙", 50, 40, 2]])], db=path
    )
    return path


@pytest.fixture(autouse=True)
def _disarm() -> None:
    yield
    faults.disarm()


@pytest.mark.parametrize("point", faults.POINTS)
def test_a_fault_at_any_point_leaves_the_database_exactly_as_before(
    db: Path, tmp_path: Path, point: str
) -> None:
    before = snapshot(db)
    replacement = sheet(tmp_path / "2025年第一季度会员_新.xlsx", [["甲", 100, 99, 1], ["丙", 10, 10, 0]])
    faults.arm(point, RuntimeError(f"injected at {point}"))
    with pytest.raises(RuntimeError, match="injected"):
        load_paths([replacement], db=db)
    assert snapshot(db) == before
    faults.disarm()
    load_paths([replacement], db=db)  # and the same load then succeeds
    assert members(db) == 99 + 40 + 10


def test_rejected_file_writes_nothing(db: Path, tmp_path: Path) -> None:
    before = snapshot(db)
    bad = sheet(tmp_path / "2025年第一季度会员_错.xlsx", [["甲", 100, -5, 1]])
    with pytest.raises(LoadRejected, match="不能为负数"):
        load_paths([bad], db=db)
    assert snapshot(db) == before


def test_undo_restores_exactly_what_the_load_replaced(db: Path, tmp_path: Path) -> None:
    before = snapshot(db)
    [summary] = load_paths([sheet(tmp_path / "2025年第一季度会员_改.xlsx", [["甲", 100, 95, 3]])], db=db)
    assert members(db) == 95 + 40
    with store.connect(db, read_only=True) as con:
        effect = history.undo_effect(con, summary.load_id)
    restored = effect[effect["action"] == "restore"].set_index("kind")
    assert restored.loc["membership", "rows"] == 1 and list(restored.loc["membership", "units"]) == ["甲"]
    history.undo(db, summary.load_id, user="test")
    after = snapshot(db)
    assert members(db) == 90 + 40
    for table in ("membership", "coverage", "targets", *(f"replaced_{t}" for t in ARCHIVED_TABLES)):
        assert after[table] == before[table], table
    with store.connect(db, read_only=True) as con:
        log = con.execute("SELECT status, undoes FROM loads ORDER BY load_id").fetchall()
    assert log[-2][0] == "undone" and log[-1] == ("undo", summary.load_id)
    with pytest.raises(history.UndoRefused, match="已经撤销"):
        history.undo(db, summary.load_id, user="test")


def test_undo_is_refused_while_a_later_load_replaced_the_same_rows(db: Path, tmp_path: Path) -> None:
    [first] = load_paths([sheet(tmp_path / "2025年第一季度会员_1.xlsx", [["甲", 100, 91, 1]])], db=db)
    [second] = load_paths([sheet(tmp_path / "2025年第一季度会员_2.xlsx", [["甲", 100, 92, 1]])], db=db)
    with pytest.raises(history.UndoRefused, match=f"#{second.load_id}"):
        history.undo(db, first.load_id, user="test")
    history.undo(db, second.load_id, user="test")
    history.undo(db, first.load_id, user="test")
    assert members(db) == 90 + 40


@pytest.mark.serial  # threads racing for the writer lock, with waits bounded in time
def test_concurrent_writers_and_readers_lose_nothing(db: Path, tmp_path: Path) -> None:
    """Eight units upload their own Q2 sheets at once while four readers compute KPIs."""
    files = [
        sheet(tmp_path / f"2025年第二季度会员_{i}.xlsx", [[f"单位{i}", 100, 50 + i, 1]]) for i in range(8)
    ]
    errors: list[BaseException] = []
    stop = threading.Event()

    def write(path: Path) -> None:
        try:
            load_paths([path], db=db)
        except BaseException as exc:
            errors.append(exc)

    def read() -> None:
        try:
            while not stop.is_set():
                with store.connect(db) as con:
                    kpis.compute(con, 2025, 2)
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(4)]
    writers = [threading.Thread(target=write, args=(p,)) for p in files]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert errors == []
    assert members(db, quarter=2) == sum(50 + i for i in range(8))


# --------------------------------------------------------------------------- store.transaction


def _notes(con) -> list[str]:
    return [
        r[0] for r in con.execute("SELECT value FROM settings WHERE key LIKE 'note%' ORDER BY key").fetchall()
    ]


def test_transaction_commits_a_block_that_ends_normally(tmp_path: Path) -> None:
    with store.connect(tmp_path / "t.duckdb") as con:
        with store.transaction(con):
            store.set_setting(con, "note1", "kept")
        with store.transaction(con):
            store.set_setting(con, "note2", "also kept")
        assert _notes(con) == ["kept", "also kept"]


@pytest.mark.parametrize("error", [ValueError("bad cell"), KeyboardInterrupt()], ids=type)
def test_transaction_rolls_back_and_reraises_anything(tmp_path: Path, error: BaseException) -> None:
    with store.connect(tmp_path / "t.duckdb") as con:
        with pytest.raises(type(error)) as raised, store.transaction(con):
            store.set_setting(con, "note1", "half-written")
            raise error
        assert raised.value is error
        assert _notes(con) == []
        with store.transaction(con):  # the connection is usable again
            store.set_setting(con, "note1", "after")
        assert _notes(con) == ["after"]


def test_transaction_reports_the_commit_error_not_the_rollback(tmp_path: Path) -> None:
    """A COMMIT that fails (a key another connection committed first) has rolled back by itself;
    the caller sees why it failed, not that there was no transaction left to roll back."""
    with store.connect(tmp_path / "t.duckdb") as con:
        other = con.cursor()
        refused = pytest.raises(duckdb.TransactionException, match=r"(?i)constraint|duplicate")
        with refused, store.transaction(con):
            con.execute("INSERT INTO settings VALUES ('note1', 'mine')")
            with store.transaction(other):
                other.execute("INSERT INTO settings VALUES ('note1', 'theirs')")
        assert _notes(con) == ["theirs"]
