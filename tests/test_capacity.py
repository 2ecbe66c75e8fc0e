"""Capacity planning (issue 23): ``rota plan`` finds the fewest hires that close every gap, proved
minimal by its bound; ``rota whatif --without`` the gap a leaver opens; both on copies of the team."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from rota.capacity import Candidate, parse_candidates, person_entry, team_profiles, without
from rota.cli import commands  # noqa: F401  (registers the commands on the app)
from rota.cli.main import app
from rota.load import TeamFileError, load_team, parse_team
from rota.solver import SolveParams, solve
from rota.solver.plan import least_gap, plan, what_if
from rota.validate import validate

runner = CliRunner()
DATA = Path(__file__).resolve().parents[1] / "data" / "capacity"
DESK = DATA / "short-desk.yaml"
CANDIDATES = DATA / "candidates.yaml"
MONTH = ["--month", "2026-11"]
FAST = ["--time-limit", "10", "--seed", "0"]


def _desk() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DESK.read_text(encoding="utf-8"))
    return data


def _solve_gap(team_data: dict[str, Any]) -> int:
    """Solve a team with the product's solver; the rota must pass the validator. Its gap minutes."""
    team = parse_team(team_data)
    result = solve(team, params=SolveParams(effort=10, seed=0))
    report = validate(team, result.document)
    assert not report.violations, report.violations
    assert result.terms is not None
    return int(result.terms.gap_core + result.terms.gap_other)


def _plan_cli(tmp_path: Path, *extra: str) -> dict[str, Any]:
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", str(DESK), *MONTH, *FAST, *extra, "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return doc


def test_plan_from_the_teams_profiles_is_minimal_and_closes_every_gap(tmp_path: Path) -> None:
    doc = _plan_cli(tmp_path)
    # November's 21 weekdays need 8 h of second-line each; Cat can take 2 days a week (and Mon 30
    # Nov, in a week of its own): 12 days × 8 h stay uncovered
    assert doc["gap_hours_before"] == 96
    assert doc["hires_needed"] == 2 and doc["lower_bound"] == 2 and doc["proven_minimal"]
    assert doc["gap_hours_after"] == 0
    assert "At least 2 more people are needed; 2 suffice (proved minimal)" in doc["summary"][1]
    # each hire says which gaps they close, and together they close the whole gap
    assert sum(h["closes_hours"] for h in doc["hires"]) == 96
    assert all(g["role"] == "second-line" for h in doc["hires"] for g in h["closes"])
    # appended to the team file, the hires let the solver make a gapless rota that passes the validator
    team = _desk()
    team["people"] += doc["people"]
    assert _solve_gap(team) == 0
    assert _solve_gap(_desk()) > 0  # and without them it cannot


def test_one_hire_fewer_cannot_close_the_gap() -> None:
    """The bound: with at most one hire of the same profile, a gap remains whatever the rota."""
    team = load_team(DESK)
    (profile,) = [c for c in team_profiles(team) if c.id == "like-cat"]
    capped = plan(team, [profile.model_copy(update={"max": 1})], time_limit=10)
    assert len(capped.hires) == 1
    assert capped.after.minutes > 0 and capped.after.proven
    full = plan(team, [profile], time_limit=10)
    assert len(full.hires) == 2 and full.after.minutes == 0 and full.proven


def test_candidates_file_gives_the_cheapest_profile(tmp_path: Path) -> None:
    doc = _plan_cli(tmp_path, "--candidates", str(CANDIDATES))
    assert doc["hires_needed"] == 1 and doc["proven_minimal"]
    assert doc["people"][0]["id"] == "new-engineer-1"
    assert doc["people"][0]["skills"] == ["second-line"]
    assert "At least 1 more person is needed; 1 suffices" in doc["summary"][1]
    team = _desk()
    team["people"] += doc["people"]
    assert _solve_gap(team) == 0


def test_profiles_that_cannot_help_hire_no_one(tmp_path: Path) -> None:
    first_line = tmp_path / "first-line.yaml"
    first_line.write_text("- {id: analyst, skills: [first-line], hours_per_week: 37.5}\n", encoding="utf-8")
    doc = _plan_cli(tmp_path, "--candidates", str(first_line))
    assert doc["hires_needed"] == 0 and doc["people"] == []
    assert doc["gap_hours_after"] == doc["gap_hours_before"] == 96
    assert "No candidate profile can close any of these gaps" in doc["summary"][1]


