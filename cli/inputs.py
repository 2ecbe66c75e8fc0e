"""Reading the CLI's inputs: rota documents, the horizon options and the output file kind."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cli.errors import fail
from rota.document import RotaDocument
from rota.load import format_path
from rota.team import Team

OUTPUT_KINDS = (".json", ".csv", ".ics")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def resolve_period(team: Team, month: str | None, start: str | None, end: str | None) -> tuple[date, date]:
    """The horizon from ``--month`` or ``--from``/``--to``, else the team file's ``period``."""
    if month is not None:
        if start is not None or end is not None:
            fail("--month: give either --month or --from/--to, not both")
        m = _MONTH.match(month.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            fail(f'--month: "{month}" is not a month YYYY-MM')
        first = date(int(m.group(1)), int(m.group(2)), 1)
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
