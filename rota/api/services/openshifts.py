"""Open shifts: a gap in a published rota, or a duty someone drops, posted by the lead for anyone eligible
to claim. Eligible: the claim adds no rule break (``swapcheck``). The first valid claim wins: the claim moves
the row from ``open`` to ``claimed`` with a conditional update in the transaction that puts the duty in the
rota, so of two claims at once one goes through and the other answers 409 in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rota.api.auth import Principal
from rota.api.db import utcnow
from rota.api.errors import Conflict, Invalid, NotFound
from rota.api.models import OpenShift
from rota.api.services import audit, request_notices, swapcheck
from rota.api.services.edits import EditRequest, edit_rota
from rota.api.services.requests import Board, DutyRef, board, duty_words, find_duty, published_rota
from rota.api.services.rotas import readable_rota
from rota.api.services.teams import get_team


@dataclass(frozen=True)
class NewOpenShift:
    date: date
    shift: str
    role: str | None = None
    person: str | None = None  # the duty is theirs, dropped; None: a gap
    note: str | None = None


def _slot(b: Board, new: NewOpenShift) -> tuple[str, Any]:
    """(role, the dropped duty or None), 422 naming the field that is wrong."""
    team = b.cal.team
    if new.person is not None:
        d = find_duty(b, new.person, DutyRef(new.date, new.shift, new.role), "person")
        return d.role, d
    if new.shift not in team.shifts:
        raise Invalid(f'the team has no shift "{new.shift}"', "shift")
    roles = list(team.shifts[new.shift].roles)
    role = new.role or (roles[0] if len(roles) == 1 else None)
    if role is None:
        raise Invalid(f"shift {new.shift} serves {', '.join(roles)}: name the role", "role")
    if role not in roles:
        raise Invalid(f"shift {new.shift} does not serve role {role}", "role")
    if not b.cal.start <= new.date <= b.cal.end:
        raise Invalid(f"{new.date} is outside the rota's period {b.cal.start} to {b.cal.end}", "date")
    if not b.cal.slot_allowed(new.shift, new.date):
        raise Invalid(f"shift {new.shift} does not run on {new.date}", "date")
    return role, None


def post(
    *, session: Session, principal: Principal, rota_id: int, new: NewOpenShift, history_days: int
) -> tuple[OpenShift, list[str]]:
    """Post an open shift on a published rota (its team's lead); returns it and who may claim it."""
    rota = readable_rota(session=session, principal=principal, rota_id=rota_id)
    principal.require_lead(rota.team_id)
    rota = published_rota(session, rota.team_id, rota_id, "rota_id")
    b = board(session, rota, history_days)
    role, dropped = _slot(b, new)
    row = OpenShift(
        team_id=rota.team_id,
        rota_id=rota.id,
        role=role,
        shift=new.shift,
        date=new.date,
        person=new.person,
        state="open",
        note=new.note,
        posted_by=principal.name,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    shown = dropped or b.cal.duty("?", role, new.shift, new.date)
    words = duty_words(b, shown).split(": ", 1)[1]
    whose = f", dropped by {b.names.get(new.person, new.person)}" if new.person else " (a gap)"
    audit.record(
        session, rota.team_id, principal.name, "open-shift", f"open shift {row.id}: {words}{whose}", new.note
    )
    who = eligible(b, row)
    request_notices.queue(
        session,
        rota.team_id,
        who,
        f"open-shift:{row.id}",
        "An open shift you can take",
        "A shift is open and the rules allow it for you; the first to take it on your page Leave, swaps and "
        "open shifts (/me/requests) has it.",
        [words + (f" ({new.note})" if new.note else "")],
    )
    session.commit()
    return row, who


def eligible(b: Board, row: OpenShift) -> list[str]:
    """Who may claim ``row`` now: the people for whom taking it adds no rule break."""
    dropped = _dropped(b, row)
    ok, _ = swapcheck.eligible(
        b.cal,
        b.duties,
        [p.id for p in b.cal.team.people if p.id != row.person],
        lambda pid: swapcheck.claim(b.cal, row.role, row.shift, row.date, pid, dropped),
    )
    return ok


def _dropped(b: Board, row: OpenShift) -> Any:
    if row.person is None:
        return None
    for d in b.duties:
        if (d.person, d.role, d.shift, d.date) == (row.person, row.role, row.shift, row.date):
            return d
    raise Conflict(f"the duty of open shift {row.id} is no longer {row.person}'s: the rota changed", "")


def get_open_shift(*, session: Session, open_shift_id: int) -> OpenShift:
    row = session.get(OpenShift, open_shift_id)
    if row is None:
        raise NotFound(f"no open shift {open_shift_id}", "open_shift_id")
    return row


def list_open(
    *, session: Session, principal: Principal, team_id: str, history_days: int
) -> list[tuple[OpenShift, list[str]]]:
    """The team's open shifts with who may claim each; staff see those they may claim (404: no such team)."""
    principal.require_reader(team_id)
    get_team(session=session, team_id=team_id)
    rows = list(
        session.scalars(
            select(OpenShift)
            .where(OpenShift.team_id == team_id, OpenShift.state == "open")
            .order_by(OpenShift.date, OpenShift.id)
        )
    )
    boards: dict[int, Board] = {}
    out = []
    for row in rows:
        try:
            rota = published_rota(session, row.team_id, row.rota_id, "rota", row.date)
        except Invalid:  # the rota is no longer published on that date: nothing to claim
            continue
        if rota.id not in boards:
            boards[rota.id] = board(session, rota, history_days)
        try:
            who = eligible(boards[rota.id], row)
        except Conflict:  # the dropped duty is no longer its person's
            continue
        if principal.manages(team_id) or principal.person in who:
            out.append((row, who))
    return out


def claim(
    *, session: Session, principal: Principal, open_shift_id: int, history_days: int
) -> tuple[OpenShift, int]:
    """Take an open shift (staff of its team, for themselves): the rules are checked now, the first valid
    claim wins; a later one answers 409 naming who took it. Returns the shift and the pending change set
    (rota id) the duty waits in until Publish."""
    row = get_open_shift(session=session, open_shift_id=open_shift_id)
    if not principal.member(row.team_id) or principal.person is None:
        raise NotFound(f"no open shift {open_shift_id}", "open_shift_id")
    me = principal.person
    if row.state != "open":
        raise Conflict(_taken(row), "state")
    if me == row.person:
        raise Invalid("this is your own duty, posted as open: a colleague takes it", "person")
    b = board(session, published_rota(session, row.team_id, row.rota_id, "rota", row.date), history_days)
    change = swapcheck.claim(b.cal, row.role, row.shift, row.date, me, _dropped(b, row))
    found = swapcheck.new_breaks(b.cal, b.duties, change)
    if found:
        raise swapcheck.refusal(found, "taking this shift")
    now = utcnow()
    won = session.execute(
        update(OpenShift)
        .where(OpenShift.id == row.id, OpenShift.state == "open")
        .values(state="claimed", claimed_by=me, claimed_at=now)
    )
    if won.rowcount != 1:
        session.rollback()
        raise Conflict(_taken(get_open_shift(session=session, open_shift_id=open_shift_id)), "state")
    words = duty_words(b, change.added[0])
    audit.record(
        session, row.team_id, audit.actor_of(principal, b.names), "claim", f"open shift {row.id}: {words}"
    )
    if row.person is None:
        edit = EditRequest(op="add", person=me, role=row.role, shift=row.shift, date=row.date)
    else:
        edit = EditRequest(
            op="move", person=row.person, role=row.role, shift=row.shift, date=row.date, to={"person": me}
        )
    edit = EditRequest(**{**edit.__dict__, "reason": f"open shift {row.id} claimed"})
    held, _ = edit_rota(
        session=session,
        rota_id=b.rota.id,
        request=edit,
        version=None,
        actor=principal.name,
        history_days=history_days,
    )
    session.refresh(row)
    return row, held.id


def _taken(row: OpenShift) -> str:
    if row.state == "claimed":
        when = f"{row.claimed_at:%H:%M} UTC" if row.claimed_at else "just now"
        return f"someone else took this shift first ({row.claimed_by}, {when}): it is no longer open"
    return f"this shift is no longer open ({row.state})"


def open_shift_view(row: OpenShift, who: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "team": row.team_id,
        "rota": row.rota_id,
        "date": row.date.isoformat(),
        "shift": row.shift,
        "role": row.role,
        "person": row.person,
        "state": row.state,
        "note": row.note,
        "posted_by": row.posted_by,
        "claimed_by": row.claimed_by,
    }
    if who is not None:
        out["eligible"] = who
    return out
