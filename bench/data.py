# ruff: noqa: E501 - SQL and the name lists read better unbroken
"""Synthetic data for the benchmark, generated in DuckDB SQL (never through the ETL).

Deterministic: every "random" number is a hash of (seed, row keys), so the same parameters
give the same data on any machine and with any number of threads. Results are cached under
bench/.cache/, keyed by the parameters.

The organisation is a 4-level tree: 全国总工会 -> 31 省总工会 -> 市总工会 -> grassroots unions
(基层工会, the only units that report). Sizes follow the national federation: about
2.8 million grassroots unions, 8 quarters of membership and dues, ~5 million events.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from etl import store
from etl.core.dictionary import ACTIVITY_CATEGORIES, INDICATORS, WELFARE_CATEGORIES
from etl.store import derived

CACHE = Path(__file__).resolve().parent / ".cache"

PROVINCES = [
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
]
# characters of place and brand names, and the trades and forms of grassroots units
PLACE = "安宁平江阳山华兴东西南北昌德丰庆泰嘉荣和新长永定清临海河湖川林金玉石岭春明吉乐福顺盛武文龙凤云天汉宜通成元泉源溪"
BRAND = "鑫达恒信华瑞宏泰盛隆天元嘉禾博通远航正大金鼎银河中兴汇丰力行新创永安众诚开源云海万象同心百川"
TRADES = [
    "机械制造",
    "电子科技",
    "纺织服装",
    "食品加工",
    "建筑工程",
    "物流运输",
    "化工材料",
    "医药",
    "商贸",
    "软件信息",
    "汽车零部件",
    "新能源",
    "环保科技",
    "印刷包装",
    "家具制造",
    "酒店餐饮",
    "物业服务",
    "农业发展",
    "矿业",
    "电力设备",
]
FORMS = ("有限公司", "股份有限公司", "集团有限公司", "有限责任公司", "实业有限公司", "厂")
PUBLIC = ("第一中学", "人民医院", "中心小学", "社区卫生服务中心", "供电公司", "税务局", "职业技术学院")
ACTIVITY_TITLES = ("职工趣味运动会", "安全生产知识竞赛", "读书分享会", "技能比武", "健康讲座", "志愿服务日")


@dataclass(frozen=True)
class Scale:
    """What to generate. grassroots = reporting units; provinces x cities_per_province cities."""

    grassroots: int
    provinces: int = 31
    cities_per_province: int = 11
    years: tuple[int, ...] = (2024, 2025)
    events: int = 0  # welfare + activities records over all years
    seed: int = 20250101
    report_share: float = 0.95  # share of units that send each quarter's sheets

    def key(self) -> str:
        # the schema version too: a database generated for an older schema is not reused
        text = json.dumps({**asdict(self), "schema": SCHEMA_VERSION}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


SCHEMA_VERSION = 2  # 2: unit_tree, unit_returns, units.first_period (etl/store/derived.py)
NATIONAL = Scale(grassroots=2_800_000, events=5_000_000)
FEDERATION = Scale(grassroots=1_000, provinces=1, cities_per_province=4, events=4_000)


def _u(seed: int, *keys: str, tag: str) -> str:
    """SQL for a uniform number in [0, 1) from a hash of the seed, the row's keys and a tag
    (one independent number per tag)."""
    return f"(hash({seed}, {', '.join(keys)}, '{tag}') % 1000000007) / 1000000007.0"


def _pick(options: tuple[str, ...] | str, index_sql: str) -> str:
    items = list(options)
    literal = "[" + ", ".join("'" + x + "'" for x in items) + "]"
    return f"{literal}[1 + CAST(floor(({index_sql}) * {len(items)}) AS INTEGER) % {len(items)}]"


def _city_names(s: Scale) -> list[str]:
    """City names, unique within their province (c belongs to province c % provinces)."""
    rng = random.Random(s.seed)
    names: list[str] = []
    taken: set[str] = set()
    for c in range(s.provinces * s.cities_per_province):
        while True:
            name = PROVINCES[c % s.provinces] + rng.choice(PLACE) + rng.choice(PLACE) + "市"
            if name not in taken:
                break
        taken.add(name)
        names.append(name)
    return names


def _units_sql(s: Scale) -> list[str]:
    """Units: id 1 = 中华全国总工会, then provinces, cities, grassroots; names unique."""
    cities = s.provinces * s.cities_per_province
    first_city = 2 + s.provinces
    seed = s.seed
    province_rows = ", ".join(f"({2 + p}, '{PROVINCES[p]}总工会', 1, FALSE)" for p in range(s.provinces))
    city_rows = ", ".join(
        f"({first_city + c}, '{name}总工会', {2 + c % s.provinces}, FALSE)"
        for c, name in enumerate(_city_names(s))
    )
    return [
        """CREATE TEMP TABLE gen_units (unit_id INTEGER, name VARCHAR, parent_id INTEGER, reports BOOLEAN)""",
        "INSERT INTO gen_units VALUES (1, '中华全国总工会', NULL, FALSE)",
        f"INSERT INTO gen_units VALUES {province_rows}",
        f"INSERT INTO gen_units VALUES {city_rows}",
        # grassroots unit g sits under city g % cities (skewed a little: big cities get more)
        f"""CREATE TEMP TABLE gen_grass AS
            SELECT {first_city + cities} + g AS unit_id,
                   {first_city} + CAST(floor(pow({_u(seed, "g", tag="city")}, 1.3) * {cities}) AS INTEGER)
                       AS parent_id,
                   CASE WHEN {_u(seed, "g", tag="public")} < 0.12
                        THEN {_pick(BRAND, _u(seed, "g", tag="b1"))} || {_pick(PUBLIC, _u(seed, "g", tag="pub"))}
                        ELSE {_pick(BRAND, _u(seed, "g", tag="b1"))} || {_pick(BRAND, _u(seed, "g", tag="b2"))}
                             || {_pick(tuple(TRADES), _u(seed, "g", tag="t"))}
                             || {_pick(FORMS, _u(seed, "g", tag="f"))}
                   END AS base
            FROM range({s.grassroots}) t(g)""",
        # the city's own name (without its province) before the unit's; duplicates get a branch number
        """INSERT INTO gen_units
            SELECT unit_id,
                   short || CASE WHEN n > 1 THEN '第' || n || '分公司' ELSE '' END || '工会', parent_id, TRUE
            FROM (SELECT g.unit_id, g.parent_id,
                         regexp_replace(c.name, '^.*?(省|自治区|北京市|天津市|上海市|重庆市)|总工会$', '', 'g')
                             || g.base AS short,
                         row_number() OVER (PARTITION BY short ORDER BY g.unit_id) AS n
                  FROM gen_grass g JOIN gen_units c ON c.unit_id = g.parent_id)""",
    ]


def _membership_sql(s: Scale, load_of: str) -> str:
    seed = s.seed
    u = lambda tag: _u(seed, "m.unit_id", tag=tag)  # noqa: E731 - per-unit constants
    uq = lambda tag: _u(seed, "m.unit_id", "m.year", "m.quarter", tag=tag)  # noqa: E731
    return f"""
