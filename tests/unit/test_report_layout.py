"""The pieces of the filed report that need no browser: figures laid out for print, rankings cut to
their first and last units, table columns that fit, totals that add up, the page model."""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd
import pytest

from etl.outputs import figures as F
from etl.outputs.report import images, pagination
from etl.outputs.report.docx import TEXT_WIDTH_PT, column_widths, fit_columns, money_cells, text_width_pt
from etl.outputs.report.images import SLIDE_TEXT_SCALE, SLIDE_WIDTH_PX, WORD_TEXT_SCALE, WORD_WIDTH_PX

SOURCE = "数据来源：各单位报送的会费收缴统计表；统计期：2025年全年；数据更新：2025-11-20"


def trend_fig():
    frame = pd.DataFrame(
        {
            "year": [2024] * 4 + [2025] * 4,
            "quarter": [1, 2, 3, 4] * 2,
            "actual": [180, 390, 610, 850, 210, 420, 655, 880],
            "target": [850] * 4 + [900] * 4,
            "expected": [212.5, 425, 637.5, 850, 225, 450, 675, 900],
            "status": [None] * 4 + ["on_track", "on_track", "behind", "missed"],
        }
    )
    return F.trend_figure("new_members", frame, "滨江市总工会", 2025, "zh", SOURCE, compact=True)


def ranking(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": [f"单位{i:02d}" for i in range(n)],
            "actual": [1.0 - i / 100 for i in range(n)],
            "target": [0.9] * n,
            "expected": [0.9] * n,
            "status": ["met" if 1.0 - i / 100 >= 0.9 else "missed" for i in range(n)],
            "target_of": ["org"] * n,
        }
    )


# ---------------------------------------------------------------- figures for print


def test_for_print_drops_the_title_keeps_the_source_and_scales_text() -> None:
    fig = trend_fig()
    assert fig.layout.title.text  # the dashboard's figure has its title
    d = F.for_print(fig, WORD_WIDTH_PX, text_scale=WORD_TEXT_SCALE)
    assert not (d["layout"].get("title") or {}).get("text")
    footer = next(a for a in d["layout"]["annotations"] if a.get("name") == "footer")
    assert "数据来源" in footer["text"]
    assert d["layout"]["width"] == WORD_WIDTH_PX
    sizes = F.print_text_sizes(d)
    assert min(sizes) == pytest.approx(F.MIN_FONT_PX * WORD_TEXT_SCALE, rel=0.01)
    # on paper: the smallest text at the text width is 9 pt
    assert min(sizes) * TEXT_WIDTH_PT / WORD_WIDTH_PX >= 9 - 1e-6
    # the original figure is untouched
    assert fig.layout.title.text and min(F.print_text_sizes(fig.to_dict())) == F.MIN_FONT_PX


def test_for_print_wraps_the_source_line_to_the_new_width() -> None:
    fig = trend_fig()
    narrow = F.for_print(fig, 360, text_scale=1.6)
    footer = next(a for a in narrow["layout"]["annotations"] if a.get("name") == "footer")
    for line in footer["text"].split("<br>"):
        assert F.style.text_width(line, F.style.FOOT_SIZE * 1.6) <= 360, line


def test_for_print_sets_the_plot_height_and_keeps_every_ranking_label() -> None:
    fig = F.ranking_figure("membership_rate", ranking(30), "滨江市总工会", 2025, 4, "zh", SOURCE, sort="desc")
    chrome = F.for_print(fig, SLIDE_WIDTH_PX, text_scale=SLIDE_TEXT_SCALE, plot_height=0, x_axis=False)
    d = F.for_print(fig, SLIDE_WIDTH_PX, text_scale=SLIDE_TEXT_SCALE, plot_height=400, x_axis=False)
    assert d["layout"]["height"] == chrome["layout"]["height"] + 400
    assert d["layout"]["xaxis"]["showticklabels"] is False
    y = d["layout"]["yaxis"]
    assert y["tickmode"] == "array" and len(y["tickvals"]) == 30


