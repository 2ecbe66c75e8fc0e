"""Views of a stored rota: /api/rotas/{id}.csv, .ics, .xlsx, .html, from the stored document, not solved."""

from __future__ import annotations

import io
from typing import Any

import pytest
from apikit import Service, quick_solve, team_doc
from icalendar import Calendar as ICalendar
from openpyxl import load_workbook

from rota.document import RotaDocument
from rota.export import csv_text
from rota.load import parse_team

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "ics": "text/calendar; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@pytest.fixture
def stored(make_service: Any) -> tuple[Service, dict[str, Any], list[Any]]:
    """A service whose solver counts its calls, with one draft rota of the test team."""
    calls: list[Any] = []

    def counting(*args: Any) -> Any:
        calls.append(args)
        return quick_solve(*args)

    service = make_service(solve_fn=counting)
    service.put_team()
    rota = service.generate(start="2026-10-19", end="2026-10-30")
    assert len(calls) == 1
    return service, rota, calls


@pytest.mark.parametrize("fmt", sorted(MEDIA))
def test_each_view_has_its_type_and_never_solves(stored: Any, fmt: str) -> None:
    service, rota, calls = stored
    response = service.call("GET", f"/api/rotas/{rota['id']}.{fmt}", expect=200)
    assert response.headers["content-type"] == MEDIA[fmt]
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("inline" if fmt == "html" else "attachment")
    assert f'filename="rota-tiny-{rota["id"]}-v1-2026-10-19-2026-10-30.{fmt}"' in disposition
    assert len(calls) == 1


def test_csv_is_the_stored_document(stored: Any) -> None:
    service, rota, _ = stored
    body = service.call("GET", f"/api/rotas/{rota['id']}.csv", "hr", expect=200).text
    team = parse_team(team_doc(), "tiny")
    assert body == csv_text(team, RotaDocument.model_validate(rota))
    assert body.count("\n") == len(rota["assignments"]) + 1


def test_ics_has_every_shift_and_the_same_bytes_each_time(stored: Any) -> None:
    service, rota, _ = stored
    first = service.call("GET", f"/api/rotas/{rota['id']}.ics", expect=200).content
    assert service.call("GET", f"/api/rotas/{rota['id']}.ics", expect=200).content == first
    events = ICalendar.from_ical(first).walk("VEVENT")
    assert len(events) == len(rota["assignments"])
    assert {e.decoded("DTSTART").isoformat() for e in events} == {a["start"] for a in rota["assignments"]}
    assert all(e["DTSTART"].params["TZID"] == "Europe/Amsterdam" for e in events)


def test_html_is_the_printable_grid(stored: Any) -> None:
    service, rota, _ = stored
    page = service.call("GET", f"/api/rotas/{rota['id']}.html", expect=200).text
    assert page.startswith("<!DOCTYPE html>") and "@page { size: A4 landscape" in page
    assert "Noor de Vries" in page and "gaps oncall" in page and "Coverage" in page and "Hours" in page
    assert page.count('class="chip"') >= len(rota["assignments"])


def test_xlsx_opens(stored: Any) -> None:
    service, rota, _ = stored
    body = service.call("GET", f"/api/rotas/{rota['id']}.xlsx", expect=200).content
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["Rota", "Assignments", "Coverage", "Hours", "Gaps"]
    assert book["Assignments"].max_row == len(rota["assignments"]) + 1


def test_views_follow_the_rules_of_the_json_route(stored: Any) -> None:
    service, rota, _ = stored
    for fmt in ("csv", "ics", "html"):
        url = f"/api/rotas/{rota['id']}.{fmt}"
        service.call("GET", url, None, expect=401)
        service.call("GET", url, None, headers={"Authorization": "Bearer nope"}, expect=401)
        for who in ("staff", "other_lead", "other_staff"):  # a draft: its team's leads and hr only; to
            service.call("GET", url, who, expect=404)  # others, as a rota that does not exist (21.7)
        service.call("GET", url, "hr", expect=200)
    published = service.publish(rota)
    for fmt in ("csv", "ics", "html"):
        url = f"/api/rotas/{rota['id']}.{fmt}"
        service.call("GET", url, "staff", expect=200)
        for who in ("other_lead", "other_staff"):
            service.call("GET", url, who, expect=404)
    ics = service.call("GET", f"/api/rotas/{rota['id']}.ics", "staff", expect=200)
    assert f"-v{published['version']}-" in ics.headers["content-disposition"]


def test_unknown_rotas_and_formats(stored: Any) -> None:
    service, rota, _ = stored
    service.call("GET", "/api/rotas/999.csv", expect=404)
    bad = service.call("GET", f"/api/rotas/{rota['id']}.pdf", expect=422).json()  # no such view
    assert bad["detail"][0]["path"] == "rota_id"
    service.call("GET", f"/api/rotas/{rota['id']}", expect=200)  # the JSON route is still there


def test_the_month_view_is_the_read_model_as_json(make_service: Any) -> None:
    """GET /api/rotas/{id}/view, the month page's JSON twin: the read model of the stored document and
    team version (``RotaView.as_json``), never solved; the same figures as the printable page; leave
    reasons for hr and leads, not for staff."""
    from rota.view import RotaView

    doc = team_doc()
    doc["people"][0]["unavailable"] = [{"date": "2026-10-21", "reason": "dentist"}]
    service = make_service()
    service.put_team(doc=doc)
    rota = service.generate(start="2026-10-19", end="2026-10-30")
    url = f"/api/rotas/{rota['id']}/view"
    shown = service.call("GET", url, "hr", expect=200).json()
    team = parse_team(doc, "tiny")
    assert shown == RotaView(team, RotaDocument.model_validate(rota)).as_json()
    person = doc["people"][0]["id"]
    cells = {c["date"]: c for p in shown["people"] if p["person"] == person for c in p["cells"]}
    assert (cells["2026-10-21"]["kind"], cells["2026-10-21"]["note"]) == ("away", "dentist")
    assert sum(len(c["duties"]) for p in shown["people"] for c in p["cells"]) == len(rota["assignments"])
    page = service.call("GET", f"/api/rotas/{rota['id']}.html", "hr", expect=200).text
    for h in shown["hours"]:
        assert (
            f'<td>{h["person"]}</td><td>{h["name"]}</td><td class="n">{h["worked_minutes"] / 60:.1f}</td>'
            in page
        )
    service.call("GET", url, "staff", expect=404)  # a draft: not theirs to see
    service.publish(rota)
    private = service.call("GET", url, "staff", expect=200).json()
    cells = {c["date"]: c for p in private["people"] if p["person"] == person for c in p["cells"]}
    assert (cells["2026-10-21"]["kind"], cells["2026-10-21"]["note"]) == ("away", "unavailable")
    assert private["hours"] == shown["hours"] and private["coverage"] == shown["coverage"]
