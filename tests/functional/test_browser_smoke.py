"""Smoke test: the dashboard starts over the demo database and renders its overview in Chromium."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def test_app_renders_overview(
    streamlit_server: str,
    browser_page: Any,
    wait_for_app: Callable[..., None],
    browser_login: Callable[..., None],
    tmp_path: Path,
) -> None:
    page = browser_page
    browser_login(page, streamlit_server, "admin")  # the demo database has accounts

    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, (
        "the app shows an exception (traceback in the streamlit log below):\n"
        + "\n".join(exceptions.all_inner_texts())
    )
    page.get_by_text("总览").first.wait_for(state="attached", timeout=15_000)
    assert "总览" in page.inner_text("body")

    page.wait_for_timeout(1_000)  # let canvas elements (tables, charts) paint before the screenshot
    shot = tmp_path / "overview.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
