"""Indicators against plan, computed in DuckDB from stored numerators and denominators.

The SQL is generated from the indicator dictionary as one chain of named CTEs:
periods -> lineage (unit tree) -> grouping (which units count for which group) -> members (单位性质,
expected to report since when) -> facts in the period -> aggregates and coverage per group ->
expected units per group -> values. Rates are ratios of sums, stocks are read at the chosen quarter,
flows are summed from Q1 to the chosen quarter. A unit whose 单位性质 an indicator does not apply to
is left out of its numerator, denominator and coverage.

Coverage: per indicator, the units that sent what the indicator needs for the period (non-blank
cells; for a year-to-date figure every quarter since the unit is known; for event lists at least one
record) against the units expected to. When it is incomplete in either year, 同比 compares like for
like: only the units that sent the kind in both periods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache

import duckdb
import numpy as np
import pandas as pd

from etl import tree
from etl.dictionary import DATA_KINDS, INDICATOR_BY_ID, INDICATORS, KINDS, Indicator, applies
from etl.names import name_key
from etl.settings import StatusRules

# source kind -> (CTE for rates and stocks, CTE for flows)
_SOURCE = {
    "membership": ("m_at", "m_ytd"),
    "dues": ("d_ytd", "d_ytd"),
    "welfare": ("w_ytd", "w_ytd"),
    "activities": ("a_members", "a_ytd"),
}
# how each source CTE tells whether a unit sent what an indicator needs
_AT_QUARTER, _EVERY_QUARTER, _ANY_RECORD = "at", "every", "any"
_SPAN = {
    "m_at": _AT_QUARTER,
    "m_ytd": _EVERY_QUARTER,
    "d_ytd": _EVERY_QUARTER,
    "w_ytd": _ANY_RECORD,
    "a_ytd": _ANY_RECORD,
    "a_members": _ANY_RECORD,
}
_EPS = 1e-9


def _source_cte(ind: Indicator) -> str:
    at, ytd = _SOURCE[ind.source]
    return ytd if ind.kind == "flow" else at


def _applies(ind: Indicator, column: str = "unit_type") -> str:
    if not ind.not_for:
        return "TRUE"
    kinds = ", ".join(f"'{k}'" for k in ind.not_for)
    return f"({column} IS NULL OR {column} NOT IN ({kinds}))"


def _sent(ind: Indicator) -> str:
    """The row carries what the indicator needs: blank cells are 'not reported', never 0."""
    fields = [f for f in (ind.numerator, ind.denominator) if f and f != "*"]
    return " AND ".join(f"{f} IS NOT NULL" for f in fields) or "TRUE"


def _aggregates(ind: Indicator) -> list[str]:
    """SELECT items of the per-group aggregate of the indicator's source CTE."""
    n, d, keep = ind.numerator, ind.denominator, f"{_sent(ind)} AND {_applies(ind)}"
    items = []
    if ind.kind == "rate":
        items += [
            f"sum({n}) FILTER (WHERE {keep}) AS {ind.id}__num",
            f"sum({d}) FILTER (WHERE {keep}) AS {ind.id}__den",
        ]
    elif n == "*":
        items.append(f"count(*) FILTER (WHERE {keep}) AS {ind.id}__num")
    else:
        items.append(f"sum({n}) FILTER (WHERE {keep}) AS {ind.id}__num")
    if _SPAN[_source_cte(ind)] != _EVERY_QUARTER:
        items.append(f"count(DISTINCT unit_id) FILTER (WHERE {keep}) AS {ind.id}__reported")
    return items


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
    # every unit in the scope as its own group, for rankings of grassroots units
    "unit": f"SELECT DISTINCT unit_id, unit_id AS group_id {_IN_SCOPE}",
    # the scope's direct children, each with everything below it (rankings of 上级工会)
    "child": """SELECT DISTINCT l.unit_id, l.ancestor_id AS group_id
                FROM lineage l JOIN units c ON c.unit_id = l.ancestor_id
                WHERE c.parent_id IS NOT DISTINCT FROM CAST($scope AS INTEGER)""",
}

