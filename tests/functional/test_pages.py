"""One AppTest per dashboard page, asserting the figures the page shows against kpis.compute
on the same demo database (not against hard-coded numbers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl import store
from etl.core import fmt
from etl.core.dictionary import INDICATOR_BY_ID, indicators_of_theme
from etl.indicators import kpis
from tests.login import login

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def app(demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("UNION_KPI_DB", str(demo_db_copy))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return login(at, "admin")  # the demo database has accounts: nothing shows before signing in


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def latest(db: Path) -> dict[str, kpis.Kpi]:
    with store.connect(db, read_only=True) as con:
        return kpis.compute(con, 2025, 4)


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_shows_every_indicator_with_its_value(app: AppTest, demo_db_copy: Path) -> None:
    open_page(app, "overview")
    assert app.title[0].value == "总览"
    shown = metric_values(app)
    expected = latest(demo_db_copy)
    for kpi_id, kpi in expected.items():
        ind = INDICATOR_BY_ID[kpi_id]
        assert shown[ind.zh] == fmt.fmt_value(ind, kpi.actual), ind.zh
    # 2025 Q4 is a year-end view: the 18 work indicators are 完成 or 未完成, 数据报送率 is apart
    statuses = {"完成", "未完成"}
    assert statuses <= {m.label for m in app.metric}
    assert not {"超前", "正常", "滞后"} & {m.label for m in app.metric}
    # the judged statuses always show; the others only when an indicator has them
    assert sum(int(shown.get(s, 0)) for s in statuses | {"无目标", "无数据", "不适用"}) == 18


@pytest.mark.parametrize("theme", ["organisation", "contracts", "dues", "welfare", "activities"])
def test_theme_page_has_cards_charts_and_tables(app: AppTest, demo_db_copy: Path, theme: str) -> None:
    open_page(app, theme)
    expected = latest(demo_db_copy)
    shown = metric_values(app)
    for ind in indicators_of_theme(theme):
        if ind.quality:  # 数据报送率 is shown on 总览 and 数据报送, not among a theme's work indicators
            assert ind.zh not in shown
            continue
        assert shown[ind.zh] == fmt.fmt_value(ind, expected[ind.id].actual)
    charts = app.get("plotly_chart")
    assert len(charts) >= 3  # bullet, trend, ranking (+ breakdowns)
    for spec in (json.loads(c.proto.spec) for c in charts):
        title = spec["layout"]["title"]["text"]
        assert "滨江市总工会" in title and "2025年" in title, title
        notes = " ".join(a.get("text", "") for a in spec["layout"].get("annotations", []))
        assert "数据来源" in notes
    assert len(app.dataframe) >= 3


def test_dues_page_lists_units_in_arrears(app: AppTest) -> None:
    open_page(app, "dues")
    warnings = " ".join(w.value for w in app.warning)
    assert "个单位存在欠缴" in warnings
    arrears = next(df.value for df in app.dataframe if "欠缴金额（元）" in df.value.columns)
    assert "滨江恒达物流（集团）有限公司" in set(arrears["单位"])
    assert (arrears["欠缴金额（元）"] > 0).all()  # only the units in arrears, not all 31


def test_reporting_page_names_the_units_that_did_not_report(app: AppTest, demo_db_copy: Path) -> None:
    open_page(app, "reporting")
    tables = [df.value for df in app.dataframe]
    missing = next(t for t in tables if "最近报送" in t.columns)
    assert set(missing["单位"]) == {"滨江市统计局", "江滨绿源食品有限公司"}
    assert metric_values(app)["未报送单位"] == "2"
    # the matrix: one row per reporting unit under its own parent, the quarters in order
    matrix = next(t for t in tables if "第一季度" in t.columns)
    with store.connect(demo_db_copy, read_only=True) as con:
        expected = con.execute(
            "SELECT coalesce(p.name, ''), u.name FROM units u LEFT JOIN units p ON p.unit_id = u.parent_id "
            "WHERE u.reports ORDER BY 1, 2"
        ).fetchall()
    assert list(zip(matrix["上级工会"], matrix["单位"], strict=True)) == expected
    assert list(matrix.columns[-4:]) == ["第一季度", "第二季度", "第三季度", "第四季度"]


def test_scope_filter_narrows_to_a_parent_union(app: AppTest, demo_db_copy: Path) -> None:
    with store.connect(demo_db_copy, read_only=True) as con:
        unit_id = kpis.find_unit(con, "滨江市教育工会")
        expected = kpis.compute(con, 2025, 4, unit_id)["members"].actual
    open_page(app, "overview")
    app.session_state["scope"] = unit_id  # the sidebar widget's key
    app.run()
    assert metric_values(app)["会员人数"] == fmt.fmt_value(INDICATOR_BY_ID["members"], expected)
    assert "滨江市教育工会" in app.caption[0].value


def test_english_switch(app: AppTest) -> None:
    open_page(app, "overview")
    app.session_state["lang"] = "en"
    app.run()
    assert app.title[0].value == "Overview"
    assert "Membership rate" in metric_values(app)


def test_units_page_lists_the_register_and_renames(app: AppTest, demo_db_copy: Path) -> None:
    open_page(app, "units")
    assert app.title[0].value == "单位管理"
    register = app.dataframe[0].value
    assert {"滨江市统计局", "滨江市第一人民医院（东院）", "滨江市第一人民医院（西院）"} <= set(
        register["单位"]
    )
    with store.connect(demo_db_copy, read_only=True) as con:
        unit_id = kpis.find_unit(con, "滨江市统计局")
    app.selectbox(key="unit-admin").set_value(unit_id).run()
    app.text_input[0].set_value("滨江市统计局（本级）")
    app.button[0].click().run()  # the rename form's submit button, in the same run as the input
    assert not app.exception
    with store.connect(demo_db_copy, read_only=True) as con:
        assert kpis.find_unit(con, "滨江市统计局(本级)") == unit_id
        assert kpis.find_unit(con, "滨江市统计局") == unit_id


def test_upload_page_undoes_a_load(app: AppTest, demo_db_copy: Path) -> None:
    with store.connect(demo_db_copy, read_only=True) as con:
        (last,) = con.execute("SELECT max(load_id) FROM loads").fetchall()[0]
        before = kpis.compute(con, 2025, 4)["activities_count"].actual
    open_page(app, "upload")
    app.selectbox(key="undo.choice").set_value(last)
    app.button(key="undo.go").click().run()
    assert not app.exception
    # asked first, saying what it does (the text is markdown-escaped: \\# for #)
    assert any(f"撤销导入 \\#{last}" in w.value for w in app.warning)
    app.button(key="undo.confirm").click().run()
    assert not app.exception
    assert any(f"已撤销导入 \\#{last}" in s.value for s in app.success)
    with store.connect(demo_db_copy, read_only=True) as con:
        status = con.execute("SELECT status FROM loads WHERE load_id = ?", [last]).fetchall()[0][0]
        after = kpis.compute(con, 2025, 4)
    assert status == "undone"
    assert after["activities_count"].actual != before or after["new_members"].target is None
