"""Staff requests: leave, swaps and give-aways, each checked by the rules before anyone is asked.

A swap or give-away names one of the requester's duties on a published rota (by date and shift) and a
colleague, or nobody for an open offer. ``swapcheck`` refuses (422, naming the rule ids) a change that adds
a rule break for either person; an open offer goes only to the colleagues for whom it is valid. The colleague
accepts (``offered`` → ``pending``), the lead approves (or the team file says ``requests: {swaps:
auto-approve}``) and the change goes through ``edits.edit_rota``, which checks the rules once more.

Leave: whole dates or a timed span, a kind and a note for the lead only. The lead sees what granting does to
the published rota (the duties that fall, the gaps they open, who could cover); approval adds the
unavailability to the team as a new team version. Every step is in the audit (``audit.record``), in the same
transaction as the step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rota import timeutil
from rota.api.auth import Principal
from rota.api.db import utcnow
from rota.api.errors import Conflict, Forbidden, Invalid, NotFound
from rota.api.models import PublishedDay, Rota, StaffRequest
from rota.api.services import audit, pending, request_notices, swapcheck, team_edits
from rota.api.services.edits import EditRequest, edit_rota, gaps_opened
from rota.api.services.rotas import duty_of, get_rota, horizon_team
from rota.api.services.teams import current_document, display_names, get_team
from rota.calendar import Calendar
from rota.records import Duty

KINDS = ("leave", "swap", "giveaway")
LEAVE_KINDS = ("annual leave", "training", "other")
STATES = ("offered", "pending", "approved", "declined", "withdrawn")
OPEN_STATES = ("offered", "pending")


@dataclass(frozen=True)
class DutyRef:
    """A duty named by date and shift (and role, when the shift serves more than one)."""

    date: date
    shift: str
    role: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"date": self.date.isoformat(), "shift": self.shift}
        if self.role:
            out["role"] = self.role
        return out

    @classmethod
    def of(cls, data: dict[str, Any]) -> DutyRef:
        return cls(date.fromisoformat(str(data["date"])), str(data["shift"]), data.get("role"))


@dataclass(frozen=True)
class NewRequest:
    kind: str
    person: str
    rota_id: int | None = None
    duty: DutyRef | None = None
    colleague: str | None = None
    in_return: DutyRef | None = None
    start: date | datetime | None = None
    end: date | datetime | None = None
    leave_kind: str = "annual leave"
    note: str | None = None


@dataclass
class Board:
    """A published rota as the rules see it: its calendar (the team's current version), duties, names."""

    rota: Rota
    cal: Calendar
    duties: list[Duty]
    names: dict[str, str]


def board(session: Session, rota: Rota, history_days: int) -> Board:
    """The published ``rota`` with the changes waiting in its pending change set, if it has one: what the
    next Publish makes the team's, so what a swap, give-away or claim is checked against."""
    team, _ = horizon_team(
        session=session, team_id=rota.team_id, start=rota.start, end=rota.end, history_days=history_days
    )
    cal = Calendar(team, rota.start, rota.end)
    people = {p.id for p in team.people}
    held = pending.pending_for(session, rota.id)
    rows = held.assignments if held is not None else rota.assignments
    duties = sorted(duty_of(a) for a in rows if a.person in people)
    return Board(rota, cal, duties, {p.id: p.display for p in team.people})


def published_rota(
    session: Session, team_id: str, rota_id: int | None, path: str = "rota", day: date | None = None
) -> Rota:
    """The team's published rota ``rota_id`` (422 naming ``path`` otherwise). When a later publish replaced
    it (its pending changes published as a new version), the rota published now on ``day``."""
    if rota_id is None:
        raise Invalid("name the rota (its id) the duty is on", path)
    try:
        rota = get_rota(session=session, rota_id=rota_id)
    except NotFound:
        raise Invalid(f"there is no rota {rota_id}", path) from None
    if rota.team_id != team_id:
        raise Invalid(f'rota {rota_id} is not one of team "{team_id}"', path)
    if rota.state == "superseded" and day is not None:
        now = session.scalar(
            select(PublishedDay.rota_id).where(PublishedDay.team_id == team_id, PublishedDay.date == day)
        )
        if now is not None:
            rota = get_rota(session=session, rota_id=now)
    if rota.state != "published":
        raise Invalid(
            f"rota {rota_id} is not published ({rota.state}): only published duties change hands", path
        )
    return rota


def find_duty(b: Board, person: str, ref: DutyRef, path: str) -> Duty:
    """``person``'s duty on ``ref`` (422 naming ``path`` when they hold none, or more than one fits)."""
    found = [
        d
        for d in b.duties
        if d.person == person and d.date == ref.date and d.shift == ref.shift and ref.role in (None, d.role)
    ]
    who = b.names.get(person, person)
    if not found:
        raise Invalid(f"{who} has no {ref.shift} duty on {_day(ref.date)} in rota {b.rota.id}", path)
    if len(found) > 1:
        raise Invalid(f"{who} has {len(found)} {ref.shift} duties on {_day(ref.date)}: name the role", path)
    return found[0]


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def duty_words(b: Board, d: Duty) -> str:
    """ "Noor de Vries: Mon 19 Oct 2026 am 09:00–13:00 (Service desk)"."""
    team = b.cal.team
    shift = team.shifts[d.shift].name or d.shift
    role = team.roles[d.role].name or d.role
    start, end = b.cal.instant(d.start), b.cal.instant(d.end)
    return f"{b.names.get(d.person, d.person)}: {_day(d.date)} {shift} {start:%H:%M}–{end:%H:%M} ({role})"


def _change(b: Board, req: StaffRequest, colleague: str, in_return: DutyRef | None) -> swapcheck.Change:
    """The change a request makes once ``colleague`` takes it."""
    mine = find_duty(b, req.person, DutyRef.of(req.detail["duty"]), "duty")
    if req.kind == "giveaway":
        return swapcheck.giveaway(b.cal, mine, colleague)
    assert in_return is not None
    theirs = find_duty(b, colleague, in_return, "in_return")
    return swapcheck.swap(b.cal, mine, theirs)


def _colleagues(b: Board, person: str) -> list[str]:
    return [p.id for p in b.cal.team.people if p.id != person]


def _swap_offers(b: Board, mine: Duty, colleague: str) -> list[Duty]:
    """``colleague``'s duties that ``mine`` can be swapped with without a new rule break."""
    return [
        theirs
        for theirs in b.duties
        if theirs.person == colleague
        and (theirs.role, theirs.shift, theirs.date) != (mine.role, mine.shift, mine.date)
        and not swapcheck.new_breaks(b.cal, b.duties, swapcheck.swap(b.cal, mine, theirs))
    ]


def create_request(
    *, session: Session, team_id: str, principal: Principal, new: NewRequest, history_days: int
) -> StaffRequest:
    """Check and store a request (with its audit entry); 422 naming the rule ids when it breaks one."""
    get_team(session=session, team_id=team_id)
    if new.kind not in KINDS:
        raise Invalid(f'unknown kind "{new.kind}" (known: {", ".join(KINDS)})', "kind")
    doc = current_document(session=session, team_id=team_id)
    names = display_names(doc)[0]
    if new.person not in names:
        raise Invalid(f'the team has no person "{new.person}"', "person")
    if new.kind == "leave":
        return _create_leave(session, team_id, principal, new, names)
    rota = published_rota(session, team_id, new.rota_id, day=new.duty.date if new.duty else None)
    if new.duty is None:
        raise Invalid(f"a {new.kind} names the duty: its date and shift", "duty")
    b = board(session, rota, history_days)
    mine = find_duty(b, new.person, new.duty, "duty")
    detail: dict[str, Any] = {"duty": {**new.duty.as_dict(), "role": mine.role}, "words": duty_words(b, mine)}
    offered: list[str]
    if new.colleague is not None:
        if new.colleague not in names:
            raise Invalid(f'the team has no person "{new.colleague}"', "colleague")
        if new.colleague == new.person:
            raise Invalid("name a colleague, not yourself", "colleague")
        if new.kind == "swap":
            if new.in_return is None:
                raise Invalid(
                    "a swap names the colleague's duty you take in return: in_return date and shift",
                    "in_return",
                )
            theirs = find_duty(b, new.colleague, new.in_return, "in_return")
            change = swapcheck.swap(b.cal, mine, theirs)
            detail["in_return"] = {**new.in_return.as_dict(), "role": theirs.role}
            detail["in_return_words"] = duty_words(b, theirs)
        else:
            change = swapcheck.giveaway(b.cal, mine, new.colleague)
        found = swapcheck.new_breaks(b.cal, b.duties, change)
        if found:
            raise swapcheck.refusal(found, f"this {new.kind}")
        offered = [new.colleague]
    else:
        if new.kind == "giveaway":
            offered, refused = swapcheck.eligible(
                b.cal, b.duties, _colleagues(b, new.person), lambda pid: swapcheck.giveaway(b.cal, mine, pid)
            )
        else:
            offered = [pid for pid in _colleagues(b, new.person) if _swap_offers(b, mine, pid)]
            refused = {}
        if not offered:
            every = [v for found in refused.values() for v in found]
            if every:
                raise swapcheck.refusal(every, f"this {new.kind}, for every colleague,")
            raise Invalid(f"no colleague could take this {new.kind} without breaking a rule", "colleague")
    now = utcnow()
    row = StaffRequest(
        team_id=team_id,
        kind=new.kind,
        state="offered",
        person=new.person,
        colleague=new.colleague,
        rota_id=rota.id,
        detail=detail,
        offered_to=offered,
        note=new.note,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    to = (
        names[new.colleague]
        if new.colleague
        else f"{len(offered)} eligible colleague(s): " + ", ".join(names[p] for p in offered)
    )
    audit.record(
        session,
        team_id,
        audit.actor_of(principal, names),
        "request",
        f"request {row.id}: {new.kind} of {detail['words']}, offered to {to}",
    )
    what = "a swap" if new.kind == "swap" else "a give-away"
    lines = [f"Their duty: {detail['words']}"]
    if "in_return_words" in detail:
        lines.append(f"Yours in return: {detail['in_return_words']}")
    request_notices.queue(
        session,
        team_id,
        offered,
        f"request:{row.id}:offer",
        f"{names[new.person]} offers you {what}",
        f"{names[new.person]} offers you {what}; the rules allow it for you. Accept it or turn it down on "
        "your page Leave, swaps and open shifts (/me/requests).",
        lines,
    )
    session.commit()
    return row


def _as_span(
    start: date | datetime | None, end: date | datetime | None
) -> tuple[date | datetime, date | datetime]:
    if start is None:
        raise Invalid("give the first date (or date-time) of the leave", "from")
    end = end or start
    if isinstance(start, datetime) != isinstance(end, datetime):
        raise Invalid("from and to must both be dates or both be date-times", "to")
    if end < start or (isinstance(start, datetime) and end == start):  # type: ignore[operator]
        raise Invalid(f"the leave runs backwards: to {end} is not after from {start}", "to")
    return start, end


def _span_dates(start: date | datetime, end: date | datetime) -> tuple[date, date]:
    first = start.date() if isinstance(start, datetime) else start
    last = end.date() if isinstance(end, datetime) else end
    return first, last


def _team_rules(doc: dict[str, Any]) -> dict[str, Any]:
    rules = doc.get("requests")
    return rules if isinstance(rules, dict) else {}


def _create_leave(
    session: Session, team_id: str, principal: Principal, new: NewRequest, names: dict[str, str]
) -> StaffRequest:
    if new.leave_kind not in LEAVE_KINDS:
        raise Invalid(
            f'unknown leave kind "{new.leave_kind}" (known: {", ".join(LEAVE_KINDS)})', "leave_kind"
        )
    start, end = _as_span(new.start, new.end)
    first, last = _span_dates(start, end)
    doc = current_document(session=session, team_id=team_id)
    _check_leave_rules(session, team_id, doc, new.person, first, last, names)
    detail = {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "leave_kind": new.leave_kind,
        "words": f"{names[new.person]}: {new.leave_kind} {_span_words(start, end)}",
    }
    now = utcnow()
    row = StaffRequest(
        team_id=team_id,
        kind="leave",
        state="pending",
        person=new.person,
        detail=detail,
        offered_to=[],
        note=new.note,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, team_id, audit.actor_of(principal, names), "request", f"request {row.id}: {detail['words']}"
    )
    what = "leave" if new.leave_kind == "annual leave" else f"leave ({new.leave_kind})"
    request_notices.queue_waiting(
        session,
        team_id,
        {
            "id": row.id,
            "kind": "leave",
            "leave_kind": new.leave_kind,
            "person": new.person,
            "name": names[new.person],
            "from": detail["from"],
            "to": detail["to"],
            "words": detail["words"],
        },
        f"{names[new.person]} asks for {what} {_short_span(start, end)}",
    )
    session.commit()
    return row


def _short_day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b}"


def _short_span(start: date | datetime, end: date | datetime) -> str:
    """``Tue 20 Oct – Thu 22 Oct``, ``Tue 20 Oct 09:00–13:00``, ``Tue 20 Oct 22:00 – Wed 21 Oct 06:00``."""
    if isinstance(start, datetime) and isinstance(end, datetime):
        if start.date() == end.date():
            return f"{_short_day(start.date())} {start:%H:%M}–{end:%H:%M}"
        return f"{_short_day(start.date())} {start:%H:%M} – {_short_day(end.date())} {end:%H:%M}"
    return _short_day(start) if start == end else f"{_short_day(start)} – {_short_day(end)}"


def _span_words(start: date | datetime, end: date | datetime) -> str:
    if isinstance(start, datetime) and isinstance(end, datetime):
        return f"{_day(start.date())} {start:%H:%M} to {_day(end.date())} {end:%H:%M}"
    assert isinstance(start, date) and isinstance(end, date)
    return _day(start) if start == end else f"{_day(start)} to {_day(end)}"


def _check_leave_rules(
    session: Session,
    team_id: str,
    doc: dict[str, Any],
    person: str,
    first: date,
    last: date,
    names: dict[str, str],
) -> None:
    """The team's optional request rules (``requests:`` in the team file): notice ahead, blackout dates,
    how many people of a role may be away at once."""
    rules = _team_rules(doc)
    notice = rules.get("notice_days")
    if notice and first < date.today() + timedelta(days=int(notice)):
        raise Invalid(f"leave must be asked {notice} days ahead: the first date {first} is too soon", "from")
    for b in rules.get("blackout") or []:
        a, z = _blackout(b)
        if a <= last and first <= z:
            raise Invalid(f"{_span_words(a, z)} is a blackout: no leave then", "from")
    away_max = rules.get("max_away") or {}
    if away_max:
        people = {p["id"]: p for p in doc.get("people", []) if isinstance(p, dict)}
        me = people[person]
        pending = list(
            session.scalars(
                select(StaffRequest).where(
                    StaffRequest.team_id == team_id,
                    StaffRequest.kind == "leave",
                    StaffRequest.state == "approved",
                )
            )
        )
        for role, most in away_max.items():
            skills = set((doc.get("roles", {}).get(role) or {}).get("skills", []))
            if not skills <= set(me.get("skills", [])):
                continue
            day = first
            while day <= last:
                away = {
                    r.person
                    for r in pending
                    if r.person != person
                    and skills <= set(people.get(r.person, {}).get("skills", []))
                    and _span_dates(*_stored_span(r))[0] <= day <= _span_dates(*_stored_span(r))[1]
                }
                if len(away) >= int(most):
                    who = ", ".join(sorted(names.get(p, p) for p in away))
                    raise Invalid(
                        f"at most {most} of role {role} may be away at once: "
                        f"on {_day(day)} {who} already are",
                        "from",
                    )
                day += timedelta(days=1)


def _blackout(entry: Any) -> tuple[date, date]:
    if isinstance(entry, dict):
        a = date.fromisoformat(str(entry.get("date") or entry.get("from")))
        return a, date.fromisoformat(str(entry.get("date") or entry.get("to")))
    a = date.fromisoformat(str(entry))
    return a, a


def _stored_span(r: StaffRequest) -> tuple[date | datetime, date | datetime]:
    def parse(text: str) -> date | datetime:
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)

    return parse(r.detail["from"]), parse(r.detail["to"])


