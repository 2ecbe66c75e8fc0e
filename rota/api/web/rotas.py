"""The month: /teams/{team}/rotas/{rota} (grid, coverage, hours), a cell's edits with the rule checks,
Publish after the changes since the last published rota, and the rota's downloads."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, Response
from sqlalchemy.orm import Session

from rota.api.db import SessionDep, WriteSessionDep
from rota.api.deps import RunnerDep, SettingsDep, file_response
from rota.api.errors import Conflict, Invalid, NotFound
from rota.api.jobs import submit
from rota.api.jobs.replan import submit_sick_call
from rota.api.models import Rota
from rota.api.services import cells, changes, edits, history, publish, replan, rotas
from rota.api.services import pending as pending_sets
from rota.api.services.privacy import sees_leave_reasons
from rota.api.web.errors import PageRoute
from rota.api.web.month import View, build_month, weeks
from rota.api.web.render import day_text, moment_text, page, period_text, redirect, team_names
from rota.api.web.session import Csrf, WebPrincipal, flash
from rota.api.web.teams import generate_form, rota_quality
from rota.team import Team

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PENDING = "pending_edit"  # session key: an edit refused for a rule break, until kept anyway or dropped
EDIT_CONFLICT = "edit_conflict"  # session key: an edit refused as the cell changed meanwhile, shown once
PUBLISH_CONFLICT = "publish_conflict"  # session key: a publish refused, shown once
DOWNLOADS = ("csv", "xlsx", "ics")


def _led(team_id: str, rota_id: int, principal: WebPrincipal, session: SessionDep) -> Rota:
    return rotas.led_rota(session=session, principal=principal, rota_id=rota_id, team_id=team_id)


def _led_to_change(team_id: str, rota_id: int, principal: WebPrincipal, session: WriteSessionDep) -> Rota:
    return rotas.led_rota(session=session, principal=principal, rota_id=rota_id, team_id=team_id)


# The page's rota (/teams/{team_id}/rotas/{rota_id}), for a lead of its team: 404 (another team's, or
# none), then 403 (readable, not led). Resolved before the form is read; the session is the handler's.
LedRota = Annotated[Rota, Depends(_led)]
LedRotaToChange = Annotated[Rota, Depends(_led_to_change)]


def url(rota: Rota, tail: str = "") -> str:
    return f"/teams/{rota.team_id}/rotas/{rota.id}{tail}"


def rota_page(request: Request, name: str, rota: Rota, context: dict[str, Any]) -> Response:
    """A page about ``rota``: the template ``name`` gets the rota, its period in words and its URL
    (``base``), then ``context`` (which may say otherwise)."""
    about = {"rota": rota, "period": period_text(rota.start, rota.end), "base": url(rota)}
    return page(request, name, {**about, **context})


def month_view(team: Team, rota: Rota, role: str, person: str, week: str) -> tuple[View, dict[str, Any]]:
    """The grid's filter from the query (a role, a person, a week: blank for all) and the form's choices;
    an unknown value is refused in words (422 naming the field)."""
    if role and role not in team.roles:
        raise Invalid(f'the team has no role "{role}"', "role")
    if person and person not in {p.id for p in team.people}:
        raise Invalid(f'the team has no person "{person}"', "person")
    spans = weeks(rota.start, rota.end)
    chosen = None
    if week:
        chosen = next((w for w in spans if w[0].isoformat() == week), None)
        if chosen is None:
            raise Invalid(f'"{week}" is not the first date of a week of this rota', "week")
    view = View(
        start=chosen[0] if chosen else None,
        end=chosen[1] if chosen else None,
        role=role or None,
        person=person or None,
    )
    form = {
        "role": role,
        "person": person,
        "week": week,
        "roles": [(r, team.roles[r].name or r) for r in team.roles],
        "people": [(p.id, p.display) for p in team.people],
        "weeks": [(a.isoformat(), period_text(a, b)) for a, b in spans],
        "filtered": bool(role or person or week),
    }
    if chosen:
        i = spans.index(chosen)
        form["previous"] = spans[i - 1][0].isoformat() if i else ""
        form["next"] = spans[i + 1][0].isoformat() if i + 1 < len(spans) else ""
    return view, form


@router.get("/teams/{team_id}/rotas/{rota_id}")
def month_page(
    request: Request,
    team_id: str,
    rota_id: int,
    principal: WebPrincipal,
    session: SessionDep,
    role: str = "",
    person: str = "",
    week: str = "",
) -> Response:
    """The grid of people × dates, gap rows, coverage per role and hours against target; ``role``,
    ``person`` and ``week`` (its first date) narrow the grid."""
    rota = rotas.readable_rota(session=session, principal=principal, rota_id=rota_id, team_id=team_id)
    shown = rotas.read_view(session=session, principal=principal, rota=rota)  # staff: no leave reasons
    team, doc = shown.team, shown.doc
    lead = principal.leads(team_id)
    view, form = month_view(team, rota, role.strip(), person.strip(), week.strip())
    forced = (
        [e for e in edits.list_edits(session=session, rota_id=rota.id) if e.forced]
        if principal.role != "staff"
        else []
    )
    held = pending_sets.pending_for(session, rota.id) if lead and rota.state == "published" else None
    context = {
        "held": held,  # the published rota's pending change set, for its leads
        "held_count": changes.unpublished_count(session=session, rota=held) if held is not None else 0,
        "base_rota": pending_sets.base_of(session, rota),  # a pending set: the published rota it changes
        "team": team,
        "doc": doc,
        "month": build_month(team, doc, rotas.forced_duties(session=session, rota_id=rota.id), view, shown),
        "view": form,
        "lead": lead,
        "editable": lead and rota.state != "superseded",
        "edit_base": url(held) if held is not None else url(rota),
        "forced": forced,
        "quality": rota_quality(rota),
        "names": team_names(team),
        "generate": generate_form(request, team_id, f"{rota.start:%Y-%m}") if lead else None,
    }
    return rota_page(request, "rota.html", rota, context)


@router.get("/teams/{team_id}/rotas/{rota_id}/file.{fmt}")
def download(team_id: str, rota_id: int, fmt: str, principal: WebPrincipal, session: SessionDep) -> Response:
    """The stored rota as CSV, Excel or iCalendar (as GET /api/rotas/{id}.csv …)."""
    if fmt not in DOWNLOADS:
        raise NotFound(f"no {fmt} download (csv, xlsx or ics)", "fmt")
    rota = rotas.readable_rota(session=session, principal=principal, rota_id=rota_id, team_id=team_id)
    body, media_type, name = rotas.rota_file(
        session=session, rota=rota, fmt=fmt, private=not sees_leave_reasons(principal, team_id)
    )
    return file_response(body, media_type, name)


def cell_context(rota: Rota, team: Team, person: str, day: date) -> dict[str, Any]:
    """A person's date in the rota (``cells.cell_view``, as GET /api/rotas/{rota}/cell answers it) with the
    page's links."""
    return {
        **cells.cell_view(rota, team, person, day),
        "rota": rota,
        "names": team_names(team),
        "day_text": day_text(day),
        "base": url(rota),
        "cell_url": f"{url(rota)}/cell?person={quote(person)}&date={day.isoformat()}",
    }


