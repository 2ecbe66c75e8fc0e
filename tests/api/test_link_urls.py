"""The base URL of the links handed out (issue 17.1): ROTA_PUBLIC_URL when set, whatever the request says;
unset, the address the request came to (the server's own address and port, never the Host header; through
a proxy in ROTA_TRUSTED_PROXIES its X-Forwarded-Proto/-Host); the CLI says which base it used."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apikit import quick_solve, team_doc
from fastapi.testclient import TestClient

from rota.api.urls import forwarded_host, is_loopback, origin

TOKENS = "/api/calendar-tokens"
TEAM_FEED = {"team": "tiny", "kind": "team"}
Run = Callable[..., tuple[int, str, str]]


def _service(make_service: Any, base: str = "http://127.0.0.1:8777", **settings: Any) -> Any:
    service = make_service(solve_fn=quick_solve, **settings)
    service.put_team()
    service.client.base_url = base  # the address and port the requests arrive at
    return service


def test_feed_urls_name_the_port_the_request_came_to(make_service: Any) -> None:
    service = _service(make_service)
    made = service.call("POST", TOKENS, json=TEAM_FEED, expect=201).json()
    assert made["url"] == f"http://127.0.0.1:8777/calendars/{made['token']}.ics"
    assert made["webcal"] == f"webcal://127.0.0.1:8777/calendars/{made['token']}.ics"
    assert service.client.get(made["url"].removeprefix("http://127.0.0.1:8777")).status_code == 200


def test_a_forged_host_names_nothing(make_service: Any) -> None:
    service = _service(make_service)
    made = service.call("POST", TOKENS, json=TEAM_FEED, headers={"Host": "evil.example:9"}, expect=201).json()
    assert made["url"].startswith("http://127.0.0.1:8777/calendars/cal_")
    # not from a proxy we trust: ignored
    forwarded = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    made = service.call("POST", TOKENS, json=TEAM_FEED, headers=forwarded, expect=201).json()
    assert made["url"].startswith("http://127.0.0.1:8777/calendars/cal_")


def _from(service: Any, peer: str) -> TestClient:
    """A client of the service's app whose TCP peer is ``peer``, reaching it at 127.0.0.1:8777."""
    return TestClient(
        service.client.app,
        base_url="http://127.0.0.1:8777",
        client=(peer, 40000),
        headers=service.tokens.auth("lead"),
    )


def test_a_trusted_proxy_names_the_public_address(make_service: Any) -> None:
    service = _service(make_service, trusted_proxies="10.0.0.0/8")
    proxy = _from(service, "10.1.2.3")
    headers = {
        "X-Forwarded-Host": "rota.example.org",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.9",
    }
    made = proxy.post(TOKENS, json=TEAM_FEED, headers=headers).json()
    assert made["url"] == f"https://rota.example.org/calendars/{made['token']}.ics"
    headers["X-Forwarded-Host"] = "evil.example/x?"  # not a host: ignored, the server's own address
    made = proxy.post(TOKENS, json=TEAM_FEED, headers=headers).json()
    assert made["url"] == f"https://127.0.0.1:8777/calendars/{made['token']}.ics"
    # the same headers from a peer that is not a trusted proxy: ignored
    headers["X-Forwarded-Host"] = "rota.example.org"
    made = _from(service, "198.51.100.9").post(TOKENS, json=TEAM_FEED, headers=headers).json()
    assert made["url"] == f"http://127.0.0.1:8777/calendars/{made['token']}.ics"
    # no trusted proxies at all (ROTA_TRUSTED_PROXIES empty): not even loopback is believed
    service = _service(make_service, trusted_proxies="")
    made = _from(service, "127.0.0.1").post(TOKENS, json=TEAM_FEED, headers=headers).json()
    assert made["url"] == f"http://127.0.0.1:8777/calendars/{made['token']}.ics"


def test_the_public_url_wins_over_anything_the_request_says(make_service: Any) -> None:
    service = _service(make_service, public_url="https://rota.example.org/", trusted_proxies="10.0.0.0/8")
    headers = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    made = _from(service, "10.1.2.3").post(TOKENS, json=TEAM_FEED, headers=headers).json()
    assert made["url"] == f"https://rota.example.org/calendars/{made['token']}.ics"