def get_request(*, session: Session, request_id: int, lock: bool = False) -> StaffRequest:
    row = session.get(StaffRequest, request_id, with_for_update=lock or None)  # type: ignore[arg-type]
    if row is None:
        raise NotFound(f"no request {request_id}", "request_id")
    return row


def visible_request(
    *, session: Session, principal: Principal, request_id: int, lock: bool = False
) -> StaffRequest:
    """The request, if the caller may see it (its team's leads and hr, the requester, those offered it);
    else the 404 of one that does not exist."""
    row = get_request(session=session, request_id=request_id, lock=lock)
    if principal.manages(row.team_id):
        return row
    if principal.member(row.team_id) and principal.person in (row.person, row.colleague, *row.offered_to):
        return row
    raise NotFound(f"no request {request_id}", "request_id")


def list_requests(
    *, session: Session, team_id: str, principal: Principal, state: str | None = None
) -> list[StaffRequest]:
    """The team's requests, newest first: all of them for its leads and hr, for staff those they made or
    are offered."""
    get_team(session=session, team_id=team_id)
    principal.require_reader(team_id)
    query = select(StaffRequest).where(StaffRequest.team_id == team_id)
    if state is not None:
        query = query.where(StaffRequest.state == state)
    rows = list(session.scalars(query.order_by(StaffRequest.id.desc())))
    if principal.manages(team_id):
        return rows
    me = principal.person
    return [r for r in rows if me in (r.person, r.colleague) or (r.state == "offered" and me in r.offered_to)]


