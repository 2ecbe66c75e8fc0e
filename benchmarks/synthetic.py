"""Reproducible synthetic teams for the benchmark: sizes S, M, L and XL, feasible with zero gaps,
and H, a hospital of narrow roles with fixed shift slots (``hospital_document``, at the end); LARGE,
a hospital after Timefold's employee-scheduling demo, is made by ``benchmarks.large``.

A team is a service desk open weekdays 08:00-18:00 and Saturday mornings (core hours 09:00-17:00,
GB/ENG holidays), with some of: desk analysts, second-line engineers, application support, field
engineers, and a Service-Manager-on-Duty pool drawn from other departments (at most two duties a
week, some one). People have contracts, part-time days, leave, training and preferences.
Each role's demand is sized from the availability of the people whose home it is (at most 85 % of
the fewest available on any open date), so a gapless rota always exists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from benchmarks import large
from rota.calendar import Calendar
from rota.load import parse_team
from rota.team import Team

START = date(2026, 3, 2)  # a Monday; four weeks cross the spring clock change, 13 take in Easter
UTILISATION = 0.85


@dataclass(frozen=True)
class SizeSpec:
    """A benchmark size: how many people in each role's home group, over how many weeks."""

    name: str
    groups: tuple[tuple[str, int], ...]
    weeks: int

    @property
    def people(self) -> int:
        """How many people the size has."""
        return sum(n for _, n in self.groups)


SIZES: dict[str, SizeSpec] = {
    "S": SizeSpec("S", (("desk", 10),), 4),
    "M": SizeSpec("M", (("desk", 24), ("second-line", 8), ("smod", 8)), 4),
    "L": SizeSpec("L", (("desk", 60), ("second-line", 22), ("smod", 18)), 13),
    "XL": SizeSpec("XL", (("desk", 140), ("second-line", 50), ("apps", 50), ("field", 36), ("smod", 24)), 13),
}

ROLE_NAMES = {
    "desk": "Service desk analyst",
    "second-line": "Second-line engineer",
    "apps": "Application support analyst",
    "field": "Field engineer",
    "smod": "Service Manager on Duty",
}
HOME_SKILLS = {
    "desk": ["first-line"],
    "second-line": ["first-line", "second-line"],
    "apps": ["apps"],
    "field": ["field"],
    "smod": ["smod"],
}
ROLE_SKILL = {
    "desk": "first-line",
    "second-line": "second-line",
    "apps": "apps",
    "field": "field",
    "smod": "smod",
}
DESK_SHIFTS = {"early": ("08:00", "16:00"), "mid": ("09:00", "17:00"), "late": ("10:00", "18:00")}
FIELD_SHIFTS = {"field-early": ("08:00", "16:30"), "field-late": ("09:30", "18:00")}
SMOD_SHIFTS = {"smod-am": ("08:00", "13:00"), "smod-pm": ("13:00", "18:00")}
CONTRACTS = (
    (37.5, "daily", 0.45),
    (37.5, "weekdays", 0.3),
    (30.0, "mon-thu", 0.13),
    (22.5, "mon,wed,fri", 0.12),
)
FIRST = (
    "amara",
    "ben",
    "chloe",
    "dev",
    "ewa",
    "finn",
    "grace",
    "hamid",
    "isla",
    "jon",
    "kofi",
    "lena",
    "marek",
    "nadia",
    "owen",
    "priya",
    "quinn",
    "rosa",
    "sami",
    "tess",
    "umar",
    "vera",
    "wes",
    "xena",
    "yusuf",
    "zoe",
    "aled",
    "bea",
    "cai",
    "dina",
    "eli",
    "fay",
    "gus",
    "hana",
    "ivo",
    "jas",
)
LAST = (
    "adams",
    "bello",
    "costa",
    "doyle",
    "evans",
    "fox",
    "gill",
    "hart",
    "ito",
    "jones",
    "khan",
    "lowe",
    "moss",
    "nash",
    "okoro",
    "price",
    "quist",
    "reid",
    "shah",
    "tran",
    "usman",
    "vance",
    "ward",
    "young",
    "zhou",
)
DEPARTMENTS = (
    "Infrastructure",
    "Applications",
    "Security",
    "Networks",
    "Finance IT",
    "Data",
    "HR Systems",
    "Facilities",
)


