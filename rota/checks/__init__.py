"""Every hard rule over a list of duties: each rule's checker is attached to its declared id
(``rota.checks.registry``); this runs them. Importing the package imports every module in it, so a
checker in a new file here is registered with nothing else to edit."""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from rota.calendar import Calendar
from rota.catalogue import AT_LEAST
from rota.checks.base import Violation, context
from rota.checks.registry import checkers
from rota.records import Duty

__all__ = ["AT_LEAST", "Violation", "check_duties"]

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")


def check_duties(cal: Calendar, duties: Iterable[Duty], *, partial: bool = False) -> list[Violation]:
    """Every hard rule these duties break, with ``cal.history`` counted (history alone is never reported).

    ``partial`` skips the "at least" rules (``AT_LEAST``): for fixed assignments and explanations.
    """
    ctx = context(cal)
    out: list[Violation] = []
    by_person: dict[str, list[Duty]] = defaultdict(list)
    entry, per_duty = checkers("entry"), checkers("duty")
    per_person = [c for c in checkers("person") if not (partial and c.at_least_only)]
    for d in duties:
        for c in entry:
            found = list(c.check(ctx, d))
            if found:
                out.extend(found)
                break
        else:
            for c in per_duty:
                out.extend(c.check(ctx, d))
            by_person[d.person].append(d)
    people = list(by_person) if partial else [p.id for p in cal.team.people]
    for pid in people:
        mine = sorted(by_person.get(pid, []), key=lambda d: (d.start, d.end))
        info = ctx.person(pid)
        every = sorted(info.history + mine, key=lambda d: (d.start, d.end))  # with the history, in order
        for c in per_person:
            out.extend(c.check(ctx, info, mine, every, partial))
    return sorted(out, key=_order)


def _order(v: Violation) -> tuple[date, str, str, str]:
    return v.date or date.min, v.person or "", v.rule, v.message