def _move(session: Session, row: StaffRequest, state: str, expect: tuple[str, ...], **values: Any) -> None:
    """Move the request to ``state`` if it is still in one of ``expect`` (409 in words otherwise): a
    conditional update, so of two racing decisions one wins."""
    done = session.execute(
        update(StaffRequest)
        .where(StaffRequest.id == row.id, StaffRequest.state.in_(expect))
        .values(state=state, updated_at=utcnow(), **values)
    )
    if done.rowcount != 1:
        session.rollback()
        fresh = get_request(session=session, request_id=row.id)
        raise Conflict(f"request {row.id} is {fresh.state} already", "state")
    session.refresh(row)


def accept(
    *, session: Session, principal: Principal, request_id: int, in_return: DutyRef | None, history_days: int
) -> StaffRequest:
    """A colleague takes a swap or give-away offered to them; rules checked again. Then it waits for the lead,
    or, when the team file says ``requests: {swaps: auto-approve}``, goes through at once."""
    row = visible_request(session=session, principal=principal, request_id=request_id)
    me = principal.person
    if row.kind == "leave" or me is None or me not in row.offered_to or me == row.person:
        raise Forbidden("only a colleague this offer was made to can accept it", "authorization")
    if row.state != "offered":
        raise Conflict(f"request {row.id} is {row.state} already", "state")
    rota = published_rota(session, row.team_id, row.rota_id, "rota", DutyRef.of(row.detail["duty"]).date)
    b = board(session, rota, history_days)
    detail = dict(row.detail)
    if row.kind == "swap":
        ref = DutyRef.of(detail["in_return"]) if "in_return" in detail else in_return
        if ref is None:
            offers = _swap_offers(b, find_duty(b, row.person, DutyRef.of(detail["duty"]), "duty"), me)
            raise Invalid(
                "name the duty of yours to swap in return (in_return date and shift); valid ones: "
                + "; ".join(duty_words(b, d) for d in offers),
                "in_return",
            )
        theirs = find_duty(b, me, ref, "in_return")
        detail["in_return"] = {**ref.as_dict(), "role": theirs.role}
        detail["in_return_words"] = duty_words(b, theirs)
    change = _change(b, row, me, DutyRef.of(detail["in_return"]) if row.kind == "swap" else None)
    assert change is not None
    found = swapcheck.new_breaks(b.cal, b.duties, change)
    if found:
        raise swapcheck.refusal(found, f"this {row.kind} now")
    detail["colleague_name"] = b.names.get(me, me)
    _move(session, row, "pending", ("offered",), colleague=me, detail=detail)
    audit.record(
        session,
        row.team_id,
        audit.actor_of(principal, b.names),
        "accept",
        f"request {row.id}: {b.names.get(me, me)} accepts the {row.kind} of {detail['words']}",
    )
    if _team_rules(current_document(session=session, team_id=row.team_id)).get("swaps") == "auto-approve":
        return _apply_change(session, row, "team rule: swaps auto-approve", None, history_days)
    _queue_waiting_change(session, b, row)
    session.commit()
    return row


