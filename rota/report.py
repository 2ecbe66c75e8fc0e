"""The HR coverage report: required and covered person-minutes per role and date, gaps, hours, rule breaks.

Computed from a team and the duties published over a range; the service fills both from its database,
and renders the tables (JSON, CSV, Excel) this module lays out.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import partial
from typing import Any

from rota import catalogue
from rota.calendar import Calendar
from rota.checks import Violation, check_duties
from rota.coverage import gaps as find_gaps
from rota.explain import group_reasons
from rota.records import Duty, GapStretch

WORKING_TIME = catalogue.WORKING_TIME  # the rules a person's hours row lists (declared in rota.catalogue)


def percent(covered: int, required: int) -> float | None:
    """Covered as a percentage of required, one decimal; None when nothing was required."""
    return round(100 * covered / required, 1) if required else None


@dataclass
class RoleDay:
    """One role on one date: person-minutes required and covered, in core hours and in all opening hours."""

    role: str
    date: date
    core_required: int = 0
    core_covered: int = 0
    open_required: int = 0
    open_covered: int = 0

    @property
    def core_percent(self) -> float | None:
        return percent(self.core_covered, self.core_required)

    @property
    def open_percent(self) -> float | None:
        return percent(self.open_covered, self.open_required)


@dataclass
class GapLine:
    """A gap stretch with its local times and the reasons nobody filled it."""

    role: str
    date: date
    start: str
    end: str
    required: int
    assigned: int
    core: bool
    person_minutes: int
    reasons: list[str] = field(default_factory=list)


@dataclass
class PersonLine:
    """A person's hours against their contract, and the working-time rules their published shifts break."""

    person: str
    name: str
    duties: int
    worked_minutes: int
    target_minutes: int | None
    violations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def difference_minutes(self) -> int | None:
        return None if self.target_minutes is None else self.worked_minutes - self.target_minutes


@dataclass
class CoverageReport:
    team: str
    timezone: str
    start: date
    end: date
    days: list[RoleDay]
    gaps: list[GapLine]
    people: list[PersonLine]
    # roles with a workload (issue 23): per interval, the service level the rota is predicted to give
    service_levels: list[dict[str, Any]] = field(default_factory=list)

    def totals(self) -> dict[str, Any]:
        targets = [p.target_minutes for p in self.people if p.target_minutes is not None]
        return {
            **_coverage_sums(self.days, self.gaps),
            "worked_minutes": sum(p.worked_minutes for p in self.people),
            "target_minutes": sum(targets) if targets else None,
            "violations": sum(len(p.violations) for p in self.people),
        }

    def role_totals(self) -> list[dict[str, Any]]:
        """Per role over the whole range: person-minutes required and covered, percentages, gaps."""
        out = []
        for role in dict.fromkeys(d.role for d in self.days):
            days = [d for d in self.days if d.role == role]
            gaps = [g for g in self.gaps if g.role == role]
            out.append({"role": role, **_coverage_sums(days, gaps)})
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: every table with its percentages, and the totals."""
        return {
            "team": self.team,
            "timezone": self.timezone,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "days": [
                {**_plain(asdict(d)), "core_percent": d.core_percent, "open_percent": d.open_percent}
                for d in self.days
            ],
            "gaps": [_plain(asdict(g)) for g in self.gaps],
            "gap_summary": [g.as_dict() for g in group_reasons(self.gaps)],
            "people": [
                {**_plain(asdict(p)), "difference_minutes": p.difference_minutes} for p in self.people
            ],
            "roles": self.role_totals(),
            "totals": self.totals(),
            **({"service_levels": self.service_levels} if self.service_levels else {}),
        }

    def role_table(self) -> tuple[list[str], list[list[Any]]]:
        """The per-role totals as a flat table, in hours."""
        head = ["role", *COVER_HEAD, "gaps", "gap_core_person_hours", "gap_other_person_hours"]
        rows = [
            [
                r["role"],
                *_cover_cells(r.__getitem__),
                r["gaps"],
                _h(r["gap_core_minutes"]),
                _h(r["gap_other_minutes"]),
            ]
            for r in self.role_totals()
        ]
        return head, rows

    def tables(self) -> dict[str, tuple[list[str], list[list[Any]]]]:
        """The report as flat tables (coverage, gaps, people, totals), hours rounded to two decimals."""
        cov_head = ["role", "date", *COVER_HEAD]
        cov = [[d.role, d.date.isoformat(), *_cover_cells(partial(getattr, d))] for d in self.days]
        t = self.totals()
        cov.append(["TOTAL", "", *_cover_cells(t.__getitem__)])
        gap_head = ["role", "date", "start", "end", "required", "assigned", "core", "person_hours", "reasons"]
        gaps = [
            [
                g.role,
                g.date.isoformat(),
                g.start,
                g.end,
                g.required,
                g.assigned,
                g.core,
                _h(g.person_minutes),
                " | ".join(g.reasons),
            ]
            for g in self.gaps
        ]
        people_head = ["person", "name", "duties", "worked_h", "contract_h", "difference_h", "rules_broken"]
        people = [
            [
                p.person,
                p.name,
                p.duties,
                _h(p.worked_minutes),
                _h(p.target_minutes),
                _h(p.difference_minutes),
                " | ".join(v["message"] for v in p.violations),
            ]
            for p in self.people
        ]
        totals = [[k, v] for k, v in t.items()]
        return {
            "coverage": (cov_head, cov),
            "gaps": (gap_head, gaps),
            "people": (people_head, people),
            "totals": (["measure", "value"], totals),
        }


def _h(minutes: int | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 2)


# the covered figures of a coverage row (a role's totals, a day, the grand total): minutes as hours
COVER_FIELDS = (
    "core_required",
    "core_covered",
    "core_percent",
    "open_required",
    "open_covered",
    "open_percent",
)
COVER_HEAD = [f if f.endswith("_percent") else f"{f}_h" for f in COVER_FIELDS]


def _cover_cells(figure: Callable[[str], Any]) -> list[Any]:
    """The ``COVER_HEAD`` cells of a row whose figures ``figure(name)`` gives (percents as they are)."""
    return [figure(f) if f.endswith("_percent") else _h(figure(f)) for f in COVER_FIELDS]


def _coverage_sums(days: list[RoleDay], gaps: list[GapLine]) -> dict[str, Any]:
    """Required and covered person-minutes (core and all opening hours) with percentages, and gaps."""
    core_req, core_cov = sum(d.core_required for d in days), sum(d.core_covered for d in days)
    open_req, open_cov = sum(d.open_required for d in days), sum(d.open_covered for d in days)
    return {
        "core_required": core_req,
        "core_covered": core_cov,
        "core_percent": percent(core_cov, core_req),
        "open_required": open_req,
        "open_covered": open_cov,
        "open_percent": percent(open_cov, open_req),
        "gaps": len(gaps),
        "gap_core_minutes": sum(g.person_minutes for g in gaps if g.core),
        "gap_other_minutes": sum(g.person_minutes for g in gaps if not g.core),
    }


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}


def coverage_report(cal: Calendar, duties: list[Duty], *, reasons: bool = True) -> CoverageReport:
    """The report over the calendar's horizon; ``cal.history`` counts for the rule checks at the seam."""
    inside = sorted(d for d in duties if cal.start <= d.date <= cal.end)
    stretches = find_gaps(cal, inside)
    days = _role_days(cal, stretches)
    explained: list[list[str]] = [[] for _ in stretches]
    if reasons and stretches:
        from rota.explain import explain_all

        explained = explain_all(cal, inside, stretches)
    gap_lines = [
        GapLine(
            g.role,
            gap_date(cal, g.start),
            cal.iso(g.start),
            cal.iso(g.end),
            g.required,
            g.assigned,
            g.core,
            g.person_minutes,
            list(r),
        )
        for g, r in zip(stretches, explained, strict=True)
    ]
    levels: list[dict[str, Any]] = []
    if any(r.workload is not None for r in cal.team.roles.values()):
        from rota.workload import service_levels

        levels = service_levels(cal, inside)
    return CoverageReport(
        cal.team.team, cal.team.timezone, cal.start, cal.end, days, gap_lines, _people(cal, inside), levels
    )


