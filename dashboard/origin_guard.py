"""Only the app's own pages (and origins the operator lists) may talk to the server.

Streamlit's own check admits a websocket from a page on *any* port of localhost/127.0.0.1,
and one whose Origin merely equals its Host, which a rebound DNS name satisfies
(http://evil.example:8501 resolving to 127.0.0.1). So a page on another local port, or a
rebinding site, could read the register and rename units through the websocket. This ASGI
middleware sits in front of Streamlit (dashboard.asgi.MIDDLEWARE) and refuses:

- any request whose Host is not one of the app's own addresses: 127.0.0.1, localhost, [::1]
  or server.address on the served port, an IP address on that port (no DNS name, so nothing
  to rebind), or the host of an origin listed in UNION_KPI_ALLOWED_ORIGINS;
- a websocket, and a state-changing HTTP request (uploads), whose Origin is not one of those
  origins (a browser always sends it there);

and it tells browsers never to show the app inside another site's frame.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from streamlit import config

from etl.core import settings
from etl.core.i18n import t

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOCAL_NAMES = ("127.0.0.1", "localhost", "::1")
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
FRAME_HEADERS = (
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"content-security-policy", b"frame-ancestors 'self'"),
)


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int

    @classmethod
    def parse(cls, text: str) -> Origin | None:
        try:
            parts = urlsplit(text.strip())
            scheme = parts.scheme.lower()
            if scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
                return None
            return cls(scheme, parts.hostname.lower(), parts.port or DEFAULT_PORTS[scheme])
        except ValueError:  # a port that is not a number, brackets that do not close
            return None


def _split_host(value: str) -> tuple[str, int | None] | None:
    """'127.0.0.1:8501' -> ('127.0.0.1', 8501); '[::1]:8501' -> ('::1', 8501); 'a.org' -> ('a.org', None)."""
    try:
        parts = urlsplit(f"//{value.strip()}")
        if not parts.hostname or parts.username is not None or parts.path:
            return None
        return parts.hostname.lower(), parts.port
    except ValueError:
        return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=8)
def _listed(raw: str) -> frozenset[Origin]:
    found = (Origin.parse(part) for part in raw.split(","))
    return frozenset(o for o in found if o is not None)


def listed_origins() -> frozenset[Origin]:
    """The origins the operator allows besides the app's own (UNION_KPI_ALLOWED_ORIGINS)."""
    return _listed(settings.get("UNION_KPI_ALLOWED_ORIGINS"))


def _own_names() -> set[str]:
    names = set(LOCAL_NAMES)
    address = str(config.get_option("server.address") or "").strip().strip("[]").lower()
    if address and address not in ("0.0.0.0", "::"):  # a wildcard is no name a page is served from
        names.add(address)
    return names


def allowed_origins(served_port: int, host_header: str | None) -> set[Origin]:
    """The origins this request may come from: the app's own names on the served port, the
    request's own host when it is an IP address, and the operator's list."""
    names = _own_names()
    split = _split_host(host_header or "")
    if split and _is_ip(split[0]) and split[1] == served_port:
        names.add(split[0])
    own = {Origin(scheme, name, served_port) for name in names for scheme in ("http", "https")}
    return own | set(listed_origins())


def host_allowed(host_header: str | None, origins: set[Origin]) -> bool:
    split = _split_host(host_header or "")
    if split is None:
        return False
    host, port = split
    return any(
        o.host == host and (port == o.port or (port is None and o.port == DEFAULT_PORTS[o.scheme]))
        for o in origins
    )


def _served_port(scope: Scope) -> int:
    server = scope.get("server")
    if server and server[1]:
        return int(server[1])
    return int(config.get_option("server.port"))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _request_origin(scope: Scope) -> str | None:
    """The Origin header; for an HTTP request without one, the origin of its Referer."""
    origin = _header(scope, b"origin")
    if origin is None and scope["type"] == "http":
        referer = _header(scope, b"referer")
        if referer:
            parts = urlsplit(referer)
            origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
    return origin


class OriginGuard:
    """ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        origins = allowed_origins(_served_port(scope), host)
        if not host_allowed(host, origins):
            await self._refuse(scope, send, t("origin.refused_host", "zh", host=_printable(host)))
            return
        checks_origin = scope["type"] == "websocket" or scope.get("method", "GET") not in SAFE_METHODS
        if checks_origin:
            origin = _request_origin(scope)
            parsed = Origin.parse(origin) if origin else None
            if parsed is None or parsed not in origins:
                await self._refuse(scope, send, t("origin.refused_origin", "zh", origin=_printable(origin)))
                return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _with_frame_headers(send))

    @staticmethod
    async def _refuse(scope: Scope, send: Send, message: str) -> None:
        if scope["type"] == "websocket":
            # closing before accepting makes the server answer the handshake with 403
            await send({"type": "websocket.close", "code": 1008})
            return
        body = message.encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-content-type-options", b"nosniff"),
                    *FRAME_HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _with_frame_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {key.lower() for key, _ in message.get("headers", ())}
            extra = [(k, v) for k, v in FRAME_HEADERS if k not in present]
            message["headers"] = [*message.get("headers", ()), *extra]
        await send(message)

    return wrapped


def _printable(value: str | None) -> str:
    """A header value quoted in a message: no control characters, not too long."""
    text = "".join(ch for ch in (value or t("origin.none", "zh")) if ch.isprintable())
    return text[:200]
