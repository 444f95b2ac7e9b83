"""In real Chromium: a link opens exactly its view and the address bar follows the user; nothing on a
page is cut off, in Chinese or English, at 1440 and 1280 px."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.login import password_of

# Elements that end in "…" when their text does not fit
CUT_OFF = """() => {
    const cut = [];
    // text Streamlit shortens with an ellipsis (metric labels and values, buttons, selects)
    for (const el of document.querySelectorAll('[data-testid="stMain"] *, [data-testid="stSidebar"] *')) {
        const style = getComputedStyle(el);
        const clipped = style.textOverflow === 'ellipsis' || el.tagName === 'INPUT';
        const text = (el.value || el.textContent || '').trim();
        if (clipped && text && el.scrollWidth > el.clientWidth + 1) cut.push(text.slice(0, 60));
    }
    // chart titles drawn past the edge of their chart
    for (const plot of document.querySelectorAll('.js-plotly-plot')) {
        const svg = plot.querySelector('svg.main-svg');
        const box = svg && svg.getBoundingClientRect();
        for (const t of plot.querySelectorAll('.gtitle, .g-xtitle, .g-ytitle')) {
            const r = t.getBoundingClientRect();
            if (box && (r.right > box.right + 1 || r.left < box.left - 1)) cut.push(t.textContent);
        }
    }
    return cut;
}"""


ALL_PAGES = ("", "organisation", "contracts", "dues", "welfare", "activities", "reporting", "upload",
             "targets", "units", "report")  # fmt: skip
CHART_PAGES = ("", "organisation", "welfare")


@pytest.mark.parametrize(
    ("lang", "width", "paths"),
    # English at the narrower width is the tightest: every page; the others: the pages with cards and charts
    [
        ("en", 1280, ALL_PAGES),
        ("en", 1440, CHART_PAGES),
        ("zh", 1280, CHART_PAGES),
        ("zh", 1440, CHART_PAGES),
    ],
)
def test_nothing_is_cut_off(
    module_server: str,
    browser_page: Any,
    browser_login: Callable[..., None],
    wait_for_app: Callable[..., None],
    lang: str,
    width: int,
    paths: tuple[str, ...],
) -> None:
    page = browser_page
    page.set_viewport_size({"width": width, "height": 4000})  # the whole page renders at once
    browser_login(page, module_server, "admin")
    for path in paths:
        page.goto(f"{module_server}/{path}?lang={lang}", wait_until="domcontentloaded")
        wait_for_app(page, timeout_ms=90_000)
        page.wait_for_timeout(1_500)  # charts draw after the script run
        assert page.locator('[data-testid="stException"]').count() == 0
        cut = page.evaluate(CUT_OFF)
        assert not cut, f"/{path} ({lang}, {width} px): cut off: {cut}"


def test_a_link_opens_its_view_and_the_url_follows(
    module_server: str, browser_page: Any, wait_for_app: Callable[..., None]
) -> None:
    page = browser_page
    page.goto(f"{module_server}/dues?year=2025&quarter=2&lang=en", wait_until="domcontentloaded")
    wait_for_app(page, timeout_ms=90_000)
    # a reader who is not signed in yet signs in and lands on the view the link named
    page.get_by_label("Account").fill("admin")  # the link asked for English: so does the login form
    page.get_by_label("Password", exact=True).fill(password_of("admin"))
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/dues?*", timeout=60_000)
    page.get_by_text("Dues collection").first.wait_for(timeout=60_000)
    wait_for_app(page, timeout_ms=90_000)
    assert page.locator("h1").first.inner_text() == "Dues collection"
    quarter = page.get_by_role("combobox", name="Quarter")
    assert quarter.input_value() == "Q2"
    assert (
        "2025 Q2"
        in page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()
    )
    # choose Q3 in the sidebar: the address bar says so, and a reload keeps it
    quarter.click()
    quarter.fill("Q3")  # the select filters its options as one types
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.location.search.includes('quarter=3')", timeout=30_000)
    wait_for_app(page, timeout_ms=90_000)
    assert "lang=en" in page.url and "/dues" in page.url
    page.reload(wait_until="domcontentloaded")
    wait_for_app(page, timeout_ms=90_000)
    assert page.get_by_role("combobox", name="Quarter").input_value() == "Q3"
    assert page.locator("h1").first.inner_text() == "Dues collection"
