"""Read-side queries for the pages and the report: units, periods, breakdowns, reporting.

Pages call these and never hold SQL themselves.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from etl import store
from etl.core.dictionary import DATA_KINDS
from etl.store import permissions, tree
from etl.store.history import load_log as load_log  # the history of writes; the pages list it

_SCOPE = f"WITH {tree.SCOPE}"
ROW_LIMIT = 5_000  # rows a page table shows; a national register would otherwise send millions


def _limited(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object], limit: int | None
) -> pd.DataFrame:
    """The first `limit` rows of an ordered query; `frame.attrs["total"]` says how many there are."""
    if limit is None:
        frame = con.execute(sql, params).df()
        frame.attrs["total"] = len(frame)
        return frame
    frame = con.execute(f"{sql}\nLIMIT {limit + 1}", params).df()
    total = len(frame)
    if total > limit:  # counted only when cut: a federation's tables never pay for it
        frame = frame.iloc[:limit].copy()
        total = int(con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0])
    frame.attrs["total"] = total
    return frame


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


_QUARTERS = "(SELECT unnest([1, 2, 3, 4]) AS quarter)"


def periods(con: duckdb.DuckDBPyConnection) -> list[tuple[int, int]]:
    """(year, quarter) pairs that hold any data, newest first."""
    rows = con.execute(
        f"""SELECT DISTINCT r.year, q.quarter
            FROM (SELECT year, bit_or(quarters) AS quarters FROM unit_returns GROUP BY year) r
            CROSS JOIN {_QUARTERS} q
            WHERE (CAST(r.quarters AS INTEGER) >> (q.quarter - 1)) & 1 = 1
            ORDER BY r.year DESC, q.quarter DESC"""
    ).fetchall()
    return [(int(y), int(q)) for y, q in rows]


def period_coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per quarter with any data, newest first: units that sent the membership sheet, units expected to."""
    return con.execute(f"""WITH
        expected_from AS (SELECT first_period AS first_p, count(*) AS n FROM units
                          WHERE reports GROUP BY first_period),
        sent AS (SELECT r.year, q.quarter,
                        count(CASE WHEN (CAST(r.quarters AS INTEGER) >> (q.quarter - 1)) & 1 = 1
                                        AND r.kind = 'membership' THEN 1 END) AS reported,
                        count(CASE WHEN (CAST(r.quarters AS INTEGER) >> (q.quarter - 1)) & 1 = 1
                                   THEN 1 END) AS any_kind
                 FROM unit_returns r JOIN units u USING (unit_id) CROSS JOIN {_QUARTERS} q
                 WHERE u.reports GROUP BY ALL)
        SELECT s.year, s.quarter, s.reported,
               (SELECT coalesce(sum(n), 0) FROM expected_from e
                WHERE e.first_p IS NULL OR e.first_p <= s.year * 10 + s.quarter) AS expected
        FROM sent s WHERE s.any_kind > 0
        ORDER BY s.year DESC, s.quarter DESC""").df()


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
    con: duckdb.DuckDBPyConnection,
    kind: str,
    year: int,
    quarter: int,
    scope: int | None,
    limit: int | None = ROW_LIMIT,
) -> pd.DataFrame:
    """The rows behind a breakdown, with unit names, year to date."""
    if kind not in ("welfare", "activities"):
        raise ValueError(kind)
    return _limited(
        con,
        f"""{_SCOPE}
        SELECT e.date, u.name AS unit, e.* EXCLUDE (unit_id, load_id, date, year)
        FROM {kind} e JOIN scope USING (unit_id) JOIN units u USING (unit_id)
        WHERE e.year = $year AND e.quarter <= $quarter ORDER BY e.date, u.name""",
        {"scope": scope, "year": year, "quarter": quarter},
        limit,
    )


