"""Load a team file (YAML or JSON) into a checked ``Team``; every mistake is a one-line ``Problem``."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from rota.team import Team
from rota.teamcheck import Problem, check_team, did_you_mean, team_warnings
from rota.timeutil import parse_days

MAX_SHOWN = 20  # problems listed one a line; past this, a count of the rest


class TeamFileError(ValueError):
    """A team document that cannot be used; ``problems`` lists each mistake with its path.

    ``str()`` is every problem, one line each (``file: path: what``), up to ``MAX_SHOWN`` and then
    a line counting the rest."""

    def __init__(self, source: str, problems: list[Problem], warnings: list[Problem] | None = None):
        self.source = source
        self.problems = problems
        self.warnings = list(warnings or [])  # what is probably not meant either, found in the same pass
        super().__init__("\n".join(self.lines()) if problems else f"{source}: invalid")

    def lines(self, most: int = MAX_SHOWN) -> list[str]:
        """The problems, then the warnings (``warning: file: path: what``), up to ``most`` lines in all,
        then a line counting the rest ("… and 5 more problems and 1 warning")."""
        problems = [p.line(self.source) for p in self.problems[:most]]
        warnings = [f"warning: {w.line(self.source)}" for w in self.warnings[: most - len(problems)]]
        out = problems + warnings
        rest = []
        if len(self.problems) > len(problems):
            n = len(self.problems) - len(problems)
            rest.append(f"{n} more problem{'s' if n != 1 else ''}")
        if len(self.warnings) > len(warnings):
            n = len(self.warnings) - len(warnings)
            rest.append(f"{n} {'more ' if warnings else ''}warning{'s' if n != 1 else ''}")
        if rest:
            out.append(f"{self.source}: … and {' and '.join(rest)}")
        return out


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 scalars: ``start: 10:00`` stays a string, ``want: off`` stays "off"."""


_Loader.yaml_implicit_resolvers = {
    key: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool")
    ]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(  # YAML 1.2 booleans only: `want: off` stays the word "off"
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?0|[-+]?[1-9][0-9_]*)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9_]+)$"),
    list("-+0123456789."),
)


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
                None, None, f'the key "{key}" is repeated (first at line {first})', key_node.start_mark
            )
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
TeamFileLoader = _Loader  # the public name: what reads a team file's YAML (the API reads with it too)


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
        raise TeamFileError(
            source,
            [
                Problem(
                    "",
                    "the file is empty: a team file needs team, timezone, "
                    "opening_hours, roles, shifts and people",
                )
            ],
        )
    try:
        return parse_text(text, json_text=path.suffix.lower() == ".json")
    except ValueError as exc:
        raise TeamFileError(source, [Problem("", str(exc))]) from None


def load_team(path: str | Path) -> Team:
    """Read, parse and cross-check a team file."""
    return parse_team(read_document(path), Path(path).name)


def parse_team(data: Any, source: str = "team", *, stored: bool = False) -> Team:
    """Parse and cross-check a team document (a dict, as from YAML or an API body).

    Every problem is found in one pass: the fields' own errors, then the cross-reference checks of
    what is left when the fields in error are set aside (``_salvage``), then the fixed duties when
    nothing else is wrong. ``TeamFileError`` carries them all, and the warnings (``team_warnings``).

    ``stored``: a document accepted before (a stored team version) is read by the rules it was
    accepted under; the checks added since (one-line names, a shift of end == start, demand on a
    closed weekday) bind what is sent now, so no stored rota becomes unreadable."""
    if not isinstance(data, dict):
        raise TeamFileError(source, [Problem("", "the document must be a mapping of keys")])
    deep = too_deep(data)
    if deep is not None:
        raise TeamFileError(source, [deep])
    data = _rejoin_day_lists(data)
    try:
        team = Team.model_validate(data, context={"stored": stored})
    except ValidationError as exc:
        problems = [_problem(e) for e in _drop_union_noise(exc.errors())]
        salvaged = _salvage(data, exc, stored)
        if salvaged is None:
            raise TeamFileError(source, problems) from None
        team, kept = salvaged
        problems += [p for p in (kept(q) for q in check_team(team, stored=stored)) if p is not None]
        warnings = [w for w in (kept(q, warning=True) for q in team_warnings(team)) if w is not None]
        raise TeamFileError(source, _by_place(problems), _apart(warnings, problems)) from None
    problems = check_team(team, stored=stored) or _check_fixed(team)
    if problems:
        raise TeamFileError(source, problems, _apart(team_warnings(team), problems))
    return team


def _apart(warnings: list[Problem], problems: list[Problem]) -> list[Problem]:
    """The warnings that do not follow from a problem: none about a place holding or held by one (a
    shift never offered because it names an unknown role says nothing new), and none about shifts
    never offered while the demand or the hours they are offered by have a problem."""
    demand = ("roles", "shifts", "opening_hours", "core_hours")
    shaky = any(_under(p.path, d) for p in problems for d in demand)
    return [
        w
        for w in warnings
        if not any(_under(p.path, w.path) or _under(w.path, p.path) for p in problems if p.path)
        and not (shaky and _under(w.path, "shifts"))
    ]


MAX_DEPTH = 32  # a team file nests 6 levels deep (people[].preferences.requests[].date); far more is no team


