"""Teams: the document as submitted (JSON or YAML), versioned; updates keep the versions older rotas used."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rota.api.auth import Principal
from rota.api.db import utcnow
from rota.api.errors import Conflict, Invalid, NotFound, PreconditionFailed, UnsupportedMediaType
from rota.api.models import TeamRow, TeamVersion
from rota.load import TeamFileError, TeamFileLoader, json_pairs, parse_team, too_deep
from rota.team import Team
from rota.teamcheck import team_warnings

_TEAM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
ACCEPTED_TYPES = ("application/json", *YAML_TYPES)
MAX_VALUES = 1_000_000  # a YAML body with nested aliases could otherwise expand without bound


def check_team_id(team_id: str) -> None:
    if not _TEAM_ID.match(team_id):
        raise Invalid(
            f'"{team_id}" is not a valid team id (lower-case letters, digits, "-" and "_")', "team_id"
        )


def json_document(document: Any) -> Any:
    """The document with dates and times as ISO strings, as JSON would carry them."""

    def default(value: Any) -> str:
        if isinstance(value, date | datetime):
            return value.isoformat()
        raise TypeError(f"{type(value).__name__} is not JSON")

    return json.loads(json.dumps(document, default=default))


def media_type(content_type: str | None) -> str:
    """``application/json`` of ``application/json; charset=utf-8``; no header counts as JSON."""
    return (content_type or "application/json").split(";")[0].strip().lower() or "application/json"


def parse_body(body: bytes, content_type: str | None) -> Any:
    """A team document sent as JSON or YAML (the team files' safe loader: ``09:00`` and ``off`` stay
    text); 415 for another content type, 422 with the place of a syntax error."""
    kind = media_type(content_type)
    is_json = kind == "application/json" or kind.endswith("+json")
    if not is_json and kind not in YAML_TYPES and not kind.endswith("+yaml"):
        raise UnsupportedMediaType(
            f'content type "{kind}" is not accepted: send the team as {", ".join(ACCEPTED_TYPES)}',
            "content-type",
        )
    if not body.strip():
        what = "a JSON object" if is_json else "a team document"
        raise Invalid(f"{what} is required as the body")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"the body is not UTF-8 text: byte {exc.start} cannot be decoded") from None
    if is_json:
        try:
            return json.loads(text, object_pairs_hook=json_pairs)
        except json.JSONDecodeError as exc:
            raise Invalid(f"the body is not valid JSON: {exc.msg} at character {exc.pos}") from None
        except RecursionError:
            raise Invalid("the body is nested too deeply") from None
        except ValueError as exc:  # a repeated key
            raise Invalid(f"the body is not a valid team: {exc}") from None
    try:
        document = yaml.load(text, Loader=TeamFileLoader)  # a SafeLoader subclass
    except RecursionError:
        raise Invalid("the body is nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc)
        if mark is None:
            raise Invalid(f"the body is not valid YAML: {what}") from None
        line, column = mark.line + 1, mark.column + 1
        message = f"the body is not valid YAML: {what} at line {line} column {column}"
        raise Invalid(
            message, problems=[{"path": "", "message": message, "line": line, "column": column}]
        ) from None
    if _expanded_size(document) > MAX_VALUES:
        raise Invalid(f"the body expands to more than {MAX_VALUES:,} values (aliases of aliases?)")
    _refuse_deep(document)
    try:
        return json_document(document)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"the body holds a value JSON cannot carry: {exc}") from None


def _refuse_deep(document: Any) -> None:
    """422 for a document nested deeper than a team file ever is (``rota.load.too_deep``, iterative)."""
    deep = too_deep(document)
    if deep is not None:
        raise Invalid(deep.message, deep.path)


def _expanded_size(document: Any) -> int:
    """How many values the document holds with every YAML alias written out; stops past ``MAX_VALUES``."""
    count, stack = 0, [document]
    while stack and count <= MAX_VALUES:
        node = stack.pop()
        count += 1
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return count


def problems_of(error: TeamFileError) -> list[dict[str, str]]:
    """A team file's mistakes as API problems: the field path and the reason, as the CLI prints them;
    then what is probably not meant either (``team_warnings``), as ``warning: …``."""
    return [{"path": p.path, "message": p.message} for p in error.problems] + [
        {"path": w.path, "message": f"warning: {w.message}"} for w in error.warnings
    ]


def warnings_of(team: Team) -> list[dict[str, str]]:
    """What is valid but probably not meant in a team (``rota.teamcheck.team_warnings``), as problems."""
    return [{"path": w.path, "message": w.message} for w in team_warnings(team)]


@contextmanager
def team_file_errors() -> Iterator[None]:
    """A team file's mistakes (``TeamFileError``) raised inside, answered as a 422 naming each one."""
    try:
        yield
    except TeamFileError as exc:
        raise Invalid(str(exc), problems=problems_of(exc)) from None