INSERT INTO membership (year, quarter, unit_id, employees, members, employees_female, members_female,
                        employees_migrant, members_migrant, new_members, orgs_total, orgs_unionized,
                        new_unions, contracts_signed, wage_agreements, female_contracts, load_id)
SELECT year, quarter, unit_id, employees, members, employees_female, members_female,
       employees_migrant, members_migrant, new_members, orgs_total, orgs_unionized,
       new_unions, contracts_signed, wage_agreements, female_contracts, {load_of}
FROM (
  SELECT m.*,
         CAST(round(employees * (0.62 + 0.36 * {u("rate")}) + 0.01 * employees * ({uq("drift")} - 0.5)) AS BIGINT)
             AS members,
         CAST(round(employees * (0.25 + 0.35 * {u("female")})) AS BIGINT) AS employees_female,
         CAST(round(employees * 0.4 * {u("migrant")}) AS BIGINT) AS employees_migrant,
         CAST(floor(employees * 0.03 * {uq("new")}) AS BIGINT) AS new_members,
         CAST(1 + floor(4 * {u("orgs")}) AS BIGINT) AS orgs_total,
         CAST(CASE WHEN {uq("newunion")} < 0.01 THEN 1 ELSE 0 END AS BIGINT) AS new_unions
  FROM (
    SELECT g.unit_id, y.year, q.quarter,
           -- employees: log-normal-ish, median ~60, a long tail of big employers
           CAST(greatest(3, round(exp(4.1 + 1.2 * (({_u(seed, "g.unit_id", tag="e1")} + {_u(seed, "g.unit_id", tag="e2")}
                + {_u(seed, "g.unit_id", tag="e3")} - 1.5) * 2)) * (1 + 0.02 * (y.year - 2024) + 0.005 * q.quarter))) AS BIGINT)
               AS employees
    FROM gen_units g, (SELECT unnest({list(s.years)}) AS year) y, (SELECT unnest([1, 2, 3, 4]) AS quarter) q
    WHERE g.reports
      AND {_u(seed, "g.unit_id", "y.year", "q.quarter", tag="reports")} < {s.report_share}
  ) m
) m2
CROSS JOIN LATERAL (
  SELECT CAST(round(m2.members * (m2.employees_female / greatest(m2.employees, 1)) * 0.97) AS BIGINT)
             AS members_female,
         CAST(round(m2.employees_migrant * 0.8) AS BIGINT) AS members_migrant,
         m2.orgs_total - CASE WHEN m2.orgs_total > 1 AND m2.new_members % 5 = 0 THEN 1 ELSE 0 END
             AS orgs_unionized
) x
CROSS JOIN LATERAL (
  SELECT CAST(floor(x.orgs_unionized * 0.9) AS BIGINT) AS contracts_signed,
         CAST(floor(x.orgs_unionized * 0.7) AS BIGINT) AS wage_agreements,
         CAST(floor(x.orgs_unionized * 0.6) AS BIGINT) AS female_contracts
) z"""


def _dues_sql(s: Scale, load_of: str) -> str:
    seed = s.seed
    return f"""
