"""Who is on duty at an instant: per role, the people of the team's published rotas whose shift holds it.

The answer comes from the published assignments (each date from the rota published for it, so several
months each with their own published rota answer as one); a draft is never shown. A duty holds the
instants from its start (on) up to its end (off), the same instants its event has in the iCal feeds.
Times are written in the team's zone with the offset in force at each of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota import timeutil
from rota.api.errors import Invalid
from rota.api.models import PublishedDay, Rota
from rota.api.services.rotas import published_assignments
from rota.api.services.teams import display_names, get_team, get_version
from rota.teamcheck import did_you_mean

# "2026-10-25T02:30 01:00": a "+" that reached the server unencoded in a query string became a space
_LOST_PLUS = re.compile(r"^(.*\d) (\d\d(?::?\d\d)?)$")
LONGEST_SHIFT_DAYS = 2
"""A shift starts on its date and ends within the next one: duties dated up to two dates before the instant's
local date are looked at (a shift past midnight, and a clock change on the way)."""


def parse_at(text: str | None, tz: tzinfo, now: datetime) -> datetime:
    """The instant ``at`` names: ISO 8601 with an offset, or wall time in the team's zone (``fold=0``: the
    first of a repeated hour, and a wall time skipped by the spring change read with the offset before it,
    as rota reads every wall time); ``now`` when not given. 422 on ``at`` when it cannot be read."""
    if text is None or not text.strip():
        return now.astimezone(tz)
    raw = text.strip()
    lost = _LOST_PLUS.match(raw)
    if lost:
        raw = f"{lost.group(1)}+{lost.group(2)}"
    try:
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
        moment = moment.astimezone(UTC).astimezone(tz)  # via UTC: a skipped wall time gets its real offset
        if not 1 < moment.year < 9999:  # the dates around it must be dates too
            raise Invalid(f'"{text[:60]}" is out of the years 2 to 9998', "at")
        return moment
    except (ValueError, OverflowError):
        raise Invalid(
            f'"{text[:60]}" is not a date and time: write ISO 8601, e.g. 2026-10-25T14:30 (read in the '
            "team's zone) or 2026-10-25T14:30+01:00",
            "at",
        ) from None


@dataclass(frozen=True)
class OnDuty:
    """The answer: the instant, each role with the people on duty then, and a sentence saying what it is."""

    team: str
    team_name: str
    timezone: str
    at: datetime
    covered: bool  # a published rota holds the instant's local date
    roles: list[dict[str, Any]]
    message: str

    def as_json(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "team_name": self.team_name,
            "timezone": self.timezone,
            "at": self.at.isoformat(),
            "published": self.covered,
            "message": self.message,
            "roles": self.roles,
        }

    @property
    def people(self) -> int:
        return len({d["person"] for r in self.roles for d in r["on_duty"]})


def _contacts(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """id → the contact fields a team file has for a person (spec 1.1: name and email)."""
    return {
        p["id"]: {"name": p.get("name") or p["id"], "email": p.get("email")}
        for p in document.get("people", [])
        if isinstance(p, dict) and "id" in p
    }


def _when(moment: datetime) -> str:
    """``Sun 25 Oct 2026 02:30 CET``."""
    return f"{moment:%a} {moment.day} {moment:%b %Y} {moment:%H:%M %Z}"


def on_duty(
    *, session: Session, team_id: str, now: datetime, at: str | None = None, role: str | None = None
) -> OnDuty:
    """Who is on duty in team ``team_id`` at ``at`` (default ``now``), per role (only ``role`` when given).

    404 for an unknown team; 422 on ``at`` when it cannot be read, on ``role`` when the team has no such
    role (with the closest id it has)."""
    team = get_team(session=session, team_id=team_id)
    document = get_version(session=session, team_id=team_id, version=team.current_version).document
    tz = timeutil.zone(document["timezone"])
    moment = parse_at(at, tz, now)
    _, roles, shifts = display_names(document)
    if role is not None and role not in roles:
        raise Invalid(f'team "{team_id}" has no role "{role}"{did_you_mean(role, roles)}', "role")
    contacts = _contacts(document)
    day = moment.date()
    rows = [
        a
        for a in published_assignments(
            session=session, team_id=team_id, start=day - timedelta(days=LONGEST_SHIFT_DAYS), end=day
        )
        if a.start_utc <= moment < a.end_utc and (role is None or a.role == role)
    ]
    # someone no longer in the team file keeps the name the rota was made with (the team feed shows them too)
    missing = {a.rota_id for a in rows if a.person not in contacts}
    if missing:
        for version in sorted(set(session.scalars(select(Rota.team_version).where(Rota.id.in_(missing))))):
            old = get_version(session=session, team_id=team_id, version=version).document
            contacts = {**_contacts(old), **contacts}
    wanted = [role] if role is not None else [*roles, *sorted({a.role for a in rows} - set(roles))]
    out: list[dict[str, Any]] = []
    for rid in wanted:
        duties = sorted((a for a in rows if a.role == rid), key=lambda a: (a.start_utc, a.person, a.shift))
        out.append(
            {
                "role": rid,
                "role_name": roles.get(rid, rid),
                "on_duty": [
                    {
                        "person": a.person,
                        **contacts.get(a.person, {"name": a.person, "email": None}),
                        "shift": a.shift,
                        "shift_name": shifts.get(a.shift, a.shift),
                        "date": a.date.isoformat(),
                        "start": a.start_utc.astimezone(tz).isoformat(),
                        "end": a.end_utc.astimezone(tz).isoformat(),
                        "rota_id": a.rota_id,
                    }
                    for a in duties
                ],
            }
        )
    covered = session.get(PublishedDay, (team_id, day)) is not None
    answer = OnDuty(team_id, team.name, document["timezone"], moment, covered, out, "")
    return OnDuty(**{**answer.__dict__, "message": _message(answer, roles.get(role or ""))})


def _message(answer: OnDuty, role_name: str | None) -> str:
    """One sentence: how many people are on duty, or why nobody is shown."""
    when = _when(answer.at)
    as_role = f" as {role_name}" if role_name else ""
    if answer.people:
        count = "1 person is" if answer.people == 1 else f"{answer.people} people are"
        return f"{count} on duty{as_role} at {when}."
    if not answer.covered:
        day = f"{answer.at:%a} {answer.at.day} {answer.at:%b %Y}"
        return f"No published rota covers {day}: nobody is shown on duty."
    return f"Nobody is on duty{as_role} at {when} in the published rota."
