"""Issue 21, items 1 and 11 (input and CSV): a name is one line of plain text. A bare CR in a name
split a CSV row past the formula guard; a bidirectional control (U+202E) reversed the text around
it. The team file refuses both, in words; names stored before are still written safely."""

from __future__ import annotations

import copy
import csv
import io
import re
from datetime import date

import pytest

from rota.document import AssignmentDoc, PeriodDoc, RotaDocument
from rota.export import csv_text, safe_cell
from rota.load import TeamFileError, parse_team

INJECTION = "Noor\r=cmd|' /C calc'!A0"
BASE_TEAM = {
    "team": "Test Desk",
    "timezone": "Europe/London",
    "period": {"start": "2026-12-07", "end": "2026-12-20"},
    "opening_hours": {"daily": "07:00-23:00"},
    "roles": {"desk": {"skills": ["desk"], "demand": [{"time": "opening_hours", "min": 1}]}},
    "shifts": {"early": {"start": "07:00", "end": "15:00"}, "late": {"start": "15:00", "end": "23:00"}},
    "people": [{"id": "amara", "skills": ["desk"]}, {"id": "ben", "skills": ["desk"]}],
}


def _with_name(name: str) -> dict:
    doc = copy.deepcopy(BASE_TEAM)
    doc["people"][0]["name"] = name
    return doc


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("Noor\rSmit", "a carriage return (U+000D) at character 5"),
        ("Noor\nSmit", "a line break (U+000A) at character 5"),
        ("Noor\r\nSmit", "a carriage return (U+000D) at character 5"),
    ],
)
def test_line_breaks_in_a_name_are_refused(name: str, what: str) -> None:
    with pytest.raises(TeamFileError) as info:
        parse_team(_with_name(name), "team.yaml")
    assert info.value.lines() == [
        f"team.yaml: people[0].name: {what} is not allowed in a name: write it on one line"
    ]


@pytest.mark.parametrize(
    "mark",
    [
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\u200e",
        "\u200f",
        "\u061c",
    ],
)
def test_bidirectional_controls_in_a_name_are_refused(mark: str) -> None:
    with pytest.raises(TeamFileError) as info:
        parse_team(_with_name(f"Noor{mark}gpj.exe"), "team.yaml")
    assert info.value.lines() == [
        f"team.yaml: people[0].name: the bidirectional control character U+{ord(mark):04X} at character 5 is "
        "not allowed in a name: it reverses the text shown around it"
    ]


@pytest.mark.parametrize(
    ("where", "path"), [("team", "team"), ("role", "roles.desk.name"), ("shift", "shifts.early.name")]
)
def test_every_kind_of_name_refuses_them(where: str, path: str) -> None:
    doc = copy.deepcopy(BASE_TEAM)
    if where == "team":
        doc["team"] = "Desk\u202e"
    elif where == "role":
        doc["roles"]["desk"]["name"] = "Desk\r=1+1"
    else:
        doc["shifts"]["early"]["name"] = "Early\u2066"
    with pytest.raises(TeamFileError) as info:
        parse_team(doc, "team.yaml")
    assert info.value.lines()[0].startswith(f"team.yaml: {path}: ")


@pytest.mark.parametrize("name", ["Noor de Vries", "نور الهدى", "שרה כהן", "Zoë Ø'Brien", "李 小龙"])
def test_names_in_any_script_still_load(name: str) -> None:
    """Right-to-left scripts are text, not controls: they load."""
    assert parse_team(_with_name(name), "team.yaml").people[0].name == name


def test_free_text_may_still_hold_line_breaks() -> None:
    doc = copy.deepcopy(BASE_TEAM)
    doc["roles"]["desk"]["description"] = "Phones and walk-ins.\nSecond line on request."
    parse_team(doc, "team.yaml")


def test_a_stored_name_with_a_bare_cr_is_one_quoted_guarded_csv_field() -> None:
    """A version stored before the rule (read with ``stored=True``) still exports safely."""
    team = parse_team(_with_name(INJECTION), "team", stored=True)
    doc = RotaDocument(
        team=team.team,
        timezone=team.timezone,
        period=PeriodDoc(start=date(2026, 12, 7), end=date(2026, 12, 7)),
        assignments=[AssignmentDoc(person="amara", role="desk", shift="early", date=date(2026, 12, 7))],
    )
    text = csv_text(team, doc)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 1 and rows[0]["name"] == "Noor\r'=cmd|' /C calc'!A0"
    assert "\"Noor\r'=cmd" in text  # quoted: the CR is inside the field
    # a program that ends a row at any CR or LF sees no cell starting with a formula character
    for piece in re.split(r"\r\n|\r|\n", text):
        for cell in piece.split(","):
            assert not cell.lstrip('"').startswith(("=", "+", "-", "@")), piece


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("a\r=1+1", "a\r'=1+1"),
        ("a\n@SUM(A1)", "a\n'@SUM(A1)"),
        ("a\r\n-2+3", "a\r\n'-2+3"),
        ("=x\r+y", "'=x\r'+y"),
        ("two\nlines", "two\nlines"),
        ("-1.5", "-1.5"),
    ],
)
def test_the_guard_applies_after_every_line_break(value: str, safe: str) -> None:
    assert safe_cell(value) == safe


def test_a_version_stored_before_the_rule_still_loads_where_stored_versions_are_read() -> None:
    """Rotas made with a team version stored before the rule stay readable (api reads stored
    versions with ``stored=True``); the same document sent now is refused."""
    from rota.api.errors import Invalid
    from rota.api.services.teams import parse_document

    doc = _with_name("Noor\nSmit")
    doc["team"] = "Desk\u202e"
    assert parse_document(doc, "tiny", stored=True).people[0].name == "Noor\nSmit"
    with pytest.raises(Invalid) as info:
        parse_document(doc, "tiny")
    assert [p["path"] for p in info.value.problems] == ["team", "people[0].name"]
