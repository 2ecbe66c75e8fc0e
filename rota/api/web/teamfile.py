"""/teams/{team}/file: the team file in the browser (YAML; each problem shown at its line and field path
before saving; saving makes a new team version) and forms for the most frequent changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Annotated, Any
from urllib.parse import quote

import yaml
from fastapi import APIRouter, Depends, Form, Request, Response
from sqlalchemy.orm import Session

from rota.api.db import SessionDep, WriteSessionDep
from rota.api.errors import Conflict, Invalid, NotFound
from rota.api.services import team_edits, teams, websessions
from rota.api.web.errors import PageRoute
from rota.api.web.render import page, redirect
from rota.api.web.session import Csrf, WebPrincipal, flash, session_id, take_kept
from rota.load import TeamFileLoader

router = APIRouter(route_class=PageRoute, include_in_schema=False)
UNDO = "undo"  # session key: the version a removal can be undone to, shown once on the team file page
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def as_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def line_of(text: str, path: str) -> int | None:
    """The line of ``text`` (YAML) holding the field at ``path`` (``people[2].hours_per_week``), or the
    nearest enclosing field found; None when the text does not parse."""
    try:
        node = yaml.compose(text, Loader=TeamFileLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for name, index in _PART.findall(path):
        if isinstance(node, yaml.MappingNode) and name:
            found = next(((k, v) for k, v in node.value if getattr(k, "value", None) == name), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and index and int(index) < len(node.value):
            node = node.value[int(index)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def check_text(text: str, team_id: str) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    """(document, problems, warnings): the YAML checked as a PUT of the API is, every problem found in
    one pass, and what is probably not meant either; each with its line."""
    lines = text.splitlines()

    def placed(p: dict[str, Any]) -> dict[str, Any]:
        line = p.get("line") or (line_of(text, p["path"]) if p.get("path") else None)
        source = lines[line - 1] if line and line <= len(lines) else ""
        return {**p, "line": line, "source": source}

    try:
        document = teams.parse_body(text.encode("utf-8"), "application/yaml")
        team = teams.parse_document(document, team_id)
    except Invalid as exc:
        found = [placed(p) for p in exc.problems]
        warned = [
            {**p, "message": p["message"].removeprefix("warning: ")}
            for p in found
            if p["message"].startswith("warning: ")
        ]
        return None, [p for p in found if not p["message"].startswith("warning: ")], warned
    return document, [], [placed(w) for w in teams.warnings_of(team)]


def _current(session: Session, team_id: str) -> tuple[dict[str, Any] | None, int]:
    try:
        stored = teams.get_version(session=session, team_id=team_id)
    except NotFound:
        return None, 0
    return stored.document, stored.version


def _editor(request: Request, session: Session, team_id: str, **extra: Any) -> Response:
    document, version = _current(session, team_id)
    people = team_edits.people_rows(document)
    versions = team_edits.list_versions(session=session, team_id=team_id) if document else []
    context = {
        "team_id": team_id,
        "name": (document or {}).get("team", team_id),
        "version": version,
        "text": as_yaml(document) if document else "",
        "people": people,
        "skills": ", ".join((document or {}).get("skills") or []),
        "problems": None,
        "warnings": None,
        "versions": [v for v in versions if v.version != version],
        "zone": (document or {}).get("timezone"),
        "undo": request.session.pop(UNDO, None),
        **extra,
    }
    return page(request, "team_file.html", context)


@router.get("/teams/{team_id}/file")
def file_page(
    request: Request, team_id: str, principal: WebPrincipal, session: SessionDep, draft: str | None = None
) -> Response:
    """The team file as YAML, and the forms; a lead's team not stored yet starts empty. ``?draft=1``: the
    text just checked (or refused) with its problems, once; a reload shows the stored file."""
    principal.require_lead(team_id)
    held = take_kept(request, websessions.take_draft) if draft is not None else None
    if held is None or held.get("team") != team_id:
        return _editor(request, session, team_id)
    return _editor(
        request,
        session,
        team_id,
        text=held["text"],
        problems=held["problems"],
        warnings=held["warnings"],
        checked=held["checked"],
        version=held["base_version"],
        unsaved=held.get("unsaved"),
    )


def _show_draft(request: Request, session: Session, team_id: str, **draft: Any) -> Response:
    """Post-redirect-get: the unsaved text and its problems wait on the session's row (too big for the
    cookie) for the GET this redirects to, so Back and reload never resend the form."""
    sid = session_id(request)
    assert sid is not None  # WebPrincipal: signed in
    websessions.keep_draft(session=session, sid=sid, draft={"team": team_id, **draft})
    return redirect(f"/teams/{team_id}/file?draft=1")


@router.post("/teams/{team_id}/file", dependencies=[Csrf])
def save_file(
    request: Request,
    team_id: str,
    principal: WebPrincipal,
    session: WriteSessionDep,
    text: Annotated[str, Form()],
    base_version: Annotated[int, Form()],
    action: Annotated[str, Form()] = "save",
) -> Response:
    """Check the YAML (every problem at its line); when asked and it is valid, save it as a new version."""
    principal.require_lead(team_id)
    document, problems, warnings = check_text(text, team_id)
    if problems or action == "check":
        return _show_draft(
            request,
            session,
            team_id,
            text=text,
            problems=problems,
            checked=not problems,
            warnings=warnings,
            base_version=base_version,
        )
    _, version = _current(session, team_id)
    if version != base_version:
        conflict = Conflict(
            f"the team file changed since you opened it (it is at version {version} now): "
            "reload the page, then make your change again",
            "version",
        )
        return _show_draft(
            request,
            session,
            team_id,
            text=text,
            problems=conflict.problems,
            checked=False,
            warnings=warnings,
            base_version=base_version,
            unsaved="changed meanwhile",
        )
    warned: list[dict[str, str]] = []
    _, saved, changed = teams.put_team(
        session=session,
        team_id=team_id,
        document=document,
        max_people=request.app.state.settings.max_people,
        base_version=version,
        warnings=warned,
    )  # checked again under the lock
    flash(request, f"Saved the team file: version {saved.version}." if changed else "Nothing changed.")
    _flash_warnings(request, warned)
    return redirect(f"/teams/{team_id}/file")


def _flash_warnings(request: Request, warnings: list[dict[str, str]]) -> None:
    """What the saved file holds that is probably not meant, one message each."""
    for w in warnings:
        flash(request, f"Warning: {w['path']}: {w['message']}", "error")


@dataclass(frozen=True)
class PersonFields:
    """A person's form as typed (the add and the change form): name, skills, hours, days; blank: not given."""

    name: str
    skills: str
    hours: str
    days: str


