"""The fixed assignments a rota must hold."""

from __future__ import annotations

from collections.abc import Iterator

from rota.checks.base import Context, PersonInfo, Violation
from rota.checks.registry import checks
from rota.records import Duty


@checks("fixed", scope="person")
def fixed(
    ctx: Context, info: PersonInfo, mine: list[Duty], every: list[Duty], partial: bool
) -> Iterator[Violation]:
    """Fixed assignments inside the horizon that the rota does not hold."""
    cal, pid = ctx.cal, info.id
    held = {(d.date, d.shift, d.role) for d in mine}
    for fx in cal.person(pid).fixed:
        if cal.start <= fx.date <= cal.end and (fx.date, fx.shift, fx.role) not in held:
            yield Violation(
                "fixed", pid, fx.date, f"{pid}: fixed {fx.shift} ({fx.role}) on {fx.date} is not in the rota"
            )
