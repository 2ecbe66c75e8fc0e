"""Staff self-service pages over ``rota.api.services.requests``, ``openshifts`` and ``audit``:

- /me/requests (staff): ask for leave, offer a duty as a swap or give-away, the offers made to me (accept
  or turn down), the open shifts I may claim; JSON twins ``GET /api/teams/{team}/requests`` and
  ``GET /api/teams/{team}/open-shifts``.
- /teams/{team}/requests (its leads and hr): the requests to decide, a leave request with what granting it
  does (duties that fall, gaps, who could cover); twin ``GET /api/teams/{team}/requests``.
- /teams/{team}/audit (its leads and hr): who changed what, when and why; twin
  ``GET /api/teams/{team}/audit``.

A refusal of the rules comes back to the form's page as a message naming the rules (nothing is asked)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from rota.api.auth import Principal
from rota.api.db import SessionDep, WriteSessionDep
from rota.api.deps import SettingsDep
from rota.api.errors import ApiError, Invalid
from rota.api.services import audit, openshifts, requests, rotas, teams
from rota.api.web.errors import PageRoute
from rota.api.web.render import day_text, page, redirect
from rota.api.web.session import Csrf, WebPrincipal, flash

router = APIRouter(route_class=PageRoute, include_in_schema=False)
AHEAD_DAYS = 92


@dataclass
class MyDuty:
    value: str  # "rota|date|shift|role", what the offer form sends
    text: str


@dataclass
class MyTeam:
    id: str
    name: str
    duties: list[MyDuty]
    colleagues: list[tuple[str, str]]
    mine: list[dict[str, Any]] = field(default_factory=list)
    offers: list[dict[str, Any]] = field(default_factory=list)
    open_shifts: list[dict[str, Any]] = field(default_factory=list)


def _words(view: dict[str, Any]) -> str:
    return str(view.get("words") or view["kind"])


def my_team(session: Any, principal: Principal, team_id: str, settings: Any, today: date) -> MyTeam:
    """What /me/requests shows of one team: my coming duties, colleagues, my requests, offers, open shifts."""
    doc = teams.current_document(session=session, team_id=team_id)
    people, role_names, shift_names = teams.display_names(doc)
    me = principal.person
    rows = rotas.published_assignments(
        session=session, team_id=team_id, start=today, end=today + timedelta(days=AHEAD_DAYS), person=me
    )
    duties = [
        MyDuty(
            f"{r.rota_id}|{r.date.isoformat()}|{r.shift}|{r.role}",
            f"{day_text(r.date)} {shift_names.get(r.shift, r.shift)} ({role_names.get(r.role, r.role)})",
        )
        for r in rows
    ]
    out = MyTeam(
        team_id,
        doc.get("team", team_id),
        duties,
        [(pid, name) for pid, name in people.items() if pid != me],
    )
    for row in requests.list_requests(session=session, team_id=team_id, principal=principal):
        view = requests.request_view(row, manager=False)
        view["text"] = _words(view)
        view["who"] = people.get(row.person, row.person)
        (out.mine if row.person == me else out.offers).append(view)
    for row, _ in openshifts.list_open(
        session=session, principal=principal, team_id=team_id, history_days=settings.history_days
    ):
        view = openshifts.open_shift_view(row)
        shift, role = shift_names.get(row.shift, row.shift), role_names.get(row.role, row.role)
        view["text"] = f"{day_text(row.date)} {shift} ({role})"
        out.open_shifts.append(view)
    return out


@router.get("/me/requests")
def my_requests_page(
    request: Request, principal: WebPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    """Leave, swaps, give-aways and open shifts, for staff."""
    principal.require_role("staff")
    today = request.app.state.clock().date()
    mine = [
        my_team(session, principal, t, settings, today)
        for t in principal.teams
        if teams.team_exists(session=session, team_id=t)
    ]
    return page(request, "me_requests.html", {"teams": mine, "leave_kinds": requests.LEAVE_KINDS})


def _moment(text: str, path: str) -> date | datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    except ValueError:
        raise Invalid(f'"{text}" is not a date (YYYY-MM-DD) or a date and time', path) from None


def _done(request: Request, where: str, act: Callable[[], str]) -> Response:
    """Do ``act`` and go to ``where`` (post-redirect-get), the next page saying what was done (the words
    ``act`` returns) or, when it was refused, why: the first line, then each rule broken."""
    try:
        done = act()
    except ApiError as exc:
        lines = [p["message"] for p in exc.problems]
        flash(request, " · ".join(lines[:4]) + (" …" if len(lines) > 4 else ""), "error")
    else:
        flash(request, done)
    return redirect(where)


@router.post("/me/requests/leave", dependencies=[Csrf])
def ask_leave(
    request: Request,
    principal: WebPrincipal,
    session: WriteSessionDep,
    settings: SettingsDep,
    team: Annotated[str, Form()],
    first: Annotated[str, Form()],
    last: Annotated[str, Form()] = "",
    leave_kind: Annotated[str, Form()] = "annual leave",
    note: Annotated[str, Form()] = "",
) -> Response:
    principal.require_role("staff")
    principal.require_reader(team)
    assert principal.person is not None

    def act() -> str:
        new = requests.NewRequest(
            kind="leave",
            person=principal.person,
            start=_moment(first, "from"),
            end=_moment(last, "to"),
            leave_kind=leave_kind,
            note=note.strip() or None,
        )
        requests.create_request(
            session=session, team_id=team, principal=principal, new=new, history_days=settings.history_days
        )
        return "Leave asked for: your lead decides."

    return _done(request, "/me/requests", act)


@router.post("/me/requests/offer", dependencies=[Csrf])
def offer_duty(
    request: Request,
    principal: WebPrincipal,
    session: WriteSessionDep,
    settings: SettingsDep,
    team: Annotated[str, Form()],
    duty: Annotated[str, Form()],
    kind: Annotated[str, Form()] = "giveaway",
    colleague: Annotated[str, Form()] = "",
    in_return: Annotated[str, Form()] = "",
) -> Response:
    """Offer one of my duties to a colleague (or everyone the rules allow), checked before anyone is asked."""
    principal.require_role("staff")
    principal.require_reader(team)
    assert principal.person is not None

    def act() -> str:
        rota_id, day, shift, role = [*duty.split("|"), "", "", "", ""][:4]
        if not rota_id.isdigit():
            raise Invalid("choose one of your duties", "duty")
        back = _in_return(in_return) if kind == "swap" else None
        new = requests.NewRequest(
            kind=kind,
            person=principal.person,
            rota_id=int(rota_id),
            duty=requests.DutyRef(_date(day, "duty"), shift, role or None),
            colleague=colleague.strip() or None,
            in_return=back,
        )
        made = requests.create_request(
            session=session, team_id=team, principal=principal, new=new, history_days=settings.history_days
        )
        return f"Offered to {len(made.offered_to)} colleague(s) the rules allow."

    return _done(request, "/me/requests", act)


def _date(text: str, path: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f'"{text}" is not a date (YYYY-MM-DD)', path) from None


def _in_return(text: str) -> requests.DutyRef | None:
    """The duty offered in return for a swap as typed, "2027-01-05 late" (a date, a shift); blank: none."""
    if not text.strip():
        return None
    day, _, shift = text.strip().partition(" ")
    return requests.DutyRef(_date(day, "in_return"), shift.strip())


@router.post("/me/requests/{request_id}/accept", dependencies=[Csrf])
def accept_offer(
    request: Request,
    request_id: int,
    principal: WebPrincipal,
    session: WriteSessionDep,
    settings: SettingsDep,
    in_return: Annotated[str, Form()] = "",
) -> Response:
    def act() -> str:
        row = requests.accept(
            session=session,
            principal=principal,
            request_id=request_id,
            in_return=_in_return(in_return),
            history_days=settings.history_days,
        )
        return "Accepted." + (" Your lead decides next." if row.state == "pending" else " It is in the rota.")

    return _done(request, "/me/requests", act)


@router.post("/me/requests/{request_id}/decline", dependencies=[Csrf])
def decline_offer(
    request: Request, request_id: int, principal: WebPrincipal, session: WriteSessionDep
) -> Response:
    def act() -> str:
        requests.decline(session=session, principal=principal, request_id=request_id, reason=None)
        return "Done."

    return _done(request, "/me/requests", act)


@router.post("/me/open-shifts/{open_shift_id}/claim", dependencies=[Csrf])
def claim_shift(
    request: Request,
    open_shift_id: int,
    principal: WebPrincipal,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> Response:
    def act() -> str:
        openshifts.claim(
            session=session,
            principal=principal,
            open_shift_id=open_shift_id,
            history_days=settings.history_days,
        )
        return "The shift is yours."

    return _done(request, "/me/requests", act)


@router.get("/teams/{team_id}/requests")
def team_requests_page(
    request: Request, team_id: str, principal: WebPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    """The team's requests for its leads and hr: those to decide first, with what granting leave does."""
    principal.require_manager(team_id)
    names = teams.display_names(teams.current_document(session=session, team_id=team_id))[0]
    rows = requests.list_requests(session=session, team_id=team_id, principal=principal)
    views = []
    for row in rows:
        view = requests.request_view(row, manager=True)
        view["text"] = _words(view)
        view["who"] = names.get(row.person, row.person)
        view["colleague_name"] = names.get(row.colleague or "", row.colleague or "")
        view["offered_names"] = [names.get(p, p) for p in row.offered_to]
        if row.kind == "leave" and row.state == "pending":
            view["consequence"] = requests.leave_consequence(
                session=session, row=row, history_days=settings.history_days
            ).as_dict()
        views.append(view)
    open_first = sorted(views, key=lambda v: (v["state"] != "pending", v["state"] != "offered"))
    shifts = [
        {**openshifts.open_shift_view(row, who), "names": [names.get(p, p) for p in who]}
        for row, who in openshifts.list_open(
            session=session, principal=principal, team_id=team_id, history_days=settings.history_days
        )
    ]
    published = rotas.list_rotas(session=session, team_id=team_id, states=("published",))
    return page(
        request,
        "team_requests.html",
        {
            "team_id": team_id,
            "items": open_first,
            "lead": principal.leads(team_id),
            "open_shifts": shifts,
            "published": published,
        },
    )


