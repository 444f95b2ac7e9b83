"""What surrounds a figure: which units it covers, what is left out, whether it applies, and one
status rule — computed on small real files where every number can be checked by hand.

The federation: 局工会 -> 甲公司 (企业), 乙局 (机关); 丙医院 (事业单位) directly under the organisation.
2024 Q1–Q4 all three report; 2025 Q1–Q3 all three, Q4 only 甲 and 乙 (丙 is late).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from etl import store
from etl.core.settings import StatusRules
from etl.indicators import kpis
from etl.ingest.inspect import inspect_paths
from etl.store.pipeline import load_paths
from tests.sheets import write_xlsx

ROOT = Path(__file__).resolve().parents[2]
HEADER = [
    "单位名称",
    "上级工会",
    "单位性质",
    "职工人数",
    "会员人数",
    "新发展会员",
    "已建会单位数",
    "签订集体合同单位数",
]
#         unit      parent    type       employees members new  unionised contracts
UNITS = {
    "甲公司": ("局工会", "民营企业", 100, 90, 10, 1, 1),
    "乙局": ("局工会", "机关", 50, 50, 2, 1, None),  # a 机关 leaves the contract cell blank
    "丙医院": (None, "事业单位", 200, 180, 4, 1, 0),
}


def _rows(names: list[str], grow: int = 0) -> list[list[object]]:
    out = []
    for name in names:
        parent, kind, employees, members, new, unionised, contracts = UNITS[name]
        out.append([name, parent, kind, employees + grow, members + grow, new, unionised, contracts])
    return out


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = tmp_path_factory.mktemp("files")
    paths = []
    for year in (2024, 2025):
        for q in (1, 2, 3, 4):
            names = ["甲公司", "乙局"] if (year, q) == (2025, 4) else list(UNITS)
            grow = 10 * q if year == 2025 else 0
            paths.append(write_xlsx(files / f"{year}年第{q}季度会员发展.xlsx", HEADER, _rows(names, grow)))
    paths.append(
        write_xlsx(
            files / "2025年度目标.xlsx",
            ["年度", "指标", "目标值", "单位名称"],
            [
                [2025, "入会率", "90%", None],
                [2025, "新发展会员", 64, None],  # 16 a quarter; the units send exactly 16
                [2025, "会员人数", 400, None],
                [2025, "新发展会员", 50, "甲公司"],
                [2025, "集体合同签订率", "60%", None],
            ],
        )
    )
    path = tmp_path_factory.mktemp("db") / "c.duckdb"
    load_paths(paths, db=path, user="test")
    return path


def compute(db: Path, year: int, quarter: int, unit: str | None = None) -> dict[str, kpis.Kpi]:
    with store.connect(db, read_only=True) as con:
        unit_id = kpis.find_unit(con, unit) if unit else None
        return kpis.compute(con, year, quarter, unit_id, StatusRules())


def test_coverage_counts_units_that_sent_the_figure_against_units_expected(db: Path) -> None:
    q3, q4 = compute(db, 2025, 3), compute(db, 2025, 4)
    assert q3["members"].coverage == kpis.Coverage(3, 3)
    assert q4["members"].coverage == kpis.Coverage(2, 3)
    # a year-to-date flow needs every quarter: 丙 sent Q1–Q3 but not Q4
    assert q4["new_members"].coverage == kpis.Coverage(2, 3)
    assert q4["reporting_rate"].coverage == kpis.Coverage(2, 3)


def test_not_applicable_units_leave_numerator_denominator_and_coverage(db: Path) -> None:
    q3 = compute(db, 2025, 3)
    # 乙局 is a 机关: not in 集体合同签订率 at all; 甲 signed 1 of 1, 丙 0 of 1
    assert q3["contract_signing_rate"].actual == pytest.approx(1 / 2)
    assert q3["contract_signing_rate"].coverage == kpis.Coverage(2, 2)
    assert compute(db, 2025, 3, "乙局")["contract_signing_rate"].status == "not_applicable"
    assert compute(db, 2025, 3, "乙局")["contract_signing_rate"].actual is None
    # 入会率 applies to every 单位性质
    assert q3["membership_rate"].coverage == kpis.Coverage(3, 3)


def test_blank_cell_is_not_reported_never_zero(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "blank.duckdb"
    copy.write_bytes(db.read_bytes())
    path = write_xlsx(
        tmp_path / "2025年第三季度会员发展_丙.xlsx",
        HEADER,
        [["丙医院", None, "事业单位", 230, 210, 4, 1, None]],  # contract cell left blank
    )
    load_paths([path], db=copy)
    k = compute(copy, 2025, 3)
    assert k["contract_signing_rate"].actual == pytest.approx(1 / 1)  # 甲 alone, not 1 / 2
    assert k["contract_signing_rate"].coverage == kpis.Coverage(1, 2)


def test_unknown_unit_type_is_a_warning_and_not_guessed(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "2025年第一季度会员发展.xlsx", HEADER, [["丁协会", None, "协会类", 10, 9, 0, 1, 0]]
    )
    report = inspect_paths([path])[0]
    assert not report.errors
    messages = [p for p in report.warnings if p.header == "单位性质"]
    assert messages and messages[0].value == "协会类" and messages[0].row == 2
    db = tmp_path / "u.duckdb"
    load_paths([path], db=db)
    with store.connect(db, read_only=True) as con:
        assert con.execute("SELECT unit_type FROM units WHERE name = '丁协会'").fetchall() == [(None,)]


def test_year_end_judges_the_year_progress_judges_q1_to_q3(db: Path) -> None:
    q3, q4 = compute(db, 2025, 3), compute(db, 2025, 4)
    # new members: 16 a quarter against 16 expected -> 正常 in Q3; 48 + 12 (丙 late) = 60 of 64 at year end
    assert q3["new_members"].status == "on_track"
    assert q4["new_members"].actual == 10 + 2 + 10 + 2 + 10 + 2 + 10 + 2 + 4 + 4 + 4
    assert q4["new_members"].status == "missed"  # 93.8 % of the target is not 完成, whatever the band
    assert q4["membership_rate"].status == "met"
    assert {k.status for k in q4.values()} <= {"met", "missed", "no_target", "no_data", "not_applicable"}
    assert {k.status for k in q3.values()} <= {"ahead", "on_track", "behind", "no_target", "no_data"}


def test_one_status_rule_for_rates_and_amounts() -> None:
    """The same progress against expectation gives the same status, whatever the indicator."""
    import pandas as pd

    rows = pd.DataFrame(
        {
            "indicator": ["dues_collection_rate", "dues_collected", "dues_collection_rate", "dues_collected"],
            "quarter": [2, 2, 2, 2],
            "actual": [0.981, 0.981 * 200, 0.94, 0.94 * 200],
            "target": [1.0, 400.0, 1.0, 400.0],
        }
    )
    judged = kpis.judge(rows, StatusRules(tolerance=0.05))
    assert list(judged["status"]) == ["on_track", "on_track", "behind", "behind"]


def test_left_out_names_the_missing_units_and_their_last_figure(db: Path) -> None:
    with store.connect(db, read_only=True) as con:
        gaps, complete = kpis.left_out(con, 2025, 4), kpis.left_out(con, 2025, 3)
    assert gaps["members"].units == ("丙医院",)
    assert gaps["members"].last_value == 180 + 30  # its 2025 Q3 return
    assert gaps["membership_rate"].last_value == pytest.approx(210 / 230)
    assert complete == {}


def test_like_for_like_yoy_does_not_show_a_collapse(db: Path) -> None:
    q4 = compute(db, 2025, 4)
    # all units: 2 of 3 this year vs 3 last year would be a fall; like for like it grows
    assert q4["members"].actual < 90 + 50 + 180
    assert q4["members"].yoy_units == 2
    assert q4["members"].previous == 90 + 50
    assert q4["members"].yoy == pytest.approx((130 + 90) / 140 - 1)


def test_rankings_judge_each_unit_against_its_own_target_only(db: Path) -> None:
    with store.connect(db, read_only=True) as con:
        units = kpis.unit_history(con, 2025, 3, None)
    new = units[units["indicator"] == "new_members"].set_index("unit")
    assert new.loc["甲公司", "target"] == 50 and new.loc["甲公司", "target_of"] == "own"
    assert pd_isna(new.loc["乙局", "target"]) and new.loc["乙局", "status"] == "no_target"
    rate = units[units["indicator"] == "membership_rate"].set_index("unit")
    assert set(rate["target_of"]) == {"org"}  # an organisation-wide rate stands for every unit
    contract = units[units["indicator"] == "contract_signing_rate"].set_index("unit")
    assert contract.loc["乙局", "status"] == "not_applicable"


def test_rankings_can_rank_the_scopes_children(db: Path) -> None:
    with store.connect(db, read_only=True) as con:
        assert kpis.has_sub_unions(con, None)
        children = kpis.unit_history(con, 2025, 3, None, level="child")
    members = children[children["indicator"] == "members"].set_index("unit")["actual"]
    assert dict(members) == {"局工会": 90 + 30 + 50 + 30, "丙医院": 180 + 30}


def test_trend_stops_at_the_chosen_quarter(db: Path) -> None:
    with store.connect(db, read_only=True) as con:
        trend = kpis.trend(con, 2025, 2)
    this_year = trend[trend["year"] == 2025]
    assert sorted(set(this_year["quarter"])) == [1, 2]
    assert sorted(set(trend[trend["year"] == 2024]["quarter"])) == [1, 2, 3, 4]


def test_cli_json_carries_coverage(db: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "etl", "kpis", "--year", "2025", "--quarter", "4", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    assert result["members"]["coverage"] == {"reported": 2, "expected": 3}
    assert result["contract_signing_rate"]["coverage"] == {"reported": 1, "expected": 2}
    assert result["members"]["status"] == "missed"


def pd_isna(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))