# Units that sent a kind in both periods (year, quarter) and (year - 1, quarter), for like-for-like 同比.
# the first quarter of year {y} a unit is expected in (5: not yet known that year)
_FIRST_Q = (
    "CASE WHEN f.first_p IS NULL OR f.first_p // 10 < {y} THEN 1 "
    "WHEN f.first_p // 10 = {y} THEN f.first_p % 10 ELSE 5 END"
)


def _matched(kind: str, span: str) -> str:
    name = f"matched_{span}_{kind}"
    where = f"c.kind = '{kind}' AND c.year IN ($year, $year - 1)"
    if span == _AT_QUARTER:
        return f"""{name} AS (SELECT c.unit_id FROM coverage c WHERE {where} AND c.quarter = $quarter
            GROUP BY c.unit_id HAVING count(DISTINCT c.year) = 2)"""
    if span == _ANY_RECORD:
        return f"""{name} AS (SELECT c.unit_id FROM coverage c WHERE {where} AND c.quarter <= $quarter
            GROUP BY c.unit_id HAVING count(DISTINCT c.year) = 2)"""
    needed = {y: f"($quarter - {_FIRST_Q.format(y=y)} + 1)" for y in ("$year", "($year - 1)")}
    return f"""{name} AS (SELECT c.unit_id FROM coverage c LEFT JOIN firsts f USING (unit_id)
            WHERE {where} AND c.quarter <= $quarter
            GROUP BY c.unit_id, f.first_p
            HAVING count(DISTINCT c.quarter) FILTER (WHERE c.year = $year) = {needed["$year"]}
               AND count(DISTINCT c.quarter) FILTER (WHERE c.year = $year - 1) = {needed["($year - 1)"]}
               AND {needed["$year"]} > 0 AND {needed["($year - 1)"]} > 0)"""


_FACT_SPANS = {"m_at": ("membership", _AT_QUARTER), "m_ytd": ("membership", _EVERY_QUARTER),
               "d_ytd": ("dues", _EVERY_QUARTER), "w_ytd": ("welfare", _ANY_RECORD),
               "a_ytd": ("activities", _ANY_RECORD)}  # fmt: skip


def _restrict(cte: str, matched: bool) -> str:
    if not matched:
        return ""
    kind, span = _FACT_SPANS[cte]
    return f" AND t.unit_id IN (SELECT unit_id FROM matched_{span}_{kind})"


def _ytd_coverage(cte: str, inds: list[Indicator]) -> str:
    """Per unit: quarters sent since the unit is known (first_q); then the units that sent every one."""
    counts = ", ".join(f"count(DISTINCT quarter) FILTER (WHERE {_sent(i)}) AS {i.id}__nq" for i in inds)
    reported = ", ".join(
        f"count(*) FILTER (WHERE {i.id}__nq >= q - first_q + 1 AND {_applies(i)}) AS {i.id}__reported"
        for i in inds
    )
    first_q = _FIRST_Q.format(y="y").replace("f.first_p", "first_p")
    return f"""{cte}_units AS (SELECT y, q, group_id, unit_id, any_value(unit_type) AS unit_type,
                   any_value({first_q}) AS first_q, {counts}
               FROM {cte} GROUP BY y, q, group_id, unit_id),
cov_{cte} AS (SELECT y, q, group_id, {reported} FROM {cte}_units GROUP BY y, q, group_id)"""


def _expected(inds: Sequence[Indicator]) -> str:
    expected = tree.expected_at("p.y * 10 + p.q", unit="m", first="m")
    items = []
    for ind in inds:
        items.append(
            f"count(*) FILTER (WHERE {expected} AND {_applies(ind, 'm.unit_type')}) AS {ind.id}__expected"
        )
        if ind.not_for:  # among the units that report: a parent union has no 单位性质 of its own
            items.append(
                f"count(*) FILTER (WHERE m.reports AND {_applies(ind, 'm.unit_type')}) "
                f"AS {ind.id}__applicable"
            )
    items.append("count(*) FILTER (WHERE m.reports) AS reporting_members")
    return f"""expected AS (SELECT p.y, p.q, m.group_id, {", ".join(items)}
              FROM periods p CROSS JOIN members m GROUP BY p.y, p.q, m.group_id)"""


