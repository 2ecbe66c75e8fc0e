"""Staff requests (leave, swap, give-away) and open shifts: checked by the rules before anyone is asked."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from rota.api.auth import PrincipalDep
from rota.api.db import SessionDep, WriteSessionDep
from rota.api.deps import RowIdPath, RunnerDep, SettingsDep, TeamIdPath
from rota.api.errors import ApiError, Invalid
from rota.api.jobs import submit
from rota.api.routes.common import ERRORS
from rota.api.schemas import RotaDate
from rota.api.services import openshifts, requests
from rota.team import Text

router = APIRouter(tags=["requests"])
WITH_CONFLICT: dict[int | str, dict[str, Any]] = {**ERRORS, 409: ERRORS[404]}
Id = Field(min_length=1, max_length=64)


class DutyIn(BaseModel):
    """A duty by date and shift (and role, when the shift serves more than one)."""

    model_config = ConfigDict(extra="forbid")

    date: RotaDate
    shift: str = Field(min_length=1, max_length=64)
    role: str | None = Field(default=None, min_length=1, max_length=64)

    def ref(self) -> requests.DutyRef:
        return requests.DutyRef(self.date, self.shift, self.role)


class RequestCreate(BaseModel):
    """Leave (``from``/``to`` dates or date-times, a ``leave_kind``, a ``note`` for the lead only), or a swap
    or give-away of one of your duties on a published rota (``rota``, ``duty``) to a ``colleague`` (a person
    id; none for an open offer to everyone eligible); a swap names the colleague's duty ``in_return``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    kind: Literal["leave", "swap", "giveaway"]
    person: str | None = Field(default=None, min_length=1, max_length=64, description="leads: for whom")
    rota: int | None = Field(default=None, ge=1, le=2**31 - 1)
    duty: DutyIn | None = None
    colleague: str | None = Field(default=None, min_length=1, max_length=64)
    in_return: DutyIn | None = None
    start: RotaDate | datetime | None = Field(default=None, alias="from")
    end: RotaDate | datetime | None = Field(default=None, alias="to")
    leave_kind: Literal["annual leave", "training", "other"] = "annual leave"
    note: Text | None = Field(default=None, max_length=2000)


class AcceptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    in_return: DutyIn | None = None


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text | None = Field(default=None, max_length=2000)


class OpenShiftCreate(BaseModel):
    """A gap (date, shift, role) or a duty someone drops (``person``) posted for anyone eligible."""

    model_config = ConfigDict(extra="forbid")

    date: RotaDate
    shift: str = Field(min_length=1, max_length=64)
    role: str | None = Field(default=None, min_length=1, max_length=64)
    person: str | None = Field(default=None, min_length=1, max_length=64)
    note: Text | None = Field(default=None, max_length=2000)


def _view(row: Any, principal: Any) -> dict[str, Any]:
    return requests.request_view(row, manager=principal.manages(row.team_id))