def synthetic_team(size: str, seed: int = 0) -> Team:
    """The checked ``Team`` of a size (``S``, ``M``, ``L``, ``XL``, ``H``, ``LARGE``) for a seed."""
    return parse_team(synthetic_document(size, seed), f"synthetic-{size}")


def synthetic_document(size: str, seed: int = 0) -> dict[str, Any]:
    """The team document of a size for a seed: the same inputs give the same document."""
    if size == HOSPITAL.name:
        return hospital_document(seed)
    if size == large.NAME:
        return large.large_document(seed)
    if size not in SIZES:
        raise ValueError(f'unknown size "{size}" (known: {", ".join(size_names())})')
    spec = SIZES[size]
    rng = random.Random(f"rota-synthetic/{size}/{seed}")
    end = START + timedelta(days=7 * spec.weeks - 1)
    roles = [r for r, _ in spec.groups]
    people: list[dict[str, Any]] = []
    home: dict[str, list[str]] = {}
    for role, count in spec.groups:
        home[role] = []
        for _ in range(count):
            person = _person(rng, len(people), role, roles, START, end)
            people.append(person)
            home[role].append(person["id"])
    doc: dict[str, Any] = {
        "team": f"Synthetic {size} service desk",
        "timezone": "Europe/London",
        "period": {"start": START.isoformat(), "end": end.isoformat()},
        "holidays": {"country": "GB", "subdivision": "ENG"},
        "opening_hours": {"weekdays": "08:00-18:00", "sat": "09:00-13:00"},
        "core_hours": {"weekdays": "09:00-17:00"},
        "skills": sorted({s for r in roles for s in HOME_SKILLS[r]}),
        "roles": {r: {"name": ROLE_NAMES[r], "skills": [ROLE_SKILL[r]], "demand": []} for r in roles},
        "shifts": _shifts(roles),
        "rules": {"min_rest_hours": 11, "max_consecutive_days": 6, "max_hours_per_week": 48},
        "people": people,
    }
    if "smod" in roles:
        pool = dict(spec.groups)["smod"]  # a big pool shares the duty more thinly
        doc["rules"]["limits"] = [{"role": "smod", "max": 2 if pool < 12 else 1, "per": "week"}]
    cal = Calendar(parse_team(doc, f"synthetic-{size}"))
    for role in roles:
        doc["roles"][role]["demand"] = _demand(cal, role, home[role])
    return doc


def _shifts(roles: list[str]) -> dict[str, Any]:
    """Shift templates for the roles present: staggered counter shifts, Saturday, field and SMoD."""
    shifts: dict[str, Any] = {}
    counter = [r for r in roles if r in ("desk", "second-line", "apps")]
    if counter:
        for sid, (a, b) in DESK_SHIFTS.items():
            shifts[sid] = {"start": a, "end": b, "days": "weekdays", "roles": counter}
    if "desk" in roles:
        shifts["sat"] = {"start": "09:00", "end": "13:00", "days": "sat", "roles": ["desk"]}
    for role, table in (("field", FIELD_SHIFTS), ("smod", SMOD_SHIFTS)):
        if role in roles:
            for sid, (a, b) in table.items():
                shifts[sid] = {"start": a, "end": b, "days": "weekdays", "roles": [role]}
    return shifts


