"""The lead's month grid and cell edits: compression and caching, the grid's views and filters, edits that
conflict per person and date, one solve per team and month, discarding a draft, swaps and gap warnings."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from webkit import Web, post


def test_pages_and_static_files_are_gzipped_and_static_files_cached(web: Web, lead: TestClient,
                                                                   draft: int) -> None:
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
    from api.services.rotas import get_rota

    with web.db.read() as session:
        return list(get_rota(session=session, rota_id=rota_id).assignments)


def _edit(lead: TestClient, rota: int, form: dict) -> object:
    cell = f"/teams/tiny/rotas/{rota}/cell?person={form['person']}&date={form['date']}"
    return post(lead, cell, f"/teams/tiny/rotas/{rota}/edits", form)


def test_two_tabs_editing_different_cells_both_succeed_and_the_same_cell_twice_conflicts(
        web: Web, lead: TestClient, draft: int) -> None:
    rows = [r for r in _rows(web, draft) if r.role == "desk"]
    a = rows[0]
    b = next(r for r in rows if r.date != a.date and r.person != a.person)
    seen = _version(lead.get(f"/teams/tiny/rotas/{draft}/cell?person={a.person}&date={a.date}").text)
    one = {"op": "remove", "person": a.person, "date": str(a.date), "duty": f"{a.shift}|{a.role}",
           "version": seen}
    two = {"op": "remove", "person": b.person, "date": str(b.date), "duty": f"{b.shift}|{b.role}",
           "version": seen}
    assert _edit(lead, draft, one).status_code == 303
    assert _edit(lead, draft, two).status_code == 303  # another cell: no conflict
    again = _edit(lead, draft, {**one, "op": "add"})  # the first cell, from the tab that saw `seen`
    assert again.status_code == 409
    assert "changed meanwhile" in again.text and "Tiny lead" in again.text
    link = f'href="/teams/tiny/rotas/{draft}/cell?person={a.person}&amp;date={a.date}"'
    assert link in again.text and "again</a>" in again.text
    left = {(r.person, r.date, r.shift) for r in _rows(web, draft)}
    assert (a.person, a.date, a.shift) not in left and (b.person, b.date, b.shift) not in left
    # a version moved by a publish (not by edits) is still refused as a whole
    from api.services.publish import publish_rota

    with web.db.write() as session:
        publish_rota(session=session, rota_id=draft)
    c = next(r for r in rows if r.date not in (a.date, b.date))
    stale = _edit(lead, draft, {"op": "remove", "person": c.person, "date": str(c.date),
                                "duty": f"{c.shift}|{c.role}", "version": seen + 2})
    assert stale.status_code == 409 and "reload it" in stale.text


def test_the_api_takes_an_older_version_for_another_cell(web: Web, draft: int) -> None:
    from api.errors import Conflict
    from api.services.edits import EditRequest, edit_rota

    rows = [r for r in _rows(web, draft) if r.role == "desk"]
    a, b = rows[0], next(r for r in rows if r.date != rows[0].date)

    def remove(r, version):
        with web.db.write() as session:
            return edit_rota(session=session, rota_id=draft, version=version, actor="api", history_days=28,
                             request=EditRequest("remove", r.person, r.role, r.shift, r.date))[0].version

    assert remove(a, 1) == 2 and remove(b, 1) == 3
    try:
        with web.db.write() as session:
            edit_rota(session=session, rota_id=draft, version=1, actor="api", history_days=28,
                      request=EditRequest("add", a.person, a.role, a.shift, a.date))
        raise AssertionError("the same cell twice was not refused")
    except Conflict as exc:
        assert exc.problems[0]["path"] == "cell" and exc.extra["cell"] == {"person": a.person,
                                                                           "date": a.date.isoformat()}
