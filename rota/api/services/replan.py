"""Re-plan a published rota from the page (issue 19, point 1): a sick call, or "the team file changed".

The lead says who is ill or away and from when to when; that absence goes into the team file as a new team
version (an ``unavailable`` entry with its reason: the next solves know it too, and the team file's history
says when it was added). Then the minimal-change solve runs against what staff will see — the rota's pending
change set when it has one, else the published rota — from the first date to re-plan to the end of the
rota (or only the absence's dates, or a single day), everything before that date fixed. The result is a
draft (``replan_of``: the rota it re-plans) that nobody sees until the lead keeps it: ``review`` says what
it changes before anything is kept ("3 duties change for 4 people; no gap opened", per person, and how far
from the least possible churn the solver proved), ``keep`` makes those changes in the pending change set
(``pending.open_pending``), where they wait for Publish with the other unpublished changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from rota.api.db import utcnow
from rota.api.errors import Conflict, Invalid, NotFound
from rota.api.models import Assignment, Job, Rota, RotaEdit
from rota.api.services import audit, edits, pending, team_edits
from rota.api.services.changes import PersonChanges, person_changes
from rota.api.services.locks import lock_rota
from rota.api.services.rotas import assignment_values, duty_of, horizon_team, rota_team, team_duties
from rota.calendar import Calendar
from rota.checks import check_duties
from rota.records import Duty

SCOPES = {
    "rest": "from the first date to the end of the rota",
    "span": "only the dates of the absence",
    "day": "only one day",
}
Key = tuple[str, str, str, date]  # person, role, shift, date


@dataclass(frozen=True)
class SickCall:
    """What the Re-plan form asks: someone ill or away (or nobody: the team file changed), what to re-plan."""

    person: str | None
    first: date | None
    last: date | None
    reason: str = ""
    scope: str = "rest"  # rest | span | day
    fixed_before: date | None = None  # the first date that may change (default: the absence's first)
    day: date | None = None  # scope "day": the one date


def base_for(session: Session, rota: Rota) -> Rota:
    """What a re-plan of ``rota`` starts from: the published rota's pending change set if it has one (its
    changes are kept), else the published rota; a pending set re-plans itself. 409 for other rotas."""
    if pending.is_pending(rota):
        return rota
    if rota.state != "published":
        raise Conflict(f"rota {rota.id} is {rota.state}: re-plan a published rota", "state")
    return pending.pending_for(session, rota.id) or rota


def plan_range(rota: Rota, call: SickCall, today: date | None = None) -> tuple[date, date]:
    """The dates a sick call re-plans (422 naming the field when they make no sense)."""
    if call.scope not in SCOPES:
        raise Invalid(f'choose what to re-plan: {", ".join(SCOPES)}, not "{call.scope}"', "scope")
    if call.person is not None:
        if call.first is None:
            raise Invalid("give the first date of the absence", "from")
        last = call.last or call.first
        if last < call.first:
            raise Invalid(f"the absence ends ({last}) before it starts ({call.first})", "to")
    if call.scope == "day":
        day = call.day or call.first
        if day is None:
            raise Invalid("give the day to re-plan", "day")
        start, end = day, day
    elif call.scope == "span":
        if call.person is None or call.first is None:
            raise Invalid("re-planning only the absence's dates needs someone ill or away", "scope")
        start, end = call.first, call.last or call.first
    else:
        start = call.fixed_before or call.first or today or rota.start
        end = rota.end
    if call.fixed_before is not None and start < call.fixed_before:
        start = call.fixed_before
    start, end = max(start, rota.start), min(end, rota.end)
    if start > end:
        where = {"day": "day", "span": "from"}.get(call.scope, "fixed_before")
        raise Invalid(f"nothing to re-plan: the rota runs {rota.start} to {rota.end}", where)
    return start, end


def record_absence(
    *, session: Session, team_id: str, call: SickCall, max_people: int | None = None, actor: str = "a lead"
) -> int | None:
    """Add the absence to the team file as a new version (nothing when no one is named); the version."""
    if call.person is None or call.first is None:
        return None
    first, last = call.first.isoformat(), (call.last or call.first).isoformat()
    reason = call.reason.strip() or "ill or away"

    def change(document: dict[str, Any]) -> None:
        if call.person not in {p.get("id") for p in document.get("people", [])}:
            raise Invalid(f'the team has no person "{call.person}"', "person")
        team_edits.add_leave(document, str(call.person), first, last, reason)

    audit.record(
        session,
        team_id,
        actor,
        "leave",
        f"{call.person}: {reason} {first} to {last} (a sick call), into the team file",
    )
    version, _, _ = team_edits.change_team(
        session=session, team_id=team_id, change=change, max_people=max_people
    )
    return version.version


@dataclass
class Review:
    """What keeping a re-plan changes, before anything is kept."""

    rota: Rota  # the re-plan (a draft)
    base: Rota  # what it re-plans: a published rota or its pending change set
    published: Rota | None  # the published rota the kept changes go to
    people: list[PersonChanges]
    duties: int  # duties (role, shift, date) whose people change
    added: int
    removed: int
    changes: int  # assignments added plus removed: the solver's figure
    bound: int | None  # proved: no re-plan with no more gap changes fewer
    proved: bool
    gaps_opened: list[str] = field(default_factory=list)
    gaps_closed: int = 0
    breaks: list[str] = field(default_factory=list)  # rules kept rota-wide would break (at its edges)
    start: date | None = None
    end: date | None = None

    @property
    def headline(self) -> str:
        n, m = self.duties, len(self.people)
        gaps = len(self.gaps_opened)
        opened = "no gap opened" if not gaps else f"{gaps} gap{'s' if gaps != 1 else ''} opened"
        return (
            f"{n} dut{'ies' if n != 1 else 'y'} change for {m} {'people' if m != 1 else 'person'}; {opened}"
        )

    @property
    def churn(self) -> str:
        """How far from the least possible churn, as the solver proved it."""
        if self.bound is None:
            return "the solver did not prove how few changes were possible"
        if self.proved or self.bound >= self.changes:
            return "the fewest possible (proved)"
        k = self.changes - self.bound
        return f"within {k} change{'s' if k != 1 else ''} of the least possible"


def _keys(rows: Iterable[Assignment], start: date, end: date) -> set[Key]:
    return {(a.person, a.role, a.shift, a.date) for a in rows if start <= a.date <= end}


def review(*, session: Session, rota: Rota) -> Review:
    """The review of a re-plan draft: per person what keeping it changes against what it re-planned, the
    duties that change hands, gaps opened, and the solver's proved distance from the least churn."""
    if rota.state != "draft" or rota.replan_of is None:
        raise NotFound(f"rota {rota.id} is not a re-plan waiting to be kept", "rota_id")
    base = session.get(Rota, rota.replan_of)
    if base is None:
        raise NotFound(f"the rota re-planned by rota {rota.id} is gone", "rota_id")
    team = rota_team(session=session, rota=rota)
    cal = Calendar(team, rota.start, rota.end)
    before = [duty_of(a) for a in base.assignments if rota.start <= a.date <= rota.end]
    after = [duty_of(a) for a in rota.assignments]
    people, _ = person_changes(team, before, after)
    old: dict[tuple[str, str, date], set[str]] = {}
    for d in before:
        old.setdefault((d.role, d.shift, d.date), set()).add(d.person)
    new: dict[tuple[str, str, date], set[str]] = {}
    for d in after:
        new.setdefault((d.role, d.shift, d.date), set()).add(d.person)
    duties = sum(1 for k in set(old) | set(new) if old.get(k, set()) != new.get(k, set()))
    solver = (rota.document or {}).get("solver") or {}
    added = len({_k(d) for d in after} - {_k(d) for d in before})
    removed = len({_k(d) for d in before} - {_k(d) for d in after})
    bound = solver.get("changes_bound")
    opened, closed = _gaps(cal, base, rota)
    whole = Calendar(team, base.start, base.end)
    around = [k for k in _keys(base.assignments, base.start, base.end) if not rota.start <= k[3] <= rota.end]
    was = set(check_duties(whole, team_duties(whole, _keys(base.assignments, base.start, base.end))))
    merged = team_duties(whole, [*around, *_keys(rota.assignments, rota.start, rota.end)])
    breaks = [v.message for v in check_duties(whole, merged) if v not in was]
    return Review(
        rota=rota,
        base=base,
        published=base if base.state == "published" else pending.base_of(session, base),
        people=people,
        duties=duties,
        added=added,
        removed=removed,
        changes=added + removed,
        bound=int(bound) if bound is not None else None,
        proved=bool(solver.get("changes_proved")),
        gaps_opened=opened,
        gaps_closed=closed,
        breaks=breaks,
        start=rota.start,
        end=rota.end,
    )


