"""Reading the CLI's inputs: rota documents (and whether they fit the team file), the horizon options and
the output files' formats."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from rota.cli.errors import fail
from rota.document import RotaDocument
from rota.export import FORMATS, TEXT_FORMATS
from rota.load import format_path
from rota.team import Team

OUTPUT_KINDS = (".json", ".csv", ".ics")  # what ``rota solve -o`` writes
EXPORT_FORMATS = tuple(f for f in FORMATS if f != "json")  # what ``rota export`` writes
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_start(month: str, option: str = "--month") -> date:
    """The first date of a ``YYYY-MM`` option value, or one line naming the option and exit 2."""
    m = _MONTH.match(month.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        fail(f'{option}: "{month}" is not a month YYYY-MM')
    return date(int(m.group(1)), int(m.group(2)), 1)


def resolve_period(team: Team, month: str | None, start: str | None, end: str | None) -> tuple[date, date]:
    """The horizon from ``--month`` or ``--from``/``--to``, else the team file's ``period``."""
    if month is not None:
        if start is not None or end is not None:
            fail("--month: give either --month or --from/--to, not both")
        first = month_start(month)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return first, following - timedelta(days=1)
    if start is None and end is None:
        if team.period is None:
            fail("the team file has no period: give --month YYYY-MM or --from DATE --to DATE")
        return team.period.start, team.period.end
    if start is None or end is None:
        fail("--from and --to go together: give both, or --month")
    first, last = _date("--from", start), _date("--to", end)
    if last < first:
        fail(f"--from {first} is after --to {last}")
    return first, last


def _date(option: str, text: str) -> date:
    """An ISO date given to ``option``."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(f'{option}: "{text}" is not a date YYYY-MM-DD')


def output_kind(path: Path) -> str:
    """The export format of an output path, by its suffix."""
    suffix = path.suffix.lower()
    if suffix not in OUTPUT_KINDS:
        fail(f'--output: "{path.name}" must end in {", ".join(OUTPUT_KINDS)}')
    return suffix


def writable(path: Path, option: str = "--output") -> Path:
    """``path``, once its folder is known to exist (checked before a solve, not after it)."""
    folder = path.parent
    if not folder.is_dir():
        fail(f'{option}: "{path}" cannot be written: no folder {folder}')
    if path.is_dir():
        fail(f'{option}: "{path}" is a folder')
    return path


def export_format(fmt: str | None, output: Path | None) -> str:
    """The format ``rota export`` writes: ``--format``, else the suffix of ``-o``; xlsx only to a file."""
    inferred = output.suffix.lower().lstrip(".") if output is not None else None
    if fmt is not None:
        fmt = fmt.strip().lower().lstrip(".")
        if fmt not in EXPORT_FORMATS:
            fail(f'--format: "{fmt}" is not one of {", ".join(EXPORT_FORMATS)}')
        if inferred and inferred in EXPORT_FORMATS and inferred != fmt:
            fail(f'--output: "{output.name}" ends in .{inferred} but --format is {fmt}')
    elif output is None:
        fail(f"--format: give --format ({'|'.join(EXPORT_FORMATS)}) or -o FILE with one of those suffixes")
    elif inferred not in EXPORT_FORMATS:
        fail(
            f'--output: "{output.name}" must end in {", ".join("." + f for f in EXPORT_FORMATS)}, '
            "or give --format"
        )
    else:
        fmt = inferred
    if output is None and fmt not in TEXT_FORMATS:
        fail(f"--output: {fmt} is not text: give -o FILE.{fmt}")
    return fmt


_TEAM_KEYS = {"people", "roles", "shifts", "opening_hours"}  # a team file must have these
_ROTA_KEYS = {"assignments", "gaps", "solver"}  # a rota document has these, a team file none of them


def file_kind(path: Path) -> str | None:
    """ "team" or "rota" by what ``path`` holds (YAML is always a team file; JSON by its keys), or None
    when it cannot tell: no such file, not JSON, keys of neither. Never fails: the reading that follows
    says what is wrong with the file."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "team"
    if suffix != ".json" or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    keys = data.keys()
    if keys & _TEAM_KEYS:
        return "team"
    return "rota" if keys & _ROTA_KEYS else None