@lru_cache(maxsize=8)
def indicator_sql(grouping: str, matched: bool = False) -> str:
    computed = [i for i in INDICATORS if i.id != "reporting_rate"]
    by_cte: dict[str, list[Indicator]] = {}
    for ind in computed:
        by_cte.setdefault(_source_cte(ind), []).append(ind)
    agg_ctes = ",\n".join(
        f"agg_{cte} AS (SELECT y, q, group_id, {', '.join(x for i in inds for x in _aggregates(i))} "
        f"FROM {cte} GROUP BY y, q, group_id)"
        for cte, inds in by_cte.items()
    )
    ytd = [cte for cte in by_cte if _SPAN[cte] == _EVERY_QUARTER]
    cov_ctes = ",\n".join(_ytd_coverage(cte, by_cte[cte]) for cte in ytd)
    joins = "\n".join(f"LEFT JOIN agg_{cte} USING (y, q, group_id)" for cte in by_cte)
    joins += "\n" + "\n".join(f"LEFT JOIN cov_{cte} USING (y, q, group_id)" for cte in ytd)
    flows = [i for i in computed if i.kind == "flow"]
    values = ",\n       ".join(
        [_value(i) for i in computed]
        + [f"{i.id}__num" for i in computed]
        + [f"{i.id}__den" for i in computed if i.kind == "rate"]
        + [f"coalesce({i.id}__reported, 0) AS {i.id}__reported" for i in computed]
        + [f"{i.id}__expected" for i in INDICATORS]
        + [f"{i.id}__applicable" for i in INDICATORS if i.not_for]
        + ["coalesce(reporting_members, 0) AS reporting_members"]
    )
    matched_ctes = ""
    if matched:
        matched_ctes = ",\n".join(_matched(kind, span) for kind, span in _FACT_SPANS.values()) + ","
    return f"""
WITH RECURSIVE
periods AS (SELECT * FROM period_list),
{tree.LINEAGE},
{tree.FIRSTS},
grouping AS ({_GROUPINGS[grouping]}),
members AS (SELECT g.unit_id, g.group_id, u.unit_type, u.reports, f.first_p
            FROM grouping g JOIN units u USING (unit_id) LEFT JOIN firsts f USING (unit_id)),
{matched_ctes}
m_at AS (SELECT p.y, p.q, g.group_id, g.unit_type, t.* FROM periods p
         JOIN membership t ON t.year = p.y AND t.quarter = p.q JOIN members g ON g.unit_id = t.unit_id
         WHERE TRUE{_restrict("m_at", matched)}),
m_ytd AS (SELECT p.y, p.q, g.group_id, g.unit_type, g.first_p, t.* FROM periods p
          JOIN membership t ON t.year = p.y AND t.quarter <= p.q JOIN members g ON g.unit_id = t.unit_id
          WHERE TRUE{_restrict("m_ytd", matched)}),
d_ytd AS (SELECT p.y, p.q, g.group_id, g.unit_type, g.first_p, t.* FROM periods p
          JOIN dues t ON t.year = p.y AND t.quarter <= p.q JOIN members g ON g.unit_id = t.unit_id
          WHERE TRUE{_restrict("d_ytd", matched)}),
w_ytd AS (SELECT p.y, p.q, g.group_id, g.unit_type, t.* FROM periods p
          JOIN welfare t ON t.year = p.y AND t.quarter <= p.q JOIN members g ON g.unit_id = t.unit_id
          WHERE TRUE{_restrict("w_ytd", matched)}),
a_ytd AS (SELECT p.y, p.q, g.group_id, g.unit_type, t.* FROM periods p
          JOIN activities t ON t.year = p.y AND t.quarter <= p.q JOIN members g ON g.unit_id = t.unit_id
          WHERE TRUE{_restrict("a_ytd", matched)}),
-- each activity against the members of its own unit in its own quarter
a_members AS (SELECT a.y, a.q, a.group_id, a.unit_type, a.unit_id, a.participants, m.members
              FROM a_ytd a JOIN membership m
                ON m.unit_id = a.unit_id AND m.year = a.year AND m.quarter = a.quarter),
{_expected(INDICATORS)},
reported AS (SELECT y, q, group_id, count(DISTINCT unit_id) AS reported_units FROM m_at GROUP BY ALL),
presence AS (SELECT p.y, p.q, {", ".join(_presence(i) for i in flows)},
                    -- no membership sheet at all for the quarter: 报送率 is no data, not 0 %
                    EXISTS (SELECT 1 FROM membership t WHERE t.year = p.y AND t.quarter = p.q)
                        AS reporting_rate__present
             FROM periods p),
{agg_ctes},
{cov_ctes},
cells AS (SELECT p.y, p.q, g.group_id FROM periods p CROSS JOIN (SELECT DISTINCT group_id FROM grouping) g),
joined AS (
    SELECT *
    FROM cells
    {joins}
    LEFT JOIN expected USING (y, q, group_id)
    LEFT JOIN reported USING (y, q, group_id)
    LEFT JOIN presence USING (y, q)
)
SELECT y AS year, q AS quarter, group_id,
       {values},
       CASE WHEN reporting_rate__present
            THEN CAST(coalesce(reported_units, 0) AS DOUBLE) / NULLIF(reporting_rate__expected, 0)
       END AS reporting_rate,
       coalesce(reported_units, 0) AS reporting_rate__num, reporting_rate__expected AS reporting_rate__den,
       coalesce(reported_units, 0) AS reporting_rate__reported
FROM joined
ORDER BY year, quarter, group_id
"""