INSERT INTO dues (year, quarter, unit_id, dues_due, dues_paid, funds_due, funds_paid, paid_on, load_id)
SELECT year, quarter, unit_id, due, paid, funds_due, round(funds_due * (0.8 + 0.2 * r3), 2),
       make_date(year, quarter * 3, 10 + CAST(floor(r2 * 15) AS INTEGER)), {load_of}
FROM (
  SELECT m.year, m.quarter, m.unit_id,
         round(m.members * 0.5 * 3 * (8 + 10 * {_u(seed, "m.unit_id", tag="wage")}), 2) AS due,
         round(due * CASE WHEN {_u(seed, "m.unit_id", "m.year", "m.quarter", tag="late")} < 0.1
                          THEN 0.5 ELSE 0.97 + 0.03 * {_u(seed, "m.unit_id", tag="pay")} END, 2) AS paid,
         round(m.employees * 1500 * 3 * 0.02, 2) AS funds_due,
         {_u(seed, "m.unit_id", "m.year", "m.quarter", tag="day")} AS r2,
         {_u(seed, "m.unit_id", "m.year", "m.quarter", tag="funds")} AS r3
  FROM membership m
)"""


def _events_sql(s: Scale, table: str, count: int, first_load: int) -> str:
    seed = s.seed
    days = (f"{min(s.years)}-01-01", f"{max(s.years)}-12-31")
    grass_first = 2 + s.provinces + s.provinces * s.cities_per_province
    day = f"""(DATE '{days[0]}' + CAST(floor({_u(seed, "e", tag=table + "d")}
              * (DATE '{days[1]}' - DATE '{days[0]}' + 1)) AS INTEGER))"""
    unit = (
        f"{grass_first} + CAST(floor(pow({_u(seed, 'e', tag=table + 'u')}, 1.5) * {s.grassroots}) AS INTEGER)"
    )
    if table == "welfare":
        select = f"""{_pick(WELFARE_CATEGORIES, _u(seed, "e", tag="wc"))},
               CAST(1 + floor(20 * pow({_u(seed, "e", tag="wb")}, 3)) AS BIGINT),
               round(200 + 5000 * pow({_u(seed, "e", tag="wa")}, 2), 2), NULL"""
        cols = "category, beneficiaries, amount, note"
    else:
        select = f"""{_pick(ACTIVITY_TITLES, _u(seed, "e", tag="at"))},
               {_pick(ACTIVITY_CATEGORIES, _u(seed, "e", tag="ac"))},
               CAST(5 + floor(200 * pow({_u(seed, "e", tag="ap")}, 2)) AS BIGINT) AS participants,
               CAST(floor(participants * 0.45) AS BIGINT),
               round(100 * participants * {_u(seed, "e", tag="aco")}, 2)"""
        cols = "title, category, participants, participants_female, cost"
    return f"""
