"""A deterministic, realistic demo federation (滨江市总工会), written as the spreadsheets
its units would send, then loaded through the real pipeline.

The data is built so that every page has something to show: 2024 and 2025 for 同比, two
units that did not send their 2025 Q4 membership sheet (未报送), one unit that only
exists from 2025, units in dues arrears, and targets with a mix of 超前/正常/滞后.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import pandas as pd

from etl.core import settings
from etl.core.dictionary import KINDS
from etl.outputs.templates import write_frame_xlsx

ORG_NAME = "滨江市总工会"
YEARS = (2024, 2025)
QUARTERS = (1, 2, 3, 4)
SEED = 2025
QUARTER_ZH = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}

EDU = "滨江市教育工会"
HEALTH = "滨江市卫生健康系统工会"
ORGAN = "滨江市机关工会联合会"
STREET = "江滨街道工会联合会"
PARENTS = (EDU, HEALTH, ORGAN, STREET)


@dataclass(frozen=True)
class Sector:
    dues: float  # union dues per member per quarter (元)
    funds: float  # union funds to remit per employee per quarter (元)
    growth: float  # headcount growth per quarter
    turnover: float  # share of members leaving per quarter (replaced by new joiners)


# 单位性质 by sector, as each unit writes it on its membership sheet
SECTOR_TYPE = {
    "edu": "事业单位",
    "health": "事业单位",
    "organ": "机关",
    "soe": "企业",
    "private": "企业",
    "street": "企业",
}

SECTORS = {
    "edu": Sector(60, 180, 0.002, 0.003),
    "health": Sector(66, 216, 0.004, 0.004),
    "organ": Sector(75, 192, 0.0, 0.002),
    "soe": Sector(54, 168, 0.003, 0.004),
    "private": Sector(36, 120, 0.008, 0.010),
    "street": Sector(30, 100, 0.012, 0.012),
}


@dataclass(frozen=True)
class DemoUnit:
    name: str
    parent: str
    sector: str
    employees: int  # headcount at the end of 2023
    female: float  # share of women among employees
    migrant: float  # share of migrant workers among employees
    rate: float  # 2024 membership rate
    orgs: int = 1  # organisations covered (groups and street federations cover several)
    contracts: tuple[int, int, int] = (1, 1, 1)  # signs: collective / wage / female-rights contract
    since: int = 2024  # first year with data


UNITS: tuple[DemoUnit, ...] = (
    DemoUnit("滨江市第一中学", EDU, "edu", 420, 0.62, 0.02, 0.994, contracts=(1, 0, 1)),
    DemoUnit("滨江市第二中学", EDU, "edu", 360, 0.64, 0.02, 0.990, contracts=(1, 0, 1)),
    DemoUnit("滨江市实验小学", EDU, "edu", 280, 0.78, 0.01, 0.995, contracts=(1, 0, 1)),
    DemoUnit("滨江市江南小学", EDU, "edu", 190, 0.80, 0.01, 0.990, contracts=(1, 0, 1)),
    DemoUnit("滨江市职业技术学校", EDU, "edu", 310, 0.52, 0.03, 0.985, contracts=(1, 0, 1)),
    DemoUnit("滨江市第三幼儿园", EDU, "edu", 85, 0.95, 0.04, 0.980, contracts=(1, 0, 1)),
    DemoUnit("滨江市第一人民医院（东院）", HEALTH, "health", 1850, 0.70, 0.05, 0.985),
    DemoUnit("滨江市第一人民医院（西院）", HEALTH, "health", 1100, 0.70, 0.05, 0.980),
    DemoUnit("滨江市中医院", HEALTH, "health", 900, 0.66, 0.04, 0.985),
    DemoUnit("滨江市妇幼保健院", HEALTH, "health", 650, 0.86, 0.03, 0.990),
    DemoUnit("滨江市疾病预防控制中心", HEALTH, "health", 220, 0.58, 0.0, 0.995),
    DemoUnit("滨江市急救中心", HEALTH, "health", 180, 0.40, 0.06, 0.970),
    DemoUnit("江滨街道社区卫生服务中心", HEALTH, "health", 95, 0.72, 0.03, 0.980, contracts=(1, 0, 1)),
    DemoUnit("滨江市财政局", ORGAN, "organ", 160, 0.45, 0.0, 1.000, contracts=(0, 0, 0)),
    DemoUnit("滨江市人力资源和社会保障局", ORGAN, "organ", 210, 0.50, 0.0, 0.995, contracts=(0, 0, 0)),
    DemoUnit("滨江市住房和城乡建设局", ORGAN, "organ", 190, 0.36, 0.0, 0.995, contracts=(0, 0, 0)),
    DemoUnit("滨江市市场监督管理局", ORGAN, "organ", 380, 0.42, 0.0, 0.990, contracts=(0, 0, 0)),
    DemoUnit("滨江市自然资源和规划局", ORGAN, "organ", 230, 0.38, 0.0, 0.990, contracts=(0, 0, 0)),
    DemoUnit("滨江市交通运输局", ORGAN, "organ", 300, 0.30, 0.02, 0.985, contracts=(0, 0, 0)),
    DemoUnit("滨江市城市管理局", ORGAN, "organ", 420, 0.28, 0.12, 0.960, contracts=(0, 0, 0)),
    DemoUnit("滨江市统计局", ORGAN, "organ", 48, 0.46, 0.0, 1.000, contracts=(0, 0, 0)),
    DemoUnit("滨江港务集团有限公司", STREET, "soe", 1850, 0.16, 0.25, 0.975, orgs=5),
    DemoUnit("滨江水务集团有限公司", STREET, "soe", 850, 0.30, 0.08, 0.985, orgs=3),
    DemoUnit("滨江市公共交通有限公司", STREET, "soe", 1750, 0.22, 0.18, 0.975),
    DemoUnit("江滨街道非公企业联合工会", STREET, "street", 1800, 0.38, 0.60, 0.950, orgs=48),
    DemoUnit("江滨街道沿江社区工会联合会", STREET, "street", 650, 0.45, 0.40, 0.955, orgs=22),
    DemoUnit("滨江恒达物流（集团）有限公司", STREET, "private", 520, 0.20, 0.50, 0.920),
    DemoUnit("江滨电子科技有限公司", STREET, "private", 780, 0.55, 0.45, 0.965),
    DemoUnit("江滨绿源食品有限公司", STREET, "private", 340, 0.60, 0.55, 0.900, contracts=(1, 1, 0)),
    DemoUnit("滨江华信建设工程有限公司", STREET, "private", 460, 0.10, 0.70, 0.870, contracts=(1, 0, 0)),
    DemoUnit(
        "江滨新材料科技有限公司", STREET, "private", 150, 0.30, 0.45, 0.960, contracts=(0, 0, 0), since=2025
    ),
)
UNIT_BY_NAME = {u.name: u for u in UNITS}

# The traps, named so tests and other modules can refer to them.
NOT_REPORTED_2025_Q4 = ("滨江市统计局", "江滨绿源食品有限公司")
JOINED_2025 = "江滨新材料科技有限公司"
# unit -> {(year, quarter): share of dues actually paid}
DUES_ARREARS: dict[str, dict[tuple[int, int], float]] = {
    "滨江恒达物流（集团）有限公司": {(2025, 3): 0.5, (2025, 4): 0.0},
    "江滨电子科技有限公司": {(2025, 4): 0.6},
    "滨江华信建设工程有限公司": {(2024, 4): 0.9, (2025, 2): 0.8, (2025, 3): 0.0, (2025, 4): 0.0},
}


class _StreetPlan(TypedDict):
    unionized: int
    new_orgs: tuple[int, ...]
    new_unions: tuple[int, ...]
    contracts: dict[int, tuple[float, float, float]]


# Street federations cover many small enterprises: per quarter (2024Q1..2025Q4), how many
# enterprises appear in the area and how many new unions are founded.
_STREET_GROWTH: dict[str, _StreetPlan] = {
    "江滨街道非公企业联合工会": {
        "unionized": 35,
        "new_orgs": (1, 0, 1, 1, 1, 1, 0, 1),
        "new_unions": (2, 1, 2, 3, 3, 2, 2, 3),
        "contracts": {2024: (0.76, 0.70, 0.60), 2025: (0.81, 0.80, 0.63)},
    },
    "江滨街道沿江社区工会联合会": {
        "unionized": 18,
        "new_orgs": (0, 1, 0, 0, 1, 0, 1, 0),
        "new_unions": (0, 1, 0, 1, 1, 0, 1, 1),
        "contracts": {2024: (0.80, 0.72, 0.65), 2025: (0.87, 0.83, 0.70)},
    },
}
_RATE_GAIN_2025 = 0.005  # membership drives make 2025 a little better than 2024
_MIGRANT_GAP = {2024: 0.11, 2025: 0.09}  # migrant workers join less often than others


def periods() -> Iterator[tuple[int, int]]:
    for year in YEARS:
        for quarter in QUARTERS:
            yield year, quarter


def _day(rng: random.Random, year: int, month: int, first: int = 1, last: int = 31) -> dt.date:
    last = min(last, calendar.monthrange(year, month)[1])
    return dt.date(year, month, rng.randint(first, last))


# ---------------------------------------------------------------- membership


def _street_orgs(unit: DemoUnit, index: int, year: int) -> dict[str, int]:
    plan = _STREET_GROWTH[unit.name]
    total = unit.orgs + sum(plan["new_orgs"][: index + 1])
    unionized = plan["unionized"] + sum(plan["new_unions"][: index + 1])
    c, w, f = plan["contracts"][year]
    return {
        "orgs_total": total,
        "orgs_unionized": unionized,
        "new_unions": plan["new_unions"][index],
        "contracts_signed": round(unionized * c),
        "wage_agreements": round(unionized * w),
        "female_contracts": round(unionized * f),
    }


def _single_orgs(unit: DemoUnit, year: int, quarter: int, first: bool) -> dict[str, int | None]:
    contract, wage, female = unit.contracts
    signs = SECTOR_TYPE[unit.sector] != "机关"  # a government organ signs no 集体合同: the cells stay blank
    if unit.name == JOINED_2025 and (year, quarter) >= (2025, 3):
        contract = 1  # the new union signed its first collective contract in Q3
    return {
        "orgs_total": unit.orgs,
        "orgs_unionized": unit.orgs,
        "new_unions": 1 if first and unit.since > YEARS[0] else 0,
        "contracts_signed": unit.orgs * contract if signs else None,
        "wage_agreements": unit.orgs * wage if signs else None,
        "female_contracts": unit.orgs * female if signs else None,
    }


def _unit_membership(rng: random.Random, unit: DemoUnit) -> list[dict]:
    sector = SECTORS[unit.sector]
    employees_prev = unit.employees
    members_prev = 0 if unit.since > YEARS[0] else round(unit.employees * unit.rate)
    rows: list[dict] = []
    for index, (year, quarter) in enumerate(periods()):
        if year < unit.since:
            continue
        employees = max(1, round(employees_prev * (1 + sector.growth + rng.uniform(-0.004, 0.004))))
        gain = _RATE_GAIN_2025 if year == 2025 else 0.0
        rate = min(1.0, unit.rate + gain + rng.uniform(-0.002, 0.002))
        members = min(employees, round(employees * rate))
        leavers = round(members_prev * sector.turnover * rng.uniform(0.6, 1.4))
        employees_female = round(employees * unit.female)
        employees_migrant = round(employees * unit.migrant)
        migrant_rate = min(1.0, rate - _MIGRANT_GAP[year] + rng.uniform(-0.01, 0.01))
        row = {
            "year": year,
            "quarter": quarter,
            "unit": unit.name,
            "parent": unit.parent,
            "unit_type": SECTOR_TYPE[unit.sector],
            "employees": employees,
            "members": members,
            "employees_female": employees_female,
            "members_female": min(
                employees_female, members, round(employees_female * min(1.0, rate + 0.004))
            ),
            "employees_migrant": employees_migrant,
            "members_migrant": min(employees_migrant, round(employees_migrant * migrant_rate)),
            "new_members": max(0, members - members_prev + leavers),
        }
        first = not rows
        row.update(
            _street_orgs(unit, index, year)
            if unit.name in _STREET_GROWTH
            else _single_orgs(unit, year, quarter, first)
        )
        rows.append(row)
        employees_prev, members_prev = employees, members
    return rows


def _reported(unit_name: str, year: int, quarter: int) -> bool:
    return not ((year, quarter) == (2025, 4) and unit_name in NOT_REPORTED_2025_Q4)


# ---------------------------------------------------------------- dues


def _dues_rows(rng: random.Random, membership: list[dict]) -> list[dict]:
    rows = []
    for m in membership:
        unit = UNIT_BY_NAME[m["unit"]]
        sector = SECTORS[unit.sector]
        due = round(m["members"] * sector.dues * rng.uniform(0.97, 1.03))
        funds = round(m["employees"] * sector.funds * rng.uniform(0.97, 1.03))
        share = DUES_ARREARS.get(unit.name, {}).get((m["year"], m["quarter"]), 1.0)
        last_month = m["quarter"] * 3
        paid_on = _day(rng, m["year"], last_month, 5, 25)
        rows.append(
            {
                "year": m["year"],
                "quarter": m["quarter"],
                "unit": unit.name,
                "dues_due": due,
                "dues_paid": round(due * share),
                # union funds are collected by the tax office, so they arrive in full
                "funds_due": funds,
                "funds_paid": funds,
                "paid_on": paid_on if share > 0 else None,
            }
        )
    return rows


# ---------------------------------------------------------------- welfare


@dataclass(frozen=True)
class WelfareItem:
    category: str
    quarter: int
    months: tuple[int, ...]
    chance: float  # probability that a unit runs it that quarter
    share: tuple[float, float] | None  # beneficiaries as a share of members ...
    fixed: tuple[int, int] | None  # ... or a small fixed number of people
    amounts: tuple[int, ...]  # 元 per beneficiary
    note: str


_WELFARE_PLAN = (
    WelfareItem(
        "送温暖",
        1,
        (1, 2),
        0.80,
        (0.01, 0.03),
        None,
        (800, 1000, 1500, 2000),
        "元旦春节送温暖，走访慰问困难职工",
    ),
    WelfareItem("节日慰问", 1, (1, 2), 0.50, (0.03, 0.10), None, (200,), "春节慰问坚守岗位一线职工"),
    WelfareItem(
        "医疗互助", 2, (4, 5, 6), 0.40, (0.005, 0.02), None, (800, 1200, 2000, 3000), "职工医疗互助保障理赔"
    ),
    WelfareItem("节日慰问", 2, (6,), 0.35, (0.03, 0.08), None, (150,), "端午节慰问一线职工"),
    WelfareItem(
        "金秋助学", 3, (8, 9), 0.45, None, (1, 5), (1000, 2000, 3000), "金秋助学：资助困难职工子女入学"
    ),
    WelfareItem("其他", 3, (7, 8), 0.40, (0.15, 0.30), None, (50,), "夏送清凉，慰问高温一线职工"),
    WelfareItem("节日慰问", 3, (9,), 0.35, (0.03, 0.08), None, (200,), "中秋节慰问一线职工"),
    WelfareItem(
        "送温暖", 4, (12,), 0.65, (0.01, 0.025), None, (800, 1000, 1500), "两节送温暖，慰问困难职工家庭"
    ),
)
_BIRTHDAY_SHARE = 0.35  # share of units running a 生日慰问 programme


def _beneficiaries(rng: random.Random, members: int, item: WelfareItem) -> int:
    if item.fixed:
        return rng.randint(*item.fixed)
    assert item.share is not None  # every item has either `fixed` or `share`
    return max(1, round(members * rng.uniform(*item.share)))


def _welfare_rows(rng: random.Random, membership: list[dict]) -> list[dict]:
    birthday_units = {u.name for u in UNITS if rng.random() < _BIRTHDAY_SHARE}
    rows = []
    for m in membership:
        year, quarter, unit, members = m["year"], m["quarter"], m["unit"], m["members"]
        if not _reported(unit, year, quarter):
            continue  # a unit that went quiet in Q4 sent nothing at all
        boost = 1.15 if year == 2025 else 1.0
        for item in _WELFARE_PLAN:
            if item.quarter == quarter and rng.random() < min(1.0, item.chance * boost):
                count = _beneficiaries(rng, members, item)
                day = _day(rng, year, rng.choice(item.months), 3, 28)
                rows.append(
                    _welfare(day, unit, item.category, count, count * rng.choice(item.amounts), item.note)
                )
        if unit in birthday_units:
            count = max(1, round(members / 4 * rng.uniform(0.9, 1.1)))
            day = _day(rng, year, quarter * 3 - 2, 5, 15)
            rows.append(
                _welfare(
                    day,
                    unit,
                    "生日慰问",
                    count,
                    count * (120 if year == 2025 else 100),
                    "职工生日慰问（蛋糕卡）",
                )
            )
        for _ in range(_hits(rng, members / 400)):
            day = _day(rng, year, rng.randint(quarter * 3 - 2, quarter * 3))
            rows.append(_welfare(day, unit, "住院探望", 1, rng.choice((300, 500)), "探望住院职工"))
        if rng.random() < min(0.9, 0.15 + members / 3000):
            count = rng.randint(1, 3)
            day = _day(rng, year, rng.randint(quarter * 3 - 2, quarter * 3))
            rows.append(
                _welfare(
                    day,
                    unit,
                    "困难职工帮扶",
                    count,
                    count * rng.choice((2000, 3000, 5000)),
                    rng.choice(("困难职工大病救助", "困难职工生活补助")),
                )
            )
    rows.sort(key=lambda r: (r["date"], r["unit"]))
    return rows


def _hits(rng: random.Random, expected: float) -> int:
    # a small Poisson-like count without numpy: whole part plus a chance for the rest
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def _welfare(day: dt.date, unit: str, category: str, count: int, amount: float, note: str) -> dict:
    return {
        "date": day,
        "unit": unit,
        "category": category,
        "beneficiaries": count,
        "amount": round(amount),
        "note": note,
    }


# ---------------------------------------------------------------- activities

# (title or {sector: title}, category, months, share of members (lo, hi), women only, cost per head)
_SKILLS = {
    "health": "护理技能竞赛",
    "edu": "青年教师教学基本功比赛",
    "organ": "公文写作技能比赛",
    "soe": "岗位技能比武",
    "private": "岗位技能比武",
    "street": "职工职业技能大赛",
}
_ACTIVITY_PLAN = (
    ("迎新春职工联欢会", "文体活动", (1,), (0.50, 0.90), False, 60),
    ("庆三八女职工健步走", "女职工活动", (3,), (0.50, 0.90), True, 30),
    ("三八节女职工插花沙龙", "女职工活动", (3,), (0.20, 0.40), True, 80),
    ("学雷锋志愿服务活动", "志愿公益", (3,), (0.05, 0.15), False, 10),
    ("春季职工健步走", "文体活动", (4,), (0.40, 0.80), False, 20),
    ("世界读书日职工读书分享会", "文体活动", (4,), (0.05, 0.15), False, 20),
    (_SKILLS, "技能竞赛", (4, 5), (0.05, 0.20), False, 150),
    ("职工羽毛球比赛", "文体活动", (5,), (0.05, 0.15), False, 40),
    ("工会法律法规知识讲座", "教育培训", (5, 9), (0.20, 0.50), False, 10),
    ("安全生产月知识培训", "教育培训", (6,), (0.30, 0.70), False, 15),
    ("无偿献血志愿活动", "志愿公益", (7, 8), (0.03, 0.10), False, 10),
    ("职工篮球联赛", "文体活动", (7, 8, 9), (0.04, 0.12), False, 60),
    ("女职工健康知识讲座", "女职工活动", (9, 11), (0.30, 0.60), True, 15),
    ("国庆职工登山活动", "文体活动", (10,), (0.30, 0.60), False, 30),
    ("职工趣味运动会", "文体活动", (10, 11), (0.50, 0.85), False, 50),
    ("职工心理健康讲座", "教育培训", (11, 12), (0.20, 0.40), False, 20),
    ("职工之家开放日", "其他", (6, 12), (0.20, 0.50), False, 20),
    ("敬老院慰问志愿服务", "志愿公益", (12,), (0.03, 0.08), False, 20),
    ("职工书画摄影展", "文体活动", (12,), (0.10, 0.30), False, 30),
)


def _activities_per_year(members: int, year: int) -> int:
    base = 3 if members < 100 else 5 if members < 500 else 6 if members < 1500 else 8
    return base + (1 if year == 2025 else 0)


def _activity_rows(rng: random.Random, membership: list[dict]) -> list[dict]:
    by_unit_period = {(m["unit"], m["year"], m["quarter"]): m for m in membership}
    rows = []
    for unit in UNITS:
        for year in YEARS:
            if year < unit.since:
                continue
            first = by_unit_period[(unit.name, year, 1)]
            count = _activities_per_year(first["members"], year)
            for plan in sorted(rng.sample(range(len(_ACTIVITY_PLAN)), count)):
                title, category, months, share, women, cost = _ACTIVITY_PLAN[plan]
                month = rng.choice(months)
                quarter = (month - 1) // 3 + 1
                if not _reported(unit.name, year, quarter):
                    continue
                m = by_unit_period[(unit.name, year, quarter)]
                pool = m["members_female"] if women else m["members"]
                participants = max(3, round(pool * rng.uniform(*share)))
                if women:
                    female = participants
                else:
                    female = min(participants, round(participants * unit.female * rng.uniform(0.9, 1.1)))
                rows.append(
                    {
                        "date": _day(rng, year, month, 1, 28),
                        "unit": unit.name,
                        "title": title[unit.sector] if isinstance(title, dict) else title,
                        "category": category,
                        "participants": participants,
                        "participants_female": female,
                        "cost": round(participants * cost * rng.uniform(0.8, 1.2), -1),
                    }
                )
    rows.sort(key=lambda r: (r["date"], r["unit"]))
    return rows


# ---------------------------------------------------------------- targets

# Chosen against the generated data so that 2025 Q3/Q4 show 超前, 正常 and 滞后.
# (indicator zh, target, unit or "", q1..q4 cumulative milestones or None)
TARGETS_2025: tuple[tuple[str, object, str, tuple | None], ...] = (
    ("入会率", "95%", "", None),
    ("女职工入会率", "95%", "", None),
    ("农民工入会率", "90%", "", None),
    ("会员人数", 18000, "", None),
    ("新发展会员", 900, "", (200, 450, 680, 900)),
    ("建会率", "90%", "", None),
    ("新建工会组织", 12, "", None),
    ("集体合同签订率", "80%", "", None),
    ("工资集体协议签订率", "70%", "", None),
    ("女职工专项合同签订率", "75%", "", None),
    ("会费收缴率", "100%", "", None),
    ("经费收缴率", "100%", "", None),
    ("会费收缴额", 3900000, "", None),
    ("帮扶慰问支出", 2200000, "", None),
    ("帮扶慰问人次", 8000, "", (1900, 3600, 6300, 8000)),
    ("活动次数", 160, "", (35, 95, 130, 160)),
    ("活动参与人次", 45000, "", None),
    ("活动参与率", "30%", "", None),
    ("数据报送率", "100%", "", None),
    # unit-specific rows
    ("入会率", "92%", "滨江华信建设工程有限公司", None),
    ("新发展会员", 300, "江滨街道非公企业联合工会", (60, 140, 220, 300)),
    ("新建工会组织", 12, "江滨街道非公企业联合工会", None),
    ("会费收缴率", "100%", "滨江恒达物流（集团）有限公司", None),
    ("活动次数", 6, "滨江市第一人民医院（东院）", None),
    ("集体合同签订率", "85%", "江滨街道沿江社区工会联合会", None),
)


# ---------------------------------------------------------------- assembling


@dataclass(frozen=True)
class DemoData:
    """The demo in canonical field ids (years and quarters as integers)."""

    membership: pd.DataFrame
    dues: pd.DataFrame
    welfare: pd.DataFrame
    activities: pd.DataFrame
    targets: pd.DataFrame

    def table(self, kind_id: str) -> pd.DataFrame:
        return getattr(self, kind_id)


def _targets_frame() -> pd.DataFrame:
    rows = []
    for indicator, target, unit, milestones in TARGETS_2025:
        q = milestones or (None, None, None, None)
        rows.append(
            {
                "year": 2025,
                "indicator": indicator,
                "target": target,
                "unit": unit or None,
                "q1": q[0],
                "q2": q[1],
                "q3": q[2],
                "q4": q[3],
            }
        )
    return pd.DataFrame(rows, dtype=object)


def _with_period(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["date"] = pd.to_datetime(frame["date"])
    frame.insert(0, "year", frame["date"].dt.year)
    frame.insert(1, "quarter", frame["date"].dt.quarter)
    return frame


def demo_data() -> DemoData:
    """The whole demo, generated afresh from the fixed seed (identical on every call)."""
    rng = random.Random(SEED)
    all_membership = [row for unit in UNITS for row in _unit_membership(rng, unit)]
    dues = _dues_rows(rng, all_membership)
    welfare = _welfare_rows(rng, all_membership)
    activities = _activity_rows(rng, all_membership)
    membership = [m for m in all_membership if _reported(m["unit"], m["year"], m["quarter"])]
    dues_frame = pd.DataFrame(dues)
    dues_frame["paid_on"] = pd.to_datetime(dues_frame["paid_on"])
    return DemoData(
        pd.DataFrame(membership),
        dues_frame,
        _with_period(welfare),
        _with_period(activities),
        _targets_frame(),
    )


# ---------------------------------------------------------------- files

# Column order in the files, as a statistician lays out the sheet; headers come from the dictionary.
_FILE_COLUMNS = {
    "membership": (
        "year",
        "quarter",
        "unit",
        "parent",
        "unit_type",
        "employees",
        "members",
        "employees_female",
        "members_female",
        "employees_migrant",
        "members_migrant",
        "new_members",
        "orgs_total",
        "orgs_unionized",
        "new_unions",
        "contracts_signed",
        "wage_agreements",
        "female_contracts",
    ),
    "dues": ("year", "quarter", "unit", "dues_due", "dues_paid", "funds_due", "funds_paid", "paid_on"),
    "welfare": ("date", "unit", "category", "beneficiaries", "amount", "note"),
    "activities": ("date", "unit", "title", "category", "participants", "participants_female", "cost"),
    "targets": ("year", "indicator", "target", "unit", "q1", "q2", "q3", "q4"),
}


def demo_file_name(kind_id: str, year: int, quarter: int | None = None) -> str:
    if kind_id == "targets":
        return f"{year}年度目标.xlsx"
    assert quarter is not None  # only the yearly targets file has no quarter
    return f"{year}年{QUARTER_ZH[quarter]}_{KINDS[kind_id].zh}.xlsx"


def _sheet_frame(kind_id: str, frame: pd.DataFrame) -> pd.DataFrame:
    kind = KINDS[kind_id]
    columns = list(_FILE_COLUMNS[kind_id])
    out = frame[columns].copy()
    if "quarter" in out and kind_id != "targets":
        out["quarter"] = out["quarter"].map(QUARTER_ZH)
    out.columns = [kind.field(c).zh for c in columns]
    return out


def demo_files(data: DemoData | None = None) -> dict[str, bytes]:
    """File name -> xlsx bytes: one file per kind per quarter, then the year's targets."""
    data = data or demo_data()
    files: dict[str, bytes] = {}
    for year, quarter in periods():
        for kind_id in ("membership", "dues", "welfare", "activities"):
            table = data.table(kind_id)
            part = table[(table["year"] == year) & (table["quarter"] == quarter)]
            title = f"{year}年{QUARTER_ZH[quarter]}{KINDS[kind_id].zh}情况统计表"
            files[demo_file_name(kind_id, year, quarter)] = write_frame_xlsx(
                _sheet_frame(kind_id, part), KINDS[kind_id].zh, title
            )
    files[demo_file_name("targets", 2025)] = write_frame_xlsx(
        _sheet_frame("targets", data.targets), KINDS["targets"].zh, f"{ORG_NAME}2025年度工作目标"
    )
    return files


