"""People into a team from a CSV or Excel sheet: a header row naming the columns (id, name, email, skills,
hours per week, days, department; any order, any case), one person a row. A row whose id the team has
changes that person's fields given (a blank cell leaves a field as it is); a new id adds a person.

Every row is checked before anything is stored, and then the whole team file as any team file is: a bad row
is named by its number and column ("row 4, hours per week: "lots" is not a number of hours"), and a file
with one bad row changes nothing. ``dry_run`` answers the same preview (who is added, what changes for
whom) without storing anything."""

from __future__ import annotations

import copy
import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from rota.api.auth import Principal
from rota.api.errors import Invalid, UnsupportedMediaType
from rota.api.services import audit, teams

CSV_TYPES = ("text/csv", "application/csv")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = {
    "id": "id",
    "name": "name",
    "email": "email",
    "skills": "skills",
    "hours per week": "hours_per_week",
    "hours": "hours_per_week",
    "days": "days",
    "department": "department",
}
MAX_ROWS = 10_000
_PEOPLE_PATH = re.compile(r"^people\[(\d+)\]\.?(.*)$")


@dataclass(frozen=True)
class Upload:
    """A request's body as sent: its bytes and its Content-Type header (None when it had none)."""

    body: bytes
    content_type: str | None


@dataclass
class Preview:
    """What an import does: people added, people changed (field → (before, after)), people as they were."""

    added: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    stored: bool = False
    team_version: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "team_version": self.team_version,
            "summary": f"{len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.unchanged)} unchanged",
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
        }


def _header(name: Any) -> str:
    return re.sub(r"[\s_\-]+", " ", str(name or "").strip().lower())


def read_rows(body: bytes, content_type: str | None) -> list[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, {field: text}) of each non-empty row; 415/422 in words."""
    kind = teams.media_type(content_type)
    if kind in CSV_TYPES:
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Invalid(f"the CSV is not UTF-8 text: byte {exc.start} cannot be decoded") from None
        sample = text[:4096]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        table = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    elif kind == XLSX_TYPE:
        table = _xlsx_rows(body)
    else:
        raise UnsupportedMediaType(
            f'content type "{kind}" is not accepted: send the people as text/csv or {XLSX_TYPE}',
            "content-type",
        )
    if not table or not any(c.strip() for c in table[0]):
        raise Invalid(
            "the file is empty: the first row names the columns (id, name, email, skills, …)", "row 1"
        )
    heads = [_header(h) for h in table[0]]
    unknown = [h for h in heads if h and h not in COLUMNS]
    if unknown:
        raise Invalid(
            f'row 1: unknown column "{unknown[0]}" (known: id, name, email, skills, hours per week, days, '
            "department)",
            "row 1",
        )
    if "id" not in heads:
        raise Invalid("row 1: the id column is missing", "row 1")
    if len(table) - 1 > MAX_ROWS:
        raise Invalid(f"{len(table) - 1:,} rows: an import takes at most {MAX_ROWS:,}", "")
    out = []
    for n, raw in enumerate(table[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        cells = {COLUMNS[h]: (raw[i].strip() if i < len(raw) else "") for i, h in enumerate(heads) if h}
        out.append((n, cells))
    return out


def _xlsx_rows(body: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise Invalid(f"the body is not an Excel workbook (.xlsx): {type(exc).__name__}") from None
    sheet = book.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        rows.append([_cell(v) for v in values])
        if len(rows) > MAX_ROWS + 1:
            break
    book.close()
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _hours(text: str) -> int | float:
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


def _apply(
    document: dict[str, Any], rows: list[tuple[int, dict[str, str]]]
) -> tuple[Preview, dict[int, int]]:
    """Apply the rows to ``document`` in place; returns the preview and people index → row number. Every
    bad cell is collected and raised together (422, a problem per cell, path "row N, column")."""
    problems: list[dict[str, str]] = []
    people: list[dict[str, Any]] = document.setdefault("people", [])
    index = {p.get("id"): i for i, p in enumerate(people) if isinstance(p, dict)}
    seen: dict[str, int] = {}
    preview = Preview()
    rows_of: dict[int, int] = {}

    def bad(n: int, column: str, message: str) -> None:
        problems.append({"path": f"row {n}, {column}", "message": f"row {n}, {column}: {message}"})

    for n, cells in rows:
        pid = cells.get("id", "")
        if not pid:
            bad(n, "id", "the id is blank")
            continue
        if pid in seen:
            bad(n, "id", f'"{pid}" is on row {seen[pid]} too')
            continue
        seen[pid] = n
        values: dict[str, Any] = {}
        for key in ("name", "email", "department", "days"):
            if cells.get(key):
                values[key] = cells[key]
        if cells.get("skills"):
            values["skills"] = [s.strip() for s in re.split(r"[;,]", cells["skills"]) if s.strip()]
        if cells.get("hours_per_week"):
            try:
                values["hours_per_week"] = _hours(cells["hours_per_week"])
            except ValueError:
                bad(n, "hours per week", f'"{cells["hours_per_week"]}" is not a number of hours')
                continue
        if pid in index:
            person = people[index[pid]]
            diff = {k: {"from": person.get(k), "to": v} for k, v in values.items() if person.get(k) != v}
            person.update(values)
            if diff:
                preview.changed.append({"row": n, "id": pid, "changes": diff})
            else:
                preview.unchanged.append(pid)
        else:
            index[pid] = len(people)
            people.append({"id": pid, **values})
            preview.added.append({"row": n, **people[-1]})
        rows_of[index[pid]] = n
    if problems:
        raise Invalid(f"{len(problems)} bad row(s): nothing was imported", problems=problems)
    return preview, rows_of


def import_people(
    *,
    session: Session,
    principal: Principal,
    team_id: str,
    upload: Upload,
    dry_run: bool,
    max_people: int | None = None,
) -> Preview:
    """Check every row and the team file they make; store it as a new team version (with its audit entry)
    unless ``dry_run``. 422 names each bad row; nothing is stored then."""
    stored = teams.get_version(session=session, team_id=team_id)
    rows = read_rows(upload.body, upload.content_type)
    if not rows:
        raise Invalid("the file has a header row but no people", "row 2")
    document = copy.deepcopy(stored.document)
    preview, rows_of = _apply(document, rows)
    try:
        teams.parse_document(document, team_id)
    except Invalid as exc:
        raise Invalid(
            "the people would make the team file invalid: nothing was imported",
            problems=[_by_row(p, rows_of) for p in exc.problems],
        ) from None
    if dry_run:
        return preview
    what = f"people import: {preview.as_dict()['summary']}"
    names = [a["id"] for a in preview.added] + [c["id"] for c in preview.changed]
    if names:
        what += " (" + ", ".join(names[:20]) + (", …" if len(names) > 20 else "") + ")"
    preview.stored, preview.team_version = (
        True,
        _store(session, principal, team_id, document, what, max_people),
    )
    return preview


def _store(
    session: Session,
    principal: Principal,
    team_id: str,
    document: dict[str, Any],
    what: str,
    max_people: int | None = None,
) -> int:
    """Store the imported team file as the team's new version, with its audit entry ``what``; its number."""
    audit.record(session, team_id, principal.name, "import", what)
    _, version, _ = teams.put_team(session=session, team_id=team_id, document=document, max_people=max_people)
    return version.version


