"""Login, roles and the audit trail through AppTest, on a copy of the demo database and its three
demo accounts (admin; uploader jiangbin of 江滨街道工会联合会; viewer jiaoyu of 滨江市教育工会)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.markdown import md_escape
from dashboard.state import ACTOR_KEY, ORG
from etl import store
from etl.core import fmt
from etl.core.dictionary import INDICATOR_BY_ID
from etl.indicators import kpis
from etl.store import accounts, audit, permissions
from tests.login import DEMO_LOGINS, fill_login, login, password_of

ROOT = Path(__file__).resolve().parents[2]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EDU, STREET = "滨江市教育工会", "江滨街道工会联合会"
VIEWER_PAGES = {
    "overview",
    "organisation",
    "contracts",
    "dues",
    "welfare",
    "activities",
    "reporting",
    "report",
}
PAGES_OF = {
    "viewer": VIEWER_PAGES,
    "uploader": VIEWER_PAGES | {"upload"},
    "admin": VIEWER_PAGES | {"upload", "targets", "units", "accounts", "audit"},
}
GUARDED = {
    "upload": "upload",
    "targets": "targets",
    "units": "units",
    "accounts": "accounts",
    "audit": "audit",
}


@pytest.fixture
def db(demo_db_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UNION_KPI_DB", str(demo_db_copy))
    monkeypatch.chdir(ROOT)
    return demo_db_copy


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def pages(at: AppTest) -> set[str]:
    """The pages st.navigation registered on the last run (AppTest keeps them per script path)."""
    return {
        Path(str(info["script_path"])).stem
        for info in at._registered_pages.values()  # AppTest's own record of the navigation
        if info.get("script_path")
    }


def log(db: Path, action: str) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        frame = audit.entries(con, actions=[action])
    return list(frame[["account", "role", "target", "detail"]].itertuples(index=False, name=None))


def texts(at: AppTest) -> str:
    parts = [
        e.value for kind in ("title", "markdown", "caption", "info", "error", "warning") for e in at.get(kind)
    ]
    return " ".join(str(p) for p in parts)


# ---------------------------------------------------------------- nobody signed in


def test_an_anonymous_visitor_sees_only_the_login_form(db: Path) -> None:
    at = app()
    assert [t.value for t in at.title] == ["登录工会年度工作指标看板"]
    assert pages(at) == set()  # the navigation holds nothing but the login page
    assert not at.metric and not at.dataframe and not at.sidebar.selectbox
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/overview.py")


@pytest.mark.parametrize("name, password", [("admin", "not-the-password"), ("nobody", "demo-admin-2025")])
def test_a_wrong_name_or_password_gets_one_generic_message(db: Path, name: str, password: str) -> None:
    at = fill_login(app(), name, password)
    assert [e.value for e in at.error] == ["用户名或密码错误"]
    assert pages(at) == set() and not at.metric


# ---------------------------------------------------------------- each role


@pytest.mark.parametrize("role", ["viewer", "uploader", "admin"])
def test_each_role_sees_its_pages_and_its_subtree(db: Path, role: str) -> None:
    name, _ = DEMO_LOGINS[role]
    at = login(app(), name)
    assert pages(at) == PAGES_OF[role]
    scope = at.sidebar.selectbox(key="scope")
    with store.connect(db, read_only=True) as con:
        org = kpis.find_unit(con, EDU if role == "viewer" else STREET) if role != "admin" else None
        visible = permissions.subtree(con, org) if org is not None else None
        expected = kpis.compute(con, 2025, 4, org)["members"].actual
        names = {
            r[0]
            for r in con.execute(
                "SELECT name FROM units WHERE list_contains(?, unit_id)", [list(visible or [])]
            ).fetchall()
        }
    shown = [label.split(" / ")[-1] for label in scope.options]  # "parent / unit" labels
    if visible is None:
        assert scope.value == ORG and shown[0] == "滨江市总工会（全部）"
    else:
        assert scope.value == org  # its own unit first, no whole-organisation option
        assert shown[0] == (EDU if role == "viewer" else STREET)
        assert sorted(shown) == sorted(names)
    members = next(m for m in at.metric if m.label == "会员人数")
    assert members.value == fmt.fmt_value(INDICATOR_BY_ID["members"], expected)


@pytest.mark.parametrize(
    "role, page", [(r, p) for r in ("viewer", "uploader") for p in GUARDED if p not in PAGES_OF[r]]
)
def test_a_page_the_role_may_not_use_is_not_in_the_navigation_and_refuses_to_render(
    db: Path, role: str, page: str
) -> None:
    name, _ = DEMO_LOGINS[role]
    at = login(app(), name)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"pages/{page}.py")  # not registered: a URL to it runs the default page
    # the page's own guard, should it be reached another way: it stops before drawing anything
    direct = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    direct.session_state[ACTOR_KEY] = accounts.authenticate(db, name, password_of(name)).actor()  # type: ignore[union-attr]
    direct.run()
    assert not direct.exception, [e.value for e in direct.exception]
    assert [e.value for e in direct.error] == [
        f"您的账号（{'查看' if role == 'viewer' else '填报员'}）无权打开此页面。"
    ]
    assert not direct.title and not direct.button and not direct.get("file_uploader")


def _membership(units: list[tuple[str, str]]) -> bytes:
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("会员发展")
    sheet.write_row(0, 0, ["2025年第四季度会员发展情况统计表"])
    sheet.write_row(1, 0, ["单位名称", "上级工会", "职工人数", "会员人数"])
    for row, (unit, parent) in enumerate(units, start=2):
        sheet.write_row(row, 0, [unit, parent, 100, 95])
    book.close()
    return buffer.getvalue()


def _rows(db: Path) -> tuple[int, int]:
    with store.connect(db, read_only=True) as con:
        return (
            con.execute("SELECT count(*) FROM membership").fetchall()[0][0],
            con.execute("SELECT count(*) FROM loads").fetchall()[0][0],
        )


def test_an_uploader_is_refused_a_file_with_units_outside_its_subtree(db: Path) -> None:
    at = login(app(), "jiangbin")
    at.switch_page("pages/upload.py")
    at.run()
    before = _rows(db)
    outside = _membership([("滨江港务集团有限公司", STREET), ("滨江市第一中学", EDU)])
    at.file_uploader[0].set_value(("2025年第四季度_会员发展.xlsx", outside, XLSX))
    at.run()
    errors = [e.value for e in at.error]
    assert any("滨江市第一中学" in e and "不在您的管理范围" in e for e in errors), errors
    assert not any("滨江港务集团有限公司" in e for e in errors)
    assert at.button(key="upload.confirm").disabled
    assert "确认后将发生的变化" not in texts(at)  # no preview of another union's figures
    at.session_state["upload.request"] = "confirm"  # a forged confirm changes nothing either
    at.run()
    assert _rows(db) == before
    # inside its subtree the same uploader loads, and the load is recorded under its account
    inside = _membership([("滨江港务集团有限公司", STREET), ("江滨新建科技有限公司", STREET)])
    at.file_uploader[0].set_value(("2025年第四季度_会员发展_补报.xlsx", inside, XLSX))
    at.run()
    assert not at.button(key="upload.confirm").disabled
    at.button(key="upload.confirm").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _rows(db)[1] == before[1] + 1
    with store.connect(db, read_only=True) as con:
        assert (
            con.execute("SELECT user_name FROM loads ORDER BY load_id DESC LIMIT 1").fetchall()[0][0]
            == "jiangbin"
        )
    with store.connect(db, read_only=True) as con:
        last = audit.entries(con, actions=["import"]).iloc[0]
    assert last["account"] == "jiangbin" and "江滨新建科技有限公司" in last["units"]


# ---------------------------------------------------------------- login life cycle


def test_five_wrong_passwords_lock_the_account_and_the_lock_is_logged(db: Path) -> None:
    at = app()
    for _ in range(accounts.MAX_FAILURES):
        fill_login(at, "jiaoyu", "wrong-password")
        assert [e.value for e in at.error] == ["用户名或密码错误"]
    fill_login(at, "jiaoyu", password_of("jiaoyu"))
    assert [e.value for e in at.error] == ["用户名或密码错误"]  # locked: the same message
    assert pages(at) == set()
    assert len(log(db, "login_failed")) == accounts.MAX_FAILURES + 1
    (locked,) = log(db, "account_locked")
    assert locked[0] == "jiaoyu" and "锁定 15 分钟" in locked[3]


def test_an_idle_session_expires(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNION_KPI_SESSION_IDLE_MINUTES", "0.03")  # 1.8 seconds
    at = login(app(), "jiaoyu")
    time.sleep(2.5)
    at.run()
    assert "登录已过期，请重新登录。" in [i.value for i in at.info]
    assert pages(at) == set() and not at.metric
    assert [e[0] for e in log(db, "session_expired")] == ["jiaoyu"]


def test_logout_ends_the_session(db: Path) -> None:
    at = login(app(), "jiangbin")
    at.sidebar.button(key="auth.logout").click().run()
    with store.connect(db, read_only=True) as con:
        ended = con.execute("SELECT end_reason FROM sessions WHERE ended_at IS NOT NULL").fetchall()
    assert ended == [("logout",)]
    at.run()  # the browser comes back (after /auth/signout) to the login page
    assert "已退出登录。" in [i.value for i in at.info]
    assert pages(at) == set()
    at.run()
    assert pages(at) == set()  # and stays ended
    assert log(db, "logout")[0][:2] == ("jiangbin", "uploader")


def test_a_disabled_account_is_signed_out_at_its_next_interaction(db: Path) -> None:
    viewer = login(app(), "jiaoyu")
    admin = login(app(), "admin")
    admin.switch_page("pages/accounts.py")
    admin.run()
    admin.selectbox(key="account-admin").set_value("jiaoyu").run()
    admin.button(key="account-disable").click().run()
    assert not admin.exception, [e.value for e in admin.exception]
    assert md_escape("已停用账号「jiaoyu」，其已登录的会话已结束。") in [s.value for s in admin.success]
    viewer.run()
    assert "账号已停用，请联系管理员。" in [i.value for i in viewer.info]
    assert pages(viewer) == set() and not viewer.metric
    assert log(db, "account_disable")[0][:3] == ("admin", "admin", "jiaoyu")
    fill_login(viewer, "jiaoyu", password_of("jiaoyu"))
    assert [e.value for e in viewer.error] == ["用户名或密码错误"]


# ---------------------------------------------------------------- admin pages


def test_admin_adds_an_account_and_reads_the_audit_log(db: Path) -> None:
    admin = login(app(), "admin")
    admin.switch_page("pages/accounts.py")
    admin.run()
    admin.text_input(key="account-add.name").input("=wang")
    admin.selectbox(key="account-add.role").set_value("viewer")
    admin.text_input(key="account-add.password").input("wang-password-1")
    admin.text_input(key="account-add.again").input("wang-password-1")
    next(b for b in admin.button if b.label == "新建").click().run()
    assert not admin.exception, [e.value for e in admin.exception]
    assert md_escape("已新建账号「=wang」。") in [s.value for s in admin.success]  # shown as text
    login(app(), "=wang", "wang-password-1")
    admin.switch_page("pages/audit.py")
    admin.run()
    table = admin.dataframe[0].value
    assert {"登录", "新建账号"} <= set(table["操作"])
    assert "=wang" in set(table["账号"])
    admin.multiselect(key="audit.actions").set_value(["account_add"]).run()
    assert set(admin.dataframe[0].value["操作"]) == {"新建账号"}
    labels = [b.proto.label for b in admin.get("download_button")]
    assert labels == ["下载 CSV", "下载 Excel"]
    assert not any(b.label in ("删除", "修改") for b in admin.button)  # read and download only


def test_the_audit_download_is_formula_safe(db: Path) -> None:
    import io

    from etl.outputs.templates import csv_bytes

    accounts.add(db, "=HYPERLINK(1)", "formula-pass-1", "viewer", actor=permissions.local_admin("tester"))
    with store.connect(db, read_only=True) as con:
        frame = audit.entries(con)
    text = csv_bytes(frame[["account", "action", "target"]]).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    assert io.StringIO(text).read()


# ---------------------------------------------------------------- first run


@pytest.mark.usefixtures("local_server")
def test_no_account_on_a_loopback_server_runs_as_the_local_user_with_a_banner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNION_KPI_DB", str(tmp_path / "fresh.duckdb"))
    at = app()
    assert any("未启用登录" in w.value and "python -m etl users add" in w.value for w in at.warning)
    assert pages(at) == PAGES_OF["admin"]
    at.switch_page("pages/upload.py")
    at.run()
    assert any("未启用登录" in w.value for w in at.warning)  # on every page


def test_no_account_on_a_network_address_shows_only_how_to_create_an_admin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit import config

    monkeypatch.setenv("UNION_KPI_DB", str(tmp_path / "fresh.duckdb"))
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = app()
    finally:
        config.set_option("server.address", before)
    assert [h.value for h in at.subheader] == ["尚未创建任何账号"]
    assert "在创建第一个管理员之前不显示任何数据" in texts(at)
    assert [c.value for c in at.code] == ["python -m etl users add admin --role admin"]
    assert pages(at) == set() and not at.text_input  # not even a login form
