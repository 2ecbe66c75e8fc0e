"""Generate (the real solver, tiny limits), read, publish with optimistic locking, history across the seam."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from apikit import Service, quick_result, quick_solve, team_doc
from sqlalchemy import func, select

from rota.api.models import PublishedDay, Rota
from rota.document import RotaDocument
from rota.load import parse_team
from rota.validate import validate


def test_generate_read_and_publish_with_the_real_solver(service: Service) -> None:
    service.put_team()
    job = service.call(
        "POST",
        "/api/teams/tiny/rotas",
        json={"start": "2026-10-19", "end": "2026-10-30", "time_limit": 3},
        expect=202,
    ).json()
    assert job["state"] == "queued" and job["url"].endswith(f"/api/jobs/{job['job_id']}")
    done = service.wait_job(job["job_id"])
    assert done["state"] == "done" and done["rota_id"] and done["reason"] is None
    assert done["progress"]["objective"] is not None and done["progress"]["elapsed"] is not None
    rota = service.call("GET", f"/api/rotas/{done['rota_id']}", expect=200).json()
    assert (rota["state"], rota["version"], rota["team_version"]) == ("draft", 1, 1)
    assert rota["period"] == {"start": "2026-10-19", "end": "2026-10-30"}
    assert rota["solver"]["status"] in ("optimal", "feasible") and set(rota["terms"]) >= {
        "gap_core",
        "fairness",
    }
    assert all("reasons" in g for g in rota["gaps"])
    report = validate(parse_team(team_doc(), "tiny"), RotaDocument.model_validate(rota))
    assert report.ok, report.violations
    published = service.publish(rota)
    assert (published["state"], published["version"]) == ("published", 2)
    assert published["published_dates"][0] == "2026-10-19" and len(published["published_dates"]) == 12
    stale = service.call("POST", f"/api/rotas/{rota['id']}/publish", json={"version": 1}, expect=409).json()
    assert stale["detail"][0]["path"] == "version" and stale["version"] == 2
    service.call("POST", f"/api/rotas/{rota['id']}/publish", headers={"If-Match": '"1"'}, expect=409)
    service.call("POST", f"/api/rotas/{rota['id']}/publish", headers={"If-Match": '"2"'}, expect=200)


def _two_drafts(service: Service) -> tuple[dict[str, Any], dict[str, Any]]:
    service.put_team()
    return service.generate(start="2026-10-19", end="2026-10-30"), service.generate(
        start="2026-10-26", end="2026-10-30"
    )


def test_publish_supersedes_and_moves_overlapping_drafts(make_service: Any) -> None:
    service = make_service(solve_fn=quick_solve)
    month, week = _two_drafts(service)
    service.publish(week)
    service.publish(month, expect=409)  # publishing the week moved the overlapping draft to a new version
    month = service.call("GET", f"/api/rotas/{month['id']}", expect=200).json()
    assert month["version"] == 2
    service.publish(month)
    week = service.call("GET", f"/api/rotas/{week['id']}", expect=200).json()
    assert (week["state"], week["published_dates"]) == ("superseded", [])
    listed = service.call("GET", "/api/teams/tiny/rotas?state=published", "staff", expect=200).json()
    assert [r["id"] for r in listed] == [month["id"]]


def test_publishing_part_of_a_published_rota_keeps_the_rest(make_service: Any) -> None:
    service = make_service(solve_fn=quick_solve)
    service.put_team()
    month = service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
    week = service.publish(service.generate(start="2026-10-26", end="2026-10-30"))
    month = service.call("GET", f"/api/rotas/{month['id']}", expect=200).json()
    assert month["state"] == "published" and month["published_dates"][-1] == "2026-10-25"
    assert week["published_dates"] == [f"2026-10-{d}" for d in range(26, 31)]


def race(service: Service, targets: list[dict[str, Any]]) -> list[int]:
    """Publish each rota (with the version read) from its own thread, released together."""
    barrier = threading.Barrier(len(targets))
    codes: list[int] = []

    def publish(rota: dict[str, Any]) -> None:
        barrier.wait()
        body = {"version": rota["version"]}
        codes.append(service.call("POST", f"/api/rotas/{rota['id']}/publish", json=body).status_code)

    threads = [threading.Thread(target=publish, args=(r,)) for r in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def test_two_concurrent_publishes_one_wins_the_other_409(make_service: Any) -> None:
    service = make_service(solve_fn=quick_solve)
    service.put_team()
    for _ in range(3):
        drafts = [service.generate(start="2026-10-19", end="2026-10-30") for _ in range(2)]
        for targets in (drafts, [drafts[0], drafts[0]]):  # two rotas of the same dates; one rota twice
            fresh = [service.call("GET", f"/api/rotas/{r['id']}", expect=200).json() for r in targets]
            codes = race(service, fresh)
            assert sorted(codes) == [200, 409], codes
            with service.db.read() as session:
                owners = session.scalars(select(PublishedDay.rota_id).distinct()).all()
                days = session.scalar(select(func.count()).select_from(PublishedDay))
            assert len(owners) == 1 and days == 12


def test_history_is_filled_from_the_published_rota_before_start(make_service: Any) -> None:
    seen: list[Any] = []

    def capture(team: Any, start: date, end: date, params: Any) -> Any:
        seen.append(team)
        return quick_result(team, start, end)

    service = make_service(solve_fn=capture)
    service.put_team(
        doc=team_doc(history=[{"person": "sem", "role": "desk", "shift": "am", "date": "2026-10-01"}])
    )
    october = service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
    service.generate(start="2026-11-02", end="2026-11-06")
    history = {(h.person, h.role, h.shift, h.date.isoformat()) for h in seen[-1].history}
    published = {(a["person"], a["role"], a["shift"], a["date"]) for a in october["assignments"]}
    assert published <= history
    assert ("sem", "desk", "am", "2026-10-01") in history
    assert seen[-1].period.start == date(2026, 11, 2)


def test_bad_requests_name_the_field(service: Service) -> None:
    service.put_team()
    bad = service.call(
        "POST", "/api/teams/tiny/rotas", json={"start": "2026-10-30", "end": "2026-10-01"}, expect=422
    ).json()
    assert bad["detail"] == [{"path": "end", "message": "end 2026-10-01 is before start 2026-10-30"}]
    bad = service.call("POST", "/api/teams/tiny/rotas", json={"start": "soon"}, expect=422).json()
    assert bad["detail"][0]["path"] == "start"
    service.call("POST", "/api/teams/nope/rotas", json={}, expect=403)
    service.call("GET", "/api/rotas/999", expect=404)
    service.call("GET", "/api/jobs/nope", expect=404)
    with service.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Rota)) == 0
