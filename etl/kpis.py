"""Indicators against plan, computed in DuckDB from stored numerators and denominators.

The SQL is generated from the indicator dictionary as one chain of named CTEs:
periods -> lineage (unit tree) -> grouping (which units count for which group) ->
facts in the period -> aggregates per group -> values. Rates are ratios of sums, stocks
are read at the chosen quarter, flows are summed from Q1 to the chosen quarter.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import duckdb
import numpy as np
import pandas as pd

from etl.dictionary import INDICATOR_BY_ID, INDICATORS, KINDS, Indicator
from etl.names import name_key
from etl.settings import StatusRules

# source kind -> (CTE for rates and stocks, CTE for flows)
_SOURCE = {
    "membership": ("m_at", "m_ytd"),
    "dues": ("d_ytd", "d_ytd"),
    "welfare": ("w_ytd", "w_ytd"),
    "activities": ("a_members", "a_ytd"),
}
_EPS = 1e-9


def _source_cte(ind: Indicator) -> str:
    at, ytd = _SOURCE[ind.source]
    return ytd if ind.kind == "flow" else at


def _aggregates(ind: Indicator) -> list[str]:
    """SELECT items of the per-group aggregate of the indicator's source CTE."""
    n, d = ind.numerator, ind.denominator
    if ind.kind == "rate":
        both = f"{n} IS NOT NULL AND {d} IS NOT NULL"
        return [
            f"sum({n}) FILTER (WHERE {both}) AS {ind.id}__num",
            f"sum({d}) FILTER (WHERE {both}) AS {ind.id}__den",
        ]
    if n == "*":
        return [f"count(*) AS {ind.id}__num"]
    return [f"sum({n}) AS {ind.id}__num"]


def _presence(ind: Indicator) -> str:
    """A flow is 0, not 'no data', once its kind has data for the period anywhere."""
    table = KINDS[ind.source].table
    has_value = "" if ind.numerator == "*" else f" AND t.{ind.numerator} IS NOT NULL"
    return (
        f"EXISTS (SELECT 1 FROM {table} t WHERE t.year = p.y AND t.quarter <= p.q{has_value}) "
        f"AS {ind.id}__present"
    )


def _value(ind: Indicator) -> str:
    if ind.kind == "rate":
        return f"CAST({ind.id}__num AS DOUBLE) / NULLIF(CAST({ind.id}__den AS DOUBLE), 0) AS {ind.id}"
    if ind.kind == "stock":
        return f"CAST({ind.id}__num AS DOUBLE) AS {ind.id}"
    return f"CASE WHEN {ind.id}__present THEN CAST(coalesce({ind.id}__num, 0) AS DOUBLE) END AS {ind.id}"


_IN_SCOPE = "FROM lineage WHERE CAST($scope AS INTEGER) IS NULL OR ancestor_id = $scope"
_GROUPINGS = {
    # the scope as one group (scope NULL = the whole organisation)
    "total": f"SELECT DISTINCT unit_id, 0 AS group_id {_IN_SCOPE}",
    # every unit in the scope as its own group, for rankings
    "unit": f"SELECT DISTINCT unit_id, unit_id AS group_id {_IN_SCOPE}",
}


