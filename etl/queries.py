"""Read-side queries for the pages and the report: units, periods, breakdowns, reporting.

Pages call these and never hold SQL themselves.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from etl import store, tree
from etl.dictionary import DATA_KINDS

_SCOPE = f"WITH RECURSIVE {tree.LINEAGE},\n{tree.SCOPE}"


def org_name(con: duckdb.DuckDBPyConnection) -> str:
    return store.get_setting(con, "org_name", "本级工会")


def units(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """unit_id, name, parent_id, parent, reports, unit_type, children (count of direct children), retired."""
    return con.execute("""
        SELECT u.unit_id, u.name, u.parent_id, p.name AS parent, u.reports, u.unit_type,
               (SELECT count(*) FROM units c WHERE c.parent_id = u.unit_id) AS children,
               coalesce(u.retired, FALSE) AS retired
        FROM units u LEFT JOIN units p ON p.unit_id = u.parent_id
        ORDER BY coalesce(p.name, u.name), u.parent_id NULLS FIRST, u.name""").df()


def unit_name(con: duckdb.DuckDBPyConnection, unit_id: int | None) -> str:
    if unit_id is None:
        return org_name(con)
    rows = con.execute("SELECT name FROM units WHERE unit_id = ?", [unit_id]).fetchall()
    return rows[0][0] if rows else org_name(con)


def is_grassroots(con: duckdb.DuckDBPyConnection, unit_id: int | None) -> bool:
    """True for one unit with nothing below it: a report for it speaks of that unit, not of 各单位."""
    if unit_id is None:
        return False
    rows = con.execute("SELECT count(*) FROM units WHERE parent_id = ?", [unit_id]).fetchall()
    return rows[0][0] == 0


def periods(con: duckdb.DuckDBPyConnection) -> list[tuple[int, int]]:
    """(year, quarter) pairs that hold any data, newest first."""
    rows = con.execute(
        "SELECT DISTINCT year, quarter FROM coverage ORDER BY year DESC, quarter DESC"
    ).fetchall()
    return [(int(y), int(q)) for y, q in rows]


def period_coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per quarter with any data, newest first: units that sent the membership sheet, units expected to."""
    return con.execute(f"""WITH {tree.FIRSTS},
        expected_from AS (SELECT f.first_p, count(*) AS n FROM units u LEFT JOIN firsts f USING (unit_id)
                          WHERE u.reports GROUP BY f.first_p),
        quarters AS (SELECT DISTINCT year, quarter FROM coverage),
        sent AS (SELECT c.year, c.quarter, count(DISTINCT c.unit_id) AS reported
                 FROM coverage c JOIN units u USING (unit_id)
                 WHERE c.kind = 'membership' AND u.reports GROUP BY ALL)
        SELECT q.year, q.quarter, coalesce(s.reported, 0) AS reported,
               (SELECT coalesce(sum(n), 0) FROM expected_from e
                WHERE e.first_p IS NULL OR e.first_p <= q.year * 10 + q.quarter) AS expected
        FROM quarters q LEFT JOIN sent s USING (year, quarter)
        ORDER BY q.year DESC, q.quarter DESC""").df()


def default_period(con: duckdb.DuckDBPyConnection, min_share: float) -> tuple[int, int] | None:
    """The quarter a new session opens on: the latest in which at least min_share of the units expected
    sent their membership sheet; the latest with any data when none is complete enough."""
    table = period_coverage(con)
    if table.empty:
        return None
    share = table["reported"] / table["expected"].where(table["expected"] > 0)
    enough = table[share.fillna(0) >= min_share - 1e-9]
    row = (enough if not enough.empty else table).iloc[0]
    return int(row["year"]), int(row["quarter"])


def target_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [int(r[0]) for r in con.execute("SELECT DISTINCT year FROM targets ORDER BY year DESC").fetchall()]


