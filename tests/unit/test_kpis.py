"""Every indicator against values computed by hand on small files with DOMAIN.md's traps:
ratio of sums, stocks not summed, re-load not doubled, zero denominator = no data,
a unit that did not report, flows 0 vs no data, scope = a unit and everything below it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from etl import store
from etl.core.dictionary import INDICATORS
from etl.core.settings import StatusRules
from etl.indicators import kpis
from etl.store.pipeline import load_paths
from tests.conftest import copy_folder
from tests.sheets import write_xlsx

ROOT = Path(__file__).resolve().parents[2]

MEMBERSHIP_HEADER = [
    "单位名称",
    "上级工会",
    "职工人数",
    "会员人数",
    "女职工人数",
    "女会员人数",
    "新发展会员",
    "应建会单位数",
    "已建会单位数",
    "新建工会组织数",
    "签订集体合同单位数",
]


@pytest.fixture(scope="module")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small federation: 局工会 -> A, B; C directly under the organisation.

    2025 Q1: A 100/98, B 10/5, C 50/50; Q2: A 110/100, B 10/6 (C did not report).
    2024 Q2: A 100/90, B 10/5, C 50/45.
    """
    # built once per module; each test writes to its own copy (`db`)
    tmp_path = tmp_path_factory.mktemp("db")
    files = tmp_path / "files"
    files.mkdir()
    q1 = [
        ["甲单位", "局工会", 100, 98, 40, 39, 3, 10, 9, 1, 8],
        ["乙单位", "局工会", 10, 5, 0, 0, 1, 2, 2, 0, 1],
        ["丙单位", None, 50, 50, 20, 20, 0, 4, 0, 0, 0],
    ]
    q2 = [
        ["甲单位", "局工会", 110, 100, 40, 40, 2, 10, 10, 1, 9],
        ["乙单位 ", "局工会", 10, 6, 0, 0, 1, 2, 2, 0, 2],
    ]
    last_q2 = [
        ["甲单位", "局工会", 100, 90, 40, 36, 4, 10, 8, 0, 6],
        ["乙单位", "局工会", 10, 5, 0, 0, 0, 2, 2, 0, 1],
        ["丙单位", None, 50, 45, 20, 18, 1, 4, 0, 0, 0],
    ]
    paths = [
        write_xlsx(files / "2025年第一季度会员发展.xlsx", MEMBERSHIP_HEADER, q1),
        write_xlsx(files / "m2.xlsx", MEMBERSHIP_HEADER, q2, title="2025年第二季度会员发展情况统计表"),
        write_xlsx(files / "2024年二季度会员发展.xlsx", MEMBERSHIP_HEADER, last_q2),
    ]
    paths.append(
        write_xlsx(
            files / "2025年一季度会费.xlsx",
            ["单位名称", "应缴会费", "实缴会费"],
            [["甲单位", 1000, 1000], ["乙单位", 100, 0]],
        )
    )
    paths.append(
        write_xlsx(
            files / "2025年二季度会费.xlsx",
            ["单位名称", "应缴会费（万元）", "实缴会费（万元）"],
            [["甲单位", 0.1, 0.05], ["丙单位", 0.05, 0.05]],
        )
    )
    paths.append(
        write_xlsx(
            files / "welfare.xlsx",
            ["发放日期", "单位名称", "类别", "受益人次", "金额"],
            [
                ["2025-01-20", "甲单位", "送温暖", 10, 5000],
                ["2025/4/2", "乙单位", "困难帮扶", 1, 2000],
                ["2025年5月1日", "丙单位", "生日慰问", 3, 300],
            ],
        )
    )
    paths.append(
        write_xlsx(
            files / "activities.xlsx",
            ["活动时间", "单位名称", "活动名称", "类别", "参与人数"],
            [
                ["2025-03-08", "甲单位", "三八健步走", "女职工活动", 49],
                ["2025-04-10", "甲单位", "技能比武", "技能竞赛", 50],
                ["2025-05-10", "丙单位", "读书会", "教育培训", 10],
            ],
        )
    )
    paths.append(
        write_xlsx(
            files / "2025年度目标.xlsx",
            ["年度", "指标", "目标值", "单位名称", "二季度"],
            [
                [2025, "入会率", "95%", None, None],
                [2025, "新发展会员", 10, None, 6],
                [2025, "会员人数", 200, None, None],
                [2025, "activities_count", 8, None, None],
                [2025, "入会率", "99%", "乙单位", None],
                [2025, "新发展会员", 4, "甲单位", None],
            ],
        )
    )
    path = tmp_path / "k.duckdb"
    load_paths(paths, db=path, user="test")
    return path


