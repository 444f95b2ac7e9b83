"""While the dashboard runs, the command line loads a sheet whose unit names are hostile;
the dashboard shows the new figure without a restart, the names as plain text, and no
script runs (no dialog, no injected <img>)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import xlsxwriter

from etl.core import fmt
from etl.core.dictionary import INDICATOR_BY_ID

ROOT = Path(__file__).resolve().parents[2]
XSS = "<img src=x onerror=alert(1)>"


def members(db: Path) -> float:
    out = subprocess.run(
        [sys.executable, "-m", "etl", "kpis", "--year", "2025", "--quarter", "4", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)["members"]["actual"]


def test_cli_load_while_serving_and_hostile_names_stay_text(
    streamlit_server: str, browser_page: Any, wait_for_app: Any, browser_login: Any, tmp_path: Path
) -> None:
    db = tmp_path / "server.duckdb"  # the database the running dashboard reads
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    browser_login(page, streamlit_server, "admin")  # the cookie keeps the login across reloads below
    before = members(db)

    sheet = tmp_path / "2025年第四季度会员发展.xlsx"
    book = xlsxwriter.Workbook(str(sheet))
    ws = book.add_worksheet("四季度")
    ws.write_row(0, 0, ["单位名称", "上级工会", "职工人数", "会员人数"])
    ws.write_row(1, 0, [XSS, "滨江市教育工会", 300, 290])
    ws.write_row(2, 0, ["**粗体**[链接](javascript:alert(2))", "滨江市教育工会", 100, 95])
    book.close()
    load = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(sheet), "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert load.returncode == 0, load.stderr
    after = members(db)
    assert after == before + 290 + 95

    page.reload()
    wait_for_app(page)
    shown = fmt.fmt_value(INDICATOR_BY_ID["members"], after)
    page.get_by_text(shown, exact=True).first.wait_for(timeout=30_000)  # new data, no restart

    page.goto(f"{streamlit_server}/organisation")
    wait_for_app(page)
    page.locator(".js-plotly-plot").nth(2).wait_for(timeout=30_000)
    labels = " ".join(page.locator(".js-plotly-plot svg text").all_text_contents())
    assert "<img src=x" in labels  # shown literally in the ranking chart
    assert page.locator('img[src="x"]').count() == 0  # never turned into an element
    page.screenshot(path=str(tmp_path / "organisation.png"), full_page=True)
    assert dialogs == []
