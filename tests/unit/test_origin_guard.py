"""Which Host and Origin headers the origin guard accepts (dashboard.origin_guard)."""

from __future__ import annotations

import pytest

from dashboard.origin_guard import Origin, allowed_origins, host_allowed


@pytest.fixture(autouse=True)
def _no_listed_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNION_KPI_ALLOWED_ORIGINS", raising=False)


def test_origins_are_normalised() -> None:
    assert Origin.parse("HTTPS://KPI.Example.org") == Origin("https", "kpi.example.org", 443)
    assert Origin.parse("http://[::1]:8501") == Origin("http", "::1", 8501)
    assert Origin.parse("http://127.0.0.1:8501/") == Origin("http", "127.0.0.1", 8501)
    for bad in ("null", "file://", "ftp://a.org", "http://a.org:x", "http://a.org/app", ""):
        assert Origin.parse(bad) is None


def test_the_apps_own_names_on_the_served_port() -> None:
    own = allowed_origins(8501, "127.0.0.1:8501")
    for origin in ("http://127.0.0.1:8501", "http://localhost:8501", "http://[::1]:8501"):
        assert Origin.parse(origin) in own
    for origin in ("http://127.0.0.1:8502", "http://localhost:3000", "http://evil.example:8501"):
        assert Origin.parse(origin) not in own
    assert host_allowed("localhost:8501", own) and host_allowed("[::1]:8501", own)
    assert not host_allowed("localhost:8502", own)
    assert not host_allowed("evil.example:8501", own)  # a rebound name
    assert not host_allowed("127.0.0.1:8501@evil.example", own)
    assert not host_allowed(None, own)


def test_an_ip_address_host_is_its_own_origin() -> None:
    own = allowed_origins(8501, "192.168.1.20:8501")
    assert host_allowed("192.168.1.20:8501", own)
    assert Origin.parse("http://192.168.1.20:8501") in own
    assert Origin.parse("http://192.168.1.21:8501") not in own  # another machine's page


def test_listed_origins_behind_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNION_KPI_ALLOWED_ORIGINS", "https://kpi.example.org, http://kpi.lan:8080")
    allowed = allowed_origins(8501, "kpi.example.org")
    assert host_allowed("kpi.example.org", allowed) and host_allowed("kpi.example.org:443", allowed)
    assert host_allowed("kpi.lan:8080", allowed) and not host_allowed("kpi.lan", allowed)
    assert Origin.parse("https://kpi.example.org") in allowed
    assert Origin.parse("http://kpi.example.org") not in allowed