@pytest.fixture
def db(db_template: Path, tmp_path: Path) -> Path:
    return copy_folder(db_template, tmp_path)


def compute(db: Path, year: int, quarter: int, unit: str | None = None) -> dict[str, kpis.Kpi]:
    with store.connect(db, read_only=True) as con:
        unit_id = kpis.find_unit(con, unit) if unit else None
        return kpis.compute(con, year, quarter, unit_id, StatusRules())


def test_membership_rate_is_ratio_of_sums_not_mean_of_rates(db: Path) -> None:
    k = compute(db, 2025, 1)
    assert k["membership_rate"].actual == pytest.approx(153 / 160)  # mean of rates would be 0.8267
    assert k["members"].actual == 153


def test_stock_is_read_at_the_quarter_and_unreported_unit_is_not_carried_forward(db: Path) -> None:
    k = compute(db, 2025, 2)
    assert k["members"].actual == 106  # not 153 + 106, and 丙 not carried forward
    assert k["membership_rate"].actual == pytest.approx(106 / 120)
    assert k["reporting_rate"].actual == pytest.approx(2 / 3)


def test_flow_is_year_to_date(db: Path) -> None:
    assert compute(db, 2025, 2)["new_members"].actual == 3 + 1 + 0 + 2 + 1


def test_zero_denominator_is_no_data(db: Path) -> None:
    # 乙 has 0 female employees; 丙 has 0 unionised orgs
    assert compute(db, 2025, 1, "乙单位")["female_membership_rate"].actual is None
    assert compute(db, 2025, 1, "乙单位")["female_membership_rate"].status == "no_data"
    assert compute(db, 2025, 1, "丙单位")["contract_signing_rate"].actual is None
    assert compute(db, 2025, 1)["contract_signing_rate"].actual == pytest.approx(9 / 11)


def test_missing_column_is_no_data_for_the_whole_kind(db: Path) -> None:
    k = compute(db, 2025, 2)
    assert k["migrant_membership_rate"].actual is None
    assert k["funds_collection_rate"].actual is None


def test_dues_rate_is_year_to_date_and_scaled_from_wan_yuan(db: Path) -> None:
    k = compute(db, 2025, 2)
    assert k["dues_collection_rate"].actual == pytest.approx(
        (1000 + 0 + 500 + 500) / (1000 + 100 + 1000 + 500)
    )
    assert k["dues_collected"].actual == pytest.approx(2000)
    assert compute(db, 2025, 1)["dues_collection_rate"].actual == pytest.approx(1000 / 1100)


def test_events_fall_in_the_quarter_of_their_date(db: Path) -> None:
    q1, q2 = compute(db, 2025, 1), compute(db, 2025, 2)
    assert q1["welfare_spend"].actual == 5000
    assert q2["welfare_spend"].actual == 7300
    assert q2["welfare_beneficiaries"].actual == 14
    assert q1["activities_count"].actual == 1 and q2["activities_count"].actual == 3
    assert q2["activity_participants"].actual == 109


def test_reporting_rate_is_no_data_for_a_quarter_without_any_membership_sheet(db: Path) -> None:
    assert compute(db, 2024, 1)["reporting_rate"].actual is None
    assert compute(db, 2025, 2, "丙单位")["reporting_rate"].actual == 0.0  # sheets came, not 丙's


def test_flow_is_zero_for_a_unit_without_events_but_no_data_without_the_kind(db: Path) -> None:
    assert compute(db, 2025, 2, "乙单位")["activities_count"].actual == 0
    assert compute(db, 2024, 2)["activities_count"].actual is None


def test_activity_participation_uses_members_of_the_activitys_unit_and_quarter(db: Path) -> None:
    # 甲 Q1: 49 / 98; 甲 Q2: 50 / 100; 丙 Q2 activity has no Q2 membership row -> left out
    assert compute(db, 2025, 2)["activity_participation_rate"].actual == pytest.approx((49 + 50) / (98 + 100))


def test_scope_is_a_unit_and_everything_below_it(db: Path) -> None:
    k = compute(db, 2025, 1, "局工会")
    assert k["members"].actual == 98 + 5
    assert k["membership_rate"].actual == pytest.approx(103 / 110)
    assert k["reporting_rate"].actual == 1.0  # the parent itself does not report


