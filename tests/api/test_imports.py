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


ICS = "text/calendar"


def calendar(*events: str) -> str:
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + "".join(events) + "END:VCALENDAR\r\n"


def vevent(uid: str, start: str, end: str, summary: str = "", extra: str = "") -> str:
    lines = [f"UID:{uid}", "DTSTAMP:20261001T000000Z", start, end]
    if summary:
        lines.append(f"SUMMARY:{summary}")
    if extra:
        lines.append(extra)
    return "BEGIN:VEVENT\r\n" + "\r\n".join(lines) + "\r\nEND:VEVENT\r\n"


def leave_of(service: Service, person: str) -> list[dict[str, Any]]:
    return people(service)[person].get("unavailable", [])


def test_leave_from_a_calendar_by_uid_updates_on_re_import(team: Service) -> None:
    first = calendar(
        vevent("a@hr", "DTSTART;VALUE=DATE:20261102", "DTEND;VALUE=DATE:20261105", "Holiday"),
        vevent(
            "b@hr",
            "DTSTART;TZID=Europe/Amsterdam:20261110T090000",
            "DTEND;TZID=Europe/Amsterdam:20261110T130000",
        ),
    )
    preview = team.call(
        "POST",
        "/api/teams/tiny/leave/import?person=noor&dry_run=true",
        content=first,
        headers={"Content-Type": ICS},
        expect=200,
    ).json()
    assert preview["stored"] is False and preview["summary"] == "2 added, 0 updated, 0 removed"
    assert leave_of(team, "noor") == []
    url = "/api/teams/tiny/leave/import?person=noor"
    done = team.call("POST", url, content=first, headers={"Content-Type": ICS}, expect=200).json()
    assert done["stored"] is True
    assert leave_of(team, "noor") == [
        {"from": "2026-11-02", "to": "2026-11-04", "reason": "Holiday", "uid": "a@hr"},
        {"from": "2026-11-10T09:00", "to": "2026-11-10T13:00", "uid": "b@hr"},
    ]
    again = calendar(
        vevent("a@hr", "DTSTART;VALUE=DATE:20261102", "DTEND;VALUE=DATE:20261103", "Holiday"),
        vevent("b@hr", "DTSTART:20261110T080000Z", "DTEND:20261110T120000Z", extra="STATUS:CANCELLED"),
    )
    done = team.call("POST", url, content=again, headers={"Content-Type": ICS}, expect=200).json()
    assert done["summary"] == "0 added, 1 updated, 1 removed"
    assert leave_of(team, "noor") == [{"date": "2026-11-02", "reason": "Holiday", "uid": "a@hr"}]


def test_leave_by_attendee_email_and_an_event_naming_nobody_imports_nothing(team: Service) -> None:
    doc = team.call("GET", "/api/teams/tiny", expect=200).json()["document"]
    doc["people"][1]["email"] = "sem@example.org"
    team.put_team(doc=doc)
    both = calendar(
        vevent(
            "c@hr",
            "DTSTART;VALUE=DATE:20261201",
            "DTEND;VALUE=DATE:20261202",
            extra="ATTENDEE:mailto:SEM@example.org",
        ),
        vevent(
            "d@hr",
            "DTSTART;VALUE=DATE:20261201",
            "DTEND;VALUE=DATE:20261202",
            extra="ATTENDEE:mailto:who@example.org",
        ),
    )
    url = "/api/teams/tiny/leave/import"
    refused = team.call("POST", url, content=both, headers={"Content-Type": ICS}, expect=422).json()
    assert [p["path"] for p in refused["detail"]] == ["event 2 (d@hr)"]
    assert all("uid" not in u for u in leave_of(team, "sem"))
    one = calendar(
        vevent(
            "c@hr",
            "DTSTART;VALUE=DATE:20261201",
            "DTEND;VALUE=DATE:20261202",
            extra="ATTENDEE:mailto:SEM@example.org",
        )
    )
    team.call("POST", url, content=one, headers={"Content-Type": ICS}, expect=200)
    assert {"date": "2026-12-01", "uid": "c@hr"} in leave_of(team, "sem")
    team.call("POST", url, content="not a calendar", headers={"Content-Type": ICS}, expect=422)
    team.call("POST", url, content=one, headers={"Content-Type": CSV}, expect=415)


def test_closures_from_a_calendar(team: Service) -> None:
    staff_day = calendar(
        vevent("s@hr", "DTSTART;VALUE=DATE:20261223", "DTEND;VALUE=DATE:20261225", "Staff days"),
        vevent("t@hr", "DTSTART;VALUE=DATE:20261224", "DTEND;VALUE=DATE:20261225", "Twice"),
    )
    url = "/api/teams/tiny/closures/import"
    done = team.call("POST", url, content=staff_day, headers={"Content-Type": ICS}, expect=200).json()
    assert done["added"] == ["2026-12-23", "2026-12-24"] and done["stored"] is True
    doc = team.call("GET", "/api/teams/tiny", expect=200).json()["document"]
    assert doc["closures"] == ["2026-12-23", "2026-12-24"]
    again = team.call("POST", url, content=staff_day, headers={"Content-Type": ICS}, expect=200).json()
    assert again["added"] == [] and again["stored"] is False
    assert (
        team.call("GET", "/api/teams/tiny/audit", expect=200).json()[0]["what"].startswith("closures import")
    )
