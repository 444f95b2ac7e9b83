"""Figures look finished: title with scope and period, axis units, source line, target line,
status in text, data text escaped, and a PNG export that shows Chinese glyphs (not tofu)."""

import io
import json
import shutil
import subprocess

import pandas as pd
import plotly.graph_objects as go
import pytest

from etl.core.dictionary import INDICATOR_BY_ID
from etl.outputs import figures as F

IND = INDICATOR_BY_ID
SCOPE = "滨江市总工会"
XSS = "<img src=x onerror=alert(1)>"
SOURCE = "数据来源：各单位报送的会员发展统计表；统计期：2025年1-3季度；数据更新：2025-11-20"


def trend_frame():
    return pd.DataFrame(
        {
            "year": [2024] * 4 + [2025] * 3,
            "quarter": [1, 2, 3, 4, 1, 2, 3],
            "actual": [180, 390, 610, 850, 210, 420, 655],
            "target": [850] * 4 + [900] * 3,
            "expected": [212.5, 425, 637.5, 850, 225, 450, 675],
            "status": [None] * 4 + ["on_track", "on_track", "behind"],
        }
    )


def bullet_rows():
    return pd.DataFrame(
        {
            "indicator_id": ["membership_rate", "members", "new_members", "new_unions"],
            "actual": [0.9634, 18486, 655, 14],
            "target": [0.95, None, 900, 12],
            "expected": [0.95, None, 675, 9],
            "achievement": [0.9634 / 0.95, None, 655 / 900, 14 / 12],
            "status": ["on_track", "no_target", "behind", "ahead"],
        }
    )


def ranking_frame():
    return pd.DataFrame(
        {
            "unit": ["滨江市第一中学工会", "滨江市人民医院工会委员会", XSS, "2025", "滨江市第二实验小学工会"],
            "actual": [0.98, 0.93, 0.96, 0.951, None],
            "target": [0.95] * 5,
            "expected": [0.95] * 5,
            "achievement": [0.98 / 0.95, 0.93 / 0.95, 0.96 / 0.95, 0.951 / 0.95, None],
            "status": ["on_track", "behind", "on_track", "on_track", "no_data"],
            "target_of": ["org"] * 5,  # an organisation-wide rate stands for every unit
        }
    )


def breakdown_frame():
    return pd.DataFrame(
        {"category": ["送温暖", "困难职工帮扶", "节日慰问", XSS], "amount": [21623, 48000, 120000, 2100]}
    )


def all_text(fig: go.Figure) -> str:
    return json.dumps(fig.to_plotly_json(), ensure_ascii=False, default=str)


def annotations(fig):
    return [a.text or "" for a in fig.layout.annotations]


def assert_finished(fig, *must_in_title):
    title = fig.layout.title.text
    for s in must_in_title:
        assert s in title, (s, title)
    assert fig.layout.font.family == F.FONT_FAMILY
    assert "Noto Sans CJK SC" in fig.layout.font.family
    assert fig.layout.paper_bgcolor == "white" and fig.layout.plot_bgcolor == "white"
    assert any("数据来源" in a for a in annotations(fig)), annotations(fig)
    m = fig.layout.margin
    assert m.l >= 60 and m.r >= 60 and m.t >= 60 and m.b >= 60


@pytest.fixture
def trend_fig():
    return F.trend_figure(IND["new_members"], trend_frame(), SCOPE, 2025, "zh", SOURCE)


def test_trend_figure(trend_fig):
    fig = trend_fig
    assert_finished(fig, SCOPE, "2025年", "新发展会员")
    assert "（人）" in fig.layout.yaxis.title.text
    assert fig.layout.xaxis.title.text == "季度"
    # target: a dashed horizontal line, labelled on the chart
    lines = [s for s in fig.layout.shapes if s.type == "line" and s.y0 == s.y1 == 900]
    assert lines and lines[0].line.dash
    assert any("年度目标" in a and "900 人" in a for a in annotations(fig))
    names = [tr.name for tr in fig.data]
    assert "进度预期" in names and "2024年（上年）" in names
    exp = next(tr for tr in fig.data if tr.name == "进度预期")
    assert list(exp.y) == [225, 450, 675]  # nothing later than the chosen quarter (Q3)
    ticks = " ".join(fig.layout.xaxis.ticktext)
    assert "655 人" in ticks and "滞后" in ticks and "预期 675 人" in ticks
    # status not by colour alone: behind bars carry a pattern that on-track bars do not
    bars = {tr.name: tr for tr in fig.data if isinstance(tr, go.Bar)}
    assert bars["2025年实际 · 滞后"].marker.pattern.shape != bars["2025年实际 · 正常"].marker.pattern.shape


