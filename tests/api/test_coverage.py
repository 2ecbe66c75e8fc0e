"""HR coverage over the published rotas: JSON, CSV and an Excel workbook, with forced edits shown."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from apikit import Service, quick_solve

URL = "/api/teams/tiny/coverage?from=2026-10-19&to=2026-10-30"
KEYS = ("person", "role", "shift", "date")


@pytest.fixture
def published(make_service: Any) -> tuple[Service, dict[str, Any]]:
    service = make_service(solve_fn=quick_solve)
    service.put_team()
    return service, service.publish(service.generate(start="2026-10-19", end="2026-10-30"))


def test_coverage_json_matches_the_rota_and_shows_gaps_and_forced_edits(
    published: tuple[Service, dict[str, Any]],
) -> None:
    service, rota = published
    full = service.call("GET", URL, "hr", expect=200).json()
    assert full["totals"]["core_percent"] == 100.0 and full["gaps"] == []
    assert full["totals"]["gap_core_minutes"] == rota["terms"]["gap_core"]
    desk = next(d for d in full["days"] if d["role"] == "desk" and d["date"] == "2026-10-22")
    assert (desk["core_required"], desk["core_covered"], desk["core_percent"]) == (480, 480, 100.0)
    gone = next(a for a in rota["assignments"] if a["role"] == "desk" and a["date"] == "2026-10-22")
    service.call(
        "POST",
        f"/api/rotas/{rota['id']}/edits",
        json={"op": "remove", **{k: gone[k] for k in KEYS}},
        expect=200,
    )
    leave = {"person": "sem", "role": "desk", "shift": "am", "date": "2026-10-21"}
    service.call(
        "POST", f"/api/rotas/{rota['id']}/edits", json={"op": "add", "force": True, **leave}, expect=200
    )
    # the edits wait in the rota's pending change set: HR coverage shows the published version until Publish
    assert service.call("GET", URL, "hr", expect=200).json() == full
    service.call(
        "POST", f"/api/rotas/{rota['id']}/publish", json={"note": "desk short on the 22nd"}, expect=200
    )
    after = service.call("GET", URL, "lead", expect=200).json()
    desk = next(d for d in after["days"] if d["role"] == "desk" and d["date"] == "2026-10-22")
    assert (desk["core_covered"], desk["core_percent"]) == (240, 50.0)
    [gap] = after["gaps"]
    assert gap["date"] == "2026-10-22" and gap["core"] and gap["person_minutes"] == 240 and gap["reasons"]
    sem = next(p for p in after["people"] if p["person"] == "sem")
    assert [v["rule"] for v in sem["violations"]] == ["unavailable"]
    assert [(e["op"], e["assignment"]["person"]) for e in after["forced_edits"]] == [("add", "sem")]
    noor = next(p for p in after["people"] if p["person"] == "noor")
    assert noor["target_minutes"] == round(20 * 60 * 12 / 7) and noor["difference_minutes"] is not None
    assert after["totals"]["core_percent"] == round(100 * (4800 - 240) / 4800, 1)
    desk_total = next(r for r in after["roles"] if r["role"] == "desk")
    assert (desk_total["core_required"], desk_total["core_covered"]) == (4800, 4800 - 240)
    assert (desk_total["gaps"], desk_total["gap_core_minutes"]) == (1, 240)
    assert sum(r["open_required"] for r in after["roles"]) == after["totals"]["open_required"]


def test_coverage_as_csv_and_xlsx(published: tuple[Service, dict[str, Any]]) -> None:
    service, _ = published
    response = service.call("GET", URL + "&format=csv", "hr", expect=200)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:2] == ["role", "date"] and rows[-1][0] == "TOTAL" and len(rows) == 2 + 12 + 10
    people = list(
        csv.DictReader(
            io.StringIO(service.call("GET", URL + "&format=csv&table=people", "hr", expect=200).text)
        )
    )
    assert {p["person"] for p in people} == {"noor", "sem", "lotte", "daan", "eva"}
    service.call("GET", URL + "&format=csv&table=nope", "hr", expect=422)
    text = service.call("GET", URL + "&format=csv&table=roles", "hr", expect=200).text
    roles = list(csv.DictReader(io.StringIO(text)))
    assert [(r["role"], r["core_percent"], r["gaps"]) for r in roles] == [
        ("desk", "100.0", "0"),
        ("oncall", "", "0"),
    ]
    assert roles[0]["core_required_h"] == "80.0" and float(roles[1]["open_required_h"]) > 0
    book = service.call("GET", URL + "&format=xlsx", "hr", expect=200)
    workbook = openpyxl.load_workbook(io.BytesIO(book.content))
    assert workbook.sheetnames == ["Coverage", "Roles", "Gaps", "People", "Totals", "Forced edits"]
    assert [c.value for c in workbook["Roles"]["A"]] == ["role", "desk", "oncall"]
    sheet = workbook["Coverage"]
    assert sheet["A1"].value == "role" and sheet.cell(row=sheet.max_row, column=1).value == "TOTAL"


def test_bad_ranges_name_the_parameter(published: tuple[Service, dict[str, Any]]) -> None:
    service, _ = published
    body = service.call(
        "GET", "/api/teams/tiny/coverage?from=2026-10-30&to=2026-10-01", "hr", expect=422
    ).json()
    assert body["detail"][0]["path"] == "to"
    body = service.call("GET", "/api/teams/tiny/coverage?to=2026-10-01", "hr", expect=422).json()
    assert body["detail"][0]["path"] == "from"
    service.call("GET", URL + "&format=pdf", "hr", expect=422)
    service.call("GET", "/api/teams/nope/coverage?from=2026-10-01&to=2026-10-02", "hr", expect=404)