def test_targets_org_rate_applies_to_units_but_org_flow_is_not_split(db: Path) -> None:
    a = compute(db, 2025, 2, "甲单位")
    assert a["membership_rate"].target == 0.95
    assert a["new_members"].target == 4  # the unit's own row
    assert compute(db, 2025, 2, "丙单位")["new_members"].target is None
    assert compute(db, 2025, 2, "乙单位")["membership_rate"].target == 0.99


def test_expected_progress_uses_milestone_or_pro_rata(db: Path) -> None:
    org = compute(db, 2025, 2)
    assert org["new_members"].expected == 6  # the 二季度 milestone
    assert org["new_members"].achievement == pytest.approx(7 / 10)
    assert org["new_members"].status == "ahead"  # 7 vs 6 is more than 10 % above
    assert org["activities_count"].expected == pytest.approx(8 * 2 / 4)
    assert org["activities_count"].status == "behind"  # 3 vs 4
    assert org["members"].expected == 200


def test_rate_status_rules(db: Path) -> None:
    org = compute(db, 2025, 1)
    assert org["membership_rate"].status == "on_track"  # 95.6% vs 95%
    assert compute(db, 2025, 2)["membership_rate"].status == "behind"  # 88.3%
    assert compute(db, 2025, 1, "丙单位")["membership_rate"].status == "ahead"  # 100% >= 95% + 5 pts
    assert org["unionization_rate"].status == "no_target"


def test_year_over_year_is_like_for_like_when_a_unit_did_not_report(db: Path) -> None:
    # 丙 sent 2024 Q2 but not 2025 Q2: 同比 compares 甲 and 乙 in both years, not 2 units with 3
    k = compute(db, 2025, 2)
    assert k["membership_rate"].coverage == kpis.Coverage(2, 3)
    assert k["membership_rate"].previous == pytest.approx((90 + 5) / (100 + 10))
    assert k["membership_rate"].yoy == pytest.approx(106 / 120 - 95 / 110)
    assert k["membership_rate"].yoy_units == 2
    # 2024 holds only Q2, when the units first reported: their year to date is Q2 alone
    assert k["new_members"].previous == 4 + 0
    assert k["new_members"].yoy == pytest.approx(7 / 4 - 1)
    # complete in both years: every unit is compared
    q1 = compute(db, 2025, 1)
    assert q1["membership_rate"].coverage == kpis.Coverage(3, 3)
    assert q1["membership_rate"].yoy is None and q1["membership_rate"].yoy_units is None  # no 2024 Q1


def test_reload_replaces_and_never_doubles(db: Path, tmp_path: Path) -> None:
    before = compute(db, 2025, 2)
    again = sorted((tmp_path / "files").glob("*.xlsx"))
    load_paths(again, db=db, user="test")
    after = compute(db, 2025, 2)
    assert {k: v.actual for k, v in after.items()} == {k: v.actual for k, v in before.items()}


def test_a_unit_file_replaces_only_its_own_quarters(db: Path, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "2025年第二季度会员发展_乙.xlsx",
        MEMBERSHIP_HEADER,
        [["乙单位", "局工会", 20, 20, 0, 0, 0, 2, 2, 0, 2]],
    )
    load_paths([path], db=db)
    k = compute(db, 2025, 2)
    assert k["members"].actual == 100 + 20  # 甲 kept, 乙 replaced
    assert compute(db, 2025, 1)["members"].actual == 153


def test_cli_kpis_contract(db: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl",
            "kpis",
            "--year",
            "2025",
            "--quarter",
            "2",
            "--unit",
            " 甲單位 ",
            "--db",
            str(db),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    assert set(result) == {i.id for i in INDICATORS}
    for value in result.values():
        assert set(value) == {"actual", "target", "expected", "achievement", "status", "coverage"}
        assert value["status"] in ("ahead", "on_track", "behind", "no_target", "no_data")
        assert set(value["coverage"]) == {"reported", "expected"}
    assert result["members"]["coverage"] == {"reported": 1, "expected": 1}
    assert result["members"]["actual"] == 100
    assert result["membership_rate"]["actual"] == pytest.approx(100 / 110)


def test_cli_kpis_unknown_unit_is_a_clear_error(db: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl",
            "kpis",
            "--year",
            "2025",
            "--quarter",
            "2",
            "--unit",
            "不存在的单位",
            "--db",
            str(db),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "找不到单位" in out.stderr