def _person(
    rng: random.Random, index: int, role: str, roles: list[str], start: date, end: date
) -> dict[str, Any]:
    """One person whose home is ``role``: contract, skills overlap, leave and wishes drawn from rng."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    person: dict[str, Any] = {
        "id": f"{first}-{index:03d}",
        "name": f"{first.title()} {last.title()}",
        "skills": list(HOME_SKILLS[role]),
    }
    if role == "smod":  # the SMoD pool: duty on top of a day job elsewhere, so no contract here
        person["department"] = rng.choice(DEPARTMENTS)
        person["days"] = "weekdays"
        if rng.random() < 0.25:
            person["limits"] = [{"role": "smod", "max": 1, "per": "week"}]
        if rng.random() < 0.2:
            person["preferences"] = {"avoid_shifts": [rng.choice(list(SMOD_SHIFTS))]}
    else:
        person["department"] = "Service Desk" if role in ("desk", "second-line") else ROLE_NAMES[role]
        hours, days = _contract(rng)
        person["hours_per_week"] = hours
        person["days"] = days
        if role == "second-line" and "smod" in roles and rng.random() < 0.2:
            person["skills"].append("smod")
        if role == "desk" and "apps" in roles and rng.random() < 0.1:
            person["skills"].append("apps")
        person["preferences"] = _preferences(rng, role, start, end)
    person["unavailable"] = _leave(rng, start, end)
    return person


def _contract(
    rng: random.Random, contracts: tuple[tuple[float, str, float], ...] = CONTRACTS
) -> tuple[float, str]:
    """Contracted hours and working days, drawn by the shares in ``contracts`` (hours, days, share)."""
    x = rng.random()
    for hours, days, share in contracts:
        if x < share:
            return hours, days
        x -= share
    return contracts[0][0], contracts[0][1]


def _preferences(rng: random.Random, role: str, start: date, end: date) -> dict[str, Any]:
    """Preferred or avoided shifts, an avoided weekday and a few dated requests."""
    shifts = list(FIELD_SHIFTS if role == "field" else DESK_SHIFTS)
    prefs: dict[str, Any] = {}
    if rng.random() < 0.3:
        prefs["prefer_shifts"] = [rng.choice(shifts)]
    elif rng.random() < 0.15:
        prefs["avoid_shifts"] = [rng.choice(shifts)]
    if rng.random() < 0.1:
        prefs["avoid_days"] = "fri"
    requests = []
    for _ in range(rng.choice((0, 0, 1, 2))):
        day = _random_weekday(rng, start, end)
        requests.append({"date": day.isoformat(), "want": "off", "weight": rng.choice((1, 2, 3))})
    if rng.random() < 0.1:
        day = _random_weekday(rng, start, end)
        if all(r["date"] != day.isoformat() for r in requests):
            requests.append({"date": day.isoformat(), "shift": rng.choice(shifts), "want": "on"})
    if requests:
        prefs["requests"] = requests
    return prefs


def _leave(rng: random.Random, start: date, end: date) -> list[dict[str, Any]]:
    """Annual leave blocks (more over longer horizons), odd days off and a half day of training."""
    weeks = ((end - start).days + 1) // 7
    spans: list[dict[str, Any]] = []
    for _ in range(max(1, weeks // 6)):
        if rng.random() < 0.5:
            first = _random_weekday(rng, start, end)
            last = min(end, first + timedelta(days=rng.choice((2, 4, 4, 6))))
            spans.append({"from": first.isoformat(), "to": last.isoformat(), "reason": "annual leave"})
    if rng.random() < 0.2:
        spans.append({"date": _random_weekday(rng, start, end).isoformat(), "reason": "appointment"})
    if rng.random() < 0.1:
        day = _random_weekday(rng, start, end).isoformat()
        spans.append({"from": f"{day}T12:00", "to": f"{day}T17:00", "reason": "training"})
    return spans


def _random_weekday(rng: random.Random, start: date, end: date) -> date:
    """A Monday-to-Friday date of the horizon."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return rng.choice([d for d in days if d.weekday() < 5])


def _available(cal: Calendar, people: list[str], day: date, window: tuple[int, int]) -> int:
    """How many of ``people`` work on ``day`` and are free over the whole local ``window``."""
    start, end = cal.window(day, *window)
    return sum(
        1
        for p in people
        if cal.works_on(p, day) and not any(s < end and start < e for s, e, _ in cal.unavailable(p))
    )


