"""Load a team file (YAML or JSON) into a checked ``Team``; every mistake is a one-line ``Problem``."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from rota.team import Team
from rota.teamcheck import Problem, check_team, did_you_mean
from rota.timeutil import parse_days

MAX_SHOWN = 20  # problems listed one a line; past this, a count of the rest


class TeamFileError(ValueError):
    """A team document that cannot be used; ``problems`` lists each mistake with its path.

    ``str()`` is every problem, one line each (``file: path: what``), up to ``MAX_SHOWN`` and then
    a line counting the rest."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines()) if problems else f"{source}: invalid")

    def lines(self, most: int = MAX_SHOWN) -> list[str]:
        out = [p.line(self.source) for p in self.problems[:most]]
        if len(self.problems) > most:
            out.append(f"{self.source}: … and {len(self.problems) - most} more problems")
        return out


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


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    """A mapping, refusing a key written twice (YAML itself lets the last one win silently)."""
    loader.flatten_mapping(node)
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            repeated = key in seen
        except TypeError:  # an unhashable key: the base constructor says so
            break
        if repeated:
            first = seen[key].start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                None, None, f'the key "{key}" is repeated (first at line {first})', key_node.start_mark)
        seen[key] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


def _timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """A date or time; an impossible one (``2027-02-30``) stays text, for the field to refuse."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_Loader.construct_mapping = _mapping  # type: ignore[assignment]
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key written twice."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f'the key "{key}" is repeated')
        out[key] = value
    return out


def parse_text(text: str, json_text: bool = False) -> Any:
    """The document in ``text`` (YAML, or JSON with ``json_text``); ``ValueError`` with the place
    and what is wrong for anything that does not parse: syntax, a repeated key, nesting too deep."""
    try:
        if json_text:
            return json.loads(text, object_pairs_hook=json_pairs)
        return yaml.load(text, Loader=_Loader)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {exc.lineno} column {exc.colno}: not valid JSON: {exc.msg}") from None
    except yaml.YAMLError as exc:
        raise ValueError(_yaml_problem(exc, text)) from None
    except RecursionError:
        raise ValueError("nested too deeply to read") from None
    except (ValueError, TypeError, OverflowError) as exc:
        if json_text and str(exc).startswith("the key"):  # a repeated key: YAML's reading has its line
            try:
                yaml.load(text, Loader=_Loader)
            except yaml.YAMLError as again:
                raise ValueError(_yaml_problem(again, text).replace("not valid YAML: ", "")) from None
            except Exception:  # the message without a line is still right
                pass
        raise ValueError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def _yaml_problem(exc: yaml.YAMLError, text: str) -> str:
    """One line: where (line and column) and what is wrong."""
    mark = getattr(exc, "problem_mark", None)
    position = getattr(exc, "position", None)  # a reader error: a character the reader refuses
    if mark is None and position is not None:
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        where = f"line {line} column {column}: "
    else:
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{where}not valid YAML: {what}"


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
    if not text.strip():
        raise TeamFileError(source, [Problem("", "the file is empty: a team file needs team, timezone, "
                                                 "opening_hours, roles, shifts and people")])
    try:
        return parse_text(text, json_text=path.suffix.lower() == ".json")
    except ValueError as exc:
        raise TeamFileError(source, [Problem("", str(exc))]) from None


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
    problems = _check_fixed(team)
    if problems:
        raise TeamFileError(source, problems)
    return team


def _check_fixed(team: Team) -> list[Problem]:
    """Fixed assignments that break a hard rule (spec 1.1: the file is invalid at load, not only
    when solved): over the team's period, or over the dates they name when it has none."""
    from rota.calendar import Calendar
    from rota.validate import check_fixed

    dates = [fx.date for p in team.people for fx in p.fixed]
    if not dates:
        return []
    if team.period is not None:
        return check_fixed(Calendar(team))
    return check_fixed(Calendar(team, min(dates), max(dates)))


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


@functools.cache
def _field_names() -> frozenset[str]:
    """Every key the team-file models know (their fields and aliases)."""
    import rota.team as model

    names: set[str] = set()
    for obj in vars(model).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == model.__name__:
            for name, info in obj.model_fields.items():
                names.add(info.alias or name)
    return frozenset(names)


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
        msg = "unknown key" + did_you_mean(str(loc[-1]) if loc else "", _field_names())
    elif kind == "string_pattern_mismatch":
        msg = f'"{value}" is not a valid id (lower-case letters, digits, "-" and "_")'
    elif (isinstance(value, (str, int, float)) and not isinstance(value, bool)) or value is None:
        msg = f"{msg} (got {json.dumps(value, default=str)})"
    if loc and loc[-1] == "[key]" and kind == "string_pattern_mismatch":
        msg = f'key "{value}" is not a valid id (lower-case letters, digits, "-" and "_")'
    return Problem(format_path(loc), msg[:1].lower() + msg[1:] if msg[:2] != "\"" else msg)