def test_url_pieces() -> None:
    assert origin("http", "::1", 8777) == "http://[::1]:8777"
    assert origin("https", "rota.example.org", 443) == "https://rota.example.org"
    assert origin("http", "127.0.0.1", 80) == "http://127.0.0.1"
    two = [(b"x-forwarded-host", b"rota.example.org:8443, inner:80")]
    assert forwarded_host(two) == "rota.example.org:8443"
    assert forwarded_host([(b"x-forwarded-host", b"[2001:db8::1]:8080")]) == "[2001:db8::1]:8080"
    for bad in (b"a b", b"evil/x", b"user@host", b"host:99999999", b""):
        assert forwarded_host([(b"x-forwarded-host", bad)]) is None, bad
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("rota.lan")


# -- the CLI: no request, so ROTA_PUBLIC_URL or the server's --host/--port, and it says which -----------
@pytest.fixture
def rota(rota: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``rota …`` on a migrated database holding the team, ROTA_PUBLIC_URL unset."""
    monkeypatch.delenv("ROTA_PUBLIC_URL", raising=False)
    assert rota("db", "upgrade")[0] == 0
    team = tmp_path / "tiny.json"
    team.write_text(json.dumps(team_doc()), encoding="utf-8")
    assert rota("import", str(team), "--id", "tiny")[0] == 0
    return rota


def test_cli_links_name_the_port_given(rota: Run) -> None:
    code, out, err = rota("token", "create", "--role", "hr", "--link", "--port", "8777")
    assert code == 0, err
    assert out.split()[1].startswith("http://127.0.0.1:8777/sign-in?code=link_")
    assert "on http://127.0.0.1:8777 (--host/--port; ROTA_PUBLIC_URL is not set)" in err
    code, out, err = rota(
        "token", "feed", "--team", "tiny", "--person", "noor", "--host", "rota.lan", "--port", "8080"
    )
    assert code == 0 and out.startswith("http://rota.lan:8080/calendars/cal_"), err
    assert "on http://rota.lan:8080 (--host/--port; ROTA_PUBLIC_URL is not set)" in err
    code, out, err = rota("token", "feed", "--team", "tiny", "--host", "0.0.0.0", "--port", "8777")
    assert code == 0 and out.startswith("http://127.0.0.1:8777/calendars/cal_"), err
    assert "listens everywhere, the link names this machine" in err
    code, out, err = rota("token", "feed", "--team", "tiny")  # no options: the server's defaults
    assert code == 0 and out.startswith("http://127.0.0.1:8000/calendars/cal_"), err


def test_cli_links_name_the_public_url_when_set(rota: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROTA_PUBLIC_URL", "https://rota.example.org/")
    code, out, err = rota("token", "create", "--role", "hr", "--link", "--port", "8777")
    assert code == 0 and out.split()[1].startswith("https://rota.example.org/sign-in?code=link_"), err
    assert "on https://rota.example.org (ROTA_PUBLIC_URL)" in err
    code, out, err = rota("token", "feed", "--team", "tiny", "--person", "noor")
    assert code == 0 and out.startswith("https://rota.example.org/calendars/cal_"), err


def test_serve_says_which_url_it_hands_out(rota: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from benchmarks.bench_feeds import free_port

    served: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: served.append(kwargs))
    port = free_port()
    code, _, err = rota("serve", "--port", str(port), "--no-upgrade")
    assert code == 0, err
    assert f"feed and sign-in links name http://127.0.0.1:{port} (the address each request comes to" in err
    assert "warning" not in err
    assert served[-1]["proxy_headers"] is False  # the app reads them, from ROTA_TRUSTED_PROXIES only
    code, _, err = rota("serve", "--host", "0.0.0.0", "--port", str(port), "--no-upgrade")
    assert code == 0, err
    assert f"e.g. http://<this machine's address>:{port}" in err
    assert "warning: serving on 0.0.0.0, beyond this machine, without ROTA_PUBLIC_URL" in err
    monkeypatch.setenv("ROTA_PUBLIC_URL", "https://rota.example.org")
    code, _, err = rota("serve", "--host", "0.0.0.0", "--port", str(port), "--no-upgrade")
    assert code == 0 and "feed and sign-in links name https://rota.example.org (ROTA_PUBLIC_URL)" in err
    assert "warning" not in err
