"""Who is using the app on this script run, the login page, and the page guards.

app.py calls `gate()` first on every run: it decides, from the server-side session behind the
login cookie (or behind a login made on this very websocket, kept in session_state), whether
someone is signed in, and stores the Actor of the run in session_state for the pages. The
session is re-checked on every run, so a logout, an expiry or a disabled account takes
effect at the next interaction. Pages call `require_page(action)` at the top; the writes they
make are checked again in etl (hiding a page or a button is never the only guard).

Modes: "account" (signed in), "local" (no account exists and the server listens on a
loopback address only: one local user with admin rights and a banner), "setup" (no account
and a non-loopback address: only how to create the first admin), "login" (accounts exist,
nobody signed in), "oidc_refused" (an OpenID Connect identity without an account).
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

import streamlit as st
from streamlit import config
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from dashboard import auth_cookie, auth_routes, data
from dashboard.markdown import md_escape
from dashboard.state import ACTOR_KEY, ensure_shell, lang
from etl.core import settings
from etl.core.i18n import t
from etl.store import accounts, permissions
from etl.store.permissions import Actor

TOKEN_KEY = "auth.token"  # a login made on this websocket (before, or without, the cookie)
_OIDC_REFUSED = "auth.oidc_refused"
_SIGNED_OUT = "auth.signed_out"  # the login page of the run after a logout says so
# why a session ended (etl.store.accounts.SessionCheck.reason) -> what the login page says
_ENDED_KEYS = {
    "expired": "auth.expired",
    "ended": "auth.ended",
    "disabled": "auth.disabled",
    "revoked": "auth.revoked",
}


@dataclass(frozen=True)
class Gate:
    actor: Actor | None
    mode: str
    reason: str = ""
    token: str | None = None  # the session token in use (to end it at logout)
    detail: str = ""


def server_is_loopback() -> bool:
    """Is the server bound to a loopback address only (127.0.0.0/8, ::1, localhost)?

    Unset means every interface (Streamlit's default), a unix socket may sit behind a proxy:
    neither counts as local.
    """
    address = str(config.get_option("server.address") or "").strip().strip("[]")
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def actor() -> Actor | None:
    return st.session_state.get(ACTOR_KEY)


# ---------------------------------------------------------------- the gate


def gate() -> Gate:
    """Decide who is signed in on this run; stores the Actor (or None) for the pages."""
    db = data.db_path()
    with data.connection() as con:
        has_accounts = accounts.count(con) > 0
    if not has_accounts:
        st.session_state.pop(TOKEN_KEY, None)
        if server_is_loopback():
            result = Gate(permissions.local_admin(settings.current_user(), via="local"), "local")
        else:
            result = Gate(None, "setup")
    else:
        result = _account_gate(db)
    st.session_state[ACTOR_KEY] = result.actor
    return result


def _cookie_token(db: str) -> str | None:
    value = st.context.cookies.get(auth_cookie.COOKIE_NAME)
    return auth_cookie.unsign(accounts.cookie_secret(db), value) if value else None


def _account_gate(db: str) -> Gate:
    reason = ""
    for source, token in (("state", st.session_state.get(TOKEN_KEY)), ("cookie", _cookie_token(db))):
        if not token:
            continue
        check = accounts.check_session(db, token)
        if check.account is not None:
            return Gate(check.account.actor(), "account", token=token)
        if source == "state":
            st.session_state.pop(TOKEN_KEY, None)
        reason = reason or check.reason
    if st.session_state.pop(_SIGNED_OUT, False):
        reason = "ended"
    return _oidc_gate(db) or Gate(None, "login", reason)


def _oidc_gate(db: str) -> Gate | None:
    """An OpenID Connect identity (st.login) becomes a session of the account with its e-mail.

    Only a freshly issued identity counts (etl.store.accounts.oidc_login): after a logout or an
    expiry, a left-over identity cookie does not sign anyone in again.
    """
    if not oidc_configured() or not st.user.get("is_logged_in"):
        return None
    claims = st.user.to_dict()
    email = str(claims.get("email") or "")
    raw = "|".join(str(claims.get(k, "")) for k in ("iss", "sub", "iat", "nonce"))
    marker = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    refused = st.session_state.get(_OIDC_REFUSED)
    if refused and refused[0] == marker:
        return Gate(None, "oidc_refused", refused[1], detail=email)
    iat = claims.get("iat")
    account, reason = accounts.oidc_login(db, email, marker, issued_at=float(iat) if iat else None)
    if account is None:
        if reason == "stale":
            return None
        st.session_state[_OIDC_REFUSED] = (marker, reason)
        return Gate(None, "oidc_refused", reason, detail=email)
    token, ticket = accounts.start_session(db, account, via="oidc", oidc_marker=marker)
    st.session_state[TOKEN_KEY] = token
    _redirect(f"{auth_routes.SESSION_PATH}?ticket={quote(ticket)}")
    return Gate(account.actor("oidc"), "account", token=token)


def _here() -> str:
    """The page and view the visitor asked for (its path and the view's query), to return to after the
    login: a shared link still opens exactly its view once the reader has signed in."""
    path = urlsplit(st.context.url or "").path or "/"
    base = auth_routes.base_path()
    if base and path.startswith(base):
        path = path[len(base) :] or "/"
    view = {k: st.query_params[k] for k in ("year", "quarter", "scope", "lang") if k in st.query_params}
    return path + (f"?{urlencode(view)}" if view else "")


def _redirect(path: str) -> None:
    """Send the browser to one of our HTTP routes (what st.login does for its own)."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    message = ForwardMsg()
    message.auth_redirect.url = auth_routes.base_path() + path
    ctx.enqueue(message)


# ---------------------------------------------------------------- pages and guards


def require_page(action: str) -> Actor:
    """Top of a page: stop unless the signed-in actor may `action` (view, upload, targets, ...).

    Pages a role may not use are also left out of the navigation; this guard is for a page
    reached some other way (a link, a URL typed by hand).
    """
    ensure_shell()
    who = actor()
    if who is None:
        st.info(t("auth.not_signed_in", lang()))
        st.stop()
    if not permissions.allowed(who, action):
        st.error(t("auth.no_access", lang(), role=role_label(who.role)))
        st.stop()
    assert who is not None
    return who


def role_label(role: str) -> str:
    return t(f"role.{role}", lang()) if role in permissions.ROLES else role


def scope_label(who: Actor) -> str:
    if who.unit_id is None:
        return t("auth.org", lang())
    with data.connection() as con:
        return permissions.unit_label(con, who.unit_id)


def refused(message: object) -> None:
    st.error(md_escape(t("auth.refused", lang(), message=message)), icon=":material/block:")


def visible_units(who: Actor) -> set[int] | None:
    """The units the account may see (None: all), cached per data version like every read."""
    if who.role == "admin" or who.unit_id is None:
        return None
    return set(data.subtree(who.unit_id))


# ---------------------------------------------------------------- login page, banner, logout


def login_page(result: Gate) -> None:
    st.title(t("auth.title", lang()), anchor=False)
    if result.mode == "setup":
        st.subheader(t("auth.setup_title", lang()), anchor=False)
        st.write(t("auth.setup_text", lang()))
        st.code("python -m etl users add admin --role admin", language="bash")
        st.write(t("auth.setup_after", lang()))
        return
    if result.mode == "oidc_refused":
        st.error(t("auth.oidc_no_account", lang()), icon=":material/person_off:")
        key = "auth.oidc_disabled" if result.reason == "disabled" else "auth.oidc_no_account_detail"
        st.caption(md_escape(t(key, lang(), email=result.detail)))
        if st.button(t("auth.other_identity", lang()), key="auth.other"):
            st.session_state.pop(_OIDC_REFUSED, None)
            _redirect(auth_routes.SIGNOUT_PATH)
        return
    if result.reason in _ENDED_KEYS:
        st.info(t(_ENDED_KEYS[result.reason], lang()))
    with st.form("login", clear_on_submit=True):
        name = st.text_input(t("auth.name", lang()), key="login.name", autocomplete="username")
        password = st.text_input(
            t("auth.password", lang()), type="password", key="login.password", autocomplete="current-password"
        )
        submitted = st.form_submit_button(t("auth.submit", lang()), type="primary")
    st.caption(t("auth.lock_rule", lang()))
    if submitted:
        _sign_in(name, password)
    if oidc_configured():
        st.divider()
        st.write(t("auth.oidc_or", lang()))
        if st.button(t("auth.oidc_button", lang()), key="auth.oidc", icon=":material/badge:"):
            st.login()


def _sign_in(name: str, password: str) -> None:
    db = data.db_path()
    account = accounts.authenticate(db, name, password) if name and password else None
    if account is None:
        st.error(t("auth.failed", lang()), icon=":material/error:")
        return
    token, ticket = accounts.start_session(db, account)
    st.session_state[TOKEN_KEY] = token
    # the browser swaps the ticket for its cookie (so a refresh keeps the login) and reloads the
    # app; this websocket's session state holds the login meanwhile (and for AppTest)
    _redirect(f"{auth_routes.SESSION_PATH}?ticket={quote(ticket)}&next={quote(_here())}")
    st.info(t("auth.signing_in", lang()), icon=":material/login:")


def account_box(result: Gate) -> None:
    """Sidebar: who is signed in, and the logout button; the banner when sign-in is off."""
    who = result.actor
    if who is None:
        return
    if result.mode == "local":
        st.warning(t("auth.local_banner", lang(), user=who.name), icon=":material/lock_open:")
        st.sidebar.caption(md_escape(t("auth.local_user", lang(), name=who.name)))
        return
    st.sidebar.caption(
        md_escape(
            t("auth.signed_in", lang(), name=who.name, role=role_label(who.role), scope=scope_label(who))
        )
    )
    if st.sidebar.button(t("auth.logout", lang()), key="auth.logout", icon=":material/logout:"):
        accounts.end_session(data.db_path(), result.token, who)
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state[ACTOR_KEY] = None
        st.session_state[_SIGNED_OUT] = True
        # the browser drops its cookie at /auth/signout and comes back to the login page; nothing
        # more of this page is drawn for the session that just ended
        _redirect(auth_routes.SIGNOUT_PATH)
        st.stop()
