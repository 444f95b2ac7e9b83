"""Nothing on screen may mislead a chair: AppTests of what surrounds the figures on the demo database —
coverage, the default quarter, targets where they apply, 不适用, periods, readable tables, the URL.

Expectations come from kpis / queries on the same database, not from hard-coded figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from etl import demo, store
from etl.indicators import kpis, queries
from etl.store.pipeline import load_paths
from tests.login import login
from tests.sheets import write_xlsx

ROOT = Path(__file__).resolve().parents[2]
# Raw ids a reader must never see as column headers
RAW_IDS = {
    "unit", "parent", "employees", "members", "due", "paid", "arrears", "rate", "actual", "target",
    "expected", "status", "year", "quarter", "date", "amount", "category", "beneficiaries", "note",
    "participants", "title", "cost", "unit_type", "behind_since", "achievement", "last_paid",
}  # fmt: skip


def make_app(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    monkeypatch.setenv("UNION_KPI_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(params)
    at.run()
    login(at, "admin")  # the demo database has accounts: nothing shows before signing in
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest, element: str) -> str:
    return "\n".join(str(e.value) for e in getattr(at, element))


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def displayed(element) -> pd.DataFrame:
    """What a table shows: the Styler's display strings where the page formats numbers, else the values."""
    raw = element.proto.arrow_data.styler.display_values
    if not raw:
        return element.value
    return dataframe_util.convert_arrow_bytes_to_pandas_df(raw)


def unit_id(db: Path, name: str) -> int:
    with store.connect(db, read_only=True) as con:
        return kpis.find_unit(con, name)


# ---------------------------------------------------------------- incomplete quarters


