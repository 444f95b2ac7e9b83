"""HTTP routes of the login: swap a one-time ticket for the session cookie, and sign out.

A Streamlit script cannot set a cookie (it talks to the browser over a websocket), so after
a successful login the script sends the browser to /auth/session?ticket=… (see
dashboard.auth); this route spends the ticket, sets an HttpOnly, SameSite=Lax, signed and
expiring cookie that carries a new session token, and redirects into the app. A page refresh
then finds the cookie (st.context.cookies) and the login survives it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from streamlit import config

from dashboard import auth_cookie
from etl.core import settings
from etl.store import accounts

SESSION_PATH = "/auth/session"
SIGNOUT_PATH = "/auth/signout"
# the identity cookies Streamlit's own OpenID Connect login sets (st.login)
_STREAMLIT_IDENTITY = ("_streamlit_user", "_streamlit_user_tokens")
_PAGE_PATH = re.compile(r"/[A-Za-z0-9_\-]*")


def base_path() -> str:
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


# the view a link opens (see dashboard.state): the only query a login carries through
_VIEW_VALUES = {"year": r"\d{4}", "quarter": r"[1-4]", "scope": r"\d{1,12}", "lang": r"zh|en"}


def _target(next_path: str | None) -> str:
    """Where to go after the login: a page of this app and its view, never another site."""
    path, _, query = (next_path or "/").partition("?")
    path = path if _PAGE_PATH.fullmatch(path) else "/"
    kept = [
        (key, value)
        for key, value in parse_qsl(query)
        if key in _VIEW_VALUES and re.fullmatch(_VIEW_VALUES[key], value)
    ]
    return base_path() + path + (f"?{urlencode(kept)}" if kept else "")


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def session_from_ticket(request: Request) -> Response:
    db = settings.db_path()
    token = await run_in_threadpool(accounts.redeem_ticket, db, request.query_params.get("ticket", ""))
    response = RedirectResponse(_target(request.query_params.get("next")), status_code=303)
    if token is not None:
        secret = await run_in_threadpool(accounts.cookie_secret, db)
        response.set_cookie(
            auth_cookie.COOKIE_NAME,
            auth_cookie.sign(secret, token),
            max_age=int(settings.session_max_seconds()),
            path=base_path() or "/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return _no_store(response)


async def sign_out(request: Request) -> Response:
    """Forget the cookies. The session itself was ended by the app before it sent the browser here."""
    response = RedirectResponse(_target("/"), status_code=303)
    response.delete_cookie(auth_cookie.COOKIE_NAME, path=base_path() or "/")
    for name in request.cookies:
        if name.startswith(_STREAMLIT_IDENTITY):
            response.delete_cookie(name, path=base_path() or "/")
    return _no_store(response)


def routes() -> list[BaseRoute]:
    prefix = base_path()
    return [
        Route(prefix + SESSION_PATH, session_from_ticket, methods=["GET"]),
        Route(prefix + SIGNOUT_PATH, sign_out, methods=["GET"]),
    ]
