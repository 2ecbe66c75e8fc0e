"""Import the Curtois & Qu shift-scheduling benchmark (instances 1-24) into our team format.

The instance text format has sections (``SECTION_HORIZON``, ``SECTION_SHIFTS``, ``SECTION_STAFF``,
``SECTION_DAYS_OFF``, ``SECTION_SHIFT_ON_REQUESTS``, ``SECTION_SHIFT_OFF_REQUESTS``,
``SECTION_COVER``) of comma-separated lines; ``#`` starts a comment. ``parse_instance`` reads it
into a ``CurtoisInstance``; ``to_team`` writes the team document (a dict for ``rota.load.parse_team``)
whose objective, under ``rota.objective``, equals the benchmark objective. The mapping is described
in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

START = date(2024, 1, 1)  # a Monday: day 0 of every instance
ROLE = "nurse"
SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)


class InstanceError(ValueError):
    """An instance file that cannot be read: the message names the file and line."""


@dataclass(frozen=True)
class ShiftType:
    id: str
    minutes: int
    cannot_follow: tuple[str, ...]  # shift types that may not be worked the day after this one


@dataclass(frozen=True)
class Staff:
    id: str
    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_consecutive_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass
class CurtoisInstance:
    name: str
    horizon: int
    shifts: dict[str, ShiftType]
    staff: dict[str, Staff]
    days_off: dict[str, list[int]] = field(default_factory=dict)
    on_requests: list[Request] = field(default_factory=list)
    off_requests: list[Request] = field(default_factory=list)
    cover: list[Cover] = field(default_factory=list)

    def date(self, day: int) -> date:
        return START + timedelta(days=day)

    def day(self, when: date) -> int:
        return (when - START).days

    @property
    def staff_ids(self) -> dict[str, str]:
        """Benchmark staff id → our person id (lower case, valid and unique)."""
        return _ids(self.staff)

    @property
    def shift_ids(self) -> dict[str, str]:
        """Benchmark shift id → our shift id."""
        return _ids(self.shifts)


def _ids(names) -> dict[str, str]:
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.sub(r"[^a-z0-9_-]", "-", name.lower())
        if not re.match(r"[a-z0-9]", base):
            base = "x" + base
        ident, n = base, 1
        while ident in used:
            n += 1
            ident = f"{base}-{n}"
        used.add(ident)
        out[name] = ident
    return out


def read_instance(path: str | Path) -> CurtoisInstance:
    """Parse an ``InstanceN.txt`` file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InstanceError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    return parse_instance(text, path.stem)


def parse_instance(text: str, name: str = "instance") -> CurtoisInstance:
    """Parse the text of an instance (CRLF or LF lines)."""
    rows: dict[str, list[tuple[int, list[str]]]] = defaultdict(list)
    section = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise InstanceError(f"{name}: line {number}: unknown section {line}")
            section = line
            continue
        if section is None:
            raise InstanceError(f"{name}: line {number}: data before the first section")
        rows[section].append((number, [part.strip() for part in line.split(",")]))

    def fail(number: int, message: str) -> InstanceError:
        return InstanceError(f"{name}: line {number}: {message}")

    def integer(number: int, value: str, what: str) -> int:
        try:
            return int(value)
        except ValueError:
            raise fail(number, f"{what} {value!r} is not an integer") from None

    def need(number: int, parts: list[str], count: int, what: str) -> None:
        if len(parts) < count:
            raise fail(number, f"{what} needs {count} fields, got {len(parts)}")

    horizon_rows = rows.get("SECTION_HORIZON", [])
    if len(horizon_rows) != 1:
        raise InstanceError(f"{name}: SECTION_HORIZON must hold one number")
    number, parts = horizon_rows[0]
    horizon = integer(number, parts[0], "horizon")
    if horizon < 1:
        raise fail(number, "the horizon must be at least one day")

    shifts: dict[str, ShiftType] = {}
    for number, parts in rows.get("SECTION_SHIFTS", []):
        need(number, parts, 2, "a shift")
        follow = tuple(s for s in (parts[2].split("|") if len(parts) > 2 else []) if s)
        minutes = integer(number, parts[1], "shift length")
        if not 0 < minutes <= 1440:
            raise fail(number, f"shift length {minutes} is not within 1..1440 minutes")
        shifts[parts[0]] = ShiftType(parts[0], minutes, follow)
    if not shifts:
        raise InstanceError(f"{name}: no shifts")
    for number, parts in rows.get("SECTION_SHIFTS", []):
        for s in shifts[parts[0]].cannot_follow:
            if s not in shifts:
                raise fail(number, f"unknown shift {s!r}")

    def shift(number: int, value: str) -> str:
        if value not in shifts:
            raise fail(number, f"unknown shift {value!r}")
        return value

    staff: dict[str, Staff] = {}
    for number, parts in rows.get("SECTION_STAFF", []):
        need(number, parts, 8, "a staff line")
        max_shifts = {}
        for item in (p for p in parts[1].split("|") if p):
            key, _, value = item.partition("=")
            max_shifts[shift(number, key)] = integer(number, value, "max shifts")
        values = [integer(number, v, "staff value") for v in parts[2:8]]
        staff[parts[0]] = Staff(parts[0], max_shifts, *values)

    def employee(number: int, value: str) -> str:
        if value not in staff:
            raise fail(number, f"unknown employee {value!r}")
        return value

    def day(number: int, value: str) -> int:
        d = integer(number, value, "day")
        if not 0 <= d < horizon:
            raise fail(number, f"day {d} is outside the horizon 0..{horizon - 1}")
        return d

    days_off: dict[str, list[int]] = {}
    for number, parts in rows.get("SECTION_DAYS_OFF", []):
        who = employee(number, parts[0])
        days_off.setdefault(who, []).extend(day(number, v) for v in parts[1:] if v)

    def requests(section: str) -> list[Request]:
        out = []
        for number, parts in rows.get(section, []):
            need(number, parts, 4, "a request")
            out.append(
                Request(
                    employee(number, parts[0]),
                    day(number, parts[1]),
                    shift(number, parts[2]),
                    integer(number, parts[3], "weight"),
                )
            )
        return out

    cover = []
    for number, parts in rows.get("SECTION_COVER", []):
        need(number, parts, 5, "a cover line")
        cover.append(
            Cover(
                day(number, parts[0]),
                shift(number, parts[1]),
                *(integer(number, v, "cover value") for v in parts[2:5]),
            )
        )

    return CurtoisInstance(
        name,
        horizon,
        shifts,
        staff,
        days_off,
        requests("SECTION_SHIFT_ON_REQUESTS"),
        requests("SECTION_SHIFT_OFF_REQUESTS"),
        cover,
    )


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _hours(minutes: int) -> int | float:
    return minutes // 60 if minutes % 60 == 0 else minutes / 60