def _k(d: Duty) -> Key:
    return d.person, d.role, d.shift, d.date


def _gaps(cal: Calendar, base: Rota, rota: Rota) -> tuple[list[str], int]:
    """Gaps in the re-plan's dates that it opens (not in what it re-planned), in words; and how many it
    closes. Both are judged against the same team version (the re-plan's)."""
    from rota.coverage import gaps as true_gaps

    team = cal.team
    before = set(true_gaps(cal, team_duties(cal, _keys(base.assignments, rota.start, rota.end))))
    after = true_gaps(cal, team_duties(cal, _keys(rota.assignments, rota.start, rota.end)))
    opened = []
    for g in after:
        if g in before:
            continue
        a, b = cal.instant(g.start), cal.instant(g.end)
        role = team.roles[g.role].name or g.role
        opened.append(
            f"{a:%a} {a.day} {a:%b %Y} {role} {a:%H:%M}–{b:%H:%M}: {g.assigned} of {g.required} on duty"
        )
    return opened, len(before - set(after))


def as_json(r: Review) -> dict[str, Any]:
    """The review as the API answers it: the same sentence, counts and people as the page."""
    return {
        "rota_id": r.rota.id,
        "replan_of": r.base.id,
        "published_rota": r.published.id if r.published is not None else None,
        "start": r.start.isoformat() if r.start else None,
        "end": r.end.isoformat() if r.end else None,
        "headline": r.headline,
        "churn": r.churn,
        "counts": {
            "duties": r.duties,
            "people": len(r.people),
            "added": r.added,
            "removed": r.removed,
            "changes": r.changes,
            "gaps_opened": len(r.gaps_opened),
            "gaps_closed": r.gaps_closed,
        },
        "changes_bound": r.bound,
        "changes_proved": r.proved,
        "gaps_opened": r.gaps_opened,
        "breaks": r.breaks,
        "people": [
            {
                "person": p.person,
                "name": p.name,
                "changes": [{"date": c.day.isoformat(), "kind": c.kind, "duty": c.text} for c in p.items],
            }
            for p in r.people
        ],
    }


