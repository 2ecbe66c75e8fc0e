"""Issue 9, the edge: feeds off the event loop, 503 on a saturated pool, body limits before parsing,
429 after failed tokens, spreadsheet and calendar hygiene, one error shape, security headers, /docs
without a CDN, no Host reflection, and secrets masked in uvicorn's access log.

Each test failed before the fix it names. They run on SQLite, and on PostgreSQL with
ROTA_TEST_DATABASE_URL (the ``make_service`` fixture)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import logging
import re
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from apikit import Service, quick_result, quick_solve, team_doc
from fastapi import HTTPException
from fastapi.testclient import TestClient
from openpyxl import load_workbook

import rota.api.routes.calendars as calendars_route
from rota.api.middleware import CSP, FailureLimiter, MaskSecrets, mask_secrets, uvicorn_log_config
from rota.export import safe_cell, xlsx_bytes
from rota.ical import EventSpec, calendar_ics, rota_ics
from rota.load import parse_team

SECURITY = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def assert_shape(response: httpx.Response, status: int, *, words: str = "") -> str:
    """The one error shape: ``{"detail": [{"path", "message"}]}``; returns the first message."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], list) and body["detail"]
    for problem in body["detail"]:
        assert set(problem) >= {"path", "message"} and isinstance(problem["message"], str)
        assert problem["message"].strip()
    message = body["detail"][0]["message"]
    assert words in message, message
    return message


def assert_secured(response: httpx.Response, csp: str = CSP) -> None:
    for name, value in {**SECURITY, "content-security-policy": csp}.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))


def published_service(make_service: Any, doc: dict[str, Any] | None = None, **settings: Any) -> Service:
    service = make_service(solve_fn=quick_solve, **settings)
    service.call("PUT", "/api/teams/tiny", json=doc or team_doc(), expect=201)
    service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
    service.client.app.state.clock = lambda: datetime(2026, 10, 20, 12, tzinfo=UTC)  # the feeds' window
    return service


def new_feed(service: Service, kind: str = "team", **body: Any) -> str:
    body = {"team": "tiny", "kind": kind, **body}
    return service.call("POST", "/api/calendar-tokens", json=body, expect=201).json()["token"]


# -- 1. feeds never block the event loop; a saturated pool answers 503 -----------------------------------
SMALL_POOL = {"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout": 0.5}