def parse_document(document: Any, source: str, *, stored: bool = False) -> Team:
    """Parse and check a team document; 422 with every problem's path when it is invalid. ``stored``:
    a stored version, read by the rules it was accepted under (``rota.load.parse_team``)."""
    with team_file_errors():
        return parse_team(document, source, stored=stored)


def version_etag(version: int) -> str:
    """The ETag of a team version (``"3"``), as ``GET`` and ``PUT`` send it and ``If-Match`` names it."""
    return f'"{version}"'


def if_match_versions(value: str) -> set[int] | None:
    """The team versions an If-Match header names (``"3"``, ``"3", "4"``, ``3``); None for ``*`` (any).
    A weak tag (``W/"3"``) never matches (If-Match compares strongly); one that is not a version: 422."""
    versions: set[int] = set()
    for part in (p.strip() for p in value.split(",")):
        if part == "*":
            return None
        if part.startswith("W/"):
            continue
        text = part.strip('"')
        if not text.isdigit():
            raise Invalid(f'If-Match {value!r} is not a team version\'s ETag (like "3")', "If-Match")
        versions.add(int(text))
    return versions


def check_version(
    team_id: str, current: int | None, *, if_match: str | None, base_version: int | None
) -> None:
    """The optimistic lock of a team update: the version read (``If-Match``, ``base_version``) must be the
    current one. 412 when If-Match names another version (or the team is not stored yet), 409 when
    ``base_version`` does (0: the team must not exist yet)."""
    if if_match is not None:
        wanted = if_match_versions(if_match)
        if current is None:
            raise PreconditionFailed(
                f'there is no team "{team_id}" yet, so If-Match {if_match} cannot '
                "match: send it without If-Match to create it",
                "If-Match",
            )
        if wanted is not None and current not in wanted:
            raise PreconditionFailed(
                f'team "{team_id}" changed since you read it: it is at version {current} now '
                f"(ETag {version_etag(current)}), not {if_match}; read it again, make your change on it and "
                "send that ETag",
                "If-Match",
            )
    if base_version is not None and base_version != (current or 0):
        if current is None:
            raise Conflict(
                f'there is no team "{team_id}" yet, so it has no version {base_version}: send it '
                "with base_version 0 or none to create it",
                "base_version",
            )
        if base_version == 0:
            raise Conflict(
                f'team "{team_id}" exists already (version {current}): read it and make your '
                "change on that version",
                "base_version",
            )
        raise Conflict(
            f'team "{team_id}" changed since version {base_version} was read: it is at version '
            f"{current} now; read it again and make your change on that version",
            "base_version",
        )


