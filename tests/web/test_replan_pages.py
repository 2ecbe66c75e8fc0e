"""Re-plan from the page, the pending changes on the team page, Publish with a note, the history (issue 19).

With the real solver in the server's process: a lead marks someone ill on a published month, sees what the
re-plan changes and how far from the least churn it proved, keeps it; the team page counts the unpublished
changes; Publish asks why; the history lists the version, compares two and restores one. The pages agree
with their JSON twins."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webkit import FIRST, MONTH, Web, landed, post, serve

from rota.api.models import Rota


@pytest.fixture
def solving(tmp_path: Path, sqlite_template: Path) -> Iterator[Web]:
    """The app with the real solver (in its own thread), the test team stored."""
    with serve(sqlite_template, tmp_path, None, time_limit=3) as started:
        yield started


def _lead(web: Web) -> TestClient:
    from webkit import sign_in

    client = web.client()
    sign_in(client, web.tokens.secrets["lead"])
    return client


def _version(html: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


def test_a_sick_call_from_the_page_to_the_history(solving: Web) -> None:
    web, lead = solving, _lead(solving)
    bearer = {"Authorization": f"Bearer {web.tokens.secrets['lead']}"}
    made = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": MONTH, "time_limit": "3"})
    first = web.wait_job(made.headers["location"].rsplit("/", 1)[1]).rota_id
    page = f"/teams/tiny/rotas/{first}/publish"
    assert (
        post(lead, page, page, {"version": _version(lead.get(page).text), "note": "January"}).status_code
        == 303
    )
    month = lead.get(f"/teams/tiny/rotas/{first}").text
    assert f'href="/teams/tiny/rotas/{first}/replan">Re-plan</a>' in month
    with web.db.read() as session:
        rota = session.get(Rota, first)
        days = sorted({a.date for a in rota.assignments if a.person == "lotte"})[:3]
    form = {"kind": "sick", "person": "lotte", "from": days[0].isoformat(), "to": days[-1].isoformat()}
    started = post(lead, f"/teams/tiny/rotas/{first}/replan", f"/teams/tiny/rotas/{first}/replan", form)
    assert started.status_code == 303, started.text
    job = web.wait_job(started.headers["location"].rsplit("/", 1)[1], timeout=60)
    assert job.state == "done" and job.kind == "replan", job.reason
    shown = lead.get(started.headers["location"]).text
    review_url = f"/teams/tiny/rotas/{job.rota_id}/review"
    assert f'href="{review_url}"' in shown and "See what the re-plan changes" in shown

    review = lead.get(review_url).text
    twin = lead.get(f"/api/rotas/{job.rota_id}/replan", headers=bearer)
    assert twin.status_code == 200
    said = twin.json()
    assert said["headline"] in review and said["churn"] in review and "Lotte Visser" in review
    assert re.search(r"\d+ dut(y|ies) change for \d+ (person|people); ", said["headline"])
    assert said["changes_bound"] is not None

    kept = post(lead, review_url, f"/teams/tiny/rotas/{job.rota_id}/keep")
    landing = landed(lead, kept)
    assert "Kept: " in landing.text and "Unpublished changes" in landing.text
    held = int(kept.headers["location"].rsplit("/", 1)[1])
    team = lead.get("/teams/tiny").text
    n = said["counts"]["added"] + said["counts"]["removed"]  # moves count once: at most this many
    count = int(re.search(r"<strong>(\d+) unpublished changes?</strong>", team).group(1))
    assert 0 < count <= n and f'href="/teams/tiny/rotas/{held}/publish"' in team

    publish = f"/teams/tiny/rotas/{held}/publish"
    done = post(lead, publish, publish, {"version": _version(lead.get(publish).text), "note": "Lotte ill"})
    assert done.status_code == 303
    team = lead.get("/teams/tiny").text
    assert "Lotte ill" in team and "None: every change is published." in team
    history = lead.get("/api/teams/tiny/history", headers=bearer).json()["versions"]
    assert [(v["rota_id"], v["note"], v["current"]) for v in history] == [
        (held, "Lotte ill", True),
        (first, "January", False),
    ]
    compared = lead.get(f"/teams/tiny/history/compare?a={first}&b={held}")
    twin = lead.get(f"/api/teams/tiny/history/compare?a={first}&b={held}", headers=bearer).json()
    assert compared.status_code == 200 and "Lotte Visser" in compared.text
    assert f"{twin['counts']['removed']} removed" in compared.text
    assert {p["person"] for p in twin["people"]} >= {"lotte"}

    restored = post(lead, "/teams/tiny", f"/teams/tiny/rotas/{first}/restore")
    assert "Restored the version published" in landed(lead, restored).text
    draft = int(restored.headers["location"].rsplit("/", 1)[1])
    with web.db.read() as session:
        old, new = session.get(Rota, first), session.get(Rota, draft)
        assert new.state == "draft" and {(a.person, a.date, a.shift) for a in new.assignments} == {
            (a.person, a.date, a.shift) for a in old.assignments
        }
    assert days[0] >= FIRST
