"""Accounts, passwords and login sessions (no Streamlit here: the app and the CLI share it).

- Passwords are hashed with Argon2id (argon2-cffi); the clear text is never stored, printed
  or logged. After MAX_FAILURES wrong passwords in a row an account is locked for
  LOCK_MINUTES, and the lock is written to the 操作日志.
- A login session is a random token held by the browser (in a signed cookie) or by the
  app's server-side session state; the database keeps only its SHA-256. A session ends
  after UNION_KPI_SESSION_IDLE_MINUTES without use, UNION_KPI_SESSION_MAX_HOURS after it
  began, at logout, and as soon as its account is disabled.
- Every change to an account is made by an `actor` with the right to manage accounts,
  checked here inside the write, and recorded in the audit trail in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from etl import store
from etl.core import settings
from etl.core.names import name_key
from etl.store import audit
from etl.store.permissions import ROLE_ZH, ROLES, Actor, PermissionDenied, require

MAX_FAILURES = 5
LOCK_MINUTES = 15
TICKET_SECONDS = 60
MIN_PASSWORD = 8
MAX_PASSWORD = 256
OIDC_FRESH_SECONDS = 300  # an OIDC identity older than this is not a new login (see oidc_login)

_HASHER = PasswordHasher()  # Argon2id, RFC 9106 low-memory parameters
# verified against for an unknown name, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))

T = TypeVar("T")


class AccountError(ValueError):
    """An account change that cannot be made; the message says why, in Chinese."""


@dataclass(frozen=True)
class Account:
    account_id: int
    name: str
    role: str
    unit_id: int | None
    email: str | None
    enabled: bool

    def actor(self, via: str = "app") -> Actor:
        return Actor(self.name, self.role, self.unit_id, self.account_id, via)


@dataclass(frozen=True)
class SessionCheck:
    account: Account | None
    reason: str  # ok | none | unknown | expired | ended (logout) | disabled | revoked


# sessions.end_reason -> what the person is told on the login page
_ENDED = {
    "logout": "ended",
    "expired": "expired",
    "disabled": "disabled",
    "password": "revoked",
    "changed": "revoked",
}


def _now() -> dt.datetime:
    return dt.datetime.now()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _account(row: tuple) -> Account:
    account_id, name, role, unit_id, email, enabled = row
    return Account(
        int(account_id), name, role, None if unit_id is None else int(unit_id), email, bool(enabled)
    )


_COLUMNS = "account_id, name, role, unit_id, email, enabled"


def _write(db: Path | str | None, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    with store.writer(db) as con:
        with store.transaction(con):
            result = work(con)
        store.checkpoint(con)
        return result


def _refused(db: Path | str | None, actor: Actor | None, action: str, work: Callable[[], T]) -> T:
    """Run a permission-checked write; a refusal is recorded (after the rollback) and re-raised."""
    try:
        return work()
    except PermissionDenied as denied:
        audit.record_refusal(db, actor, action, denied)
        raise


# ---------------------------------------------------------------- reading


def count(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM accounts").fetchall()[0][0])


def find(con: duckdb.DuckDBPyConnection, name: str) -> Account | None:
    rows = con.execute(f"SELECT {_COLUMNS} FROM accounts WHERE name_key = ?", [_name_key(name)]).fetchall()
    return _account(rows[0]) if rows else None


def by_id(con: duckdb.DuckDBPyConnection, account_id: int) -> Account | None:
    rows = con.execute(f"SELECT {_COLUMNS} FROM accounts WHERE account_id = ?", [account_id]).fetchall()
    return _account(rows[0]) if rows else None


def listing(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per account: name, role, unit, email, enabled, locked_until, last_login, created_at."""
    return con.execute(
        """SELECT a.account_id, a.name, a.role, a.unit_id, u.name AS unit, a.email, a.enabled,
                  CASE WHEN a.locked_until > $now THEN a.locked_until END AS locked_until,
                  a.last_login, a.created_at
           FROM accounts a LEFT JOIN units u USING (unit_id) ORDER BY a.name_key""",
        {"now": _now()},
    ).df()


