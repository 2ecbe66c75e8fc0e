"""The fairness ledger over published rotas (issue 24): the HR view as JSON, CSV and XLSX, and /me."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from apikit import Service, quick_solve, team_doc

URL = "/api/teams/tiny/fairness?from=2026-10-01&to=2026-10-31"
BLOCK = {
    "categories": {"weekend": 1, "night": 1, "hours": 1},
    "roles": {"desk": 1},
    "opening": {"as_of": "2026-10-01", "balances": {"daan": {"night": 2}}},
}
KEYS = ("person", "role", "shift", "date")


@pytest.fixture
def published(make_service: Any) -> tuple[Service, dict[str, Any]]:
    service = make_service(solve_fn=quick_solve)
    service.put_team(doc=team_doc(fairness=BLOCK))
    return service, service.publish(service.generate(start="2026-10-19", end="2026-10-30"))


def test_the_view_counts_the_published_duties_against_a_share(
    published: tuple[Service, dict[str, Any]],
) -> None:
    service, rota = published
    data = service.call("GET", URL, "hr", expect=200).json()
    assert [c["id"] for c in data["categories"]] == ["weekend", "night", "hours", "role:desk"]
    assert data["months"] == ["2026-10"] and data["window_months"] == 12
    people = {p["person"]: p["categories"] for p in data["people"]}
    nights = [a for a in rota["assignments"] if a["shift"] == "night"]
    assert sum(p["night"]["done"] for p in people.values() if "night" in p) == len(nights) == 12
    # night: lotte, daan and eva could work all 12 dates; daan brought 2 more than his share
    done = {p: people[p]["night"]["done"] for p in ("lotte", "daan", "eva")}
    assert {p: people[p]["night"]["balance"] for p in done} == {
        p: round(n - 4 + (2 if p == "daan" else 0), 2) for p, n in done.items()
    }
    night = next(c for c in data["categories"] if c["id"] == "night")
    balances = [people[p]["night"]["balance"] for p in done]
    assert night["spread"] == round(max(balances) - min(balances), 2)
    assert night["most_loaded"]["balance"] == max(balances)
    noor = people["noor"]["hours"]  # the only contract: 20 h a week
    worked = sum(
        (int(a["end"][11:13]) - int(a["start"][11:13])) % 24
        for a in rota["assignments"]
        if a["person"] == "noor"
    )
    assert noor["done"] == worked


def test_a_republished_period_counts_once(published: tuple[Service, dict[str, Any]]) -> None:
    """Another rota for the same dates, changed and published: the view counts it alone."""
    service, _ = published
    before = service.call("GET", URL, "hr", expect=200).json()
    again = service.generate(start="2026-10-19", end="2026-10-30")
    night = next(a for a in again["assignments"] if a["shift"] == "night")
    to = "eva" if night["person"] != "eva" else "lotte"
    moved = {**{k: night[k] for k in KEYS}, "op": "move", "to": {"person": to}, "force": True}
    service.call("POST", f"/api/rotas/{again['id']}/edits", json=moved, expect=200)
    again = service.call("GET", f"/api/rotas/{again['id']}", expect=200).json()
    service.publish(again)
    after = service.call("GET", URL, "hr", expect=200).json()
    total = sum(p["categories"]["night"]["done"] for p in after["people"] if "night" in p["categories"])
    assert total == 12  # not 24: the new rota replaced the old one's dates
    assert after != before
    counts: dict[str, int] = {}
    for a in again["assignments"]:
        if a["shift"] == "night":
            counts[a["person"]] = counts.get(a["person"], 0) + 1
    shown = {
        p["person"]: p["categories"]["night"]["done"] for p in after["people"] if "night" in p["categories"]
    }
    assert {p: n for p, n in shown.items() if n} == counts


def test_csv_and_xlsx(published: tuple[Service, dict[str, Any]]) -> None:
    service, _ = published
    response = service.call("GET", URL + "&format=csv", "lead", expect=200)
    assert response.headers["content-type"].startswith("text/csv")
    assert "fairness-tiny-2026-10-01-2026-10-31.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:4] == ["person", "name", "weekend days: done", "weekend days: balance"]
    assert rows[-1][1] == "spread: most − least loaded"
    assert {r[0] for r in rows[1:-1]} == {"noor", "sem", "lotte", "daan", "eva"}
    book = openpyxl.load_workbook(
        io.BytesIO(service.call("GET", URL + "&format=xlsx", "hr", expect=200).content)
    )
    assert book.sheetnames == ["Fairness", "Categories"]
    cats = list(book["Categories"].iter_rows(values_only=True))
    assert [r[0] for r in cats[1:]] == [
        "weekend days",
        "night shifts",
        "hours against contract",
        "Service desk duties",
    ]


def test_bad_requests_are_422_in_words(make_service: Any) -> None:
    service = make_service(solve_fn=quick_solve)
    service.put_team()  # no fairness block
    plain = service.call("GET", URL, "hr", expect=422).json()
    assert "no fairness categories" in plain["detail"][0]["message"]
    service.put_team(doc=team_doc(fairness=BLOCK))
    backwards = service.call(
        "GET", "/api/teams/tiny/fairness?from=2026-10-31&to=2026-10-01", "hr", expect=422
    )
    assert backwards.json()["detail"][0]["path"] == "to"
    assert service.call("GET", "/api/teams/tiny/fairness", "hr", expect=200).json()["categories"]


def test_me_shows_my_own_balance(published: tuple[Service, dict[str, Any]], monkeypatch: Any) -> None:
    service, rota = published
    from datetime import UTC, datetime

    service.client.app.state.clock = lambda: datetime(2026, 11, 2, 12, tzinfo=UTC)
    [mine] = service.call("GET", "/api/me/fairness", "staff", expect=200).json()
    assert mine["team"] == "tiny" and mine["to"] == "2026-11-01"
    hours = next(c for c in mine["categories"] if c["id"] == "hours")
    worked = sum(1 for a in rota["assignments"] if a["person"] == "noor")
    assert hours["unit"] == "hours" and hours["done"] == worked * 4
    view = service.call(
        "GET", "/api/teams/tiny/fairness?from=2025-11-02&to=2026-11-01", "hr", expect=200
    ).json()
    noor = next(p for p in view["people"] if p["person"] == "noor")
    assert {c["id"]: c["balance"] for c in mine["categories"] if c["id"] in noor["categories"]} == {
        c: v["balance"] for c, v in noor["categories"].items()
    }


def test_the_next_rota_starts_from_the_published_balance(published: tuple[Service, dict[str, Any]]) -> None:
    """A rota solved after a published one reads the ledger's whole window of published history (not
    only the days the hard rules look back), so its objective counts the balances so far."""
    from datetime import date

    from rota import ledger
    from rota.api.services.rotas import horizon_team
    from rota.calendar import Calendar

    service, rota = published
    with service.db.write() as session:
        team, _ = horizon_team(
            session=session, team_id="tiny", start=date(2027, 3, 1), end=date(2027, 3, 31), history_days=7
        )
    assert {h.date.isoformat() for h in team.history} == {a["date"] for a in rota["assignments"]}
    opening = ledger.opening(Calendar(team, date(2027, 3, 1), date(2027, 3, 31)))
    view = service.call(
        "GET", "/api/teams/tiny/fairness?from=2026-03-01&to=2027-02-28", "hr", expect=200
    ).json()
    for p in view["people"]:
        for cat, s in p["categories"].items():
            assert (
                ledger.shown(
                    next(c for c in ledger.categories(team) if c.id == cat), opening[cat][p["person"]]
                )
                == (s["balance"])
            )


def test_the_next_months_hours_table_shows_balances_before_and_after(
    published: tuple[Service, dict[str, Any]],
) -> None:
    """The month after a published one: its hours table (the page's JSON twin, the printable page)
    starts each person's balance where the published months left it, and adds the month's own."""
    service, _ = published
    october = service.call("GET", URL, "hr", expect=200).json()
    november = service.generate(start="2026-11-02", end="2026-11-13")
    view = service.call("GET", f"/api/rotas/{november['id']}/view", "lead", expect=200).json()
    before = {
        p["person"]: p["categories"]["night"]["balance"]
        for p in october["people"]
        if "night" in p["categories"]
    }
    shown = {
        h["person"]: h["balance_night_before"] for h in view["hours"] if h["balance_night_before"] is not None
    }
    assert shown == {p: f"{b:+g}" for p, b in before.items()}
    nights = {
        h["person"]: float(h["balance_night_after"]) - float(h["balance_night_before"])
        for h in view["hours"]
        if h["balance_night_after"]
    }
    assert sum(nights.values()) == pytest.approx(0, abs=0.05)  # duties done less shares, over everyone
    page = service.call("GET", f"/api/rotas/{november['id']}.html", "lead", expect=200).text
    assert "night shifts before" in page and "night shifts after" in page
