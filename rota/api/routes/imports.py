"""Imports into a team: people from a CSV or Excel sheet, previewed with ``dry_run``, all or nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from rota.api.db import WriteSessionDep
from rota.api.deps import LeadOfTeamDep, SettingsDep, TeamIdPath
from rota.api.routes.common import ERRORS
from rota.api.schemas import ErrorBody
from rota.api.services import imports

router = APIRouter(tags=["imports"])


def _accepts(content: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI request body of an import: a required body of one of the ``content`` types."""
    return {"requestBody": {"required": True, "content": content}}


def _refuses(words: str) -> dict[int | str, dict[str, Any]]:
    """The answers of an import: the common errors, and 415 for a body not of its type (``words``)."""
    return {**ERRORS, 415: {"model": ErrorBody, "description": words}}


PEOPLE_BODY = _accepts(
    {
        "text/csv": {
            "schema": {
                "type": "string",
                "description": "a header row (id, name, email, skills, hours per week, days, department), "
                "then one person a row",
            }
        },
        imports.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
    }
)
CALENDAR_BODY = _accepts(
    {"text/calendar": {"schema": {"type": "string", "description": "an iCalendar file"}}}
)


async def raw_body(request: Request) -> imports.Upload:
    return imports.Upload(await request.body(), request.headers.get("content-type"))


UploadDep = Annotated[imports.Upload, Depends(raw_body)]
DryRun = Annotated[bool, Query(description="preview what changes; store nothing")]


@router.post(
    "/api/teams/{team_id}/people/import",
    responses=_refuses("neither CSV nor XLSX"),
    openapi_extra=PEOPLE_BODY,
)
def import_people(
    team_id: TeamIdPath,
    principal: LeadOfTeamDep,
    session: WriteSessionDep,
    settings: SettingsDep,
    upload: UploadDep,
    dry_run: DryRun = False,
) -> dict[str, Any]:
    """Add or update people from a CSV or XLSX sheet (a blank cell leaves a field as it is). 422 names every
    bad row (``row 4, hours per week: …``) and nothing is stored; ``dry_run=true`` answers the preview
    (who is added, what changes for whom) without storing it."""
    preview = imports.import_people(
        session=session,
        principal=principal,
        team_id=team_id,
        upload=upload,
        dry_run=dry_run,
        max_people=settings.max_people,
    )
    return preview.as_dict()


@router.post(
    "/api/teams/{team_id}/leave/import", responses=_refuses("not text/calendar"), openapi_extra=CALENDAR_BODY
)
def import_leave(
    team_id: TeamIdPath,
    principal: LeadOfTeamDep,
    session: WriteSessionDep,
    upload: UploadDep,
    person: Annotated[
        str | None, Query(max_length=64, description="whose leave; default: by attendee email")
    ] = None,
    dry_run: DryRun = False,
) -> dict[str, Any]:
    """Leave from an iCalendar file: each VEVENT an unavailability (of ``person``, or of the person whose
    email the event names), by UID, so importing again updates rather than duplicates; a cancelled event
    removes its entry. All or nothing."""
    return imports.import_leave(
        session=session, principal=principal, team_id=team_id, upload=upload, person=person, dry_run=dry_run
    )


@router.post(
    "/api/teams/{team_id}/closures/import",
    responses=_refuses("not text/calendar"),
    openapi_extra=CALENDAR_BODY,
)
def import_closures(
    team_id: TeamIdPath,
    principal: LeadOfTeamDep,
    session: WriteSessionDep,
    upload: UploadDep,
    dry_run: DryRun = False,
) -> dict[str, Any]:
    """Closure dates from an iCalendar file (a staff day, the office's own holidays): every date an event
    covers joins the team file's ``closures``."""
    return imports.import_closures(
        session=session, principal=principal, team_id=team_id, upload=upload, dry_run=dry_run
    )
