"""Rotas: read the document, publish it (409 when stale), and the team lead's edits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from sqlalchemy.orm import Session

from api.auth import Principal, PrincipalDep
from api.db import SessionDep, WriteSessionDep
from api.deps import SettingsDep
from api.errors import Invalid
from api.models import Rota
from api.routes.teams import ERRORS
from api.schemas import EditCreate, EditRead, PublishRequest
from api.services import edits, publish, rotas

router = APIRouter(prefix="/api/rotas", tags=["rotas"])
WITH_CONFLICT: dict[int | str, dict[str, Any]] = {**ERRORS, 409: ERRORS[404]}


def _may_read(principal: Principal, rota: Rota) -> None:
    if rota.state == "draft":
        principal.require_manager(rota.team_id)
    else:
        principal.require_reader(rota.team_id)


def _view(session: Session, rota: Rota, response: Response) -> dict[str, Any]:
    """The rota as the API shows it, its version sent as the ETag."""
    response.headers["ETag"] = f'"{rota.version}"'
    return rotas.rota_view(rota, rotas.published_dates(session=session, rota_id=rota.id))


def if_match_version(value: str | None) -> int | None:
    """The rota version in an If-Match header (``"3"``, ``W/"3"`` or ``3``)."""
    if value is None:
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise Invalid(f"If-Match {value!r} is not a rota version", "If-Match")
    return int(text)


@router.get("/{rota_id}", responses=ERRORS)
def get_rota(
    rota_id: int, principal: PrincipalDep, session: SessionDep, response: Response
) -> dict[str, Any]:
    """The rota document (assignments, gaps with reasons, objective terms) and its state and version."""
    rota = rotas.get_rota(session=session, rota_id=rota_id)
    _may_read(principal, rota)
    return _view(session, rota, response)


@router.post("/{rota_id}/publish", responses=WITH_CONFLICT)
def publish_rota(
    rota_id: int,
    principal: PrincipalDep,
    session: WriteSessionDep,
    response: Response,
    body: PublishRequest | None = None,
    if_match: Annotated[str | None, Header(description="the rota version you read")] = None,
) -> dict[str, Any]:
    """Make it the team's rota for its dates, superseding older published ones; 409 when stale."""
    principal.require_lead(rotas.get_rota(session=session, rota_id=rota_id).team_id)
    version = body.version if body is not None and body.version is not None else if_match_version(if_match)
    rota = publish.publish_rota(session=session, rota_id=rota_id, version=version)
    return _view(session, rota, response)


@router.post("/{rota_id}/edits", responses=WITH_CONFLICT)
def edit_rota(
    rota_id: int,
    body: EditCreate,
    principal: PrincipalDep,
    session: WriteSessionDep,
    settings: SettingsDep,
    response: Response,
) -> dict[str, Any]:
    """Add, remove or move an assignment; 422 with the rule and figures unless ``force`` (then recorded)."""
    principal.require_lead(rotas.get_rota(session=session, rota_id=rota_id).team_id)
    request = edits.EditRequest(
        op=body.op,
        person=body.person,
        role=body.role,
        shift=body.shift,
        date=body.date,
        to=body.to.model_dump(exclude_none=True) if body.to else None,
        force=body.force,
        reason=body.reason,
    )
    rota, edit = edits.edit_rota(
        session=session,
        rota_id=rota_id,
        request=request,
        version=body.version,
        actor=principal.name,
        history_days=settings.history_days,
    )
    return {"edit": EditRead.of(edit).model_dump(mode="json"), "rota": _view(session, rota, response)}


@router.get("/{rota_id}/edits", response_model=list[EditRead], responses=ERRORS)
def list_edits(rota_id: int, principal: PrincipalDep, session: SessionDep) -> list[EditRead]:
    """Every edit of the rota, forced ones with the rules they broke."""
    principal.require_manager(rotas.get_rota(session=session, rota_id=rota_id).team_id)
    return [EditRead.of(e) for e in edits.list_edits(session=session, rota_id=rota_id)]