def test_trend_figure_rate_and_money():
    rate = pd.DataFrame(
        {
            "year": [2025] * 3,
            "quarter": [1, 2, 3],
            "actual": [0.951, 0.955, 0.9634],
            "target": [0.95] * 3,
            "expected": [0.95] * 3,
        }
    )
    fig = F.trend_figure(IND["membership_rate"], rate, SCOPE, 2025, "zh", SOURCE)
    assert "%" in fig.layout.yaxis.title.text
    assert fig.layout.yaxis.range[1] <= 100.5
    assert "96.3%" in all_text(fig)
    assert all(tr.name != "进度预期" for tr in fig.data)  # expected == target for rates
    money = pd.DataFrame(
        {
            "year": [2025] * 3,
            "quarter": [1, 2, 3],
            "actual": [150000, 310000, 576000],
            "target": [800000] * 3,
            "expected": [200000, 400000, 600000],
        }
    )
    fig = F.trend_figure(IND["dues_collected"], money, SCOPE, 2025, "zh", SOURCE)
    assert "万元" in fig.layout.yaxis.title.text
    assert "57.60 万元" in " ".join(fig.layout.xaxis.ticktext)
    fig_en = F.trend_figure(IND["dues_collected"], money, "Binjiang", 2025, "en", "Source: x")
    assert "CNY" in fig_en.layout.yaxis.title.text and "Q3" in " ".join(fig_en.layout.xaxis.ticktext)


def test_bullet_figure():
    fig = F.bullet_figure(bullet_rows(), SCOPE, 2025, 3, "zh", SOURCE)
    assert_finished(fig, SCOPE, "2025年第三季度", "组织建设与会员")
    assert "%" in fig.layout.xaxis.title.text and fig.layout.xaxis.ticksuffix == "%"
    assert any(s.x0 == s.x1 == 100 for s in fig.layout.shapes)  # the 100% line
    assert any("目标 100%" in a for a in annotations(fig))
    texts = " ".join(annotations(fig))
    assert "72.8%" in texts and "滞后" in texts and "116.7%" in texts and "超前" in texts
    assert "未设目标" in texts and "会员人数" in texts  # omitted, but named
    exp = next(tr for tr in fig.data if tr.name == "进度预期")
    assert [round(x, 1) for x in exp.x] == [100.0, 75.0, 75.0]
    shapes = {tr.name: tr.marker.pattern.shape for tr in fig.data if isinstance(tr, go.Bar) and tr.name}
    assert len(set(shapes.values())) == len(shapes) == 3


def test_ranking_figure_escapes_and_labels():
    fig = F.ranking_figure(IND["membership_rate"], ranking_frame(), SCOPE, 2025, 3, "zh", SOURCE)
    assert_finished(fig, SCOPE, "2025年第三季度", "入会率")
    assert "%" in fig.layout.xaxis.title.text
    assert fig.layout.yaxis.type == "category"  # unit "2025" stays a name
    js = fig.to_json()
    assert "<img" not in js and "onerror=alert(1)>" not in js
    assert "&lt;img src=x onerror=alert(1)&gt;" in js
    cats = list(fig.layout.yaxis.categoryarray)
    assert cats[0] == "滨江市人民医院工会委员会"  # asc: lowest first (top)
    assert cats[-1] == "滨江市第二实验小学工会"  # no data last
    assert any(s.x0 == s.x1 == 95 for s in fig.layout.shapes)  # target line
    assert any("年度目标 95.0%" in a for a in annotations(fig))
    texts = " ".join(annotations(fig))
    assert "93.0%" in texts and "滞后" in texts and "暂无数据" in texts
    desc = F.ranking_figure(
        IND["membership_rate"], ranking_frame(), SCOPE, 2025, 3, "zh", SOURCE, sort="desc"
    )
    assert desc.layout.yaxis.categoryarray[0] == "滨江市第一中学工会"


