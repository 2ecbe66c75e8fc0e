"""The month: /teams/{team}/rotas/{rota} (grid, coverage, hours), a cell's edits with the rule checks,
Publish after the changes since the last published rota, and the rota's downloads."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.db import SessionDep, WriteSessionDep
from api.deps import SettingsDep
from api.errors import Conflict, Invalid, NotFound
from api.models import Assignment, Rota
from api.services import edits, publish, rotas
from api.services.privacy import private_document, sees_leave_reasons, team_for
from api.web.changes import publish_changes
from api.web.errors import PageRoute
from api.web.month import build_month
from api.web.render import day_text, page, redirect
from api.web.session import Csrf, WebPrincipal, flash
from api.web.teams import generate_form
from rota.calendar import Calendar
from rota.document import RotaDocument
from rota.export import cell_codes
from rota.team import Team

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PENDING = "pending_edit"  # session key: an edit refused for a rule break, until kept anyway or dropped
CONFLICT = "publish_conflict"  # session key: why a publish was refused, shown once on the publish page
DOWNLOADS = ("csv", "xlsx", "ics")


def readable_rota(session: Session, principal: Principal, team_id: str, rota_id: int) -> Rota:
    """The team's rota if the caller may read it, as the API decides: drafts for hr and its leads,
    published and superseded ones for its staff too."""
    rota = rotas.get_rota(session=session, rota_id=rota_id)
    if rota.team_id != team_id:
        raise NotFound(f'team "{team_id}" has no rota {rota_id}', "rota_id")
    if rota.state == "draft":
        principal.require_manager(team_id)
    else:
        principal.require_reader(team_id)
    return rota


def forced_duties(session: Session, rota_id: int) -> frozenset[tuple[str, str, str, date]]:
    """(person, role, shift, date) of the duties kept despite a rule: one small query, not every row."""
    query = select(Assignment.person, Assignment.role, Assignment.shift, Assignment.date).where(
        Assignment.rota_id == rota_id, Assignment.forced.is_(True))
    return frozenset(tuple(row) for row in session.execute(query))  # type: ignore[misc]


def url(rota: Rota, tail: str = "") -> str:
    return f"/teams/{rota.team_id}/rotas/{rota.id}{tail}"


@router.get("/teams/{team_id}/rotas/{rota_id}")
def month_page(
    request: Request, team_id: str, rota_id: int, principal: WebPrincipal, session: SessionDep
) -> Response:
    """The grid of people × dates, gap rows, coverage per role and hours against target."""
    rota = readable_rota(session, principal, team_id, rota_id)
    team = team_for(principal, rotas.rota_team(session=session, rota=rota), team_id)  # staff: no reasons
    doc = RotaDocument.model_validate(
        rota.document if sees_leave_reasons(principal, team_id) else private_document(rota.document))
    lead = principal.leads(team_id)
    forced = [e for e in edits.list_edits(session=session, rota_id=rota.id) if e.forced] \
        if principal.role != "staff" else []
    context = {
        "rota": rota,
        "team": team,
        "doc": doc,
        "month": build_month(team, doc, forced_duties(session, rota.id)),
        "lead": lead,
        "editable": lead and rota.state != "superseded",
        "forced": forced,
        "period": f"{day_text(rota.start)} – {day_text(rota.end)}",
        "generate": generate_form(request, team_id, f"{rota.start:%Y-%m}") if lead else None,
        "base": url(rota),
    }
    return page(request, "rota.html", context)


@router.get("/teams/{team_id}/rotas/{rota_id}/file.{fmt}")
def download(team_id: str, rota_id: int, fmt: str, principal: WebPrincipal, session: SessionDep) -> Response:
    """The stored rota as CSV, Excel or iCalendar (as GET /api/rotas/{id}.csv …)."""
    if fmt not in DOWNLOADS:
        raise NotFound(f"no {fmt} download (csv, xlsx or ics)", "fmt")
    rota = readable_rota(session, principal, team_id, rota_id)
    body, media_type, name = rotas.rota_file(session=session, rota=rota, fmt=fmt,
                                             private=not sees_leave_reasons(principal, team_id))
    disposition = f'attachment; filename="{name}"'
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})


def cell_context(rota: Rota, team: Team, person: str, day: date) -> dict[str, Any]:
    """A person's date in the rota: their duties, the duties they could be put on, who could swap in."""
    people = {p.id: p.display for p in team.people}
    if person not in people:
        raise NotFound(f'the team has no person "{person}"', "person")
    if not rota.start <= day <= rota.end:
        raise Invalid(f"{day} is outside the rota's period {rota.start} to {rota.end}", "date")
    cal = Calendar(team, rota.start, rota.end)
    role_names = {r: team.roles[r].name or r for r in team.roles}
    shift_names = {s: team.shifts[s].name or s for s in team.shifts}

    def label(shift: str, role: str) -> str:
        s = team.shifts[shift]
        return f"{role_names[role]} · {shift_names[shift]} {s.start}–{s.end}"

    duties = [
        {"role": a.role, "shift": a.shift, "label": label(a.shift, a.role)}
        for a in rota.assignments
        if a.person == person and a.date == day and a.role in team.roles and a.shift in team.shifts
    ]
    taken = {(d["shift"], d["role"]) for d in duties}
    options = [
        {"value": f"{shift}|{role}", "label": label(shift, role)}
        for (shift, role) in cell_codes(team)
        if cal.slot_allowed(shift, day) and (shift, role) not in taken
    ]
    others = [{"id": pid, "name": name} for pid, name in people.items() if pid != person]
    return {
        "rota": rota,
        "person": person,
        "name": people[person],
        "day": day,
        "day_text": day_text(day),
        "duties": duties,
        "options": options,
        "others": others,
        "closed": cal.closed.get(day, ""),
        "base": url(rota),
    }


