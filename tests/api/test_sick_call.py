"""A sick call on a published rota (issue 19, point 1), through the API twin of the page's Re-plan.

The absence goes into the team file; the minimal-change solve runs; the review says what keeping it changes
and how far from the least possible churn the solver proved; Keep puts it in the pending change set; staff
see it only after Publish."""

from __future__ import annotations

from typing import Any

from apikit import Service

from rota.document import RotaDocument
from rota.load import parse_team
from rota.validate import validate

KEYS = ("person", "role", "shift", "date")
SHIFTS = "/api/me/shifts?from=2026-10-19&to=2026-10-30"


def key(a: dict[str, Any]) -> tuple[str, ...]:
    return tuple(a[k] for k in KEYS)


def test_a_sick_call_is_replanned_within_one_change_of_the_least_possible(service: Service) -> None:
    service.put_team()
    old = service.publish(service.generate(start="2026-10-19", end="2026-10-30", time_limit=3))
    mine = sorted(a["date"] for a in old["assignments"] if a["person"] == "noor")
    assert len(mine) >= 3, mine
    first, last = mine[0], mine[2]  # ill for the dates of three of Noor's duties
    lost = {key(a) for a in old["assignments"] if a["person"] == "noor" and first <= a["date"] <= last}
    assert len(lost) == 3
    shifts = service.call("GET", SHIFTS, "staff", expect=200).json()  # staff: noor

    job = service.call(
        "POST",
        f"/api/rotas/{old['id']}/replan",
        json={"person": "noor", "from": first, "to": last, "reason": "flu", "time_limit": 5},
        expect=202,
    ).json()
    done = service.wait_job(job["job_id"])
    assert done["state"] == "done", done
    team = service.call("GET", "/api/teams/tiny", expect=200).json()
    assert team["version"] == 2 and team["document"]["people"][0]["unavailable"] == [
        {"from": first, "to": last, "reason": "flu"}
    ]
    draft = service.call("GET", f"/api/rotas/{done['rota_id']}", expect=200).json()
    assert draft["replan_of"] == old["id"] and draft["period"]["start"] == first
    report = validate(parse_team(team["document"], "tiny"), RotaDocument.model_validate(draft))
    assert report.violations == []

    review = service.call("GET", f"/api/rotas/{draft['id']}/replan", expect=200).json()
    counts = review["counts"]
    assert counts["changes"] == counts["added"] + counts["removed"] == draft["changes"]["count"]
    assert review["changes_bound"] is not None and counts["changes"] - review["changes_bound"] <= 1
    assert review["churn"] in ("the fewest possible (proved)", "within 1 change of the least possible")
    assert review["breaks"] == []  # nothing it keeps breaks a rule with the days around it
    assert review["headline"].startswith(f"{counts['duties']} duties change for {counts['people']} people; ")
    removed = {
        (p["person"], c["date"]) for p in review["people"] for c in p["changes"] if c["kind"] == "removed"
    }
    assert {(k[0], k[3]) for k in lost} <= removed
    # it keeps every other duty it can: what it changes is within one change of the proved least, and
    # everything else of the published rota in its dates is still there
    before = {key(a) for a in old["assignments"] if a["date"] >= first}
    now = {key(a) for a in draft["assignments"]}
    assert len(before - now) == counts["removed"] and len(now - before) == counts["added"]
    print(review["headline"], "·", review["churn"], "·", counts)
    service.call("GET", f"/api/rotas/{draft['id']}/replan", "staff", expect=404)

    kept = service.call("POST", f"/api/rotas/{draft['id']}/keep", expect=200).json()
    held = kept["rota"]
    assert held["pending_of"] == old["id"] and held["state"] == "draft" and held["team_version"] == 2
    assert not ({key(a) for a in held["assignments"]} & lost)
    service.call("GET", f"/api/rotas/{draft['id']}", expect=404)  # the re-plan now lives in the set
    assert service.call("GET", SHIFTS, "staff", expect=200).json() == shifts  # nothing reaches staff yet

    service.call("POST", f"/api/rotas/{old['id']}/publish", json={"note": "Noor has the flu"}, expect=200)
    after = service.call("GET", SHIFTS, "staff", expect=200).json()
    assert {s["date"] for s in after} == {s["date"] for s in shifts} - {k[3] for k in lost}


