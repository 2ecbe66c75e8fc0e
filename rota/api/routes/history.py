"""A team's published versions: who published each, when and why; two compared; an older one restored."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from rota.api.auth import PrincipalDep
from rota.api.db import SessionDep, WriteSessionDep
from rota.api.deps import RowIdPath, TeamIdPath
from rota.api.routes.common import ERRORS
from rota.api.services import history, rotas, teams

router = APIRouter(tags=["history"])
RotaId = Annotated[int, Query(ge=1, le=2**31 - 1, description="a published version's rota id")]


@router.get("/api/teams/{team_id}/history", responses=ERRORS)
def list_history(team_id: TeamIdPath, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """Every version the team published, newest first, with who published it, when and the note; and the
    pending change sets waiting for Publish with how many changes each holds (the team page's lists). For
    hr and the team's leads."""
    teams.managed_team(session=session, principal=principal, team_id=team_id)
    return {
        "versions": [history.version_json(v) for v in history.versions(session=session, team_id=team_id)],
        "pending": [
            {"rota_id": p.rota.id, "pending_of": p.rota.pending_of, "changes": p.count, "stale": p.stale}
            for p in history.pending_sets(session=session, team_id=team_id)
        ],
    }


@router.get("/api/teams/{team_id}/history/compare", responses=ERRORS)
def compare_versions(
    team_id: TeamIdPath, principal: PrincipalDep, session: SessionDep, a: RotaId, b: RotaId
) -> dict[str, Any]:
    """What changed from published version ``a`` to ``b`` on the dates both cover: per person the duties
    added, removed and moved, in date order (as the compare page shows it)."""
    principal.require_manager(team_id)
    return history.comparison_json(history.compare(session=session, team_id=team_id, a=a, b=b))


@router.post("/api/rotas/{rota_id}/restore", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def restore_version(
    rota_id: RowIdPath, principal: PrincipalDep, session: WriteSessionDep, response: Response
) -> dict[str, Any]:
    """A new draft with an older published version's duties: review it and publish it as any draft
    (nothing staff see changes until then). For the team's leads."""
    old = rotas.led_rota(session=session, principal=principal, rota_id=rota_id)
    draft = history.restore(session=session, rota_id=old.id)
    response.headers["Location"] = f"/api/rotas/{draft.id}"
    return rotas.rota_view(draft, [])