def keep(*, session: Session, rota_id: int, actor: str | None, history_days: int) -> Rota:
    """Keep a re-plan: its changes go into the pending change set of the published rota (made now if it has
    none), one recorded edit each, and the re-plan draft is removed. Changes made to the set since the
    re-plan started go through unless they touched a person and date the re-plan changes (409 ``cell``).
    Returns the pending set; nothing is published."""
    replan = lock_rota(session, rota_id, None, "")
    if replan.state != "draft" or replan.replan_of is None:
        raise Conflict(f"rota {replan.id} is not a re-plan waiting to be kept", "state")
    base = session.get(Rota, replan.replan_of)
    if base is None:
        raise Conflict(f"the rota re-planned by rota {replan.id} is gone: re-plan again", "state")
    published = base if base.state == "published" else pending.base_of(session, base)
    if published is None or published.state != "published":
        raise Conflict(
            f"the rota re-planned by rota {replan.id} is no longer published: re-plan the rota published now",
            "state",
        )
    start, end = replan.start, replan.end
    was = _keys(base.assignments, start, end)
    target = pending.open_pending(session, published.id, actor)
    held = {(a.person, a.role, a.shift, a.date): a for a in target.assignments}
    current = {k for k in held if start <= k[3] <= end}
    new = _keys(replan.assignments, start, end)
    baseline = _baseline(replan, was)
    drop, add = baseline - new, new - baseline
    touched = {(k[0], k[3]) for k in drop | add}
    moved = {(k[0], k[3]) for k in current ^ baseline}
    clash = sorted(touched & moved)
    if clash:
        person, day = clash[0]
        raise Conflict(
            f"{person} on {day:%a} {day.day} {day:%b %Y} changed in the unpublished changes after this "
            "re-plan started: re-plan again from them",
            "cell",
            extra={"cell": {"person": person, "date": day.isoformat()}},
        )
    team, version = horizon_team(
        session=session, team_id=target.team_id, start=target.start, end=target.end, history_days=history_days
    )
    cal = Calendar(team, target.start, target.end)
    seen = target.version
    stamp = utcnow()
    n = 0
    for k in sorted(drop):
        if k in held:
            session.delete(held.pop(k))
            n += 1
            session.add(_edit(target.id, "remove", k, actor, seen + n, stamp))
    for k in sorted(add):
        if k in held or k[0] not in {p.id for p in team.people}:
            continue
        d = cal.duty(*k)
        row = Assignment(rota_id=target.id, **assignment_values(d))
        session.add(row)
        held[k] = row
        n += 1
        session.add(_edit(target.id, "add", k, actor, seen + n, stamp))
    duties = team_duties(cal, held)
    document = edits._document(cal, duties, target.document)
    document["solver"] = {**(document.get("solver") or {}), "replanned": True}
    done = session.execute(
        update(Rota)
        .where(Rota.id == target.id, Rota.version == seen)
        .values(
            version=seen + max(n, 1),
            updated_at=stamp,
            team_version=version,
            document=document,
            objective=document["solver"].get("objective"),
        )
    )
    if done.rowcount != 1:
        raise Conflict(f"rota {target.id} changed meanwhile; keep the re-plan again", "version")
    _drop(session, replan.id)
    audit.record(
        session,
        target.team_id,
        actor or "unknown",
        "replan",
        f"re-plan {replan.id} kept in rota {target.id}: {n} changes",
    )
    session.commit()
    session.refresh(target)
    return target