def last_loaded(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute("SELECT max(loaded_at) FROM loads").fetchall()
    return rows[0][0].strftime("%Y-%m-%d") if rows and rows[0][0] else ""


def breakdown(
    con: duckdb.DuckDBPyConnection, kind: str, year: int, quarter: int, scope: int | None
) -> pd.DataFrame:
    """Welfare or activities year to date by category: category, count, amount/cost, people."""
    if kind not in ("welfare", "activities"):
        raise ValueError(kind)
    people, money = ("beneficiaries", "amount") if kind == "welfare" else ("participants", "cost")
    return con.execute(
        f"""{_SCOPE}
        SELECT coalesce(category, '其他') AS category, count(*) AS count,
               CAST(coalesce(sum({money}), 0) AS DOUBLE) AS money,
               coalesce(sum({people}), 0) AS people
        FROM {kind} JOIN scope USING (unit_id)
        WHERE year = $year AND quarter <= $quarter
        GROUP BY ALL ORDER BY money DESC, count DESC""",
        {"scope": scope, "year": year, "quarter": quarter},
    ).df()


def events(
    con: duckdb.DuckDBPyConnection, kind: str, year: int, quarter: int, scope: int | None
) -> pd.DataFrame:
    """The rows behind a breakdown, with unit names, year to date."""
    if kind not in ("welfare", "activities"):
        raise ValueError(kind)
    return con.execute(
        f"""{_SCOPE}
        SELECT e.date, u.name AS unit, e.* EXCLUDE (unit_id, load_id, date, year)
        FROM {kind} e JOIN scope USING (unit_id) JOIN units u USING (unit_id)
        WHERE e.year = $year AND e.quarter <= $quarter ORDER BY e.date, u.name""",
        {"scope": scope, "year": year, "quarter": quarter},
    ).df()


def reporting_matrix(con: duckdb.DuckDBPyConnection, year: int, scope: int | None) -> pd.DataFrame:
    """One row per reporting unit × kind × quarter of the year: loaded or not, and when."""
    return con.execute(
        f"""{_SCOPE},
        kinds AS (SELECT unnest($kinds) AS kind),
        quarters AS (SELECT unnest([1, 2, 3, 4]) AS quarter)
        SELECT u.unit_id, u.name AS unit, p.name AS parent, k.kind, q.quarter,
               c.load_id IS NOT NULL AS reported, l.loaded_at, l.file_name
        FROM units u JOIN scope USING (unit_id) LEFT JOIN units p ON p.unit_id = u.parent_id
        CROSS JOIN kinds k CROSS JOIN quarters q
        LEFT JOIN coverage c ON c.unit_id = u.unit_id AND c.kind = k.kind AND c.year = $year
                             AND c.quarter = q.quarter
        LEFT JOIN loads l ON l.load_id = c.load_id
        WHERE u.reports
        ORDER BY parent NULLS FIRST, unit, k.kind, q.quarter""",
        {"scope": scope, "year": year, "kinds": list(DATA_KINDS)},
    ).df()


def missing_units(
    con: duckdb.DuckDBPyConnection, year: int, quarter: int, scope: int | None, kind: str = "membership"
) -> pd.DataFrame:
    """Units expected to send the quarter's sheet of this kind that have not (未报送), with their last
    report."""
    return con.execute(
        f"""{_SCOPE}, {tree.FIRSTS}
        SELECT u.name AS unit, p.name AS parent,
               (SELECT max(c2.year * 10 + c2.quarter) FROM coverage c2
                WHERE c2.unit_id = u.unit_id AND c2.kind = $kind) AS last_period
        FROM units u JOIN scope USING (unit_id) LEFT JOIN units p ON p.unit_id = u.parent_id
        LEFT JOIN firsts f USING (unit_id)
        WHERE {tree.expected_at("$year * 10 + $quarter")} AND NOT EXISTS (
            SELECT 1 FROM coverage c WHERE c.unit_id = u.unit_id AND c.kind = $kind
              AND c.year = $year AND c.quarter = $quarter)
        ORDER BY parent, unit""",
        {"scope": scope, "year": year, "quarter": quarter, "kind": kind},
    ).df()


def dues_by_unit(con: duckdb.DuckDBPyConnection, year: int, quarter: int, scope: int | None) -> pd.DataFrame:
    """Dues year to date per unit: due, paid, arrears (欠缴) and collection rate."""
    return con.execute(
        f"""{_SCOPE},
        ytd AS (SELECT unit_id, sum(dues_due) AS due, sum(dues_paid) AS paid,
                       sum(funds_due) AS funds_due, sum(funds_paid) AS funds_paid, max(paid_on) AS last_paid
                FROM dues JOIN scope USING (unit_id)
                WHERE year = $year AND quarter <= $quarter GROUP BY unit_id)
        SELECT u.name AS unit, p.name AS parent, CAST(due AS DOUBLE) AS due, CAST(paid AS DOUBLE) AS paid,
               CAST(greatest(due - paid, 0) AS DOUBLE) AS arrears,
               CAST(paid AS DOUBLE) / NULLIF(CAST(due AS DOUBLE), 0) AS rate,
               CAST(funds_due AS DOUBLE) AS funds_due, CAST(funds_paid AS DOUBLE) AS funds_paid, last_paid
        FROM ytd JOIN units u USING (unit_id) LEFT JOIN units p ON p.unit_id = u.parent_id
        ORDER BY arrears DESC, unit""",
        {"scope": scope, "year": year, "quarter": quarter},
    ).df()


def membership_rows(
    con: duckdb.DuckDBPyConnection, year: int, quarter: int, scope: int | None
) -> pd.DataFrame:
    """The membership snapshot rows of the quarter, as loaded."""
    return con.execute(
        f"""{_SCOPE}
        SELECT u.name AS unit, p.name AS parent, u.unit_type, m.* EXCLUDE (unit_id, load_id, year, quarter)
        FROM membership m JOIN scope USING (unit_id) JOIN units u USING (unit_id)
        LEFT JOIN units p ON p.unit_id = u.parent_id
        WHERE m.year = $year AND m.quarter = $quarter ORDER BY parent, unit""",
        {"scope": scope, "year": year, "quarter": quarter},
    ).df()


def load_log(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    return con.execute(
        """SELECT load_id, loaded_at, user_name, file_name, kind, periods, rows_loaded,
                                 units, warnings, sha256, status, undoes
                          FROM loads ORDER BY load_id DESC LIMIT ?""",
        [limit],
    ).df()


def sha_loaded(con: duckdb.DuckDBPyConnection, sha256: str) -> pd.DataFrame:
    return con.execute(
        "SELECT load_id, loaded_at, file_name FROM loads WHERE sha256 = ? ORDER BY load_id", [sha256]
    ).df()


def targets(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    return con.execute(
        """SELECT t.indicator, u.name AS unit, t.target, t.q1, t.q2, t.q3, t.q4
                          FROM targets t LEFT JOIN units u USING (unit_id)
                          WHERE t.year = ? ORDER BY t.indicator, unit NULLS FIRST""",
        [year],
    ).df()


def scope_units(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """The units offered as a scope for `year`: as units(), without retired units that hold
    no data in that year."""
    frame = units(con)
    with_data = {
        int(r[0])
        for r in con.execute("SELECT DISTINCT unit_id FROM coverage WHERE year = ?", [year]).fetchall()
    }
    keep = ~frame["retired"] | frame["unit_id"].isin(with_data)
    return frame[keep].reset_index(drop=True)