def _owners(cal: Calendar) -> list[tuple[int, date]]:
    """(first opening instant, date) of each open date: the date a stretch of time is reported under."""
    return sorted((min(s for s, _ in windows), d) for d, windows in cal.opening.items() if windows)


def _split(start: int, end: int, owners: list[tuple[int, date]]) -> list[tuple[date, int]]:
    """``start``..``end`` cut into (date, minutes).

    Time belongs to the last date whose opening began before it, so a window past midnight counts for
    the date it started on, as the team file says.
    """
    if not owners:
        return []
    firsts = [s for s, _ in owners]
    i = max(bisect_right(firsts, start) - 1, 0)
    out, t = [], start
    while t < end:
        cut = min(end, firsts[i + 1]) if i + 1 < len(firsts) else end
        out.append((owners[i][1], cut - t))
        t, i = cut, i + 1
    return out


def _role_days(cal: Calendar, stretches: list[GapStretch]) -> list[RoleDay]:
    """Required and covered person-minutes per role and date."""
    owners = _owners(cal)
    out: dict[tuple[str, date], RoleDay] = {}
    short: dict[tuple[str, date, bool], int] = defaultdict(int)
    for g in stretches:
        for day, minutes in _split(g.start, g.end, owners):
            short[(g.role, day, g.core)] += minutes * (g.required - g.assigned)
    for role in cal.team.roles:
        for seg in cal.requirement(role):
            for day, minutes in _split(seg.start, seg.end, owners):
                row = out.setdefault((role, day), RoleDay(role, day))
                row.open_required += minutes * seg.required
                if seg.core:
                    row.core_required += minutes * seg.required
    for (role, day), row in out.items():
        core_short = short[(role, day, True)]
        row.core_covered = row.core_required - core_short
        row.open_covered = row.open_required - core_short - short[(role, day, False)]
    order = list(cal.team.roles)
    return [out[k] for k in sorted(out, key=lambda k: (k[1], order.index(k[0])))]


def gap_date(cal: Calendar, start: int) -> date:
    """The date a gap starting at ``start`` is reported under."""
    split = _split(start, start + 1, _owners(cal))
    return split[0][0] if split else cal.instant(start).date()


def _people(cal: Calendar, duties: list[Duty]) -> list[PersonLine]:
    """Per person: duties, minutes worked, contracted minutes, working-time rules broken."""
    known = {p.id for p in cal.team.people}
    broken: dict[str, list[Violation]] = defaultdict(list)
    mine = [d for d in duties if d.person in known]
    for v in check_duties(cal, mine, partial=True):
        if v.rule in WORKING_TIME and v.person:
            broken[v.person].append(v)
    worked: dict[str, list[Duty]] = defaultdict(list)
    for d in duties:
        worked[d.person].append(d)
    out = [
        PersonLine(
            p.id,
            p.display,
            len(worked[p.id]),
            sum(d.minutes for d in worked[p.id]),
            cal.target_minutes(p.id),
            [v.as_dict() for v in broken[p.id]],
        )
        for p in cal.team.people
    ]
    out += [
        PersonLine(pid, pid, len(ds), sum(d.minutes for d in ds), None)
        for pid, ds in sorted(worked.items())
        if pid not in known
    ]
    return out