@router.get("/teams/{team_id}/rotas/{rota_id}/cell")
def cell_page(
    request: Request, team_id: str, rota_id: int, person: str, date: date, principal: WebPrincipal,
    session: SessionDep, pending: str | None = None,
) -> Response:
    """Put someone on, take them off, or swap them for someone else, on one date."""
    rota = readable_rota(session, principal, team_id, rota_id)
    principal.require_lead(team_id)
    team = rotas.rota_team(session=session, rota=rota)
    context = cell_context(rota, team, person, date)
    if pending is not None:  # the rule break of an edit just refused, shown once its POST redirected here
        held = request.session.get(PENDING) or {}
        if held.get("key") != pending or held.get("rota") != rota.id:
            return redirect(url(rota))  # already kept or dropped (Back after Keep it anyway): the month
        context.update(violations=held["violations"], pending=held["pending"])
    return page(request, "cell.html", context)


@router.post("/teams/{team_id}/rotas/{rota_id}/edits", dependencies=[Csrf])
def edit(
    request: Request,
    team_id: str,
    rota_id: int,
    principal: WebPrincipal,
    session: WriteSessionDep,
    settings: SettingsDep,
    op: Annotated[str, Form()],
    person: Annotated[str, Form()],
    day: Annotated[date, Form(alias="date")],
    version: Annotated[int, Form()],
    duty: Annotated[str, Form()] = "",
    to_person: Annotated[str, Form()] = "",
    force: Annotated[bool, Form()] = False,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """One edit through the API's checks: a new rule break is shown by name, and kept only when asked."""
    rota = readable_rota(session, principal, team_id, rota_id)
    principal.require_lead(team_id)
    shift, _, role = duty.partition("|")
    if not shift or not role:
        raise Invalid("choose a duty", "duty")
    to = {"person": to_person} if op == "move" else None
    if op == "move" and not to_person:
        raise Invalid("choose who takes the duty", "to_person")
    request_ = edits.EditRequest(op=op, person=person, role=role, shift=shift, date=day, to=to, force=force,
                                 reason=reason.strip() or None)
    try:
        edits.edit_rota(session=session, rota_id=rota.id, request=request_, version=version,
                        actor=principal.name, history_days=settings.history_days)
    except Invalid as exc:
        if "violations" not in exc.extra:
            raise
        session.rollback()
        rota = rotas.get_rota(session=session, rota_id=rota_id)
        context = cell_context(rota, rotas.rota_team(session=session, rota=rota), person, day)
        key = secrets.token_urlsafe(8)  # post-redirect-get: the rule break is shown by a GET of the cell
        request.session[PENDING] = {
            "key": key, "rota": rota.id, "person": person, "date": day.isoformat(),
            "violations": [{k: (v[:300] if isinstance(v, str) else v) for k, v in x.items()}
                           for x in exc.extra["violations"][:8]],  # the session is a cookie: kept small
            "pending": {"op": op, "duty": duty, "to_person": to_person, "version": version,
                        "what": _what(context, op, duty, to_person)}}
        return redirect(url(rota, f"/cell?person={quote(person)}&date={day.isoformat()}&pending={key}"))
    request.session.pop(PENDING, None)
    what = "Kept anyway (recorded with the rules it breaks)" if force else "Saved"
    context = cell_context(rota, rotas.rota_team(session=session, rota=rota), person, day)
    flash(request, f"{what}: {_what(context, op, duty, to_person)}.")
    return redirect(url(rota))


def _what(context: dict[str, Any], op: str, duty: str, to_person: str) -> str:
    """The edit in words: "put Noor de Vries on Service desk · AM on Mon 19 Oct 2026"."""
    shift, _, role = duty.partition("|")
    labels = {f"{d['shift']}|{d['role']}": d["label"] for d in context["duties"]}
    labels.update({o["value"]: o["label"] for o in context["options"]})
    thing = labels.get(duty, f"{role} {shift}")
    name = context["name"]
    other = next((o["name"] for o in context["others"] if o["id"] == to_person), to_person)
    when = context["day_text"]
    if op == "add":
        return f"put {name} on {thing} on {when}"
    if op == "remove":
        return f"take {name} off {thing} on {when}"
    return f"swap {name} for {other} on {thing} on {when}"


@router.get("/teams/{team_id}/rotas/{rota_id}/publish")
def publish_page(
    request: Request, team_id: str, rota_id: int, principal: WebPrincipal, session: SessionDep
) -> Response:
    """What publishing changes, per person, against what is published for these dates now."""
    rota = readable_rota(session, principal, team_id, rota_id)
    principal.require_lead(team_id)
    held = request.session.pop(CONFLICT, None) or {}
    conflict = held.get("message", "") if held.get("rota") == rota.id else ""
    return _publish_view(request, session, rota, conflict=conflict)


def _publish_view(
    request: Request, session: Session, rota: Rota, conflict: str = "", status: int = 200
) -> Response:
    team = rotas.rota_team(session=session, rota=rota)
    context = {
        "rota": rota,
        "changes": publish_changes(session, rota, team),
        "conflict": conflict,
        "period": f"{day_text(rota.start)} – {day_text(rota.end)}",
        "base": url(rota),
    }
    return page(request, "publish.html", context, status=status)


@router.post("/teams/{team_id}/rotas/{rota_id}/publish", dependencies=[Csrf])
def publish_now(
    request: Request,
    team_id: str,
    rota_id: int,
    principal: WebPrincipal,
    session: WriteSessionDep,
    version: Annotated[int, Form()],
) -> Response:
    """Publish the version the lead saw; if someone changed or published it meanwhile, say so."""
    rota = readable_rota(session, principal, team_id, rota_id)
    principal.require_lead(team_id)
    try:
        rota = publish.publish_rota(session=session, rota_id=rota.id, version=version)
    except Conflict as exc:
        session.rollback()
        request.session[CONFLICT] = {"rota": rota.id, "message": exc.problems[0]["message"]}
        return redirect(url(rota, "/publish"))  # post-redirect-get: the changes as they stand now
    flash(request, f"Published: the team's rota for {day_text(rota.start)} – {day_text(rota.end)}.")
    return redirect(url(rota))
