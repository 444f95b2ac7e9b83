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

from dataclasses import asdict, dataclass

import duckdb
import numpy as np
import pandas as pd

from etl.core import fmt
from etl.core.dictionary import DATA_KINDS, INDICATOR_BY_ID, INDICATORS, KINDS, Indicator
from etl.core.names import name_key
from etl.core.settings import StatusRules
from etl.indicators import indicator_sums
from etl.store import tree

_EPS = 1e-9


# ------------------------------------------------------------------ values from the quarter sums


def _cumulative(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Year-to-date sums: quarter q holds Q1..q of its year (per group)."""
    frame = frame.sort_values(["group_id", "year", "quarter"])
    filled = frame[columns].apply(pd.to_numeric, errors="coerce").fillna(0)  # a quarter without rows adds 0
    summed = filled.groupby([frame["group_id"], frame["year"]], sort=False).cumsum()
    return frame.assign(**{c: summed[c] for c in columns})


def _fill_quarters(frame: pd.DataFrame, periods: list[tuple[int, int]], groups: list) -> pd.DataFrame:
    """Every (year, quarter ≤ the largest asked, group) gets a row, so cumulative sums see every quarter."""
    years = sorted({y for y, _ in periods})
    last = max(q for _, q in periods)
    grid = pd.MultiIndex.from_product(
        [years, range(1, last + 1), groups], names=["year", "quarter", "group_id"]
    ).to_frame(index=False)
    keys = ["year", "quarter", "group_id"]
    frame = frame.astype({k: "int64" for k in keys if k in frame.columns})
    return grid.astype({k: "int64" for k in keys}).merge(frame, on=keys, how="left")


def _source_values(sums: indicator_sums.QuarterSums, periods, groups) -> dict[str, pd.DataFrame]:
    """Per source: numerators and denominators at each quarter (at-quarter figures) and to date."""
    out = {}
    for source, frame in sums.facts.items():
        filled = _fill_quarters(frame, periods, groups)
        sums_cols = [c for c in filled.columns if c.endswith(("__num", "__den", "__sent"))]  # also *_like__*
        ytd = _cumulative(filled, sums_cols)
        out[source] = filled.merge(ytd, on=["year", "quarter", "group_id"], suffixes=("", "_ytd"))
    return out


def _expected_counts(units: pd.DataFrame, wanted: pd.DataFrame) -> pd.DataFrame:
    """Per (year, quarter, group): units expected to report (all / outside each 不适用 class), units
    that report, and those each class leaves in."""
    flags = [c for c in units.columns if c.startswith("na")]
    cells = wanted.merge(units, on="group_id", how="left")
    period = cells["year"] * 10 + cells["quarter"]
    reports = cells["reports"].fillna(False).astype(bool)
    known = reports & (cells["first_period"].isna() | (cells["first_period"] <= period))
    n = cells["units"].fillna(0)
    out = {"expected_all": n.where(known, 0), "reporting_members": n.where(reports, 0)}
    for flag in flags:
        inside = ~cells[flag].fillna(False).astype(bool)
        out[f"expected_{flag}"] = n.where(known & inside, 0)
        out[f"applicable_{flag}"] = n.where(reports & inside, 0)
    counted = cells[_KEYS].assign(**out)
    return counted.groupby(_KEYS, as_index=False).sum()


_KEYS = ["year", "quarter", "group_id"]


def _returns_long(returns: pd.DataFrame) -> pd.DataFrame:
    """kind, year, quarter, group_id -> at / every / any: units that sent the kind (see indicator_sums)."""
    columns = ["kind", *_KEYS, "at", "every", "any"]
    if returns.empty:
        return pd.DataFrame(columns=columns)
    parts = [
        returns[["kind", "year", "group_id"]].assign(
            quarter=q, at=returns[f"at_{q}"], every=returns[f"every_{q}"], any=returns[f"any_{q}"]
        )
        for q in (1, 2, 3, 4)
        if f"at_{q}" in returns.columns
    ]
    return pd.concat(parts, ignore_index=True)[columns]


def _presence(presence: dict, ind_id: str, wanted: pd.DataFrame, cumulative: bool) -> pd.Series:
    """The organisation has any value of the figure for the quarter (to date for a cumulative one)."""

    def has(y: int, q: int) -> bool:
        quarters = range(1, q + 1) if cumulative else (q,)
        return any(presence.get((ind_id, y, k), False) for k in quarters)

    return pd.Series(
        [has(y, q) for y, q in zip(wanted["year"], wanted["quarter"], strict=True)], index=wanted.index
    )


def _long_from_sums(
    sums: indicator_sums.QuarterSums, periods: list[tuple[int, int]], groups: list
) -> pd.DataFrame:
    """One row per (year, quarter, group, indicator): actual, num, den, coverage, 不适用."""
    wanted = pd.DataFrame(periods, columns=["year", "quarter"]).merge(
        pd.DataFrame({"group_id": groups}), how="cross"
    )
    values = _source_values(sums, periods, groups)
    base = wanted.merge(_expected_counts(sums.units, wanted), on=_KEYS, how="left").fillna(0)
    returns = _returns_long(sums.returns)
    parts = []
    for ind in INDICATORS:
        flag = indicator_sums.na_flag(ind)
        part = base[_KEYS].assign(indicator=ind.id)
        part["expected_units"] = base[f"expected_{flag}" if flag else "expected_all"].astype(int)
        part["not_applicable"] = (
            (base[f"applicable_{flag}"] == 0) & (base["reporting_members"] > 0) if flag else False
        )
        parts.append(_figure(ind, part, values, returns, sums.presence))
    return pd.concat(parts, ignore_index=True)


def _counts(returns: pd.DataFrame, kind: str, rule: str, part: pd.DataFrame) -> pd.Series:
    mine = returns.loc[returns["kind"] == kind, [*_KEYS, rule]]
    merged = part[_KEYS].merge(mine, on=_KEYS, how="left")
    return pd.Series(merged[rule].fillna(0).astype(int).to_numpy(), index=part.index)


def _figure(
    ind: Indicator, part: pd.DataFrame, values: dict, returns: pd.DataFrame, presence: dict
) -> pd.DataFrame:
    if ind.quality:  # 数据报送率: membership sheets at the quarter against the units expected
        reported = _counts(returns, "membership", "at", part)
        present = _presence(presence, ind.id, part, cumulative=False)
        den = part["expected_units"]
        actual = (reported / den.where(den > 0)).where(present)
        return part.assign(actual=actual, num=reported, den=den, reported=reported)
    source = ind.source if indicator_sums.summed(ind) else "participation"
    cumulative = fmt.is_cumulative(ind)
    suffix = "_ytd" if cumulative else ""
    columns = [f"{ind.id}__num{suffix}", f"{ind.id}__sent"] + (
        [f"{ind.id}__den{suffix}"] if ind.kind == "rate" else []
    )
    merged = part[_KEYS].merge(values[source][[*_KEYS, *columns]], on=_KEYS, how="left")
    num = pd.Series(pd.to_numeric(merged[columns[0]], errors="coerce").to_numpy(), index=part.index)
    den = (
        pd.Series(pd.to_numeric(merged[columns[2]], errors="coerce").to_numpy(), index=part.index)
        if ind.kind == "rate"
        else pd.Series(np.nan, index=part.index)
    )
    if cumulative:
        kind, rule = indicator_sums.SPANS[indicator_sums.span_of(ind)]
        reported = _counts(returns, kind, rule, part)
    else:
        reported = pd.Series(merged[columns[1]].fillna(0).astype(int).to_numpy(), index=part.index)
    present = _presence(presence, ind.id, part, cumulative=True)
    out = part.assign(actual=_actual(ind, num, den, present), num=num, den=den, reported=reported)
    like = f"{ind.id}_like__num{suffix}"
    if like in values[source].columns:  # the same figure over the units sent in both years compared
        merged = part[_KEYS].merge(
            values[source][
                [*_KEYS, like, like.replace("__num", "__den")] if ind.kind == "rate" else [*_KEYS, like]
            ],
            on=_KEYS,
            how="left",
        )
        like_num = pd.Series(pd.to_numeric(merged[like], errors="coerce").to_numpy(), index=part.index)
        like_den = (
            pd.Series(
                pd.to_numeric(merged[like.replace("__num", "__den")], errors="coerce").to_numpy(),
                index=part.index,
            )
            if ind.kind == "rate"
            else den
        )
        out["like_actual"] = _actual(ind, like_num, like_den, present)
    return out


def _actual(ind: Indicator, num: pd.Series, den: pd.Series, present: pd.Series) -> pd.Series:
    if ind.kind == "rate":
        return num / den.where(den != 0)
    if ind.kind == "stock":
        return num
    return num.fillna(0).where(present)


def indicator_values(
    con: duckdb.DuckDBPyConnection,
    periods: list[tuple[int, int]],
    scope: int | None = None,
    grouping: str = "total",
    like: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Long form: (year, quarter, group_id, indicator) -> actual, num, den, reported, expected_units,
    not_applicable, for the periods asked; with `like` (year, quarter), also `like_actual`: the figure
    over only the units that sent its kind in both that year and the one before."""
    grouped = indicator_sums.Grouping(grouping, scope)
    years = sorted({y for y, _ in periods})
    quarters = sorted({q for _, q in periods})
    sums = indicator_sums.fetch(con, years, max(quarters), grouped, quarters, like)
    groups = _groups(con, grouped, sums)
    return _long_from_sums(sums, periods, groups)


def _groups(con: duckdb.DuckDBPyConnection, grouping: indicator_sums.Grouping, sums) -> list:
    if grouping.name == "total":
        return [0]
    return sorted(int(g) for g in sums.units["group_id"].unique())


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
    like: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Values, coverage, the targets that apply, expected progress and status, long form.

    Whose target applies follows the grouping: the scope's for a total, each group's own in a ranking.
    """
    long = indicator_values(con, periods, scope, grouping, like)
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
    long = _judged(con, [(year - 1, quarter), (year, quarter)], unit_id, "total", rules, like=(year, quarter))
    now = long[long["year"] == year].set_index("indicator")
    before = long[long["year"] == year - 1].set_index("indicator")
    incomplete = {
        i.id
        for i in INDICATORS
        if not (_coverage(now.loc[i.id]).complete and _coverage(before.loc[i.id]).complete)
    }
    matched = indicator_sums.matched_units(con, year, quarter, unit_id) if incomplete else {}
    result = {}
    for ind in INDICATORS:
        row = now.loc[ind.id]
        actual, previous, yoy_units = _none(row["actual"]), _none(before.loc[ind.id, "actual"]), None
        yoy = _yoy(ind, actual, previous)
        if ind.id in incomplete and not ind.quality:
            # compared like for like: only the units that sent the kind in both years
            previous = _none(before.loc[ind.id, "like_actual"]) if previous is not None else None
            yoy = _yoy(ind, _none(row["like_actual"]), previous)
            yoy_units = matched[indicator_sums.span_of(ind)]
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

    units: tuple[str, ...]  # names, by parent and name (the first _NAMES_MAX)
    last_value: float | None  # the indicator over their last reports (None: none reported before)
    last_units: int  # how many of them reported before
    count: int = -1  # how many units are left out (-1: len(units))

    @property
    def total(self) -> int:
        return self.count if self.count >= 0 else len(self.units)


_LEFT_OUT_KINDS = {"membership": "at", "dues": "every"}  # stocks and rates from a periodic return
_NAMES_MAX = 200  # missing units named: enough for any federation; a national register gets a count


def _expected_units_sql(scope: int | None) -> str:
    """Units of the scope expected to report at $period (see etl.store.tree.expected_at)."""
    grouping = indicator_sums.Grouping("total", scope)
    return f"""SELECT t.unit_id, t.name, t.unit_type, t.parent_id FROM units t {grouping.join()}
               WHERE {tree.expected_at("$period", "t")}"""


def _applies_sql(ind: Indicator) -> str:
    if not ind.not_for:
        return "TRUE"
    types = ", ".join("'" + t.replace("'", "''") + "'" for t in ind.not_for)
    return f"(g.unit_type IS NULL OR g.unit_type NOT IN ({types}))"


def _left_out_sql(kind: str, rule: str, quarter: int, scope: int | None, inds: list[Indicator]) -> str:
    """One row: per indicator, the expected units of the scope without the kind's return for the period
    (count and first names), and the sums over their last reports before it."""
    cols = sorted({f for i in inds for f in (i.numerator, i.denominator) if f and f != "*"})
    picks = ", ".join(
        f"arg_max({c}, year * 10 + quarter) FILTER (WHERE {c} IS NOT NULL) AS {c}" for c in cols
    )
    parts = []
    for ind in inds:
        ok = _applies_sql(ind)
        num = f"l.{ind.numerator}"
        if ind.kind == "rate":
            both = f"{ok} AND {num} IS NOT NULL AND l.{ind.denominator} IS NOT NULL"
            parts += [
                f"sum({num}) FILTER (WHERE {both}) AS {ind.id}__num",
                f"sum(l.{ind.denominator}) FILTER (WHERE {both}) AS {ind.id}__den",
                f"count(*) FILTER (WHERE {both}) AS {ind.id}__known",
            ]
        else:
            parts += [
                f"sum({num}) FILTER (WHERE {ok}) AS {ind.id}__num",
                f"count({num}) FILTER (WHERE {ok}) AS {ind.id}__known",
            ]
        parts += [
            f"count(*) FILTER (WHERE {ok}) AS {ind.id}__count",
            f"list(g.name ORDER BY p.name NULLS FIRST, g.name) FILTER (WHERE {ok})[1:{_NAMES_MAX}] "
            f"AS {ind.id}__names",
        ]
    return f"""WITH exp AS ({_expected_units_sql(scope)}),
sent AS (SELECT r.unit_id FROM unit_returns r
         WHERE r.kind = '{kind}' AND r.year = $year AND {indicator_sums.returned(rule, quarter)}),
gaps AS (SELECT e.* FROM exp e WHERE e.unit_id NOT IN (SELECT unit_id FROM sent)),
last AS (SELECT t.unit_id, {picks} FROM {KINDS[kind].table} t
         WHERE t.unit_id IN (SELECT unit_id FROM gaps) AND t.year * 10 + t.quarter < $period
         GROUP BY t.unit_id)
SELECT {", ".join(parts)}
FROM gaps g LEFT JOIN last l ON l.unit_id = g.unit_id LEFT JOIN units p ON p.unit_id = g.parent_id"""


def left_out(
    con: duckdb.DuckDBPyConnection, year: int, quarter: int, scope: int | None = None
) -> dict[str, LeftOut]:
    """For every stock and rate from a periodic return (会员发展, 会费收缴) whose coverage is incomplete:
    the units not counted and what they reported last time ('未报送的2个单位上次报送会员372人，未计入')."""
    out: dict[str, LeftOut] = {}
    params = {"year": year, "period": year * 10 + quarter, **indicator_sums.Grouping("total", scope).params()}
    for kind, rule in _LEFT_OUT_KINDS.items():
        anyone = con.execute(
            f"SELECT count(*) FROM unit_returns r WHERE r.kind = ? AND r.year = ? "
            f"AND {indicator_sums.returned(rule, quarter)}",
            [kind, year],
        ).fetchall()[0][0]
        if not anyone:  # nothing of the kind for the period: its figures are 无数据, nothing is left out
            continue
        inds = [i for i in INDICATORS if i.source == kind and i.kind != "flow" and not i.quality]
        row = indicator_sums.run(con, _left_out_sql(kind, rule, quarter, scope, inds), params).iloc[0]
        for ind in inds:
            count = _int(row[f"{ind.id}__count"])
            if not count:
                continue
            known = _int(row[f"{ind.id}__known"])
            num = _none(row[f"{ind.id}__num"])
            if ind.kind == "rate":
                den = _none(row[f"{ind.id}__den"])
                value = num / den if known and num is not None and den else None
            else:
                value = num if known else None
            names = row[f"{ind.id}__names"]
            out[ind.id] = LeftOut(tuple(names) if names is not None else (), value, known, count)
    return out


def coverage_by_kind(
    con: duckdb.DuckDBPyConnection, year: int, quarter: int, scope: int | None = None
) -> pd.DataFrame:
    """Per data kind: units that sent it for the quarter, units expected to, and who is missing (the
    first _NAMES_MAX names, by parent union and name; `missing_count` has them all)."""
    params = {"year": year, "period": year * 10 + quarter, **indicator_sums.Grouping("total", scope).params()}
    sent = f"""SELECT kind, unit_id FROM unit_returns
               WHERE year = $year AND (CAST(quarters AS INTEGER) >> {quarter - 1}) & 1 = 1"""
    counts = indicator_sums.run(
        con,
        f"""WITH exp AS ({_expected_units_sql(scope)})
            SELECT (SELECT count(*) FROM exp) AS expected, s.kind, count(*) AS reported
            FROM ({sent}) s WHERE s.unit_id IN (SELECT unit_id FROM exp) GROUP BY s.kind""",
        params,
    )
    if counts.empty:
        expected = int(
            indicator_sums.run(con, f"SELECT count(*) AS n FROM ({_expected_units_sql(scope)})", params)[
                "n"
            ].iloc[0]
        )
    else:
        expected = int(counts["expected"].iloc[0])
    reported = dict(zip(counts["kind"], counts["reported"].astype(int), strict=True))
    rows = []
    for kind in DATA_KINDS:
        got = reported.get(kind, 0)
        missing: list[str] = []
        if got < expected:
            missing = list(
                indicator_sums.run(
                    con,
                    f"""WITH exp AS ({_expected_units_sql(scope)})
                        SELECT e.name FROM exp e LEFT JOIN units p ON p.unit_id = e.parent_id
                        WHERE e.unit_id NOT IN (SELECT unit_id FROM ({sent}) WHERE kind = $kind)
                        ORDER BY p.name NULLS FIRST, e.name LIMIT {_NAMES_MAX}""",
                    {**params, "kind": kind},
                )["name"]
            )
        rows.append((kind, got, expected, missing, expected - got))
    return pd.DataFrame(rows, columns=["kind", "reported", "expected", "missing", "missing_count"])