@lru_cache(maxsize=4)
def indicator_sql(grouping: str) -> str:
    computed = [i for i in INDICATORS if i.id != "reporting_rate"]
    by_cte: dict[str, list[str]] = {}
    for ind in computed:
        by_cte.setdefault(_source_cte(ind), []).extend(_aggregates(ind))
    agg_ctes = ",\n".join(
        f"agg_{cte} AS (SELECT y, q, group_id, {', '.join(items)} FROM {cte} GROUP BY y, q, group_id)"
        for cte, items in by_cte.items()
    )
    joins = "\n".join(f"LEFT JOIN agg_{cte} USING (y, q, group_id)" for cte in by_cte)
    flows = [i for i in computed if i.kind == "flow"]
    values = ",\n       ".join(
        [_value(i) for i in computed]
        + [f"{i.id}__num" for i in computed]
        + [f"{i.id}__den" for i in computed if i.kind == "rate"]
    )
    return f"""
WITH RECURSIVE
periods AS (SELECT * FROM period_list),
lineage(unit_id, ancestor_id, depth) AS (
    SELECT unit_id, unit_id, 0 FROM units
    UNION ALL
    SELECT l.unit_id, u.parent_id, l.depth + 1
    FROM lineage l JOIN units u ON u.unit_id = l.ancestor_id
    WHERE u.parent_id IS NOT NULL AND l.depth < 30
),
grouping AS ({_GROUPINGS[grouping]}),
m_at AS (SELECT p.y, p.q, g.group_id, m.* FROM periods p
         JOIN membership m ON m.year = p.y AND m.quarter = p.q JOIN grouping g ON g.unit_id = m.unit_id),
m_ytd AS (SELECT p.y, p.q, g.group_id, m.* FROM periods p
          JOIN membership m ON m.year = p.y AND m.quarter <= p.q JOIN grouping g ON g.unit_id = m.unit_id),
d_ytd AS (SELECT p.y, p.q, g.group_id, d.* FROM periods p
          JOIN dues d ON d.year = p.y AND d.quarter <= p.q JOIN grouping g ON g.unit_id = d.unit_id),
w_ytd AS (SELECT p.y, p.q, g.group_id, w.* FROM periods p
          JOIN welfare w ON w.year = p.y AND w.quarter <= p.q JOIN grouping g ON g.unit_id = w.unit_id),
a_ytd AS (SELECT p.y, p.q, g.group_id, a.* FROM periods p
          JOIN activities a ON a.year = p.y AND a.quarter <= p.q JOIN grouping g ON g.unit_id = a.unit_id),
-- each activity against the members of its own unit in its own quarter
a_members AS (SELECT a.y, a.q, a.group_id, a.participants, m.members
              FROM a_ytd a JOIN membership m
                ON m.unit_id = a.unit_id AND m.year = a.year AND m.quarter = a.quarter),
known AS (SELECT g.group_id, count(DISTINCT g.unit_id) AS known_units
          FROM grouping g JOIN units u ON u.unit_id = g.unit_id WHERE u.reports GROUP BY g.group_id),
reported AS (SELECT y, q, group_id, count(DISTINCT unit_id) AS reported_units FROM m_at GROUP BY ALL),
presence AS (SELECT p.y, p.q, {", ".join(_presence(i) for i in flows)},
                    -- no membership sheet at all for the quarter: 报送率 is no data, not 0 %
                    EXISTS (SELECT 1 FROM membership t WHERE t.year = p.y AND t.quarter = p.q)
                        AS reporting_rate__present
             FROM periods p),
{agg_ctes},
cells AS (SELECT p.y, p.q, g.group_id FROM periods p CROSS JOIN (SELECT DISTINCT group_id FROM grouping) g),
joined AS (
    SELECT *
    FROM cells
    {joins}
    LEFT JOIN reported USING (y, q, group_id)
    LEFT JOIN known USING (group_id)
    LEFT JOIN presence USING (y, q)
)
SELECT y AS year, q AS quarter, group_id,
       {values},
       CASE WHEN reporting_rate__present
            THEN CAST(coalesce(reported_units, 0) AS DOUBLE) / NULLIF(known_units, 0) END AS reporting_rate,
       coalesce(reported_units, 0) AS reporting_rate__num, known_units AS reporting_rate__den
FROM joined
ORDER BY year, quarter, group_id
"""


def indicator_values(
    con: duckdb.DuckDBPyConnection,
    periods: list[tuple[int, int]],
    scope: int | None = None,
    grouping: str = "total",
) -> pd.DataFrame:
    """One row per (year, quarter, group) with every indicator's value, numerator, denominator."""
    period_list = pd.DataFrame(periods, columns=["y", "q"]).astype("int32")
    con.register("period_list", period_list)
    try:
        return con.execute(indicator_sql(grouping), {"scope": scope}).df()
    finally:
        con.unregister("period_list")


# ------------------------------------------------------------------ targets and status


def _targets(con: duckdb.DuckDBPyConnection, years: list[int]) -> pd.DataFrame:
    return con.execute("SELECT * FROM targets WHERE list_contains(?, year)", [years]).df()


