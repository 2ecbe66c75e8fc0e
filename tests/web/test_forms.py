"""The forms: cell edits through the rule checks, Publish after the changes, the team file, Subscribe."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from webkit import LEAVE_WEEKDAY, Web, csrf_of, landed, post, sign_in

from rota.api.models import RotaEdit
from rota.api.services.rotas import get_rota


def _version(html: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


def _rota(web: Web, rota_id: int):
    with web.db.read() as session:
        rota = get_rota(session=session, rota_id=rota_id)
        return rota, list(rota.assignments)


def test_a_rule_break_is_named_and_kept_only_when_asked(web: Web, lead: TestClient, draft: int) -> None:
    cell = f"/teams/tiny/rotas/{draft}/cell?person=sem&date={LEAVE_WEEKDAY}"
    page = lead.get(cell)
    assert page.status_code == 200 and "Put <bdi>Sem Jansen</bdi> on" in page.text
    form = {
        "op": "add",
        "person": "sem",
        "date": str(LEAVE_WEEKDAY),
        "duty": "am|desk",
        "version": _version(page.text),
    }
    posted = post(lead, cell, f"/teams/tiny/rotas/{draft}/edits", form)
    assert posted.status_code == 303 and "&pending=" in posted.headers["location"]  # post-redirect-get
    refused = lead.get(posted.headers["location"])
    assert refused.status_code == 200 and refused.headers["cache-control"] == "no-store"
    assert "This change breaks a rule" in refused.text
    assert "overlaps the person&#39;s unavailability" in refused.text
    assert "<code>unavailable</code>" in refused.text and "Keep it anyway" in refused.text
    _, before = _rota(web, draft)
    assert not any(a.person == "sem" and a.date == LEAVE_WEEKDAY for a in before)
    kept = post(lead, cell, f"/teams/tiny/rotas/{draft}/edits", {**form, "force": "true", "reason": "agreed"})
    assert kept.status_code == 303 and kept.headers["location"] == f"/teams/tiny/rotas/{draft}"
    back = lead.get(posted.headers["location"], follow_redirects=False)  # Back: the rule break is gone
    assert back.status_code == 303 and back.headers["location"] == f"/teams/tiny/rotas/{draft}"
    month = lead.get(kept.headers["location"]).text
    assert "Kept anyway" in month and re.search(r'"chip role-0 shift-\d forced"', month) and "agreed" in month
    with web.db.read() as session:
        edit = session.query(RotaEdit).filter_by(rota_id=draft).one()
        assert edit.forced and edit.violations[0]["rule"] == "unavailable" and edit.actor == "Tiny lead"


def test_take_off_and_swap(web: Web, lead: TestClient, draft: int) -> None:
    _, rows = _rota(web, draft)
    a = next(r for r in rows if r.role == "desk" and r.person == "noor")
    cell = f"/teams/tiny/rotas/{draft}/cell?person=noor&date={a.date}"
    page = lead.get(cell)
    assert "Take off" in page.text and "Give it to" in page.text
    duty = f"{a.shift}|{a.role}"
    moved = post(
        lead,
        cell,
        f"/teams/tiny/rotas/{draft}/edits",
        {
            "op": "move",
            "person": "noor",
            "date": str(a.date),
            "duty": duty,
            "to_person": "daan",
            "version": _version(page.text),
        },
    )
    assert moved.status_code == 303  # Daan has no desk skill: the rule break is shown after the redirect
    assert "person lacks a skill" in lead.get(moved.headers["location"]).text
    page = lead.get(cell)
    gone = post(
        lead,
        cell,
        f"/teams/tiny/rotas/{draft}/edits",
        {"op": "remove", "person": "noor", "date": str(a.date), "duty": duty, "version": _version(page.text)},
    )
    assert gone.status_code == 303
    _, after = _rota(web, draft)
    assert not any(r.person == "noor" and r.date == a.date and r.shift == a.shift for r in after)
    stale = post(
        lead,
        cell,
        f"/teams/tiny/rotas/{draft}/edits",
        {"op": "add", "person": "noor", "date": str(a.date), "duty": duty, "version": 1},
    )
    said = landed(lead, stale).text
    assert "Noor de Vries on" in said and "changed meanwhile" in said


def test_publish_shows_the_changes_and_a_conflict_says_so(web: Web, lead: TestClient, published: int) -> None:
    rota, _ = _rota(web, published)
    assert rota.state == "published"
    again = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": f"{rota.start:%Y-%m}"})
    second = web.wait_job(again.headers["location"].rsplit("/", 1)[1]).rota_id
    page = lead.get(f"/teams/tiny/rotas/{second}/publish")
    assert page.status_code == 200 and "Against the rota published now" in page.text
    version = _version(page.text)
    # someone edits the draft meanwhile: the publish of the version seen is refused, in words
    _, rows = _rota(web, second)
    a = rows[0]
    cell = f"/teams/tiny/rotas/{second}/cell?person={a.person}&date={a.date}"
    post(
        lead,
        cell,
        f"/teams/tiny/rotas/{second}/edits",
        {
            "op": "remove",
            "person": a.person,
            "date": str(a.date),
            "duty": f"{a.shift}|{a.role}",
            "version": version,
        },
    )
    posted = post(lead, page.url.path, page.url.path, {"version": version})
    assert posted.status_code == 303 and posted.headers["location"] == page.url.path  # post-redirect-get
    conflict = lead.get(posted.headers["location"])
    assert "Someone changed or published this rota meanwhile" in conflict.text
    assert "Someone changed" not in lead.get(page.url.path).text  # said once
    assert "removed" in conflict.text and "Removed" in conflict.text
    done = post(lead, page.url.path, page.url.path, {"version": _version(conflict.text)})
    assert done.status_code == 303
    assert _rota(web, second)[0].state == "published" and _rota(web, published)[0].state == "superseded"


def test_the_team_file_is_checked_line_by_line_before_saving(web: Web, lead: TestClient) -> None:
    page = lead.get("/teams/tiny/file")
    assert page.status_code == 200 and "team: Tiny Help Desk" in page.text
    text = re.search(r"<textarea[^>]*>(.*?)</textarea>", page.text, re.S).group(1)
    import html

    broken = html.unescape(text).replace("hours_per_week: 20", "hours_per_week: lots")
    line = broken.splitlines().index(next(x for x in broken.splitlines() if "lots" in x)) + 1
    checked = post(
        lead, "/teams/tiny/file", "/teams/tiny/file", {"text": broken, "base_version": 1, "action": "save"}
    )
    assert checked.status_code == 303 and checked.headers["location"] == "/teams/tiny/file?draft=1"
    shown = lead.get(checked.headers["location"]).text  # the text and its problems wait on the session row
    assert f'data-line="{line}">Line {line}</a>' in shown
    assert "people[0].hours_per_week" in shown and "hours_per_week: lots" in shown
    again = lead.get(checked.headers["location"]).text  # shown once: a reload shows the stored file
    assert "hours_per_week: lots" not in again and "hours_per_week: 20" in again
    assert 'id="problems-h"' not in again
    fine = html.unescape(text).replace("hours_per_week: 20", "hours_per_week: 24")
    ok = post(
        lead, "/teams/tiny/file", "/teams/tiny/file", {"text": fine, "base_version": 1, "action": "check"}
    )
    assert "No problems" in landed(lead, ok).text
    saved = post(lead, "/teams/tiny/file", "/teams/tiny/file", {"text": fine, "base_version": 1})
    assert saved.status_code == 303 and "Saved the team file: version 2" in lead.get("/teams/tiny/file").text
    stale = post(lead, "/teams/tiny/file", "/teams/tiny/file", {"text": fine, "base_version": 1})
    held = landed(lead, stale).text  # the text typed is kept, with why it was not saved
    assert "Not saved (changed meanwhile)" in held and "changed since you opened it" in held
    assert "hours_per_week: 24" in held and 'name="base_version" value="1"' in held
    syntax = post(lead, "/teams/tiny/file", "/teams/tiny/file", {"text": "team: [", "base_version": 2})
    assert "Line 1" in landed(lead, syntax).text


def test_the_quick_forms_make_new_versions(web: Web, lead: TestClient) -> None:
    from rota.api.services.teams import current_document

    page = "/teams/tiny/file"
    assert (
        post(
            lead,
            page,
            f"{page}/people",
            {"person": "kim", "name": "Kim Ng", "skills": "desk, oncall", "hours": "32", "days": "mon-thu"},
        ).status_code
        == 303
    )
    assert (
        post(lead, page, f"{page}/people/noor", {"skills": "desk", "hours": "", "days": ""}).status_code
        == 303
    )
    assert (
        post(
            lead,
            page,
            f"{page}/people/kim/leave",
            {"first": "2027-03-01", "last": "2027-03-05", "reason": "course"},
        ).status_code
        == 303
    )
    assert post(lead, page, f"{page}/people/eva/remove").status_code == 303
    bad = post(lead, page, f"{page}/people", {"person": "kim", "skills": "desk"})
    assert bad.status_code == 303 and "Not saved" in lead.get(bad.headers["location"]).text
    with web.db.read() as session:
        doc = current_document(session=session, team_id="tiny")
    people = {p["id"]: p for p in doc["people"]}
    assert people["kim"] == {
        "id": "kim",
        "name": "Kim Ng",
        "skills": ["desk", "oncall"],
        "hours_per_week": 32,
        "days": "mon-thu",
        "unavailable": [{"from": "2027-03-01", "to": "2027-03-05", "reason": "course"}],
    }
    assert people["noor"]["hours_per_week"] == 20 and "eva" not in people  # blank: unchanged
    assert "Version 4." in lead.get(page).text  # noor's form changed nothing


def test_me_lists_my_shifts_and_subscribe_gives_a_feed(web: Web, published: int) -> None:
    staff = web.client()
    sign_in(staff, web.tokens.secrets["staff"])
    page = staff.get("/me")
    assert page.status_code == 200 and "My hours in" in page.text
    listed = page.text.count('<li class="shift">')
    assert listed > 0 and ">Subscribe</button>" in page.text
    response = staff.post(
        "/me/subscribe", data={"team": "tiny", "csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    shown = staff.get("/me").text
    url = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', shown).group(1)
    assert 'href="webcal://' in shown and "calendar.google.com/calendar/r?cid=webcal%3A%2F%2F" in shown
    assert "<svg" in shown and "Revoke" in shown
    feed = staff.get(url.replace("http://testserver", ""))
    assert feed.status_code == 200 and feed.text.count("BEGIN:VEVENT") == listed
    assert 'id="feed-url"' not in staff.get("/me").text  # shown once
    token_id = re.search(r'action="/me/feeds/(\d+)/revoke"', shown).group(1)
    revoked = post(staff, "/me", f"/me/feeds/{token_id}/revoke")
    assert revoked.status_code == 303
    assert staff.get(url.replace("http://testserver", "")).status_code == 404
    other = post(staff, "/me", "/me/subscribe", {"team": "other"})
    assert other.status_code in (403, 404)