def person_fields(
    name: Annotated[str, Form()] = "",
    skills: Annotated[str, Form()] = "",
    hours: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
) -> PersonFields:
    return PersonFields(name, skills, hours, days)


PersonForm = Annotated[PersonFields, Depends(person_fields)]


@router.post("/teams/{team_id}/file/people", dependencies=[Csrf])
def add_person(
    request: Request,
    team_id: str,
    principal: WebPrincipal,
    session: WriteSessionDep,
    person: Annotated[str, Form()],
    fields: PersonForm,
) -> Response:
    """Add a person with their skills and contract."""
    principal.require_lead(team_id)

    def change(doc: dict[str, Any]) -> None:
        team_edits.add_person(doc, person, **asdict(fields))

    what = f"added {fields.name.strip() or person.strip()}"
    return _change(request, session, team_id, change, what, f"/teams/{team_id}/file")


def _person_url(team_id: str, person: str) -> str:
    return f"/teams/{team_id}/file/people/{quote(person, safe='')}"


def _change(
    request: Request,
    session: Session,
    team_id: str,
    change: Callable[[dict[str, Any]], Any],
    what: str,
    back: str,
) -> Response:
    """Apply ``change`` to the current document and save it as a new version, then show ``back`` (a GET):
    the version saved, or why nothing was saved."""
    settings = request.app.state.settings
    try:
        warned: list[dict[str, str]] = []
        version, changed, _ = team_edits.change_team(
            session=session, team_id=team_id, change=change, max_people=settings.max_people, warnings=warned
        )
    except Invalid as exc:
        session.rollback()
        reasons = "; ".join(p["message"] for p in exc.problems[:5])
        more = f" (and {len(exc.problems) - 5} more)" if len(exc.problems) > 5 else ""
        flash(request, f"Not saved ({what}): {reasons}{more}.", "error")
        return redirect(back)
    flash(request, f"Saved {what}: version {version.version}." if changed else f"Nothing changed ({what}).")
    _flash_warnings(request, warned)
    return redirect(back)


def _current_person(session: Session, team_id: str, person: str) -> team_edits.PersonRow:
    document, _ = _current(session, team_id)
    if document is None:
        raise NotFound(f'no team "{team_id}" yet: save a team file first', "team_id")
    team_edits.find_person(document, person)
    return next(p for p in team_edits.people_rows(document) if p.id == person)


