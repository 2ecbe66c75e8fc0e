"""What publishing a rota changes, per person: duties added, removed and moved, against what is published
for its dates now (the service's ``diff`` of assignments, grouped for people to read)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from api.models import Rota
from api.services.rotas import duty_of, published_assignments
from api.services.solving import diff
from rota.team import Team

Key = tuple[str, str, str]  # role, shift, date (ISO)


@dataclass
class PersonChanges:
    person: str
    name: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.added) + len(self.removed) + len(self.moved)


@dataclass
class Changes:
    first: bool  # nothing was published for these dates
    people: list[PersonChanges]
    added: int
    removed: int
    kept: int


def publish_changes(session: Session, rota: Rota, team: Team) -> Changes:
    """The changes per person if ``rota`` were published now."""
    before = [
        duty_of(a)
        for a in published_assignments(session=session, team_id=rota.team_id, start=rota.start, end=rota.end)
        if a.rota_id != rota.id
    ]
    after = [duty_of(a) for a in rota.assignments]
    d = diff(before, after)
    names = {p.id: p.display for p in team.people}
    roles = {r: team.roles[r].name or r for r in team.roles}
    shifts = {s: team.shifts[s].name or s for s in team.shifts}

    def text(role: str, shift: str, day: str) -> str:
        when = date.fromisoformat(day)
        return f"{when:%a} {when.day} {when:%b}: {roles.get(role, role)} · {shifts.get(shift, shift)}"

    removed: dict[str, list[Key]] = defaultdict(list)
    added: dict[str, list[Key]] = defaultdict(list)
    for x in d["removed"]:
        removed[x["person"]].append((x["role"], x["shift"], x["date"]))
    for x in d["added"]:
        added[x["person"]].append((x["role"], x["shift"], x["date"]))
    people = []
    for person in sorted(set(removed) | set(added), key=lambda p: names.get(p, p)):
        change = PersonChanges(person, names.get(person, person))
        gone, new = removed[person], added[person]
        for old in list(gone):  # the same date in another shift or role, else the same duty on another date
            match = next((n for n in new if n[2] == old[2]), None) or next(
                (n for n in new if n[:2] == old[:2]), None)
            if match is not None:
                change.moved.append((text(*old), text(*match)))
                gone.remove(old)
                new.remove(match)
        change.removed = [text(*k) for k in gone]
        change.added = [text(*k) for k in new]
        people.append(change)
    return Changes(not before, people, len(d["added"]), len(d["removed"]), d["kept"])
