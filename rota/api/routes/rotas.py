"""Rotas: read the document or its views (CSV, iCalendar, Excel, HTML), publish it (409 when stale), and
the team lead's edits."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from sqlalchemy.orm import Session

from rota.api.auth import Principal, PrincipalDep
from rota.api.db import SessionDep, WriteSessionDep
from rota.api.deps import RowIdPath, RunnerDep, SettingsDep, file_response
from rota.api.errors import Invalid
from rota.api.jobs import submit
from rota.api.jobs.replan import submit_sick_call
from rota.api.models import Rota
from rota.api.routes.common import ERRORS, job_accepted
from rota.api.schemas import EditCreate, EditRead, JobAccepted, PublishRequest, ReplanCreate
from rota.api.services import cells, changes, edits, publish, replan, rotas
from rota.api.services.privacy import private_document, sees_leave_reasons
from rota.export import MEDIA_TYPES

XLSX = MEDIA_TYPES["xlsx"]

router = APIRouter(prefix="/api/rotas", tags=["rotas"])
WITH_CONFLICT: dict[int | str, dict[str, Any]] = {**ERRORS, 409: ERRORS[404]}


def _lead_rota(rota_id: RowIdPath, principal: PrincipalDep, session: WriteSessionDep) -> Rota:
    """The rota a lead of its team changes: 404 when the caller may not read it, 403 when they may read
    but not change it. A dependency, so both come before the body is validated."""
    return rotas.led_rota(session=session, principal=principal, rota_id=rota_id)


LeadRotaDep = Annotated[Rota, Depends(_lead_rota)]


def _view(session: Session, rota: Rota, response: Response) -> dict[str, Any]:
    """The rota as the API shows it, its version sent as the ETag."""
    response.headers["ETag"] = f'"{rota.version}"'
    return rotas.rota_view(rota, rotas.published_dates(session=session, rota_id=rota.id))


IF_MATCH_PATTERN = r'^(W/)?"?[0-9]+"?$'  # as documented; checked by if_match_version, in words


def if_match_version(value: str | None) -> int | None:
    """The rota version in an If-Match header (``"3"``, ``W/"3"`` or ``3``)."""
    if value is None:
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise Invalid(f"If-Match {value!r} is not a rota version", "If-Match")
    return int(text)


def _file(session: Session, principal: Principal, rota_id: RowIdPath, fmt: str) -> Response:
    """The stored rota in ``fmt``, for whoever may read its JSON; nothing is solved."""
    rota = rotas.readable_rota(session=session, principal=principal, rota_id=rota_id)
    body, media_type, name = rotas.rota_file(
        session=session, rota=rota, fmt=fmt, private=not sees_leave_reasons(principal, rota.team_id)
    )
    return file_response(body, media_type, name, inline=fmt == "html")


def _as(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media_type: {}}}, **ERRORS}


# Declared before "/{rota_id}", which would take "3.csv" for a rota id.
@router.get("/{rota_id}.csv", response_class=Response, responses=_as("text/csv"))
def get_rota_csv(rota_id: RowIdPath, principal: PrincipalDep, session: SessionDep) -> Response:
    """The stored rota as CSV, one row per assignment (as `rota solve -o FILE.csv`); never solved again."""
    return _file(session, principal, rota_id, "csv")


@router.get("/{rota_id}.ics", response_class=Response, responses=_as("text/calendar"))
def get_rota_ics(rota_id: RowIdPath, principal: PrincipalDep, session: SessionDep) -> Response:
    """The stored rota as iCalendar: every shift an event naming the person, stamped with the last change."""
    return _file(session, principal, rota_id, "ics")


@router.get("/{rota_id}.xlsx", response_class=Response, responses=_as(XLSX))
def get_rota_xlsx(rota_id: RowIdPath, principal: PrincipalDep, session: SessionDep) -> Response:
    """The stored rota as an Excel workbook: grid, assignments, coverage, hours, gaps."""
    return _file(session, principal, rota_id, "xlsx")


@router.get("/{rota_id}.html", response_class=Response, responses=_as("text/html"))
def get_rota_html(rota_id: RowIdPath, principal: PrincipalDep, session: SessionDep) -> Response:
    """The stored rota as a printable page: the people × dates grid, coverage per role, hours."""
    return _file(session, principal, rota_id, "html")


@router.get("/{rota_id}/view", responses=ERRORS)
def get_rota_view(rota_id: RowIdPath, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """The month as its page shows it (the page's JSON twin): a cell per person and date (duties with
    their codes, closed dates, leave), a gap row per role, the legend, coverage per role and hours per
    person against target, figures in minutes."""
    rota = rotas.readable_rota(session=session, principal=principal, rota_id=rota_id)
    return rotas.read_view(session=session, principal=principal, rota=rota).as_json()


@router.get("/{rota_id}", responses=ERRORS)
def get_rota(
    rota_id: RowIdPath, principal: PrincipalDep, session: SessionDep, response: Response
) -> dict[str, Any]:
    """The rota document (assignments, gaps with reasons, objective terms) and its state and version."""
    rota = rotas.readable_rota(session=session, principal=principal, rota_id=rota_id)
    view = _view(session, rota, response)
    return view if sees_leave_reasons(principal, rota.team_id) else private_document(view)


@router.post("/{rota_id}/publish", responses=WITH_CONFLICT)
def publish_rota(
    rota_id: RowIdPath,
    lead_rota: LeadRotaDep,
    principal: PrincipalDep,
    session: WriteSessionDep,
    response: Response,
    body: PublishRequest | None = None,
    if_match: Annotated[
        str | None,
        Header(description="the rota version you read", json_schema_extra={"pattern": IF_MATCH_PATTERN}),
    ] = None,
) -> dict[str, Any]:
    """Make it the team's rota for its dates, superseding older published ones; 409 when stale.

    A pending change set is published for the dates its published rota still holds, as one new version;
    naming the published rota publishes its pending change set (``version``: the set's); without one, the
    published rota is published again. ``note`` (why, one line) is kept with the version, with who
    published it and when."""
    version = body.version if body is not None and body.version is not None else if_match_version(if_match)
    rota = publish.publish_rota(
        session=session,
        rota_id=rota_id,
        version=version,
        actor=principal.name,
        note=body.note if body is not None else None,
    )
    return _view(session, rota, response)


@router.delete("/{rota_id}", status_code=204, response_class=Response, responses=WITH_CONFLICT)
def discard_rota(
    rota_id: RowIdPath,
    lead_rota: LeadRotaDep,
    session: WriteSessionDep,
    if_match: Annotated[
        str | None,
        Header(description="the rota version you read", json_schema_extra={"pattern": IF_MATCH_PATTERN}),
    ] = None,
) -> Response:
    """Discard a draft (its assignments and edits go with it); 409 for a published or superseded rota,
    or when If-Match names an older version. 404 to whoever may not read it, 403 to a reader who is not
    its team's lead."""
    publish.discard_rota(session=session, rota_id=rota_id, version=if_match_version(if_match))
    return Response(status_code=204)


@router.post("/{rota_id}/edits", responses=WITH_CONFLICT)
def edit_rota(
    rota_id: RowIdPath,
    lead_rota: LeadRotaDep,
    body: EditCreate,
    principal: PrincipalDep,
    session: WriteSessionDep,
    settings: SettingsDep,
    response: Response,
) -> dict[str, Any]:
    """Add, remove or move an assignment; 422 with the rule and figures unless ``force`` (then recorded).

    On a published rota the change waits in its pending change set (made by the first change): ``rota`` is
    that set and ``pending`` says so; staff see nothing of it until Publish."""
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
    out = {"edit": EditRead.of(edit).model_dump(mode="json"), "rota": _view(session, rota, response)}
    if rota.pending_of is not None and rota.state == "draft":
        out["pending"] = {
            "rota_id": rota.id,
            "of": rota.pending_of,
            "message": f"the change waits in the pending change set (rota {rota.id}) of the published rota "
            f"{rota.pending_of} until it is published",
        }
    return out


@router.get("/{rota_id}/edits", response_model=list[EditRead], responses=ERRORS)
def list_edits(rota_id: RowIdPath, principal: PrincipalDep, session: SessionDep) -> list[EditRead]:
    """Every edit of the rota, forced ones with the rules they broke."""
    rota = rotas.readable_rota(session=session, principal=principal, rota_id=rota_id)
    principal.require_manager(rota.team_id)
    return [EditRead.of(e) for e in edits.list_edits(session=session, rota_id=rota_id)]


@router.get("/{rota_id}/changes", responses=ERRORS)
def get_changes(rota_id: RowIdPath, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """What Publish would change now, as the publish page shows it: per person the duties added, removed and
    moved (another shift or role on the same date) with counts, then the gaps and the duties kept despite
    a rule. For the team's leads."""
    rota = rotas.led_rota(session=session, principal=principal, rota_id=rota_id)
    return changes.as_json(changes.preview(session=session, rota=rota))


@router.get("/{rota_id}/cell", responses=ERRORS)
def get_cell(
    rota_id: RowIdPath,
    principal: PrincipalDep,
    session: SessionDep,
    person: Annotated[str, Query(max_length=200, description="the person's id in the team file")],
    day: Annotated[date, Query(alias="date", description="a date of the rota")],
) -> dict[str, Any]:
    """A person's date, as the cell page shows it: their duties, each with the hours taking it off leaves
    uncovered, who could take it over and whose duty it could be swapped with (qualified and free people
    first, the others with why), and the duties they could be put on. For the team's leads."""
    rota = rotas.led_rota(session=session, principal=principal, rota_id=rota_id)
    return cells.cell_view(rota, rotas.rota_team(session=session, rota=rota), person, day)


@router.post(
    "/{rota_id}/replan",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobAccepted,
    responses={**WITH_CONFLICT, 200: {"model": JobAccepted, "description": "that solve is already running"}},
)
def start_replan(
    rota_id: RowIdPath,
    lead_rota: LeadRotaDep,
    body: ReplanCreate,
    principal: PrincipalDep,
    session: WriteSessionDep,
    settings: SettingsDep,
    runner: RunnerDep,
    request: Request,
    response: Response,
) -> JobAccepted:
    """Re-plan a published rota after a sick call (the page's **Re-plan**): the absence goes into the team
    file as a new version, then the minimal-change solve of the dates to re-plan (``scope``) runs against
    what staff will see (the rota's pending change set, else the rota), everything before ``fixed_before``
    kept. The job's rota is a re-plan to review (``GET /api/rotas/{id}/replan``) and keep (``POST
    /api/rotas/{id}/keep``); nothing reaches staff before Publish. Without ``person``: "the team file
    changed", re-planned from ``fixed_before`` (default: today)."""
    call = replan.SickCall(
        person=body.person,
        first=body.first,
        last=body.last,
        reason=body.reason,
        scope=body.scope,
        fixed_before=body.fixed_before,
        day=body.day,
    )
    try:
        job = submit_sick_call(
            session=session,
            settings=settings,
            rota_id=lead_rota.id,
            call=call,
            today=request.app.state.clock().date(),
            time_limit=body.time_limit,
            token_id=principal.token_id,
            owner=runner.owner,
        )
    except submit.SolveRunning as running:
        return job_accepted(request, response, running.job, running=True)
    runner.submit(job.id, job.team_id)
    return job_accepted(request, response, job)


@router.get("/{rota_id}/replan", responses=ERRORS)
def get_replan(rota_id: RowIdPath, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """What keeping a re-plan changes, before anything is kept (the re-plan page): "3 duties change for 4
    people; no gap opened", per person in date order, gaps opened, and how far from the least possible
    churn the solver proved (``churn``, ``changes_bound``). For the team's leads; 404 for other rotas."""
    rota = rotas.led_rota(session=session, principal=principal, rota_id=rota_id)
    return replan.as_json(replan.review(session=session, rota=rota))


@router.post("/{rota_id}/keep", responses=WITH_CONFLICT)
def keep_replan(
    rota_id: RowIdPath,
    lead_rota: LeadRotaDep,
    principal: PrincipalDep,
    session: WriteSessionDep,
    settings: SettingsDep,
    response: Response,
) -> dict[str, Any]:
    """Keep a re-plan: its changes join the published rota's pending change set (made now if needed), one
    recorded edit each; the re-plan draft goes. 409 ``cell`` when the set changed meanwhile on a person and
    date the re-plan changes. Staff see nothing until the set is published."""
    held = replan.keep(
        session=session, rota_id=lead_rota.id, actor=principal.name, history_days=settings.history_days
    )
    return {"rota": _view(session, held, response), "pending_of": held.pending_of}
