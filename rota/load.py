"""Load a team file (YAML or JSON) into a checked ``Team``; every mistake is a one-line ``Problem``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rota.team import Team
from rota.teamcheck import Problem, check_team
from rota.timeutil import parse_days


class TeamFileError(ValueError):
    """A team document that cannot be used; ``problems`` lists each mistake with its path."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        first = problems[0].line(source) if problems else f"{source}: invalid"
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)

    def lines(self) -> list[str]:
        return [p.line(self.source) for p in self.problems]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 scalars: ``start: 10:00`` stays a string, ``want: off`` stays "off"."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag not in (
        "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool")]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(  # YAML 1.2 booleans only: `want: off` stays the word "off"
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?0|[-+]?[1-9][0-9_]*)$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9_]+)$"),
    list("-+0123456789."))


def read_document(path: str | Path) -> Any:
    """The parsed YAML/JSON document of a file; ``TeamFileError`` if it cannot be read."""
    path = Path(path)
    source = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TeamFileError(str(path), [Problem("", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TeamFileError(str(path), [Problem("", f"cannot be read: {exc}")]) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.load(text, Loader=_Loader)
    except json.JSONDecodeError as exc:
        raise TeamFileError(source, [Problem(f"line {exc.lineno}", f"not valid JSON: {exc.msg}")]) \
            from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or str(exc)
        raise TeamFileError(source, [Problem(where, f"not valid YAML: {what}")]) from None


def load_team(path: str | Path) -> Team:
    """Read, parse and cross-check a team file."""
    return parse_team(read_document(path), Path(path).name)


def parse_team(data: Any, source: str = "team") -> Team:
    """Parse and cross-check a team document (a dict, as from YAML or an API body)."""
    if not isinstance(data, dict):
        raise TeamFileError(source, [Problem("", "the document must be a mapping of keys")])
    try:
        team = Team.model_validate(_rejoin_day_lists(data))
    except ValidationError as exc:
        raise TeamFileError(source, [_problem(e) for e in _drop_union_noise(exc.errors())]) from None
    problems = check_team(team)
    if problems:
        raise TeamFileError(source, problems)
    return team


_DAY_KEYS = ("days", "avoid_days")


def _rejoin_day_lists(node: Any) -> Any:
    """Undo a YAML flow-mapping quirk: ``{days: mon,wed,fri}`` reads as ``days: mon, wed: null, …``.

    Keys after ``days``/``avoid_days`` that are day specs with no value are joined back on.
    """
    if isinstance(node, list):
        return [_rejoin_day_lists(x) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[Any, Any] = {}
    open_key: str | None = None
    for key, value in node.items():
        if open_key and value is None and isinstance(key, str) and _is_day_spec(key):
            out[open_key] = f"{out[open_key]},{key}"
            continue
        out[key] = _rejoin_day_lists(value)
        open_key = key if key in _DAY_KEYS and isinstance(value, str) else None
    return out


def _is_day_spec(text: str) -> bool:
    try:
        parse_days(text)
    except ValueError:
        return False
    return True


def format_path(loc: tuple[Any, ...]) -> str:
    """``('roles', 'desk', 'demand', 1, 'time')`` → ``roles.desk.demand[1].time``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            continue
        elif _is_branch(part):
            continue  # pydantic's union/validator branch names are not field names
        else:
            out += f".{part}" if out else str(part)
    return out.replace(".from_", ".from")


def _is_branch(part: Any) -> bool:
    """Whether a location part names a pydantic union/validator branch rather than a field."""
    # not "date": that is also a field name (fixed[].date, unavailable[].date, …)
    return isinstance(part, str) and part != "[key]" and (
        part.startswith("function-") or "[" in part or part in ("str", "datetime"))


def _drop_union_noise(errors: list[Any]) -> list[Any]:
    """Of one field's union-branch errors, drop the "wrong type" ones when a branch says more.

    ``"09:00-25:30"`` for ``Window | list[Window]`` fails both branches; only the window error helps.
    """
    fields: dict[tuple[Any, ...], list[Any]] = {}
    for e in errors:
        loc = tuple(e.get("loc", ()))
        cut = next((i for i, part in enumerate(loc) if _is_branch(part)), None)
        if cut is not None:
            fields.setdefault(loc[:cut], []).append(e)
    drop: set[int] = set()
    for errs in fields.values():
        telling = [e for e in errs if not str(e.get("type", "")).endswith("_type")]
        drop |= {id(e) for e in errs} - {id(e) for e in telling or errs[:1]}
    return [e for e in errors if id(e) not in drop]


def _problem(error: dict[str, Any]) -> Problem:
    loc = tuple(error.get("loc", ()))
    msg = str(error.get("msg", "invalid"))
    kind = error.get("type", "")
    value = error.get("input")
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
    elif kind == "missing":
        msg = "is required"
    elif kind == "extra_forbidden":
        msg = "unknown key"
    elif kind == "string_pattern_mismatch":
        msg = f'"{value}" is not a valid id (lower-case letters, digits, "-" and "_")'
    elif (isinstance(value, (str, int, float)) and not isinstance(value, bool)) or value is None:
        msg = f"{msg} (got {json.dumps(value, default=str)})"
    if loc and loc[-1] == "[key]" and kind == "string_pattern_mismatch":
        msg = f'key "{value}" is not a valid id (lower-case letters, digits, "-" and "_")'
    return Problem(format_path(loc), msg[:1].lower() + msg[1:] if msg[:2] != "\"" else msg)