@router.get("/teams/{team_id}/file/people/{person}")
def person_page(
    request: Request, team_id: str, person: str, principal: WebPrincipal, session: SessionDep
) -> Response:
    """One person: the form filled with their name, skills and contract; their leave; Remove."""
    principal.require_lead(team_id)
    row = _current_person(session, team_id, person)
    document, version = _current(session, team_id)
    context = {
        "team_id": team_id,
        "name": (document or {}).get("team", team_id),
        "version": version,
        "p": row,
        "url": _person_url(team_id, person),
        "skills": ", ".join((document or {}).get("skills") or []),
    }
    return page(request, "person.html", context)


@router.post("/teams/{team_id}/file/people/{person}", dependencies=[Csrf])
def update_person(
    request: Request,
    team_id: str,
    person: str,
    principal: WebPrincipal,
    session: WriteSessionDep,
    fields: PersonForm,
) -> Response:
    """Change a person's name, skills and contract: a field left blank stays as it is."""
    principal.require_lead(team_id)

    def change(doc: dict[str, Any]) -> None:
        team_edits.update_person(doc, person, **asdict(fields))

    what = f"skills and contract of {_display(session, team_id, person)}"
    return _change(request, session, team_id, change, what, _person_url(team_id, person))


@router.post("/teams/{team_id}/file/people/{person}/leave", dependencies=[Csrf])
def add_person_leave(
    request: Request,
    team_id: str,
    person: str,
    principal: WebPrincipal,
    session: WriteSessionDep,
    first: Annotated[str, Form()],
    last: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Add a period of leave (whole dates, inclusive)."""
    principal.require_lead(team_id)

    def change(doc: dict[str, Any]) -> None:
        team_edits.add_leave(doc, person, first, last, reason)

    return _change(
        request,
        session,
        team_id,
        change,
        f"leave for {_display(session, team_id, person)}",
        _person_url(team_id, person),
    )


@router.get("/teams/{team_id}/file/people/{person}/remove")
def confirm_remove(
    request: Request, team_id: str, person: str, principal: WebPrincipal, session: SessionDep
) -> Response:
    """Ask first: removing a person makes a new version; the one before can be restored."""
    principal.require_lead(team_id)
    row = _current_person(session, team_id, person)
    _, version = _current(session, team_id)
    context = {"team_id": team_id, "p": row, "version": version, "url": _person_url(team_id, person)}
    return page(request, "person_remove.html", context)


def _remove(request: Request, session: Session, team_id: str, person: str) -> Response:
    name = _display(session, team_id, person)
    settings = request.app.state.settings
    try:
        version, _, before = team_edits.change_team(
            session=session,
            team_id=team_id,
            change=lambda doc: team_edits.remove_person(doc, person),
            max_people=settings.max_people,
        )
    except Invalid as exc:
        session.rollback()
        reasons = "; ".join(p["message"] for p in exc.problems[:5])
        flash(request, f"Not saved (removing {name}): {reasons}.", "error")
        return redirect(_person_url(team_id, person))
    flash(request, f"Removed {name}: version {version.version}.")
    request.session[UNDO] = {"version": before, "what": f"removing {name}"}
    return redirect(f"/teams/{team_id}/file")


@router.post("/teams/{team_id}/file/people/{person}/remove", dependencies=[Csrf])
def remove_person(
    request: Request,
    team_id: str,
    person: str,
    principal: WebPrincipal,
    session: WriteSessionDep,
) -> Response:
    """Remove a person (asked first on the page before; older rotas keep the version they were made with)."""
    principal.require_lead(team_id)
    return _remove(request, session, team_id, person)


@router.post("/teams/{team_id}/file/restore", dependencies=[Csrf])
def restore(
    request: Request,
    team_id: str,
    principal: WebPrincipal,
    session: WriteSessionDep,
    version: Annotated[int, Form()],
) -> Response:
    """Make an older version current again (saved as a new version)."""
    principal.require_lead(team_id)
    settings = request.app.state.settings
    try:
        _, saved, changed = team_edits.restore_version(
            session=session, team_id=team_id, version=version, max_people=settings.max_people
        )
    except Invalid as exc:
        session.rollback()
        flash(request, f"Version {version} cannot be restored: {exc.problems[0]['message']}.", "error")
        return redirect(f"/teams/{team_id}/file")
    flash(
        request,
        f"Restored version {version} as version {saved.version}."
        if changed
        else f"Version {version} is what is stored now: nothing changed.",
    )
    return redirect(f"/teams/{team_id}/file")


def _display(session: Session, team_id: str, person: str) -> str:
    document, _ = _current(session, team_id)
    try:
        p = team_edits.find_person(document or {}, person)
    except NotFound:
        return person
    return str(p.get("name") or person)