def write_demo_files(out_dir: Path) -> list[Path]:
    """Writes the demo spreadsheets into out_dir; the targets file comes last."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in demo_files().items():
        path = out_dir / name
        path.write_bytes(content)
        paths.append(path)
    return paths


# The demo's accounts, one per role (name, password, role, unit): the passwords are printed by
# `python -m etl demo` and listed in README so a newcomer can try each role. Demo only.
DEMO_ACCOUNTS = (
    ("admin", "demo-admin-2025", "admin", None),
    ("jiangbin", "demo-upload-2025", "uploader", STREET),
    ("jiaoyu", "demo-view-2025", "viewer", EDU),
)


def _load(paths: list[Path], db: Path) -> None:
    # imported here: the pipeline imports much more than writing the files needs
    from etl.store import accounts, connect, set_setting
    from etl.store.permissions import local_admin
    from etl.store.pipeline import load_paths

    load_paths(paths, db=db, user="demo")
    with connect(db) as con:
        set_setting(con, "org_name", ORG_NAME)
        existing = {name for name in accounts.listing(con)["name"]}
    for name, password, role, unit in DEMO_ACCOUNTS:
        if name not in existing:
            accounts.add(db, name, password, role, unit=unit, actor=local_admin("demo"))


def build_demo(db: Path | None = None, files_dir: Path | None = None) -> Path:
    """Writes the demo files (to a temporary folder unless files_dir) and loads them into db.

    Raises etl.core.problems.LoadRejected, with the pipeline's Chinese message, if a file is refused.
    """
    db_path = Path(db) if db is not None else settings.db_path()
    if db_path.suffix == "":
        db_path = db_path.with_suffix(".duckdb")  # as etl.store.connect names it
    if files_dir is not None:
        _load(write_demo_files(Path(files_dir)), db_path)
    else:
        with tempfile.TemporaryDirectory(prefix="union_kpi_demo_") as tmp:
            _load(write_demo_files(Path(tmp)), db_path)
    return db_path