def _baseline(replan: Rota, fallback: set[Key]) -> set[Key]:
    """What the re-plan was solved against: its duties with the solve's changes undone."""
    changes = replan.changes or {}
    if not changes:
        return fallback
    keys = _keys(replan.assignments, replan.start, replan.end)

    def key(x: dict[str, Any]) -> Key:
        return (str(x["person"]), str(x["role"]), str(x["shift"]), date.fromisoformat(str(x["date"])))

    return (keys - {key(x) for x in changes.get("added", [])}) | {key(x) for x in changes.get("removed", [])}


def _edit(rota_id: int, op: str, k: Key, actor: str | None, version: int, stamp: datetime) -> RotaEdit:
    return RotaEdit(
        rota_id=rota_id,
        op=op,
        payload={"person": k[0], "role": k[1], "shift": k[2], "date": k[3].isoformat()},
        forced=False,
        violations=[],
        reason="re-plan",
        actor=actor,
        rota_version=version,
        created_at=stamp,
    )


def _drop(session: Session, rota_id: int) -> None:
    """Remove a kept re-plan draft (its changes now live in the pending set)."""
    session.execute(delete(RotaEdit).where(RotaEdit.rota_id == rota_id))
    session.execute(delete(Assignment).where(Assignment.rota_id == rota_id))
    session.execute(update(Job).where(Job.rota_id == rota_id).values(rota_id=None))
    session.execute(update(Rota).where(Rota.replan_of == rota_id).values(replan_of=None))
    session.execute(delete(Rota).where(Rota.id == rota_id))


def replan_job_rota(*, session: Session, job_id: str) -> int | None:
    """The re-plan a finished job made, if it is still waiting to be kept."""
    job = session.get(Job, job_id)
    if job is None or job.rota_id is None:
        return None
    rota = session.get(Rota, job.rota_id)
    return rota.id if rota is not None and rota.state == "draft" and rota.replan_of is not None else None


def recent_day(today: date, rota: Rota) -> date:
    """The first date a re-plan may change by default: today (the past stays as it was), within the rota."""
    return min(max(today, rota.start), rota.end)
