"""A team lead's edits: add, remove, move or swap assignments; new rule breaks are refused unless forced.

Two leads (or two tabs) editing one rota conflict only where they touch the same person on the same date:
an edit sent with an older version goes through when no edit since then touched its cells."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rota.api.db import utcnow
from rota.api.errors import Conflict, Invalid, NotFound
from rota.api.models import Assignment, Rota, RotaEdit
from rota.api.services import audit, pending
from rota.api.services.locks import lock_rota
from rota.api.services.rotas import assignment_values, get_rota, horizon_team, team_duties
from rota.calendar import Calendar
from rota.checks import Violation, check_duties
from rota.explain import NOT_CHOSEN
from rota.records import Duty

EDIT_OPS = ("add", "remove", "move", "swap")
Key = tuple[str, str, str, date]  # person, role, shift, date
Cell = tuple[str, date]  # person, date
HAND_MADE = "opened by an edit"


@dataclass(frozen=True)
class EditRequest:
    """One change: ``op`` on the assignment (person, role, shift, date); ``to`` the fields a move changes."""

    op: str
    person: str
    role: str
    shift: str
    date: date
    to: dict[str, Any] | None = None
    force: bool = False
    reason: str | None = None


def edit_rota(
    *,
    session: Session,
    rota_id: int,
    request: EditRequest,
    version: int | None,
    actor: str | None,
    history_days: int,
) -> tuple[Rota, RotaEdit]:
    """Apply one edit to a draft, checked against the team's current version.

    An edit of a published rota lands in its pending change set (``pending.open_pending``: made by the first
    edit), never straight in the feeds: the rota returned is the set (``rota.pending_of`` is the published
    rota's id); Publish makes the changes the team's. ``version`` is then the set's version (as the answer of
    the previous edit gives it), ignored by the edit that opens the set.

    ``version`` is the rota version the client read: when edits came since, this one still goes through
    unless one of them touched the same person on the same date (409 naming them, path ``cell``); a
    version moved by anything but edits (a publish) answers 409 as before."""
    rota = lock_rota(session, rota_id, None, ": edit the rota that replaced it")
    if rota.state == "published":
        held = pending.pending_for(session, rota.id)
        if held is None:
            held, version = pending.open_pending(session, rota.id, actor), None
        rota = held
    cal, rows, removed, added, after, new = _evaluate(session, rota, request, version, history_days)
    if new and not request.force:
        raise Invalid(
            new[0].message,
            problems=[_problem(v) for v in new],
            extra={
                "violations": [v.as_dict() for v in new],
                "hint": "send force: true to make this change anyway; it is recorded",
            },
        )
    for k in removed:
        session.delete(rows[k])
    for k in added:
        d = cal.duty(*k)
        rota.assignments.append(Assignment(**assignment_values(d, forced=bool(new))))
    now, seen = utcnow(), rota.version
    kept = {(d.person, d.role, d.shift, d.date) for d in after}
    taken_off = _taken_off(session, cal, rota.id, removed, kept)
    rota.document = _document(cal, after, rota.document, [cal.duty(*k) for k in taken_off])
    done = session.execute(
        update(Rota)
        .where(Rota.id == rota.id, Rota.version == seen)
        .values(version=seen + 1, updated_at=now, objective=rota.document["solver"].get("objective"))
    )
    if done.rowcount != 1:
        raise Conflict(f"rota {rota.id} changed meanwhile; reload it and try again", "version")
    edit = RotaEdit(
        rota_id=rota.id,
        op=request.op,
        payload=_payload(request),
        forced=bool(new),
        violations=[v.as_dict() for v in new],
        reason=request.reason,
        actor=actor,
        rota_version=seen + 1,
        created_at=now,
    )
    session.add(edit)
    audit.record(
        session, rota.team_id, actor or "unknown", "edit", edit_words(rota.id, request), request.reason
    )
    session.flush()
    session.commit()
    session.refresh(rota)
    return rota, edit


def _evaluate(
    session: Session, rota: Rota, request: EditRequest, version: int | None, history_days: int
) -> tuple[Calendar, dict[Key, Assignment], list[Key], list[Key], list[Duty], list[Violation]]:
    """The edit against the team's current version: its plan, the duties after it, the rule breaks it adds."""
    team, _ = horizon_team(
        session=session, team_id=rota.team_id, start=rota.start, end=rota.end, history_days=history_days
    )
    cal = Calendar(team, rota.start, rota.end)
    rows = {(r.person, r.role, r.shift, r.date): r for r in rota.assignments}
    if version is not None and version != rota.version:
        _check_cells(session, cal, rota, version, request)
    removed, added = _plan(cal, rows, request)
    before = team_duties(cal, rows)
    after = [d for d in before if (d.person, d.role, d.shift, d.date) not in removed]
    after += [cal.duty(*k) for k in added]
    old = set(check_duties(cal, before))
    new = [v for v in check_duties(cal, after) if v not in old]
    return cal, rows, removed, added, after, new