INSERT INTO {table} (year, quarter, unit_id, date, {cols}, load_id)
SELECT year(d), quarter(d), unit_id, d, * EXCLUDE (d, unit_id, e), {first_load} + 4 * (year(d) - {min(s.years)})
       + quarter(d) - 1
FROM (SELECT e, {day} AS d, {unit} AS unit_id, {select} FROM range({count}) t(e))"""


def _targets_sql(s: Scale) -> list[str]:
    """Whole-organisation targets for every year: rates a fixed standard, flows and stocks 5 %
    above what the data holds for the year (so some indicators run ahead, some behind)."""
    out = []
    tables = {"membership": "membership", "dues": "dues", "welfare": "welfare", "activities": "activities"}
    for year in s.years:
        for ind in INDICATORS:
            if ind.kind == "rate":
                value = "0.9" if ind.id != "activity_participation_rate" else "0.05"
            else:
                column = "count(*)" if ind.numerator == "*" else f"sum({ind.numerator})"
                quarter = "AND quarter = 4" if ind.kind == "stock" else ""
                value = f"(SELECT round(coalesce({column}, 0) * 1.05) FROM {tables[ind.source]} WHERE year = {year} {quarter})"
            out.append(
                f"INSERT INTO targets (year, indicator, unit_id, target, load_id) "
                f"SELECT {year}, '{ind.id}', NULL, {value}, 1"
            )
    return out


def build_database(path: Path, s: Scale) -> Path:
    """A database file with units, facts, coverage, targets and a load log, as loads would leave it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.duckdb")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        store.ensure_schema(con)
        for sql in _units_sql(s):
            con.execute(sql)
        # the generated names are simplified, without spaces or half-width brackets: the
        # name key is the name with brackets folded (etl.core.names.name_key; a test checks)
        con.execute("""INSERT INTO units (unit_id, name, name_key, parent_id, reports)
                       SELECT unit_id, name, lower(replace(replace(name, '（', '('), '）', ')')),
                              parent_id, reports FROM gen_units ORDER BY unit_id""")
        years = list(s.years)
        # one load per kind and quarter, numbered like a real history
        load_of = f"1 + 4 * (year - {min(years)}) + quarter - 1"
        con.execute(_membership_sql(s, load_of))
        con.execute(_dues_sql(s, f"100 + {load_of}"))
        if s.events:
            con.execute(_events_sql(s, "welfare", s.events // 2, 200))
            con.execute(_events_sql(s, "activities", s.events - s.events // 2, 300))
        for kind in ("membership", "dues", "welfare", "activities"):
            con.execute(f"""INSERT INTO coverage SELECT DISTINCT '{kind}', year, quarter, unit_id, min(load_id)
                            OVER (PARTITION BY year, quarter) FROM {kind}""")
        for sql in _targets_sql(s):
            con.execute(sql)
        con.execute("""INSERT INTO loads (load_id, file_name, sha256, kind, periods, rows_loaded, units,
                                          warnings, loaded_at, user_name)
                       SELECT load_id, 'synthetic.xlsx', '', 'synthetic', '', count(*), count(DISTINCT unit_id),
                              0, now(), 'bench' FROM coverage GROUP BY load_id""")
        _advance_sequences(con)
        derived.rebuild_all(con)  # the tree and per-unit returns every write keeps (etl/store/derived.py)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp.replace(path)
    return path


def _advance_sequences(con: duckdb.DuckDBPyConnection) -> None:
    """Sequences past the generated ids, so a later load creates units and loads with new ids."""
    for seq, table, column in (("unit_ids", "units", "unit_id"), ("load_ids", "loads", "load_id")):
        top = con.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchall()[0][0]
        con.execute(f"DROP SEQUENCE {seq}")
        con.execute(f"CREATE SEQUENCE {seq} START {top + 1}")


def cached_database(s: Scale, label: str) -> Path:
    """The generated database for these parameters (built once, then reused)."""
    path = CACHE / f"{label}-{s.key()}.duckdb"
    if not path.exists():
        build_database(path, s)
    return path


def copy_database(source: Path, target: Path) -> Path:
    target.unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


# ---------------------------------------------------------------- workbooks

MEMBERSHIP_HEADERS = (
    ("单位名称", "u.name"),
    ("上级工会", "p.name"),
    ("职工人数", "employees"),
    ("会员人数", "members"),
    ("女职工人数", "employees_female"),
    ("女会员人数", "members_female"),
    ("农民工人数", "employees_migrant"),
    ("农民工会员人数", "members_migrant"),
    ("新发展会员", "new_members"),
    ("应建会单位数", "orgs_total"),
    ("已建会单位数", "orgs_unionized"),
    ("新建工会组织数", "new_unions"),
    ("签订集体合同单位数", "contracts_signed"),
    ("签订工资专项集体合同单位数", "wage_agreements"),
    ("签订女职工权益保护专项集体合同单位数", "female_contracts"),
)


def membership_rows(db: Path, year: int, quarter: int, limit: int) -> list[tuple]:
    """One quarter's membership sheet of a generated database, as a provincial roll-up sends it:
    every unit with its 上级工会 (the city federation)."""
    columns = ", ".join(sql if "." in sql else f"m.{sql}" for _, sql in MEMBERSHIP_HEADERS)
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            f"""SELECT {columns} FROM membership m JOIN units u USING (unit_id)
                JOIN units p ON p.unit_id = u.parent_id
                WHERE m.year = ? AND m.quarter = ? ORDER BY m.unit_id LIMIT ?""",
            [year, quarter, limit],
        ).fetchall()


def write_membership_workbook(path: Path, rows: list[tuple], year: int, quarter: int) -> Path:
    """An .xlsx as an office sends it: a title row naming the period, the header, the units,
    and a 合计 row under them (xlsxwriter in constant-memory mode, shared strings like Excel)."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    sheet = book.add_worksheet(f"{year}年第{'一二三四'[quarter - 1]}季度")
    width = len(MEMBERSHIP_HEADERS)
    sheet.merge_range(0, 0, 0, width - 1, f"{year}年第{'一二三四'[quarter - 1]}季度会员发展情况统计表")
    sheet.write_row(1, 0, [h for h, _ in MEMBERSHIP_HEADERS])
    for r, row in enumerate(rows, start=2):
        sheet.write_row(r, 0, row)
    totals = ["合计", ""] + [sum(row[c] or 0 for row in rows) for c in range(2, width)]
    sheet.write_row(len(rows) + 2, 0, totals)
    book.close()
    tmp.replace(path)
    return path


PROVINCE = Scale(grassroots=330_000, provinces=1, cities_per_province=14, events=0)


def cached_membership_workbook(rows: int, year: int = 2025, quarter: int = 1, s: Scale = PROVINCE) -> Path:
    """A membership workbook of `rows` grassroots unions of one province (cached)."""
    path = CACHE / f"membership-{rows}-{year}Q{quarter}-{s.key()}.xlsx"
    if not path.exists():
        db = cached_database(s, "province")
        write_membership_workbook(path, membership_rows(db, year, quarter, rows), year, quarter)
    return path