@router.post("/api/teams/{team_id}/requests", status_code=status.HTTP_201_CREATED, responses=WITH_CONFLICT)
def create_request(
    team_id: TeamIdPath,
    body: RequestCreate,
    principal: PrincipalDep,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Ask for leave, or offer a swap or give-away. 422 naming the catalogue rule ids when the change would
    break a hard rule for either person: then nothing is stored and nobody is asked."""
    principal.require_reader(team_id)
    if principal.role == "staff":
        if body.person not in (None, principal.person):
            raise Invalid("staff ask for themselves: leave person out", "person")
        person = principal.person
    else:
        principal.require_lead(team_id)
        person = body.person
    if person is None:
        raise Invalid("name the person the request is for", "person")
    start: Date | datetime | None = body.start
    end: Date | datetime | None = body.end
    new = requests.NewRequest(
        kind=body.kind,
        person=person,
        rota_id=body.rota,
        duty=body.duty.ref() if body.duty else None,
        colleague=body.colleague,
        in_return=body.in_return.ref() if body.in_return else None,
        start=start,
        end=end,
        leave_kind=body.leave_kind,
        note=body.note,
    )
    row = requests.create_request(
        session=session, team_id=team_id, principal=principal, new=new, history_days=settings.history_days
    )
    return _view(row, principal)


@router.get("/api/teams/{team_id}/requests", responses=ERRORS)
def list_requests(
    team_id: TeamIdPath,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
    state: Literal["offered", "pending", "approved", "declined", "withdrawn"] | None = None,
) -> list[dict[str, Any]]:
    """The team's requests, newest first: every one for its leads and hr (a pending leave request with what
    granting it does to the published rota: the duties that fall, the gaps, who could cover), for staff
    those they made or are offered."""
    rows = requests.list_requests(session=session, team_id=team_id, principal=principal, state=state)
    out = []
    for row in rows:
        view = _view(row, principal)
        if row.kind == "leave" and row.state == "pending" and principal.manages(team_id):
            view["consequence"] = requests.leave_consequence(
                session=session, row=row, history_days=settings.history_days
            ).as_dict()
        out.append(view)
    return out


@router.post("/api/requests/{request_id}/accept", responses=WITH_CONFLICT)
def accept_request(
    request_id: RowIdPath,
    principal: PrincipalDep,
    session: WriteSessionDep,
    settings: SettingsDep,
    body: AcceptBody | None = None,
) -> dict[str, Any]:
    """The colleague offered a swap or give-away takes it (rules checked again); an open swap names the duty
    given in return."""
    row = requests.accept(
        session=session,
        principal=principal,
        request_id=request_id,
        in_return=body.in_return.ref() if body and body.in_return else None,
        history_days=settings.history_days,
    )
    return _view(row, principal)


@router.post("/api/requests/{request_id}/approve", responses=WITH_CONFLICT)
def approve_request(
    request_id: RowIdPath,
    principal: PrincipalDep,
    session: WriteSessionDep,
    settings: SettingsDep,
    runner: RunnerDep,
    body: DecisionBody | None = None,
) -> dict[str, Any]:
    """A lead grants a request: a swap or give-away the colleague accepted goes into the rota, leave into the
    team file (a new team version). For leave the answer lists the published duties it touches and, for
    each published rota it touches, the minimal-change re-plan queued (``replans``: the job of each)."""
    row = requests.approve(
        session=session,
        principal=principal,
        request_id=request_id,
        reason=body.reason if body else None,
        history_days=settings.history_days,
    )
    out = _view(row, principal)
    if row.kind == "leave":
        consequence = requests.leave_consequence(session=session, row=row, history_days=settings.history_days)
        out["consequence"] = consequence.as_dict()
        out["replans"] = [
            _replan(session, settings, runner, principal, row.team_id, rota_id)
            for rota_id in consequence.rota_ids
        ]
    return out


def _replan(
    session: Any, settings: Any, runner: Any, principal: Any, team_id: str, rota_id: int
) -> dict[str, Any]:
    """The minimal-change re-plan of a published rota the approved leave touches (``replan_of``), queued
    as any re-plan is; the leave is approved whatever happens here, so a refusal is reported, not raised."""
    try:
        job = submit.submit_job(
            session=session,
            settings=settings,
            team_id=team_id,
            replan_of=rota_id,
            token_id=principal.token_id,
            owner=runner.owner,
        )
    except submit.SolveRunning as running:
        return {"rota": rota_id, "job_id": running.job.id, "state": running.job.state, "running": True}
    except ApiError as exc:
        return {"rota": rota_id, "job_id": None, "refused": exc.problems[0]["message"]}
    runner.submit(job.id, team_id)
    return {"rota": rota_id, "job_id": job.id, "state": job.state}


@router.post("/api/requests/{request_id}/decline", responses=WITH_CONFLICT)
def decline_request(
    request_id: RowIdPath,
    principal: PrincipalDep,
    session: WriteSessionDep,
    body: DecisionBody | None = None,
) -> dict[str, Any]:
    """A lead declines (a reason is needed), the named colleague turns an offer down, or the requester
    withdraws it."""
    row = requests.decline(
        session=session, principal=principal, request_id=request_id, reason=body.reason if body else None
    )
    return _view(row, principal)


@router.post("/api/rotas/{rota_id}/open-shifts", status_code=status.HTTP_201_CREATED, responses=WITH_CONFLICT)
def post_open_shift(
    rota_id: RowIdPath,
    body: OpenShiftCreate,
    principal: PrincipalDep,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """A lead posts a gap, or a duty someone drops, as open; the answer names who may claim it."""
    row, who = openshifts.post(
        session=session,
        principal=principal,
        rota_id=rota_id,
        new=openshifts.NewOpenShift(body.date, body.shift, body.role, body.person, body.note),
        history_days=settings.history_days,
    )
    return openshifts.open_shift_view(row, who)


@router.get("/api/teams/{team_id}/open-shifts", responses=ERRORS)
def list_open_shifts(
    team_id: TeamIdPath, principal: PrincipalDep, session: SessionDep, settings: SettingsDep
) -> list[dict[str, Any]]:
    """The team's open shifts: all for its leads and hr, for staff those they may claim."""
    return [
        openshifts.open_shift_view(row, who)
        for row, who in openshifts.list_open(
            session=session, principal=principal, team_id=team_id, history_days=settings.history_days
        )
    ]


@router.post("/api/open-shifts/{open_shift_id}/claim", responses=WITH_CONFLICT)
def claim_open_shift(
    open_shift_id: RowIdPath, principal: PrincipalDep, session: WriteSessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """Take an open shift: the rules are checked at claim time and the first valid claim wins; a later one
    answers 409 saying it was taken. The duty waits in the published rota's pending change set
    (``pending_rota``) until the lead publishes it."""
    row, held = openshifts.claim(
        session=session, principal=principal, open_shift_id=open_shift_id, history_days=settings.history_days
    )
    return {**openshifts.open_shift_view(row), "pending_rota": held}