def check_edit(*, session: Session, rota_id: int, request: EditRequest, history_days: int) -> list[Violation]:
    """The rule breaks an edit would add, without saving anything (404/409/422 as the edit would)."""
    rota = get_rota(session=session, rota_id=rota_id)
    if rota.state == "published":  # the edit would land in its pending change set
        rota = pending.pending_for(session, rota.id) or rota
    return _evaluate(session, rota, request, None, history_days)[-1]


def _plan(cal: Calendar, rows: dict[Key, Assignment], req: EditRequest) -> tuple[list[Key], list[Key]]:
    """(keys removed, keys added) of an edit; 422/404/409 name the field that is wrong."""
    if req.op not in EDIT_OPS:
        raise Invalid(f'unknown op "{req.op}" (known: {", ".join(EDIT_OPS)})', "op")
    key: Key = (req.person, req.role, req.shift, req.date)
    if req.op == "add":
        _check_key(cal, key, "")
        if key in rows:
            raise Conflict(f"{_label(key)} is already in the rota", "")
        return [], [key]
    if key not in rows:
        raise NotFound(f"{_label(key)} is not in the rota", "")
    if req.op == "remove":
        return [key], []
    to = req.to or {}
    unknown = set(to) - {"person", "role", "shift", "date"}
    if unknown:
        raise Invalid(f"a {req.op} names person, role, shift or date, not {', '.join(sorted(unknown))}", "to")
    dest = _to_key(req, key)
    if req.op == "swap":
        if "person" not in to or dest[0] == req.person:
            raise Invalid("a swap needs to.person: someone else, whose duty is exchanged", "to.person")
        _check_key(cal, dest, "to.")
        if dest not in rows:
            raise NotFound(f"{_label(dest)} is not in the rota: a swap exchanges two duties", "to")
        mine: Key = (req.person, dest[1], dest[2], dest[3])
        theirs: Key = (dest[0], key[1], key[2], key[3])
        if mine[1:] == theirs[1:]:
            raise Invalid("the swap changes nothing: both hold the same duty", "to")
        for k, path in ((mine, ""), (theirs, "to")):
            if k in rows:
                raise Conflict(f"{_label(k)} is already in the rota", path)
        return [key, dest], [mine, theirs]
    if dest == key:
        raise Invalid("the move changes nothing: give to.person, to.role, to.shift or to.date", "to")
    _check_key(cal, dest, "to.")
    if dest in rows:
        raise Conflict(f"{_label(dest)} is already in the rota", "to")
    return [key], [dest]


def _to_key(req: EditRequest, key: Key) -> Key:
    """The other side of a move or swap: ``to`` over the edit's own (person, role, shift, date)."""
    to = req.to or {}
    day = to.get("date", req.date)
    return (
        to.get("person", req.person),
        to.get("role", req.role),
        to.get("shift", req.shift),
        day if isinstance(day, date) else date.fromisoformat(str(day)),
    )


def cells_of(op: str, payload: dict[str, Any]) -> set[Cell]:
    """The (person, date) cells an edit touches: its own, and the other side's of a move or swap."""
    day = date.fromisoformat(str(payload["date"]))
    cells = {(str(payload["person"]), day)}
    to = payload.get("to") or {}
    if op in ("move", "swap") and to:
        cells.add((str(to.get("person", payload["person"])), date.fromisoformat(str(to.get("date", day)))))
    return cells


def _check_cells(session: Session, cal: Calendar, rota: Rota, version: int, req: EditRequest) -> None:
    """409 when an edit since ``version`` touched a cell this one touches, or something else (a publish)
    moved the rota's version since."""
    since = list(
        session.scalars(
            select(RotaEdit)
            .where(RotaEdit.rota_id == rota.id, RotaEdit.rota_version > version)
            .order_by(RotaEdit.id)
        )
    )
    if version > rota.version or len(since) != rota.version - version:
        raise Conflict(
            f"rota {rota.id} is at version {rota.version}, not {version}: reload it and try again",
            "version",
            extra={"version": rota.version},
        )
    mine = cells_of(req.op, _payload(req))
    names = {p.id: p.display for p in cal.team.people}
    for e in since:
        both = sorted(mine & cells_of(e.op, e.payload))
        if both:
            person, day = both[0]
            who = f" by {e.actor}" if e.actor else ""
            raise Conflict(
                f"{names.get(person, person)} on {day:%a} {day.day} {day:%b %Y} changed meanwhile{who} "
                f"(version {e.rota_version}): open the cell again to see it and decide",
                "cell",
                extra={"version": rota.version, "cell": {"person": person, "date": day.isoformat()}},
            )