def _queue_waiting_change(session: Session, b: Board, row: StaffRequest) -> None:
    """Tell the team's ``request.waiting`` webhooks that an accepted swap or give-away waits for the lead."""
    team = b.cal.team

    def short(ref: dict[str, Any]) -> str:
        d = DutyRef.of(ref)
        shift = team.shifts[d.shift].name if d.shift in team.shifts else None
        return f"{_short_day(d.date)} {shift or d.shift}"

    detail = row.detail
    name, other = b.names.get(row.person, row.person), detail.get("colleague_name", row.colleague)
    if row.kind == "swap":
        phrase = f"{name} asks to swap {short(detail['duty'])} for {other}'s {short(detail['in_return'])}"
    else:
        phrase = f"{name} asks to give {short(detail['duty'])} to {other}"
    body: dict[str, Any] = {
        "id": row.id,
        "kind": row.kind,
        "person": row.person,
        "name": name,
        "colleague": row.colleague,
        "colleague_name": other,
        "rota_id": row.rota_id,
        "duty": detail["duty"],
        "words": detail["words"],
    }
    if row.kind == "swap":
        body["in_return"] = detail["in_return"]
        body["in_return_words"] = detail.get("in_return_words")
    request_notices.queue_waiting(session, row.team_id, body, f"{phrase}; {other} accepted")