def resolve_targets(targets: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Per (year, group, indicator): the group's own target; for a rate, else the organisation's.

    `groups` has columns year, group_id, target_unit (the unit whose target applies; NULL = org).
    A flow target of the organisation is its total and is never split among units.
    """
    rate_ids = [i.id for i in INDICATORS if i.kind == "rate"]
    own = groups.merge(
        targets.dropna(subset=["unit_id"]),
        how="inner",
        left_on=["year", "target_unit"],
        right_on=["year", "unit_id"],
    )
    org = targets[targets["unit_id"].isna()]
    org_for_org = groups[groups["target_unit"].isna()].merge(org, on="year")
    org_rates = groups[groups["target_unit"].notna()].merge(org[org["indicator"].isin(rate_ids)], on="year")
    org_rates = org_rates.merge(
        own[["year", "group_id", "indicator"]],
        how="left",
        indicator=True,
        on=["year", "group_id", "indicator"],
    )
    org_rates = org_rates[org_rates["_merge"] == "left_only"].drop(columns="_merge")
    cols = ["year", "group_id", "indicator", "target", "q1", "q2", "q3", "q4"]
    parts = [p[cols] for p in (own, org_for_org, org_rates) if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def judge(long: pd.DataFrame, rules: StatusRules) -> pd.DataFrame:
    """Add expected, achievement and status to rows of (indicator, quarter, actual, target, q1..q4)."""
    kinds = long["indicator"].map(lambda i: INDICATOR_BY_ID[i].kind)
    higher = long["indicator"].map(lambda i: INDICATOR_BY_ID[i].higher_is_better)
    quarter = long["quarter"].astype(int)
    milestone = pd.Series(
        np.select(
            [quarter == q for q in (1, 2, 3, 4)],
            [long.get(f"q{q}", pd.Series(np.nan, index=long.index)) for q in (1, 2, 3, 4)],
            default=np.nan,
        ),
        index=long.index,
        dtype="float64",
    )
    target = long["target"].astype("float64")
    pro_rata = np.where(kinds == "flow", target * quarter / 4, target)
    expected = milestone.where(milestone.notna(), pro_rata)
    actual = long["actual"].astype("float64")
    achievement = actual / target.where(target != 0)
    # rates: behind below expected, ahead from `rate_ahead` points above; flows/stocks: ±tolerance
    is_rate = kinds == "rate"
    gap = np.where(is_rate, actual - expected, actual / expected.where(expected != 0) - 1)
    gap = np.where(higher, gap, -gap)
    behind = np.where(is_rate, gap < -_EPS, gap < -rules.flow_tolerance - _EPS)
    ahead = np.where(is_rate, gap >= rules.rate_ahead - _EPS, gap > rules.flow_tolerance + _EPS)
    status = np.select(
        [actual.isna(), target.isna(), behind, ahead],
        ["no_data", "no_target", "behind", "ahead"],
        default="on_track",
    )
    return long.assign(expected=expected.where(target.notna()), achievement=achievement, status=status)


def _long(values: pd.DataFrame) -> pd.DataFrame:
    ids = [i.id for i in INDICATORS]
    return values.melt(
        id_vars=["year", "quarter", "group_id"], value_vars=ids, var_name="indicator", value_name="actual"
    )


def _with_targets(con: duckdb.DuckDBPyConnection, long: pd.DataFrame, target_unit) -> pd.DataFrame:
    years = sorted({int(y) for y in long["year"]})
    groups = long[["year", "group_id"]].drop_duplicates()
    groups = groups.assign(target_unit=target_unit(groups["group_id"]))
    resolved = resolve_targets(_targets(con, years), groups)
    return long.merge(resolved, how="left", on=["year", "group_id", "indicator"])


def _judged(
    con: duckdb.DuckDBPyConnection,
    periods: list[tuple[int, int]],
    scope: int | None,
    grouping: str,
    rules: StatusRules | None,
) -> pd.DataFrame:
    """Values, the targets that apply, expected progress and status, long form.

    Whose target applies follows the grouping: the scope's for a total, each unit's own in a ranking.
    """
    long = _long(indicator_values(con, periods, scope, grouping))
    if grouping == "unit":
        target_unit = lambda g: g.astype("Int64")  # noqa: E731
    else:
        target_unit = lambda g: pd.Series(scope, index=g.index, dtype="Int64")  # noqa: E731
    return judge(_with_targets(con, long, target_unit), rules or StatusRules.from_env())


# ------------------------------------------------------------------ public API


@dataclass
class Kpi:
    id: str
    actual: float | None
    target: float | None
    expected: float | None
    achievement: float | None
    status: str
    previous: float | None = None  # same quarter of the previous year
    yoy: float | None = None  # rates: change in points (fraction); others: growth ratio

    def contract(self) -> dict:
        """The five keys of the command-line contract."""
        data = asdict(self)
        return {k: data[k] for k in ("actual", "target", "expected", "achievement", "status")}


def _none(x: object) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA else float(x)  # type: ignore[arg-type]


def _yoy(ind: Indicator, current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None:
        return None
    if ind.kind == "rate":
        return current - previous
    return None if previous == 0 else current / previous - 1


def compute(
    con: duckdb.DuckDBPyConnection,
    year: int,
    quarter: int,
    unit_id: int | None = None,
    rules: StatusRules | None = None,
) -> dict[str, Kpi]:
    """Every indicator for one scope (unit and everything below it; None = organisation)."""
    long = _judged(con, [(year, quarter), (year - 1, quarter)], unit_id, "total", rules)
    now = long[long["year"] == year].set_index("indicator")
    before = long[long["year"] == year - 1].set_index("indicator")["actual"]
    result = {}
    for ind in INDICATORS:
        row = now.loc[ind.id]
        actual, previous = _none(row["actual"]), _none(before.get(ind.id))
        result[ind.id] = Kpi(
            ind.id,
            actual,
            _none(row["target"]),
            _none(row["expected"]),
            _none(row["achievement"]),
            str(row["status"]),
            previous,
            _yoy(ind, actual, previous),
        )
    return result


def trend(
    con: duckdb.DuckDBPyConnection, year: int, unit_id: int | None = None, rules: StatusRules | None = None
) -> pd.DataFrame:
    """Every indicator for Q1–Q4 of the year and of the year before (long form)."""
    periods = [(y, q) for y in (year - 1, year) for q in (1, 2, 3, 4)]
    long = _judged(con, periods, unit_id, "total", rules)
    return long.drop(columns=["group_id"])


def by_unit(
    con: duckdb.DuckDBPyConnection,
    year: int,
    quarter: int,
    scope: int | None = None,
    rules: StatusRules | None = None,
) -> pd.DataFrame:
    """Every indicator for every reporting unit in the scope (long form), for rankings."""
    return unit_history(con, year, quarter, scope, rules)


def as_frame(results: dict[str, Kpi], ids: list[str]) -> pd.DataFrame:
    """indicator_id, actual, target, expected, achievement, status: the input of figures.bullet_figure."""
    fields = ("actual", "target", "expected", "achievement", "status")
    return pd.DataFrame([{"indicator_id": i, **{f: getattr(results[i], f) for f in fields}} for i in ids])


class UnknownUnit(LookupError):
    pass


def find_unit(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """A unit id from a name as users write it (brackets, spaces, Traditional)."""
    key = name_key(name)
    rows = con.execute(
        "SELECT unit_id FROM units WHERE name_key = ? UNION "
        "SELECT unit_id FROM unit_aliases WHERE alias_key = ?",
        [key, key],
    ).fetchall()
    if not rows:
        raise UnknownUnit(f"找不到单位「{name}」。请检查名称，或在「单位管理」中查看已有单位")
    return int(rows[0][0])


def unit_history(
    con: duckdb.DuckDBPyConnection,
    year: int,
    quarter: int,
    scope: int | None = None,
    rules: StatusRules | None = None,
) -> pd.DataFrame:
    """by_unit for every quarter Q1..quarter of the year, with `behind_since`: the first quarter
    of the run of 滞后 that reaches the chosen quarter (NaN when not behind now)."""
    periods = [(year, q) for q in range(1, quarter + 1)]
    long = _judged(con, periods, scope, "unit", rules)
    long = long.sort_values(["group_id", "indicator", "quarter"])
    behind = long["status"].eq("behind")
    # a new run starts where the status changes; the run reaching the chosen quarter counts
    run = (behind != behind.groupby([long["group_id"], long["indicator"]]).shift()).cumsum()
    start = long["quarter"].groupby(run).transform("min")
    long["behind_since"] = start.where(behind)
    now = long[long["quarter"] == quarter]
    units = con.execute("""SELECT u.unit_id AS group_id, u.name AS unit, p.name AS parent
                           FROM units u LEFT JOIN units p ON p.unit_id = u.parent_id
                           WHERE u.reports""").df()
    return units.merge(now, on="group_id").rename(columns={"group_id": "unit_id"})
