"""The team's write lock and a rota's optimistic version, shared by publishing, edits and pending sets."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from rota.api.errors import Conflict, NotFound
from rota.api.models import Rota, TeamRow
from rota.api.services.rotas import get_rota


def lock_team(session: Session, team_id: str) -> None:
    """Take the team's publish lock: the first write of the transaction, so writers queue here.

    On PostgreSQL the row lock is held to commit; on SQLite the write session began IMMEDIATE.
    """
    session.execute(update(TeamRow).where(TeamRow.id == team_id).values(publish_seq=TeamRow.publish_seq + 1))


def check_version(rota: Rota, version: int | None) -> None:
    """409 when the client's version of the rota is not the stored one."""
    if version is not None and version != rota.version:
        raise Conflict(
            f"rota {rota.id} is at version {rota.version}, not {version}: reload it and try again",
            "version",
            extra={"version": rota.version},
        )


def lock_rota(session: Session, rota_id: int, version: int | None, superseded: str) -> Rota:
    """Take the rota's team lock, then re-read the rota: 409 when the client's version is stale or the rota
    is superseded (``superseded`` says what to do instead), 404 when it went meanwhile."""
    lock_team(session, get_rota(session=session, rota_id=rota_id).team_id)
    rota = session.get(Rota, rota_id, populate_existing=True)
    if rota is None:
        raise NotFound(f"no rota {rota_id}", "rota_id")
    check_version(rota, version)
    if rota.state == "superseded":
        raise Conflict(f"rota {rota.id} is superseded{superseded}", "state")
    return rota
