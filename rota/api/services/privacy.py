"""Staff privacy: why someone is away (a leave's ``reason``) is for the team's leads and HR only.

Pages and API answers built for anyone else use ``private_team`` (the same team with every leave reason
left out, so leave shows as "unavailable" and nothing more) and ``private_document`` (a rota's gap
explanations name who is on leave, not why).
"""

from __future__ import annotations

from typing import Any

from rota.api.auth import Principal
from rota.team import Team


def sees_leave_reasons(principal: Principal, team_id: str) -> bool:
    """HR and the team's leads see why people are away; staff see only that they are."""
    return principal.manages(team_id)


def private_team(team: Team) -> Team:
    """The team without leave reasons (every other field as it is)."""
    people = [
        p.model_copy(update={"unavailable": [u.model_copy(update={"reason": None}) for u in p.unavailable]})
        if any(u.reason for u in p.unavailable)
        else p
        for p in team.people
    ]
    return team.model_copy(update={"people": people})


def team_for(principal: Principal, team: Team, team_id: str) -> Team:
    """The team as ``principal`` may see it."""
    return team if sees_leave_reasons(principal, team_id) else private_team(team)


LEAVE_LINE = "on leave: "  # the gap explanations' line naming who is on leave, each with why in brackets


def _without_brackets(text: str) -> str:
    """``a (x), b (y (z))`` → ``a, b``: every bracketed part (and the space before it) left out."""
    out, depth = [], 0
    for ch in text:
        if ch == "(":
            depth += 1
            if depth == 1 and out and out[-1] == " ":
                out.pop()
        elif ch == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def private_reasons(reasons: list[str]) -> list[str]:
    """A gap's reason lines with who is on leave named, but not why."""
    return [
        LEAVE_LINE + _without_brackets(r[len(LEAVE_LINE) :]) if r.startswith(LEAVE_LINE) else r
        for r in reasons
    ]


def private_document(document: dict[str, Any]) -> dict[str, Any]:
    """A stored rota document without leave reasons in its gap explanations (a copy; the rest as it is)."""
    gaps = document.get("gaps")
    if not isinstance(gaps, list):
        return document
    return {
        **document,
        "gaps": [
            {**g, "reasons": private_reasons(list(g.get("reasons") or []))} if isinstance(g, dict) else g
            for g in gaps
        ],
    }
