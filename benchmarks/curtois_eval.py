"""An independent evaluator for the Curtois & Qu benchmark: instance file + roster CSV → objective.

Written from the benchmark definition alone, on purpose apart from the rest of the project: it
reads the instance text itself and uses none of the team model, calendar, validator, objective or
solver, so it can referee what they produce.

A roster is a CSV with the header ``employee,day,shift`` (benchmark ids, day index from 0). The
objective is Σ unmet shift-on request weights + Σ weights of shift-off requests not honoured (the
employee works that shift that day) + Σ over cover lines of under × weight-under + over × weight-over.
Every broken hard constraint is listed as a ``Violation``; a feasible roster has none.

    python -m benchmarks.curtois_eval Instance1.txt Instance1.csv
"""

from __future__ import annotations

import csv
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Violation:
    rule: str
    employee: str
    detail: str

    def __str__(self) -> str:
        who = f"{self.employee}: " if self.employee else ""
        return f"{self.rule}: {who}{self.detail}"


@dataclass
class Evaluation:
    objective: int = 0
    on_requests: int = 0  # weight of shift-on requests not met
    off_requests: int = 0  # weight of shift-off requests not honoured
    cover_under: int = 0  # Σ under × weight-under
    cover_over: int = 0  # Σ over × weight-over
    assignments: int = 0
    violations: list[Violation] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.violations


