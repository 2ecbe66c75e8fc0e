"""Publish as a review: the gaps and the duties kept despite a rule first, then what publishing changes per
person in date order — duties added, removed and moved (to another shift or role on the same date) — against
what is published for its dates now, with counts that add up.

One result, two renderings: the publish page (``publish.html``) and its JSON twin
``GET /api/rotas/{rota_id}/changes`` (``as_json``), so the page and the API cannot disagree."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from rota.api.models import Rota
from rota.api.services.edits import list_edits
from rota.api.services.rotas import diff, duty_of, published_assignments, rota_team
from rota.document import RotaDocument
from rota.records import Duty
from rota.team import Team

Key = tuple[str, str, str]  # role, shift, date (ISO)
ORDER = {"removed": 0, "moved": 1, "added": 2}


@dataclass
class Change:
    day: date
    kind: str  # added, removed, moved
    text: str


@dataclass
class PersonChanges:
    person: str
    name: str
    items: list[Change] = field(default_factory=list)

    def _count(self, kind: str) -> int:
        return sum(1 for c in self.items if c.kind == kind)

    @property
    def added(self) -> int:
        return self._count("added")

    @property
    def removed(self) -> int:
        return self._count("removed")

    @property
    def moved(self) -> int:
        return self._count("moved")


@dataclass
class Gap:
    role: str
    day: date
    when: str
    core: bool


@dataclass
class KeptBreak:
    name: str
    day: date
    duty: str
    rules: str
    reason: str


@dataclass
class Changes:
    first: bool  # nothing was published for these dates
    people: list[PersonChanges]
    added: int  # duties new to someone's calendar (not moves)
    removed: int  # duties gone from someone's calendar (not moves)
    moved: int  # duties that changed shift or role on the same date, for the same person
    kept: int  # unchanged duties
    before: int  # duties published now for these dates: removed + moved + kept
    after: int  # duties after publishing: added + moved + kept
    gaps: list[Gap] = field(default_factory=list)
    core_gaps: int = 0
    breaks: list[KeptBreak] = field(default_factory=list)


def _day(value: str) -> date:
    return date.fromisoformat(value)


def _gaps(rota: Rota, team: Team, roles: dict[str, str]) -> list[Gap]:
    doc = RotaDocument.model_validate(rota.document)
    tz = ZoneInfo(team.timezone)
    out = []
    for g in doc.gaps:
        a, b = datetime.fromisoformat(g.start).astimezone(tz), datetime.fromisoformat(g.end).astimezone(tz)
        out.append(
            Gap(
                roles.get(g.role, g.role),
                a.date(),
                f"{a:%H:%M}–{b:%H:%M}: {g.assigned} of {g.required} on duty",
                g.core,
            )
        )
    return sorted(out, key=lambda g: (g.day, g.when, g.role))


def _breaks(session: Session, rota: Rota, names: dict[str, str], text: dict[Key, str]) -> list[KeptBreak]:
    """The duties of the rota kept despite a rule, each with the rules it breaks and why it was kept."""
    forced = {(a.person, a.role, a.shift, a.date) for a in rota.assignments if a.forced}
    out = []
    for e in list_edits(session=session, rota_id=rota.id):
        p = e.payload or {}
        person = (p.get("to") or {}).get("person") or p.get("person")
        key = (person, p.get("role"), p.get("shift"), _day(str(p.get("date"))) if p.get("date") else None)
        if not e.forced or key not in forced:
            continue
        forced.discard(key)
        rules = "; ".join(
            str(v.get("message") or v.get("title") or v.get("rule")) for v in e.violations or []
        )
        out.append(
            KeptBreak(
                names.get(person, person),
                key[3],
                text.get((key[1], key[2], key[3].isoformat()), f"{key[1]} {key[2]}"),
                rules,
                e.reason or "",
            )
        )
    return sorted(out, key=lambda b: (b.day, b.name))


def duty_labeller(team: Team) -> Callable[[str, str], str]:
    """A duty in words: "Service desk · AM 09:00–13:00"."""
    roles = {r: team.roles[r].name or r for r in team.roles}
    shifts = {s: team.shifts[s].name or s for s in team.shifts}

    def duty(role: str, shift: str) -> str:
        s = team.shifts.get(shift)
        times = f" {s.start}–{s.end}" if s is not None else ""
        return f"{roles.get(role, role)} · {shifts.get(shift, shift)}{times}"

    return duty


def person_changes(team: Team, before: list[Duty], after: list[Duty]) -> tuple[list[PersonChanges], int]:
    """Per person (by name), what going from ``before`` to ``after`` changes in date order — duties added,
    removed and moved (another shift or role on the same date) — and how many duties stay unchanged.

    The seam of notifications: ``publish.PublishEvent.people`` gives this for each publish."""
    d = diff(before, after)
    names = {p.id: p.display for p in team.people}
    duty = duty_labeller(team)
    removed: dict[str, list[Key]] = defaultdict(list)
    added: dict[str, list[Key]] = defaultdict(list)
    for x in d["removed"]:
        removed[x["person"]].append((x["role"], x["shift"], x["date"]))
    for x in d["added"]:
        added[x["person"]].append((x["role"], x["shift"], x["date"]))
    people = []
    for person in sorted(set(removed) | set(added), key=lambda p: names.get(p, p)):
        change = PersonChanges(person, names.get(person, person))
        gone, new = sorted(removed[person], key=lambda k: k[2]), sorted(added[person], key=lambda k: k[2])
        for old in list(gone):  # a move: the same person, the same date, another shift or role
            match = next((n for n in new if n[2] == old[2]), None)
            if match is not None:
                change.items.append(Change(_day(old[2]), "moved", f"{duty(*old[:2])} → {duty(*match[:2])}"))
                gone.remove(old)
                new.remove(match)
        change.items += [Change(_day(k[2]), "removed", duty(*k[:2])) for k in gone]
        change.items += [Change(_day(k[2]), "added", duty(*k[:2])) for k in new]
        change.items.sort(key=lambda c: (c.day, ORDER[c.kind], c.text))
        people.append(change)
    return people, int(d["kept"])


def publish_changes(session: Session, rota: Rota, team: Team) -> Changes:
    """The review shown before ``rota`` is published."""
    before = [
        duty_of(a)
        for a in published_assignments(session=session, team_id=rota.team_id, start=rota.start, end=rota.end)
        if a.rota_id != rota.id
    ]
    after = [duty_of(a) for a in rota.assignments]
    return review(session, rota, team, before, after)


def review(session: Session, rota: Rota, team: Team, before: list[Duty], after: list[Duty]) -> Changes:
    """The review of going from ``before`` to ``after`` (the duties of ``rota``): gaps and kept rule breaks
    of ``rota`` first, then per person what changes."""
    people, kept = person_changes(team, before, after)
    names = {p.id: p.display for p in team.people}
    roles = {r: team.roles[r].name or r for r in team.roles}
    duty = duty_labeller(team)
    n_added = sum(p.added for p in people)
    n_removed = sum(p.removed for p in people)
    n_moved = sum(p.moved for p in people)
    gaps = _gaps(rota, team, roles)
    text = {(a.role, a.shift, a.date.isoformat()): duty(a.role, a.shift) for a in rota.assignments}
    return Changes(
        first=not before,
        people=people,
        added=n_added,
        removed=n_removed,
        moved=n_moved,
        kept=kept,
        before=kept + n_removed + n_moved,
        after=kept + n_added + n_moved,
        gaps=gaps,
        core_gaps=sum(1 for g in gaps if g.core),
        breaks=_breaks(session, rota, names, text),
    )


def preview(*, session: Session, rota: Rota) -> Changes:
    """What publishing ``rota`` would change now, against its stored team version."""
    return publish_changes(session, rota, rota_team(session=session, rota=rota))


def unpublished_count(*, session: Session, rota: Rota) -> int:
    """How many changes publishing ``rota`` (a pending change set) makes: duties added, removed and moved."""
    c = preview(session=session, rota=rota)
    return c.added + c.removed + c.moved


def as_json(changes: Changes) -> dict[str, Any]:
    """The review as the API answers it: the same counts, people, gaps and kept rule breaks as the page."""
    return {
        "first": changes.first,
        "counts": {
            "added": changes.added,
            "removed": changes.removed,
            "moved": changes.moved,
            "kept": changes.kept,
            "before": changes.before,
            "after": changes.after,
            "gaps": len(changes.gaps),
            "core_gaps": changes.core_gaps,
            "breaks": len(changes.breaks),
        },
        "people": [
            {
                "person": p.person,
                "name": p.name,
                "added": p.added,
                "removed": p.removed,
                "moved": p.moved,
                "changes": [{"date": c.day.isoformat(), "kind": c.kind, "duty": c.text} for c in p.items],
            }
            for p in changes.people
        ],
        "gaps": [
            {"role": g.role, "date": g.day.isoformat(), "when": g.when, "core": g.core} for g in changes.gaps
        ],
        "breaks": [
            {"name": b.name, "date": b.day.isoformat(), "duty": b.duty, "rules": b.rules, "reason": b.reason}
            for b in changes.breaks
        ],
    }