def approve(
    *, session: Session, principal: Principal, request_id: int, reason: str | None, history_days: int
) -> StaffRequest:
    """The lead grants a request: a swap or give-away goes into the rota (rules checked once more), leave
    into the team file (a new team version)."""
    row = visible_request(session=session, principal=principal, request_id=request_id)
    principal.require_lead(row.team_id)
    if row.kind == "leave":
        return _approve_leave(session, principal, row, reason)
    if row.state != "pending":
        raise Conflict(
            f"request {row.id} is {row.state}: a {row.kind} is approved after the colleague accepts it",
            "state",
        )
    return _apply_change(session, row, principal.name, reason, history_days)


def _apply_change(
    session: Session, row: StaffRequest, actor: str, reason: str | None, history_days: int
) -> StaffRequest:
    detail = row.detail
    duty = DutyRef.of(detail["duty"])
    assert row.colleague is not None and row.rota_id is not None
    if row.kind == "swap":
        back = DutyRef.of(detail["in_return"])
        to: dict[str, Any] = {
            "person": row.colleague,
            "role": back.role,
            "shift": back.shift,
            "date": back.date,
        }
        op = "swap"
    else:
        to, op = {"person": row.colleague}, "move"
    _move(session, row, "approved", ("pending",), decided_by=actor, reason=reason)
    audit.record(
        session,
        row.team_id,
        actor,
        "approve",
        f"request {row.id}: {row.kind} of {detail['words']} to {detail.get('colleague_name', row.colleague)}",
        reason,
    )
    edit = EditRequest(
        op=op,
        person=row.person,
        role=str(duty.role),
        shift=duty.shift,
        date=duty.date,
        to=to,
        reason=f"request {row.id} ({row.kind}){': ' + reason if reason else ''}",
    )
    rota = published_rota(session, row.team_id, row.rota_id, "rota", duty.date)
    held = pending.open_pending(session, rota.id, actor)  # the change waits there for Publish
    session.execute(
        update(StaffRequest)
        .where(StaffRequest.id == row.id)
        .values(rota_id=rota.id, detail={**detail, "pending_rota": held.id})
    )
    request_notices.queue(
        session,
        row.team_id,
        [row.person, row.colleague],
        f"request:{row.id}:approved",
        f"Your {'swap' if row.kind == 'swap' else 'give-away'} is approved",
        "The lead approved it; your calendar changes when the rota is published."
        + (f" (Why: {reason})" if reason else ""),
        [detail["words"], *([detail["in_return_words"]] if "in_return_words" in detail else [])],
    )
    edit_rota(
        session=session, rota_id=rota.id, request=edit, version=None, actor=actor, history_days=history_days
    )
    session.refresh(row)
    return row


