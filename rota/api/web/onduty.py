"""Who is on duty, for a wall screen: ``/teams/{team}/on-duty`` in large type, reloaded every minute.

A thin layer over ``rota.api.services.onduty`` (the answer of ``GET /api/teams/{team}/on-duty``): the page
only words it. Readable by a signed-in session of hr, the team's leads and staff, and an integration token
naming the team (a screen signed in with a token that can read nothing else)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from rota.api.db import SessionDep
from rota.api.services import onduty
from rota.api.web.errors import PageRoute
from rota.api.web.render import page
from rota.api.web.session import AnyWebPrincipal
from rota.team import ID_MAX

router = APIRouter(route_class=PageRoute, include_in_schema=False)
REFRESH_SECONDS = 60


def _times(duty: dict[str, Any]) -> str:
    """``22:00–06:00``, with the date of an end on another day (``22:00–Sun 25 Oct 06:00``)."""
    start, end = datetime.fromisoformat(duty["start"]), datetime.fromisoformat(duty["end"])
    on = "" if end.date() == start.date() else f"{end:%a} {end.day} {end:%b} "
    return f"{start:%H:%M}–{on}{end:%H:%M}"


@router.get("/teams/{team_id}/on-duty")
def on_duty_page(
    team_id: str,
    request: Request,
    principal: AnyWebPrincipal,
    session: SessionDep,
    at: Annotated[str | None, Query(max_length=64)] = None,
    role: Annotated[str | None, Query(max_length=ID_MAX)] = None,
) -> Response:
    """The people on duty per role now (or at ``at``), their shift and times, and how to reach them."""
    principal.require_on_duty_reader(team_id)
    answer = onduty.on_duty(session=session, team_id=team_id, now=request.app.state.clock(), at=at, role=role)
    roles = [{**r, "on_duty": [{**d, "times": _times(d)} for d in r["on_duty"]]} for r in answer.roles]
    return page(
        request,
        "on_duty.html",
        {
            "answer": answer,
            "roles": roles,
            "when": f"{answer.at:%a} {answer.at.day} {answer.at:%b %Y}, {answer.at:%H:%M %Z}",
            "refresh": REFRESH_SECONDS if at is None else None,  # a chosen instant does not move
            "team_id": team_id,
        },
    )