def indicator_values(
    con: duckdb.DuckDBPyConnection,
    periods: list[tuple[int, int]],
    scope: int | None = None,
    grouping: str = "total",
    matched: bool = False,
) -> pd.DataFrame:
    """One row per (year, quarter, group): every indicator's value, numerator, denominator and coverage.

    matched=True (periods: one quarter and the same quarter a year before) keeps only the units that
    sent the indicator's kind in both, so the two values compare like for like.
    """
    period_list = pd.DataFrame(periods, columns=["y", "q"]).astype("int32")
    year, quarter = max(periods)
    con.register("period_list", period_list)
    try:
        params: dict[str, object] = {"scope": scope}
        if matched:
            params |= {"year": year, "quarter": quarter}
        return con.execute(indicator_sql(grouping, matched), params).df()
    finally:
        con.unregister("period_list")


# ------------------------------------------------------------------ targets and status


def _targets(con: duckdb.DuckDBPyConnection, years: list[int]) -> pd.DataFrame:
    return con.execute("SELECT * FROM targets WHERE list_contains(?, year)", [years]).df()


def resolve_targets(targets: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Per (year, group, indicator): the group's own target; for a rate, else the organisation's.

    `groups` has columns year, group_id, target_unit (the unit whose target applies; NULL = org).
    A flow target of the organisation is its total and is never split among units. The result's
    `target_of` says whose target it is: 'own' (the group's unit or, for a total, the scope) or 'org'
    (an organisation-wide rate standing for every unit).
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
    cols = ["year", "group_id", "indicator", "target", "q1", "q2", "q3", "q4", "target_of"]
    parts = [
        p.assign(target_of=whose)[cols]
        for p, whose in ((own, "own"), (org_for_org, "own"), (org_rates, "org"))
        if not p.empty
    ]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def judge(long: pd.DataFrame, rules: StatusRules) -> pd.DataFrame:
    """Add expected, achievement, progress and status to rows of (indicator, quarter, actual, target, q1..q4).

    One rule for every indicator (StatusRules): Q1–Q3 compare with expected progress, Q4 with the target.
    """
    higher = long["indicator"].map(lambda i: INDICATOR_BY_ID[i].higher_is_better).astype(bool)
    flow = long["indicator"].map(lambda i: INDICATOR_BY_ID[i].kind == "flow").astype(bool)
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
    pro_rata = np.where(flow, target * quarter / 4, target)
    expected = milestone.where(milestone.notna(), pro_rata)
    actual = long["actual"].astype("float64")
    achievement = actual / target.where(target != 0)
    ratio = actual / expected.where(expected != 0)
    progress = pd.Series(np.where(higher, ratio, 1 / ratio.where(ratio != 0)), index=long.index)
    # 完成 when 完成率 reaches 100 % as printed (one decimal): 99.96 % shows as 100.0 % and is 完成
    met = np.where(higher, (achievement * 1000).round() >= 1000, actual <= target + _EPS)
    year_end = quarter == 4
    not_applicable = long.get("not_applicable", pd.Series(False, index=long.index)).fillna(False).astype(bool)
    status = np.select(
        [
            not_applicable,
            actual.isna(),
            target.isna(),
            year_end & met,
            year_end,
            progress < 1 - rules.tolerance - _EPS,
            progress >= 1 + rules.tolerance - _EPS,
        ],
        ["not_applicable", "no_data", "no_target", "met", "missed", "behind", "ahead"],
        default="on_track",
    )
    return long.assign(
        expected=expected.where(target.notna()), achievement=achievement, progress=progress, status=status
    )


def _long(values: pd.DataFrame) -> pd.DataFrame:
    """Wide values -> one row per (year, quarter, group, indicator) with actual and coverage."""
    keys = ["year", "quarter", "group_id"]
    parts = []
    for ind in INDICATORS:
        part = values[keys].copy()
        part["indicator"] = ind.id
        part["actual"] = values[ind.id]
        part["reported"] = values[f"{ind.id}__reported"]
        part["expected_units"] = values[f"{ind.id}__expected"]
        if ind.not_for:  # every unit of the group is of a 单位性质 the indicator does not apply to
            part["not_applicable"] = (values[f"{ind.id}__applicable"] == 0) & (
                values["reporting_members"] > 0
            )
        else:
            part["not_applicable"] = False
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


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
    """Values, coverage, the targets that apply, expected progress and status, long form.

    Whose target applies follows the grouping: the scope's for a total, each group's own in a ranking.
    """
    long = _long(indicator_values(con, periods, scope, grouping))
    if grouping == "total":
        target_unit = lambda g: pd.Series(scope, index=g.index, dtype="Int64")  # noqa: E731
    else:
        target_unit = lambda g: g.astype("Int64")  # noqa: E731
    return judge(_with_targets(con, long, target_unit), rules or StatusRules.from_env())


# ------------------------------------------------------------------ public API


@dataclass(frozen=True)
class Coverage:
    """Units that sent what an indicator needs for the period, against the units expected to."""

    reported: int
    expected: int

    @property
    def complete(self) -> bool:
        return self.reported >= self.expected


@dataclass
class Kpi:
    id: str
    actual: float | None
    target: float | None
    expected: float | None
    achievement: float | None
    status: str
    previous: float | None = None  # same quarter of the previous year, on the units `yoy` compares
    yoy: float | None = None  # rates: change in points (fraction); others: growth ratio
    coverage: Coverage | None = None
    # 同比 on the units that sent the kind in both years (their number) when coverage was incomplete;
    # None when every expected unit is compared
    yoy_units: int | None = None

    def contract(self) -> dict:
        """The command-line contract: five keys, and the coverage of the figure."""
        data = asdict(self)
        out = {k: data[k] for k in ("actual", "target", "expected", "achievement", "status")}
        cov = self.coverage
        out["coverage"] = {"reported": cov.reported, "expected": cov.expected} if cov else None
        return out


def _none(x: object) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA else float(x)  # type: ignore[arg-type]


def _int(x: object) -> int:
    value = _none(x)
    return 0 if value is None else int(value)


def _yoy(ind: Indicator, current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None:
        return None
    if ind.kind == "rate":
        return current - previous
    return None if previous == 0 else current / previous - 1


def _coverage(row: pd.Series) -> Coverage:
    return Coverage(_int(row["reported"]), _int(row["expected_units"]))


def compute(
    con: duckdb.DuckDBPyConnection,
    year: int,
    quarter: int,
    unit_id: int | None = None,
    rules: StatusRules | None = None,
) -> dict[str, Kpi]:
    """Every indicator for one scope (unit and everything below it; None = organisation)."""
    long = _judged(con, [(year - 1, quarter), (year, quarter)], unit_id, "total", rules)
    now = long[long["year"] == year].set_index("indicator")
    before = long[long["year"] == year - 1].set_index("indicator")
    incomplete = [
        i.id
        for i in INDICATORS
        if not (_coverage(now.loc[i.id]).complete and _coverage(before.loc[i.id]).complete)
    ]
    matched = None
    if incomplete:
        matched = _long(indicator_values(con, [(year - 1, quarter), (year, quarter)], unit_id, matched=True))
        matched = matched.set_index(["indicator", "year"])
    result = {}
    for ind in INDICATORS:
        row = now.loc[ind.id]
        actual, previous, yoy_units = _none(row["actual"]), _none(before.loc[ind.id, "actual"]), None
        yoy = _yoy(ind, actual, previous)
        if matched is not None and ind.id in incomplete:
            current_like = _none(matched.loc[(ind.id, year), "actual"])
            previous = _none(matched.loc[(ind.id, year - 1), "actual"])
            yoy = _yoy(ind, current_like, previous)
            yoy_units = _int(matched.loc[(ind.id, year), "reported"])
        result[ind.id] = Kpi(
            ind.id,
            actual,
            _none(row["target"]),
            _none(row["expected"]),
            _none(row["achievement"]),
            str(row["status"]),
            previous,
            yoy,
            _coverage(row),
            yoy_units,
        )
    return result


def trend(
    con: duckdb.DuckDBPyConnection,
    year: int,
    quarter: int = 4,
    unit_id: int | None = None,
    rules: StatusRules | None = None,
) -> pd.DataFrame:
    """Every indicator for Q1–Q4 of the year before and Q1..quarter of the year (long form), with
    coverage (reported, expected_units) per quarter: nothing later than the chosen quarter."""
    periods = [(year - 1, q) for q in (1, 2, 3, 4)] + [(year, q) for q in range(1, int(quarter) + 1)]
    long = _judged(con, periods, unit_id, "total", rules)
    return long.drop(columns=["group_id"])


def as_frame(results: dict[str, Kpi], ids: list[str]) -> pd.DataFrame:
    """indicator_id, actual, target, expected, achievement, status, reported, expected_units: the input
    of figures.bullet_figure."""
    fields = ("actual", "target", "expected", "achievement", "status")
    rows = []
    for i in ids:
        k, cov = results[i], results[i].coverage
        rows.append(
            {
                "indicator_id": i,
                **{f: getattr(k, f) for f in fields},
                "reported": cov.reported if cov else None,
                "expected_units": cov.expected if cov else None,
            }
        )
    return pd.DataFrame(rows)


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


def has_sub_unions(con: duckdb.DuckDBPyConnection, scope: int | None) -> bool:
    """True when a child of the scope has children of its own: its rankings can rank 上级工会 too."""
    rows = con.execute(
        """SELECT count(*) FROM units c JOIN units g ON g.parent_id = c.unit_id
           WHERE c.parent_id IS NOT DISTINCT FROM CAST(? AS INTEGER)""",
        [scope],
    ).fetchall()
    return rows[0][0] > 0


def unit_history(
    con: duckdb.DuckDBPyConnection,
    year: int,
    quarter: int,
    scope: int | None = None,
    rules: StatusRules | None = None,
    level: str = "unit",
) -> pd.DataFrame:
    """Every indicator for every group of the scope, Q1..quarter of the year, judged against the group's
    own target (or an organisation-wide rate), with `behind_since`: the first quarter of the run of 滞后
    that reaches the chosen quarter (NaN when not behind now).

    level "unit": each reporting unit of the scope; "child": each direct child of the scope (上级工会 and
    units directly under it), with everything below it.
    """
    if level not in ("unit", "child"):
        raise ValueError(level)
    periods = [(year, q) for q in range(1, quarter + 1)]
    long = _judged(con, periods, scope, level, rules)
    long = long.sort_values(["group_id", "indicator", "quarter"])
    behind = long["status"].eq("behind")
    # a new run starts where the status changes; the run reaching the chosen quarter counts
    run = (behind != behind.groupby([long["group_id"], long["indicator"]]).shift()).cumsum()
    start = long["quarter"].groupby(run).transform("min")
    long["behind_since"] = start.where(behind)
    now = long[long["quarter"] == quarter]
    which = "u.reports" if level == "unit" else "TRUE"
    units = con.execute(f"""SELECT u.unit_id AS group_id, u.name AS unit, p.name AS parent, u.unit_type
                            FROM units u LEFT JOIN units p ON p.unit_id = u.parent_id
                            WHERE {which}""").df()
    return units.merge(now, on="group_id").rename(columns={"group_id": "unit_id"})


# ------------------------------------------------------------------ what incomplete coverage leaves out


@dataclass(frozen=True)
class LeftOut:
    """Units expected for a stock or a rate that did not send it, and their figure at their last report."""

    units: tuple[str, ...]  # names, by parent and name
    last_value: float | None  # the indicator over their last reports (None: none reported before)
    last_units: int  # how many of them reported before


_LEFT_OUT_KINDS = ("membership", "dues")


def _left_out_sql(kind: str, inds: list[Indicator]) -> str:
    at_quarter = kind == "membership"
    cols = sorted({f for i in inds for f in (i.numerator, i.denominator) if f and f != "*"})
    if at_quarter:
        sent = ", ".join(f"bool_or({_sent(i)}) AS {i.id}__sent" for i in inds)
        window = "year = $year AND quarter = $quarter"
    else:  # year to date: every quarter since the unit is known
        first_q = _FIRST_Q.format(y="$year")
        sent = ", ".join(
            f"count(DISTINCT quarter) FILTER (WHERE {_sent(i)}) >= $quarter - any_value({first_q}) + 1 "
            f"AS {i.id}__sent"
            for i in inds
        )
        window = "year = $year AND quarter <= $quarter"
    last_cols = ", ".join(
        f"arg_max({c}, year * 10 + quarter) FILTER (WHERE {c} IS NOT NULL) AS last_{c}" for c in cols
    )
    table = KINDS[kind].table
    return f"""WITH RECURSIVE {tree.LINEAGE}, {tree.SCOPE}, {tree.FIRSTS},
exp AS (SELECT u.unit_id, u.name, u.unit_type, p.name AS parent, f.first_p
        FROM units u JOIN scope USING (unit_id) LEFT JOIN firsts f USING (unit_id)
        LEFT JOIN units p ON p.unit_id = u.parent_id
        WHERE {tree.expected_at("$year * 10 + $quarter")}),
now AS (SELECT t.unit_id, {sent} FROM {table} t JOIN exp f USING (unit_id) WHERE {window} GROUP BY t.unit_id),
gaps AS (SELECT exp.unit_id FROM exp LEFT JOIN now USING (unit_id)
         WHERE now.unit_id IS NULL OR NOT ({" AND ".join(f"now.{i.id}__sent" for i in inds)})),
last AS (SELECT unit_id, max(year * 10 + quarter) AS last_period, {last_cols}
         FROM {table}
         WHERE unit_id IN (SELECT unit_id FROM gaps) AND year * 10 + quarter < $year * 10 + $quarter
         GROUP BY unit_id)
SELECT exp.unit_id, exp.name, exp.parent, exp.unit_type, last.* EXCLUDE (unit_id),
       {", ".join(f"coalesce(now.{i.id}__sent, FALSE) AS {i.id}__sent" for i in inds)}
FROM exp LEFT JOIN now USING (unit_id) LEFT JOIN last USING (unit_id)
ORDER BY exp.parent NULLS FIRST, exp.name"""


def left_out(
    con: duckdb.DuckDBPyConnection, year: int, quarter: int, scope: int | None = None
) -> dict[str, LeftOut]:
    """For every stock and rate from a periodic return (会员发展, 会费收缴) whose coverage is incomplete:
    the units not counted and what they reported last time ('未报送的2个单位上次报送会员372人，未计入')."""
    out: dict[str, LeftOut] = {}
    for kind in _LEFT_OUT_KINDS:
        inds = [i for i in INDICATORS if i.source == kind and i.kind != "flow" and not i.quality]
        units = con.execute(
            _left_out_sql(kind, inds), {"year": year, "quarter": quarter, "scope": scope}
        ).df()
        for ind in inds:
            mine = units[[applies(ind, t if isinstance(t, str) else None) for t in units["unit_type"]]]
            sent = mine[f"{ind.id}__sent"].astype(bool)
            if sent.all() or not sent.any():  # complete, or not collected at all (then it is 无数据)
                continue
            rows = mine[~sent]
            num = pd.to_numeric(rows.get(f"last_{ind.numerator}"), errors="coerce")
            if ind.kind == "rate":
                den = pd.to_numeric(rows.get(f"last_{ind.denominator}"), errors="coerce")
                both = num.notna() & den.notna()
                value = (
                    float(num[both].sum()) / float(den[both].sum())
                    if both.any() and den[both].sum()
                    else None
                )
                known = int(both.sum())
            else:
                value = float(num.sum()) if num.notna().any() else None
                known = int(num.notna().sum())
            out[ind.id] = LeftOut(tuple(rows["name"]), value, known)
    return out


def coverage_by_kind(
    con: duckdb.DuckDBPyConnection, year: int, quarter: int, scope: int | None = None
) -> pd.DataFrame:
    """Per data kind: units that sent it for the quarter, units expected to, and who is missing."""
    rows = con.execute(
        f"""WITH RECURSIVE {tree.LINEAGE}, {tree.SCOPE}, {tree.FIRSTS},
        exp AS (SELECT u.unit_id, u.name, p.name AS parent FROM units u JOIN scope USING (unit_id)
                LEFT JOIN firsts f USING (unit_id) LEFT JOIN units p ON p.unit_id = u.parent_id
                WHERE {tree.expected_at("$year * 10 + $quarter")}),
        kinds AS (SELECT unnest($kinds) AS kind)
        SELECT k.kind, count(c.unit_id) AS reported, count(*) AS expected,
               list(e.name ORDER BY e.parent NULLS FIRST, e.name) FILTER (WHERE c.unit_id IS NULL) AS missing
        FROM kinds k CROSS JOIN exp e
        LEFT JOIN (SELECT DISTINCT kind, unit_id FROM coverage WHERE year = $year AND quarter = $quarter) c
               ON c.kind = k.kind AND c.unit_id = e.unit_id
        GROUP BY k.kind""",
        {"year": year, "quarter": quarter, "scope": scope, "kinds": list(DATA_KINDS)},
    ).df()
    rows["missing"] = rows["missing"].map(lambda v: [] if v is None or v is pd.NA else list(v))
    order = {k: n for n, k in enumerate(DATA_KINDS)}
    return rows.sort_values("kind", key=lambda s: s.map(order)).reset_index(drop=True)
