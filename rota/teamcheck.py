"""Cross-reference checks of a parsed team: unknown ids, duplicates, windows outside opening hours."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import cast

from rota import timeutil
from rota.team import LEDGER_CATEGORIES, Rules, Team, WeekPattern


@dataclass(frozen=True)
class Problem:
    """One mistake in a team file: the field path and what is wrong."""

    path: str
    message: str

    def line(self, source: str) -> str:
        return f"{source}: {self.path}: {self.message}" if self.path else f"{source}: {self.message}"


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`` (did you mean "early"?)`` when ``word`` is a close misspelling of a known word, else ""."""
    close = difflib.get_close_matches(word, sorted(set(known)), n=1, cutoff=0.75)
    return f' (did you mean "{close[0]}"?)' if close else ""


def check_team(team: Team, *, stored: bool = False) -> list[Problem]:
    """Every cross-reference problem of ``team``, in file order; ``stored``: without the checks added
    since documents were stored (demand on a closed weekday), which bind new input only."""
    return list(_problems(team, stored))


def _problems(team: Team, stored: bool = False) -> Iterator[Problem]:
    roles, shifts = set(team.roles), set(team.shifts)
    ids = [p.id for p in team.people]
    people = set(ids)
    skills = set(team.skills) if team.skills is not None else None

    seen: set[str] = set()
    for i, pid in enumerate(ids):
        if pid in seen:
            yield Problem(f"people[{i}].id", f'"{pid}" is used by two people')
        seen.add(pid)

    def unknown(kind: str, value: str | None, known: set[str], path: str) -> Iterator[Problem]:
        if value is not None and value not in known:
            yield Problem(path, f'unknown {kind} "{value}"{did_you_mean(value, known)}')

    if team.requests is not None:
        for rid in team.requests.max_away:
            yield from unknown("role", rid, roles, f"requests.max_away.{rid}")

    for rid, role in team.roles.items():
        for j, s in enumerate(role.skills):
            if skills is not None:
                yield from unknown("skill", s, skills, f"roles.{rid}.skills[{j}]")
        for j, entry in enumerate(role.demand):
            if entry.time == "core_hours" and team.core_hours is None:
                yield Problem(f"roles.{rid}.demand[{j}].time", "core_hours used but the team has none")
            elif entry.time not in ("opening_hours", "core_hours"):
                # a one-off entry (``dates``) holds only on those dates: check their weekdays' hours
                days = (
                    entry.days
                    if entry.dates is None
                    else sorted({d.weekday() for d in entry.dates} & timeutil.parse_days(entry.days))
                )
                yield from _inside(
                    team.opening_hours,
                    days,
                    timeutil.parse_window(entry.time),
                    f"roles.{rid}.demand[{j}].time",
                    entry.time,
                )
            if not stored:
                yield from _closed_days(team, entry.days, entry.dates, f"roles.{rid}.demand[{j}]")
        for j, contact in enumerate(role.workload.contacts if role.workload is not None else []):
            path = f"roles.{rid}.workload.contacts[{j}]"  # ext (issue 23): as a demand entry's window
            days = (
                contact.days
                if contact.dates is None
                else sorted({d.weekday() for d in contact.dates} & timeutil.parse_days(contact.days))
            )
            yield from _inside(
                team.opening_hours, days, timeutil.parse_window(contact.time), f"{path}.time", contact.time
            )
            if not stored:
                yield from _closed_days(team, contact.days, contact.dates, path)
        for j, sd in enumerate(role.shift_demand):
            yield from unknown("shift", sd.shift, shifts, f"roles.{rid}.shift_demand[{j}].shift")
            if not stored:
                yield from _closed_days(team, sd.days, sd.dates, f"roles.{rid}.shift_demand[{j}]")
            if sd.max is not None and sd.max < sd.min:
                yield Problem(f"roles.{rid}.shift_demand[{j}].max", f"max {sd.max} is below min {sd.min}")

    if team.core_hours is not None:
        for key, value in team.core_hours.root.items():
            for w in value if isinstance(value, list) else [value]:
                yield from _inside(team.opening_hours, key, timeutil.parse_window(w), f"core_hours.{key}", w)

    for sid, shift in team.shifts.items():
        for j, r in enumerate(shift.roles or []):
            yield from unknown("role", r, roles, f"shifts.{sid}.roles[{j}]")

    yield from _rule_refs(team.rules, "rules", roles, shifts)

    for i, p in enumerate(team.people):
        base = f"people[{i}]"
        for j, s in enumerate(p.skills):
            if skills is not None:
                yield from unknown("skill", s, skills, f"{base}.skills[{j}]")
        prefs = p.preferences
        for key in ("prefer_shifts", "avoid_shifts"):
            for j, s in enumerate(getattr(prefs, key)):
                yield from unknown("shift", s, shifts, f"{base}.preferences.{key}[{j}]")
        for j, req in enumerate(prefs.requests):
            yield from unknown("shift", req.shift, shifts, f"{base}.preferences.requests[{j}].shift")
        if p.rules is not None:
            yield from _rule_refs(p.rules, f"{base}.rules", roles, shifts)
        for j, lim in enumerate(p.limits):
            yield from unknown("role", lim.role, roles, f"{base}.limits[{j}].role")
            yield from unknown("shift", lim.shift, shifts, f"{base}.limits[{j}].shift")
        for j, fx in enumerate(p.fixed):
            yield from unknown("role", fx.role, roles, f"{base}.fixed[{j}].role")
            yield from unknown("shift", fx.shift, shifts, f"{base}.fixed[{j}].shift")

    for j, h in enumerate(team.history):
        yield from unknown("person", h.person, people, f"history[{j}].person")
        yield from unknown("role", h.role, roles, f"history[{j}].role")
        yield from unknown("shift", h.shift, shifts, f"history[{j}].shift")
        if team.period is not None and h.date >= team.period.start:
            yield Problem(
                f"history[{j}].date", f"{h.date} is not before the period start {team.period.start}"
            )
    if team.fairness is not None:
        yield from _fairness_refs(team, roles, shifts, people)