def to_team(inst: CurtoisInstance) -> dict[str, Any]:
    """The team document of an instance: its objective under our weights is the benchmark objective.

    Shifts start at 00:00 and last their length (the benchmark gives lengths only), so no two
    shifts overlap across dates and rest is not a rule (``min_rest_hours: 0``). Per-type maxima
    that are at least the horizon cannot bind (one shift a day) and are left out.
    """
    sid, pid = inst.shift_ids, inst.staff_ids
    iso = lambda day: inst.date(day).isoformat()  # noqa: E731

    successions = [
        {"first": sid[s.id], "then": sid[t]} for s in inst.shifts.values() for t in s.cannot_follow
    ]

    requests: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for want, reqs in (("on", inst.on_requests), ("off", inst.off_requests)):
        for r in reqs:
            requests[r.employee].append(
                {"date": iso(r.day), "shift": sid[r.shift], "want": want, "weight": r.weight}
            )

    people = []
    for s in inst.staff.values():
        rules: dict[str, Any] = {
            "max_consecutive_days": s.max_consecutive if s.max_consecutive > 0 else None,
            "min_consecutive_days": s.min_consecutive if s.min_consecutive > 1 else None,
            "min_consecutive_days_off": s.min_consecutive_off if s.min_consecutive_off > 1 else None,
            "max_weekends": {"max": s.max_weekends, "per": "period"},
            "min_hours_per_period": _hours(s.min_minutes),
            "max_hours_per_period": _hours(s.max_minutes),
        }
        limits = [
            {"shift": sid[k], "max": n, "per": "period"} for k, n in s.max_shifts.items() if n < inst.horizon
        ]
        person: dict[str, Any] = {"id": pid[s.id], "name": s.id, "rules": rules}
        if limits:
            person["limits"] = limits
        off = sorted(set(inst.days_off.get(s.id, [])))
        if off:
            person["unavailable"] = [{"date": iso(d), "reason": "day off"} for d in off]
        if requests[s.id]:
            person["preferences"] = {"requests": requests[s.id]}
        people.append(person)

    # One shift_demand entry per (shift, requirement, weights), listing its dates: compact and exact.
    groups: dict[tuple[str, int, int, int], list[int]] = defaultdict(list)
    for c in inst.cover:
        groups[(c.shift, c.requirement, c.weight_under, c.weight_over)].append(c.day)
    demand = [
        {
            "shift": sid[shift],
            "dates": [iso(d) for d in sorted(days)],
            "min": req,
            "max": req,
            "weight_under": under,
            "weight_over": over,
        }
        for (shift, req, under, over), days in groups.items()
    ]

    return {
        "team": f"Curtois & Qu {inst.name}",
        "timezone": "UTC",
        "period": {"start": iso(0), "end": iso(inst.horizon - 1)},
        "opening_hours": {"daily": "00:00-24:00"},
        "roles": {ROLE: {"name": "Nurse", "shift_demand": demand}},
        "shifts": {
            sid[s.id]: {"name": s.id, "start": "00:00", "end": _clock(s.minutes)}
            for s in inst.shifts.values()
        },
        "rules": {
            "min_rest_hours": 0,
            "max_consecutive_days": None,
            "max_hours_per_week": None,
            "forbidden_successions": successions,
        },
        "people": people,
        "weights": {"fairness": 0, "contract": 0, "over_cover": 0, "preferences": 1, "shift_cover": 1},
    }


def roster_rows(inst: CurtoisInstance, duties) -> list[tuple[str, int, str]]:
    """``(employee, day, shift)`` rows in benchmark ids of duties in our ids, sorted."""
    staff = {v: k for k, v in inst.staff_ids.items()}
    shifts = {v: k for k, v in inst.shift_ids.items()}
    return sorted((staff[d.person], inst.day(d.date), shifts[d.shift]) for d in duties)


def write_roster(path: str | Path, rows) -> None:
    """Write a roster CSV (``employee,day,shift``)."""
    lines = ["employee,day,shift", *(f"{e},{d},{s}" for e, d, s in rows)]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