def _sections(text: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = defaultdict(list)
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line
            continue
        out[current].append([p.strip() for p in line.split(",")])
    return out


def evaluate_files(instance_path: str | Path, roster_path: str | Path) -> Evaluation:
    """Evaluate a roster CSV file against an instance file."""
    instance = Path(instance_path).read_text(encoding="utf-8-sig")
    with open(roster_path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    if rows and [c.strip().lower() for c in rows[0]] == ["employee", "day", "shift"]:
        rows = rows[1:]
    return evaluate(instance, [r for r in rows if any(c.strip() for c in r)])


def evaluate(instance_text: str, roster: list[list[str]] | list[tuple[str, int, str]]) -> Evaluation:
    """Evaluate roster rows ``(employee, day, shift)`` against the text of an instance."""
    sec = _sections(instance_text)
    horizon = int(sec["SECTION_HORIZON"][0][0])
    length: dict[str, int] = {}
    banned_next: dict[str, set[str]] = {}
    for parts in sec["SECTION_SHIFTS"]:
        length[parts[0]] = int(parts[1])
        banned_next[parts[0]] = {s for s in (parts[2].split("|") if len(parts) > 2 else []) if s}
    staff: dict[str, dict] = {}
    for parts in sec["SECTION_STAFF"]:
        max_shifts = {}
        for item in (p for p in parts[1].split("|") if p):
            key, _, value = item.partition("=")
            max_shifts[key] = int(value)
        max_min, min_min, max_cons, min_cons, min_off, max_wkd = (int(v) for v in parts[2:8])
        staff[parts[0]] = {
            "max_shifts": max_shifts,
            "max_minutes": max_min,
            "min_minutes": min_min,
            "max_consecutive": max_cons,
            "min_consecutive": min_cons,
            "min_off": min_off,
            "max_weekends": max_wkd,
        }
    days_off = {parts[0]: {int(v) for v in parts[1:] if v} for parts in sec["SECTION_DAYS_OFF"]}

    ev = Evaluation()
    bad = ev.violations.append

    # The roster: per employee, the shifts on each day.
    works: dict[str, dict[int, list[str]]] = {e: defaultdict(list) for e in staff}
    for n, row in enumerate(roster, 1):
        if len(row) < 3:
            bad(Violation("roster", "", f"row {n}: expected employee,day,shift, got {list(row)}"))
            continue
        emp, day_text, shift = (str(c).strip() for c in row[:3])
        try:
            day = int(day_text)
        except ValueError:
            bad(Violation("roster", emp, f"row {n}: day {day_text!r} is not an integer"))
            continue
        if emp not in staff:
            bad(Violation("roster", emp, f"row {n}: unknown employee"))
        elif shift not in length:
            bad(Violation("roster", emp, f"row {n}: unknown shift {shift!r}"))
        elif not 0 <= day < horizon:
            bad(Violation("roster", emp, f"row {n}: day {day} outside 0..{horizon - 1}"))
        else:
            works[emp][day].append(shift)
            ev.assignments += 1

    for emp, rules in staff.items():
        mine = works[emp]
        for day, shifts in sorted(mine.items()):
            if len(shifts) > 1:
                bad(Violation("one shift a day", emp, f"day {day}: {'+'.join(shifts)}"))
        worked = [bool(mine.get(d)) for d in range(horizon)]
        for day in sorted(days_off.get(emp, set())):
            if worked[day]:
                bad(Violation("day off", emp, f"works day {day}, a fixed day off"))
        counts = Counter(s for shifts in mine.values() for s in shifts)
        for shift, n in sorted(counts.items()):
            cap = rules["max_shifts"].get(shift)
            if cap is not None and n > cap:
                bad(Violation("max shifts", emp, f"{n} × {shift}, at most {cap}"))
        minutes = sum(length[s] * n for s, n in counts.items())
        if minutes > rules["max_minutes"]:
            bad(Violation("max minutes", emp, f"{minutes} minutes, at most {rules['max_minutes']}"))
        if minutes < rules["min_minutes"]:
            bad(Violation("min minutes", emp, f"{minutes} minutes, at least {rules['min_minutes']}"))
        for on, first, last in _runs(worked):
            inside = first > 0 and last < horizon - 1  # runs touching either end are exempt from minima
            size = last - first + 1
            if on and size > rules["max_consecutive"]:
                bad(
                    Violation(
                        "max consecutive shifts",
                        emp,
                        f"days {first}-{last}: {size} in a row, at most {rules['max_consecutive']}",
                    )
                )
            if on and inside and size < rules["min_consecutive"]:
                bad(
                    Violation(
                        "min consecutive shifts",
                        emp,
                        f"days {first}-{last}: {size} in a row, at least {rules['min_consecutive']}",
                    )
                )
            if not on and inside and size < rules["min_off"]:
                bad(
                    Violation(
                        "min consecutive days off",
                        emp,
                        f"days {first}-{last}: {size} off in a row, at least {rules['min_off']}",
                    )
                )
        weekends = sorted({d // 7 for d in range(horizon) if d % 7 in (5, 6) and worked[d]})
        if len(weekends) > rules["max_weekends"]:
            bad(
                Violation(
                    "max weekends",
                    emp,
                    f"{len(weekends)} weekends worked (weeks "
                    f"{', '.join(str(w) for w in weekends)}), at most {rules['max_weekends']}",
                )
            )
        for day in range(horizon - 1):
            for s in mine.get(day, []):
                for t in mine.get(day + 1, []):
                    if t in banned_next[s]:
                        bad(
                            Violation(
                                "forbidden succession", emp, f"{s} on day {day} then {t} on day {day + 1}"
                            )
                        )

    assigned = {(emp, day, s) for emp, days in works.items() for day, ss in days.items() for s in ss}
    for emp, day_text, shift, weight in sec["SECTION_SHIFT_ON_REQUESTS"]:
        if (emp, int(day_text), shift) not in assigned:
            ev.on_requests += int(weight)
    for emp, day_text, shift, weight in sec["SECTION_SHIFT_OFF_REQUESTS"]:
        if (emp, int(day_text), shift) in assigned:
            ev.off_requests += int(weight)
    on_duty = Counter((day, s) for days in works.values() for day, ss in days.items() for s in ss)
    for day_text, shift, need, under, over in (p[:5] for p in sec["SECTION_COVER"]):
        n = on_duty[(int(day_text), shift)]
        ev.cover_under += max(0, int(need) - n) * int(under)
        ev.cover_over += max(0, n - int(need)) * int(over)

    ev.objective = ev.on_requests + ev.off_requests + ev.cover_under + ev.cover_over
    return ev


def _runs(flags: list[bool]):
    """``(value, first, last)`` of each maximal run of equal values."""
    start = 0
    for i in range(1, len(flags) + 1):
        if i == len(flags) or flags[i] != flags[start]:
            yield flags[start], start, i - 1
            start = i


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m benchmarks.curtois_eval INSTANCE.txt ROSTER.csv", file=sys.stderr)
        return 2
    try:
        ev = evaluate_files(*args)
    except (OSError, ValueError, IndexError, KeyError) as exc:
        print(f"cannot evaluate: {exc}", file=sys.stderr)
        return 2
    print(
        f"objective {ev.objective} (shift-on {ev.on_requests}, shift-off {ev.off_requests}, "
        f"under-cover {ev.cover_under}, over-cover {ev.cover_over}); {ev.assignments} assignments; "
        f"{len(ev.violations)} hard violations"
    )
    for v in ev.violations:
        print(f"  {v}")
    return 0 if ev.feasible else 1


if __name__ == "__main__":
    sys.exit(main())
