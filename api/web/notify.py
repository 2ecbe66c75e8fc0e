"""Telling people, on the web: the unsubscribe link of an email, a team's delivery log, my email choices.

Thin pages over ``api.services.notify`` and ``api.services.outbox``; their JSON twins are
``PUT/GET /api/me/notifications`` and ``GET /api/teams/{team}/deliveries`` (api/routes/webhooks.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from api.db import SessionDep, WriteSessionDep
from api.services import notify, outbox, teams
from api.web.errors import PageRoute
from api.web.render import page, redirect
from api.web.session import Csrf, WebPrincipal, flash

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/unsubscribe/{token}")
def unsubscribe_page(request: Request, token: str, session: SessionDep) -> Response:
    """What the link turns off, and a button that does it (a GET changes nothing: scanners open links)."""
    link = notify.read_unsubscribe(session=session, token=token)
    return page(request, "unsubscribe.html", {"link": link, "token": token, "done": False})


@router.post("/unsubscribe/{token}")
def unsubscribe(request: Request, token: str, session: WriteSessionDep) -> Response:
    """Turn that kind of email off (also the one-click POST of List-Unsubscribe, RFC 8058: no session
    needed, the signed token says who and what)."""
    link = notify.unsubscribe(session=session, token=token)
    return page(request, "unsubscribe.html", {"link": link, "token": token, "done": True})


@router.get("/teams/{team_id}/deliveries")
def deliveries_page(request: Request, team_id: str, principal: WebPrincipal, session: SessionDep) -> Response:
    """Who was told what: every email and webhook delivery of the team, newest first."""
    principal.require_manager(team_id)
    rows = outbox.list_deliveries(session=session, team_id=team_id)
    doc = teams.current_document(session=session, team_id=team_id)
    return page(
        request,
        "deliveries.html",
        {"team_id": team_id, "team_name": doc.get("team", team_id), "tz": doc["timezone"], "rows": rows},
    )


@router.post("/me/notifications", dependencies=[Csrf])
def my_choices(
    request: Request,
    principal: WebPrincipal,
    session: WriteSessionDep,
    team: Annotated[str, Form(max_length=64)],
    reminder_hours: Annotated[int, Form(ge=1, le=168)] = notify.DEFAULT_REMINDER_HOURS,
    email_on: Annotated[bool, Form()] = False,
    changes: Annotated[bool, Form()] = False,
    reminders: Annotated[bool, Form()] = False,
) -> Response:
    """Save what rota emails me in one team (unticked boxes are off)."""
    principal.require_role("staff")
    principal.require_reader(team)
    if team not in principal.teams:
        principal.require_lead(team)  # 403: not one of my teams
    assert principal.person is not None
    notify.set_choices(
        session=session,
        team_id=team,
        person=principal.person,
        email_on=email_on,
        changes=changes,
        reminders=reminders,
        reminder_hours=reminder_hours,
    )
    flash(request, "Saved: your email choices.")
    return redirect(f"/me#mail-{team}")