def _by_row(problem: dict[str, Any], rows_of: dict[int, int]) -> dict[str, Any]:
    """A team-file problem at ``people[i].field`` named by the row that made person i."""
    m = _PEOPLE_PATH.match(str(problem.get("path", "")))
    if m is None or int(m.group(1)) not in rows_of:
        return problem
    n = rows_of[int(m.group(1))]
    column = m.group(2).split(".")[0].split("[")[0].replace("hours_per_week", "hours per week") or "id"
    return {**problem, "path": f"row {n}, {column}", "message": f"row {n}, {column}: {problem['message']}"}


def _events(upload: Upload) -> list[Any]:
    """The VEVENTs of an iCalendar body (415 for another type, 422 for one that does not parse)."""
    import icalendar

    kind = teams.media_type(upload.content_type)
    if kind != "text/calendar":
        raise UnsupportedMediaType(
            f'content type "{kind}" is not accepted: send an iCalendar file as text/calendar', "content-type"
        )
    try:
        calendar = icalendar.Calendar.from_ical(upload.body.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(f"the body is not an iCalendar file: {exc}") from None
    return list(calendar.walk("VEVENT"))


def _span(event: Any, tz: Any) -> tuple[str, str, bool]:
    """(from, to, whole dates?) of an event in the team's wall time: whole dates inclusive, or date-times
    with an exclusive end."""
    from datetime import date as Date
    from datetime import datetime as DateTime
    from datetime import timedelta

    start = event.decoded("DTSTART")
    end = event.decoded("DTEND") if "DTEND" in event else None
    if isinstance(start, DateTime):
        start = start if start.tzinfo else start.replace(tzinfo=tz)
        end = end if isinstance(end, DateTime) else start + timedelta(hours=1)
        end = end if end.tzinfo else end.replace(tzinfo=tz)
        a, z = start.astimezone(tz), end.astimezone(tz)
        return a.strftime("%Y-%m-%dT%H:%M"), z.strftime("%Y-%m-%dT%H:%M"), False
    assert isinstance(start, Date)
    last = (end - timedelta(days=1)) if isinstance(end, Date) and end > start else start
    return start.isoformat(), last.isoformat(), True


def import_leave(
    *,
    session: Session,
    principal: Principal,
    team_id: str,
    upload: Upload,
    person: str | None,
    dry_run: bool,
) -> dict[str, Any]:
    """Leave from a calendar: each VEVENT an unavailability of ``person`` (or of the person whose email is
    the event's ATTENDEE or ORGANIZER), kept with the event's UID so importing again updates it (a
    cancelled event removes it). All or nothing: an event naming nobody is a problem naming its UID."""
    from rota import timeutil

    stored = teams.get_version(session=session, team_id=team_id)
    document = copy.deepcopy(stored.document)
    tz = timeutil.zone(document["timezone"])
    people = {p["id"]: p for p in document.get("people", []) if isinstance(p, dict)}
    if person is not None and person not in people:
        raise Invalid(f'the team has no person "{person}"', "person")
    by_email = {str(p.get("email", "")).lower(): pid for pid, p in people.items() if p.get("email")}
    problems: list[dict[str, str]] = []
    added, updated, removed = [], [], []
    for n, event in enumerate(_events(upload), start=1):
        uid = str(event.get("UID") or "").strip()
        where = f"event {n}" + (f" ({uid})" if uid else "")
        if not uid:
            problems.append({"path": where, "message": f"{where}: has no UID"})
            continue
        pid = person
        if pid is None:
            mails = [str(a) for a in _as_list(event.get("ATTENDEE")) + _as_list(event.get("ORGANIZER"))]
            found = [
                by_email[m.lower().removeprefix("mailto:")]
                for m in mails
                if m.lower().removeprefix("mailto:") in by_email
            ]
            if not found:
                problems.append(
                    {"path": where, "message": f"{where}: no person of the team has its attendee's email"}
                )
                continue
            pid = found[0]
        if "DTSTART" not in event:
            problems.append({"path": where, "message": f"{where}: has no DTSTART"})
            continue
        first, last, whole = _span(event, tz)
        person_leave = people[pid].setdefault("unavailable", [])
        old = next((u for u in person_leave if isinstance(u, dict) and u.get("uid") == uid), None)
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            if old is not None:
                person_leave.remove(old)
                removed.append({"person": pid, "uid": uid})
            continue
        entry: dict[str, Any] = {"date": first} if whole and first == last else {"from": first, "to": last}
        summary = str(event.get("SUMMARY") or "").strip()
        if summary:
            entry["reason"] = summary
        entry["uid"] = uid
        if old is None:
            person_leave.append(entry)
            added.append({"person": pid, **entry})
        elif old != entry:
            person_leave[person_leave.index(old)] = entry
            updated.append({"person": pid, **entry})
    if problems:
        raise Invalid(f"{len(problems)} bad event(s): nothing was imported", problems=problems)
    teams.parse_document(document, team_id)
    out: dict[str, Any] = {
        "stored": False,
        "summary": f"{len(added)} added, {len(updated)} updated, {len(removed)} removed",
        "added": added,
        "updated": updated,
        "removed": removed,
    }
    if dry_run or not (added or updated or removed):
        return out
    version = _store(session, principal, team_id, document, f"leave import: {out['summary']}")
    return {**out, "stored": True, "team_version": version}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def import_closures(
    *,
    session: Session,
    principal: Principal,
    team_id: str,
    upload: Upload,
    dry_run: bool,
) -> dict[str, Any]:
    """Closure dates from a calendar: every date each VEVENT covers (whole dates; a timed event, the dates
    it touches) joins ``closures``; dates already there are not added twice."""
    from datetime import date as Date
    from datetime import timedelta

    from rota import timeutil

    stored = teams.get_version(session=session, team_id=team_id)
    document = copy.deepcopy(stored.document)
    tz = timeutil.zone(document["timezone"])
    have = {str(d) for d in document.get("closures", [])}
    new: list[str] = []
    for event in _events(upload):
        if "DTSTART" not in event or str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        first, last, _ = _span(event, tz)
        day, end = Date.fromisoformat(first[:10]), Date.fromisoformat(last[:10])
        while day <= end:
            if day.isoformat() not in have and day.isoformat() not in new:
                new.append(day.isoformat())
            day += timedelta(days=1)
    out: dict[str, Any] = {
        "stored": False,
        "summary": f"{len(new)} closure date(s) added",
        "added": sorted(new),
    }
    if dry_run or not new:
        return out
    document["closures"] = [*document.get("closures", []), *sorted(new)]
    teams.parse_document(document, team_id)
    version = _store(session, principal, team_id, document, f"closures import: {', '.join(sorted(new))}")
    return {**out, "stored": True, "team_version": version}