def _fairness_refs(team: Team, roles: set[str], shifts: set[str], people: set[str]) -> Iterator[Problem]:
    """The fairness ledger's names (issue 24): its roles, shifts, people and balance categories."""
    spec = team.fairness
    assert spec is not None
    for rid in spec.roles:
        if rid not in roles:
            yield Problem(f"fairness.roles.{rid}", f'unknown role "{rid}"{did_you_mean(rid, roles)}')
    for key in ("night_shifts", "late_shifts"):
        for j, s in enumerate(getattr(spec, key) or ()):
            if s not in shifts:
                yield Problem(f"fairness.{key}[{j}]", f'unknown shift "{s}"{did_you_mean(s, shifts)}')
    if spec.opening is None:
        return
    known = [c for c in LEDGER_CATEGORIES if c in spec.categories] + [f"role:{r}" for r in spec.roles]
    for pid, balances in spec.opening.balances.items():
        if pid not in people:
            yield Problem(
                f"fairness.opening.balances.{pid}", f'unknown person "{pid}"{did_you_mean(pid, people)}'
            )
        for cat in balances:
            if cat not in known:
                yield Problem(
                    f"fairness.opening.balances.{pid}.{cat}",
                    f'"{cat}" is not a category this ledger counts (it counts: {", ".join(known) or "none"})',
                )


def team_warnings(team: Team) -> list[Problem]:
    """What is valid but probably not meant: a shift that never overlaps any demand of the roles it
    serves on any weekday it runs (spec 1.1: it is never offered, so nobody is ever put on it)."""
    week = 7 * 1440
    demand: dict[str, list[tuple[int, int]]] = {}
    for rid, role in team.roles.items():
        spans = []
        for entry in role.all_demand():
            if entry.min <= 0:
                continue
            days = timeutil.parse_days(entry.days)
            if entry.dates is not None:
                days = days & {d.weekday() for d in entry.dates}
            for d in days:
                if entry.time == "opening_hours":
                    windows = list(team.opening_hours.windows(d))
                elif entry.time == "core_hours":
                    windows = list(team.core_hours.windows(d)) if team.core_hours is not None else []
                else:
                    windows = [timeutil.parse_window(entry.time)]
                spans += [(d * 1440 + s, d * 1440 + e) for s, e in windows]
        demand[rid] = [(s + k, e + k) for k in (-week, 0, week) for s, e in spans]  # the week wraps
    per_shift = {sd.shift for role in team.roles.values() for sd in role.shift_demand}
    out = _skill_warnings(team)
    for sid, shift in team.shifts.items():
        if sid in per_shift:
            continue
        s, e = shift.window()
        runs = [
            (d * 1440 + s, d * 1440 + e)
            for d in timeutil.parse_days(shift.days)
            if team.opening_hours.windows(d)
        ]
        if not any(
            a < y and x < b for a, b in runs for r in team.shift_roles(sid) for x, y in demand.get(r, [])
        ):
            hours = ", ".join(
                f"{k}: {v if isinstance(v, str) else ', '.join(v)}"
                for k, v in team.opening_hours.root.items()
            )
            out.append(
                Problem(
                    f"shifts.{sid}",
                    f"never overlaps any demand of "
                    f"{', '.join(team.shift_roles(sid))}, so it is never "
                    f"offered (opening hours: {hours})",
                )
            )
    return out + _people_warnings(team)