def test_a_team_without_gaps_needs_no_one() -> None:
    team = load_team(Path(__file__).resolve().parents[1] / "data" / "examples" / "tiny-desk.yaml")
    result = plan(team, team_profiles(team), time_limit=5)
    assert result.before.minutes == 0 and result.hires == [] and result.proven


def test_min_rules_bind_hires_but_not_empty_slots() -> None:
    """A min-type rule (here: at least 60 h over the period) binds the team's people and every hire;
    a candidate slot left empty breaks nothing, so the plan model stays feasible."""
    data = _desk()
    data["rules"]["min_hours_per_period"] = 60
    team = parse_team(data)
    result = plan(team, team_profiles(team), time_limit=10)
    assert result.hires and result.after.minutes == 0
    for h in result.hires:
        assert sum(d.minutes for d in h.duties) >= 60 * 60
    # the plan model's own rota, team and hires, keeps every rule
    from rota.capacity import with_people
    from rota.solver.result import rota_document

    hired = with_people(team, [h.person for h in result.hires])
    doc, _ = rota_document(result.after.cal, result.after.duties, {"status": "feasible"})
    assert not validate(hired, doc).violations
    data["people"] += [person_entry(h.person) for h in result.hires]
    assert _solve_gap(data) == 0


def test_plan_is_deterministic(tmp_path: Path) -> None:
    one = _plan_cli(tmp_path)
    two = _plan_cli(tmp_path)
    assert one == two


