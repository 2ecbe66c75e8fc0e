"""Why a gap is there: the people who could fill it, and where each of them is instead.

Each candidate (person, covering shift slot) is tried with ``check_duties(..., partial=True)``;
the rules newly broken by adding it are the person's causes. A gap is never left unexplained.

A gap's reason lines start with one headline that names no date (how many were needed and are on
duty, how many hold the skills, whether anyone was free); the lines after it say where each of those
people is, ``label: name (figures), …``. ``group_reasons`` folds the gaps that repeat one headline
at one time of day into a line with their dates: ``… — weekdays 7–18 Dec, 10 dates``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from rota.calendar import Calendar
from rota.catalogue import cause_groups
from rota.checks import Violation, check_duties
from rota.checks.base import clock
from rota.objective import eligible
from rota.records import Duty, GapStretch, Slot
from rota.timeutil import DAY_PLURALS

# cause groups, most telling first: (label, rule ids), from each rule's declaration
CAUSES: tuple[tuple[str, frozenset[str]], ...] = cause_groups()
OTHER = "other rules"
FREE = "free but not chosen"
NOT_CHOSEN = "a soft trade-off, or the solver stopped early"
MAX_NAMES = 8  # people named on one line; the rest are "+N more"
DASH = "–"


def explain(cal: Calendar, duties: list[Duty], gap: GapStretch) -> list[str]:
    """Reasons a team lead can act on for one gap stretch: a headline, then where each person is."""
    return _Explainer(cal, duties).explain(gap)


def explain_all(cal: Calendar, duties: list[Duty], gaps: list[GapStretch]) -> list[list[str]]:
    """Reasons for each gap stretch, sharing the per-person work between them."""
    explainer = _Explainer(cal, duties)
    return [explainer.explain(g) for g in gaps]


def _cause(rule: str) -> str:
    return next((label for label, rules in CAUSES if rule in rules), OTHER)


_RANK = {label: i for i, (label, _) in enumerate(CAUSES)} | {OTHER: len(CAUSES)}


def _names(items: list[str]) -> str:
    """``a, b, c`` with at most ``MAX_NAMES`` of them, then ``+N more``."""
    shown = ", ".join(items[:MAX_NAMES])
    return shown + (f" +{len(items) - MAX_NAMES} more" if len(items) > MAX_NAMES else "")


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


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
            return [f"no shift template for {role} covers {clock(cal, gap.start)}{DASH}{clock(cal, gap.end)}"]
        people = self._eligible.setdefault(role, eligible(cal, role))
        if not people:
            needs = ", ".join(cal.team.roles[role].skills) or "no skills"
            if not cal.team.people:
                return [f"nobody can take {role}: the team has no people"]
            return [f"nobody holds the skills for {role} (needs: {needs})"]
        here, free = [], []
        groups: dict[str, list[str]] = defaultdict(list)
        day = cal.instant(gap.start).date()
        for pid in people:
            mine = self.mine.get(pid, [])
            if any(d.role == role and d.start < gap.end and gap.start < d.end for d in mine):
                here.append(pid)
                continue
            label, detail, clean = self._person(pid, role, slots, day)
            if clean:
                free.append(f"{pid} ({', '.join(clean)})")
            else:
                groups[label].append(f"{pid} ({detail})" if detail else pid)
        needed = f"{gap.required} needed, {gap.assigned or 'none'} on duty"
        if cal.team.roles[role].skills:
            who = f"{_people(len(people))} {'holds' if len(people) == 1 else 'hold'} the skills for {role}"
        else:
            who = f"{_people(len(people))} may take {role}"
        verdict = f"some free but not chosen ({NOT_CHOSEN})" if free else "none of them free"
        lines = [f"{needed}; {who}, {verdict}"]
        if free:
            lines.append(f"{FREE}: {_names(free)}")
        if here:
            lines.append(f"already on duty in {role} then: {_names(here)}")
        for label in sorted(groups, key=_RANK.__getitem__):
            lines.append(f"{label}: {_names(groups[label])}")
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

    def _person(self, pid: str, role: str, slots: list[Slot], day: date) -> tuple[str, str, list[str]]:
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
        return label, self._detail(label, v, pid, slots, day), []

    def _detail(self, label: str, v: Violation, pid: str, slots: list[Slot], day: date) -> str:
        """The figures shown after a person's name: the violation's, or their other duties.

        Another duty is named by role and shift, with its date when that is not the gap's.
        """
        if label == "already on another duty":
            near = {s.date for s in slots}
            others = sorted(
                {
                    f"{d.role} {d.shift}" + ("" if d.date == day else f" {d.date.day} {d.date:%b}")
                    for d in self.mine.get(pid, [])
                    if d.date in near or any(d.start < s.end and s.start < d.end for s in slots)
                }
            )
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


# -- grouping ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupedReason:
    """Gaps of one role with one reason at one time of day, and the dates they fall on.

    ``details`` merges the gaps' people lines: each person once under their label, with the
    figures when they are the same on every date.
    """

    role: str
    window: str
    reason: str
    dates: tuple[date, ...]
    gaps: int
    core: bool
    details: tuple[str, ...] = ()
    members: tuple[int, ...] = ()  # positions of the group's gaps in the list given to group_reasons

    @property
    def text(self) -> str:
        """``no shift template for smod covers 17:00–18:00 — weekdays 7–18 Dec, 10 dates``."""
        head = self.reason if self.window in self.reason else f"{self.role} {self.window}: {self.reason}"
        return f"{head} — {compact_dates(self.dates)}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "window": self.window,
            "reason": self.reason,
            "core": self.core,
            "dates": [d.isoformat() for d in self.dates],
            "gaps": self.gaps,
            "text": self.text,
            "details": list(self.details),
        }


def _field(gap: Any, name: str) -> Any:
    return gap.get(name) if isinstance(gap, Mapping) else getattr(gap, name, None)


# rotas stored before grouping: "… covers 17:30-18:00 on Thu 10 Dec" groups with "… covers 17:30–18:00"
_OLD_DATE = re.compile(r" on (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}$")
_OLD_CLOCKS = re.compile(r"\b(\d\d:\d\d)-(\d\d:\d\d)\b")
_LINE = re.compile(r"^([^:]+): (.+)$")
_MORE = re.compile(r"^(.*?)(?: \+(\d+) more)?$")


def _split_items(text: str) -> list[str]:
    """``a (x, y), b`` → ``["a (x, y)", "b"]``: commas inside parentheses do not split."""
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def group_reasons(gaps: Iterable[Any]) -> list[GroupedReason]:
    """Fold gaps (``GapDoc``, report ``GapLine`` or their JSON dicts: ``role``, ISO ``start``/``end``
    with the local offset, ``reasons``) into one line per (role, reason headline, local time window).

    Groups come in order of their first gap; dates are listed compactly by ``compact_dates``.
    """
    order: dict[tuple[str, str, str], list[tuple[date, bool, list[str], int]]] = {}
    for i, g in enumerate(gaps):
        a = datetime.fromisoformat(str(_field(g, "start")))
        b = datetime.fromisoformat(str(_field(g, "end")))
        window = f"{a:%H:%M}{DASH}{b:%H:%M}"
        if b - a > timedelta(days=1):
            window += f" ({(b - a).total_seconds() / 3600:g} h)"
        reasons = list(_field(g, "reasons") or [])
        reason = (
            _OLD_CLOCKS.sub(rf"\1{DASH}\2", _OLD_DATE.sub("", reasons[0])).removesuffix(":")
            if reasons
            else "no reason recorded"
        )
        key = (str(_field(g, "role")), reason, window)
        order.setdefault(key, []).append((a.date(), bool(_field(g, "core")), reasons[1:], i))
    out = []
    for (role, reason, window), members in order.items():
        out.append(
            GroupedReason(
                role,
                window,
                reason,
                tuple(sorted({m[0] for m in members})),
                len(members),
                any(m[1] for m in members),
                _merge([m[2] for m in members]),
                tuple(m[3] for m in members),
            )
        )
    return out


def _merge(per_gap: list[list[str]]) -> tuple[str, ...]:
    """People lines of several gaps: each name once under its label, figures kept when they agree."""
    labels: dict[str, dict[str, set[str]]] = {}
    hidden: dict[str, int] = defaultdict(int)
    loose: list[str] = []
    for lines in per_gap:
        for line in lines:
            m = _LINE.match(line)
            if not m:
                if line not in loose:
                    loose.append(line)
                continue
            label, rest = m.group(1), m.group(2).split(" — ")[0]
            items, more = _MORE.match(rest).groups()  # type: ignore[union-attr]
            hidden[label] = max(hidden[label], int(more or 0))
            people = labels.setdefault(label, {})
            for item in _split_items(items):
                name, _, detail = item.partition(" (")
                people.setdefault(name, set()).add(detail[:-1] if detail.endswith(")") else detail)

    def rank(label: str) -> int:
        return -2 if label == FREE else -1 if label.startswith("already on duty in") else _RANK.get(label, 99)

    out = []
    for label, people in sorted(labels.items(), key=lambda kv: rank(kv[0])):
        items = [
            f"{name} ({next(iter(d))})" if len(d) == 1 and next(iter(d)) else name
            for name, d in people.items()
        ]
        text = ", ".join(items[:MAX_NAMES])
        more = len(items) - min(len(items), MAX_NAMES) + hidden[label]
        out.append(f"{label}: {text}" + (f" +{more} more" if more else ""))
    return tuple(loose + out)


_DAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _weekday_label(days: set[int]) -> str:
    """``weekdays``, ``weekends``, ``Mondays``, ``Mondays and Thursdays``, ``Mon–Wed``, ``Mon/Wed/Fri``."""
    ordered = sorted(days)
    if ordered == [0, 1, 2, 3, 4]:
        return "weekdays"
    if ordered == [5, 6]:
        return "weekends"
    if len(ordered) <= 2:
        return " and ".join(DAY_PLURALS[d] for d in ordered)
    if ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{_DAY[ordered[0]]}{DASH}{_DAY[ordered[-1]]}"
    return "/".join(_DAY[d] for d in ordered)


def _runs(dates: list[date]) -> list[tuple[date, date]]:
    runs: list[tuple[date, date]] = []
    for d in dates:
        if runs and (d - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def _month(d: date, years: bool) -> str:
    return f"{d:%b} {d.year}" if years else f"{d:%b}"


def _ranges(runs: list[tuple[date, date]], years: bool) -> list[str]:
    """``7–9``, ``11``, ``14–18 Dec``: a month is named after its last date, and where a run crosses it."""
    parts = []
    for i, (a, b) in enumerate(runs):
        first = f"{a.day}" if (a.year, a.month) == (b.year, b.month) else f"{a.day} {_month(a, years)}"
        text = first if a == b else f"{first}{DASH}{b.day}"
        nxt = runs[i + 1][0] if i + 1 < len(runs) else None
        crosses = (a.year, a.month) != (b.year, b.month)
        if nxt is None or crosses or (nxt.year, nxt.month) != (b.year, b.month):
            text += f" {_month(b, years)}"
        parts.append(text)
    return parts


def compact_dates(dates: Iterable[date], max_runs: int = 8) -> str:
    """Dates as a team lead reads them, always with the count: ``Thu 10 Dec, 1 date``,
    ``7–11 Dec, 5 dates``, ``weekdays 7–18 Dec, 10 dates``, ``Mondays 7–28 Dec, 4 dates``,
    ``1–3, 7, 9 Dec, 5 dates``; more than ``max_runs`` runs end in ``…``."""
    days = sorted(set(dates))
    if not days:
        return "no dates"
    count = f"{len(days)} date{'s' if len(days) != 1 else ''}"
    years = days[0].year != days[-1].year
    if len(days) == 1:
        d = days[0]
        return f"{d:%a} {d.day} {_month(d, years)}, {count}"
    runs = _runs(days)
    weekdays = {d.weekday() for d in days}
    if len(runs) > 1 and len(days) >= 3 and (days[-1] - days[0]).days >= 7:
        span = [days[0] + timedelta(n) for n in range((days[-1] - days[0]).days + 1)]
        if [d for d in span if d.weekday() in weekdays] == days:
            return f"{_weekday_label(weekdays)} {_ranges([(days[0], days[-1])], years)[0]}, {count}"
    parts = _ranges(runs, years)
    if len(runs) > max_runs:
        last, shown = runs[max_runs - 2][1], parts[max_runs - 2]
        if (last.year, last.month) != (days[-1].year, days[-1].month) and not shown[-1].isalpha():
            parts[max_runs - 2] += f" {_month(last, years)}"
        parts = [*parts[: max_runs - 1], "…", parts[-1]]
    return f"{', '.join(parts)}, {count}"