def _skill_warnings(team: Team) -> list[Problem]:
    """Without a ``skills:`` list a typo in a skill is no error: a skill some role needs that nobody
    holds, and a skill a person holds that no role needs but that is close to one, are probably typos."""
    if team.skills is not None:
        return []  # every skill is checked against the list (an error)
    needed = {s for role in team.roles.values() for s in role.skills}
    held = {s for p in team.people for s in p.skills}
    out = []
    for rid, role in team.roles.items():
        for j, s in enumerate(role.skills):
            if s not in held and team.people:
                out.append(
                    Problem(
                        f"roles.{rid}.skills[{j}]",
                        f'unknown skill "{s}": nobody holds it, so nobody can take {rid}'
                        f"{did_you_mean(s, held)}",
                    )
                )
    for i, p in enumerate(team.people):
        for j, s in enumerate(p.skills):
            hint = did_you_mean(s, needed)
            if s not in needed and hint:
                out.append(
                    Problem(f"people[{i}].skills[{j}]", f'unknown skill "{s}": no role needs it{hint}')
                )
    return out


def _people_warnings(team: Team) -> list[Problem]:
    """A person who can take no role (no skills, or none a role needs) is never put on the rota."""
    out = []
    for i, p in enumerate(team.people):
        if team.can_take(p, None, None):
            continue
        needs = "; ".join(f"{rid} needs {', '.join(role.skills)}" for rid, role in team.roles.items())
        has = f"holds {', '.join(p.skills)}" if p.skills else "has no skills"
        out.append(
            Problem(f"people[{i}]", f"{p.display} can take no role, so is never on the rota: {has} ({needs})")
        )
    return out


_GROUP_WORDS = ("daily", "weekdays", "weekends")


def _closed_days(team: Team, days: str | list[str], dates: list[date] | None, path: str) -> Iterator[Problem]:
    """Demand on a weekday the service is closed (no opening hours) would silently never apply.

    A weekday named on its own (``sat``, ``mon-sat``) must be open; a word (``daily``, ``weekdays``,
    ``weekends``) means "those of them that are open" and must name at least one open weekday. A
    one-off date (``dates``) must fall on an open weekday."""

    def closed(d: int) -> bool:
        return not team.opening_hours.windows(d)

    def names(ds: Iterable[int]) -> str:
        return ", ".join(timeutil.DAY_NAMES[d] for d in sorted(ds))

    parts = days if isinstance(days, list) else str(days).split(",")
    shut: set[int] = set()
    for part in parts:
        word = str(part).strip().lower()
        wanted = timeutil.parse_days(word)
        if word in _GROUP_WORDS:
            if all(closed(d) for d in wanted):
                shut |= wanted
        else:
            shut |= {d for d in wanted if closed(d)}
    if shut:
        yield Problem(
            f"{path}.days",
            f"demand on {names(shut)}, when the service is closed (opening_hours gives no hours that day)",
        )
        return
    for k, day in enumerate(dates or []):
        if closed(day.weekday()):
            yield Problem(
                f"{path}.dates[{k}]",
                f"demand on {day:%a} {day.day} {day:%b %Y}, when the service "
                f"is closed (opening_hours gives no hours on "
                f"{timeutil.DAY_NAMES[day.weekday()]})",
            )


def _rule_refs(rules: Rules, base: str, roles: set[str], shifts: set[str]) -> Iterator[Problem]:
    for j, lim in enumerate(rules.limits):
        if lim.role is not None and lim.role not in roles:
            yield Problem(
                f"{base}.limits[{j}].role", f'unknown role "{lim.role}"{did_you_mean(lim.role, roles)}'
            )
        if lim.shift is not None and lim.shift not in shifts:
            yield Problem(
                f"{base}.limits[{j}].shift", f'unknown shift "{lim.shift}"{did_you_mean(lim.shift, shifts)}'
            )
    for j, succ in enumerate(rules.forbidden_successions):
        for key in ("first", "then"):
            value = getattr(succ, key)
            if value not in shifts:
                yield Problem(
                    f"{base}.forbidden_successions[{j}].{key}",
                    f'unknown shift "{value}"{did_you_mean(value, shifts)}',
                )


def _inside(
    pattern: WeekPattern, days: str | list[str] | list[int], window: tuple[int, int], path: str, text: str
) -> Iterator[Problem]:
    """A window on each weekday of ``days`` (a day spec, or weekday numbers) must lie inside that
    weekday's opening windows.

    Opening windows that run past midnight from the previous weekday count for the early hours.
    """
    weekdays: Iterable[int] = (
        cast("list[int]", days)
        if isinstance(days, list) and all(isinstance(d, int) for d in days)
        else timeutil.parse_days(days)  # type: ignore[arg-type]
    )
    for d in sorted(weekdays):
        spans = list(pattern.windows(d))
        if not spans:
            continue  # a weekday with no opening hours is closed: the entry has no demand there
        spans += [(s - 1440, e - 1440) for s, e in pattern.windows((d - 1) % 7) if e > 1440]
        spans += [(s + 1440, e + 1440) for s, e in pattern.windows((d + 1) % 7)]
        if not _covered(window, spans):
            name = timeutil.DAY_NAMES[d]
            yield Problem(path, f'"{text}" on {name} lies outside the opening hours')
            return


def _covered(window: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    start, end = window
    for s, e in sorted(spans):
        if s <= start < e:
            start = e
            if start >= end:
                return True
    return start >= end
