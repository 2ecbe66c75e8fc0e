"""Every hard rule over a list of duties, split by rule family (placement, sequence, volume)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from rota.calendar import Calendar
from rota.catalogue import AT_LEAST
from rota.checks.base import Violation, context
from rota.checks.placement import check_duty, unknown_ids
from rota.checks.sequence import check_sequence
from rota.checks.volume import check_volume
from rota.records import Duty

__all__ = ["AT_LEAST", "Violation", "check_duties"]


def check_duties(cal: Calendar, duties: Iterable[Duty], *, partial: bool = False) -> list[Violation]:
    """Every hard rule these duties break, with ``cal.history`` counted (history alone is never reported).

    ``partial`` skips the "at least" rules (``AT_LEAST``): for fixed assignments and explanations.
    """
    ctx = context(cal)
    out: list[Violation] = []
    by_person: dict[str, list[Duty]] = defaultdict(list)
    for d in duties:
        unknown = unknown_ids(ctx, d)
        if unknown:
            out.extend(unknown)
        elif not cal.start <= d.date <= cal.end:
            out.append(Violation("outside_period", d.person, d.date,
                                 f"{d.person}: {d.shift} ({d.role}) on {d.date} is outside the period "
                                 f"{cal.start} to {cal.end}"))
        else:
            out.extend(check_duty(ctx, d))
            by_person[d.person].append(d)
    people = list(by_person) if partial else [p.id for p in cal.team.people]
    for pid in people:
        mine = sorted(by_person.get(pid, []), key=lambda d: (d.start, d.end))
        info = ctx.person(pid)
        every = sorted(info.history + mine, key=lambda d: (d.start, d.end))  # with the history, in order
        out.extend(check_sequence(ctx, info, mine, every, partial=partial))
        out.extend(check_volume(ctx, info, mine, every, partial=partial))
        if not partial:
            out.extend(_fixed(cal, pid, mine))
    return sorted(out, key=_order)


def _fixed(cal: Calendar, pid: str, mine: list[Duty]) -> list[Violation]:
    """Fixed assignments inside the horizon that the rota does not hold."""
    held = {(d.date, d.shift, d.role) for d in mine}
    return [Violation("fixed", pid, fx.date, f"{pid}: fixed {fx.shift} ({fx.role}) on {fx.date} is not in "
                                            "the rota")
            for fx in cal.person(pid).fixed
            if cal.start <= fx.date <= cal.end and (fx.date, fx.shift, fx.role) not in held]


def _order(v: Violation) -> tuple[date, str, str, str]:
    return v.date or date.min, v.person or "", v.rule, v.message
