"""Issue 21, second hardening round: drafts hidden from staff whatever the filter (21.2), failed-credential
limits that spare valid credentials and trust forwarded headers only from proxies (21.4), and the
optimistic lock of PUT /api/teams (21.9)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from apikit import Service, quick_solve, team_doc


# -- 21.2: a staff token never lists drafts ------------------------------------------------------------
@pytest.fixture
def drafted(make_service: Any) -> tuple[Service, int]:
    service = make_service(solve_fn=quick_solve)
    service.put_team()
    job = service.call("POST", "/api/teams/tiny/rotas", json={"time_limit": 1}, expect=202).json()
    done = service.wait_job(job["job_id"])
    assert done["state"] == "done", done
    return service, done["rota_id"]


def test_staff_asking_for_drafts_gets_none(drafted: tuple[Service, int]) -> None:
    service, rota_id = drafted
    # the lead sees the draft by filter and without one
    assert [r["id"] for r in service.call("GET", "/api/teams/tiny/rotas?state=draft", expect=200).json()] == [
        rota_id
    ]
    assert [r["id"] for r in service.call("GET", "/api/teams/tiny/rotas", expect=200).json()] == [rota_id]
    # staff: not by asking for drafts, nor without a filter
    assert service.call("GET", "/api/teams/tiny/rotas?state=draft", "staff", expect=200).json() == []
    assert service.call("GET", "/api/teams/tiny/rotas", "staff", expect=200).json() == []
    rota = service.call("GET", f"/api/rotas/{rota_id}", expect=200).json()
    service.publish(rota)
    # once published staff list it, with the filter naming its state and without one
    for url in ("/api/teams/tiny/rotas", "/api/teams/tiny/rotas?state=published"):
        assert [r["id"] for r in service.call("GET", url, "staff", expect=200).json()] == [rota_id]
    assert service.call("GET", "/api/teams/tiny/rotas?state=draft", "staff", expect=200).json() == []


def test_an_empty_set_of_states_lists_nothing(drafted: tuple[Service, int]) -> None:
    from rota.api.services.rotas import list_rotas

    service, rota_id = drafted
    with service.db.read() as session:
        assert list_rotas(session=session, team_id="tiny", states=()) == []
        assert [r.id for r in list_rotas(session=session, team_id="tiny", states=None)] == [rota_id]
        assert [r.id for r in list_rotas(session=session, team_id="tiny", states=("draft",))] == [rota_id]


# -- 21.9: PUT /api/teams takes If-Match (412) and base_version (409) ------------------------------------
def _renamed(name: str) -> dict[str, Any]:
    return team_doc(team=name)


def test_get_and_put_send_the_version_etag(service: Service) -> None:
    created = service.call("PUT", "/api/teams/tiny", json=team_doc(), expect=201)
    assert created.headers["etag"] == '"1"'
    assert service.call("GET", "/api/teams/tiny", expect=200).headers["etag"] == '"1"'
    updated = service.call(
        "PUT", "/api/teams/tiny", json=_renamed("Desk 2"), headers={"If-Match": '"1"'}, expect=200
    )
    assert updated.headers["etag"] == '"2"' and updated.json()["version"] == 2
    assert service.call("GET", "/api/teams/tiny?version=1", expect=200).headers["etag"] == '"1"'
    assert service.call("GET", "/api/teams/tiny", expect=200).headers["etag"] == '"2"'


def test_a_stale_if_match_answers_412_in_words_and_stores_nothing(service: Service) -> None:
    service.put_team()
    service.call("PUT", "/api/teams/tiny", json=_renamed("Desk 2"), expect=200)  # someone else: version 2
    stale = service.call(
        "PUT", "/api/teams/tiny", json=_renamed("Desk 3"), headers={"If-Match": '"1"'}, expect=412
    )
    problem = stale.json()["detail"][0]
    assert problem["path"] == "If-Match"
    assert "version 2" in problem["message"] and "read it again" in problem["message"]
    # the same document as stored, sent with a stale tag: still refused (the check comes first)
    service.call("PUT", "/api/teams/tiny", json=_renamed("Desk 2"), headers={"If-Match": '"1"'}, expect=412)
    # a weak tag never matches; "*" and a list holding the current tag do
    service.call("PUT", "/api/teams/tiny", json=_renamed("Desk 3"), headers={"If-Match": 'W/"2"'}, expect=412)
    assert service.call("GET", "/api/teams/tiny", expect=200).json()["document"]["team"] == "Desk 2"
    service.call(
        "PUT", "/api/teams/tiny", json=_renamed("Desk 3"), headers={"If-Match": '"1", "2"'}, expect=200
    )
    service.call("PUT", "/api/teams/tiny", json=_renamed("Desk 4"), headers={"If-Match": "*"}, expect=200)
    assert service.call("GET", "/api/teams/tiny", expect=200).json()["version"] == 4


def test_if_match_on_a_team_not_stored_and_a_malformed_one(service: Service) -> None:
    service.call("PUT", "/api/teams/tiny", json=team_doc(), headers={"If-Match": "*"}, expect=412)
    service.call("PUT", "/api/teams/tiny", json=team_doc(), headers={"If-Match": '"1"'}, expect=412)
    bad = service.call(
        "PUT", "/api/teams/tiny", json=team_doc(), headers={"If-Match": "yesterday"}, expect=422
    )
    assert bad.json()["detail"][0]["path"] == "If-Match"
    service.call("GET", "/api/teams/tiny", expect=404)  # none of them stored anything


def test_base_version_in_the_body_answers_409_when_stale(service: Service) -> None:
    created = service.call("PUT", "/api/teams/tiny", json={**team_doc(), "base_version": 0}, expect=201)
    assert "base_version" not in created.json()["document"]  # taken out, not stored
    service.call("PUT", "/api/teams/tiny", json={**_renamed("Desk 2"), "base_version": 1}, expect=200)
    stale = service.call("PUT", "/api/teams/tiny", json={**_renamed("Desk 3"), "base_version": 1}, expect=409)
    problem = stale.json()["detail"][0]
    assert problem["path"] == "base_version" and "version 2 now" in problem["message"]
    service.call("PUT", "/api/teams/tiny", json={**_renamed("Desk 3"), "base_version": 0}, expect=409)
    wrong = service.call("PUT", "/api/teams/tiny", json={**team_doc(), "base_version": "two"}, expect=422)
    assert wrong.json()["detail"][0]["path"] == "base_version"
    yaml_body = "base_version: 2\nteam: Desk 3\n" + "".join(
        f"{line}\n" for line in _yaml_of(team_doc()).splitlines() if not line.startswith("team:")
    )
    done = service.call(
        "PUT", "/api/teams/tiny", content=yaml_body, headers={"content-type": "application/yaml"}, expect=200
    )
    assert done.json()["version"] == 3


def _yaml_of(doc: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(doc, sort_keys=False)


def test_a_put_without_if_match_or_base_version_still_overwrites(service: Service) -> None:
    service.put_team()
    for n in (2, 3):
        stored = service.call("PUT", "/api/teams/tiny", json=_renamed(f"Desk {n}"), expect=200).json()
        assert stored["version"] == n


def test_six_concurrent_puts_from_one_version_store_one(service: Service) -> None:
    service.put_team()
    barrier = threading.Barrier(6)
    codes: list[int] = []
    lock = threading.Lock()

    def put(n: int) -> None:
        barrier.wait()
        response = service.call(
            "PUT", "/api/teams/tiny", json=_renamed(f"Desk {n}"), headers={"If-Match": '"1"'}
        )
        with lock:
            codes.append(response.status_code)

    threads = [threading.Thread(target=put, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [200, 412, 412, 412, 412, 412], codes
    team = service.call("GET", "/api/teams/tiny", expect=200).json()
    assert team["version"] == 2


# -- 21.4: limits count failures only; X-Forwarded-For only from trusted proxies --------------------------
def _feed(service: Service) -> str:
    rota = service.generate(time_limit=1)
    service.publish(rota)
    body = {"kind": "person", "team": "tiny", "person": "noor"}
    made = service.call("POST", "/api/calendar-tokens", json=body, expect=201).json()
    return made["url"].rsplit("/", 1)[-1]


def test_21_bad_tokens_then_valid_credentials_from_the_same_address(make_service: Any) -> None:
    service = make_service(solve_fn=quick_solve)  # the default limit: 20 a minute
    service.put_team()
    feed = _feed(service)
    bad = {"Authorization": "Bearer rota_not-a-token"}
    codes = [service.client.get("/api/teams/tiny/rotas", headers=bad).status_code for _ in range(21)]
    assert codes == [401] * 20 + [429]
    refused = service.client.get("/api/teams/tiny/rotas", headers=bad)
    assert refused.status_code == 429 and refused.headers["retry-after"].isdigit()
    assert service.client.get(f"/calendars/{feed}").status_code == 200  # a valid feed: served
    for who in ("lead", "hr", "staff"):  # valid bearers: served
        service.call("GET", "/api/teams/tiny/rotas", who, expect=200)
    # unknown feeds are counted apart, and a valid feed is served past their limit too
    feeds = [service.client.get(f"/calendars/cal_guess{n}.ics").status_code for n in range(21)]
    assert feeds == [404] * 20 + [429]
    assert service.client.get(f"/calendars/{feed}").status_code == 200


def test_forwarded_for_is_believed_only_from_trusted_proxies(make_service: Any) -> None:
    from fastapi.testclient import TestClient

    service = make_service(auth_failure_limit=2, trusted_proxies="10.0.0.0/8, 192.0.2.1")
    bad = {"Authorization": "Bearer rota_not-a-token"}
    proxy = TestClient(service.client.app, client=("10.1.2.3", 40000))

    def through_proxy(forwarded: str, headers: dict[str, str] = bad) -> int:
        return proxy.get("/api/teams", headers={**headers, "X-Forwarded-For": forwarded}).status_code

    # behind the proxy each client has its own count: the one who failed is limited, the next one is not
    assert [through_proxy("203.0.113.5") for _ in range(3)] == [401, 401, 429]
    assert through_proxy("203.0.113.6") == 401
    # a client cannot escape by writing its own X-Forwarded-For: the proxy appends the address it saw,
    # and the last address that is not a trusted proxy is the client (a second proxy, 192.0.2.1, skipped)
    assert through_proxy("198.51.100.1, 203.0.113.5") == 429
    assert through_proxy("198.51.100.2, 203.0.113.5, 192.0.2.1") == 429
    # valid credentials of the limited client still pass
    assert through_proxy("203.0.113.5", service.tokens.auth("lead")) == 200
    # a peer that is not a trusted proxy is taken as it is: a forged header gives it no fresh count
    direct = TestClient(service.client.app, client=("198.51.100.9", 40000))
    codes = [
        direct.get("/api/teams", headers={**bad, "X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(10, 13)
    ]
    assert codes == [401, 401, 429]


def test_no_trusted_proxies_means_the_peer_always() -> None:
    from starlette.requests import Request

    from rota.api.middleware import client_ip, trusted_networks

    class State:
        settings: Any = None

    class App:
        state = State()

    def ip(peer: str, forwarded: str, trusted: str) -> str:
        App.state.settings = type("S", (), {"trusted_proxies": trusted})()
        scope = {
            "type": "http",
            "app": App(),
            "client": (peer, 1),
            "headers": [(b"x-forwarded-for", forwarded.encode())],
        }
        return client_ip(Request(scope))

    assert ip("127.0.0.1", "203.0.113.5", "127.0.0.1") == "203.0.113.5"  # the default: a local proxy
    assert ip("127.0.0.1", "203.0.113.5", "") == "127.0.0.1"
    assert ip("10.0.0.1", "203.0.113.5", "127.0.0.1") == "10.0.0.1"
    assert ip("::1", "2001:db8::5", "::1, 127.0.0.1") == "2001:db8::5"
    assert ip("10.0.0.1", "10.0.0.2", "10.0.0.0/8") == "10.0.0.2"  # every hop trusted: the first
    with pytest.raises(ValueError, match="not an IP address"):
        trusted_networks("10.0.0.0/8, proxy.example")


def test_a_bad_trusted_proxies_setting_names_itself() -> None:
    from pydantic import ValidationError

    from rota.api.settings import Settings

    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings(trusted_proxies="10.0.0.0/33")
    assert Settings(trusted_proxies="10.0.0.0/8,::1").trusted_proxies == "10.0.0.0/8,::1"
