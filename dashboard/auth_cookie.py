"""The login cookie: a session token, signed and time-stamped (itsdangerous), HttpOnly.

The token itself is random and only its hash is stored (etl.store.accounts); the signature and its
age limit mean a cookie that was tampered with, or outlived UNION_KPI_SESSION_MAX_HOURS, is
thrown away before the database is even asked.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

from etl.core import settings

COOKIE_NAME = "union_kpi_session"
_SALT = "union-kpi-session"


def sign(secret: str, token: str) -> str:
    return URLSafeTimedSerializer(secret, salt=_SALT).dumps(token)


def unsign(secret: str, value: str | None) -> str | None:
    """The token in a cookie value, or None if it is missing, forged or too old."""
    if not value or len(value) > 1000:
        return None
    try:
        token = URLSafeTimedSerializer(secret, salt=_SALT).loads(
            value, max_age=settings.session_max_seconds()
        )
    except BadSignature:  # also SignatureExpired
        return None
    return token if isinstance(token, str) else None
