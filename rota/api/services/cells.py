"""A person's date in a rota, as the cell page and GET /api/rotas/{rota_id}/cell show it: their duties, each
with what taking it off leaves uncovered, who could take it over and whose duty it could be swapped with,
and the duties they could be put on, with each choice's fit in words."""

from __future__ import annotations

from datetime import date
from typing import Any

from rota.api.errors import Invalid, NotFound
from rota.api.models import Rota
from rota.api.services import edits
from rota.api.services.rotas import team_duties
from rota.calendar import Calendar
from rota.team import Team


def cell_view(rota: Rota, team: Team, person: str, day: date) -> dict[str, Any]:
    """A person's date in the rota: their duties (each with what taking it off leaves uncovered, who could
    take it over and whose duty it could be swapped with, qualified and free people first), the duties
    they could be put on (those they hold the skills for first)."""
    people = {p.id: p for p in team.people}
    if person not in people:
        raise NotFound(f'the team has no person "{person}"', "person")
    if not rota.start <= day <= rota.end:
        raise Invalid(f"{day} is outside the rota's period {rota.start} to {rota.end}", "date")
    cal = Calendar(team, rota.start, rota.end)
    role_names = {r: team.roles[r].name or r for r in team.roles}
    shift_names = {s: team.shifts[s].name or s for s in team.shifts}

    def label(shift: str, role: str) -> str:
        s = team.shifts[shift]
        return f"{role_names[role]} · {shift_names[shift]} {s.start}–{s.end}"

    every = team_duties(cal, ((a.person, a.role, a.shift, a.date) for a in rota.assignments))
    choices = edits.cell_choices(cal, every, person, day)
    names = {pid: p.display for pid, p in people.items()}

    def note(s: edits.Standing) -> str:
        notes = []
        if s.busy:
            notes.append("already on " + ", ".join(label(d.shift, d.role) for d in s.busy))
        if s.leave is not None:
            notes.append(f"on leave ({s.leave})")
        if s.missing:
            notes.append("missing skill: " + ", ".join(s.missing))
        return "; ".join(notes)

    duties = []
    for c in choices.duties:
        swaps = []
        for theirs, fit, mine in c.swaps:
            lacks = [f"{names[s.person]} lacks {', '.join(s.missing)}" for s in (fit, mine) if s.missing]
            swaps.append(
                {
                    "value": f"{theirs.person}|{theirs.shift}|{theirs.role}",
                    "name": f"{names[theirs.person]}: {label(theirs.shift, theirs.role)}",
                    "note": "missing skill: " + "; ".join(lacks) if lacks else "",
                }
            )
        duties.append(
            {
                "role": c.duty.role,
                "shift": c.duty.shift,
                "label": label(c.duty.shift, c.duty.role),
                "gaps": c.gaps,
                "takers": [{"id": t.person, "name": names[t.person], "note": note(t)} for t in c.takers],
                "swaps": swaps,
            }
        )
    options = [
        {
            "value": f"{shift}|{role}",
            "label": label(shift, role) + (f" — missing skill: {', '.join(lacks)}" if lacks else ""),
        }
        for shift, role, lacks in choices.slots
    ]
    return {
        "person": person,
        "name": names[person],
        "day": day,
        "duties": duties,
        "options": options,
        "others": [{"id": pid, "name": name} for pid, name in names.items() if pid != person],
        "leave": choices.leave,
        "closed": cal.closed.get(day, ""),
    }
