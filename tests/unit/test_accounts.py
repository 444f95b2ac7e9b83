"""Accounts, passwords, lockout, sessions and the users command line, on real DuckDB files."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dashboard import auth_cookie
from etl import store
from etl.store import accounts, audit
from etl.store.permissions import Actor, PermissionDenied, local_admin
from tests.conftest import copy_folder

ROOT = Path(__file__).resolve().parents[2]
CLI = local_admin("tester")
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # built once per module; each test writes to its own copy (`db`)
    tmp_path = tmp_path_factory.mktemp("db")
    path = tmp_path / "accounts.duckdb"
    accounts.add(path, "boss", PASSWORD, "admin", actor=CLI)
    return path


@pytest.fixture
def db(db_template: Path, tmp_path: Path) -> Path:
    return copy_folder(db_template, tmp_path)


def _log(db: Path, action: str | None = None) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        frame = audit.entries(con, actions=[action] if action else None)
    return list(frame[["account", "action", "target", "detail"]].itertuples(index=False, name=None))


def _sql(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with store.connect(db) as con:
        return con.execute(sql, params or []).fetchall()


def test_password_is_stored_as_an_argon2id_hash_only(db: Path) -> None:
    (stored,) = _sql(db, "SELECT password_hash FROM accounts WHERE name = 'boss'")[0]
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert accounts.authenticate(db, "boss", PASSWORD) is not None
    assert accounts.authenticate(db, "BOSS", PASSWORD) is not None  # names ignore case
    assert accounts.authenticate(db, "boss", PASSWORD.upper()) is None


def test_every_attempt_is_logged_without_the_typed_name_of_an_unknown_account(db: Path) -> None:
    accounts.authenticate(db, "boss", PASSWORD)
    accounts.authenticate(db, "boss", "nope-nope-nope")
    accounts.authenticate(db, PASSWORD, "whatever-typed")  # a password typed into the name field
    log = _log(db)
    assert ("boss", "login", "boss", "账号密码登录") in log
    assert ("boss", "login_failed", "boss", "密码错误（第 1 次）") in log
    assert ("", "login_failed", "", "账号不存在") in log
    assert not any(PASSWORD in str(cell) for row in log for cell in row)


def test_five_failures_lock_the_account_for_fifteen_minutes(db: Path) -> None:
    for _ in range(accounts.MAX_FAILURES):
        assert accounts.authenticate(db, "boss", "wrong-password") is None
    assert accounts.authenticate(db, "boss", PASSWORD) is None  # locked: even the right password
    (locked_until,) = _sql(db, "SELECT locked_until FROM accounts WHERE name = 'boss'")[0]
    minutes = (locked_until - dt.datetime.now()).total_seconds() / 60
    assert 14 < minutes <= accounts.LOCK_MINUTES
    locks = _log(db, "account_locked")
    assert len(locks) == 1 and "连续 5 次密码错误" in locks[0][3]
    assert "锁定中" in _log(db, "login_failed")[0][3]
    # once the lock has run out, the right password works again
    _sql(db, "UPDATE accounts SET locked_until = ? WHERE name = 'boss'", [dt.datetime.now()])
    assert accounts.authenticate(db, "boss", PASSWORD) is not None


def test_a_reset_password_lifts_the_lock(db: Path) -> None:
    for _ in range(accounts.MAX_FAILURES):
        accounts.authenticate(db, "boss", "wrong-password")
    accounts.set_password(db, "boss", "a-new-password-1", actor=CLI)
    assert accounts.authenticate(db, "boss", "a-new-password-1") is not None
    assert accounts.authenticate(db, "boss", PASSWORD) is None


@pytest.mark.parametrize(
    "name, password, role, unit, message",
    [
        ("", PASSWORD, "viewer", None, "账号名不能为空"),
        ("a b", PASSWORD, "viewer", None, "不能含空格"),
        ("viewer1", "short", "viewer", None, "至少需要 8 个字符"),
        ("samename1", "samename1", "viewer", None, "不能与账号名相同"),
        ("up1", PASSWORD, "uploader", None, "填报员必须指定所属单位"),
        ("ad2", PASSWORD, "admin", "某单位", "不能指定单位"),
        ("v2", PASSWORD, "viewer", "不存在的单位", "找不到单位"),
        ("v3", PASSWORD, "superuser", None, "角色「superuser」无效"),
        ("boss", PASSWORD, "viewer", None, "已存在"),
    ],
)
def test_invalid_accounts_are_refused_in_chinese(
    db: Path, name: str, password: str, role: str, unit: str | None, message: str
) -> None:
    with pytest.raises(accounts.AccountError, match=message):
        accounts.add(db, name, password, role, unit=unit, actor=CLI)


def test_the_last_enabled_admin_cannot_be_disabled_or_demoted(db: Path) -> None:
    with pytest.raises(accounts.AccountError, match="至少要保留一个启用的管理员账号"):
        accounts.set_enabled(db, "boss", False, actor=CLI)
    with pytest.raises(accounts.AccountError, match="至少要保留一个启用的管理员账号"):
        accounts.change(db, "boss", role="viewer", unit=None, email=None, actor=CLI)


def test_only_admins_manage_accounts_and_refusals_are_logged(db: Path) -> None:
    accounts.add(db, "reader", PASSWORD, "viewer", actor=CLI)
    reader = accounts.authenticate(db, "reader", PASSWORD)
    assert reader is not None
    with pytest.raises(PermissionDenied, match="无权管理账号"):
        accounts.add(db, "sneaky", PASSWORD, "admin", actor=reader.actor())
    assert _sql(db, "SELECT count(*) FROM accounts WHERE name = 'sneaky'")[0][0] == 0
    denied = _log(db, "denied")
    assert denied[0][0] == "reader" and denied[0][2] == "account_add"
    # an admin account that was disabled a moment ago can no longer manage anything
    boss = accounts.authenticate(db, "boss", PASSWORD)
    assert boss is not None
    accounts.add(db, "boss2", PASSWORD, "admin", actor=CLI)
    accounts.set_enabled(db, "boss", False, actor=CLI)
    with pytest.raises(PermissionDenied, match="已停用"):
        accounts.set_enabled(db, "reader", False, actor=boss.actor())


def test_email_is_unique_and_lower_case(db: Path) -> None:
    accounts.add(db, "mail1", PASSWORD, "viewer", email="Li.Wei@Example.org", actor=CLI)
    assert _sql(db, "SELECT email FROM accounts WHERE name = 'mail1'")[0][0] == "li.wei@example.org"
    with pytest.raises(accounts.AccountError, match="已用于账号「mail1」"):
        accounts.add(db, "mail2", PASSWORD, "viewer", email="li.wei@example.org", actor=CLI)


# ---------------------------------------------------------------- sessions


def test_a_session_token_and_its_one_time_ticket(db: Path) -> None:
    boss = accounts.authenticate(db, "boss", PASSWORD)
    assert boss is not None
    token, ticket = accounts.start_session(db, boss)
    assert accounts.check_session(db, token).account == boss
    cookie_token = accounts.redeem_ticket(db, ticket)
    assert cookie_token and cookie_token != token
    assert accounts.redeem_ticket(db, ticket) is None  # single use
    assert accounts.check_session(db, token).reason == "unknown"  # swapped for the cookie's token
    assert accounts.check_session(db, cookie_token).account == boss
    stored = " ".join(str(v) for row in _sql(db, "SELECT * FROM sessions") for v in row)
    assert token not in stored and ticket not in stored and cookie_token not in stored


def test_a_ticket_expires_after_a_minute(db: Path) -> None:
    boss = accounts.authenticate(db, "boss", PASSWORD)
    assert boss is not None
    _, ticket = accounts.start_session(db, boss)
    _sql(db, "UPDATE sessions SET ticket_expires = ?", [dt.datetime.now() - dt.timedelta(seconds=1)])
    assert accounts.redeem_ticket(db, ticket) is None


def test_an_idle_session_expires_after_the_configured_time(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNION_KPI_SESSION_IDLE_MINUTES", "0.05")  # 3 seconds
    boss = accounts.authenticate(db, "boss", PASSWORD)
    assert boss is not None
    token, _ = accounts.start_session(db, boss)
    time.sleep(1.5)
    assert accounts.check_session(db, token).reason == "ok"  # use keeps it alive
    time.sleep(2)  # 3.5 s after the start, 2 s after the last use
    assert accounts.check_session(db, token).reason == "ok"
    time.sleep(4)
    assert accounts.check_session(db, token).reason == "expired"
    assert accounts.check_session(db, token).reason == "expired"  # stays so, logged once
    assert [r[1] for r in _log(db, "session_expired")] == ["session_expired"]


def test_logout_disable_and_password_reset_end_sessions(db: Path) -> None:
    accounts.add(db, "reader", PASSWORD, "viewer", actor=CLI)
    reader = accounts.authenticate(db, "reader", PASSWORD)
    assert reader is not None
    first, _ = accounts.start_session(db, reader)
    second, _ = accounts.start_session(db, reader)
    third, _ = accounts.start_session(db, reader)
    accounts.end_session(db, first, reader.actor())
    assert accounts.check_session(db, first).reason == "ended"
    assert accounts.check_session(db, second).reason == "ok"
    assert _log(db, "logout")[0][:2] == ("reader", "logout")
    accounts.set_enabled(db, "reader", False, actor=CLI)
    assert accounts.check_session(db, second).reason == "disabled"
    assert accounts.authenticate(db, "reader", PASSWORD) is None  # disabled: no new login either
    accounts.set_enabled(db, "reader", True, actor=CLI)
    assert accounts.check_session(db, third).account is None  # ended sessions stay ended
    fourth, _ = accounts.start_session(db, reader)
    accounts.set_password(db, "reader", "another-password", actor=CLI)
    assert accounts.check_session(db, fourth).reason == "revoked"


def test_the_cookie_is_signed_and_expires(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = accounts.cookie_secret(db)
    assert secret == accounts.cookie_secret(db)  # kept in the database
    value = auth_cookie.sign(secret, "the-token")
    assert auth_cookie.unsign(secret, value) == "the-token"
    assert auth_cookie.unsign(secret, value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]) is None
    assert auth_cookie.unsign("another-secret", value) is None
    monkeypatch.setenv("UNION_KPI_SESSION_MAX_HOURS", "0.0001")  # 0.36 seconds
    time.sleep(1.5)
    assert auth_cookie.unsign(secret, value) is None


def test_oidc_identities_match_by_email_once_and_only_when_fresh(db: Path) -> None:
    accounts.add(db, "liwei", PASSWORD, "viewer", email="liwei@example.org", actor=CLI)
    now = time.time()
    account, reason = accounts.oidc_login(db, "LiWei@example.org", "m1", issued_at=now)
    assert reason == "ok" and account is not None and account.name == "liwei"
    accounts.start_session(db, account, via="oidc", oidc_marker="m1")
    assert accounts.oidc_login(db, "liwei@example.org", "m1", issued_at=now)[1] == "stale"  # used
    assert accounts.oidc_login(db, "liwei@example.org", "m2", issued_at=now - 3600)[1] == "stale"
    assert accounts.oidc_login(db, "nobody@example.org", "m3", issued_at=now) == (None, "no_account")
    log = _log(db)
    assert ("liwei", "login", "liwei", "统一身份认证：liwei@example.org") in log
    assert any("nobody@example.org 无对应账号" in row[3] for row in log)


# ---------------------------------------------------------------- the users command line


def _cli(db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "etl", "users", *args, "--db", str(db)],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_users_command_line(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    listed = _cli(db, "list")
    assert listed.returncode == 0 and "还没有账号" in listed.stdout
    added = _cli(db, "add", "chief", "--role", "admin", "--password-stdin", stdin="cli-password-1\n")
    assert added.returncode == 0, added.stderr
    assert "已新建账号「chief」（管理员）" in added.stdout
    refused = _cli(db, "add", "x1", "--role", "uploader", "--password-stdin", stdin="cli-password-1\n")
    assert refused.returncode == 2 and "填报员必须指定所属单位" in refused.stderr
    no_argument = _cli(db, "add", "x2", "--role", "viewer", "--password", "cli-password-1")
    assert no_argument.returncode != 0  # a password is never a command-line argument
    assert (
        _cli(db, "add", "reader", "--role", "viewer", "--password-stdin", stdin="reader-pass-1\n").returncode
        == 0
    )
    assert _cli(db, "disable", "reader").returncode == 0
    assert "已停用" in _cli(db, "list").stdout
    assert accounts.authenticate(db, "reader", "reader-pass-1") is None
    assert _cli(db, "enable", "reader").returncode == 0
    assert _cli(db, "passwd", "reader", "--password-stdin", stdin="reader-pass-2\n").returncode == 0
    assert accounts.authenticate(db, "reader", "reader-pass-2") is not None
    log = _log(db)
    assert {r[1] for r in log} >= {"account_add", "account_disable", "account_enable", "account_password"}
    assert all(r[0] for r in log if r[1].startswith("account_"))  # the OS user, by name
    for secret in ("cli-password-1", "reader-pass-1", "reader-pass-2"):
        assert secret.encode() not in db.read_bytes()


def test_actor_is_frozen() -> None:
    with pytest.raises(AttributeError):
        Actor("a", "viewer").role = "admin"  # type: ignore[misc]
