"""The whole upload in a real browser: choose a file on 数据上传, check what was recognised, confirm,
then see the new 会员人数 on 总览 — the app served over a copy of the demo database."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xlsxwriter

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NEW_UNIT = "滨江市浏览器测试科技有限公司"
EMPLOYEES, MEMBERS = 5000, 4990
SHOTS = Path("/tmp/shots")


def _members_2025_q4(db: Path) -> float:
    """会员人数 of the whole organisation at 2025 Q4, from the command line (read-only)."""
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "kpis", "--year", "2025", "--quarter", "4", "--db", str(db)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return float(json.loads(proc.stdout)["members"]["actual"])


def _new_unit_sheet(path: Path) -> Path:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("会员发展")
    sheet.write_row(0, 0, ["2025年第四季度会员发展情况统计表"])
    sheet.write_row(1, 0, ["单位名称", "职工人数", "会员人数", "新发展会员"])
    sheet.write_row(2, 0, [NEW_UNIT, EMPLOYEES, MEMBERS, 40])
    book.close()
    path.write_bytes(buffer.getvalue())
    return path


def _shot(page: Any, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0


def test_upload_a_sheet_and_see_it_on_the_overview(
    serve_app: Callable[..., str],
    browser_page: Any,
    wait_for_app: Callable[..., None],
    demo_db: Path,
    tmp_path: Path,
    browser_login: Callable[..., None],
) -> None:
    from playwright.sync_api import expect

    # the server works on a copy of demo_db, so demo_db itself still holds the figure before the upload
    expected = _members_2025_q4(demo_db) + MEMBERS
    expected_text = f"{round(expected):,}"
    sheet = _new_unit_sheet(tmp_path / "2025年第四季度_会员发展_新单位.xlsx")

    streamlit_server = serve_app(env={"UNION_KPI_SANDBOX": "1"})  # the upload parsed as deployed
    page = browser_page
    browser_login(page, streamlit_server, "admin")
    page.get_by_role("link", name="数据上传").click()
    expect(page.get_by_role("heading", name="下载空白模板")).to_be_visible(timeout=30_000)
    for label in ("会员发展模板", "会费收缴模板", "帮扶慰问模板", "活动开展模板", "年度目标模板"):
        expect(page.get_by_role("button", name=label)).to_be_visible()

    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(sheet))
    expect(page.get_by_text("识别为“会员发展”表")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("2025年第四季度")
    expect(main).to_contain_text("已有 0 个 · 新增 1 个")
    expect(main).to_contain_text("未发现错误。")
    _shot(page, tmp_path / "upload_inspected.png")
    try:  # a copy to look at by hand
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / "upload_inspected.png", SHOTS / "upload.png")
    except OSError:
        pass

    confirm = page.get_by_role("button", name="确认导入")
    expect(confirm).to_be_enabled()
    confirm.click()
    expect(page.get_by_text("已导入 1 个文件，共 1 行")).to_be_visible(timeout=60_000)
    expect(main).to_contain_text(NEW_UNIT)
    _shot(page, tmp_path / "upload_done.png")

    page.get_by_role("link", name="查看总览").click()
    members_card = page.locator('[data-testid="stMetric"]').filter(
        has=page.get_by_text("会员人数", exact=True)
    )
    expect(members_card.first.locator('[data-testid="stMetricValue"]')).to_contain_text(
        expected_text, timeout=60_000
    )
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, "\n".join(exceptions.all_inner_texts())
    _shot(page, tmp_path / "overview_after_upload.png")
