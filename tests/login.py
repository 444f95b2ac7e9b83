"""Signing in as a person would: through the app's login form, in AppTest or in Chromium.

The demo database ships one account per role (etl.demo.DEMO_ACCOUNTS); DEMO_LOGINS maps
role -> (account name, password).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dashboard.markdown import md_escape
from etl.demo import DEMO_ACCOUNTS

DEMO_LOGINS = {role: (name, password) for name, password, role, _ in DEMO_ACCOUNTS}
LOGIN_BUTTON = ("登录", "Sign in")


def password_of(name: str) -> str:
    return next(password for account, password in DEMO_LOGINS.values() if account == name)


def fill_login(at: Any, name: str, password: str) -> Any:
    """Type into the login form and press 登录 (one run)."""
    if not at.text_input:
        at.run()
    at.text_input(key="login.name").input(name)
    at.text_input(key="login.password").input(password)
    next(b for b in at.button if b.label in LOGIN_BUTTON).click().run()
    return at


def login(at: Any, name: str = "admin", password: str | None = None) -> Any:
    """Sign an AppTest of app.py in (a demo account's password by default) and check it worked.
    The login lives in the AppTest's session state, server-side, as it does for a websocket."""
    fill_login(at, name, password if password is not None else password_of(name))
    assert not at.exception, [e.value for e in at.exception]
    at.run()  # what the browser does next: it reloads the app (see dashboard.auth)
    assert not at.exception, [e.value for e in at.exception]
    captions = " ".join(str(c.value) for c in at.sidebar.caption)
    signed_in = (md_escape(f"当前账号：{name}"), md_escape(f"Signed in: {name}"))
    assert any(s in captions for s in signed_in), f"not signed in as {name}: {[e.value for e in at.error]}"
    return at


def browser_login(
    page: Any, base_url: str, name: str = "admin", password: str | None = None, *, wait: Callable[..., None]
) -> None:
    """Sign in through the login page in Chromium; returns once the app shows the account."""
    page.goto(base_url, wait_until="domcontentloaded")
    wait(page, timeout_ms=60_000)
    page.get_by_label("账号").fill(name)
    page.get_by_label("密码").fill(password if password is not None else password_of(name))
    page.get_by_role("button", name="登录", exact=True).click()
    # the app sends the browser through /auth/session (which sets the cookie) back to the app
    page.get_by_text(f"当前账号：{name}").wait_for(timeout=60_000)
    wait(page, timeout_ms=60_000)
