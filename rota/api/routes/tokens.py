"""Calendar tokens: create a feed URL (person, team or role), list them, revoke one (404 at once)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from rota.api.auth import PrincipalDep
from rota.api.db import SessionDep, WriteSessionDep
from rota.api.deps import RowIdPath, SettingsDep
from rota.api.models import CalendarToken
from rota.api.routes.common import ERRORS
from rota.api.schemas import CalendarTokenCreate, CalendarTokenCreated, CalendarTokenRead
from rota.api.services import tokens
from rota.api.urls import feed_urls, link_base

router = APIRouter(prefix="/api/calendar-tokens", tags=["calendar tokens"])


def _read(row: CalendarToken) -> CalendarTokenRead:
    return CalendarTokenRead(
        id=row.id,
        kind=row.kind,
        team=row.team_id,
        person=row.person,
        role=row.role,
        created_at=row.created_at,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CalendarTokenCreated, responses=ERRORS)
def create_calendar_token(
    body: CalendarTokenCreate,
    principal: PrincipalDep,
    session: WriteSessionDep,
    settings: SettingsDep,
    request: Request,
) -> CalendarTokenCreated:
    """A new feed URL; staff may make only their own person feed. The token is shown once."""
    issued = tokens.create_calendar_token(
        session=session,
        principal=principal,
        kind=body.kind,
        team_id=body.team,
        person=body.person,
        role=body.role,
    )
    row = session.get(CalendarToken, issued.id)
    url, webcal = feed_urls(link_base(request, settings), issued.secret)
    return CalendarTokenCreated(**_read(row).model_dump(), token=issued.secret, url=url, webcal=webcal)


@router.get("", response_model=list[CalendarTokenRead], responses=ERRORS)
def list_calendar_tokens(
    principal: PrincipalDep,
    session: SessionDep,
    team: Annotated[str | None, Query(description="only this team's feeds")] = None,
) -> list[CalendarTokenRead]:
    """Live feeds: hr all, leads their teams', staff their own (the secrets are not kept)."""
    if team is not None:
        principal.require_reader(team)
    rows = tokens.list_calendar_tokens(session=session, principal=principal)
    return [_read(r) for r in rows if team is None or r.team_id == team]


@router.delete("/{token_id}", response_model=CalendarTokenRead, responses=ERRORS)
def revoke_calendar_token(
    token_id: RowIdPath, principal: PrincipalDep, session: WriteSessionDep
) -> CalendarTokenRead:
    """Revoke a feed: its URL answers 404 from this moment."""
    return _read(tokens.revoke_calendar_token(session=session, principal=principal, token_id=token_id))