def decline(*, session: Session, principal: Principal, request_id: int, reason: str | None) -> StaffRequest:
    """The lead declines (with a reason), or the colleague it was offered to by name turns it down, or the
    requester withdraws it."""
    row = visible_request(session=session, principal=principal, request_id=request_id)
    me = principal.person
    if principal.leads(row.team_id):
        if not (reason or "").strip():
            raise Invalid("give the reason for declining: the requester reads it", "reason")
        state = "declined"
    elif principal.member(row.team_id) and me == row.person:
        state = "withdrawn"
    elif principal.member(row.team_id) and me == row.colleague and row.state == "offered":
        state = "declined"
    else:
        raise Forbidden(
            "a lead of the team, the requester or the colleague asked decides this", "authorization"
        )
    names = display_names(current_document(session=session, team_id=row.team_id))[0]
    who = audit.actor_of(principal, names)
    _move(session, row, state, OPEN_STATES, decided_by=who, reason=reason)
    action = "withdraw" if state == "withdrawn" else "decline"
    audit.record(
        session,
        row.team_id,
        who,
        action,
        f"request {row.id}: {row.detail.get('words', row.kind)} {state}",
        reason,
    )
    if state == "declined":
        request_notices.queue(
            session,
            row.team_id,
            [row.person],
            f"request:{row.id}:declined",
            f"Your {'leave' if row.kind == 'leave' else row.kind} request is declined",
            f"{who} declined it" + (f": {reason}" if reason else "."),
            [str(row.detail.get("words", row.kind))],
        )
    session.commit()
    return row


