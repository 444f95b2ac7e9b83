"""Accounts and roles in a real browser: the app served (serve.py) over a copy of the demo database,
signed into through its login page; the login cookie, refresh, logout, expiry, a disabled account,
lockout, a write outside the subtree, and OpenID Connect against a real provider run by the test."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from etl import store
from etl.store import accounts, audit, permissions
from tests.login import password_of

ROOT = Path(__file__).resolve().parents[2]
VIEWER_LINKS = [
    "总览",
    "组织建设与会员",
    "集体合同",
    "会费收缴",
    "帮扶慰问",
    "活动开展",
    "数据报送",
    "报告导出",
]
ADMIN_ONLY = ["年度目标", "单位管理", "账号管理", "操作日志"]


def nav_links(page: Any) -> set[str]:
    """The page names offered in the sidebar navigation."""
    nav = page.locator('[data-testid="stSidebarNav"]')
    names = [*VIEWER_LINKS, "数据上传", *ADMIN_ONLY]
    return {name for name in names if nav.get_by_text(name, exact=True).count()}


def no_exception(page: Any) -> None:
    shown = page.locator('[data-testid="stException"]')
    assert shown.count() == 0, "\n".join(shown.all_inner_texts())


def counts(db: Path) -> tuple[int, int]:
    with store.connect(db, read_only=True) as con:
        return (
            con.execute("SELECT count(*) FROM membership").fetchall()[0][0],
            con.execute("SELECT count(*) FROM loads").fetchall()[0][0],
        )


def entries(db: Path, action: str) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        frame = audit.entries(con, actions=[action])
    return list(frame[["account", "detail"]].itertuples(index=False, name=None))


def wait_for_entries(db: Path, action: str, count: int, timeout: float = 60.0) -> None:
    """Wait until the server has logged ``count`` entries of ``action`` (the page's error text stays
    from the attempt before, so it cannot tell that the next attempt was handled)."""
    deadline = time.monotonic() + timeout
    while len(entries(db, action)) < count:  # store.connect waits while the server holds the file
        assert time.monotonic() < deadline, f"{count} × {action} not logged within {timeout:.0f} s"
        time.sleep(0.2)


def shows_login(page: Any) -> bool:
    """The login form is on the page (waits for it), and nothing else of the app."""
    from playwright.sync_api import expect

    form = page.locator('[data-testid="stForm"]')
    expect(form.get_by_role("button", name="登录", exact=True)).to_have_count(1, timeout=30_000)
    expect(form.locator('input[type="password"]')).to_have_count(1)
    return page.get_by_text("当前账号：").count() == 0


def test_an_anonymous_visitor_gets_the_login_page_only(
    module_server: str, browser_page: Any, wait_for_app: Callable[..., None]
) -> None:
    page = browser_page
    for path in ("/", "/upload", "/accounts", "/overview"):
        page.goto(module_server + path)
        wait_for_app(page)
        assert shows_login(page), path
        assert nav_links(page) == set(), path
        assert page.locator('[data-testid="stMetric"]').count() == 0
        assert page.locator('[data-testid="stFileUploader"]').count() == 0


def test_viewer_navigation_url_refresh_and_logout(
    module_server: str,
    browser_page: Any,
    wait_for_app: Callable[..., None],
    browser_login: Any,
    tmp_path: Path,
) -> None:
    page = browser_page
    browser_login(page, module_server, "jiaoyu")
    assert nav_links(page) == set(VIEWER_LINKS)
    main = page.locator('[data-testid="stMain"]')
    assert "滨江市教育工会 · 2025年第四季度" in main.inner_text()
    cookie = next(c for c in page.context.cookies() if c["name"] == "union_kpi_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > time.time()
    # a page the role may not use, opened by URL: Streamlit runs the default page instead
    for path in ("/upload", "/targets", "/accounts", "/audit"):
        page.goto(module_server + path)
        wait_for_app(page)
        page.get_by_text("Page not found").wait_for(timeout=15_000)
        assert page.locator('[data-testid="stFileUploader"]').count() == 0
        assert page.get_by_role("heading", name="总览").count() == 1, path
    page.goto(module_server + "/organisation")
    wait_for_app(page)
    page.reload()  # the cookie carries the login across a refresh
    wait_for_app(page)
    page.get_by_text("当前账号：jiaoyu").wait_for(timeout=30_000)
    assert page.get_by_role("heading", name="组织建设与会员").count() == 1
    page.screenshot(path=str(tmp_path / "viewer.png"), full_page=True)
    no_exception(page)
    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="登录", exact=True).wait_for(timeout=30_000)
    wait_for_app(page)
    assert "union_kpi_session" not in {c["name"] for c in page.context.cookies()}
    page.reload()
    wait_for_app(page)
    assert shows_login(page) and nav_links(page) == set()


def _sheet(rows: list[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("会员发展")
    sheet.write_row(0, 0, ["2025年第四季度会员发展情况统计表"])
    sheet.write_row(1, 0, ["单位名称", "上级工会", "职工人数", "会员人数"])
    for number, (unit, parent) in enumerate(rows, start=2):
        sheet.write_row(number, 0, [unit, parent, 100, 95])
    book.close()
    return buffer.getvalue()


def test_an_uploader_writing_outside_its_subtree_is_refused(
    streamlit_server: str,
    browser_page: Any,
    wait_for_app: Callable[..., None],
    browser_login: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    db = tmp_path / "server.duckdb"
    page = browser_page
    browser_login(page, streamlit_server, "jiangbin")
    assert nav_links(page) == {*VIEWER_LINKS, "数据上传"}
    before = counts(db)
    page.get_by_role("link", name="数据上传").click()
    expect(page.get_by_role("heading", name="下载空白模板")).to_be_visible(timeout=30_000)
    upload = tmp_path / "2025年第四季度_会员发展.xlsx"
    upload.write_bytes(
        _sheet([("滨江港务集团有限公司", "江滨街道工会联合会"), ("滨江市第一中学", "滨江市教育工会")])
    )
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(upload))
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("不在您的管理范围", timeout=60_000)
    wait_for_app(page)
    assert "滨江市第一中学" in main.inner_text()
    expect(page.get_by_role("button", name="确认导入")).to_be_disabled()
    page.screenshot(path=str(tmp_path / "uploader_refused.png"), full_page=True)
    assert counts(db) == before
    no_exception(page)


def test_admin_sees_the_admin_pages_and_the_audit_log(
    module_server: str,
    browser_page: Any,
    wait_for_app: Callable[..., None],
    browser_login: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    browser_login(page, module_server, "admin")
    assert nav_links(page) == {*VIEWER_LINKS, "数据上传", *ADMIN_ONLY}
    page.get_by_role("link", name="操作日志").click()
    expect(page.get_by_role("heading", name="操作日志")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_role("button", name="下载 CSV")).to_be_visible()
    expect(page.get_by_role("button", name="下载 Excel")).to_be_visible()
    page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)
    page.get_by_role("link", name="账号管理").click()
    expect(page.get_by_role("heading", name="账号管理")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    page.screenshot(path=str(tmp_path / "accounts.png"), full_page=True)
    no_exception(page)


def test_lockout_and_no_clear_text_password_in_the_database_or_the_log(
    serve_app: Callable[..., str], browser_page: Any, wait_for_app: Callable[..., None], tmp_path: Path
) -> None:
    base = serve_app()
    db = tmp_path / "server.duckdb"
    page = browser_page
    page.goto(base)
    wait_for_app(page)
    wrong = "Wrong-Password-7731"
    failed_before = len(entries(db, "login_failed"))
    for attempt in range(accounts.MAX_FAILURES + 1):
        page.get_by_label("账号").fill("jiangbin")
        page.get_by_label("密码").fill(wrong if attempt < accounts.MAX_FAILURES else password_of("jiangbin"))
        page.get_by_role("button", name="登录", exact=True).click()
        page.get_by_text("用户名或密码错误").wait_for(timeout=30_000)
        # this attempt was handled, not dropped: the error text on the page may be the last one's
        wait_for_entries(db, "login_failed", failed_before + attempt + 1)
        wait_for_app(page)
    assert shows_login(page) and nav_links(page) == set()  # locked: the right password is refused too
    assert len(entries(db, "account_locked")) == 1
    # and a successful login elsewhere, so the right password has passed through the server too
    page.get_by_label("账号").fill("admin")
    page.get_by_label("密码").fill(password_of("admin"))
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_text("当前账号：admin").wait_for(timeout=60_000)
    time.sleep(1)
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("server.duckdb*"))
    logs = b"".join(p.read_bytes() for p in tmp_path.glob("streamlit-*.log"))
    for secret in (wrong, password_of("jiangbin"), password_of("admin"), password_of("jiaoyu")):
        assert secret.encode() not in stored, secret
        assert secret.encode() not in logs, secret


def test_an_idle_session_expires(
    serve_app: Callable[..., str], browser_page: Any, wait_for_app: Callable[..., None], browser_login: Any
) -> None:
    base = serve_app(env={"UNION_KPI_SESSION_IDLE_MINUTES": "0.05"})  # 3 seconds
    page = browser_page
    browser_login(page, base, "jiaoyu")
    time.sleep(4)
    page.reload()
    wait_for_app(page)
    page.get_by_text("登录已过期，请重新登录。").wait_for(timeout=30_000)
    assert shows_login(page) and nav_links(page) == set()


def test_a_disabled_account_is_signed_out_at_its_next_interaction(
    streamlit_server: str,
    browser_page: Any,
    wait_for_app: Callable[..., None],
    browser_login: Any,
    tmp_path: Path,
) -> None:
    page = browser_page
    browser_login(page, streamlit_server, "jiaoyu")
    disable = subprocess.run(
        [sys.executable, "-m", "etl", "users", "disable", "jiaoyu", "--db", str(tmp_path / "server.duckdb")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert disable.returncode == 0, disable.stderr
    page.get_by_role("link", name="集体合同").click()  # the next interaction
    page.get_by_text("账号已停用，请联系管理员。").wait_for(timeout=30_000)
    wait_for_app(page)
    assert shows_login(page) and nav_links(page) == set()


# ---------------------------------------------------------------- OpenID Connect


@pytest.fixture
def oidc_provider() -> Any:
    try:
        from oidc_provider_mock import run_server_in_thread
    except ImportError:
        pytest.skip("oidc-provider-mock is not installed (make dev-venv)")
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def test_oidc_login_matches_an_account_by_email(
    serve_app: Callable[..., str],
    oidc_provider: str,
    browser_page: Any,
    wait_for_app: Callable[..., None],
    demo_db: Path,
    tmp_path: Path,
) -> None:
    db = tmp_path / "server.duckdb"
    shutil.copyfile(demo_db, db)
    accounts.add(
        db, "liwei", "only-for-oidc-1", "viewer", unit="滨江市教育工会", email="LiWei@example.org",
        actor=permissions.local_admin("tester"),
    )  # fmt: skip
    with socket.socket() as probe:  # the redirect URI must name the port before the server starts
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    secrets = tmp_path / "secrets.toml"  # a test-only client; the provider accepts any
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        'cookie_secret = "test-only-cookie-secret-0123456789"\n'
        'client_id = "union-kpi-test"\n'
        'client_secret = "test-only-client-secret"\n'
        f'server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"\n',
        "utf-8",
    )
    base = serve_app(db=db, port=port, args=("--secrets.files", str(secrets))).replace(
        "127.0.0.1", "localhost"
    )
    page = browser_page

    def sign_in_as(email: str) -> None:
        page.goto(base)
        wait_for_app(page)
        page.get_by_role("button", name="使用统一身份认证登录").click()
        page.wait_for_url(f"{oidc_provider}/**", timeout=30_000)
        page.locator('input[name="sub"]').fill(email)  # the provider's own form: sub and e-mail
        page.get_by_role("button", name="Authorize").click()

    sign_in_as("liwei@example.org")
    page.get_by_text("当前账号：liwei（查看 · 滨江市教育工会）").wait_for(timeout=60_000)
    wait_for_app(page)
    assert nav_links(page) == set(VIEWER_LINKS)
    page.reload()
    wait_for_app(page)
    page.get_by_text("当前账号：liwei").wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "oidc.png"), full_page=True)
    assert entries(db, "login")[0] == ("liwei", "统一身份认证：liwei@example.org")
    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="使用统一身份认证登录").wait_for(timeout=30_000)
    page.reload()  # the identity left behind by the provider does not sign anyone in again
    wait_for_app(page)
    assert shows_login(page) and nav_links(page) == set()

    sign_in_as("stranger@example.org")
    page.get_by_text("请联系管理员开通").wait_for(timeout=60_000)
    wait_for_app(page)
    assert nav_links(page) == set() and page.locator('[data-testid="stMetric"]').count() == 0
    assert page.locator('input[type="password"]').count() == 0