def put_team(
    *,
    session: Session,
    team_id: str,
    document: Any,
    max_people: int | None = None,
    if_match: str | None = None,
    base_version: int | None = None,
    warnings: list[dict[str, str]] | None = None,
) -> tuple[TeamRow, TeamVersion, bool]:
    """Store a team document; a changed one becomes a new version. Returns (team, version, changed).
    ``max_people``: a larger team is refused (422 naming the limit) before anything is stored.
    ``if_match`` / ``base_version``: the version the caller read, checked under the team row's lock, so of
    concurrent updates from the same version one is stored and the others refused (``check_version``).
    ``warnings``: a list that receives what is valid but probably not meant (``warnings_of``)."""
    check_team_id(team_id)
    _refuse_deep(document)  # before any recursive walk (json_document's, the loader's)
    document = json_document(document)
    team = parse_document(document, team_id)
    if warnings is not None:
        warnings[:] = warnings_of(team)
    if max_people is not None and len(team.people) > max_people:
        raise Invalid(
            f"{len(team.people):,} people: a team may have at most {max_people:,} "
            "(the ROTA_MAX_PEOPLE setting)",
            "people",
        )
    if if_match is not None:
        if_match_versions(if_match)  # 422 for a malformed header before any lock is taken
    row = session.get(TeamRow, team_id, with_for_update=True)
    check_version(
        team_id,
        row.current_version if row is not None else None,
        if_match=if_match,
        base_version=base_version,
    )
    now = utcnow()
    if row is None:
        row = TeamRow(id=team_id, name=team.team, current_version=1, created_at=now, updated_at=now)
        session.add(row)
        try:
            session.flush()
        except IntegrityError:  # another request created the team meanwhile: update it instead
            session.rollback()
            return put_team(
                session=session,
                team_id=team_id,
                document=document,
                max_people=max_people,
                if_match=if_match,
                base_version=base_version,
                warnings=warnings,
            )
        version = TeamVersion(team_id=team_id, version=1, document=document, created_at=now)
        session.add(version)
        session.commit()
        return row, version, True
    latest = get_version(session=session, team_id=team_id)
    if latest.document == document:
        session.commit()
        return row, latest, False
    version = TeamVersion(team_id=team_id, version=row.current_version + 1, document=document, created_at=now)
    session.add(version)
    row.current_version = version.version
    row.name = team.team
    row.updated_at = now
    session.commit()
    return row, version, True


def get_team(*, session: Session, team_id: str) -> TeamRow:
    row = session.get(TeamRow, team_id)
    if row is None:
        raise NotFound(f'no team "{team_id}"', "team_id")
    return row


def managed_team(*, session: Session, principal: Principal, team_id: str) -> TeamRow:
    """The team, for hr or one of its leads: 403 for anyone else (before a 404 for a team not stored)."""
    principal.require_manager(team_id)
    return get_team(session=session, team_id=team_id)


def team_exists(*, session: Session, team_id: str) -> bool:
    """Whether the team is stored."""
    return session.get(TeamRow, team_id) is not None


def list_teams(*, session: Session, only: tuple[str, ...] | None = None) -> list[TeamRow]:
    """Every team, or those named in ``only``."""
    query = select(TeamRow).order_by(TeamRow.id)
    if only is not None:
        query = query.where(TeamRow.id.in_(only))
    return list(session.scalars(query))


def get_version(*, session: Session, team_id: str, version: int | None = None) -> TeamVersion:
    """A stored version of the team document (the current one by default)."""
    if version is None:
        version = get_team(session=session, team_id=team_id).current_version
    row = session.scalars(
        select(TeamVersion).where(TeamVersion.team_id == team_id, TeamVersion.version == version)
    ).first()
    if row is None:
        raise NotFound(f'team "{team_id}" has no version {version}', "version")
    return row


def current_document(*, session: Session, team_id: str) -> dict[str, Any]:
    return get_version(session=session, team_id=team_id).document


def display_names(document: dict[str, Any]) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(people, roles, shifts): id → display name, read straight from a stored document."""
    people = {p["id"]: p.get("name") or p["id"] for p in document.get("people", []) if "id" in p}
    roles = {k: (v or {}).get("name") or k for k, v in document.get("roles", {}).items()}
    shifts = {k: (v or {}).get("name") or k for k, v in document.get("shifts", {}).items()}
    return people, roles, shifts
