"""What every write keeps for the reads (etl.store.derived): after each kind of write, the tables kept up
to date piece by piece equal the same tables rebuilt from scratch; a database written by an older
version is brought up to date even when first opened read-only; page tables stop at a row limit
and say how many rows there are."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl import store
from etl.indicators import kpis, queries
from etl.store import database, derived, history, tree, units
from etl.store.pipeline import load_paths
from tests.conftest import copy_folder
from tests.sheets import write_xlsx

HEADER = ["单位名称", "上级工会", "会员人数", "职工人数"]


def _snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    return {
        "tree": con.execute("SELECT * FROM unit_tree ORDER BY ALL").df(),
        "returns": con.execute("SELECT * FROM unit_returns ORDER BY ALL").df(),
        "firsts": con.execute("SELECT unit_id, first_period FROM units ORDER BY unit_id").df(),
    }


def assert_same_as_rebuilt(db: Path) -> None:
    with store.connect(db) as con:
        kept = _snapshot(con)
        con.execute("BEGIN TRANSACTION")
        derived.rebuild_all(con)
        rebuilt = _snapshot(con)
        con.execute("ROLLBACK")
    assert not kept["tree"].empty and not kept["returns"].empty
    for name in kept:
        pd.testing.assert_frame_equal(kept[name], rebuilt[name], check_dtype=False, obj=name)


def _unit(db: Path, name: str) -> int:
    with store.connect(db, read_only=True) as con:
        return kpis.find_unit(con, name)


@pytest.fixture(scope="module")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # built once per module; each test writes to its own copy (`db`)
    tmp_path = tmp_path_factory.mktemp("db")
    path = tmp_path / "d.duckdb"
    files = tmp_path / "files"
    files.mkdir()
    rows = [["市总工会", None, 5, 6], ["东区工会", "市总工会", 30, 40], ["甲厂", "东区工会", 100, 120]]
    load_paths([write_xlsx(files / "2024年第4季度会员发展.xlsx", HEADER, rows)], db=path, user="t")
    return path


@pytest.fixture
def db(db_template: Path, tmp_path: Path) -> Path:
    return copy_folder(db_template, tmp_path)


def test_every_write_keeps_the_tree_and_the_returns_as_a_rebuild_would(db: Path, tmp_path: Path) -> None:
    assert_same_as_rebuilt(db)
    # a new quarter brings new units under a new branch
    new = tmp_path / "2025年第1季度会员发展.xlsx"
    rows = [["甲厂", "东区工会", 101, 120], ["乙厂", "西区工会", 50, 60], ["西区工会", "市总工会", 8, 9]]
    load_id = load_paths([write_xlsx(new, HEADER, rows)], db=db, user="t")[0].load_id
    assert_same_as_rebuilt(db)
    with store.connect(db, read_only=True) as con:
        below_city = queries.subtree(con, kpis.find_unit(con, "市总工会"))
        assert {kpis.find_unit(con, n) for n in ("乙厂", "西区工会", "甲厂")} <= below_city
    # a branch moves: everything below it follows
    units.set_parent(db, _unit(db, "西区工会"), _unit(db, "东区工会"))
    assert_same_as_rebuilt(db)
    with store.connect(db, read_only=True) as con:
        assert kpis.find_unit(con, "乙厂") in queries.subtree(con, kpis.find_unit(con, "东区工会"))
    # two spellings of one unit become one
    units.merge(db, _unit(db, "乙厂"), _unit(db, "甲厂"))
    assert_same_as_rebuilt(db)
    # the quarter goes again: units it created go with it
    history.undo_load(db, load_id)
    assert_same_as_rebuilt(db)
    with store.connect(db, read_only=True) as con:
        assert (
            con.execute("SELECT count(*) FROM unit_returns WHERE year = 2025 AND quarters > 0").fetchall()[0][
                0
            ]
            == 0
        )


def test_a_unit_cannot_move_below_itself(db: Path) -> None:
    with pytest.raises(units.UnitEditError, match="自身或其下级"):
        units.set_parent(db, _unit(db, "市总工会"), _unit(db, "甲厂"))


def test_one_depth_limit_keeps_the_deepest_tree_and_breaks_the_longest_cycle(tmp_path: Path) -> None:
    """etl.store.tree.MAX_DEPTH: a chain that many levels deep is one scope top to bottom, and a load
    whose parent column closes a cycle through that many units (and one more) has it broken."""
    levels = tree.MAX_DEPTH + 1  # depths 0 .. MAX_DEPTH
    chain = [[f"链{i}", f"链{i - 1}" if i else None, 10, 10] for i in range(levels)]
    ring = [[f"环{i}", f"环{(i + 1) % levels}", 10, 10] for i in range(levels)]
    path = tmp_path / "deep.duckdb"
    load_paths([write_xlsx(tmp_path / "2025年第1季度会员发展.xlsx", HEADER, chain + ring)], db=path, user="t")
    assert_same_as_rebuilt(path)
    with store.connect(path, read_only=True) as con:
        top, bottom = kpis.find_unit(con, "链0"), kpis.find_unit(con, f"链{levels - 1}")
        assert bottom in queries.subtree(con, top)
        assert queries.path_to(con, bottom)[0] == top
        ring_ids = [kpis.find_unit(con, f"环{i}") for i in range(levels)]
        parents = dict(con.execute("SELECT unit_id, parent_id FROM units").fetchall())
        own_ancestor = con.execute(
            "SELECT count(*) FROM unit_tree WHERE ancestor_id = unit_id AND depth > 0"
        ).fetchall()[0][0]
    assert sum(parents[u] is None for u in ring_ids) == 1  # one edge of the ring left out
    assert own_ancestor == 0


def test_a_database_from_an_older_version_opens_read_only(db: Path) -> None:
    with store.connect(db) as con:
        expected = {k: v.actual for k, v in kpis.compute(con, 2024, 4).items()}
        con.execute("DROP TABLE unit_tree")
        con.execute("DROP TABLE unit_returns")
        con.execute("ALTER TABLE units DROP COLUMN first_period")
        store.checkpoint(con)
    database._SCHEMA_READY.discard(str(db))  # as a new process would see it
    with store.connect(db, read_only=True) as con:
        got = {k: v.actual for k, v in kpis.compute(con, 2024, 4).items()}
    assert got == expected and got["members"] == 135


def test_page_tables_stop_at_the_limit_and_count_every_row(db: Path) -> None:
    with store.connect(db, read_only=True) as con:
        whole = queries.membership_rows(con, 2024, 4, None)
        cut = queries.membership_rows(con, 2024, 4, None, limit=2)
        matrix = queries.reporting_matrix(con, 2024, None, "membership", limit=1)
    assert len(whole) == whole.attrs["total"] == 3
    assert len(cut) == 2 and cut.attrs["total"] == 3
    assert list(cut["unit"]) == list(whole["unit"][:2])
    assert matrix.attrs["total"] == 3 and matrix["unit_id"].nunique() == 1 and len(matrix) == 4


def test_coverage_names_a_few_and_counts_all(
    db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rows = [["甲厂", "东区工会", 101, 120]]  # 2025 Q1: only 甲厂 reports
    load_paths([write_xlsx(tmp_path / "2025年第1季度会员发展.xlsx", HEADER, rows)], db=db, user="t")
    monkeypatch.setattr(kpis, "_NAMES_MAX", 1)
    with store.connect(db, read_only=True) as con:
        cov = kpis.coverage_by_kind(con, 2025, 1).set_index("kind").loc["membership"]
        gaps = kpis.left_out(con, 2025, 1)
    assert (cov["reported"], cov["expected"], cov["missing_count"]) == (1, 3, 2)
    assert cov["missing"] == ["市总工会"]  # the top of the organisation first, then by parent
    members = gaps["members"]
    assert members.total == 2 and len(members.units) == 1 and members.last_value == 35


def test_the_target_editor_lists_every_unit_of_a_small_register_and_only_unions_of_a_large_one(
    db: Path,
) -> None:
    with store.connect(db) as con:
        small, small_cut = queries.target_unit_names(con)
        large, large_cut = queries.target_unit_names(con, limit=2)
        con.execute(
            "INSERT INTO targets (year, indicator, unit_id, target) VALUES (2024, 'members', ?, 100)",
            [kpis.find_unit(con, "甲厂")],
        )
        with_target, _ = queries.target_unit_names(con, limit=2)
    assert (small, small_cut) == (sorted(["市总工会", "东区工会", "甲厂"]), False)
    assert (large, large_cut) == (sorted(["市总工会", "东区工会"]), True)  # 甲厂 has no units under it
    assert with_target == sorted(["市总工会", "东区工会", "甲厂"])  # a unit holding a target stays listed