def _check_key(cal: Calendar, key: Key, prefix: str) -> None:
    person, role, shift, day = key
    team = cal.team
    if person not in {p.id for p in team.people}:
        raise Invalid(f'the team has no person "{person}"', f"{prefix}person")
    if role not in team.roles:
        raise Invalid(f'the team has no role "{role}"', f"{prefix}role")
    if shift not in team.shifts:
        raise Invalid(f'the team has no shift "{shift}"', f"{prefix}shift")
    if not cal.start <= day <= cal.end:
        raise Invalid(f"{day} is outside the rota's period {cal.start} to {cal.end}", f"{prefix}date")


def _taken_off(
    session: Session, cal: Calendar, rota_id: int, removed: list[Key], kept: set[Key]
) -> list[Key]:
    """Duties taken off by this edit or an earlier one, not back in the rota (and still in the team)."""
    keys: set[Key] = set(removed)
    query = select(RotaEdit.op, RotaEdit.payload).where(RotaEdit.rota_id == rota_id)
    for op, payload in session.execute(query):
        day = date.fromisoformat(payload["date"])
        if op in ("remove", "move", "swap"):
            keys.add((payload["person"], payload["role"], payload["shift"], day))
        if op == "swap" and payload.get("to"):
            to = payload["to"]
            keys.add(
                (
                    to["person"],
                    to.get("role", payload["role"]),
                    to.get("shift", payload["shift"]),
                    date.fromisoformat(to.get("date", payload["date"])),
                )
            )
    team = cal.team
    people = {p.id for p in team.people}
    return sorted(
        k
        for k in keys
        if k not in kept
        and k[0] in people
        and k[1] in team.roles
        and k[2] in team.shifts
        and cal.start <= k[3] <= cal.end
    )


def _document(
    cal: Calendar, duties: list[Duty], old: dict[str, Any], taken_off: list[Duty] | None = None
) -> dict[str, Any]:
    """The rota document recomputed after an edit: assignments, gaps with reasons, terms, hours.

    A gap in the hours of a duty taken off by hand says so first, and not that the solver stopped early."""
    from rota.solver.result import rota_document

    solver = {k: v for k, v in (old.get("solver") or {}).items() if k in ("status", "bound", "seconds")}
    doc, _ = rota_document(cal, duties, {"status": solver.get("status", "feasible"), **solver})
    names = {p.id: p.display for p in cal.team.people}
    team = cal.team
    for gap in doc.gaps:
        start, end = datetime.fromisoformat(gap.start), datetime.fromisoformat(gap.end)
        made = [
            d
            for d in taken_off or ()
            if d.role == gap.role and cal.instant(d.start) < end and start < cal.instant(d.end)
        ]
        if made:
            what = ", ".join(
                f"{names.get(d.person, d.person)} ({team.shifts[d.shift].name or d.shift} "
                f"{cal.instant(d.start):%H:%M}–{cal.instant(d.end):%H:%M})"
                for d in made
            )
            gap.reasons = [f"{HAND_MADE}: taken off by hand: {what}"] + [
                r.replace(NOT_CHOSEN, "nobody put on after the edit") for r in gap.reasons
            ]
    out = doc.to_json()
    out["edited"] = True
    return out


def _problem(v: Violation) -> dict[str, Any]:
    return {
        "path": "assignment",
        "message": v.message,
        "rule": v.rule,
        "person": v.person,
        "date": v.date.isoformat() if v.date else None,
    }


def _payload(req: EditRequest) -> dict[str, Any]:
    out: dict[str, Any] = {
        "person": req.person,
        "role": req.role,
        "shift": req.shift,
        "date": req.date.isoformat(),
    }
    if req.to:
        out["to"] = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in req.to.items()}
    return out


def edit_words(rota_id: int, req: EditRequest) -> str:
    """An edit in a line, for the audit: "rota 3: move noor am (desk) on 2026-10-19 to person sem"."""
    to = ", ".join(f"{k} {v}" for k, v in (req.to or {}).items())
    label = _label((req.person, req.role, req.shift, req.date))
    return f"rota {rota_id}: {req.op} {label}{' to ' + to if to else ''}{' (forced)' if req.force else ''}"