def _demand(cal: Calendar, role: str, people: list[str]) -> list[dict[str, Any]]:
    """Demand entries for a role, sized so its home people alone can cover every open date."""
    weekdays = [d for d in cal.open_dates if d.weekday() < 5]
    cap = min(_available(cal, people, d, (480, 1080)) for d in weekdays)
    if role == "smod":  # one SMoD all day: two half-day duties a date from a pool of limited people
        return [{"days": "weekdays", "time": "08:00-18:00", "min": 1}]
    total = max(2, int(cap * UTILISATION))
    if role == "field":
        early = (total + 1) // 2
        late = total - early
        return [
            {"days": "weekdays", "time": "08:00-09:30", "min": early},
            {"days": "weekdays", "time": "09:30-16:30", "min": total},
            {"days": "weekdays", "time": "16:30-18:00", "min": late},
        ]
    edge = max(1, round(total * 0.35))
    mid = max(0, total - 2 * edge)
    demand = [
        {"days": "weekdays", "time": "08:00-09:00", "min": edge},
        {"days": "weekdays", "time": "09:00-10:00", "min": edge + mid},
        {"days": "weekdays", "time": "10:00-16:00", "min": 2 * edge + mid},
        {"days": "weekdays", "time": "16:00-17:00", "min": edge + mid},
        {"days": "weekdays", "time": "17:00-18:00", "min": edge},
    ]
    if role == "desk":
        saturdays = [d for d in cal.open_dates if d.weekday() == 5]
        if saturdays:
            sat_cap = min(_available(cal, people, d, (540, 780)) for d in saturdays)
            demand.append({"days": "sat", "time": "09:00-13:00", "min": max(1, int(sat_cap * 0.3))})
    return demand


# --- Size H: a hospital-like team of narrow roles with fixed shift slots ------------------------


@dataclass(frozen=True)
class HospitalSpec:
    """Size H: people with a grade and a few locations; a role per location × grade (1-3 skills);
    per-shift demand (``roles.*.shift_demand``) in fixed slots, every day of the week."""

    name: str
    people: int
    weeks: int


HOSPITAL = HospitalSpec("H", 50, 4)
LOCATIONS = (
    "icu",
    "ed",
    "theatres",
    "recovery",
    "ward-a",
    "ward-b",
    "ward-c",
    "ward-d",
    "ward-e",
    "maternity",
)
HOSPITAL_SHIFTS = {
    "early": ("07:00", "15:00"),
    "late": ("14:00", "22:00"),
    "night": ("21:30", "07:30"),
    "day": ("08:00", "18:00"),
}
# grade → (share of the staff, contract choices (hours, days, share))
GRADES = (("senior", 0.24), ("rn", 0.5), ("hca", 0.26))
HOSPITAL_CONTRACTS = (
    (37.5, "daily", 0.55),
    (30.0, "daily", 0.2),
    (22.5, "daily", 0.15),
    (30.0, "weekdays", 0.1),
)


def size_names() -> list[str]:
    """Every benchmark size: the service-desk sizes, then H and LARGE (``benchmarks.large``)."""
    return [*SIZES, HOSPITAL.name, large.NAME]


def size_shape(size: str) -> tuple[int, int]:
    """(people, weeks) of a size."""
    if size == HOSPITAL.name:
        return HOSPITAL.people, HOSPITAL.weeks
    if size == large.NAME:
        return large.PEOPLE, large.DAYS // 7
    spec = SIZES[size]
    return spec.people, spec.weeks