def test_a_replan_is_refused_on_a_draft_and_names_bad_fields(service: Service) -> None:
    service.put_team()
    draft = service.generate(start="2026-10-19", end="2026-10-30", time_limit=2)
    refused = service.call(
        "POST", f"/api/rotas/{draft['id']}/replan", json={"person": "noor", "from": "2026-10-20"}, expect=409
    ).json()
    assert refused["detail"][0]["path"] == "state"
    published = service.publish(draft)
    bad = service.call(
        "POST",
        f"/api/rotas/{published['id']}/replan",
        json={"person": "noor", "from": "2026-10-22", "to": "2026-10-20"},
        expect=422,
    ).json()
    assert bad["detail"][0]["path"] == "to"
    nobody = service.call(
        "POST",
        f"/api/rotas/{published['id']}/replan",
        json={"person": "zoe", "from": "2026-10-22"},
        expect=422,
    ).json()
    assert nobody["detail"][0]["path"] == "person" and "zoe" in nobody["detail"][0]["message"]
    assert service.call("GET", "/api/teams/tiny", expect=200).json()["version"] == 1  # nothing recorded
    service.call("GET", f"/api/rotas/{published['id']}/replan", expect=404)  # not a re-plan
    service.call("POST", f"/api/rotas/{published['id']}/keep", expect=409)


def test_what_to_replan_one_day_the_absence_or_the_rest(make_service: Any) -> None:
    from apikit import quick_solve

    service = make_service(solve_fn=quick_solve)
    service.put_team()
    rota = service.publish(service.generate(start="2026-10-19", end="2026-10-30"))

    def period(**body: Any) -> dict[str, str]:
        job = service.call("POST", f"/api/rotas/{rota['id']}/replan", json=body, expect=202).json()
        done = service.wait_job(job["job_id"])
        made = service.call("GET", f"/api/rotas/{done['rota_id']}", expect=200).json()
        service.call("DELETE", f"/api/rotas/{made['id']}", expect=204)  # discarded: nothing was kept
        return made["period"]

    # the team file changed: one day, or from a chosen date to the end; nothing added to the team file
    assert period(scope="day", day="2026-10-22") == {"start": "2026-10-22", "end": "2026-10-22"}
    assert period(fixed_before="2026-10-27") == {"start": "2026-10-27", "end": "2026-10-30"}
    assert service.call("GET", "/api/teams/tiny", expect=200).json()["version"] == 1
    # a sick call: only its dates, or from its first date (or a later fixed date) to the end
    sick = {"person": "sem", "from": "2026-10-26", "to": "2026-10-27"}
    assert period(**sick, scope="span") == {"start": "2026-10-26", "end": "2026-10-27"}
    assert period(**sick) == {"start": "2026-10-26", "end": "2026-10-30"}
    assert period(**sick, fixed_before="2026-10-27") == {"start": "2026-10-27", "end": "2026-10-30"}
    refused = service.call(
        "POST", f"/api/rotas/{rota['id']}/replan", json={"scope": "span"}, expect=422
    ).json()
    assert refused["detail"][0]["path"] == "scope"
    outside = service.call(
        "POST", f"/api/rotas/{rota['id']}/replan", json={"scope": "day", "day": "2026-11-02"}, expect=422
    ).json()
    assert (
        outside["detail"][0]["path"] == "day"
        and "2026-10-19 to 2026-10-30" in outside["detail"][0]["message"]
    )


def test_a_second_replan_of_the_same_dates_answers_the_running_one_with_its_location(
    make_service: Any,
) -> None:
    from apikit import quick_solve

    patient: list[bool] = []

    def solve(team: Any, start: Any, end: Any, params: Any) -> Any:
        if patient:  # the re-plan waits to be cancelled, as a long CP-SAT search would run
            params.stop.wait(20)
        return quick_solve(team, start, end, params)

    service = make_service(solve_fn=solve)
    service.put_team()
    rota = service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
    patient.append(True)
    body = {"person": "sem", "from": "2026-10-26", "to": "2026-10-27"}
    first = service.call("POST", f"/api/rotas/{rota['id']}/replan", json=body, expect=202)
    assert first.headers["location"] == first.json()["url"] and first.json()["running"] is False
    again = service.call("POST", f"/api/rotas/{rota['id']}/replan", json=body, expect=200)
    assert again.json()["job_id"] == first.json()["job_id"] and again.json()["running"] is True
    assert again.headers["location"] == first.json()["url"]
    service.call("DELETE", f"/api/jobs/{first.json()['job_id']}", expect=200)
    service.wait_job(first.json()["job_id"])
