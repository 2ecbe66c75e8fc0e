"""The team's people on the team file page: a readable table, pre-filled forms where a blank field means
"unchanged", removing asks first and can be undone by restoring the version before (page and API)."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from webkit import LEAVE, Web, post

from rota.api.services.teams import current_document


def _people(web: Web) -> dict[str, dict]:
    with web.db.read() as session:
        return {p["id"]: p for p in current_document(session=session, team_id="tiny")["people"]}


def _field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no pre-filled {name}"
    return html.unescape(found.group(1))


def test_the_people_table_shows_skills_contract_and_leave(lead: TestClient) -> None:
    page = lead.get("/teams/tiny/file").text
    table = page[page.index('<table class="list people">') : page.index("</table>")]
    assert "Noor de Vries" in table and "desk, oncall" in table and ">20<" in table
    assert f"{LEAVE[0]:%a} {LEAVE[0].day} {LEAVE[0]:%b %Y} – {LEAVE[-1]:%a} {LEAVE[-1].day}" in table
    assert "(holiday)" in table and 'href="/teams/tiny/file/people/sem"' in table


def test_only_hours_entered_keeps_skills_days_and_leave(web: Web, lead: TestClient) -> None:
    """The data-loss report: entering only Hours saved skills: [] and dropped days."""
    with web.db.write() as session:
        from rota.api.services import team_edits

        team_edits.change_team(
            session=session,
            team_id="tiny",
            change=lambda d: team_edits.update_person(d, "sem", days="mon-thu"),
        )
    before = _people(web)["sem"]
    person = "/teams/tiny/file/people/sem"
    page = lead.get(person).text
    assert _field(page, "skills") == "desk" and _field(page, "days") == "mon-thu"  # pre-filled
    assert _field(page, "name") == "Sem Jansen"
    saved = post(lead, person, person, {"hours": "24"})
    assert saved.status_code == 303 and "Saved skills and contract of Sem Jansen" in lead.get(person).text
    after = _people(web)["sem"]
    assert after == {**before, "hours_per_week": 24}
    # every field sent, only hours changed: the same
    post(lead, person, person, {"name": "", "skills": "", "hours": "30", "days": ""})
    assert _people(web)["sem"] == {**before, "hours_per_week": 30}
    # "none" clears a field on purpose
    post(lead, person, person, {"hours": "none", "days": "none"})
    cleared = _people(web)["sem"]
    assert "hours_per_week" not in cleared and "days" not in cleared and cleared["skills"] == ["desk"]


def test_a_bad_value_is_not_saved_and_says_why(web: Web, lead: TestClient) -> None:
    person = "/teams/tiny/file/people/noor"
    bad = post(lead, person, person, {"hours": "lots"})
    assert bad.status_code == 303 and bad.headers["location"] == person
    shown = lead.get(person).text
    assert "Not saved" in shown and "&#34;lots&#34; is not a number of hours" in shown
    assert _people(web)["noor"]["hours_per_week"] == 20


def test_removing_asks_first_and_can_be_undone(web: Web, lead: TestClient) -> None:
    person = "/teams/tiny/file/people/eva"
    assert f'href="{person}/remove"' in lead.get(person).text  # a link to the question, not a button
    assert "eva" in _people(web)
    confirm = lead.get(f"{person}/remove").text
    assert "Remove Eva Smit?" in confirm and "version 1 stays stored" in confirm
    removed = post(lead, f"{person}/remove", f"{person}/remove")
    assert removed.status_code == 303 and "eva" not in _people(web)
    page = lead.get("/teams/tiny/file").text
    assert "Removed Eva Smit: version 2." in page and "Undo: restore version 1" in page
    undone = post(lead, "/teams/tiny/file", "/teams/tiny/file/restore", {"version": 1})
    assert undone.status_code == 303
    assert "Restored version 1 as version 3." in lead.get("/teams/tiny/file").text
    assert "eva" in _people(web)


def test_restore_a_version_through_the_api(web: Web) -> None:
    api = web.client()
    auth = {"Authorization": f"Bearer {web.tokens.secrets['lead']}"}
    doc = api.get("/api/teams/tiny", headers=auth).json()["document"]
    doc["people"] = [p for p in doc["people"] if p["id"] != "eva"]
    assert api.put("/api/teams/tiny", json=doc, headers=auth).status_code == 200
    restored = api.post("/api/teams/tiny/versions/1/restore", headers=auth)
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert body["version"] == 3 and body["changed"] and "eva" in {p["id"] for p in body["document"]["people"]}
    assert api.post("/api/teams/tiny/versions/9/restore", headers=auth).status_code == 404
    staff = {"Authorization": f"Bearer {web.tokens.secrets['staff']}"}
    assert api.post("/api/teams/tiny/versions/1/restore", headers=staff).status_code == 403