def test_openapi_answers_while_feeds_are_in_flight_and_saturation_is_503(
    make_service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = published_service(make_service, **SMALL_POOL)
    token = new_feed(service)
    arrived, release = threading.Semaphore(0), threading.Event()
    real_find = calendars_route.find_feed

    def slow_find(conn: Any, secret: str) -> Any:  # holds the pool's one connection until released
        arrived.release()
        release.wait(10)
        return real_find(conn, secret)

    monkeypatch.setattr(calendars_route, "find_feed", slow_find)
    results: dict[int, httpx.Response] = {}

    def fetch(i: int) -> None:
        results[i] = service.client.get(f"/calendars/{token}.ics")

    holder = threading.Thread(target=fetch, args=(0,))
    holder.start()
    try:
        assert arrived.acquire(timeout=10), "the feed request never reached its look-up"
        # the event loop is free while a feed request holds a thread and the pool's connection
        schema: dict[int, httpx.Response] = {}
        asker = threading.Thread(target=lambda: schema.setdefault(0, service.client.get("/openapi.json")))
        asker.start()
        asker.join(10)
        assert not asker.is_alive(), "/openapi.json did not answer while a feed request was in flight"
        assert schema[0].status_code == 200 and holder.is_alive()
        # more feed requests wait for the pool, then answer 503 in words, never 500
        waiting = [threading.Thread(target=fetch, args=(i,)) for i in range(1, 5)]
        for t in waiting:
            t.start()
        for t in waiting:
            t.join(20)
        assert holder.is_alive()
        for i in range(1, 5):
            assert_shape(results[i], 503, words="busy")
            assert int(results[i].headers["retry-after"]) >= 1
            assert_secured(results[i])
    finally:
        release.set()
        holder.join(20)
    assert results[0].status_code == 200 and results[0].text.startswith("BEGIN:VCALENDAR")


def test_a_held_pool_gives_503_on_api_routes_too(make_service: Any) -> None:
    service = make_service(**SMALL_POOL)
    with service.db.engine.connect():  # the pool's only connection
        response = service.call("GET", "/api/teams")
        assert_shape(response, 503, words="try again in")
        assert response.headers["retry-after"].isdigit()
    service.call("GET", "/api/teams", expect=200)


def test_the_feed_route_is_not_a_coroutine() -> None:
    import inspect

    assert not inspect.iscoroutinefunction(calendars_route.calendar_feed)


# -- 2. limits at the edge -------------------------------------------------------------------------------
def test_a_body_over_the_limit_is_refused_before_parsing_or_authentication(make_service: Any) -> None:
    service = make_service(max_body_bytes=1000)
    big = b'{"team": "' + b"x" * 2000 + b'"}'
    for headers in ({}, service.tokens.auth("lead"), {"Authorization": "Bearer rota_unknown"}):
        response = service.client.put(
            "/api/teams/tiny", content=big, headers={"content-type": "application/json", **headers}
        )
        assert_shape(response, 413, words="1000 bytes")
        assert_secured(response)
    # streamed (chunked, no Content-Length): counted as it arrives
    chunks = (b"[" + b"1," * 400 for _ in range(5))
    response = service.client.put(
        "/api/teams/tiny",
        content=chunks,
        headers={**service.tokens.auth("lead"), "content-type": "application/json"},
    )
    assert_shape(response, 413, words="over the limit")
    # under the limit it is read as before (no token: 401, not 422)
    assert_shape(service.client.put("/api/teams/tiny", content=b"{}"), 401)


def test_a_bad_content_length_is_400_in_the_shape(make_service: Any) -> None:
    service = make_service()
    response = service.client.put("/api/teams/tiny", content=b"{}", headers={"content-length": "lots"})
    assert_shape(response, 400, words="Content-Length")
    # a GET too (it has no body, but the header is read first): the 400 its OpenAPI entry documents
    response = service.client.get("/api/teams", headers={"content-length": "C"})
    assert_shape(response, 400, words="Content-Length")
    assert "400" in service.client.app.openapi()["paths"]["/api/teams"]["get"]["responses"]


def test_failed_tokens_per_ip_get_429_and_others_are_not_slowed(make_service: Any) -> None:
    service = make_service(auth_failure_limit=3, auth_failure_window=60)
    for _ in range(10):  # valid tokens never count
        service.call("GET", "/api/teams", expect=200)
    bad = {"Authorization": "Bearer rota_not-a-token"}
    for _ in range(3):
        assert_shape(service.client.get("/api/teams", headers=bad), 401, words="unknown or revoked")
    response = service.client.get("/api/teams", headers=bad)
    message = assert_shape(response, 429, words="try again in")
    wait = int(response.headers["retry-after"])
    assert 1 <= wait <= 60 and f"{wait} s" in message
    assert_shape(service.client.get("/api/teams", headers=bad), 429)  # bad tokens blocked for the window
    service.call("GET", "/api/teams", expect=200)  # a valid token from the same address is not
    assert_shape(service.client.get("/api/teams"), 401)  # no token: no look-up, nothing to limit
    # another address is not affected
    other = TestClient(service.client.app, client=("192.0.2.7", 40000))
    assert other.get("/api/teams", headers=service.tokens.auth("lead")).status_code == 200
    assert other.get("/api/teams", headers=bad).status_code == 401


def test_unknown_feed_tokens_per_ip_get_429(make_service: Any) -> None:
    service = published_service(make_service, auth_failure_limit=2, auth_failure_window=60)
    token = new_feed(service, "person", person="noor")
    assert service.client.get(f"/calendars/{token}.ics").status_code == 200
    for _ in range(2):
        assert_shape(service.client.get("/calendars/cal_guess.ics"), 404, words="no such calendar")
    response = service.client.get("/calendars/cal_guess2.ics")
    assert_shape(response, 429, words="calendar tokens")
    assert response.headers["retry-after"].isdigit()
    other = TestClient(service.client.app, client=("192.0.2.8", 40000))
    assert other.get(f"/calendars/{token}.ics").status_code == 200


def test_the_failure_window_ends() -> None:
    now = [0.0]
    limiter = FailureLimiter(2, 10, clock=lambda: now[0], max_keys=3)
    key = ("auth", "198.51.100.1")
    limiter.fail(key)
    assert limiter.retry_after(key) is None
    limiter.fail(key)
    assert limiter.retry_after(key) == 10
    now[0] = 9.5
    assert limiter.retry_after(key) == 1
    now[0] = 10.0
    assert limiter.retry_after(key) is None
    for i in range(10):  # bounded: old windows make way
        limiter.fail(("auth", f"203.0.113.{i}"))
    assert len(limiter._windows) <= 3


# -- 3. output hygiene -----------------------------------------------------------------------------------
HOSTILE = '=HYPERLINK("http://203.0.113.9/x","click")'


def test_formulas_in_names_are_neutralised_in_csv_and_xlsx(make_service: Any) -> None:
    doc = team_doc()
    doc["people"][0]["name"] = HOSTILE
    doc["people"][1]["name"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    doc["people"][2]["name"] = "-2+3"
    doc["people"][3]["hours_per_week"] = 60  # under target: a negative "± h"
    service = published_service(make_service, doc)
    rota_id = service.call("GET", "/api/teams/tiny/rotas", expect=200).json()[0]["id"]
    text = service.call("GET", f"/api/rotas/{rota_id}.csv", expect=200).text
    rows = list(csv.DictReader(io.StringIO(text)))
    names = {r["person"]: r["name"] for r in rows}
    assert names["noor"] == "'" + HOSTILE and names["lotte"] == "'-2+3"
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    body = service.call("GET", f"/api/rotas/{rota_id}.xlsx", expect=200).content
    book = load_workbook(io.BytesIO(body))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                values.append(cell.value)
    assert "'" + HOSTILE in values and "'-2+3" in values
    hours = book["Hours"]
    diff = [r[4].value for r in hours.iter_rows(min_row=2) if r[4].value is not None]
    assert diff and all(isinstance(v, int | float) for v in diff) and any(v < 0 for v in diff)


def test_safe_cell_keeps_numbers() -> None:
    assert safe_cell(-1.5) == -1.5 and safe_cell("-1.5") == "-1.5" and safe_cell("+2") == "+2"
    assert safe_cell("-1+cmd") == "'-1+cmd" and safe_cell("\tx") == "'\tx" and safe_cell("\rx") == "'\rx"
    assert safe_cell("Noor") == "Noor" and safe_cell(None) is None


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("team", "Tiny\x00Desk"),
        ("people[0].name", "Noor\x07"),
        ("people[0].department", "\x1b[31mIT"),
        ("people[0].email", "noor@example.org\x0b"),
        ("roles.desk.name", "Desk\x85"),
        ("shifts.am.name", "Morning\x7f"),
        ("people[1].unavailable[0].reason", "ill\x1b"),
    ],
)
def test_control_characters_in_names_are_refused_in_words(make_service: Any, where: str, value: str) -> None:
    service = make_service()
    doc = team_doc()
    target: Any = doc
    parts = re.findall(r"[a-z_]+|\d+", where)
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    target[parts[-1]] = value
    response = service.call("PUT", "/api/teams/tiny", json=doc)
    message = assert_shape(response, 422, words="control character")
    assert response.json()["detail"][0]["path"] == where, response.json()
    assert "U+00" in message