def _label(key: Key) -> str:
    person, role, shift, day = key
    return f"{person} {shift} ({role}) on {day}"


def list_edits(*, session: Session, rota_id: int) -> list[RotaEdit]:
    return list(session.scalars(select(RotaEdit).where(RotaEdit.rota_id == rota_id).order_by(RotaEdit.id)))


def gaps_opened(cal: Calendar, duties: list[Duty], off: Duty) -> list[str]:
    """What taking ``off`` out of ``duties`` leaves uncovered, in words ("Mon 1 Feb 2027 Service desk
    09:00–13:00 uncovered in core hours"): the gaps of its role in its hours that are new or deeper."""
    from rota.coverage import gaps as true_gaps

    near = [d for d in duties if d.role == off.role and abs((d.date - off.date).days) <= 1]
    before = set(true_gaps(cal, near))
    after = true_gaps(cal, [d for d in near if d != off])
    role = cal.team.roles[off.role].name or off.role
    out = []
    for g in after:
        if g in before or not (g.start < off.end and off.start < g.end):
            continue
        a, b = cal.instant(g.start), cal.instant(g.end)
        short = "uncovered" if g.assigned == 0 else f"short ({g.assigned} of {g.required} on duty)"
        where = "in core hours" if g.core else "outside core hours"
        out.append(f"{a:%a} {a.day} {a:%b %Y} {role} {a:%H:%M}–{b:%H:%M} {short} {where}")
    return out


@dataclass(frozen=True)
class Standing:
    """How fit ``person`` is to take a duty of a role on a date: skills missing, leave, other duties then."""

    person: str
    missing: tuple[str, ...] = ()
    leave: str | None = None
    busy: tuple[Duty, ...] = ()

    @property
    def rank(self) -> tuple[bool, bool, bool]:
        """Sorts qualified and free people first, then those on another duty, on leave, missing a skill."""
        return bool(self.missing), self.leave is not None, bool(self.busy)


@dataclass
class DutyChoices:
    """One of a person's duties on a date: what taking it off leaves uncovered, who could take it over and
    whose duty it could be swapped with (their fit for it, the person's fit for theirs), best first."""

    duty: Duty
    gaps: list[str]
    takers: list[Standing] = field(default_factory=list)
    swaps: list[tuple[Duty, Standing, Standing]] = field(default_factory=list)


@dataclass
class CellChoices:
    duties: list[DutyChoices]
    slots: list[tuple[str, str, tuple[str, ...]]]  # (shift, role, skills the person lacks), qualified first
    leave: str | None


def cell_choices(cal: Calendar, duties: list[Duty], person: str, day: date) -> CellChoices:
    """What a lead can do with ``person`` on ``day`` in a rota of ``duties``: each of their duties with its
    ranked takers and swaps, and the (shift, role) slots they could be put on."""
    from rota.export import away_dates, cell_codes

    team = cal.team
    people = {p.id: p for p in team.people}
    today = [d for d in duties if d.date == day]
    away = away_dates(cal, [day])

    def standing(pid: str, role: str, duty: Duty | None) -> Standing:
        busy = tuple(
            d
            for d in today
            if d.person == pid and d != duty and (duty is None or (d.start < duty.end and duty.start < d.end))
        )
        return Standing(
            pid,
            tuple(sorted(set(team.roles[role].skills) - set(people[pid].skills))),
            away.get((pid, day)),
            busy,
        )

    out = []
    for d in (d for d in today if d.person == person):
        takers = [standing(pid, d.role, d) for pid in people if pid != person]
        swaps = [
            (o, standing(o.person, d.role, None), standing(person, o.role, None))
            for o in today
            if o.person != person and (o.role, o.shift) != (d.role, d.shift)
        ]
        out.append(
            DutyChoices(
                d,
                gaps_opened(cal, duties, d),
                sorted(takers, key=lambda t: t.rank),
                sorted(swaps, key=lambda w: (bool(w[1].missing or w[2].missing), w[1].leave is not None)),
            )
        )
    taken = {(c.duty.shift, c.duty.role) for c in out}
    slots = [
        (shift, role, standing(person, role, None).missing)
        for (shift, role) in cell_codes(team)
        if cal.slot_allowed(shift, day) and (shift, role) not in taken
    ]
    return CellChoices(out, sorted(slots, key=lambda s: bool(s[2])), away.get((person, day)))
