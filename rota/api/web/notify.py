"""Telling people, on the web: the unsubscribe link of an email, a team's delivery log, my email choices.

Thin pages over ``rota.api.services.notify`` and ``rota.api.services.outbox``; their JSON twins are
``PUT/GET /api/me/notifications`` and ``GET /api/teams/{team}/deliveries`` (rota/api/routes/webhooks.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from rota.api.db import SessionDep, WriteSessionDep
from rota.api.services import notify, outbox, teams, webhooks
from rota.api.web.errors import PageRoute
from rota.api.web.render import page, redirect
from rota.api.web.session import Csrf, WebPrincipal, flash

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
    """Who was told what: every email and webhook delivery of the team, newest first; for its leads, the
    team's webhooks (add, delete)."""
    principal.require_manager(team_id)
    rows = outbox.list_deliveries(session=session, team_id=team_id)
    doc = teams.current_document(session=session, team_id=team_id)
    lead = principal.leads(team_id)
    hooks = webhooks.list_webhooks(session=session, team_id=team_id) if lead else []
    return page(
        request,
        "deliveries.html",
        {
            "team_id": team_id,
            "team_name": doc.get("team", team_id),
            "tz": doc["timezone"],
            "rows": rows,
            "lead": lead,
            "hooks": hooks,
            "events": notify.EVENTS,
        },
    )


@router.post("/teams/{team_id}/webhooks", dependencies=[Csrf])
def add_webhook(
    request: Request,
    team_id: str,
    principal: WebPrincipal,
    session: WriteSessionDep,
    url: Annotated[str, Form(max_length=2000)],
    secret: Annotated[str, Form(min_length=8, max_length=200)],
    events: Annotated[list[str], Form()],
) -> Response:
    """Register a webhook (as ``POST /api/teams/{team}/webhooks``)."""
    principal.require_lead(team_id)
    hook = webhooks.add_webhook(
        session=session, team_id=team_id, url=url, secret=secret, events=events, actor=principal.name
    )
    flash(request, f"Webhook {hook.id} added: {', '.join(hook.events)} go to {hook.url}.")
    return redirect(f"/teams/{team_id}/deliveries#webhooks")


@router.post("/teams/{team_id}/webhooks/{hook_id}/delete", dependencies=[Csrf])
def delete_webhook(
    request: Request, team_id: str, hook_id: int, principal: WebPrincipal, session: WriteSessionDep
) -> Response:
    """Delete a webhook (as ``DELETE /api/teams/{team}/webhooks/{id}``)."""
    principal.require_lead(team_id)
    webhooks.delete_webhook(session=session, team_id=team_id, hook_id=hook_id)
    flash(request, f"Webhook {hook_id} deleted: nothing more is sent to it.")
    return redirect(f"/teams/{team_id}/deliveries#webhooks")


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