@router.get("/teams/{team_id}/rotas/{rota_id}/cell")
def cell_page(
    request: Request,
    rota: LedRota,
    person: str,
    date: date,
    session: SessionDep,
    pending: str | None = None,
    conflict: str | None = None,
) -> Response:
    """Put someone on, take them off, or swap them for someone else, on one date."""
    held = pending_sets.pending_for(session, rota.id) if rota.state == "published" else None
    if held is not None:  # its changes wait in the pending set: the cell as it stands there
        return redirect(f"{url(held)}/cell?person={quote(person)}&date={date.isoformat()}")
    team = rotas.rota_team(session=session, rota=rota)
    context = cell_context(rota, team, person, date)
    if pending is not None:  # the rule break of an edit just refused, shown once its POST redirected here
        held = request.session.get(PENDING) or {}
        if held.get("key") != pending or held.get("rota") != rota.id:
            return redirect(url(rota))  # already kept or dropped (Back after Keep it anyway): the month
        context.update(violations=held["violations"], pending=held["pending"])
    if conflict is not None:  # an edit refused as the cell changed meanwhile: said once; a reload, the cell
        said = request.session.pop(EDIT_CONFLICT, None) or {}
        if said.get("key") == conflict and said.get("rota") == rota.id:
            context["conflict"] = said["message"]
    return page(request, "cell.html", context)


