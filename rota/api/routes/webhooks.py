"""Telling people (issue 19): a team's webhooks, its delivery log, and a person's email choices."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from rota.api.auth import PrincipalDep
from rota.api.db import SessionDep, WriteSessionDep
from rota.api.deps import LeadOfTeamDep, RowIdPath, TeamIdPath
from rota.api.routes.common import ERRORS
from rota.api.schemas import ErrorBody
from rota.api.services import notify, outbox, teams, webhooks

router = APIRouter(tags=["notifications"])
BODY_ERRORS: dict[int | str, dict[str, Any]] = {**ERRORS, 400: {"model": ErrorBody}}


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(
        max_length=2000, description="where deliveries are posted (http/https; Slack, Teams too)"
    )
    secret: str = Field(
        min_length=8, max_length=200, description="signs each delivery: X-Rota-Signature: sha256=<hex HMAC>"
    )
    events: list[str] = Field(
        min_length=1,
        max_length=len(notify.EVENTS),
        description=f"which events: {', '.join(notify.EVENTS)}",
    )


class ChoicesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    team: str = Field(max_length=64, description="the team these choices are for")
    email_on: bool | None = Field(default=None, description="any email at all")
    changes: bool | None = Field(default=None, description="an email when a publish changes my shifts")
    reminders: bool | None = Field(default=None, description="an email before each of my shifts")
    reminder_hours: int | None = Field(default=None, ge=1, le=168, description="how long before, hours")


@router.post("/api/teams/{team_id}/webhooks", status_code=status.HTTP_201_CREATED, responses=BODY_ERRORS)
def create_webhook(
    team_id: TeamIdPath, principal: LeadOfTeamDep, session: WriteSessionDep, body: WebhookCreate
) -> dict[str, Any]:
    """Register a webhook (team leads): each event it names is posted to ``url`` as JSON, signed with
    ``secret``, retried with back-off after a 5xx or no answer; the body's ``text`` suits Slack/Teams."""
    hook = webhooks.add_webhook(
        session=session,
        team_id=team_id,
        url=body.url,
        secret=body.secret,
        events=body.events,
        actor=principal.name,
    )
    return hook.as_json()


@router.get("/api/teams/{team_id}/webhooks", responses=ERRORS)
def list_webhooks(team_id: TeamIdPath, _lead: LeadOfTeamDep, session: SessionDep) -> list[dict[str, Any]]:
    """The team's webhooks (never their secrets)."""
    return [h.as_json() for h in webhooks.list_webhooks(session=session, team_id=team_id)]


@router.delete(
    "/api/teams/{team_id}/webhooks/{hook_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS
)
def delete_webhook(
    team_id: TeamIdPath, hook_id: RowIdPath, _lead: LeadOfTeamDep, session: WriteSessionDep
) -> Response:
    """Delete a webhook: nothing more is posted to it (deliveries still waiting are marked failed)."""
    webhooks.delete_webhook(session=session, team_id=team_id, hook_id=hook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/teams/{team_id}/deliveries", responses=ERRORS)
def deliveries(
    team_id: TeamIdPath,
    principal: PrincipalDep,
    session: SessionDep,
    state: Annotated[str | None, Query(max_length=16, description="pending, sent or failed")] = None,
) -> list[dict[str, Any]]:
    """The delivery log (team leads and hr): every email and webhook delivery, newest first, with its
    state, tries and the last error in words."""
    principal.require_manager(team_id)
    return [d.as_json() for d in outbox.list_deliveries(session=session, team_id=team_id, state=state)]


@router.get("/api/me/notifications", responses=ERRORS)
def my_choices(principal: PrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    """What rota emails me, per team (staff): the address the team file gives and each kind on or off."""
    principal.require_role("staff")
    assert principal.person is not None
    return [
        notify.get_choices(session=session, team_id=t, person=principal.person).as_json()
        for t in principal.teams
        if t not in principal.left and teams.team_exists(session=session, team_id=t)
    ]


@router.put("/api/me/notifications", responses=BODY_ERRORS)
def set_my_choices(principal: PrincipalDep, session: WriteSessionDep, body: ChoicesUpdate) -> dict[str, Any]:
    """Change what rota emails me in one team (staff); the fields left out keep their value."""
    principal.require_role("staff")
    principal.require_reader(body.team)
    if body.team not in principal.teams:
        principal.require_lead(body.team)  # 403 in words: not one of my teams
    assert principal.person is not None
    return notify.set_choices(
        session=session,
        team_id=body.team,
        person=principal.person,
        email_on=body.email_on,
        changes=body.changes,
        reminders=body.reminders,
        reminder_hours=body.reminder_hours,
    ).as_json()