@router.post("/teams/{team_id}/open-shifts", dependencies=[Csrf])
def post_open_shift(
    request: Request,
    team_id: str,
    principal: WebPrincipal,
    session: WriteSessionDep,
    settings: SettingsDep,
    rota: Annotated[int, Form()],
    day: Annotated[str, Form()],
    shift: Annotated[str, Form()],
    role: Annotated[str, Form()] = "",
    person: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Post a gap, or a duty someone drops (a duty that falls to approved leave), as an open shift."""

    def act() -> str:
        new = openshifts.NewOpenShift(
            _date(day, "date"),
            shift.strip(),
            role.strip() or None,
            person.strip() or None,
            note.strip() or None,
        )
        _, who = openshifts.post(
            session=session, principal=principal, rota_id=rota, new=new, history_days=settings.history_days
        )
        return f"Posted as open: {len(who)} colleague(s) the rules allow can take it."

    return _done(request, f"/teams/{team_id}/requests", act)


@router.post("/teams/{team_id}/requests/{request_id}/approve", dependencies=[Csrf])
def approve_request(
    request: Request,
    team_id: str,
    request_id: int,
    principal: WebPrincipal,
    session: WriteSessionDep,
    settings: SettingsDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    def act() -> str:
        row = requests.approve(
            session=session,
            principal=principal,
            request_id=request_id,
            reason=reason.strip() or None,
            history_days=settings.history_days,
        )
        return f"Approved: {row.detail.get('words', row.kind)}."

    return _done(request, f"/teams/{team_id}/requests", act)


@router.post("/teams/{team_id}/requests/{request_id}/decline", dependencies=[Csrf])
def decline_request(
    request: Request,
    team_id: str,
    request_id: int,
    principal: WebPrincipal,
    session: WriteSessionDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    def act() -> str:
        requests.decline(
            session=session, principal=principal, request_id=request_id, reason=reason.strip() or None
        )
        return "Declined; the requester sees your reason."

    return _done(request, f"/teams/{team_id}/requests", act)


@router.get("/teams/{team_id}/audit")
def audit_page(request: Request, team_id: str, principal: WebPrincipal, session: SessionDep) -> Response:
    """Who changed what in the team, when and why (newest first), for its leads and hr."""
    principal.require_manager(team_id)
    tz = teams.current_document(session=session, team_id=team_id).get("timezone")
    entries = [audit.as_dict(e) for e in audit.entries(session=session, team_id=team_id, limit=500)]
    return page(request, "audit.html", {"team_id": team_id, "entries": entries, "tz": tz})