def test_ranking_limit_keeps_the_first_and_last_units_and_says_how_many_are_left_out() -> None:
    fig = F.ranking_figure(
        "membership_rate", ranking(31), "滨江市总工会", 2025, 4, "zh", SOURCE, sort="desc", limit=10
    )
    cats = list(fig.layout.yaxis.categoryarray)
    assert len(cats) == 21
    assert [re.sub(r"^\d+\. ", "", c) for c in cats[:10]] == [f"单位{i:02d}" for i in range(10)]
    assert "中间11个单位略" in cats[10]
    assert [re.sub(r"^\d+\. ", "", c) for c in cats[11:]] == [f"单位{i:02d}" for i in range(21, 31)]
    assert cats[0].startswith("1. ") and cats[-1].startswith("31. ")


def test_ranking_limit_keeps_the_scope_unit_where_it_ranks() -> None:
    fig = F.ranking_figure(
        "membership_rate",
        ranking(31),
        "滨江市总工会",
        2025,
        4,
        "zh",
        SOURCE,
        sort="desc",
        limit=10,
        keep=["单位15"],
    )
    cats = list(fig.layout.yaxis.categoryarray)
    assert "16. 单位15" in cats
    gaps = [c for c in cats if "单位略" in c]
    assert len(gaps) == 2 and len(set(gaps)) == 2  # two distinct rows: 5 left out, then 5
    assert cats.index("16. 单位15") == 11


def test_ranking_without_limit_or_few_units_lists_everyone() -> None:
    fig = F.ranking_figure("membership_rate", ranking(12), "滨江市总工会", 2025, 4, "zh", SOURCE, limit=10)
    assert len(fig.layout.yaxis.categoryarray) == 12


def test_ties_share_a_rank() -> None:
    frame = ranking(25)
    frame.loc[:5, "actual"] = 1.0
    fig = F.ranking_figure(
        "membership_rate", frame, "滨江市总工会", 2025, 4, "zh", SOURCE, sort="desc", limit=10
    )
    cats = list(fig.layout.yaxis.categoryarray)
    assert [c.split(".")[0] for c in cats[:7]] == ["1"] * 6 + ["7"]


# ---------------------------------------------------------------- print sizes


def test_word_pictures_fit_half_a_page_or_a_page() -> None:
    assert images.half_page_px() * images.WORD_PT_PER_PX * 2 + 2 * images.CAPTION_PT <= images.TEXT_HEIGHT_PT
    assert pytest.approx(156.0) == images.TEXT_WIDTH_MM
    assert pytest.approx(225.0) == images.TEXT_HEIGHT_MM


def test_slide_text_scale_gives_14pt() -> None:
    # the slide picture is laid out 1 px = 1 pt at the width it is placed
    assert round(images.SLIDE_BOX_IN[2] * 72) == images.SLIDE_WIDTH_PX
    assert F.MIN_FONT_PX * SLIDE_TEXT_SCALE >= 14 - 1e-9


def test_kaleido_still_has_the_tab_return_we_override() -> None:
    """An upgrade of kaleido that renames it would silently make every picture 0.15 s slower."""
    import kaleido

    assert hasattr(kaleido.Kaleido, "_return_kaleido_tab")
    assert images._kaleido_class() is not kaleido.Kaleido


# ---------------------------------------------------------------- tables


def test_columns_fit_on_one_line_or_give_way() -> None:
    header = ["序号", "单位", "未报送报表", "最近报送期"]
    name = "滨江市某某区某某街道某某社区某某某某有限公司"  # 22 characters: too long with 序号 at 五号
    rows = [["1", name, "会员发展、会费收缴", "2025年第三季度"]]
    assert column_widths(header, rows, 12) is None  # too wide at 小四
    size, keep, widths, wrap = fit_columns(header, rows, droppable=(0,))
    assert wrap is None and 0 not in keep  # 序号 went before any name could wrap
    assert sum(widths) <= TEXT_WIDTH_PT + 1e-6
    for c, w in zip(keep, widths, strict=True):
        assert w >= text_width_pt(rows[0][c], size)  # the longest entry fits its column
    short = [["1", "滨江市统计局", "会员发展", "2025年第三季度"]]
    assert fit_columns(header, short, droppable=(0,))[:2] == (12.0, [0, 1, 2, 3])
    long_name = "某某省某某市某某区某某街道某某社区某某某某某某某某某某某某某某某某有限公司工会委员会"
    size, keep, widths, wrap = fit_columns(["单位", "金额"], [[long_name, "1,000"]])
    assert wrap == 0 and sum(widths) <= TEXT_WIDTH_PT + 1e-6  # only the name may wrap, at last