def hospital_document(seed: int = 0) -> dict[str, Any]:
    """Size H's team document for a seed.

    Ten locations; each person holds a grade (senior nurse, nurse, healthcare assistant) and is
    trained for two or three locations. Roles: ``LOC-rn`` (skills LOC and rn: a senior nurse has rn
    too), ``LOC-senior`` (LOC, rn, senior) and ``LOC-hca`` (hca alone: assistants float), 30 in all.
    Each role wants one person on its fixed shifts (``min: 1, max: 1``): a nurse on the early shift
    every day (and nights in ICU), a senior on the 10-hour ``day`` shift on weekdays in ICU and ED
    and Mondays and Thursdays elsewhere, an assistant on earlies on weekdays or Mon/Wed/Fri. That
    asks for about 80 % of the contracted hours of the grades able to cover it."""
    spec = HOSPITAL
    rng = random.Random(f"rota-synthetic/H/{seed}")
    end = START + timedelta(days=7 * spec.weeks - 1)
    people: list[dict[str, Any]] = []
    counts = [round(spec.people * share) for _, share in GRADES]
    counts[-1] = spec.people - sum(counts[:-1])
    for (grade, _), count in zip(GRADES, counts, strict=True):
        for k in range(count):
            index = len(people)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            home = LOCATIONS[(k * 3) % len(LOCATIONS)]  # spread homes over the locations
            second = LOCATIONS[(k * 3 + 5) % len(LOCATIONS)]  # every location has two grades' homes
            rest = [loc for loc in LOCATIONS if loc not in (home, second)]
            others = [second, *rng.sample(rest, rng.choice((0, 1)))]
            skills = {"senior": ["rn", "senior"], "rn": ["rn"], "hca": ["hca"]}[grade]
            hours, days = _contract(rng, HOSPITAL_CONTRACTS)
            person: dict[str, Any] = {
                "id": f"{first}-{index:03d}",
                "name": f"{first.title()} {last.title()}",
                "department": home,
                "skills": [*skills, home, *others],
                "hours_per_week": hours,
                "days": days,
                "unavailable": _leave(rng, START, end),
            }
            prefs: dict[str, Any] = {}
            if grade != "senior" and rng.random() < 0.3:
                prefs["avoid_shifts"] = ["night" if rng.random() < 0.5 else "late"]
            elif rng.random() < 0.2:
                prefs["prefer_shifts"] = [rng.choice(("early", "late"))]
            requests = []
            for _ in range(rng.choice((0, 1, 1, 2))):
                day = START + timedelta(days=rng.randrange(7 * spec.weeks))
                if all(r["date"] != day.isoformat() for r in requests):
                    requests.append({"date": day.isoformat(), "want": "off", "weight": rng.choice((1, 2, 3))})
            if requests:
                prefs["requests"] = requests
            if prefs:
                person["preferences"] = prefs
            people.append(person)
    roles: dict[str, Any] = {}
    for n, loc in enumerate(LOCATIONS):
        nurse = [{"shift": "early", "min": 1, "max": 1}]
        if loc == "icu":
            nurse.append({"shift": "night", "min": 1, "max": 1})
        roles[f"{loc}-rn"] = {"name": f"Nurse, {loc}", "skills": [loc, "rn"], "shift_demand": nurse}
        roles[f"{loc}-senior"] = {
            "name": f"Senior nurse, {loc}",
            "skills": [loc, "rn", "senior"],
            "shift_demand": [
                {"shift": "day", "days": "weekdays" if n < 2 else "mon,thu", "min": 1, "max": 1}
            ],
        }
        roles[f"{loc}-hca"] = {
            "name": f"Healthcare assistant, {loc}",
            "skills": ["hca"],
            "shift_demand": [
                {"shift": "early", "min": 1, "max": 1, "days": "weekdays" if n % 2 else "mon,wed,fri"}
            ],
        }
    return {
        "team": "Synthetic H hospital",
        "timezone": "Europe/London",
        "period": {"start": START.isoformat(), "end": end.isoformat()},
        "opening_hours": {"daily": "00:00-24:00"},
        "skills": sorted({"rn", "senior", "hca", *LOCATIONS}),
        "roles": roles,
        "shifts": {sid: {"start": a, "end": b} for sid, (a, b) in HOSPITAL_SHIFTS.items()},
        "rules": {"min_rest_hours": 11, "max_consecutive_days": 6, "max_hours_per_week": 48},
        "people": people,
    }