# ---------------------------------------------------------------- checks


def _name_key(name: str) -> str:
    return str(name).strip().casefold()


def _check_name(name: str) -> str:
    name = str(name).strip()
    if not name:
        raise AccountError("账号名不能为空")
    if len(name) > 64:
        raise AccountError("账号名不能超过 64 个字符")
    if any(ch.isspace() or not ch.isprintable() for ch in name):
        raise AccountError("账号名不能含空格或不可见字符")
    return name


def check_password(name: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少需要 {MIN_PASSWORD} 个字符")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"密码不能超过 {MAX_PASSWORD} 个字符")
    if _name_key(password) == _name_key(name):
        raise AccountError("密码不能与账号名相同")


def _check_email(con: duckdb.DuckDBPyConnection, email: str | None, account_id: int | None) -> str | None:
    if email is None or not str(email).strip():
        return None
    email = str(email).strip().lower()
    if "@" not in email or len(email) > 254 or any(ch.isspace() for ch in email):
        raise AccountError(f"电子邮箱「{email}」格式不正确")
    rows = con.execute(
        "SELECT name FROM accounts WHERE email = ? AND account_id IS DISTINCT FROM ?", [email, account_id]
    ).fetchall()
    if rows:
        raise AccountError(f"电子邮箱「{email}」已用于账号「{rows[0][0]}」")
    return email


def _resolve_unit(con: duckdb.DuckDBPyConnection, role: str, unit: int | str | None) -> int | None:
    if role not in ROLES:
        raise AccountError(f"角色「{role}」无效，应为 {'、'.join(f'{r}（{ROLE_ZH[r]}）' for r in ROLES)}")
    if unit is None or (isinstance(unit, str) and not unit.strip()):
        if role == "uploader":
            raise AccountError("填报员必须指定所属单位（--unit）")
        return None
    if role == "admin":
        raise AccountError("管理员管理整个组织，不能指定单位")
    if isinstance(unit, int):
        rows = con.execute("SELECT unit_id FROM units WHERE unit_id = ?", [unit]).fetchall()
    else:
        key = name_key(unit)
        rows = con.execute(
            "SELECT unit_id FROM units WHERE name_key = ? "
            "UNION SELECT unit_id FROM unit_aliases WHERE alias_key = ?",
            [key, key],
        ).fetchall()
    if not rows:
        raise AccountError(f"找不到单位「{unit}」；请先导入该单位的数据，或在「单位管理」中查看已有单位")
    return int(rows[0][0])


def _keeps_an_admin(con: duckdb.DuckDBPyConnection, account_id: int) -> None:
    others = con.execute(
        "SELECT count(*) FROM accounts WHERE role = 'admin' AND enabled AND account_id <> ?", [account_id]
    ).fetchall()[0][0]
    if not others:
        raise AccountError("至少要保留一个启用的管理员账号")


def _existing(con: duckdb.DuckDBPyConnection, name: str) -> Account:
    account = find(con, name)
    if account is None:
        raise AccountError(f"账号「{name}」不存在")
    return account


def _unit_name(con: duckdb.DuckDBPyConnection, unit_id: int | None) -> str:
    if unit_id is None:
        return ""
    rows = con.execute("SELECT name FROM units WHERE unit_id = ?", [unit_id]).fetchall()
    return rows[0][0] if rows else ""


def _may_manage(con: duckdb.DuckDBPyConnection, actor: Actor | None) -> Actor:
    """Accounts are managed by admin accounts, by the command line (the OS user) and, while no
    account exists, by the single local user of the app. An admin account is re-read here:
    one disabled or demoted a moment ago may no longer manage anything."""
    actor = require(actor, "accounts")
    if actor.account_id is not None:
        current = by_id(con, actor.account_id)
        if current is None or not current.enabled or current.role != "admin":
            raise PermissionDenied(f"账号「{actor.name}」已停用或已不是管理员，不能管理账号")
    return actor


# ---------------------------------------------------------------- changes


def add(
    db: Path | str | None,
    name: str,
    password: str,
    role: str,
    *,
    unit: int | str | None = None,
    email: str | None = None,
    actor: Actor | None,
) -> Account:
    name = _check_name(name)
    check_password(name, password)
    password_hash = _HASHER.hash(password)

    def work(con: duckdb.DuckDBPyConnection) -> Account:
        by = _may_manage(con, actor)
        if find(con, name) is not None:
            raise AccountError(f"账号「{name}」已存在")
        unit_id = _resolve_unit(con, role, unit)
        mail = _check_email(con, email, None)
        account_id = int(con.execute("SELECT nextval('account_ids')").fetchall()[0][0])
        con.execute(
            "INSERT INTO accounts (account_id, name, name_key, role, unit_id, email, password_hash, "
            "enabled, failed_logins, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, 0, ?)",
            [account_id, name, _name_key(name), role, unit_id, mail, password_hash, _now()],
        )
        audit.record(
            con,
            by,
            "account_add",
            target=name,
            units=_unit_name(con, unit_id),
            detail=f"角色：{ROLE_ZH[role]}" + (f"；邮箱：{mail}" if mail else ""),
        )
        return Account(account_id, name, role, unit_id, mail, True)

    return _refused(db, actor, "account_add", lambda: _write(db, work))


def set_password(db: Path | str | None, name: str, password: str, *, actor: Actor | None) -> None:
    """Reset the password; also lifts a lock and ends the account's sessions."""
    check_password(name, password)
    password_hash = _HASHER.hash(password)

    def work(con: duckdb.DuckDBPyConnection) -> None:
        by = _may_manage(con, actor)
        account = _existing(con, name)
        con.execute(
            "UPDATE accounts SET password_hash = ?, failed_logins = 0, locked_until = NULL "
            "WHERE account_id = ?",
            [password_hash, account.account_id],
        )
        _end_sessions(con, account.account_id, "password")
        audit.record(con, by, "account_password", target=account.name)

    _refused(db, actor, "account_password", lambda: _write(db, work))


def set_enabled(db: Path | str | None, name: str, enabled: bool, *, actor: Actor | None) -> None:
    """Disable (its sessions end at once) or enable an account."""

    def work(con: duckdb.DuckDBPyConnection) -> None:
        by = _may_manage(con, actor)
        account = _existing(con, name)
        if not enabled and account.role == "admin":
            _keeps_an_admin(con, account.account_id)
        con.execute("UPDATE accounts SET enabled = ? WHERE account_id = ?", [enabled, account.account_id])
        if not enabled:
            _end_sessions(con, account.account_id, "disabled")
        audit.record(con, by, "account_enable" if enabled else "account_disable", target=account.name)

    action = "account_enable" if enabled else "account_disable"
    _refused(db, actor, action, lambda: _write(db, work))


def change(
    db: Path | str | None,
    name: str,
    *,
    role: str,
    unit: int | str | None,
    email: str | None,
    actor: Actor | None,
) -> Account:
    """Set role, unit and e-mail together; the account's sessions end if its rights change."""

    def work(con: duckdb.DuckDBPyConnection) -> Account:
        by = _may_manage(con, actor)
        account = _existing(con, name)
        unit_id = _resolve_unit(con, role, unit)
        mail = _check_email(con, email, account.account_id)
        if account.role == "admin" and role != "admin" and account.enabled:
            _keeps_an_admin(con, account.account_id)
        con.execute(
            "UPDATE accounts SET role = ?, unit_id = ?, email = ? WHERE account_id = ?",
            [role, unit_id, mail, account.account_id],
        )
        if (role, unit_id) != (account.role, account.unit_id):
            _end_sessions(con, account.account_id, "changed")
        before = f"{ROLE_ZH[account.role]} · {_unit_name(con, account.unit_id) or '整个组织'}"
        after = f"{ROLE_ZH[role]} · {_unit_name(con, unit_id) or '整个组织'}"
        audit.record(
            con,
            by,
            "account_change",
            target=account.name,
            units=_unit_name(con, unit_id),
            detail=f"{before} → {after}；邮箱：{mail or '（无）'}",
        )
        return Account(account.account_id, account.name, role, unit_id, mail, account.enabled)

    return _refused(db, actor, "account_change", lambda: _write(db, work))


# ---------------------------------------------------------------- logging in


def authenticate(db: Path | str | None, name: str, password: str, *, via: str = "app") -> Account | None:
    """The account if name and password match an enabled, unlocked account; else None.

    Every attempt is written to the 操作日志; the fifth failure in a row locks the account.
    Whatever went wrong, the caller shows one generic message (no hint whether the name exists).
    """

    # the slow hash check (~0.2-0.5 s) runs outside the writer lock; only the outcome is written
    with store.connect(db) as con:
        rows = con.execute(
            f"SELECT {_COLUMNS}, password_hash, locked_until FROM accounts WHERE name_key = ?",
            [_name_key(name)],
        ).fetchall()
    if not rows:
        _verify(_DUMMY_HASH, password)
        # the typed name is not logged: people type their password into the name field
        _write(db, lambda con: audit.record(con, Actor("", "", via=via), "login_failed", detail="账号不存在"))
        return None
    account = _account(rows[0][:6])
    stored, locked_until = rows[0][6:]
    who = account.actor(via)
    now = _now()
    if locked_until is not None and locked_until > now:
        _verify(_DUMMY_HASH, password)
        detail = f"账号锁定中，至 {locked_until:%H:%M}"
        _write(db, lambda con: audit.record(con, who, "login_failed", target=account.name, detail=detail))
        return None
    if not _verify(stored, password):
        _write(db, lambda con: _count_failure(con, who, account))
        return None
    if not account.enabled:
        _write(
            db, lambda con: audit.record(con, who, "login_failed", target=account.name, detail="账号已停用")
        )
        return None
    rehash = _HASHER.hash(password) if _HASHER.check_needs_rehash(stored) else stored

    def success(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "UPDATE accounts SET failed_logins = 0, locked_until = NULL, last_login = ?, password_hash = ? "
            "WHERE account_id = ?",
            [now, rehash, account.account_id],
        )
        audit.record(con, who, "login", target=account.name, detail="账号密码登录")

    _write(db, success)
    return account


def _count_failure(con: duckdb.DuckDBPyConnection, who: Actor, account: Account) -> None:
    """One more wrong password; the MAX_FAILURES-th in a row locks the account for LOCK_MINUTES."""
    failures = int(
        con.execute(
            "UPDATE accounts SET failed_logins = failed_logins + 1 WHERE account_id = ? "
            "RETURNING failed_logins",
            [account.account_id],
        ).fetchall()[0][0]
    )
    audit.record(con, who, "login_failed", target=account.name, detail=f"密码错误（第 {failures} 次）")
    if failures >= MAX_FAILURES:
        until = _now() + dt.timedelta(minutes=LOCK_MINUTES)
        con.execute(
            "UPDATE accounts SET failed_logins = 0, locked_until = ? WHERE account_id = ?",
            [until, account.account_id],
        )
        audit.record(
            con,
            who,
            "account_locked",
            target=account.name,
            detail=f"连续 {failures} 次密码错误，锁定 {LOCK_MINUTES} 分钟（至 {until:%Y-%m-%d %H:%M}）",
        )


def _verify(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def oidc_login(
    db: Path | str | None, email: str | None, marker: str, *, issued_at: float | None
) -> tuple[Account | None, str]:
    """Match an OpenID Connect identity to an account by e-mail.

    Returns (account, "ok") or (None, reason): "stale" (the identity was issued more than
    OIDC_FRESH_SECONDS ago or its marker was used before: a left-over identity cookie is
    not a new login), "no_account" or "disabled". A fresh refusal is written to the log.
    """
    now = _now()
    if issued_at is None or abs(now.timestamp() - float(issued_at)) > OIDC_FRESH_SECONDS:
        return None, "stale"
    mail = (email or "").strip().lower()

    def work(con: duckdb.DuckDBPyConnection) -> tuple[Account | None, str]:
        used = con.execute("SELECT 1 FROM sessions WHERE oidc_marker = ?", [marker]).fetchall()
        if used:
            return None, "stale"
        rows = (
            con.execute(f"SELECT {_COLUMNS} FROM accounts WHERE email = ?", [mail]).fetchall() if mail else []
        )
        if not rows:
            audit.record(
                con,
                Actor("", "", via="oidc"),
                "login_failed",
                detail=f"统一身份认证：{mail or '（无邮箱）'} 无对应账号",
            )
            return None, "no_account"
        account = _account(rows[0])
        if not account.enabled:
            audit.record(con, account.actor("oidc"), "login_failed", target=account.name, detail="账号已停用")
            return None, "disabled"
        con.execute("UPDATE accounts SET last_login = ? WHERE account_id = ?", [now, account.account_id])
        audit.record(con, account.actor("oidc"), "login", target=account.name, detail=f"统一身份认证：{mail}")
        return account, "ok"

    return _write(db, work)


# ---------------------------------------------------------------- sessions


def start_session(
    db: Path | str | None, account: Account, *, via: str = "password", oidc_marker: str | None = None
) -> tuple[str, str]:
    """A new session for the account: (token, one-time ticket). Only their hashes are stored.

    The token identifies the session from now on (kept server-side by the app); the ticket,
    good for TICKET_SECONDS and once, lets the browser swap it for a cookie of its own
    (see `redeem_ticket`), so no password or long-lived token ever appears in a URL.
    """
    token, ticket = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = _now()

    def work(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "INSERT INTO sessions (session_id, account_id, token_hash, ticket_hash, ticket_expires, via, "
            "oidc_marker, created_at, last_seen, expires_at) "
            "VALUES (nextval('session_ids'), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                account.account_id,
                token_hash(token),
                token_hash(ticket),
                now + dt.timedelta(seconds=TICKET_SECONDS),
                via,
                oidc_marker,
                now,
                now,
                now + dt.timedelta(seconds=settings.session_max_seconds()),
            ],
        )

    _write(db, work)
    return token, ticket


def redeem_ticket(db: Path | str | None, ticket: str) -> str | None:
    """Swap a one-time ticket for a new session token (for the browser's cookie); None if the
    ticket is unknown, used or older than TICKET_SECONDS, or its session is no longer valid."""
    if not ticket or len(ticket) > 200:
        return None
    token = secrets.token_urlsafe(32)
    now = _now()

    def work(con: duckdb.DuckDBPyConnection) -> str | None:
        rows = con.execute(
            """SELECT s.session_id FROM sessions s JOIN accounts a USING (account_id)
               WHERE s.ticket_hash = ? AND s.ticket_expires > ? AND s.ended_at IS NULL
                 AND s.expires_at > ? AND a.enabled""",
            [token_hash(ticket), now, now],
        ).fetchall()
        if not rows:
            return None
        # the ticket is spent, and the token that went with it is replaced by the cookie's
        con.execute(
            "UPDATE sessions SET ticket_hash = NULL, ticket_expires = NULL, token_hash = ?, last_seen = ? "
            "WHERE session_id = ?",
            [token_hash(token), now, rows[0][0]],
        )
        return token

    return _write(db, work)


def check_session(db: Path | str | None, token: str | None) -> SessionCheck:
    """The session's account if the session is still valid; marks it used (at most every minute)."""
    if not token:
        return SessionCheck(None, "none")
    digest = token_hash(token)
    now = _now()
    idle = dt.timedelta(seconds=settings.session_idle_seconds())
    with store.connect(db) as con:
        rows = con.execute(
            f"""SELECT s.session_id, s.last_seen, s.expires_at, s.ended_at, s.end_reason,
                       {", ".join(f"a.{c}" for c in _COLUMNS.split(", "))}
                FROM sessions s JOIN accounts a USING (account_id) WHERE s.token_hash = ?""",
            [digest],
        ).fetchall()
    if not rows:
        return SessionCheck(None, "unknown")
    session_id, last_seen, expires_at, ended_at, end_reason = rows[0][:5]
    account = _account(rows[0][5:])
    if ended_at is not None:
        return SessionCheck(None, _ENDED.get(end_reason, "ended"))
    if not account.enabled:
        _end_session_id(db, session_id, "disabled")
        return SessionCheck(None, "disabled")
    if now - last_seen > idle or now >= expires_at:

        def expire(con: duckdb.DuckDBPyConnection) -> None:
            if _end(con, session_id, "expired"):
                audit.record(con, account.actor(), "session_expired", target=account.name)

        _write(db, expire)
        return SessionCheck(None, "expired")
    # touching the row is a write: do it only when it moves the idle deadline noticeably
    if now - last_seen > min(dt.timedelta(minutes=1), idle / 10):
        _write(
            db,
            lambda con: con.execute(
                "UPDATE sessions SET last_seen = ? WHERE session_id = ?", [now, session_id]
            ),
        )
    return SessionCheck(account, "ok")


def end_session(db: Path | str | None, token: str | None, actor: Actor | None) -> None:
    """Logout: the session ends now, whichever copy of its token (cookie or app state) is used next."""
    if not token:
        return

    def work(con: duckdb.DuckDBPyConnection) -> None:
        rows = con.execute(
            "SELECT session_id FROM sessions WHERE token_hash = ?", [token_hash(token)]
        ).fetchall()
        if rows and _end(con, rows[0][0], "logout"):
            audit.record(con, actor, "logout", target=actor.name if actor else "")

    _write(db, work)


def _end(con: duckdb.DuckDBPyConnection, session_id: int, reason: str) -> bool:
    rows = con.execute(
        "UPDATE sessions SET ended_at = ?, end_reason = ?, ticket_hash = NULL "
        "WHERE session_id = ? AND ended_at IS NULL RETURNING session_id",
        [_now(), reason, session_id],
    ).fetchall()
    return bool(rows)


def _end_session_id(db: Path | str | None, session_id: int, reason: str) -> None:
    _write(db, lambda con: _end(con, session_id, reason))


def _end_sessions(con: duckdb.DuckDBPyConnection, account_id: int, reason: str) -> None:
    con.execute(
        "UPDATE sessions SET ended_at = ?, end_reason = ?, ticket_hash = NULL "
        "WHERE account_id = ? AND ended_at IS NULL",
        [_now(), reason, account_id],
    )


# ---------------------------------------------------------------- the cookie key


def cookie_secret(db: Path | str | None) -> str:
    """The key that signs login cookies: UNION_KPI_COOKIE_SECRET, else a random key made once
    and kept in the database (so cookies survive a restart and every server process agrees)."""
    explicit = settings.get("UNION_KPI_COOKIE_SECRET")
    if explicit:
        return explicit
    with store.connect(db) as con:
        stored = store.get_setting(con, "cookie_secret")
    if stored:
        return stored

    def work(con: duckdb.DuckDBPyConnection) -> str:
        existing = store.get_setting(con, "cookie_secret")
        if existing:
            return existing
        secret = secrets.token_hex(32)
        store.set_setting(con, "cookie_secret", secret)
        return secret

    return _write(db, work)