def reporting_matrix(
    con: duckdb.DuckDBPyConnection,
    year: int,
    scope: int | None,
    kind: str | None = None,
    limit: int | None = ROW_LIMIT,
) -> pd.DataFrame:
    """One row per reporting unit × kind × quarter of the year: loaded or not, and when. With `limit`,
    the first `limit` units (by parent and name); `attrs["total"]` counts them all."""
    kinds = [kind] if kind else list(DATA_KINDS)
    chosen = f"""{_SCOPE}
        SELECT u.unit_id, u.name AS unit, p.name AS parent
        FROM units u JOIN scope USING (unit_id) LEFT JOIN units p ON p.unit_id = u.parent_id
        WHERE u.reports ORDER BY parent NULLS FIRST, unit"""
    units = _limited(con, chosen, {"scope": scope}, limit)
    con.register("matrix_units", units[["unit_id", "unit", "parent"]])
    try:
        frame = con.execute(
            """WITH kinds AS (SELECT unnest($kinds) AS kind),
            quarters AS (SELECT unnest([1, 2, 3, 4]) AS quarter)
            SELECT u.unit_id, u.unit, u.parent, k.kind, q.quarter,
                   c.load_id IS NOT NULL AS reported, l.loaded_at, l.file_name
            FROM matrix_units u CROSS JOIN kinds k CROSS JOIN quarters q
            LEFT JOIN coverage c ON c.unit_id = u.unit_id AND c.kind = k.kind AND c.year = $year
                                 AND c.quarter = q.quarter
            LEFT JOIN loads l ON l.load_id = c.load_id
            ORDER BY u.parent NULLS FIRST, u.unit, k.kind, q.quarter""",
            {"year": year, "kinds": kinds},
        ).df()
    finally:
        con.unregister("matrix_units")
    frame.attrs["total"] = units.attrs["total"]
    return frame


def missing_units(
    con: duckdb.DuckDBPyConnection,
    year: int,
    quarter: int,
    scope: int | None,
    kind: str = "membership",
    limit: int | None = ROW_LIMIT,
) -> pd.DataFrame:
    """Units expected to send the quarter's sheet of this kind that have not (未报送), with their last
    report."""
    return _limited(
        con,
        f"""{_SCOPE}
        SELECT u.name AS unit, p.name AS parent,
               (SELECT max(c2.year * 10 + c2.quarter) FROM coverage c2
                WHERE c2.unit_id = u.unit_id AND c2.kind = $kind) AS last_period
        FROM units u JOIN scope USING (unit_id) LEFT JOIN units p ON p.unit_id = u.parent_id
        WHERE {tree.expected_at("$year * 10 + $quarter")} AND NOT EXISTS (
            SELECT 1 FROM coverage c WHERE c.unit_id = u.unit_id AND c.kind = $kind
              AND c.year = $year AND c.quarter = $quarter)
        ORDER BY parent, unit""",
        {"scope": scope, "year": year, "quarter": quarter, "kind": kind},
        limit,
    )


_DUES_YTD = f"""{_SCOPE},
ytd AS (SELECT unit_id, sum(dues_due) AS due, sum(dues_paid) AS paid,
               sum(funds_due) AS funds_due, sum(funds_paid) AS funds_paid, max(paid_on) AS last_paid
        FROM dues JOIN scope USING (unit_id)
        WHERE year = $year AND quarter <= $quarter GROUP BY unit_id),
per_unit AS (SELECT unit_id, CAST(due AS DOUBLE) AS due, CAST(paid AS DOUBLE) AS paid,
                    CAST(greatest(due - paid, 0) AS DOUBLE) AS arrears,
                    CAST(paid AS DOUBLE) / NULLIF(CAST(due AS DOUBLE), 0) AS rate,
                    CAST(funds_due AS DOUBLE) AS funds_due, CAST(funds_paid AS DOUBLE) AS funds_paid,
                    last_paid
             FROM ytd)"""


def dues_by_unit(
    con: duckdb.DuckDBPyConnection,
    year: int,
    quarter: int,
    scope: int | None,
    arrears_only: bool = False,
    limit: int | None = ROW_LIMIT,
) -> pd.DataFrame:
    """Dues year to date per unit: due, paid, arrears (欠缴) and collection rate, largest arrears first."""
    return _limited(
        con,
        f"""{_DUES_YTD}
        SELECT u.name AS unit, p.name AS parent, d.* EXCLUDE (unit_id)
        FROM per_unit d JOIN units u USING (unit_id) LEFT JOIN units p ON p.unit_id = u.parent_id
        {"WHERE d.arrears > 0" if arrears_only else ""}
        ORDER BY d.arrears DESC, unit""",
        {"scope": scope, "year": year, "quarter": quarter},
        limit,
    )


