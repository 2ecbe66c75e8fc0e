"""The lead's month grid and cell edits: compression and caching, the grid's views and filters, edits that
conflict per person and date, one solve per team and month, discarding a draft, swaps and gap warnings."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from webkit import LEAVE_WEEKDAY, Web, landed, post


def test_pages_and_static_files_are_gzipped_and_static_files_cached(
    web: Web, lead: TestClient, draft: int
) -> None:
    page = lead.get(f"/teams/tiny/rotas/{draft}", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
    css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', page.text).group(1)
    js = re.search(r'src="(/static/app\.js\?v=[0-9a-f]{12})"', page.text).group(1)
    for url in (css, js):
        static = lead.get(url, headers={"Accept-Encoding": "gzip"})
        assert static.status_code == 200 and static.headers["content-encoding"] == "gzip"
        assert static.headers["cache-control"] == "public, max-age=31536000, immutable"
        again = lead.get(url, headers={"If-None-Match": static.headers["etag"]})
        assert again.status_code == 304
    # a URL without the file's version (an old page, a typed URL) is revalidated, never kept a year
    bare = lead.get("/static/app.css")
    assert bare.headers["cache-control"] == "no-cache" and "etag" in bare.headers
    assert lead.get("/static/app.css?v=000000000000").headers["cache-control"] == "no-cache"
    plain = lead.get(f"/teams/tiny/rotas/{draft}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


def test_the_solve_progress_stream_is_never_gzipped(web: Web, lead: TestClient) -> None:
    from webkit import MONTH

    response = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": MONTH, "time_limit": "2"})
    job_url = response.headers["location"]
    web.wait_job(job_url.rsplit("/", 1)[1])
    events = lead.get(job_url + "/events", headers={"Accept-Encoding": "gzip"})
    assert events.headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in events.headers and "data:" in events.text


def _version(html: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


def _rows(web: Web, rota_id: int) -> list:
    from rota.api.services.rotas import get_rota

    with web.db.read() as session:
        return list(get_rota(session=session, rota_id=rota_id).assignments)


def _edit(lead: TestClient, rota: int, form: dict) -> object:
    cell = f"/teams/tiny/rotas/{rota}/cell?person={form['person']}&date={form['date']}"
    return post(lead, cell, f"/teams/tiny/rotas/{rota}/edits", form)


def test_two_tabs_editing_different_cells_both_succeed_and_the_same_cell_twice_conflicts(
    web: Web, lead: TestClient, draft: int
) -> None:
    rows = [r for r in _rows(web, draft) if r.role == "desk"]
    a = rows[0]
    b = next(r for r in rows if r.date != a.date and r.person != a.person)
    seen = _version(lead.get(f"/teams/tiny/rotas/{draft}/cell?person={a.person}&date={a.date}").text)
    one = {
        "op": "remove",
        "person": a.person,
        "date": str(a.date),
        "duty": f"{a.shift}|{a.role}",
        "version": seen,
    }
    two = {
        "op": "remove",
        "person": b.person,
        "date": str(b.date),
        "duty": f"{b.shift}|{b.role}",
        "version": seen,
    }
    assert _edit(lead, draft, one).status_code == 303
    assert _edit(lead, draft, two).status_code == 303  # another cell: no conflict
    again = _edit(lead, draft, {**one, "op": "add"})  # the first cell, from the tab that saw `seen`
    assert again.status_code == 303 and "&conflict=" in again.headers["location"]  # post-redirect-get
    said = lead.get(again.headers["location"])
    assert said.status_code == 200
    assert "changed meanwhile" in said.text and "Tiny lead" in said.text
    link = f'href="/teams/tiny/rotas/{draft}/cell?person={a.person}&amp;date={a.date}"'
    assert link in said.text and "again</a>" in said.text
    reloaded = lead.get(again.headers["location"])  # said once: a reload shows the cell as it is
    assert reloaded.status_code == 200 and "Changed meanwhile" not in reloaded.text
    left = {(r.person, r.date, r.shift) for r in _rows(web, draft)}
    assert (a.person, a.date, a.shift) not in left and (b.person, b.date, b.shift) not in left
    # a version moved by a publish (not by edits) is still refused as a whole: publishing another rota over
    # these dates moves the draft's version
    from rota.api.services.publish import publish_rota
    from rota.api.services.rotas import duty_of, get_rota, store_rota

    with web.db.write() as session:
        mine = get_rota(session=session, rota_id=draft)
        other = store_rota(
            session=session,
            team_id="tiny",
            team_version=mine.team_version,
            start=mine.start,
            end=mine.start,
            document=mine.document,
            duties=[duty_of(x) for x in mine.assignments if x.date == mine.start],
        )
        session.commit()
        publish_rota(session=session, rota_id=other.id)
    c = next(r for r in rows if r.date not in (a.date, b.date))
    stale = _edit(
        lead,
        draft,
        {
            "op": "remove",
            "person": c.person,
            "date": str(c.date),
            "duty": f"{c.shift}|{c.role}",
            "version": seen + 2,
        },
    )
    assert "reload it" in landed(lead, stale).text  # a 409 to a form: said after a redirect


def test_an_edit_conflict_left_unread_is_never_shown_on_the_publish_page(
    web: Web, lead: TestClient, draft: int
) -> None:
    """The edit's and the publish's refusals wait under keys of their own."""
    a = next(r for r in _rows(web, draft) if r.role == "desk")
    seen = _version(lead.get(f"/teams/tiny/rotas/{draft}/cell?person={a.person}&date={a.date}").text)
    one = {
        "op": "remove",
        "person": a.person,
        "date": str(a.date),
        "duty": f"{a.shift}|{a.role}",
        "version": seen,
    }
    assert _edit(lead, draft, one).status_code == 303
    again = _edit(lead, draft, {**one, "op": "add"})  # refused: the cell changed meanwhile; not opened
    assert "&conflict=" in again.headers["location"]
    publish = lead.get(f"/teams/tiny/rotas/{draft}/publish").text
    assert "changed meanwhile" not in publish.lower()
    assert "changed meanwhile" in lead.get(again.headers["location"]).text  # still there for the cell


def test_the_api_takes_an_older_version_for_another_cell(web: Web, draft: int) -> None:
    from rota.api.errors import Conflict
    from rota.api.services.edits import EditRequest, edit_rota

    rows = [r for r in _rows(web, draft) if r.role == "desk"]
    a, b = rows[0], next(r for r in rows if r.date != rows[0].date)

    def remove(r, version):
        with web.db.write() as session:
            return edit_rota(
                session=session,
                rota_id=draft,
                version=version,
                actor="api",
                history_days=28,
                request=EditRequest("remove", r.person, r.role, r.shift, r.date),
            )[0].version

    assert remove(a, 1) == 2 and remove(b, 1) == 3
    try:
        with web.db.write() as session:
            edit_rota(
                session=session,
                rota_id=draft,
                version=1,
                actor="api",
                history_days=28,
                request=EditRequest("add", a.person, a.role, a.shift, a.date),
            )
        raise AssertionError("the same cell twice was not refused")
    except Conflict as exc:
        assert exc.problems[0]["path"] == "cell" and exc.extra["cell"] == {
            "person": a.person,
            "date": a.date.isoformat(),
        }


def _desk_alone(web: Web, rota: int):
    """A desk duty Monday to Thursday: the only one on it then (the greedy rota puts one on the desk)."""
    rows = _rows(web, rota)
    for r in rows:
        alone = sum(1 for o in rows if o.role == "desk" and o.date == r.date and o.shift == r.shift) == 1
        if r.role == "desk" and r.date.weekday() < 4 and r.person in ("noor", "lotte") and alone:
            return r
    raise AssertionError("no desk duty held alone")


def test_taking_off_says_which_gap_it_opens_and_the_month_then_says_edited(
    web: Web, lead: TestClient, draft: int
) -> None:
    month = lead.get(f"/teams/tiny/rotas/{draft}").text
    assert 'class="status-feasible"' in month and "edited by hand" not in month
    r = _desk_alone(web, draft)
    cell = lead.get(f"/teams/tiny/rotas/{draft}/cell?person={r.person}&date={r.date}")
    day = f"{r.date:%a} {r.date.day} {r.date:%b %Y}"
    times = {"am": "09:00–13:00", "pm": "13:00–17:00"}[r.shift]
    warning = f"Taking this off leaves {day} Service desk {times} uncovered in core hours."
    assert warning in cell.text
    assert "This rota is published" not in cell.text
    done = _edit(
        lead,
        draft,
        {
            "op": "remove",
            "person": r.person,
            "date": str(r.date),
            "duty": f"{r.shift}|desk",
            "version": _version(cell.text),
        },
    )
    assert done.status_code == 303
    month = lead.get(done.headers["location"]).text
    assert f"It leaves {day} Service desk {times} uncovered in core hours." in month  # the flash
    plain = re.sub(r"<details.*?</details>", "", month, flags=re.S)  # the solver's status: a technical figure
    assert "edited by hand" in plain and 'class="status-feasible"' not in plain
    name = {"noor": "Noor de Vries", "lotte": "Lotte Visser"}[r.person]
    shift = {"am": "Morning", "pm": "Afternoon"}[r.shift]
    head = f'<li><span class="bad">Service desk, {day} {times}'
    gap = re.search(re.escape(head) + ".*?</li>", month).group(0)
    assert f"opened by an edit: taken off by hand: {name} ({shift} {times})" in gap
    assert "the solver stopped early" not in gap
    # a duty another person holds too: no warning
    friday = next(x for x in _rows(web, draft) if x.role == "desk" and x.date.weekday() == 4)
    other = lead.get(f"/teams/tiny/rotas/{draft}/cell?person={friday.person}&date={friday.date}").text
    assert "Taking this off leaves" not in other or "short (" in other


def test_lists_offer_qualified_free_people_first(web: Web, lead: TestClient, draft: int) -> None:
    r = _desk_alone(web, draft)
    page = lead.get(f"/teams/tiny/rotas/{draft}/cell?person={r.person}&date={r.date}").text
    give = re.search(r'<select id="give-1" name="to_person" required>(.*?)</select>', page, re.S).group(1)
    names = re.findall(r'<option value="(\w+)">([^<]*)</option>', give)
    order = [pid for pid, _ in names]
    assert order.index("daan") > order.index("sem") and order.index("eva") > order.index("sem")
    assert dict(names)["daan"].endswith("— missing skill: desk")
    # Sem on holiday: shown with why, after the qualified and free ones
    sem = lead.get(f"/teams/tiny/rotas/{draft}/cell?person=sem&date={LEAVE_WEEKDAY}").text
    assert "On leave: holiday." in sem
    day = next(x for x in _rows(web, draft) if x.role == "desk" and x.date == LEAVE_WEEKDAY)
    page = lead.get(f"/teams/tiny/rotas/{draft}/cell?person={day.person}&date={LEAVE_WEEKDAY}").text
    give = re.search(r'<select id="give-1" name="to_person" required>(.*?)</select>', page, re.S).group(1)
    labels = re.findall(r'<option value="(\w+)">([^<]*)</option>', give)
    order = [pid for pid, _ in labels]
    assert "on leave (holiday)" in dict(labels)["sem"]
    free = [pid for pid, text in labels if "—" not in text]
    assert free and all(order.index(pid) < order.index("sem") for pid in free)
    # Put on: the duties Daan lacks the skill for come last, marked
    daan = lead.get(f"/teams/tiny/rotas/{draft}/cell?person=daan&date={r.date}").text
    duty = re.search(r'<select id="duty" name="duty" required>(.*?)</select>', daan, re.S).group(1)
    assert duty.index("Service desk · Morning 09:00–13:00 — missing skill: desk") > duty.index("On call")


def test_swap_exchanges_two_duties_rule_checked_and_a_missing_skill_is_confirmed_twice(
    web: Web, lead: TestClient, draft: int
) -> None:
    from rota.api.services.edits import EditRequest, edit_rota

    day = next(r.date for r in _rows(web, draft) if r.date.weekday() == 1 and r.role == "desk")
    with web.db.write() as session:  # on that Tuesday: Noor on the morning desk, Lotte the afternoon one
        for r in [r for r in _rows(web, draft) if r.date == day and r.role == "desk"]:
            edit_rota(
                session=session,
                rota_id=draft,
                version=None,
                actor="t",
                history_days=28,
                request=EditRequest("remove", r.person, r.role, r.shift, r.date, force=True),
            )
        for person, shift in (("noor", "am"), ("lotte", "pm")):
            edit_rota(
                session=session,
                rota_id=draft,
                version=None,
                actor="t",
                history_days=28,
                request=EditRequest("add", person, "desk", shift, day, force=True),
            )
    cell = f"/teams/tiny/rotas/{draft}/cell?person=noor&date={day}"
    page = lead.get(cell).text
    assert '<option value="lotte|pm|desk">Lotte Visser: Service desk · Afternoon 13:00–17:00</option>' in page
    swapped = _edit(
        lead,
        draft,
        {
            "op": "swap",
            "person": "noor",
            "date": str(day),
            "duty": "am|desk",
            "to_person": "lotte|pm|desk",
            "version": _version(page),
        },
    )
    assert swapped.status_code == 303
    assert "swap Noor de Vries&#39;s Service desk · Morning" in lead.get(swapped.headers["location"]).text
    on = {(r.person, r.shift) for r in _rows(web, draft) if r.date == day and r.role == "desk"}
    assert on == {("noor", "pm"), ("lotte", "am")}
    # a swap that breaks a rule is refused by name: Daan (on call only) for Noor's desk
    night = next(r for r in _rows(web, draft) if r.date == day and r.role == "oncall")
    form = {
        "op": "swap",
        "person": "noor",
        "date": str(day),
        "duty": "pm|desk",
        "to_person": f"{night.person}|night|oncall",
        "version": _version(lead.get(cell).text),
    }
    refused = _edit(lead, draft, form)  # post-redirect-get: the rule break is shown on the cell's page
    assert refused.status_code == 303 and "&pending=" in refused.headers["location"]
    shown = lead.get(refused.headers["location"]).text
    assert "person lacks a skill" in shown
    assert 'name="skill_confirmed"' in shown and "lack the skill" in shown
    forced = {**form, "force": "true", "reason": "training"}
    again = _edit(lead, draft, forced)  # Keep it anyway without the second confirmation
    assert again.status_code == 303 and 'name="skill_confirmed"' in lead.get(again.headers["location"]).text
    assert {(r.person, r.shift) for r in _rows(web, draft) if r.date == day} >= {("noor", "pm")}
    kept = _edit(lead, draft, {**forced, "skill_confirmed": "true"})
    assert kept.status_code == 303
    assert ("noor", "night") in {(r.person, r.shift) for r in _rows(web, draft) if r.date == day}


def test_a_change_to_a_published_rota_waits_with_the_unpublished_changes(
    web: Web, lead: TestClient, published: int
) -> None:
    r = _rows(web, published)[0]
    cell = f"/teams/tiny/rotas/{published}/cell?person={r.person}&date={r.date}"
    page = lead.get(cell).text
    assert "This rota is published." in page and "waits" in page and "until you publish them" in page
    form = {"op": "remove", "person": r.person, "date": str(r.date), "duty": f"{r.shift}|{r.role}"}
    saved = _edit(lead, published, {**form, "version": _version(page), "force": "true"})
    held = int(saved.headers["location"].rsplit("/", 1)[1])
    assert held != published and (r.person, r.date, r.shift) not in {
        (x.person, x.date, x.shift) for x in _rows(web, held)
    }
    assert (r.person, r.date, r.shift) in {(x.person, x.date, x.shift) for x in _rows(web, published)}
    shown = lead.get(saved.headers["location"]).text
    assert "as an unpublished change" in shown and "Unpublished changes" in shown
    month = lead.get(f"/teams/tiny/rotas/{published}").text
    assert "1 unpublished change</strong>" in month and f'href="/teams/tiny/rotas/{held}/cell?' in month
    again = lead.get(
        cell, follow_redirects=False
    )  # the published rota's cell now opens the cell of its pending set
    assert again.status_code in (302, 303, 307) and again.headers["location"].startswith(
        f"/teams/tiny/rotas/{held}/cell"
    )


def test_a_second_generate_of_the_month_shows_the_running_one(web: Web, lead: TestClient) -> None:
    from webkit import FIRST, LAST, MONTH

    from rota.api.jobs.submit import submit_job
    from rota.api.models import Job

    settings = web.app.state.settings
    with web.db.write() as session:  # queued, not handed to a runner: it stays queued
        running = submit_job(session=session, settings=settings, team_id="tiny", start=FIRST, end=LAST).id
    again = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": MONTH, "time_limit": "2"})
    assert again.status_code == 303 and again.headers["location"] == f"/teams/tiny/jobs/{running}"
    shown = lead.get(again.headers["location"]).text
    assert "This month is already being solved (queued)" in shown and "No second solve" in shown
    with web.db.read() as session:
        assert session.query(Job).count() == 1


def test_the_month_field_takes_last_year_to_five_years_on(web: Web, lead: TestClient) -> None:
    from datetime import date

    today = web.app.state.clock().date()
    team = lead.get("/teams/tiny").text
    assert f'min="{today.year - 1}-01" max="{today.year + 5}-12"' in team
    for month, year in (("0005-03", 5), (f"{today.year + 6}-01", today.year + 6)):
        refused = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": month})
        assert refused.status_code == 422
        assert f"{date(year, int(month[-2:]), 1):%B} {year} is out of range" in refused.text
        assert f"choose a month from January {today.year - 1} to December {today.year + 5}" in refused.text
    ok = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": f"{today.year - 1}-01"})
    assert ok.status_code == 303


def test_a_draft_can_be_discarded_and_a_published_rota_cannot(web: Web, lead: TestClient, draft: int) -> None:
    from rota.api.models import Assignment, Rota

    month = lead.get(f"/teams/tiny/rotas/{draft}").text
    assert "Discard the draft</button>" in month
    r = _rows(web, draft)[0]
    assert (
        _edit(
            lead,
            draft,
            {
                "op": "remove",
                "person": r.person,
                "date": str(r.date),
                "duty": f"{r.shift}|{r.role}",
                "version": 1,
            },
        ).status_code
        == 303
    )
    stale = post(lead, f"/teams/tiny/rotas/{draft}", f"/teams/tiny/rotas/{draft}/discard", {"version": 1})
    assert "Someone changed this meanwhile" in landed(lead, stale).text  # the version seen before the edit
    gone = post(lead, f"/teams/tiny/rotas/{draft}", f"/teams/tiny/rotas/{draft}/discard", {"version": 2})
    assert gone.status_code == 303 and gone.headers["location"] == "/teams/tiny"
    assert f"Discarded the draft rota {draft}" in lead.get("/teams/tiny").text
    with web.db.read() as session:
        assert session.get(Rota, draft) is None
        assert session.query(Assignment).filter_by(rota_id=draft).count() == 0
    assert lead.get(f"/teams/tiny/rotas/{draft}").status_code == 404


def test_the_api_discards_drafts_only(web: Web, published: int) -> None:
    client = web.client()
    bearer = {"Authorization": f"Bearer {web.tokens.secrets['lead']}"}
    refused = client.delete(f"/api/rotas/{published}", headers=bearer)
    assert refused.status_code == 409 and "cannot be discarded" in refused.json()["detail"][0]["message"]
    staff = {"Authorization": f"Bearer {web.tokens.secrets['staff']}"}
    assert client.delete(f"/api/rotas/{published}", headers=staff).status_code == 403
    job = client.post("/api/teams/tiny/rotas", headers=bearer, json={}).json()
    draft = web.wait_job(job["job_id"]).rota_id
    assert client.delete(f"/api/rotas/{draft}", headers={**bearer, "If-Match": '"7"'}).status_code == 409
    assert client.delete(f"/api/rotas/{draft}", headers={**bearer, "If-Match": '"1"'}).status_code == 204
    assert client.get(f"/api/rotas/{draft}", headers=bearer).status_code == 404
    assert client.get(f"/api/rotas/{published}", headers=bearer).json()["state"] == "published"


def test_the_grid_tells_shifts_apart_and_shows_hours_and_headcounts(
    web: Web, lead: TestClient, draft: int
) -> None:
    html = lead.get(f"/teams/tiny/rotas/{draft}").text
    legend = re.search(r'<p class="legend" id="after-grid".*?</p>', html, re.S).group(0)
    morning = re.search(r'<span class="chip (role-0 shift-\d)">\w+</span> Morning', legend).group(1)
    afternoon = re.search(r'<span class="chip (role-0 shift-\d)">\w+</span> Afternoon', legend).group(1)
    assert morning != afternoon  # one colour for the desk, two patterns for its shifts
    assert "position: sticky; top: 0" in lead.get("/static/app.css").text
    assert '<th scope="col" class="hours">' in html
    rows = re.findall(r'<tr><th scope="row" class="name"><bdi>([^<]+)</bdi></th>(.*?)</tr>', html, re.S)
    assert [name for name, _ in rows] == [
        "Noor de Vries",
        "Sem Jansen",
        "Lotte Visser",
        "Daan Bakker",
        "Eva Smit",
    ]
    noor = rows[0][1]
    hours = r'<td class="n hours[^"]*" title="[\d.]+ h worked of a [\d.]+ h target">[+-][\d.]+</td>'
    assert re.search(hours, noor)
    counts = re.search(r'<tr><th scope="row" class="name">On duty: Service desk</th>(.*?)</tr>', html, re.S)
    figures = [int(n) for n in re.findall(r"<td>(\d+)</td>", counts.group(1))]
    desk = {(r.person, r.date) for r in _rows(web, draft) if r.role == "desk"}
    from webkit import FIRST, LAST

    assert len(figures) == (LAST - FIRST).days + 1 and sum(figures) == len(desk)
    assert 'href="#after-grid">Skip past the grid</a>' in html and 'id="after-grid"' in html


def test_the_grid_filters_by_role_person_and_week(web: Web, lead: TestClient, draft: int) -> None:
    base = f"/teams/tiny/rotas/{draft}"
    desk = lead.get(base + "?role=desk").text
    grid = re.search(r'<table class="grid".*?</table>', desk, re.S).group(0)
    assert "Daan Bakker" not in grid and 'class="chip role-1' not in grid and 'class="chip role-0' in grid
    assert "On duty: Service desk" in grid and "On duty: On call" not in grid and "Gaps: On call" not in grid
    assert '<option value="desk" selected>' in desk
    noor = lead.get(base + "?person=noor").text
    grid = re.search(r'<table class="grid".*?</table>', noor, re.S).group(0)
    assert grid.count('<th scope="row" class="name"><bdi>') == 1 and "Noor de Vries" in grid
    week = re.findall(r'<option value="([\d-]+)">Week ', lead.get(base).text)[1]
    shown = lead.get(f"{base}?week={week}").text
    heads = re.findall(r'<th scope="col" class="(?!hours)[^"]*"[^>]*><abbr title="([^"]+)">', shown)
    assert 1 <= len(heads) <= 7 and heads[0].startswith("Mon ")
    assert "Previous week</a>" in shown and "Next week</a>" in shown and "Show all</a>" in shown
    for bad, field in (("?role=x", "role"), ("?person=zed", "person"), ("?week=2001-01-01", "week")):
        refused = lead.get(base + bad)
        assert refused.status_code == 422 and field in refused.text


def test_names_are_isolated_from_the_text_around_them() -> None:
    from rota.api.web.render import bdi

    assert str(bdi("Eva \u202eSmit")) == "<bdi>Eva \u202eSmit</bdi>"
    assert str(bdi("<b>x</b>")) == "<bdi>&lt;b&gt;x&lt;/b&gt;</bdi>"