def too_deep(document: Any) -> Problem | None:
    """The first place nested more than ``MAX_DEPTH`` deep, found without recursion, so that no walk
    of the document (pydantic's, ``_rejoin_day_lists``) can run out of stack."""
    stack: list[tuple[Any, int, tuple[Any, ...]]] = [(document, 0, ())]
    while stack:
        node, depth, loc = stack.pop()
        if depth > MAX_DEPTH:
            return Problem(
                format_path(loc[:MAX_DEPTH]),
                f"nested more than {MAX_DEPTH} levels deep: a team file needs only a few",
            )
        if isinstance(node, dict):
            stack.extend((v, depth + 1, (*loc, str(k))) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, depth + 1, (*loc, i)) for i, v in enumerate(node))
    return None


def _by_place(problems: list[Problem]) -> list[Problem]:
    """Problems in the order of the file's sections (field errors and cross-checks interleaved)."""
    order = {name: i for i, name in enumerate(Team.model_fields)}

    def place(p: Problem) -> tuple[Any, ...]:
        parts = _parts(p.path)
        head = order.get(parts[0], -1) if parts else -1
        return (head, [(0, x, "") if isinstance(x, int) else (1, 0, x) for x in parts[1:]])

    return sorted(problems, key=place)


# A required top-level value no check refers to: when it is in error, the checks run with this in its place.
_STAND_INS = {"team": "team", "timezone": "UTC"}
_NEEDED = ("roles", "shifts", "people")
_REF_KINDS = {"roles": "role", "shifts": "shift", "people": "person", "skills": "skill"}


def _salvage(
    data: dict[str, Any], exc: ValidationError, stored: bool
) -> tuple[Team, Callable[..., Problem | None]] | None:
    """The team with each field in error set aside, to run the cross-reference checks on, and ``kept``:
    a problem of that team at its place in ``data``, or None when it only follows from a set-aside part.

    A field in error is removed (its default applies), or, when it is required, the entry holding it
    (a list item, a role or shift); indices are mapped back to ``data``'s. None when nothing sensible
    is left (an error in ``opening_hours`` as a whole, say)."""
    import copy

    removed: set[tuple[Any, ...]] = set()
    stand_in: dict[str, Any] = {}

    def original(loc: tuple[Any, ...]) -> tuple[Any, ...]:
        """A place in the salvaged document, as a place in ``data``."""
        out: tuple[Any, ...] = ()
        node: Any = data
        for part in loc:
            if isinstance(part, int) and isinstance(node, list):
                left = [k for k in range(len(node)) if (*out, k) not in removed]
                part = left[part] if part < len(left) else part
            out = (*out, part)
            node = _at(node, (part,))
        return out

    errors = exc.errors()
    for _ in range(8):
        targets: set[tuple[Any, ...]] = set()
        for e in errors:
            loc = original(tuple(p for p in e.get("loc", ()) if p != "[key]" and not _is_branch(p)))
            if e.get("type") == "missing" and not (len(loc) == 1 and loc[0] in _STAND_INS):
                loc = loc[:-1]
            while len(loc) > 1 and _at(data, loc) is _NOWHERE:
                loc = loc[:-1]
            if len(loc) == 1 and loc[0] in _STAND_INS:
                stand_in[loc[0]] = _STAND_INS[loc[0]]
            elif not loc or loc[0] == "opening_hours" or (len(loc) == 1 and loc[0] in _NEEDED):
                return None  # nothing sensible to check without it
            else:
                targets.add(loc)
        if targets and targets <= removed:
            return None  # no progress
        removed |= targets
        doc = copy.deepcopy(data)
        doc.update(stand_in)
        for loc in sorted(removed, key=lambda t: [(isinstance(x, str), x) for x in t], reverse=True):
            parent = _at(doc, loc[:-1])
            if isinstance(parent, dict):
                parent.pop(loc[-1], None)
            elif isinstance(parent, list) and isinstance(loc[-1], int) and loc[-1] < len(parent):
                del parent[loc[-1]]
        try:
            team = Team.model_validate(doc, context={"stored": stored})
            break
        except ValidationError as again:
            errors = again.errors()
    else:
        return None

    gone_ids: dict[str, set[str]] = {}
    for loc in removed:
        if len(loc) == 2 and loc[0] in _REF_KINDS:
            value = _at(data, loc)
            ident = (
                loc[1] if isinstance(loc[1], str) else value.get("id") if isinstance(value, dict) else value
            )
            gone_ids.setdefault(_REF_KINDS[loc[0]], set()).add(str(ident))
    gone = [format_path(loc) for loc in removed]

    def kept(problem: Problem, warning: bool = False) -> Problem | None:
        path = format_path(original(_parts(problem.path)))
        for g in gone:
            if _under(path, g) or (warning and _under(g, path)):
                return None
        for kind, ids in gone_ids.items():
            if any(problem.message.startswith(f'unknown {kind} "{i}"') for i in ids):
                return None
        return Problem(path, problem.message)

    return team, kept


_NOWHERE = object()
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _at(document: Any, loc: tuple[Any, ...]) -> Any:
    node = document
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
        else:
            return _NOWHERE
    return node


def _parts(path: str) -> tuple[Any, ...]:
    """``people[2].skills[0]`` → ``("people", 2, "skills", 0)`` (``format_path`` backwards)."""
    return tuple(int(i) if i else name for name, i in _PART.findall(path))


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


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
    return (
        isinstance(part, str)
        and part != "[key]"
        and (part.startswith("function-") or "[" in part or part in ("str", "datetime"))
    )


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
    return Problem(format_path(loc), msg[:1].lower() + msg[1:] if msg[:2] != '"' else msg)
