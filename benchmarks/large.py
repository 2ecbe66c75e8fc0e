"""Size LARGE: a 50-person, 4-week hospital team shaped like the LARGE demo data set of Timefold's
employee-scheduling quickstart, written as one of our team files.

What the demo has, and how it is said here:

- **Seven locations** (wards), each working a fixed set of 8-hour slots: early 06:00, day 09:00,
  late 14:00 and night 22:00. The locations take, in turn, early + late; early + late + night; all
  four. Here: a shift per slot (``early``, ``day``, ``late``, ``night``), offered at the locations
  that have the slot.
- **Skills**: everyone is a doctor or a nurse and holds one or, less often, two of anaesthetics,
  cardiology and radiology. Each shift of the demo asks for one skill: half the time doctor or
  nurse, otherwise one of the three specialties. Here: a role per location and skill
  (``critical-care-cardiology``), whose only skill is that one.
- **Demand**: every slot of every location on every date has one, two or three shifts (chances
  0.5 / 0.3 / 0.2), each with its own skill. Here: dated demand windows (``roles.*.demand`` with
  ``dates``); where two slots of a location overlap (early and day, day and late) their people add
  up in the window, since our demand is people needed at each moment.
- **Dates people care about**: each date, 5, 10, 15 or 20 people (chances 4 : 3 : 2 : 1) have one,
  at random one of: unavailable (here: ``unavailable``), undesired (a request for the date off) or
  desired (a request to work it).
- **Rules**: at least 10 hours between two shifts, one shift a date and no overlaps; the demo has
  no cap on consecutive days or weekly hours, so both are switched off (``null``), and no contract
  hours. Every shift of the demo must be staffed: here that is a rota without gaps.

The draws are our own (Python's ``random``, seeded), so the team is like the demo's in its shape and
its proportions, not a copy of its dates. The same seed gives the same document; seed 0 is the file
shipped as ``data/benchmarks/large-50.yaml``.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from typing import Any

NAME = "LARGE"
PEOPLE, DAYS = 50, 28
START = date(2026, 6, 1)  # a Monday; four weeks without a clock change, so every shift is 8 hours
LOCATIONS = (
    ("ambulatory-care", "Ambulatory care"),
    ("neurology", "Neurology"),
    ("critical-care", "Critical care"),
    ("pediatric-care", "Pediatric care"),
    ("surgery", "Surgery"),
    ("radiology", "Radiology"),
    ("outpatient", "Outpatient"),
)
BASE_SKILLS = ("doctor", "nurse")
SPECIALTIES = ("anaesthetics", "cardiology", "radiology")
SKILL_NAMES = {
    "doctor": "Doctor",
    "nurse": "Nurse",
    "anaesthetics": "Anaesthetics",
    "cardiology": "Cardiology",
    "radiology": "Radiology",
}
# slot → (start minute of the date, shift template); each slot lasts 8 hours
SLOTS = {"early": 360, "day": 540, "late": 840, "night": 1320}
SLOT_LENGTH = 480
SLOT_PATTERNS = (("early", "late"), ("early", "late", "night"), ("early", "day", "late", "night"))
SHIFTS_PER_SLOT = ((1, 0.5), (2, 0.3), (3, 0.2))  # (count, chance)
SPECIALTIES_PER_PERSON = ((1, 3), (2, 1))  # (count, weight)
WISHES_PER_DATE = ((5, 4), (10, 3), (15, 2), (20, 1))  # (people, weight)
REQUEST_WEIGHT = 5
FIRST = (
    "ada", "bram", "cleo", "dara", "emil", "frida", "gil", "hedda", "idris", "juno",
    "kasia", "leif", "mila", "nico", "olu", "pia", "rafe", "sana", "theo", "una",
)  # fmt: skip
LAST = (
    "abbott", "baker", "carter", "dunn", "ellis", "flynn", "grant", "hayes", "irwin", "james",
    "kemp", "lang", "moore", "noble", "oakes", "page", "quinn", "rhodes", "stone", "todd",
)  # fmt: skip


def large_document(seed: int = 0) -> dict[str, Any]:
    """The LARGE team document for ``seed``: the same seed gives the same document."""
    rng = random.Random(f"rota-benchmark/LARGE/{seed}")
    dates = [START + timedelta(days=i) for i in range(DAYS)]
    patterns = {loc: SLOT_PATTERNS[i % len(SLOT_PATTERNS)] for i, (loc, _) in enumerate(LOCATIONS)}
    people = _people(rng)
    _wishes(rng, people, dates)
    # (location, skill) → date → slot → people wanted
    wanted: dict[tuple[str, str], dict[date, dict[str, int]]] = {}
    for day in dates:
        for loc, _ in LOCATIONS:
            for slot in patterns[loc]:
                for _ in range(_weighted(rng, SHIFTS_PER_SLOT)):
                    skill = rng.choice(BASE_SKILLS if rng.random() < 0.5 else SPECIALTIES)
                    per_date = wanted.setdefault((loc, skill), {}).setdefault(day, {})
                    per_date[slot] = per_date.get(slot, 0) + 1
    locations = dict(LOCATIONS)
    roles: dict[str, Any] = {}
    for loc, skill in sorted(wanted, key=_role_order):
        roles[f"{loc}-{skill}"] = {
            "name": f"{SKILL_NAMES[skill]}, {locations[loc]}",
            "skills": [skill],
            "demand": _demand(wanted[(loc, skill)]),
        }
    shifts: dict[str, Any] = {}
    for slot, start in SLOTS.items():
        serving = [r for r in roles if slot in patterns[_location(r)]]
        shifts[slot] = {"start": _clock(start), "end": _clock(start + SLOT_LENGTH), "roles": serving}
    return {
        "team": "LARGE hospital (after Timefold's employee-scheduling demo)",
        "timezone": "Europe/London",
        "period": {"start": dates[0].isoformat(), "end": dates[-1].isoformat()},
        "opening_hours": {"daily": "00:00-24:00"},
        "skills": [*BASE_SKILLS, *SPECIALTIES],
        "roles": roles,
        "shifts": shifts,
        "rules": {"min_rest_hours": 10, "max_consecutive_days": None, "max_hours_per_week": None},
        "people": people,
    }


def _people(rng: random.Random) -> list[dict[str, Any]]:
    """Fifty people with distinct names: a doctor or a nurse, with one or two specialties."""
    names = rng.sample([(f, s) for f in FIRST for s in LAST], PEOPLE)
    people = []
    for first, last in names:
        base = rng.choice(BASE_SKILLS)
        extra = rng.sample(SPECIALTIES, _weighted(rng, SPECIALTIES_PER_PERSON))
        people.append(
            {
                "id": f"{first}-{last}",
                "name": f"{first.title()} {last.title()}",
                "department": SKILL_NAMES[base] + "s",
                "skills": [base, *sorted(extra)],
            }
        )
    return people


def _wishes(rng: random.Random, people: list[dict[str, Any]], dates: list[date]) -> None:
    """Each date, a few people are away, would rather be off, or would like to work (in place)."""
    for day in dates:
        for person in rng.sample(people, _weighted(rng, WISHES_PER_DATE)):
            kind = rng.randrange(3)
            if kind == 0:
                away = {"date": day.isoformat(), "reason": "unavailable"}
                person.setdefault("unavailable", []).append(away)
            else:
                want = "off" if kind == 1 else "on"
                requests = person.setdefault("preferences", {}).setdefault("requests", [])
                requests.append({"date": day.isoformat(), "want": want, "weight": REQUEST_WEIGHT})


def _demand(by_date: dict[date, dict[str, int]]) -> list[dict[str, Any]]:
    """Demand entries for one role: each date's slots as windows of people needed (overlapping
    slots add up), entries with the same window and headcount sharing one list of dates."""
    grouped: dict[tuple[str, int], list[str]] = {}
    for day in sorted(by_date):
        for start, end, need in _steps(by_date[day]):
            grouped.setdefault((f"{_clock(start)}-{_clock(end)}", need), []).append(day.isoformat())
    entries = [{"dates": days, "time": time, "min": need} for (time, need), days in grouped.items()]
    return sorted(entries, key=lambda e: (e["time"], e["min"], e["dates"]))


def _steps(slots: dict[str, int]) -> list[tuple[int, int, int]]:
    """(start, end, people) pieces of a date, in minutes from its midnight: the sum of the slots on
    at each moment, equal neighbours merged, nothing where no one is needed."""
    cuts = sorted({m for s in slots for m in (SLOTS[s], SLOTS[s] + SLOT_LENGTH)})
    pieces: list[tuple[int, int, int]] = []
    for a, b in itertools.pairwise(cuts):
        need = sum(n for s, n in slots.items() if SLOTS[s] <= a and b <= SLOTS[s] + SLOT_LENGTH)
        if need and pieces and pieces[-1][1] == a and pieces[-1][2] == need:
            pieces[-1] = (pieces[-1][0], b, need)
        elif need:
            pieces.append((a, b, need))
    return pieces


def _weighted(rng: random.Random, choices: tuple[tuple[int, float], ...]) -> int:
    """A count drawn from (count, weight) pairs."""
    counts, weights = zip(*choices, strict=True)
    return rng.choices(counts, weights=weights)[0]


def _clock(minute: int) -> str:
    """A minute of the date (past midnight: of the next) as ``HH:MM``."""
    minute %= 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _location(role: str) -> str:
    return next(loc for loc, _ in LOCATIONS if role.startswith(loc + "-"))


def _role_order(key: tuple[str, str]) -> tuple[int, int]:
    """Roles in the order of the locations, then of the skills."""
    loc, skill = key
    order = [loc for loc, _ in LOCATIONS]
    return order.index(loc), [*BASE_SKILLS, *SPECIALTIES].index(skill)