@pytest.mark.parametrize("name", ["Tiny\r\nHelp Desk", "Tiny\rHelp Desk", "Tiny\nHelp\tDesk"])
def test_line_breaks_in_the_team_name_are_refused_in_words(make_service: Any, name: str) -> None:
    """Issue 21.1: a name is one line (a bare CR ends a spreadsheet row); before, it was stored and
    only the feeds folded it. Names already stored are still folded (the test below)."""
    service = make_service()
    response = service.call("PUT", "/api/teams/tiny", json=team_doc(team=name))
    message = assert_shape(response, 422, words="is not allowed in a name")
    assert response.json()["detail"][0]["path"] == "team"
    assert "U+000D" in message or "U+000A" in message


def test_control_characters_already_stored_never_reach_xlsx_or_ical() -> None:
    team = parse_team(team_doc(), "team")
    team.people[0].name = "No\x07or\x00"  # as if stored before the team file refused them
    team.team = "Tiny\x1bDesk"
    doc = quick_result(team, team.period.start, team.period.end).document
    book = load_workbook(io.BytesIO(xlsx_bytes(team, doc)))
    assert book["Rota"]["A2"].value == "Noor"
    body = rota_ics(team, doc)
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", body) and b"TinyDesk" in body
    start = datetime(2026, 1, 1, tzinfo=UTC)
    spec = EventSpec(uid="u@x", summary="a\x00b\rc", start=start, end=start + timedelta(hours=1))
    text = calendar_ics("x\r\ny\x07", "UTC", [spec]).decode()
    assert "SUMMARY:ab\\nc" in text and "X-WR-CALNAME:x\\ny" in text