def test_money_total_is_the_sum_of_the_amounts_shown() -> None:
    cells, total, value = money_cells([60657.004, 72461.5, 116580.126])
    assert cells == ["60,657.00", "72,461.50", "116,580.13"]
    assert value == sum(Decimal(c.replace(",", "")) for c in cells)
    assert total == "249,698.63"
    cells, total, _ = money_cells([10, 20])
    assert cells == ["10", "20"] and total == "30"


# ---------------------------------------------------------------- the page model


def test_pages_break_lines_and_keep_pictures_whole() -> None:
    pages = pagination.Pages()
    pages.text("字" * 27 * 21)  # 2 characters of indent: 22 lines, a page and a bit
    assert pages.page == 1 and pages.used == pytest.approx(22 * 29)
    pages.text("字" * 10)
    assert pages.page == 2
    pages.figure(500)  # fits under one line
    assert pages.page == 2
    pages.figure(200)  # does not fit under it: a new page
    assert pages.page == 3


def test_fill_order_puts_a_chart_that_fits_first() -> None:
    class C:
        def __init__(self, key: str) -> None:
            self.key = key

    pages = pagination.Pages()
    pages.used = 300  # half the page is left
    a, b, c = C("tall"), C("small"), C("tall2")
    heights = {"tall": 450, "small": 200, "tall2": 450}
    assert [x.key for x in pages.fill_order([a, b, c], heights)] == ["small", "tall", "tall2"]


# ---------------------------------------------------------------- the shared browser


def test_a_browser_that_does_not_open_is_replaced_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """kaleido can wait forever for a tab's page: the export starts a fresh browser instead."""
    import asyncio

    made: list[int] = []

    class Fake:
        def __init__(self, n: int, timeout: float) -> None:
            self.n = n
            made.append(n)

        async def open(self) -> None:
            if len(made) == 1:
                await asyncio.sleep(3600)  # the first one hangs

        async def calc_fig(self, fig: dict, opts: dict) -> bytes:
            return b"png:" + str(fig["n"]).encode()

        async def close(self) -> None:
            pass

    monkeypatch.setattr(images, "_kaleido_class", lambda: Fake)
    monkeypatch.setattr(F, "_kaleido_opts", lambda: {})
    monkeypatch.setattr(images, "OPEN_TIMEOUT_S", 0.5)
    browser = images._Browser()
    browser.acquire(2)
    try:
        futures = [browser.submit({"fig": {"n": i}, "opts": {}}) for i in range(3)]
        assert [f.result(timeout=5) for f in futures] == [b"png:0", b"png:1", b"png:2"]
    finally:
        browser.release()
    assert made == [2, 2]  # a second browser, with the tabs asked for
    assert browser._loop is None


def test_a_browser_that_never_opens_is_an_error_not_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    class Stuck:
        def __init__(self, n: int, timeout: float) -> None:
            pass

        async def open(self) -> None:
            await asyncio.sleep(3600)

    monkeypatch.setattr(images, "_kaleido_class", lambda: Stuck)
    monkeypatch.setattr(F, "_kaleido_opts", lambda: {})
    monkeypatch.setattr(images, "OPEN_TIMEOUT_S", 0.3)
    browser = images._Browser()
    browser.acquire()
    try:
        with pytest.raises(RuntimeError, match="did not start"):
            browser.submit({"fig": {}, "opts": {}})
    finally:
        browser.release()