def team_and_rota(first: Path, second: Path, expected: tuple[str, str]) -> tuple[Path, Path]:
    """(team file, rota document) of two paths given in the order ``expected`` names ("team", "rota" or
    the reverse), taken in either order when what the files hold says which is which; a file plainly in
    the other's place, or two of one kind, stop with one line saying so."""
    kinds = (file_kind(first), file_kind(second))
    paths = {expected[0]: first, expected[1]: second}
    if kinds == (expected[1], expected[0]):  # swapped, and plainly so: read them the way they are
        return paths["rota"], paths["team"]
    order = " ".join("TEAMFILE" if kind == "team" else "ROTA.json" for kind in expected)
    held = dict(zip(expected, kinds, strict=True))
    if held["rota"] == "team" and held["team"] is None:
        fail(f"{paths['rota'].name}: a team file where the rota document goes: give them as {order}")
    if held["team"] == "rota" and held["rota"] is None:
        fail(f"{paths['team'].name}: a rota document where the team file goes: give them as {order}")
    if kinds == ("team", "team"):
        fail(
            f"{paths['rota'].name}: a team file where the rota document goes, and {paths['team'].name} is "
            "one too: give a team file and a rota document (JSON, as `rota solve -o` writes)"
        )
    if kinds == ("rota", "rota"):
        fail(
            f"{paths['team'].name}: a rota document where the team file goes, and {paths['rota'].name} is "
            "one too: give a team file (YAML or JSON) and a rota document"
        )
    return paths["team"], paths["rota"]


def check_fits(doc: RotaDocument, team: Team, rota_path: Path, team_path: Path) -> None:
    """Stop with one line when the rota document is not one of this team file's rotas.

    The team's name and time zone must be the document's; its period must run forwards and hold every
    assignment; every assignment must name a person, role and shift of the team file. (The period may
    differ from the team file's own ``period``, which is only the default horizon of a solve.)
    """
    source, other = rota_path.name, team_path.name
    if doc.team != team.team:
        fail(f'{source}: team: "{doc.team}" is not the team of {other} ("{team.team}")')
    if doc.timezone != team.timezone:
        fail(f'{source}: timezone: "{doc.timezone}" is not the time zone of {other} ("{team.timezone}")')
    start, end = doc.period.start, doc.period.end
    if end < start:
        fail(f"{source}: period: it ends {end}, before it starts {start}")
    people = {p.id for p in team.people}
    for i, a in enumerate(doc.assignments):
        where = f"{source}: assignments[{i}]"
        if not start <= a.date <= end:
            fail(f"{where}.date: {a.date} is outside the period {start} to {end}")
        for key, known in (("person", people), ("role", team.roles), ("shift", team.shifts)):
            value = getattr(a, key)
            if value not in known:
                fail(f'{where}.{key}: {other} has no {key} "{value}"')


def read_rota(path: Path) -> RotaDocument:
    """A rota document (shared/spec/rota-json.md) from a JSON file, errors as ``file: path: message``."""
    source = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{path}: cannot be read: {exc}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{source}: line {exc.lineno}: not valid JSON: {exc.msg}")
    if not isinstance(data, dict):
        fail(f"{source}: the document must be a JSON object")
    try:
        return RotaDocument.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        where = format_path(tuple(first.get("loc", ())))
        msg = _message(first)
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        fail(f"{source}: {where}: {msg}{more}" if where else f"{source}: {msg}{more}")


def _message(error: dict[str, Any]) -> str:
    """A pydantic error as a short lower-case message, quoting the offending value."""
    kind = error.get("type", "")
    if kind == "missing":
        return "is required"
    msg = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        msg = f"{msg} (got {json.dumps(value)})"
    return msg[:1].lower() + msg[1:]


def load_team_file(path: Path) -> Team:
    """A checked team file; what is valid but probably not meant (``team_warnings``) is printed on
    stderr as ``warning: file: path: what``."""
    from rota.load import load_team
    from rota.teamcheck import team_warnings

    team = load_team(path)
    for problem in team_warnings(team):
        typer.echo(f"warning: {problem.line(path.name)}", err=True)
    return team
