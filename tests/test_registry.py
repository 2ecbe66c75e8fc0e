"""The rule registry: every rule declared in ``rota.catalogue`` has every part (title, checker, model
builder or a stated reason for none, greedy guard when it is max-type, explanation group or a reason
for none), and each binds on a small generated team and does not bind on another — in the
validator, in the CP-SAT model (a rota forced into the hard-rules model is infeasible exactly when it
breaks a rule) and in the greedy guard. The Rule ids table of docs/architecture.md is the registry's."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from ortools.sat.python import cp_model

import rota.validate  # noqa: F401  (attaches the document-level checkers)
from rota.calendar import Calendar
from rota.catalogue import AT_LEAST, CAUSES, RULES, WORKING_TIME, cause_groups
from rota.checks import check_duties
from rota.checks.registry import CHECKERS
from rota.document import RotaDocument
from rota.records import Duty
from rota.solver.build import HARD, build
from rota.solver.greedy import Greedy
from rota.solver.rules.registry import BUILDERS, GUARDS, UNMODELLED, builders
from rota.team import Team
from rota.validate import validate

DOCS = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"
SHIFTS = {
    "early": {"start": "07:00", "end": "15:00"},
    "late": {"start": "15:00", "end": "23:00"},
    "day": {"start": "09:00", "end": "17:00"},
    "night": {"start": "22:00", "end": "06:00"},
    "dawn": {"start": "05:00", "end": "13:00"},
    "wkday": {"start": "09:00", "end": "17:00", "days": "weekdays", "roles": ["desk"]},
}
NO_REST = {"min_rest_hours": 0}


@dataclass
class Case:
    """A rule binding: a team (``make_team`` overrides, or amara's own ``rules``/other person keys)
    and duties "person role shift YYYY-MM-DD" that break the rule (``bad``) and that just keep it."""

    bad: list[str]
    good: list[str]
    amara: dict[str, Any] = field(default_factory=dict)  # keys of amara's person entry
    team: dict[str, Any] = field(default_factory=dict)  # top-level keys

    def make(self, make_team: Callable[..., Team]) -> Team:
        people: list[dict[str, Any]] = [
            {"id": "amara", "skills": ["desk", "smod"], **self.amara},
            {"id": "ben", "skills": ["desk"]},
            {"id": "chloe", "skills": ["desk"], "days": "mon-fri"},
        ]
        return make_team(**{"shifts": SHIFTS, "people": people, **self.team})


def days(shift: str, *dates: int, role: str = "desk", person: str = "amara") -> list[str]:
    return [f"{person} {role} {shift} 2026-12-{d:02d}" for d in dates]


CASES: dict[str, Case] = {
    "unknown_person": Case(days("early", 8, person="zed"), days("early", 8)),
    "unknown_role": Case(days("early", 8, role="nurse"), days("early", 8)),
    "unknown_shift": Case(days("brunch", 8), days("early", 8)),
    "outside_period": Case(days("early", 21), days("early", 20)),
    "duplicate_assignment": Case(days("early", 8, 8), days("early", 8)),
    "wrong_times": Case(days("early", 8), days("early", 8)),  # the bad row's start is an hour late
    "closed_date": Case(days("early", 8), days("early", 9), team={"closures": ["2026-12-08"]}),
    "shift_days": Case(days("wkday", 12), days("wkday", 11)),
    "shift_role": Case(days("wkday", 8, role="smod"), days("wkday", 8)),
    "no_demand": Case(days("night", 8, role="smod"), days("day", 8, role="smod")),
    "skills": Case(days("day", 8, role="smod", person="ben"), days("day", 8, role="smod")),
    "working_days": Case(days("early", 12, person="chloe"), days("early", 11, person="chloe")),
    "unavailable": Case(days("early", 8), days("early", 9), amara={"unavailable": [{"date": "2026-12-08"}]}),
    "one_shift_per_date": Case(
        days("early", 8) + days("late", 8), days("early", 8) + days("late", 9), amara={"rules": NO_REST}
    ),
    "overlap": Case(
        days("night", 8) + days("dawn", 9), days("night", 8) + days("early", 9), amara={"rules": NO_REST}
    ),
    "min_rest": Case(days("late", 8) + days("early", 9), days("late", 8, 9)),
    "max_consecutive_days": Case(
        days("early", 8, 9, 10), days("early", 8, 9, 11), amara={"rules": {"max_consecutive_days": 2}}
    ),
    "max_hours_per_week": Case(
        days("early", 8, 9, 10), days("early", 8, 9, 14), amara={"rules": {"max_hours_per_week": 16}}
    ),
    "limit_max": Case(
        days("day", 8, 9, role="smod"),
        days("day", 8, 15, role="smod"),
        amara={"limits": [{"role": "smod", "max": 1, "per": "week"}]},
    ),
    "limit_min": Case(
        days("day", 8, role="smod"),
        days("day", 8, 15, role="smod"),
        amara={"limits": [{"role": "smod", "min": 1, "per": "week"}]},
    ),
    "fixed": Case(
        [], days("early", 8), amara={"fixed": [{"date": "2026-12-08", "shift": "early", "role": "desk"}]}
    ),
    "min_consecutive_days": Case(
        days("early", 10), days("early", 10, 11), amara={"rules": {"min_consecutive_days": 2}}
    ),
    "min_consecutive_days_off": Case(
        days("early", 8, 10), days("early", 8, 11), amara={"rules": {"min_consecutive_days_off": 2}}
    ),
    "max_weekends": Case(
        days("early", 12, 19),
        days("early", 12, 13),
        amara={"rules": {"max_weekends": {"max": 1, "per": "period"}}},
    ),
    "forbidden_succession": Case(
        days("late", 8) + days("early", 9),
        days("early", 8) + days("late", 9),
        amara={"rules": {**NO_REST, "forbidden_successions": [{"first": "late", "then": "early"}]}},
    ),
    "min_hours_per_period": Case(
        days("early", 8), days("early", 8, 9), amara={"rules": {"min_hours_per_period": 16}}
    ),
    "max_hours_per_period": Case(
        days("early", 8, 9), days("early", 8), amara={"rules": {"max_hours_per_period": 8}}
    ),
}
DOCUMENT_SCOPE = {"duplicate_assignment", "wrong_times"}  # rows of a rota document, not duties


def duties_of(cal: Calendar, items: list[str]) -> list[Duty]:
    """Duties of "person role shift date" items; names the team lacks get the early shift's times."""
    out = []
    for item in items:
        person, role, shift, day = item.split()
        when = date.fromisoformat(day)
        template = shift if shift in cal.team.shifts else "early"
        inside = min(max(when, cal.start), cal.end)
        slot = cal.slot(template, inside)
        move = (when - inside).days * 1440
        out.append(Duty(person, when, shift, role, slot.start + move, slot.end + move))
    return out


def broken(cal: Calendar, rule: str, items: list[str], *, bad: bool) -> set[str]:
    """The rule ids the validator reports for the items."""
    if rule in DOCUMENT_SCOPE:
        rows: list[dict[str, Any]] = []
        for d in duties_of(cal, items):
            row: dict[str, Any] = {
                "person": d.person,
                "role": d.role,
                "shift": d.shift,
                "date": d.date.isoformat(),
            }
            if rule == "wrong_times":
                row["start"] = cal.iso(d.start + (60 if bad else 0))
            rows.append(row)
        doc = RotaDocument.model_validate(
            {
                "team": cal.team.team,
                "timezone": cal.team.timezone,
                "period": {"start": cal.start.isoformat(), "end": cal.end.isoformat()},
                "assignments": rows,
                "gaps": [],
            }
        )
        return {v.rule for v in validate(cal.team, doc).violations}
    return {v.rule for v in check_duties(cal, duties_of(cal, items))}


# -- every rule has every part -------------------------------------------------------------------
@pytest.mark.parametrize("rule", list(RULES))
def test_every_rule_has_every_part(rule: str) -> None:
    r = RULES[rule]
    assert r.id == rule and r.title
    assert r.kind in ("document", "placement", "max", "min")
    assert rule in CHECKERS, f"{rule}: no checker attached in rota.checks"
    assert (rule in BUILDERS) != (rule in UNMODELLED), f"{rule}: needs a builder or a reason for none"
    if rule in UNMODELLED:
        assert r.kind in ("document", "placement") or rule == "fixed"
    assert (rule in GUARDS) == (r.kind == "max"), f"{rule}: a max-type rule needs a greedy guard (only those)"
    assert (r.cause is None) != (not r.no_cause)
    if r.kind == "max":
        assert r.cause in CAUSES, f"{rule}: a max-type rule needs an explanation group"
    assert rule in CASES, f"{rule}: add a binding case to tests/test_registry.py"


def test_nothing_attached_to_an_undeclared_rule() -> None:
    for attached in (CHECKERS, BUILDERS, GUARDS, UNMODELLED):
        assert set(attached) <= set(RULES)
    assert set(CASES) == set(RULES)


def test_derived_lists() -> None:
    assert {
        "limit_min",
        "min_hours_per_period",
        "min_consecutive_days",
        "min_consecutive_days_off",
        "fixed",
    } == AT_LEAST
    assert "min_rest" in WORKING_TIME and "limit_min" not in WORKING_TIME
    groups = cause_groups()
    assert [label for label, _ in groups] == list(CAUSES)
    assert all(ids for _, ids in groups), "every explanation group names at least one rule"
    assert builders() == HARD and HARD[0].__name__ == "one_shift_per_date"  # defines the work literals
    orders = [b.order for b in {id(b.build): b for b in BUILDERS.values()}.values()]
    assert len(orders) == len(set(orders)), "two builders share a place in the build order"


def test_a_checker_of_an_undeclared_rule_is_refused() -> None:
    from rota.checks.registry import checks
    from rota.solver.rules.registry import builds, guards

    for attach in (
        lambda: checks("no_such_rule", scope="person"),
        lambda: builds("no_such_rule", order=1),
        lambda: guards("no_such_rule"),
    ):
        with pytest.raises(ValueError, match="not declared"):
            attach()


def test_the_rule_ids_table_is_the_registry() -> None:
    text = DOCS.read_text(encoding="utf-8")
    table = text.split("## Rule ids", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \| (.+?) \|", table, flags=re.M)
    assert [rid for rid, _ in rows] == list(RULES)
    for rid, meaning in rows:
        assert meaning.startswith(RULES[rid].title), rid


# -- each rule binds and does not bind -----------------------------------------------------------
@pytest.mark.parametrize("rule", list(CASES))
def test_the_checker_binds(rule: str, make_team: Callable[..., Team]) -> None:
    case = CASES[rule]
    cal = Calendar(case.make(make_team))
    assert rule in broken(cal, rule, case.bad, bad=True)
    assert broken(cal, rule, case.good, bad=False) == set()


def _forced(cal: Calendar, duties: list[Duty]) -> int | None:
    """CP-SAT's status on the hard-rules model with exactly these duties; None if one has no variable."""
    built = build(cal, soft=False)
    ctx = built.ctx
    keys = {ctx.key_of(d) for d in duties}
    if not keys <= set(ctx.x):
        return None
    for key, var in ctx.x.items():
        ctx.model.add(var == int(key in keys))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(ctx.model)


@pytest.mark.parametrize("rule", [r for r in CASES if RULES[r].kind != "document"])
def test_the_model_binds(rule: str, make_team: Callable[..., Team]) -> None:
    case = CASES[rule]
    cal = Calendar(case.make(make_team))
    assert _forced(cal, duties_of(cal, case.good)) == cp_model.OPTIMAL
    bad = _forced(cal, duties_of(cal, case.bad))
    if rule in UNMODELLED and rule != "fixed":
        assert bad is None, f"{rule}: the model has a variable for a duty that breaks it"
    else:
        assert bad == cp_model.INFEASIBLE


@pytest.mark.parametrize("rule", [r for r in CASES if RULES[r].kind == "max"])
def test_the_greedy_guard_binds(rule: str, make_team: Callable[..., Team]) -> None:
    """With all but the last duty placed, the guards refuse the bad case's last duty, allow the good's."""
    case = CASES[rule]
    cal = Calendar(case.make(make_team))
    for items, allowed in ((case.bad, False), (case.good, True)):
        g = Greedy(cal)
        *placed, last = duties_of(cal, items)
        for d in placed:
            g.place(d, g.cal_slot[(d.date, d.shift)])
        slot = cal.slots[g.cal_slot[(last.date, last.shift)]]
        assert g.allowed(last.person, last.role, slot) is allowed
        assert GUARDS[rule](g, last.person, last.role, slot, g.rules[last.person]) is allowed


def test_history_counts_toward_a_rule(make_team: Callable[..., Team]) -> None:
    """A rule reading ``history`` binds on the first date of the period after a history duty."""
    history = [{"person": "amara", "role": "desk", "shift": "late", "date": "2026-12-06"}]
    cal = Calendar(make_team(shifts=SHIFTS, history=history))
    first = cal.start
    assert "min_rest" in {v.rule for v in check_duties(cal, [cal.duty("amara", "desk", "early", first)])}
    assert _forced(cal, [cal.duty("amara", "desk", "early", first)]) == cp_model.INFEASIBLE
