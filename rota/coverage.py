"""Coverage: who is on duty in each role against its requirement, and the gaps that remain."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rota.calendar import Calendar
from rota.records import Duty, GapStretch


def gaps(cal: Calendar, duties: Iterable[Duty]) -> list[GapStretch]:
    """Every stretch where a role has fewer people on duty than it needs.

    Stretches are split wherever ``required``, ``assigned`` or ``core`` changes, and merged
    where consecutive pieces agree on all three.
    """
    by_role: dict[str, list[Duty]] = defaultdict(list)
    for d in duties:
        by_role[d.role].append(d)
    out: list[GapStretch] = []
    for role in cal.team.roles:
        out.extend(_role_gaps(cal, role, by_role.get(role, [])))
    return out


def _role_gaps(cal: Calendar, role: str, duties: list[Duty]) -> list[GapStretch]:
    segments = cal.requirement(role)
    if not segments:
        return []
    delta: dict[int, int] = defaultdict(int)
    for d in duties:
        delta[d.start] += 1
        delta[d.end] -= 1
    changes = sorted(delta)
    out: list[GapStretch] = []
    k, level = 0, 0
    for seg in segments:
        while k < len(changes) and changes[k] <= seg.start:
            level += delta[changes[k]]
            k += 1
        t, j, here = seg.start, k, level
        while t < seg.end:
            nxt = changes[j] if j < len(changes) and changes[j] < seg.end else seg.end
            if here < seg.required:
                _append(out, GapStretch(role, t, nxt, seg.required, here, seg.core))
            if nxt < seg.end:
                here += delta[changes[j]]
                j += 1
            t = nxt
    return out


def _append(out: list[GapStretch], gap: GapStretch) -> None:
    last = out[-1] if out else None
    if (
        last
        and last.end == gap.start
        and (last.required, last.assigned, last.core) == (gap.required, gap.assigned, gap.core)
    ):
        out[-1] = GapStretch(gap.role, last.start, gap.end, gap.required, gap.assigned, gap.core)
    else:
        out.append(gap)


def gap_minutes(stretches: Iterable[GapStretch]) -> tuple[int, int]:
    """(core, other) gap person-minutes: minutes times people missing."""
    core = other = 0
    for g in stretches:
        if g.core:
            core += g.person_minutes
        else:
            other += g.person_minutes
    return core, other
