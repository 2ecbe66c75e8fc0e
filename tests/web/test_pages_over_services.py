"""Pages are a thin layer over rota/api/services: no module of rota/api/web queries the database itself, and
the decisions a page shows (the hours-off mark) are named in the view code, not in a template."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rota.api.web.month import HOURS_OFF_MINUTES, hours_off

WEB = Path(__file__).resolve().parents[2] / "rota" / "api" / "web"
QUERIES = {"query", "execute", "scalar", "scalars", "get", "add", "add_all", "delete", "merge", "flush"}


def _database_calls(source: str) -> list[str]:
    """Calls of a SQLAlchemy session (``session.get(...)``, ``session.execute(...)`` …) and imports of
    ``sqlalchemy`` query builders in a module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in QUERIES:
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == "session":
                found.append(f"line {node.lineno}: session.{node.func.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy":
            names = ", ".join(a.name for a in node.names)
            found.append(f"line {node.lineno}: from sqlalchemy import {names}")
    return found


def test_no_page_queries_the_database() -> None:
    offenders = {p.name: calls for p in sorted(WEB.glob("*.py")) if (calls := _database_calls(p.read_text()))}
    assert offenders == {}


def test_the_scan_finds_a_query() -> None:
    assert _database_calls("from sqlalchemy import select\nrow = session.get(TeamRow, 'tiny')\n") == [
        "line 1: from sqlalchemy import select",
        "line 2: session.get",
    ]
    assert _database_calls("held = request.session.get('pending')\n") == []


@pytest.mark.parametrize(
    ("difference", "off"),
    [
        (None, False),
        (0, False),
        (HOURS_OFF_MINUTES, False),
        (-HOURS_OFF_MINUTES, False),
        (HOURS_OFF_MINUTES + 1, True),
        (-HOURS_OFF_MINUTES - 1, True),
        (600, True),
    ],
)
def test_hours_four_hours_or_more_from_target_are_marked(difference: int | None, off: bool) -> None:
    assert hours_off(difference) is off


def test_no_template_decides_the_hours_mark() -> None:
    for template in (WEB / "templates").glob("*.html"):
        assert str(HOURS_OFF_MINUTES) not in template.read_text(), template.name
