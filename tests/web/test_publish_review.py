"""Publish is a review: gaps and duties kept despite a rule first, changes per person in date order, moves
only within a date, counts that add up, the Publish button at the top and the bottom."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from webkit import LEAVE_WEEKDAY, Web, post

from rota.api.services.rotas import get_rota


def _version(html: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


def _rows(web: Web, rota_id: int) -> list:
    with web.db.read() as session:
        return list(get_rota(session=session, rota_id=rota_id).assignments)


def _edit(lead: TestClient, rota_id: int, form: dict) -> None:
    cell = f"/teams/tiny/rotas/{rota_id}/cell?person={form['person']}&date={form['date']}"
    version = _version(lead.get(cell).text)
    done = post(lead, cell, f"/teams/tiny/rotas/{rota_id}/edits", {**form, "version": version})
    assert done.status_code == 303 and "pending=" not in done.headers["location"], done.headers


def _count(text: str, what: str) -> int:
    return int(re.search(rf"(\d+) {what}", text).group(1))


def test_publish_is_a_review(web: Web, lead: TestClient, published: int) -> None:
    first = get_rota_start(web, published)
    again = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": f"{first:%Y-%m}"})
    second = web.wait_job(again.headers["location"].rsplit("/", 1)[1]).rota_id
    rows = _rows(web, second)
    desk = sorted((r for r in rows if r.role == "desk"), key=lambda r: (r.date, r.person, r.shift))
    # a move within a date: someone's morning becomes that date's afternoon
    am = next(
        r
        for r in desk
        if r.shift == "am"
        and not any(o.person == r.person and o.date == r.date and o.shift == "pm" for o in rows)
    )
    _edit(lead, second, {"op": "remove", "person": am.person, "date": str(am.date), "duty": "am|desk"})
    _edit(
        lead,
        second,
        {
            "op": "add",
            "person": am.person,
            "date": str(am.date),
            "duty": "pm|desk",
            "force": "true",
            "reason": "swap agreed",
        },
    )
    # the same duty on another date is not a move: one removed, one added
    other = next(r for r in desk if r.date > am.date and r.person != am.person)
    later = next(
        r.date
        for r in desk
        if r.date > other.date and not any(o.person == other.person and o.date == r.date for o in rows)
    )
    _edit(
        lead,
        second,
        {"op": "remove", "person": other.person, "date": str(other.date), "duty": f"{other.shift}|desk"},
    )
    _edit(
        lead,
        second,
        {
            "op": "add",
            "person": other.person,
            "date": str(later),
            "duty": f"{other.shift}|desk",
            "force": "true",
        },
    )
    # a rule kept anyway: Sem on holiday
    _edit(
        lead,
        second,
        {
            "op": "add",
            "person": "sem",
            "date": str(LEAVE_WEEKDAY),
            "duty": "pm|desk",
            "force": "true",
            "reason": "covering",
        },
    )

    page = lead.get(f"/teams/tiny/rotas/{second}/publish").text
    main = page.split('<main id="main"', 1)[1]
    # the button at the top and the bottom; what stays open before what changes
    assert main.count(">Publish</button>") == 2
    assert main.index(">Publish</button>") < main.index("What stays open") < main.index("What changes")
    assert main.rindex(">Publish</button>") > main.index("What changes, per person")
    assert "gap" in main.split("What stays open")[1].split("What changes")[0]
    assert "Kept despite a rule" in main and "Sem Jansen on Service desk · Afternoon 13:00–17:00" in main
    assert "kept because “covering”" in main
    # counts that add up
    added, removed, moved = (_count(main, w) for w in ("duties added", "removed", "moved"))
    kept = _count(main, "unchanged")
    assert (added, removed, moved) == (2, 1, 1)
    before = int(re.search(r"(\d+) duties now", main).group(1))
    after = int(re.search(r"(\d+) after publishing", main).group(1))
    assert before == removed + moved + kept == len(_rows(web, published))
    assert after == added + moved + kept == len(_rows(web, second))
    # per person, in date order, moves only within a date
    names = {"noor": "Noor de Vries", "sem": "Sem Jansen", "lotte": "Lotte Visser"}
    row = main.split(f'<th scope="row">{names[am.person]}</th>')[1].split("</tr>")[0]
    day = f"{am.date:%a} {am.date.day} {am.date:%b %Y}"
    assert f"{day}: moved Service desk · Morning 09:00–13:00 → Service desk · Afternoon 13:00–17:00" in row
    row = main.split(f'<th scope="row">{names[other.person]}</th>')[1].split("</tr>")[0]
    dates = [f"{d:%a} {d.day} {d:%b %Y}" for d in (other.date, later)]
    assert (
        f"{dates[0]}: removed" in row
        and f"{dates[1]}: added" in row
        and ": moved" not in row.split(dates[0])[1]
    )
    assert row.index(dates[0]) < row.index(dates[1])


def get_rota_start(web: Web, rota_id: int):
    with web.db.read() as session:
        return get_rota(session=session, rota_id=rota_id).start