def test_plan_bad_candidates_is_one_line_naming_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "cands.yaml"
    bad.write_text("candidates:\n  - {id: x, skills: [second-line], hours_per_week: -3}\n", encoding="utf-8")
    result = runner.invoke(app, ["plan", str(DESK), *MONTH, "--candidates", str(bad)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [
        "cands.yaml: candidates[0].hours_per_week: Input should be greater than or equal to 0"
    ]
    unknown = tmp_path / "skill.yaml"
    unknown.write_text("- {id: x, skills: [third-line]}\n", encoding="utf-8")
    result = runner.invoke(app, ["plan", str(DESK), *MONTH, "--candidates", str(unknown)])
    assert result.exit_code == 2
    assert result.stderr.startswith("skill.yaml: [0].skills: unknown skill 'third-line'")


def test_parse_candidates_accepts_a_list_or_a_mapping() -> None:
    team = load_team(DESK)
    listed = parse_candidates([{"id": "a", "skills": ["second-line"], "max": 1}], team)
    mapped = parse_candidates({"candidates": [{"id": "a", "skills": ["second-line"], "max": 1}]}, team)
    assert listed == mapped == [Candidate(id="a", skills=["second-line"], max=1)]
    with pytest.raises(TeamFileError, match="used twice"):
        parse_candidates([{"id": "a"}, {"id": "a"}], team)
    with pytest.raises(TeamFileError, match="non-empty list"):
        parse_candidates({"candidates": []}, team)
    with pytest.raises(TeamFileError, match="at most 60 people in all"):
        parse_candidates([{"id": f"p{n}", "max": 20} for n in range(4)], team)
    assert len(parse_candidates([{"id": f"p{n}", "max": 20} for n in range(3)], team)) == 3


def test_whatif_without_a_person_prints_the_gap_it_opens() -> None:
    before = DESK.read_bytes()
    result = runner.invoke(
        app, ["whatif", str(DESK), *MONTH, "--without", "cat", *FAST], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    # Cat's 16 h a week of second-line: two days in each full week and Mon 30 Nov, 9 days of 8 h
    assert "Without Cat Ng, 72 hours of demand would go uncovered." in result.stdout
    assert "(As the team is, 96 hours already go uncovered.)" in result.stdout
    gaps = "gap: Second-line engineer 09:00–17:00, 0 of 1 on duty: weekdays 2–30 Nov, 21 dates"
    assert gaps in result.stdout
    assert DESK.read_bytes() == before  # a copy: the team file is never written


def test_whatif_of_someone_others_can_cover_opens_nothing() -> None:
    data = _desk()
    data["people"] += [{"id": "dan", "skills": ["first-line"]}, {"id": "eve", "skills": ["first-line"]}]
    team = parse_team(data)
    result = what_if(team, without(team, "dan"), "without dan", time_limit=10)
    assert result.opened == 0 and result.before.proven and result.after.proven
    assert result.before.minutes == 96 * 60  # the second-line gap, which first-line people cannot close
    result = what_if(team, without(team, "cat"), "without Cat Ng", time_limit=10)
    assert result.opened == 64 * 60  # Cat alone holds second-line: 2 days in each of the period's 4 weeks


def test_whatif_unknown_person_is_one_line() -> None:
    result = runner.invoke(app, ["whatif", str(DESK), *MONTH, "--without", "zed"])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == "short-desk.yaml: people: no person 'zed' in the team (people: ann, bob, cat)"
    )
    result = runner.invoke(app, ["whatif", str(DESK), *MONTH])
    assert result.exit_code == 2 and "--without" in result.stderr


def test_least_gap_rota_passes_the_validator() -> None:
    from rota.document import RotaDocument  # noqa: F401  (the validator reads documents)
    from rota.solver.result import rota_document

    team = load_team(DESK)
    least = least_gap(team, time_limit=10)
    assert least.proven and least.minutes == 96 * 60
    doc, _ = rota_document(least.cal, least.duties, {"status": "feasible"})
    assert not validate(team, doc).violations


COUNCIL = Path(__file__).resolve().parents[1] / "data" / "examples" / "council-service-desk.yaml"


def test_sole_holders_bind_only_where_one_person_can_take_the_role() -> None:
    from rota.calendar import Calendar
    from rota.capacity import sole_holders

    team = load_team(DESK)
    sole = sole_holders(Calendar(team))
    assert {(r, p) for r, _, p in sole} == {("second-line", "cat")} and len(sole) == 20
    # where it does not bind: a second engineer, or Cat on leave (then no one, not one, can take it)
    data = _desk()
    data["people"].append({"id": "dev", "skills": ["second-line"]})
    assert sole_holders(Calendar(parse_team(data))) == []
    data = _desk()
    data["people"][2]["unavailable"] = [{"date": "2026-11-02"}]
    assert len(sole_holders(Calendar(parse_team(data)))) == 19


def test_alone_counts_dates_without_a_colleague_on_the_role() -> None:
    from rota.capacity import alone_counts
    from rota.records import Duty

    a = Duty("ann", date(2026, 11, 2), "early", "desk", 0, 300)
    b = Duty("bob", date(2026, 11, 2), "late", "desk", 300, 600)  # touching, not overlapping
    c = Duty("cat", date(2026, 11, 3), "early", "desk", 1440, 1740)
    d = Duty("bob", date(2026, 11, 3), "early", "desk", 1440, 1740)
    assert alone_counts([a, b, c, d]) == {("desk", "ann"): [a.date], ("desk", "bob"): [b.date]}


def test_exposed_lists_the_council_weeks_an_illness_would_open_a_gap() -> None:
    """The council desk: three second-line engineers, so no one alone holds the skill on a date;
    Hassan is most often alone on duty, and his being ill in the week of Imogen's leave opens a gap."""
    result = runner.invoke(app, ["whatif", str(COUNCIL), "--exposed", *FAST], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "none: every role has two people or more on every date" in out
    assert "Most often alone on duty: Hassan Idris, alone as Second-line engineer on 8 dates." in out
    assert "week of Mon 11 May: no more gap: the others can cover" in out
    assert "week of Mon 1 Jun: 9.5 hours more of demand uncovered, on Fri 5 Jun, 1 date" in out


def test_exposed_of_a_stored_rota_and_its_json(tmp_path: Path) -> None:
    rota = tmp_path / "rota.json"
    solved = runner.invoke(app, ["solve", str(DESK), "--time-limit", "5", "-o", str(rota)])
    assert solved.exit_code == 0, solved.output
    out = tmp_path / "exposed.json"
    result = runner.invoke(
        app,
        ["whatif", str(DESK), "--exposed", "--rota", str(rota), *FAST, "-o", str(out)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "Second-line engineer: only Cat Ng can take it on weekdays 2–27 Nov, 20 dates" in result.stdout
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["sole"]) == 20 and doc["person"] in {"ann", "bob", "cat"}
    assert [w["from"] for w in doc["ill_weeks"]] == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
    wrong = runner.invoke(app, ["whatif", str(DESK), "--exposed", "--without", "cat"])
    assert wrong.exit_code == 2
    assert wrong.stderr.strip() == "--exposed: give one of --without PERSON, --longer HOURS and --exposed"


def test_illness_what_if_drops_fixed_duties_of_that_week() -> None:
    from rota.capacity import unavailable_for

    team = load_team(COUNCIL)
    ill = unavailable_for(team, "hassan", date(2026, 5, 18), date(2026, 5, 24), "ill")
    hassan = next(p for p in ill.people if p.id == "hassan")
    assert hassan.fixed == [] and hassan.unavailable[-1].reason == "ill"
    assert next(p for p in team.people if p.id == "hassan").fixed  # the team itself is unchanged
    kept = unavailable_for(team, "hassan", date(2026, 5, 25), date(2026, 5, 31), "ill")
    assert next(p for p in kept.people if p.id == "hassan").fixed  # a week without it keeps it


def test_plan_xlsx_for_the_budget_meeting(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "plan.xlsx"
    result = runner.invoke(app, ["plan", str(DESK), *MONTH, *FAST, "-o", str(out)])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["Summary", "Weeks", "Hires"]
    weeks = list(book["Weeks"].iter_rows(values_only=True))
    assert weeks[0] == ("role", "week", "required person-hours", "available", "gap", "gap with the hires")
    second = [r for r in weeks[1:] if r[0] == "Second-line engineer"]
    assert [r[1] for r in second] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]
    assert [r[2] for r in second] == [40, 40, 40, 40, 8]  # 8 h a weekday; Mon 30 Nov alone in W49
    assert sum(r[4] for r in second) == 96 and all(r[3] == r[2] - r[4] for r in second)
    assert all(r[5] == 0 for r in weeks[1:])
    hires = list(book["Hires"].iter_rows(values_only=True))
    assert [h[0] for h in hires[1:]] == ["new-like-cat-1", "new-like-cat-2"]
    assert sum(h[8] for h in hires[1:]) == 96
    summary = [r[0] for r in book["Summary"].iter_rows(values_only=True)]
    assert summary[2].startswith("At least 2 more people are needed; 2 suffice (proved minimal)")
    wrong = runner.invoke(app, ["plan", str(DESK), "-o", str(tmp_path / "plan.csv")])
    assert wrong.exit_code == 2 and "must end in .json or .xlsx" in wrong.stderr


def test_whatif_opening_an_hour_longer() -> None:
    before = COUNCIL.read_bytes()
    result = runner.invoke(app, ["whatif", str(COUNCIL), "--longer", "1", *FAST], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    # the desk's 16:30–18:00 demand of 2 runs on to 19:00; no shift ends after 18:00: 19 open dates × 2 h
    assert (
        "If the service opened 1 hour longer each day, 38 hours of demand would go uncovered."
        in result.stdout
    )
    assert "Service desk analyst 18:00–19:00, 0 of 2 on duty" in result.stdout
    assert COUNCIL.read_bytes() == before


def test_open_longer_moves_only_what_ended_at_closing_time() -> None:
    from rota.capacity import open_longer

    team = load_team(COUNCIL)
    longer = open_longer(team, 30)
    assert longer.opening_hours.root == {"weekdays": "07:30-18:30"}
    assert [e.time for e in longer.roles["desk"].demand] == ["07:30-09:00", "09:00-16:30", "16:30-18:30"]
    assert longer.roles["second-line"].demand == team.roles["second-line"].demand  # core hours: unchanged
    assert team.opening_hours.root == {"weekdays": "07:30-18:00"}  # a copy
    # where it does not bind: demand that ends before closing time opens no gap
    data = _desk()
    data["roles"]["desk"]["demand"] = [{"days": "weekdays", "time": "08:00-17:00", "min": 1}]
    desk = parse_team(data)
    result = what_if(desk, open_longer(desk, 60), "longer", time_limit=10)
    assert result.opened == 0
    wrong = runner.invoke(app, ["whatif", str(DESK), "--longer", "1", "--without", "cat"])
    assert (
        wrong.exit_code == 2 and "give one of --without PERSON, --longer HOURS and --exposed" in wrong.stderr
    )