@dataclass
class Consequence:
    """What granting a leave request does to the published rota: the duties that fall (with the gaps each
    opens and who could cover it without breaking a rule)."""

    rota_ids: list[int]
    falls: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"rotas": self.rota_ids, "duties_that_fall": self.falls}


def leave_consequence(*, session: Session, row: StaffRequest, history_days: int) -> Consequence:
    """The published duties the leave overlaps, the gaps taking each off opens, and who could cover each."""
    first, last = _span_dates(*_stored_span(row))
    rota_ids = list(
        session.scalars(
            select(PublishedDay.rota_id)
            .where(PublishedDay.team_id == row.team_id, PublishedDay.date >= first, PublishedDay.date <= last)
            .distinct()
        )
    )
    falls: list[dict[str, Any]] = []
    for rota_id in sorted(rota_ids):
        b = board(session, get_rota(session=session, rota_id=rota_id), history_days)
        start, end = _stored_span(row)
        a, z = _instants(b.cal, start, end)
        for d in b.duties:
            if d.person != row.person or not (d.start < z and a < d.end):
                continue
            cover, _ = swapcheck.eligible(
                b.cal,
                b.duties,
                _colleagues(b, row.person),
                lambda pid, d=d, cal=b.cal: swapcheck.giveaway(cal, d, pid),
            )
            falls.append(
                {
                    "rota": rota_id,
                    "date": d.date.isoformat(),
                    "shift": d.shift,
                    "role": d.role,
                    "words": duty_words(b, d),
                    "gaps": gaps_opened(b.cal, b.duties, d),
                    "could_cover": [{"person": p, "name": b.names.get(p, p)} for p in cover],
                }
            )
    return Consequence(sorted(rota_ids), falls)


