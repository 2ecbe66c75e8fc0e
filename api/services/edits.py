"""A team lead's edits: add, remove or move an assignment; new rule breaks are refused unless forced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.db import utcnow
from api.errors import Conflict, Invalid, NotFound
from api.feeds import sync_events
from api.models import Assignment, PublishedDay, Rota, RotaEdit
from api.services.publish import lock_rota
from api.services.rotas import horizon_team, team_duties
from rota import timeutil
from rota.calendar import Calendar
from rota.checks import Violation, check_duties
from rota.records import Duty

EDIT_OPS = ("add", "remove", "move")
Key = tuple[str, str, str, date]  # person, role, shift, date


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
    """Apply one edit to a draft or published rota, checked against the team's current version."""
    rota = lock_rota(session, rota_id, version, ": edit the rota that replaced it")
    team_id = rota.team_id
    team, _ = horizon_team(
        session=session, team_id=team_id, start=rota.start, end=rota.end, history_days=history_days
    )
    cal = Calendar(team, rota.start, rota.end)
    rows = {(r.person, r.role, r.shift, r.date): r for r in rota.assignments}
    removed, added = _plan(cal, rows, request)
    before = team_duties(cal, rows)
    after = [d for d in before if (d.person, d.role, d.shift, d.date) not in removed]
    after += [cal.duty(*k) for k in added]
    old = set(check_duties(cal, before))
    new = [v for v in check_duties(cal, after) if v not in old]
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
        rota.assignments.append(
            Assignment(
                person=d.person,
                role=d.role,
                shift=d.shift,
                date=d.date,
                start_utc=timeutil.from_minutes(d.start, UTC),
                end_utc=timeutil.from_minutes(d.end, UTC),
                forced=bool(new),
            )
        )
    now, seen = utcnow(), rota.version
    rota.document = _document(cal, after, rota.document)
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
    session.flush()
    days = sorted({k[3] for k in (*removed, *added)})
    if session.scalar(select(PublishedDay.date).where(PublishedDay.rota_id == rota.id).limit(1)) is not None:
        sync_events(session=session, team_id=team_id, start=days[0], end=days[-1], now=now)
    session.commit()
    session.refresh(rota)
    return rota, edit


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
        raise Invalid(f"a move changes person, role, shift or date, not {', '.join(sorted(unknown))}", "to")
    day = to.get("date", req.date)
    dest: Key = (
        to.get("person", req.person),
        to.get("role", req.role),
        to.get("shift", req.shift),
        day if isinstance(day, date) else date.fromisoformat(str(day)),
    )
    if dest == key:
        raise Invalid("the move changes nothing: give to.person, to.role, to.shift or to.date", "to")
    _check_key(cal, dest, "to.")
    if dest in rows:
        raise Conflict(f"{_label(dest)} is already in the rota", "to")
    return [key], [dest]


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


def _document(cal: Calendar, duties: list[Duty], old: dict[str, Any]) -> dict[str, Any]:
    """The rota document recomputed after an edit: assignments, gaps with reasons, terms, hours."""
    from solver.result import rota_document

    solver = {k: v for k, v in (old.get("solver") or {}).items() if k in ("status", "bound", "seconds")}
    doc, _ = rota_document(cal, duties, {"status": solver.get("status", "feasible"), **solver})
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


def _label(key: Key) -> str:
    person, role, shift, day = key
    return f"{person} {shift} ({role}) on {day}"


def list_edits(*, session: Session, rota_id: int) -> list[RotaEdit]:
    return list(session.scalars(select(RotaEdit).where(RotaEdit.rota_id == rota_id).order_by(RotaEdit.id)))