@router.post("/teams/{team_id}/rotas/{rota_id}/edits", dependencies=[Csrf])
def edit(
    request: Request,
    rota: LedRotaToChange,
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
    skill_confirmed: Annotated[bool, Form()] = False,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """One edit through the API's checks: a new rule break is shown by name, and kept only when asked
    (a missing skill only when confirmed a second time); a cell changed meanwhile is shown again."""
    if rota.state == "published":  # the change lands in its pending set: refusals are shown there
        rota = pending_sets.pending_for(session, rota.id) or rota
    shift, _, role = duty.partition("|")
    if not shift or not role:
        raise Invalid("choose a duty", "duty")
    to = _to(op, to_person)
    before = cell_context(rota, rotas.rota_team(session=session, rota=rota), person, day)
    request_ = edits.EditRequest(
        op=op,
        person=person,
        role=role,
        shift=shift,
        date=day,
        to=to,
        force=force,
        reason=reason.strip() or None,
    )
    try:
        if force and not skill_confirmed:
            _refuse_unconfirmed_skill(session, rota, request_, settings.history_days)
        saved, _ = edits.edit_rota(
            session=session,
            rota_id=rota.id,
            request=request_,
            version=version,
            actor=principal.name,
            history_days=settings.history_days,
        )
    except (Invalid, Conflict) as exc:
        if "violations" not in exc.extra and exc.problems[0].get("path") != "cell":
            raise
        session.rollback()
        key = secrets.token_urlsafe(8)  # post-redirect-get: the refusal is shown by a GET of the cell
        if isinstance(exc, Conflict):
            message = exc.problems[0]["message"][:500]
            request.session[EDIT_CONFLICT] = {"key": key, "rota": rota.id, "message": message}
            return redirect(url(rota, f"/cell?person={quote(person)}&date={day.isoformat()}&conflict={key}"))
        request.session[PENDING] = {
            "key": key,
            "rota": rota.id,
            "person": person,
            "date": day.isoformat(),
            "violations": [
                {k: (v[:300] if isinstance(v, str) else v) for k, v in x.items()}
                for x in exc.extra["violations"][:8]
            ],  # the session is a cookie: kept small
            "pending": {
                "op": op,
                "duty": duty,
                "to_person": to_person,
                "version": version,
                "what": _what(before, op, duty, to_person),
                "skill": any(v["rule"] == "skills" for v in exc.extra["violations"]),
            },
        }
        return redirect(url(rota, f"/cell?person={quote(person)}&date={day.isoformat()}&pending={key}"))
    request.session.pop(PENDING, None)
    what = "Kept anyway (recorded with the rules it breaks)" if force else "Saved"
    opened = (
        next((d["gaps"] for d in before["duties"] if f"{d['shift']}|{d['role']}" == duty), [])
        if op == "remove"
        else []
    )
    left = f" It leaves {'; '.join(opened)}." if opened else ""
    if pending_sets.is_pending(saved):
        what += " as an unpublished change (staff see it once you publish the changes)"
    flash(request, f"{what}: {_what(before, op, duty, to_person)}.{left}")
    return redirect(url(saved))


def _to(op: str, to_person: str) -> dict[str, Any] | None:
    """The other side of a hand-over (``to_person``: an id) or a swap (``person|shift|role``)."""
    if op not in ("move", "swap"):
        return None
    if not to_person:
        raise Invalid(
            "choose who takes the duty" if op == "move" else "choose whose duty to swap with", "to_person"
        )
    if op == "move":
        return {"person": to_person}
    other, shift, role = [*to_person.split("|"), "", ""][:3]
    if not (other and shift and role):
        raise Invalid("choose whose duty to swap with", "to_person")
    return {"person": other, "shift": shift, "role": role}


def _refuse_unconfirmed_skill(
    session: Session, rota: Rota, request: edits.EditRequest, history_days: int
) -> None:
    """A forced change that puts someone on a duty they lack the skill for needs a second confirmation:
    checked without saving (the same rule checks), and refused naming the skill unless confirmed."""
    new = edits.check_edit(session=session, rota_id=rota.id, request=request, history_days=history_days)
    skill = [v for v in new if v.rule == "skills"]
    if skill:
        raise Invalid(
            f"{skill[0].message}: tick that you keep it despite the missing skill",
            "skill_confirmed",
            extra={"violations": [v.as_dict() for v in new]},
        )


def _what(context: dict[str, Any], op: str, duty: str, to_person: str) -> str:
    """The edit in words: "put Noor de Vries on Service desk · AM on Mon 19 Oct 2026"."""
    shift, _, role = duty.partition("|")
    labels = {f"{d['shift']}|{d['role']}": d["label"] for d in context["duties"]}
    labels.update({o["value"]: o["label"].split(" — ")[0] for o in context["options"]})
    thing = labels.get(duty, f"{role} {shift}")
    name = context["name"]
    when = context["day_text"]
    if op == "add":
        return f"put {name} on {thing} on {when}"
    if op == "remove":
        return f"take {name} off {thing} on {when}"
    if op == "swap":
        swaps = {w["value"]: w["name"] for d in context["duties"] for w in d["swaps"]}
        return f"swap {name}'s {thing} with {swaps.get(to_person, to_person)} on {when}"
    other = next((o["name"] for o in context["others"] if o["id"] == to_person), to_person)
    return f"give {name}'s {thing} to {other} on {when}"


@router.get("/teams/{team_id}/rotas/{rota_id}/publish")
def publish_page(
    request: Request,
    rota: LedRota,
    session: SessionDep,
) -> Response:
    """What publishing changes, per person, against what is published for these dates now."""
    held = request.session.pop(PUBLISH_CONFLICT, None) or {}
    conflict = held.get("message", "") if held.get("rota") == rota.id else ""
    return _publish_view(request, session, rota, conflict=conflict)


def _publish_view(request: Request, session: Session, rota: Rota, conflict: str = "") -> Response:
    context = {"changes": changes.preview(session=session, rota=rota), "conflict": conflict}
    return rota_page(request, "publish.html", rota, context)


@router.post("/teams/{team_id}/rotas/{rota_id}/publish", dependencies=[Csrf])
def publish_now(
    request: Request,
    rota: LedRotaToChange,
    principal: WebPrincipal,
    session: WriteSessionDep,
    version: Annotated[int, Form()],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Publish the version the lead saw, with their note (why); if someone changed or published it
    meanwhile, say so."""
    try:
        rota = publish.publish_rota(
            session=session, rota_id=rota.id, version=version, actor=principal.name, note=note.strip() or None
        )
    except Conflict as exc:
        session.rollback()
        request.session[PUBLISH_CONFLICT] = {"rota": rota.id, "message": exc.problems[0]["message"]}
        return redirect(url(rota, "/publish"))  # post-redirect-get: the changes as they stand now
    flash(request, f"Published: the team's rota for {period_text(rota.start, rota.end)}.")
    return redirect(url(rota))


@router.post("/teams/{team_id}/rotas/{rota_id}/discard", dependencies=[Csrf])
def discard(
    request: Request,
    team_id: str,
    rota: LedRotaToChange,
    session: WriteSessionDep,
    version: Annotated[int, Form()],
) -> Response:
    """Discard the draft the lead saw (as DELETE /api/rotas/{rota} does); a published rota cannot be."""
    gone = publish.discard_rota(session=session, rota_id=rota.id, version=version)
    if gone.pending_of is not None:
        span = period_text(gone.start, gone.end)
        flash(request, f"Discarded the unpublished changes for {span}.")
        return redirect(f"/teams/{team_id}/rotas/{gone.pending_of}")
    flash(request, f"Discarded the draft rota {gone.id} for {period_text(gone.start, gone.end)}.")
    return redirect(f"/teams/{team_id}")


def _optional_date(value: str, field: str) -> date | None:
    """A date field of a form, blank for none; 422 naming the field otherwise."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(f'"{value}" is not a date (YYYY-MM-DD)', field) from None


@router.get("/teams/{team_id}/rotas/{rota_id}/replan")
def replan_page(
    request: Request,
    rota: LedRota,
    session: SessionDep,
) -> Response:
    """Re-plan a published rota: someone is ill or away from … to …, or the team file changed."""
    base = replan.base_for(session, rota)
    team = rotas.rota_team(session=session, rota=base)
    today = request.app.state.clock().date()
    context = {
        "held": base if pending_sets.is_pending(base) else None,
        "people": [(p.id, p.display) for p in team.people],
        "period": period_text(base.start, base.end),
        "first": replan.recent_day(today, base).isoformat(),
        "start": base.start.isoformat(),
        "end": base.end.isoformat(),
        "scopes": replan.SCOPES,
        "time_limit": request.app.state.settings.time_limit,
        "max_time_limit": request.app.state.settings.max_time_limit,
    }
    return rota_page(request, "replan.html", rota, context)


@router.post("/teams/{team_id}/rotas/{rota_id}/replan", dependencies=[Csrf])
def replan_start(
    request: Request,
    team_id: str,
    rota: LedRotaToChange,
    principal: WebPrincipal,
    session: WriteSessionDep,
    settings: SettingsDep,
    runner: RunnerDep,
    kind: Annotated[str, Form()] = "sick",
    person: Annotated[str, Form()] = "",
    first: Annotated[str, Form(alias="from")] = "",
    last: Annotated[str, Form(alias="to")] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
    scope: Annotated[str, Form()] = "rest",
    fixed_before: Annotated[str, Form()] = "",
    day: Annotated[str, Form()] = "",
    time_limit: Annotated[float | None, Form()] = None,
) -> Response:
    """Record the absence and start the minimal-change solve (as POST /api/rotas/{rota}/replan); follow it."""
    sick = kind != "file"
    if sick and not person:
        raise Invalid("choose who is ill or away", "person")
    call = replan.SickCall(
        person=person if sick else None,
        first=_optional_date(first, "from") if sick else None,
        last=_optional_date(last, "to") if sick else None,
        reason=reason,
        scope=scope,
        fixed_before=_optional_date(fixed_before, "fixed_before"),
        day=_optional_date(day, "day"),
    )
    try:
        job = submit_sick_call(
            session=session,
            settings=settings,
            rota_id=rota.id,
            call=call,
            today=request.app.state.clock().date(),
            time_limit=time_limit,
            token_id=principal.token_id,
            owner=runner.owner,
        )
    except submit.SolveRunning as running:
        flash(request, "These dates are already being solved: here is that solve. Nothing new was recorded.")
        return redirect(f"/teams/{team_id}/jobs/{running.job.id}")
    runner.submit(job.id, team_id)
    return redirect(f"/teams/{team_id}/jobs/{job.id}")


@router.get("/teams/{team_id}/rotas/{rota_id}/review")
def replan_review(
    request: Request,
    rota: LedRota,
    session: SessionDep,
) -> Response:
    """What keeping a re-plan changes, before anything is kept (as GET /api/rotas/{rota}/replan)."""
    return rota_page(
        request, "replan_review.html", rota, {"review": replan.review(session=session, rota=rota)}
    )


@router.post("/teams/{team_id}/rotas/{rota_id}/keep", dependencies=[Csrf])
def replan_keep(
    request: Request,
    rota: LedRotaToChange,
    principal: WebPrincipal,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> Response:
    """Keep the re-plan: its changes join the unpublished changes (as POST /api/rotas/{rota}/keep)."""
    said = replan.review(session=session, rota=rota)
    held = replan.keep(
        session=session, rota_id=rota.id, actor=principal.name, history_days=settings.history_days
    )
    flash(
        request,
        f"Kept: {said.headline}. The changes wait with the unpublished changes until you publish them.",
    )
    return redirect(url(held))


@router.post("/teams/{team_id}/rotas/{rota_id}/restore", dependencies=[Csrf])
def restore(
    request: Request,
    old: LedRotaToChange,
    session: WriteSessionDep,
) -> Response:
    """An older published version as a new draft (as POST /api/rotas/{rota}/restore)."""
    draft = history.restore(session=session, rota_id=old.id)
    flash(
        request,
        f"Restored the version published {moment_text(old.published_at)} as a new draft: publish it to make "
        "it the team's rota again.",
    )
    return redirect(url(draft))


@router.get("/teams/{team_id}/history/compare")
def compare_page(
    request: Request, team_id: str, principal: WebPrincipal, session: SessionDep, a: int, b: int
) -> Response:
    """Two published versions: per person what changed (as GET /api/teams/{team}/history/compare)."""
    principal.require_manager(team_id)
    result = history.compare(session=session, team_id=team_id, a=a, b=b)
    context = {
        "team_id": team_id,
        "c": result,
        "period": period_text(result.start, result.end),
    }
    return page(request, "compare.html", context)
