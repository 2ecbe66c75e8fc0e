"""The most frequent changes of a team file, made on its stored document: add a person, change a person's
name, skills and contract, remove a person, add leave; and restore an older version.

Each change starts from the current version and saves a new one (``teams.put_team`` checks it as any
team file is checked), so nothing is lost: a removed person is one "restore version N" away.
A field left out (``None``) or blank is left as it is; ``none`` clears it (no skills, no contract
hours, every day).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.api.errors import Invalid, NotFound
from rota.api.models import TeamRow, TeamVersion
from rota.api.services import teams

CLEAR = "none"


@dataclass
class Leave:
    first: str
    last: str
    reason: str


@dataclass
class PersonRow:
    """A person as the team page shows them: each field as the form would take it back."""

    id: str
    name: str
    skills: str
    hours: str
    days: str
    leave: list[Leave]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _leave(entry: dict[str, Any]) -> Leave:
    first = str(entry.get("date") or entry.get("from") or "")
    last = str(entry.get("date") or entry.get("to") or first)
    return Leave(first, last, str(entry.get("reason") or ""))


def people_rows(document: dict[str, Any] | None) -> list[PersonRow]:
    """The people of a stored document, in file order, ready for a table and for pre-filled forms."""
    rows = []
    for p in (document or {}).get("people", []):
        if not isinstance(p, dict) or "id" not in p:
            continue
        rows.append(
            PersonRow(
                id=p["id"],
                name=p.get("name") or p["id"],
                skills=_text(p.get("skills") or []),
                hours=_text(p.get("hours_per_week")),
                days=_text(p.get("days")),
                leave=[_leave(u) for u in p.get("unavailable") or [] if isinstance(u, dict)],
            )
        )
    return rows


def find_person(document: dict[str, Any], person: str) -> dict[str, Any]:
    for p in document.get("people", []):
        if isinstance(p, dict) and p.get("id") == person:
            return p
    raise NotFound(f'the team has no person "{person}"', "person")


def _list(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def _hours(text: str) -> float | int:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise Invalid(
            f'"{text}" is not a number of hours (or "{CLEAR}" for no contract hours)', "hours_per_week"
        ) from None
    return int(value) if value.is_integer() else value


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _cleared(value: str) -> bool:
    return value.strip().lower() == CLEAR


def update_person(
    document: dict[str, Any],
    person: str,
    *,
    name: str | None = None,
    skills: str | None = None,
    hours: str | None = None,
    days: str | None = None,
) -> None:
    """Change the fields given (blank: unchanged; ``none``: cleared) of one person, in place."""
    p = find_person(document, person)
    _change(p, "name", name, str.strip)
    if not _blank(skills):
        assert skills is not None
        p["skills"] = [] if _cleared(skills) else _list(skills)
    _change(p, "hours_per_week", hours, _hours)
    _change(p, "days", days, str.strip)


def _change(p: dict[str, Any], key: str, value: str | None, read: Callable[[str], Any]) -> None:
    """A form field onto the person: blank leaves ``key`` as it is, ``CLEAR`` removes it, else it is set
    to ``read(value)``."""
    if _blank(value):
        return
    assert value is not None
    if _cleared(value):
        p.pop(key, None)
    else:
        p[key] = read(value)


def add_person(
    document: dict[str, Any],
    person: str,
    *,
    name: str = "",
    skills: str = "",
    hours: str = "",
    days: str = "",
) -> None:
    """Append a person (id, then the fields given)."""
    person = person.strip()
    if any(isinstance(p, dict) and p.get("id") == person for p in document.get("people", [])):
        raise Invalid(f'the team already has a person "{person}": change them instead', "person")
    document.setdefault("people", []).append({"id": person})
    update_person(document, person, name=name, skills=skills or CLEAR, hours=hours, days=days)


def remove_person(document: dict[str, Any], person: str) -> str:
    """Remove a person; returns their display name."""
    p = find_person(document, person)
    document["people"].remove(p)
    return str(p.get("name") or person)


def add_leave(document: dict[str, Any], person: str, first: str, last: str = "", reason: str = "") -> None:
    """A period of leave, whole dates inclusive."""
    for value, field in ((first, "first"), (last, "last")):
        if value.strip():
            try:
                date.fromisoformat(value.strip())
            except ValueError:
                raise Invalid(f'"{value}" is not a date (YYYY-MM-DD)', field) from None
    first, last = first.strip(), last.strip()
    if not first:
        raise Invalid("give the first date of the leave", "first")
    entry: dict[str, Any] = {"date": first} if not last or last == first else {"from": first, "to": last}
    if reason.strip():
        entry["reason"] = reason.strip()
    find_person(document, person).setdefault("unavailable", []).append(entry)


def change_team(
    *,
    session: Session,
    team_id: str,
    change: Callable[[dict[str, Any]], Any],
    max_people: int | None = None,
    warnings: list[dict[str, str]] | None = None,
) -> tuple[TeamVersion, bool, int]:
    """Apply ``change`` to a copy of the current document and save it as a new version.

    Returns (the version saved, whether anything changed, the version it was made from); 404 when the
    team is not stored, 422 with every problem when the result is not a valid team file. ``warnings``
    receives what is valid but probably not meant (``teams.put_team``).
    """
    stored = teams.get_version(session=session, team_id=team_id)
    document = copy.deepcopy(stored.document)
    change(document)
    _, version, changed = teams.put_team(
        session=session, team_id=team_id, document=document, max_people=max_people, warnings=warnings
    )
    return version, changed, stored.version


def list_versions(*, session: Session, team_id: str, limit: int = 10) -> list[TeamVersion]:
    """The team's latest stored versions, newest first."""
    teams.get_team(session=session, team_id=team_id)
    query = select(TeamVersion).where(TeamVersion.team_id == team_id).order_by(TeamVersion.version.desc())
    return list(session.scalars(query.limit(limit)))


def restore_version(
    *,
    session: Session,
    team_id: str,
    version: int,
    max_people: int | None = None,
) -> tuple[TeamRow, TeamVersion, bool]:
    """Make an older version's document the current one again (as a new version: history is kept)."""
    old = teams.get_version(session=session, team_id=team_id, version=version)
    return teams.put_team(
        session=session, team_id=team_id, document=copy.deepcopy(old.document), max_people=max_people
    )
