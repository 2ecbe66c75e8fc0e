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
    assert [r["id"] for r in service.call("GET", "/api/teams/tiny/rotas?state=draft", expect=200).json()] \
        == [rota_id]
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
    from api.services.rotas import list_rotas

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
    updated = service.call("PUT", "/api/teams/tiny", json=_renamed("Desk 2"), headers={"If-Match": '"1"'},
                           expect=200)
    assert updated.headers["etag"] == '"2"' and updated.json()["version"] == 2
    assert service.call("GET", "/api/teams/tiny?version=1", expect=200).headers["etag"] == '"1"'
    assert service.call("GET", "/api/teams/tiny", expect=200).headers["etag"] == '"2"'


def test_a_stale_if_match_answers_412_in_words_and_stores_nothing(service: Service) -> None:
    service.put_team()
    service.call("PUT", "/api/teams/tiny", json=_renamed("Desk 2"), expect=200)  # someone else: version 2
    stale = service.call("PUT", "/api/teams/tiny", json=_renamed("Desk 3"), headers={"If-Match": '"1"'},
                         expect=412)
    problem = stale.json()["detail"][0]
    assert problem["path"] == "If-Match"
    assert "version 2" in problem["message"] and "read it again" in problem["message"]
    # the same document as stored, sent with a stale tag: still refused (the check comes first)
    service.call("PUT", "/api/teams/tiny", json=_renamed("Desk 2"), headers={"If-Match": '"1"'}, expect=412)
    # a weak tag never matches; "*" and a list holding the current tag do
    service.call("PUT", "/api/teams/tiny", json=_renamed("Desk 3"), headers={"If-Match": 'W/"2"'}, expect=412)
    assert service.call("GET", "/api/teams/tiny", expect=200).json()["document"]["team"] == "Desk 2"
    service.call("PUT", "/api/teams/tiny", json=_renamed("Desk 3"), headers={"If-Match": '"1", "2"'},
                 expect=200)
    service.call("PUT", "/api/teams/tiny", json=_renamed("Desk 4"), headers={"If-Match": "*"}, expect=200)
    assert service.call("GET", "/api/teams/tiny", expect=200).json()["version"] == 4


def test_if_match_on_a_team_not_stored_and_a_malformed_one(service: Service) -> None:
    service.call("PUT", "/api/teams/tiny", json=team_doc(), headers={"If-Match": "*"}, expect=412)
    service.call("PUT", "/api/teams/tiny", json=team_doc(), headers={"If-Match": '"1"'}, expect=412)
    bad = service.call("PUT", "/api/teams/tiny", json=team_doc(), headers={"If-Match": "yesterday"},
                       expect=422)
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
        f"{line}\n" for line in _yaml_of(team_doc()).splitlines() if not line.startswith("team:"))
    done = service.call("PUT", "/api/teams/tiny", content=yaml_body,
                        headers={"content-type": "application/yaml"}, expect=200)
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
        response = service.call("PUT", "/api/teams/tiny", json=_renamed(f"Desk {n}"),
                                headers={"If-Match": '"1"'})
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
