"""Only the app's own pages reach the running server: websockets and uploads from another local
port or a rebound DNS name are refused, and no other site can frame the app.

Real server (serve.py), a real websocket client speaking Streamlit's protocol, and Chromium
loading a page served from another local port."""

from __future__ import annotations

import base64
import http.server
import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect


def rerun_message() -> bytes:
    back = BackMsg()
    back.rerun_script.query_string = ""
    back.rerun_script.page_script_hash = ""
    return back.SerializeToString()


def talk(base_url: str, origin: str | None, host: str | None = None) -> str:
    """Open the app's websocket with this Origin and Host; run the app; 'refused NNN' or what came back."""
    port = urlsplit(base_url).port
    assert port
    sock = socket.create_connection(("127.0.0.1", port))  # whatever the Host says, it is this server
    url = f"ws://{host or f'127.0.0.1:{port}'}/_stcore/stream"
    try:
        with connect(url, sock=sock, origin=origin, subprotocols=["streamlit"], open_timeout=10) as ws:  # type: ignore[arg-type]
            ws.send(rerun_message())
            kinds = []
            while "delta" not in kinds:
                msg = ForwardMsg()
                msg.ParseFromString(ws.recv(timeout=60))
                kinds.append(msg.WhichOneof("type"))
            return "served " + ",".join(dict.fromkeys(kinds))
    except InvalidStatus as refused:
        return f"refused {refused.response.status_code}"


def test_the_apps_own_pages_are_served(module_server: str) -> None:
    port = urlsplit(module_server).port
    assert talk(module_server, module_server).startswith("served new_session")
    assert talk(module_server, f"http://localhost:{port}", f"localhost:{port}").startswith("served")


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://127.0.0.1:9999", None),  # a page on another local port
        ("http://localhost:3000", None),
        ("http://evil.example:{port}", "evil.example:{port}"),  # DNS rebinding: Origin equals Host
        ("http://evil.example", None),
        ("null", None),  # a sandboxed frame or a file:// page
        (None, None),
    ],
)
def test_websockets_from_other_origins_are_refused(
    module_server: str, origin: str | None, host: str | None
) -> None:
    port = urlsplit(module_server).port
    result = talk(module_server, origin and origin.format(port=port), host and host.format(port=port))
    assert result == "refused 403"


def fetch(
    url: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(
        url, method=method, headers=headers or {}, data=b"x" if method == "PUT" else None
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


def test_a_rebound_host_gets_no_page_and_an_explanation(module_server: str) -> None:
    port = urlsplit(module_server).port
    status, _, body = fetch(module_server, headers={"Host": f"evil.example:{port}"})
    assert status == 403 and "UNION_KPI_ALLOWED_ORIGINS" in body
    assert fetch(f"{module_server}/_stcore/health")[0] == 200


def test_uploads_from_another_origin_are_refused(module_server: str) -> None:
    url = f"{module_server}/_stcore/upload_file/some-session/some-file"
    status, _, body = fetch(url, "PUT", {"Origin": "http://127.0.0.1:9999"})
    assert status == 403 and "其他网站" in body
    # the app's own origin passes this check and meets Streamlit's XSRF check instead
    status, _, body = fetch(url, "PUT", {"Origin": module_server})
    assert status != 403 or "XSRF" in body


def test_responses_forbid_framing_by_other_sites(module_server: str) -> None:
    _, headers, _ = fetch(module_server)
    lowered = {k.lower(): v for k, v in headers.items()}
    assert lowered["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in lowered["content-security-policy"]


def test_an_operator_listed_origin_is_allowed(
    demo_db: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setenv("UNION_KPI_ALLOWED_ORIGINS", "https://kpi.example.org")
    server = request.getfixturevalue("streamlit_server")  # started with the setting in its environment
    assert talk(server, "https://kpi.example.org", "kpi.example.org").startswith("served")
    assert talk(server, "https://other.example.org", "kpi.example.org") == "refused 403"


ATTACK_PAGE = """<!doctype html><meta charset="utf-8"><title>attack</title>
<iframe id="frame" src="{app}/" width="400" height="300"></iframe>
<script>
window.result = {{opened: false, messages: 0, closed: false}};
const bytes = Uint8Array.from(atob("{rerun}"), c => c.charCodeAt(0));
const ws = new WebSocket("{ws}/_stcore/stream", "streamlit");
ws.binaryType = "arraybuffer";
ws.onopen = () => {{ window.result.opened = true; ws.send(bytes); }};
ws.onmessage = () => {{ window.result.messages += 1; }};
ws.onclose = () => {{ window.result.closed = true; }};
ws.onerror = () => {{ window.result.closed = true; }};
</script>"""


@pytest.fixture()
def attack_site(module_server: str) -> Iterator[str]:
    """A page served from another local port that tries the app's websocket and frames the app."""
    page = ATTACK_PAGE.format(
        app=module_server,
        ws=module_server.replace("http://", "ws://"),
        rerun=base64.b64encode(rerun_message()).decode(),
    ).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def test_a_page_on_another_local_port_cannot_use_or_frame_the_app(
    browser_page: Any, attack_site: str
) -> None:
    page = browser_page
    page.goto(attack_site)
    page.wait_for_function("() => window.result.closed || window.result.messages > 0", timeout=30_000)
    page.wait_for_timeout(1000)
    result = page.evaluate("() => window.result")
    assert result == {"opened": False, "messages": 0, "closed": True}, json.dumps(result)
    framed = next(f for f in page.frames if f != page.main_frame)
    # the browser refuses to render the app inside another site's page: not even its index.html
    assert '<div id="root">' not in framed.content()