def _instants(cal: Calendar, start: date | datetime, end: date | datetime) -> tuple[int, int]:
    if isinstance(start, datetime) and isinstance(end, datetime):
        a = start if start.tzinfo else start.replace(tzinfo=cal.tz)
        z = end if end.tzinfo else end.replace(tzinfo=cal.tz)
        return timeutil.to_minutes(a), timeutil.to_minutes(z)
    assert isinstance(start, date) and isinstance(end, date)
    a = cal.window(start, 0, 1440)[0]
    z = cal.window(end, 0, 1440)[1]
    return a, z


def _approve_leave(
    session: Session, principal: Principal, row: StaffRequest, reason: str | None
) -> StaffRequest:
    if row.state != "pending":
        raise Conflict(f"request {row.id} is {row.state} already", "state")
    start, end = _stored_span(row)
    entry: dict[str, Any]
    if isinstance(start, datetime):
        entry = {"from": row.detail["from"], "to": row.detail["to"]}
    elif start == end:
        entry = {"date": row.detail["from"]}
    else:
        entry = {"from": row.detail["from"], "to": row.detail["to"]}
    entry["reason"] = row.detail.get("leave_kind", "leave")

    def add(document: dict[str, Any]) -> None:
        team_edits.find_person(document, row.person).setdefault("unavailable", []).append(entry)

    _move(session, row, "approved", ("pending",), decided_by=principal.name, reason=reason)
    audit.record(
        session,
        row.team_id,
        principal.name,
        "leave",
        f"request {row.id}: {row.detail['words']} approved, added to the team file",
        reason,
    )
    request_notices.queue(
        session,
        row.team_id,
        [row.person],
        f"request:{row.id}:approved",
        "Your leave is approved",
        "The lead approved your leave." + (f" (Why: {reason})" if reason else ""),
        [str(row.detail["words"])],
    )
    version, _, _ = team_edits.change_team(session=session, team_id=row.team_id, change=add)
    detail = {**row.detail, "team_version": version.version}
    session.execute(update(StaffRequest).where(StaffRequest.id == row.id).values(detail=detail))
    session.commit()
    session.refresh(row)
    return row


def request_view(row: StaffRequest, *, manager: bool) -> dict[str, Any]:
    """The request as the API shows it; the note only to the team's leads and hr."""
    out: dict[str, Any] = {
        "id": row.id,
        "team": row.team_id,
        "kind": row.kind,
        "state": row.state,
        "person": row.person,
        "colleague": row.colleague,
        "rota": row.rota_id,
        "offered_to": list(row.offered_to),
        "reason": row.reason,
        "decided_by": row.decided_by,
        "created_at": row.created_at.isoformat(),
        **row.detail,
    }
    if manager:
        out["note"] = row.note
    return out
