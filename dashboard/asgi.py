"""HTTP routes and middleware served in front of the Streamlit app (see serve.py).

Everything that must hold for every request — before a page script runs — lives here,
not in the page scripts: a page script runs only after the websocket is open.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from dashboard import auth_routes
from dashboard.origin_guard import OriginGuard

ROUTES: list[BaseRoute] = [*auth_routes.routes()]  # /auth/session, /auth/signout (login cookie)
MIDDLEWARE: list[Middleware] = []
# first: only the app's own origin (and the operator's list) may reach anything behind it
MIDDLEWARE.append(Middleware(OriginGuard))
