"""/teams/{team}/file: the team file in the browser (YAML; each problem shown at its line and field path
before saving; saving makes a new team version) and forms for the most frequent changes."""

from __future__ import annotations

import copy
import re
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Request, Response
from sqlalchemy.orm import Session

from api.db import SessionDep, WriteSessionDep
from api.errors import Conflict, Invalid, NotFound
from api.services import teams
from api.web.errors import PageRoute
from api.web.render import page, redirect
from api.web.session import Csrf, WebPrincipal, flash
from rota.load import _Loader

router = APIRouter(route_class=PageRoute, include_in_schema=False)
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def as_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def line_of(text: str, path: str) -> int | None:
    """The line of ``text`` (YAML) holding the field at ``path`` (``people[2].hours_per_week``), or the
    nearest enclosing field found; None when the text does not parse."""
    try:
        node = yaml.compose(text, Loader=_Loader)
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
        warned = [{**p, "message": p["message"].removeprefix("warning: ")} for p in found
                  if p["message"].startswith("warning: ")]
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
    people = [{"id": p.get("id"), "name": p.get("name") or p.get("id"),
               "skills": ", ".join(p.get("skills") or []), "hours": p.get("hours_per_week"),
               "days": p.get("days") if isinstance(p.get("days"), str) else ", ".join(p.get("days") or [])}
              for p in (document or {}).get("people", [])]
    context = {
        "team_id": team_id,
        "name": (document or {}).get("team", team_id),
        "version": version,
        "text": as_yaml(document) if document else "",
        "people": people,
        "skills": ", ".join((document or {}).get("skills") or []),
        "problems": None,
        "warnings": None,
        **extra,
    }
    return page(request, "team_file.html", context, status=422 if extra.get("problems") else 200)


@router.get("/teams/{team_id}/file")
def file_page(request: Request, team_id: str, principal: WebPrincipal, session: SessionDep) -> Response:
    """The team file as YAML, and the forms; a lead's team not stored yet starts empty."""
    principal.require_lead(team_id)
    return _editor(request, session, team_id)


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
        return _editor(request, session, team_id, text=text, problems=problems, checked=not problems,
                       warnings=warnings)
    _, version = _current(session, team_id)
    if version != base_version:
        raise Conflict(f"the team file changed since you opened it (it is at version {version} now): "
                       "reload the page, then make your change again", "version")
    # checked again under the team's lock: of two saves from the same version, one is stored
    _saved(request, session, team_id, document, "the team file", base_version=version)
    return redirect(f"/teams/{team_id}/file")


def _saved(request: Request, session: Session, team_id: str, document: Any, what: str,
           base_version: int | None = None) -> None:
    warnings: list[dict[str, str]] = []
    _, version, changed = teams.put_team(session=session, team_id=team_id, document=document,
                                         base_version=base_version, warnings=warnings)
    flash(request, f"Saved {what}: version {version.version}." if changed else "Nothing changed.")
    for w in warnings:
        flash(request, f"Warning: {w['path']}: {w['message']}", "error")


def _change(request: Request, session: Session, team_id: str, change: Any, what: str) -> Response:
    """Apply ``change`` to a copy of the current document and save it; problems are shown on the page."""
    document, _ = _current(session, team_id)
    if document is None:
        raise NotFound(f'no team "{team_id}" yet: save a team file first', "team_id")
    document = copy.deepcopy(document)
    change(document)
    try:
        _saved(request, session, team_id, document, what)
    except Invalid as exc:
        session.rollback()
        text = as_yaml(document)
        problems = [{**p, "line": line_of(text, p.get("path", "")), "source": ""} for p in exc.problems]
        return _editor(request, session, team_id, problems=problems, unsaved=what)
    return redirect(f"/teams/{team_id}/file")


def _person(document: dict[str, Any], person: str) -> dict[str, Any]:
    for p in document.get("people", []):
        if p.get("id") == person:
            return p
    raise NotFound(f'the team has no person "{person}"', "person")


def _list(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def _contract(p: dict[str, Any], hours: str, days: str) -> None:
    if hours.strip():
        try:
            p["hours_per_week"] = float(hours) if "." in hours else int(hours)
        except ValueError:
            raise Invalid(f'"{hours}" is not a number of hours', "hours_per_week") from None
    else:
        p.pop("hours_per_week", None)
    if days.strip():
        p["days"] = days.strip()
    else:
        p.pop("days", None)


@router.post("/teams/{team_id}/file/people", dependencies=[Csrf])
def add_person(
    request: Request, team_id: str, principal: WebPrincipal, session: WriteSessionDep,
    person: Annotated[str, Form()], name: Annotated[str, Form()] = "", skills: Annotated[str, Form()] = "",
    hours: Annotated[str, Form()] = "", days: Annotated[str, Form()] = "",
) -> Response:
    """Add a person with their skills and contract."""
    principal.require_lead(team_id)

    def change(doc: dict[str, Any]) -> None:
        p: dict[str, Any] = {"id": person.strip()}
        if name.strip():
            p["name"] = name.strip()
        p["skills"] = _list(skills)
        _contract(p, hours, days)
        doc.setdefault("people", []).append(p)

    return _change(request, session, team_id, change, f"added {name.strip() or person.strip()}")


@router.post("/teams/{team_id}/file/people/remove", dependencies=[Csrf])
def remove_person(
    request: Request, team_id: str, principal: WebPrincipal, session: WriteSessionDep,
    person: Annotated[str, Form()],
) -> Response:
    """Remove a person (older rotas keep the team version they were made with)."""
    principal.require_lead(team_id)

    def change(doc: dict[str, Any]) -> None:
        doc["people"].remove(_person(doc, person))

    return _change(request, session, team_id, change, f"removed {person}")


@router.post("/teams/{team_id}/file/people/contract", dependencies=[Csrf])
def set_contract(
    request: Request, team_id: str, principal: WebPrincipal, session: WriteSessionDep,
    person: Annotated[str, Form()], skills: Annotated[str, Form()] = "", hours: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
) -> Response:
    """Set a person's skills and contract (hours per week, working days)."""
    principal.require_lead(team_id)

    def change(doc: dict[str, Any]) -> None:
        p = _person(doc, person)
        p["skills"] = _list(skills)
        _contract(p, hours, days)

    return _change(request, session, team_id, change, f"skills and contract of {person}")


@router.post("/teams/{team_id}/file/leave", dependencies=[Csrf])
def add_leave(
    request: Request, team_id: str, principal: WebPrincipal, session: WriteSessionDep,
    person: Annotated[str, Form()], first: Annotated[str, Form()], last: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Add a period of leave (whole dates, inclusive)."""
    principal.require_lead(team_id)

    def change(doc: dict[str, Any]) -> None:
        entry: dict[str, Any] = {"date": first} if not last or last == first else {"from": first, "to": last}
        if reason.strip():
            entry["reason"] = reason.strip()
        _person(doc, person).setdefault("unavailable", []).append(entry)

    return _change(request, session, team_id, change, f"leave for {person}")