# -- 4. one error shape, security headers, /docs offline, no Host reflection ---------------------------
def test_every_error_has_one_shape_and_every_response_the_headers(make_service: Any) -> None:
    service = make_service()
    app = service.client.app

    def bad_body() -> None:
        raise HTTPException(400, "There was an error parsing the body")

    def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/test-400", bad_body)
    app.add_api_route("/test-500", boom)
    assert_shape(service.client.get("/no/such/route"), 404, words="no such route: GET /no/such/route")
    response = service.client.delete("/api/teams")
    assert_shape(response, 405, words="not allowed")
    assert "GET" in response.headers["allow"]
    assert_secured(response)
    assert_shape(service.client.get("/test-400"), 400, words="could not be read")
    assert_shape(service.client.get("/api/teams"), 401)
    assert_shape(service.call("GET", "/api/teams/tiny", "staff"), 403)
    assert_shape(service.call("GET", "/api/rotas/999"), 404)
    assert_shape(service.call("POST", "/api/teams/tiny/rotas", json={"start": "x"}), 422)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/test-500")
        assert_shape(response, 500, words="internal error")
        assert_secured(response)
    for response in (
        service.client.get("/openapi.json"),
        service.client.get("/no/such/route"),
        service.call("GET", "/api/teams"),
        service.client.get("/"),
    ):
        assert_secured(response)


def test_values_past_what_the_database_holds_are_422_not_500(make_service: Any) -> None:
    """Found by schemathesis: ids past 64 bits (past 32 on PostgreSQL), year-1 dates. The routes' own
    ranges name the field; under them the app answers 422 in the shape, never 500."""
    service = published_service(make_service)
    huge = 2**70
    for method, url in (
        ("GET", f"/api/rotas/{huge}"),
        ("GET", f"/api/rotas/{huge}.csv"),
        ("DELETE", f"/api/calendar-tokens/{huge}"),
        ("GET", f"/api/rotas/{2**40}"),
        ("GET", "/api/teams/tiny/coverage?from=0001-01-01&to=0001-01-01"),
    ):
        response = service.call(method, url)
        assert response.status_code in (404, 422), (url, response.status_code, response.text)
        assert_shape(response, response.status_code)


