"""The served app: app.py (the Streamlit pages) behind the project's own HTTP routes and middleware.

`make run` starts it with `streamlit run serve.py`; Streamlit finds `app` below and serves it
through its Starlette server. AppTest and the page code use app.py directly.
"""

from pathlib import Path

from streamlit.starlette import App

from dashboard.asgi import MIDDLEWARE, ROUTES

app = App(Path(__file__).resolve().parent / "app.py", routes=ROUTES, middleware=MIDDLEWARE)
