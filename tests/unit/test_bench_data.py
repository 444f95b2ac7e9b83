"""Tiny versions of the benchmark's generators, so they do not rot (the bench itself is not a test)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from bench.data import Scale, build_database, membership_rows, write_membership_workbook
from etl.core.names import name_key
from etl.store.pipeline import load_paths

TINY = Scale(grassroots=400, provinces=2, cities_per_province=2, events=300)


def test_generated_database_is_a_four_level_tree_with_facts(tmp_path: Path) -> None:
    db = build_database(tmp_path / "g.duckdb", TINY)
    with duckdb.connect(str(db), read_only=True) as con:
        units = con.execute("SELECT unit_id, name, name_key, parent_id, reports FROM units").fetchall()
        depth = con.execute(
            """WITH RECURSIVE up(id, node, d) AS (SELECT unit_id, parent_id, 0 FROM units
               UNION ALL SELECT up.id, u.parent_id, d + 1 FROM up JOIN units u ON u.unit_id = up.node)
               SELECT max(d) FROM up"""
        ).fetchall()[0][0]
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
            for t in ("membership", "dues", "welfare", "activities", "targets")
        }
    assert len(units) == 1 + 2 + 4 + 400
    assert all(key == name_key(name) for _, name, key, _, _ in units)
    assert depth == 3 and sum(r for *_, r in units) == 400
    assert 0.9 * 400 * 8 < counts["membership"] <= 400 * 8 and counts["dues"] == counts["membership"]
    assert counts["welfare"] + counts["activities"] == 300 and counts["targets"] == 2 * 19


def test_generated_workbook_loads(tmp_path: Path) -> None:
    db = build_database(tmp_path / "g.duckdb", TINY)
    rows = membership_rows(db, 2025, 1, 250)
    book = write_membership_workbook(tmp_path / "m.xlsx", rows, 2025, 1)
    [summary] = load_paths([book], db=tmp_path / "load.duckdb", user="test")
    assert summary.rows == len(rows) and summary.periods == [(2025, 1)]
    assert len(summary.new_units) == len(rows) + len({r[1] for r in rows})
