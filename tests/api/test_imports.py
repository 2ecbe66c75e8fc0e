"""People imports: CSV and XLSX, a preview with dry_run, every bad row named, nothing half-imported."""

from __future__ import annotations

import io
from typing import Any

import pytest
from apikit import Service
from openpyxl import Workbook

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GOOD = (
    "ID,Name,Email,Skills,Hours per week,Days,Department\n"
    "noor,Noor de Vries,noor@example.org,desk,24,,Service desk\n"
    "femke,Femke Mulder,femke@example.org,desk;oncall,32,weekdays,Service desk\n"
)


@pytest.fixture
def team(service: Service) -> Service:
    service.put_team()
    return service


def send(
    service: Service,
    body: bytes | str,
    kind: str = CSV,
    expect: int = 200,
    query: str = "",
    who: str = "lead",
) -> Any:
    return service.call(
        "POST",
        f"/api/teams/tiny/people/import{query}",
        who,
        content=body.encode() if isinstance(body, str) else body,
        headers={"Content-Type": kind},
        expect=expect,
    ).json()


def people(service: Service) -> dict[str, dict[str, Any]]:
    doc = service.call("GET", "/api/teams/tiny", expect=200).json()["document"]
    return {p["id"]: p for p in doc["people"]}


def test_a_dry_run_previews_and_stores_nothing_then_the_import_stores_one_version(team: Service) -> None:
    before = people(team)
    preview = send(team, GOOD, query="?dry_run=true")
    assert preview["stored"] is False and preview["summary"] == "1 added, 1 changed, 0 unchanged"
    assert preview["added"][0]["id"] == "femke" and preview["added"][0]["skills"] == ["desk", "oncall"]
    changes = preview["changed"][0]["changes"]
    assert preview["changed"][0]["row"] == 2 and changes["hours_per_week"] == {"from": 20, "to": 24}
    assert changes["department"] == {"from": None, "to": "Service desk"} and "name" not in changes
    assert people(team) == before
    done = send(team, GOOD)
    assert done["stored"] is True and done["team_version"] == 2
    now = people(team)
    assert now["femke"]["days"] == "weekdays" and now["noor"]["email"] == "noor@example.org"
    assert now["sem"] == before["sem"]  # not in the file: unchanged
    entry = team.call("GET", "/api/teams/tiny/audit", expect=200).json()[0]
    assert entry["action"] == "import" and "1 added, 1 changed" in entry["what"]


def test_a_file_with_bad_rows_is_refused_row_by_row_and_nothing_is_imported(team: Service) -> None:
    before = people(team)
    bad = GOOD + "kim,Kim,,desk,lots,,\n,No id,,,,,\nnoor,Again,,,,,\n"
    refused = send(team, bad, expect=422)
    paths = [p["path"] for p in refused["detail"]]
    assert paths == ["row 4, hours per week", "row 5, id", "row 6, id"]
    assert "lots" in refused["detail"][0]["message"] and "row 2" in refused["detail"][2]["message"]
    # a row whose cells are each read but make the team file invalid: days it cannot read, named by its row
    refused = send(team, GOOD + "sanne,Sanne,,desk,,someday,\n", expect=422)
    assert [p["path"] for p in refused["detail"]] == ["row 4, days"]
    assert "someday" in refused["detail"][0]["message"]
    assert people(team) == before
    assert team.call("GET", "/api/teams/tiny", expect=200).json()["version"] == 1
    assert team.call("GET", "/api/teams/tiny/audit", expect=200).json() == []


def test_an_excel_sheet_imports_like_a_csv_and_other_types_are_refused(team: Service) -> None:
    book = Workbook()
    sheet = book.active
    for line in GOOD.splitlines():
        sheet.append([int(c) if c.isdigit() else (c or None) for c in line.split(",")])
    data = io.BytesIO()
    book.save(data)
    done = send(team, data.getvalue(), kind=XLSX)
    assert (
        done["summary"] == "1 added, 1 changed, 0 unchanged" and people(team)["noor"]["hours_per_week"] == 24
    )
    refused = send(team, "{}", kind="application/json", expect=415)
    assert "text/csv" in refused["detail"][0]["message"]
    send(team, b"not a workbook", kind=XLSX, expect=422)
    send(team, "id,colour\nnoor,blue\n", expect=422)
    send(team, GOOD, who="staff", expect=403)