def test_an_incomplete_quarter_says_so_and_names_the_missing_units(
    demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(make_app(demo_db_copy, monkeypatch), "overview")
    with store.connect(demo_db_copy, read_only=True) as con:
        cov = kpis.coverage_by_kind(con, 2025, 4).set_index("kind").loc["membership"]
    warning = texts(at, "warning")
    assert f"{cov['reported']}/{cov['expected']} 个单位报送" in warning
    for name in demo.NOT_REPORTED_2025_Q4:
        assert name in warning
    # the cards carry their coverage and what is left out
    captions = texts(at, "caption")
    with store.connect(demo_db_copy, read_only=True) as con:
        gap = kpis.left_out(con, 2025, 4)["members"]
    assert f"未报送的{len(gap.units)}个单位上次为{gap.last_value:,.0f} 人，未计入" in captions
    # a complete quarter has no banner
    at.session_state["quarter"] = 3
    at.run()
    assert "个单位报送" not in texts(at, "warning")


def test_a_new_session_opens_on_the_latest_quarter_that_is_complete_enough(
    demo_db_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    early = [
        ["滨江市第一中学", "滨江市教育工会", 430, 428, 3],
        ["滨江市财政局", "滨江市机关工会联合会", 160, 160, 0],
    ]
    path = write_xlsx(
        tmp_path / "2026年第一季度会员发展.xlsx",
        ["单位名称", "上级工会", "职工人数", "会员人数", "新发展会员"],
        early,
    )
    load_paths([path], db=demo_db_copy)
    at = open_page(make_app(demo_db_copy, monkeypatch), "overview")
    assert (at.session_state["year"], at.session_state["quarter"]) == (2025, 4)
    info = texts(at, "info")
    assert "2026年第一季度" in info and "2/31 个单位报送" in info
    # choosing the incomplete quarter shows the banner with its coverage
    at.session_state["year"] = 2026
    at.session_state["quarter"] = 1
    at.run()
    assert "2026年第一季度数据尚不完整" in texts(at, "warning") and "2/31 个单位报送" in texts(at, "warning")
    with store.connect(demo_db_copy, read_only=True) as con:
        assert queries.default_period(con, 0.8) == (2025, 4)


# ---------------------------------------------------------------- targets where they apply


def test_a_units_own_target_is_drawn_on_that_unit_only(
    demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(make_app(demo_db_copy, monkeypatch), "activities")  # first indicator: 活动次数
    ranking = next(c for c in charts(at) if "各单位情况" in c["layout"]["title"]["text"])
    lines = [s for s in ranking["layout"].get("shapes", []) if s.get("x0") == s.get("x1")]
    assert not lines  # 活动次数 has only one unit's own target: no line across all units
    markers = [tr for tr in ranking["data"] if tr.get("type") == "scatter"]
    assert [list(m["y"]) for m in markers] == [["滨江市第一人民医院（东院）"]]


def test_rankings_can_rank_the_parent_unions(demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(make_app(demo_db_copy, monkeypatch), "organisation")
    at.radio(key="level-membership_rate").set_value("child").run()
    ranking = next(c for c in charts(at) if "各单位情况" in c["layout"]["title"]["text"])
    ranked = set(ranking["layout"]["yaxis"]["categoryarray"])
    assert ranked == set(demo.PARENTS)


def test_a_large_scope_ranks_its_next_level_unions(
    demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above views.RANK_UNITS_MAX grassroots units, a chart of every unit helps nobody (and a
    national one would not draw): the ranking is by next-level union and says why."""
    from dashboard import views

    with store.connect(demo_db_copy, read_only=True) as con:
        size = queries.reporting_units(con, None)
    monkeypatch.setattr(views, "RANK_UNITS_MAX", size - 1)
    at = open_page(make_app(demo_db_copy, monkeypatch), "organisation")
    assert "level-membership_rate" not in [r.key for r in at.radio]
    assert any(f"本范围有{size:,}个基层单位，按下一级工会排名" in c.value for c in at.caption)
    ranking = next(c for c in charts(at) if "各单位情况" in c["layout"]["title"]["text"])
    assert set(ranking["layout"]["yaxis"]["categoryarray"]) == set(demo.PARENTS)


def test_government_organs_are_not_applicable_for_collective_contracts(
    demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(make_app(demo_db_copy, monkeypatch), "contracts")
    ranking = next(c for c in charts(at) if "各单位情况" in c["layout"]["title"]["text"])
    rows = list(ranking["layout"]["yaxis"]["categoryarray"])
    notes = [a["text"] for a in ranking["layout"]["annotations"] if a.get("yref") == "y"]
    organs = [u.name for u in demo.UNITS if u.sector == "organ"]
    for name in organs:
        assert notes[rows.index(name)] == "不适用", name
    legend = texts(at, "caption")
    assert "不适用" in legend and "机关" in legend
    assert "0.0%" not in " ".join(notes[rows.index(n)] for n in organs)


# ---------------------------------------------------------------- periods and wording


def test_a_mid_year_view_shows_nothing_later_and_speaks_of_progress(
    demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = make_app(demo_db_copy, monkeypatch, year="2025", quarter="2")
    open_page(at, "organisation")
    trend = next(c for c in charts(at) if "分季度进展" in c["layout"]["title"]["text"])
    current = [tr for tr in trend["data"] if "2025年实际" in (tr.get("name") or "")]
    assert current and all(set(tr["x"]) <= {"一季度", "二季度"} for tr in current if tr.get("x"))
    assert "截至2025年第二季度" in trend["layout"]["title"]["subtitle"]["text"]
    assert "完成进度" in texts(at, "caption")  # the progress rule, not the year-end one
    labels = {m.label for m in open_page(at, "overview").metric}
    assert {"超前", "正常", "滞后"} <= labels and not {"完成", "未完成"} & labels


def test_year_end_speaks_of_the_year(demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(make_app(demo_db_copy, monkeypatch, year="2025", quarter="4"), "overview")
    labels = {m.label for m in at.metric}
    assert {"完成", "未完成"} <= labels and not {"超前", "正常", "滞后"} & labels
    assert "达到 100% 为完成" in texts(at, "caption")
    assert "数据报送率" in {m.label for m in at.metric}  # shown, apart from the work indicators


# ---------------------------------------------------------------- tables a chair can read


@pytest.mark.parametrize("page", ["overview", "organisation", "dues", "welfare", "activities", "reporting"])
def test_tables_show_labels_and_formatted_values(
    demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    at = open_page(make_app(demo_db_copy, monkeypatch), page)
    for expander in at.expander:  # tables behind charts are in expanders; AppTest renders them all
        assert expander is not None
    assert at.dataframe, page
    for df in (displayed(d) for d in at.dataframe):
        assert not RAW_IDS & {str(c) for c in df.columns}, (page, list(df.columns))
        cells = {str(v) for v in df.astype(str).to_numpy().ravel()}
        assert not {"None", "nan", "NaT", "<NA>"} & cells, (page, list(df.columns))
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("下载 Excel") == labels.count("下载 CSV") >= 1  # every table offers both


def test_english_mode_has_labels_not_placeholders(
    demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(make_app(demo_db_copy, monkeypatch, lang="en"), "overview")
    scope = at.selectbox(key="scope")
    assert scope.value == 0 and "Choose an option" not in scope.options[0]
    assert scope.options[0].endswith("(all)")
    assert "Members (people)" in {m.label for m in at.metric}
    assert at.title[0].value == "Overview"


# ---------------------------------------------------------------- views that can be shared


def test_the_url_opens_the_view_and_follows_it(demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    street = unit_id(demo_db_copy, "江滨街道工会联合会")
    at = make_app(demo_db_copy, monkeypatch, year="2025", quarter="2", scope=str(street), lang="en")
    open_page(at, "dues")
    assert (at.session_state["year"], at.session_state["quarter"], at.session_state["scope"]) == (
        2025,
        2,
        street,
    )
    assert at.title[0].value == "Dues collection" and "江滨街道工会联合会" in at.caption[0].value
    at.session_state["quarter"] = 3
    at.run()
    assert at.query_params["quarter"] == "3" and at.query_params["scope"] == str(street)
    assert at.query_params["lang"] == "en"


def test_unit_type_is_set_in_the_register_and_decides_what_applies(
    demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    school = unit_id(demo_db_copy, "滨江市第一中学")
    with store.connect(demo_db_copy, read_only=True) as con:
        before = kpis.compute(con, 2025, 3, school)["contract_signing_rate"]
    assert before.status != "not_applicable"
    at = open_page(make_app(demo_db_copy, monkeypatch), "units")
    at.selectbox(key="unit-admin").set_value(school).run()
    at.selectbox(key="unit-type").set_value("机关")
    next(b for b in at.button if b.label == "保存单位性质").click().run()
    assert not at.exception
    with store.connect(demo_db_copy, read_only=True) as con:
        after = kpis.compute(con, 2025, 3, school)["contract_signing_rate"]
    assert after.status == "not_applicable" and after.actual is None
