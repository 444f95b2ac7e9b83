# ruff: noqa: E501 - SQL reads better unbroken
"""Query figures at national scale, in-process: kpis.compute for the whole organisation
(all 19 indicators with targets and 同比), warm and cold, for one province and one grassroots
union, against one hand-written DuckDB aggregate over the same tables."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from etl import store
from etl.indicators import kpis

# the hand-written baseline: the same sums for this quarter and the same quarter last year
RAW_AGGREGATE = """
WITH m AS (SELECT year, quarter, sum(members) members, sum(employees) employees,
                  sum(members_female) mf, sum(employees_female) ef, sum(members_migrant) mm,
                  sum(employees_migrant) em, sum(orgs_unionized) ou, sum(orgs_total) ot,
                  sum(contracts_signed) cs, sum(wage_agreements) wa, sum(female_contracts) fc,
                  count(DISTINCT unit_id) reported
           FROM membership WHERE (year = $y OR year = $y - 1) AND quarter = $q GROUP BY ALL),
     f AS (SELECT year, sum(new_members) nm, sum(new_unions) nu FROM membership
           WHERE (year = $y OR year = $y - 1) AND quarter <= $q GROUP BY ALL),
     d AS (SELECT year, sum(dues_paid) dp, sum(dues_due) dd, sum(funds_paid) fp, sum(funds_due) fd
           FROM dues WHERE (year = $y OR year = $y - 1) AND quarter <= $q GROUP BY ALL),
     w AS (SELECT year, sum(amount) spend, sum(beneficiaries) ben FROM welfare
           WHERE (year = $y OR year = $y - 1) AND quarter <= $q GROUP BY ALL),
     a AS (SELECT a.year, count(*) n, sum(a.participants) p, sum(m.members) am FROM activities a
           LEFT JOIN membership m ON m.unit_id = a.unit_id AND m.year = a.year AND m.quarter = a.quarter
           WHERE (a.year = $y OR a.year = $y - 1) AND a.quarter <= $q GROUP BY ALL),
     t AS (SELECT year, indicator, target FROM targets WHERE unit_id IS NULL AND (year = $y OR year = $y - 1)),
     k AS (SELECT count(*) known FROM units WHERE reports)
SELECT * FROM m JOIN f USING (year) JOIN d USING (year) LEFT JOIN w USING (year) LEFT JOIN a USING (year),
       k, (SELECT list(t) FROM t)
"""


def _median_of(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _scopes(db: Path) -> tuple[int, int]:
    """One province (the biggest) and one grassroots union (a reporting one)."""
    with duckdb.connect(str(db), read_only=True) as con:
        province = con.execute(
            "SELECT p.unit_id FROM units p JOIN units c ON c.parent_id = p.unit_id "
            "JOIN units g ON g.parent_id = c.unit_id WHERE p.parent_id = 1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).fetchall()[0][0]
        unit = con.execute(
            "SELECT min(unit_id) FROM membership WHERE year = 2025 AND quarter = 4"
        ).fetchall()[0][0]
    return province, unit


def measure(db: Path, repeats: int, record) -> None:
    year, quarter = 2025, 4
    with store.connect(db, read_only=True) as con:
        start = time.perf_counter()
        kpis.compute(con, year, quarter)
        record("overview_national_cold_s", [time.perf_counter() - start])
        record("overview_national_s", _median_of(lambda: kpis.compute(con, year, quarter), repeats))
        record(
            "raw_aggregate_national_s",
            _median_of(lambda: con.execute(RAW_AGGREGATE, {"y": year, "q": quarter}).fetchall(), repeats),
        )
        province, unit = _scopes(db)
        slower = max(
            (
                _median_of(lambda s=scope: kpis.compute(con, year, quarter, s), repeats)
                for scope in (province, unit)
            ),
            key=lambda times: sorted(times)[len(times) // 2],
        )
        record(
            "unit_drilldown_national_s", slower, note="the slower of one province and one grassroots union"
        )