def test_trend_marks_a_quarter_that_leaves_out_units():
    frame = trend_frame()
    frame["reported"] = [31] * len(frame)
    frame["expected_units"] = [31] * len(frame)
    last = frame.index[(frame["year"] == 2025)][-1]
    frame.loc[last, "reported"] = 29
    fig = F.trend_figure(IND["new_members"], frame, SCOPE, 2025, "zh", SOURCE)
    ticks = " ".join(fig.layout.xaxis.ticktext)
    assert "29/31 个单位报送" in ticks
    assert any("未计入未报送的单位" in a for a in annotations(fig))
    complete = F.trend_figure(IND["new_members"], trend_frame(), SCOPE, 2025, "zh", SOURCE)
    assert not any("未报送" in a for a in annotations(complete))


def test_ranking_draws_a_units_own_target_on_that_unit_only():
    frame = pd.DataFrame(
        {
            "unit": ["甲", "江滨街道非公企业联合工会", "丙", "财政局", "丁"],
            "actual": [320.0, 250.0, 90.0, None, None],
            "target": [None, 300.0, None, None, None],
            "expected": [None, 300.0, None, None, None],
            "status": ["no_target", "missed", "no_target", "not_applicable", "no_data"],
            "target_of": [None, "own", None, None, None],
            "reported": [1, 1, 1, 1, 0],
            "expected_units": [1, 1, 1, 1, 1],
        }
    )
    fig = F.ranking_figure(IND["new_members"], frame, SCOPE, 2025, 4, "zh", SOURCE, sort="desc")
    assert not [s for s in fig.layout.shapes if s.x0 == s.x1]  # no line across all units
    markers = [tr for tr in fig.data if tr.type == "scatter"]
    assert len(markers) == 1 and list(markers[0].y) == ["江滨街道非公企业联合工会"]
    notes = [a.text for a in fig.layout.annotations]
    assert "不适用" in notes and "未报送" in notes
    assert list(fig.layout.yaxis.categoryarray)[-1] == "财政局"  # not applicable last


def test_ranking_height_grows_with_units():
    def frame(n):
        return pd.DataFrame(
            {
                "unit": [f"单位{i}" for i in range(n)],
                "actual": list(range(n)),
                "target": [None] * n,
                "expected": [None] * n,
                "achievement": [None] * n,
                "status": ["no_target"] * n,
            }
        )

    small = F.ranking_figure(IND["new_members"], frame(5), SCOPE, 2025, 3, "zh", SOURCE)
    big = F.ranking_figure(IND["new_members"], frame(105), SCOPE, 2025, 3, "zh", SOURCE)
    assert big.layout.height - small.layout.height >= 100 * 22
    assert "2025年1-3季度" in small.layout.title.text  # a flow is cumulative


def test_breakdown_figure():
    fig = F.breakdown_figure(
        breakdown_frame(),
        "amount",
        "category",
        "帮扶慰问支出（按类别）",
        SCOPE,
        2025,
        3,
        "zh",
        SOURCE,
        "元",
        value_label="金额",
    )
    assert_finished(fig, SCOPE, "2025年1-3季度", "帮扶慰问支出")
    assert fig.layout.xaxis.title.text == "金额（万元）"
    bar = fig.data[0]
    assert bar.y[0] == "节日慰问"  # sorted desc, top first
    assert bar.text[0] == "12.00 万元 · 62.6%"  # 120000 / 191723 = 0.62590
    assert "&lt;img" in fig.to_json() and "<img" not in fig.to_json()
    counts = pd.DataFrame({"类别": ["文体活动", "教育培训"], "次数": [30, 18]})
    fig = F.breakdown_figure(counts, "次数", "类别", "活动次数（按类别）", SCOPE, 2025, 3, "zh", SOURCE, "次")
    assert "（次）" in fig.layout.xaxis.title.text and fig.data[0].text[0] == "30 次 · 62.5%"
    fig = F.breakdown_figure(
        counts, "次数", "类别", "Activities by type", "Binjiang", 2025, 3, "en", "Source: x", "次"
    )
    assert fig.layout.xaxis.title.text == "Activities by type (events)"
    assert fig.data[0].y[0] == "Culture &amp; sports" and fig.data[0].text[0] == "30 events · 62.5%"