def test_feeds_and_304_carry_the_security_headers(make_service: Any) -> None:
    service = published_service(make_service)
    token = new_feed(service)
    first = service.client.get(f"/calendars/{token}.ics")
    assert_secured(first)
    again = service.client.get(f"/calendars/{token}.ics", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert_secured(again)


def test_docs_are_served_without_a_cdn(make_service: Any) -> None:
    service = make_service()
    page = service.client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/docs/assets/") for u in urls), urls
    assert "cdn" not in html and "http://" not in html and "https://" not in html
    for url in urls:
        asset = service.client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 1000, url
        assert asset.headers["x-content-type-options"] == "nosniff"
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    inline = re.search(r"<script>(.*?)</script>", html, re.DOTALL)
    assert inline is not None
    digest = base64.b64encode(hashlib.sha256(inline.group(1).encode()).digest()).decode()
    scripts = policy.split("script-src")[1].split(";")[0]
    assert f"'sha256-{digest}'" in scripts and "'unsafe-inline'" not in scripts
    assert service.client.get("/redoc").status_code == 404


def test_feed_urls_never_reflect_the_host_header(make_service: Any) -> None:
    service = published_service(make_service)
    made = service.call(
        "POST",
        "/api/calendar-tokens",
        json={"team": "tiny", "kind": "team"},
        headers={"Host": "evil.example"},
        expect=201,
    ).json()
    # no ROTA_PUBLIC_URL: the address the request reached (the test client's server), not the Host it sent
    assert made["url"].startswith("http://testserver/calendars/cal_"), made["url"]
    assert "evil" not in made["webcal"]


# -- 5. secrets masked in the access log -----------------------------------------------------------------
SECRET = "cal_" + "A1b2C3d4" * 5 + "xyz"
API_TOKEN = "rota_" + "Z9y8X7w6" * 5 + "abc"


def test_mask_secrets_cuts_every_kind() -> None:
    line = f"GET /calendars/{SECRET}.ics?x=1 Authorization: Bearer {API_TOKEN} link_{'q' * 43}"
    masked = mask_secrets(line)
    assert SECRET not in masked and API_TOKEN not in masked and "q" * 20 not in masked
    assert "cal_A1b2***" in masked and "Bearer rota_Z9y8***" in masked
    assert mask_secrets("rota_test_database_url and cal_short") == "rota_test_database_url and cal_short"


def test_uvicorn_access_log_masks_feed_secrets_and_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real thing: uvicorn on loopback with the configuration ``rota serve`` passes it."""
    import uvicorn
    from fastapi import FastAPI

    import rota.cli.service

    captured: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: captured.update(kw))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    rota.cli.service.serve("127.0.0.1", port, upgrade=False, reload=False)
    config = captured["log_config"]
    assert "mask_secrets" in config["handlers"]["access"]["filters"]
    assert config == uvicorn_log_config()

    app = FastAPI()
    app.add_api_route("/calendars/{token}.ics", lambda token: {"ok": True})
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=config, log_level="info", lifespan="off")
    )
    buffer = io.StringIO()
    access = logging.getLogger("uvicorn.access")
    handlers = [h for h in access.handlers if isinstance(h, logging.StreamHandler)]
    assert handlers and any(isinstance(f, MaskSecrets) for h in handlers for f in h.filters)
    for h in handlers:
        monkeypatch.setattr(h, "stream", buffer)
    thread = threading.Thread(target=server.run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            assert client.get(f"/calendars/{SECRET}.ics").status_code == 200
            client.get(f"/calendars/x.ics?token={API_TOKEN}")
    finally:
        server.should_exit = True
        thread.join(10)
    log = buffer.getvalue()
    assert "/calendars/cal_A1b2***.ics" in log, log
    assert SECRET not in log and API_TOKEN not in log and "rota_Z9y8***" in log
