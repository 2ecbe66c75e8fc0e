"""Why a gap is there: the people who could fill it, and the hard rule that keeps each of them out.

Each candidate (person, covering shift slot) is tried with ``check_duties(..., partial=True)``;
the rules newly broken by adding it are the person's causes. A gap is never left unexplained.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rota.calendar import Calendar
from rota.checks import Violation, check_duties
from rota.checks.base import clock, day_label
from rota.objective import eligible
from rota.records import Duty, GapStretch, Slot

# cause groups, most telling first: (label, rule ids)
CAUSES: tuple[tuple[str, frozenset[str]], ...] = (
    ("on leave", frozenset({"unavailable"})),
    ("outside their working days", frozenset({"working_days"})),
    ("already on another duty", frozenset({"one_shift_per_date", "overlap"})),
    ("at a limit", frozenset({"limit_max"})),
    ("weekly hours", frozenset({"max_hours_per_week"})),
    ("resting after a shift", frozenset({"min_rest"})),
    ("consecutive days", frozenset({"max_consecutive_days"})),
    ("weekends", frozenset({"max_weekends"})),
    ("shift succession", frozenset({"forbidden_succession"})),
    ("hours over the period", frozenset({"max_hours_per_period"})),
)
OTHER = "other rules"
NOT_CHOSEN = "not chosen (the solver stopped early or it costs more elsewhere)"


def explain(cal: Calendar, duties: list[Duty], gap: GapStretch) -> list[str]:
    """Reasons a team lead can act on for one gap stretch."""
    return _Explainer(cal, duties).explain(gap)


def explain_all(cal: Calendar, duties: list[Duty], gaps: list[GapStretch]) -> list[list[str]]:
    """Reasons for each gap stretch, sharing the per-person work between them."""
    explainer = _Explainer(cal, duties)
    return [explainer.explain(g) for g in gaps]


def _cause(rule: str) -> str:
    return next((label for label, rules in CAUSES if rule in rules), OTHER)


_RANK = {label: i for i, (label, _) in enumerate(CAUSES)} | {OTHER: len(CAUSES)}


class _Explainer:
    """Per-person duties and their existing violations, computed once for many gaps."""

    def __init__(self, cal: Calendar, duties: Iterable[Duty]):
        self.cal = cal
        self.mine: dict[str, list[Duty]] = defaultdict(list)
        for d in duties:
            self.mine[d.person].append(d)
        self._base: dict[str, set[Violation]] = {}
        self._tried: dict[tuple[str, str, Slot], list[Violation]] = {}
        self._eligible: dict[str, list[str]] = {}

    def explain(self, gap: GapStretch) -> list[str]:
        """The reason lines of one gap stretch."""
        cal, role = self.cal, gap.role
        slots = self._covering(gap)
        if not slots:
            when = cal.instant(gap.start)
            return [f"no shift template for {role} covers {clock(cal, gap.start)}-{clock(cal, gap.end)} "
                    f"on {day_label(when.date())}"]
        people = self._eligible.setdefault(role, eligible(cal, role))
        if not people:
            needs = ", ".join(cal.team.roles[role].skills) or "no skills"
            if not cal.team.people:
                return [f"nobody can take {role}: the team has no people"]
            return [f"nobody holds the skills for {role} (needs: {needs})"]
        if cal.team.roles[role].skills:
            noun = "person holds" if len(people) == 1 else "people hold"
            lines = [f"{len(people)} {noun} the skills for {role}:"]
        else:
            lines = [f"{len(people)} {'person' if len(people) == 1 else 'people'} may take {role}:"]
        here, free = [], []
        groups: dict[str, list[str]] = defaultdict(list)
        for pid in people:
            mine = self.mine.get(pid, [])
            if any(d.role == role and d.start < gap.end and gap.start < d.end for d in mine):
                here.append(pid)
                continue
            label, detail, clean = self._person(pid, role, slots)
            if clean:
                free.append(f"{pid} ({', '.join(clean)})")
            else:
                groups[label].append(f"{pid} ({detail})" if detail else pid)
        if free:
            lines.append(f"could be assigned: {', '.join(free)} — {NOT_CHOSEN}")
        if here:
            lines.append(f"already on duty in {role} then: {', '.join(here)}")
        for label in sorted(groups, key=_RANK.__getitem__):
            lines.append(f"{label}: {', '.join(groups[label])}")
        return lines

    def _covering(self, gap: GapStretch) -> list[Slot]:
        """Allowed slots of shifts serving the gap's role that overlap it, most overlap first."""
        cal = self.cal
        first = cal.instant(gap.start).date()
        last = cal.instant(gap.end).date()
        out = []
        for day, slots in cal.slots_by_date.items():
            if (first - day).days > 1 or day > last:
                continue
            for s in slots:
                if gap.role in cal.team.shift_roles(s.shift) and s.start < gap.end and gap.start < s.end:
                    out.append(s)
        return sorted(out, key=lambda s: (-(min(s.end, gap.end) - max(s.start, gap.start)), s.start, s.shift))

    def _person(self, pid: str, role: str, slots: list[Slot]) -> tuple[str, str, list[str]]:
        """(cause label, detail, shifts they could take with no rule broken) for one person."""
        per_slot: list[dict[str, Violation]] = []
        clean: list[str] = []
        for slot in slots:
            found: dict[str, Violation] = {}
            for v in self._try(pid, role, slot):
                found.setdefault(_cause(v.rule), v)
            if not found and slot.shift not in clean:
                clean.append(slot.shift)
            per_slot.append(found)
        if clean:
            return "", "", clean
        # a cause that keeps them off every covering slot is the most telling; else the best slot's
        common = set.intersection(*(set(f) for f in per_slot))
        pool = common or set(per_slot[0])
        label = min(pool, key=_RANK.__getitem__)
        v = next(f[label] for f in per_slot if label in f)
        return label, self._detail(label, v, pid, slots), []

    def _detail(self, label: str, v: Violation, pid: str, slots: list[Slot]) -> str:
        """The figures shown after a person's name: the violation's, or their other duties."""
        if label == "already on another duty":
            near = {s.date for s in slots}
            others = sorted({f"{d.shift} {d.date.day} {d.date:%b}" for d in self.mine.get(pid, [])
                             if d.date in near or any(d.start < s.end and s.start < d.end for s in slots)})
            return ", ".join(others)
        return v.detail

    def _try(self, pid: str, role: str, slot: Slot) -> list[Violation]:
        """Violations that adding ``pid`` in ``role`` on ``slot`` would newly cause."""
        key = (pid, role, slot)
        if key not in self._tried:
            mine = self.mine.get(pid, [])
            base = self._base.get(pid)
            if base is None:
                base = self._base[pid] = set(check_duties(self.cal, mine, partial=True))
            duty = Duty(pid, slot.date, slot.shift, role, slot.start, slot.end)
            after = check_duties(self.cal, [*mine, duty], partial=True)
            self._tried[key] = [v for v in after if v not in base]
        return self._tried[key]