def test_figures_survive_empty_frames():
    empty_trend = pd.DataFrame(columns=["year", "quarter", "actual", "target", "expected"])
    F.trend_figure(IND["new_members"], empty_trend, SCOPE, 2025, "zh", SOURCE)
    F.bullet_figure(
        pd.DataFrame(columns=["indicator_id", "actual", "target", "expected", "achievement", "status"]),
        SCOPE,
        2025,
        3,
    )
    F.ranking_figure(
        IND["membership_rate"],
        pd.DataFrame(columns=["unit", "actual", "target", "expected", "achievement", "status"]),
        SCOPE,
        2025,
        3,
    )
    F.breakdown_figure(
        pd.DataFrame({"c": ["其他"], "v": [0]}), "v", "c", "活动次数", SCOPE, 2025, 3, "zh", SOURCE, "次"
    )


def test_scope_name_is_escaped_in_titles():
    fig = F.trend_figure(IND["new_members"], trend_frame(), XSS, 2025, "zh", XSS)
    assert "&lt;img" in fig.layout.title.text and "<img" not in fig.to_json()


def test_source_line():
    assert F.source_line("membership", "2025年1-3季度", "2025-11-20") == SOURCE
    en = F.source_line("membership", "2025 Q1–Q3", "2025-11-20", "en")
    assert en.startswith("Source:") and "2025 Q1–Q3" in en


def test_chart_config_and_filename():
    name = F.chart_filename(2025, 3, "入会率", "各单位排名")
    assert name == "2025年Q3_入会率_各单位排名"
    assert F.chart_config(name) == {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2},
    }
    unsafe = F.chart_filename(2025, None, 'a/b\\c:d*e?"f<g>h|i j', "x")
    assert not set('/\\:*?"<>| ') & set(unsafe) and unsafe.startswith("2025年_")


# ---------------------------------------------------------------- PNG export


@pytest.fixture
def browser(chromium_path, monkeypatch):
    """The system Chromium (conftest's chromium_path skips without it, fails if REQUIRE_BROWSER=1)."""
    monkeypatch.setenv("BROWSER_PATH", chromium_path)
    return chromium_path


def _gray(png: bytes):
    np = pytest.importorskip("numpy")
    Image = pytest.importorskip("PIL.Image")
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.int16)


def _title_png(text: str) -> bytes:
    fig = go.Figure(
        layout=dict(
            title=dict(text=text, font=dict(family=F.FONT_FAMILY, size=40), x=0.02, y=0.6),
            xaxis=dict(visible=False),
            yaxis=dict(visible=False),
            paper_bgcolor="white",
            plot_bgcolor="white",
            margin=dict(l=0, r=0, t=0, b=0),
        )
    )
    return F.export_png(fig, width=600, height=120, scale=1)


def test_export_png_renders_cjk_glyphs(browser):
    """Tofu check: missing glyphs all render as the same box, so two different Chinese strings
    of equal length would give (nearly) the same image. Real glyphs give clearly different ones."""
    if shutil.which("fc-list"):
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
        assert out.strip(), "no font with Chinese coverage installed (apt install fonts-noto-cjk)"
    np = pytest.importorskip("numpy")
    a = _gray(_title_png("滨江市总工会会员"))
    b = _gray(_title_png("组织建设集体合同"))
    ink_a = int((a < 128).sum())
    assert ink_a > 300, "title text did not render"
    differing = int((np.abs(a - b) > 64).sum())
    assert differing > 0.4 * ink_a, f"glyphs look identical (tofu?): {differing} of {ink_a}"


def test_export_png_of_a_figure(trend_fig, browser):
    png = F.export_png(trend_fig, *F.SIZE_A4)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    img = _gray(png)
    assert img.shape == (F.SIZE_A4[1] * 2, F.SIZE_A4[0] * 2)  # scale=2
    assert (img < 128).sum() > 10_000  # something was drawn
