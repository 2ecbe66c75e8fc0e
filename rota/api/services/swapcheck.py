"""The rule check of a swap, a give-away or a claim, before anyone is asked: every hard rule of the validator
(``rota.checks``: skills, rest, consecutive days, weekly hours, limits, leave, working days, …) for every
person the change touches, over the whole rota. A change is valid when it adds no rule break; a refusal
names the catalogue rule ids (``rota.catalogue``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from rota.api.errors import Invalid
from rota.calendar import Calendar
from rota.catalogue import title
from rota.checks import Violation, check_duties
from rota.records import Duty


@dataclass(frozen=True)
class Change:
    """Duties taken off and put on: a swap takes two off and puts two on, a give-away or a move one."""

    removed: tuple[Duty, ...]
    added: tuple[Duty, ...]

    @property
    def people(self) -> set[str]:
        return {d.person for d in (*self.removed, *self.added)}


def giveaway(cal: Calendar, duty: Duty, to: str) -> Change:
    """``duty`` handed to ``to``: nothing back."""
    return Change((duty,), (cal.duty(to, duty.role, duty.shift, duty.date),))


def swap(cal: Calendar, mine: Duty, theirs: Duty) -> Change:
    """Two people exchange duties: each takes the other's (role, shift, date)."""
    return Change(
        (mine, theirs),
        (
            cal.duty(theirs.person, mine.role, mine.shift, mine.date),
            cal.duty(mine.person, theirs.role, theirs.shift, theirs.date),
        ),
    )


def claim(cal: Calendar, role: str, shift: str, day: date, person: str, dropped: Duty | None) -> Change:
    """``person`` takes an open shift: a gap (nothing taken off) or a duty someone drops."""
    return Change((dropped,) if dropped else (), (cal.duty(person, role, shift, day),))


def new_breaks(cal: Calendar, duties: Iterable[Duty], change: Change) -> list[Violation]:
    """The rule breaks ``change`` adds to the rota ``duties``, for the people it touches; [] when valid.

    Every rule binds one person, so the duties of the others cannot change the answer and are left out."""
    people = change.people
    mine = [d for d in duties if d.person in people]
    held = {(d.person, d.role, d.shift, d.date) for d in mine}
    off = {(d.person, d.role, d.shift, d.date) for d in change.removed}
    after = [d for d in mine if (d.person, d.role, d.shift, d.date) not in off]
    found: list[Violation] = []
    for d in change.added:
        key = (d.person, d.role, d.shift, d.date)
        if key in held and key not in off:
            found.append(Violation("duplicate_assignment", d.person, d.date, f"{d.person} already holds it"))
        after.append(d)
    before = set(check_duties(cal, mine))
    found += [v for v in check_duties(cal, after) if v not in before and v.person in people]
    return found


def rule_ids(found: Iterable[Violation]) -> list[str]:
    """The distinct rule ids, in the order first met."""
    return list(dict.fromkeys(v.rule for v in found))


def refusal(found: list[Violation], what: str) -> Invalid:
    """The 422 of a change that breaks rules: the message names each rule id and its title, a problem per
    break (path ``rules``, with ``rule``, ``person``, ``date``); nothing is stored and nobody is asked."""
    ids = rule_ids(found)
    named = "; ".join(f"{r} ({title(r)})" for r in ids)
    message = f"{what} would break {named}: refused before anyone was asked"
    problems: list[dict[str, Any]] = [
        {
            "path": "rules",
            "message": f"{v.rule}: {v.message}",
            "rule": v.rule,
            "person": v.person,
            "date": v.date.isoformat() if v.date else None,
        }
        for v in found
    ]
    return Invalid(
        message, "rules", problems=[{"path": "rules", "message": message, "rules": ids}, *problems]
    )


def eligible(
    cal: Calendar, duties: list[Duty], candidates: Iterable[str], make: Any
) -> tuple[list[str], dict[str, list[Violation]]]:
    """(people for whom ``make(person)`` — a Change, or None when there is nothing to offer them — is valid,
    the breaks of each one it is not valid for)."""
    ok: list[str] = []
    refused: dict[str, list[Violation]] = {}
    for pid in candidates:
        change = make(pid)
        if change is None:
            continue
        found = new_breaks(cal, duties, change)
        if found:
            refused[pid] = found
        else:
            ok.append(pid)
    return ok, refused
