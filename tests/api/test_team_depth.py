"""Issue 21.10: a team body nested between the limits (500 deep) answered 500 internal error, because
``rota.load._rejoin_day_lists`` recursed before anything refused the depth. Every depth from 1 to 2,000
in steps now answers 422 in words (or loads, when shallow), through the loader and over the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from apikit import Service, team_doc

from rota.load import MAX_DEPTH, TeamFileError, parse_team

DEPTHS = [
    1,
    2,
    5,
    10,
    20,
    30,
    31,
    32,
    33,
    40,
    50,
    100,
    200,
    300,
    400,
    500,
    600,
    700,
    800,
    900,
    950,
    990,
    1000,
    1010,
    1100,
    1500,
    2000,
]


def nested(depth: int, leaf: Any = "x") -> Any:
    """A value ``depth`` containers deep, alternating lists and mappings (mappings keyed ``mon``: the
    day key ``_rejoin_day_lists`` looks at)."""
    node = leaf
    for i in range(depth):
        node = [node] if i % 2 else {"days": "mon", "mon": None, "x": node}
    return node


def deep_doc(depth: int) -> dict[str, Any]:
    doc = team_doc()
    doc["people"][0]["preferences"] = {"avoid_days": nested(depth)}
    return doc


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_loader_refuses_deep_nesting_in_words(depth: int) -> None:
    doc = deep_doc(depth)
    with pytest.raises(TeamFileError) as info:
        parse_team(doc, "team.json")
    lines = info.value.lines()
    if depth + 4 > MAX_DEPTH:  # people[0].preferences.avoid_days holds it: 4 levels above
        assert lines == [
            f"team.json: {lines[0].split(': ')[1]}: nested more than {MAX_DEPTH} levels deep: "
            "a team file needs only a few"
        ], lines
        assert lines[0].startswith("team.json: people[0].preferences.avoid_days")
    else:  # shallow: the field's own error (a day spec is text), no traceback
        assert any("people[0].preferences.avoid_days" in line for line in lines), lines


def test_a_file_at_the_depth_limit_still_loads() -> None:
    """Where the check binds and where it does not: an ordinary team file is 5 deep and loads."""
    team = parse_team(team_doc(), "team.json")
    assert team.people[0].id == "noor"


def nested_json(depth: int) -> str:
    """``nested(depth)`` as JSON text, written without recursion (``json.dumps`` stops near 1,000)."""
    text = '"x"'
    for i in range(depth):
        text = f"[{text}]" if i % 2 else f'{{"days": "mon", "mon": null, "x": {text}}}'
    return text


@pytest.mark.parametrize("depth", DEPTHS)
def test_the_api_answers_422_at_every_depth(service: Service, depth: int) -> None:
    doc = team_doc()
    doc["people"][0]["preferences"] = {"avoid_days": "DEEP"}
    body = json.dumps(doc).replace('"DEEP"', nested_json(depth))
    response = service.call(
        "PUT", "/api/teams/tiny", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, (depth, response.status_code, response.text[:300])
    message = response.json()["detail"][0]["message"]
    assert "nested" in message or "day spec" in message or "valid" in message, message


@pytest.mark.parametrize("depth", [40, 500, 2000])
def test_the_api_answers_422_for_deep_yaml(service: Service, depth: int) -> None:
    text = "team: x\nlist: " + "[" * depth + "]" * depth + "\n"
    response = service.call(
        "PUT", "/api/teams/tiny", content=text.encode(), headers={"content-type": "application/yaml"}
    )
    assert response.status_code == 422, (depth, response.text[:300])