def arrears_total(
    con: duckdb.DuckDBPyConnection, year: int, quarter: int, scope: int | None
) -> tuple[int, float]:
    """Units in arrears (欠缴) year to date, and the amount they owe."""
    units, amount = con.execute(
        f"""{_DUES_YTD}
        SELECT count(*), coalesce(sum(arrears), 0) FROM per_unit WHERE arrears > 0""",
        {"scope": scope, "year": year, "quarter": quarter},
    ).fetchall()[0]
    return int(units), float(amount)


def membership_rows(
    con: duckdb.DuckDBPyConnection,
    year: int,
    quarter: int,
    scope: int | None,
    limit: int | None = ROW_LIMIT,
) -> pd.DataFrame:
    """The membership snapshot rows of the quarter, as loaded."""
    return _limited(
        con,
        f"""{_SCOPE}
        SELECT u.name AS unit, p.name AS parent, u.unit_type, m.* EXCLUDE (unit_id, load_id, year, quarter)
        FROM membership m JOIN scope USING (unit_id) JOIN units u USING (unit_id)
        LEFT JOIN units p ON p.unit_id = u.parent_id
        WHERE m.year = $year AND m.quarter = $quarter ORDER BY parent, unit""",
        {"scope": scope, "year": year, "quarter": quarter},
        limit,
    )


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


def subtree(con: duckdb.DuckDBPyConnection, unit_id: int) -> frozenset[int]:
    """The unit and every unit below it (etl.store.permissions.subtree, for the pages)."""
    return frozenset(permissions.subtree(con, unit_id))


def unit_count(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM units").fetchall()[0][0])


def reporting_units(con: duckdb.DuckDBPyConnection, scope: int | None) -> int:
    """How many reporting units the scope holds (itself included)."""
    return int(
        con.execute(
            f"{_SCOPE} SELECT count(*) FROM units u JOIN scope USING (unit_id) WHERE u.reports",
            {"scope": scope},
        ).fetchall()[0][0]
    )


def children(con: duckdb.DuckDBPyConnection, parent: int | None, year: int) -> pd.DataFrame:
    """The units directly under `parent` (None: the top of the organisation), by name, with whether
    each has units below it; retired units only when they hold data in `year`."""
    return con.execute(
        """SELECT u.unit_id, u.name,
                  EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.unit_id) AS has_children
           FROM units u
           WHERE u.parent_id IS NOT DISTINCT FROM CAST(? AS INTEGER)
             AND (NOT coalesce(u.retired, FALSE)
                  OR EXISTS (SELECT 1 FROM unit_returns r WHERE r.unit_id = u.unit_id AND r.year = ?
                                                            AND r.quarters > 0))
           ORDER BY u.name""",
        [parent, year],
    ).df()


def path_to(con: duckdb.DuckDBPyConnection, unit_id: int) -> list[int]:
    """The unit's ancestors from the top down, and the unit itself."""
    rows = con.execute(
        "SELECT ancestor_id FROM unit_tree WHERE unit_id = ? ORDER BY depth DESC", [unit_id]
    ).fetchall()
    return [int(r[0]) for r in rows]


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


def target_unit_names(con: duckdb.DuckDBPyConnection, limit: int = ROW_LIMIT) -> tuple[list[str], bool]:
    """Names a target can be given to in the editor, sorted; and whether the list was cut.

    Up to `limit` units, all of them. A larger register (a province, the nation) lists the unions
    that have units under them and the units that already hold a target: a list of millions of
    grassroots unions helps nobody, and their targets come by the 年度目标 spreadsheet."""
    total = con.execute("SELECT count(*) FROM units").fetchall()[0][0]
    where = (
        ""
        if total <= limit
        else """WHERE EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.unit_id)
                   OR u.unit_id IN (SELECT unit_id FROM targets WHERE unit_id IS NOT NULL)"""
    )
    names = con.execute(f"SELECT DISTINCT u.name FROM units u {where} ORDER BY u.name").fetchall()
    return [str(n[0]) for n in names if n[0] is not None], total > limit
