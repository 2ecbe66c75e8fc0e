"""Demand from workload (issue 23): Erlang C headcounts, checked against a discrete-event simulation
(simpy, fixed seeds): the computed number of agents meets the service-level target, one fewer does not;
the step function in the calendar, mixed with typed demand; `rota demand show` and `rota demand import`."""

from __future__ import annotations

import math
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import simpy
import yaml
from typer.testing import CliRunner

from rota.calendar import Calendar
from rota.cli import commands  # noqa: F401  (registers the commands on the app)
from rota.cli.main import app
from rota.load import TeamFileError, load_team, parse_team
from rota.solver import SolveParams, solve
from rota.validate import validate
from rota.workload import (
    agents_needed,
    contact_profile,
    erlang_c,
    headcount,
    predicted_service_level,
    service_level,
)

runner = CliRunner()
PHONES = Path(__file__).resolve().parents[1] / "data" / "capacity" / "phone-desk.yaml"


def simulate(
    agents: int, per_second: float, handling: float, within: float, contacts: int, seed: int
) -> float:
    """The share of contacts answered within ``within`` seconds in an M/M/N queue (first come, first
    served; no one hangs up), after a warm-up of a tenth of the contacts."""
    rng = random.Random(seed)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=agents)
    waits: list[float] = []

    def contact() -> Any:
        arrived = env.now
        with desk.request() as turn:
            yield turn
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(1 / handling))

    def arrivals() -> Any:
        for _ in range(contacts):
            env.process(contact())
            yield env.timeout(rng.expovariate(per_second))

    env.process(arrivals())
    env.run()
    kept = waits[contacts // 10 :]
    return sum(w <= within for w in kept) / len(kept)


@pytest.mark.parametrize(
    ("contacts", "handling", "share", "within"),
    [(60, 300, 0.8, 20), (20, 180, 0.9, 30), (100, 240, 0.8, 20)],
    ids=["council 80/20", "90/30", "busy 80/20"],
)
def test_headcount_meets_the_target_in_simulation_and_one_fewer_does_not(
    contacts: int, handling: float, share: float, within: float
) -> None:
    interval = 1800
    n = agents_needed(contacts, interval, handling, share, within)
    rate = contacts / interval
    met = simulate(n, rate, handling, within, 30_000, seed=1)
    short = simulate(n - 1, rate, handling, within, 30_000, seed=1)
    assert met >= share > short, (n, met, short)
    # and the formula predicts what the simulation sees
    assert met == pytest.approx(service_level(n, contacts, interval, handling, within), abs=0.02)
    assert short == pytest.approx(service_level(n - 1, contacts, interval, handling, within), abs=0.03)


def test_erlang_c_closed_forms() -> None:
    # one agent: the chance to wait is the load, and SL = 1 − ρ·e^(−(1−ρ)t/h) (M/M/1)
    assert erlang_c(1, 0.5) == pytest.approx(0.5)
    assert service_level(1, 900, 1800, 1, 2) == pytest.approx(1 - 0.5 * math.exp(-0.5 * 2))
    assert erlang_c(3, 3.0) == 1.0 and service_level(3, 18, 1800, 300, 20) == 0.0  # overloaded
    assert agents_needed(0, 1800, 300, 0.8, 20) == 0
    assert headcount(14, 0.3) == 20 and headcount(7, 0.3) == 10 and headcount(3, 0) == 3


def test_workload_gives_the_role_a_step_function_mixed_with_typed_demand() -> None:
    team = load_team(PHONES)
    cal = Calendar(team, date(2026, 11, 2), date(2026, 11, 3))
    by_clock = {
        (cal.instant(s.start).strftime("%a %H:%M"), cal.instant(s.end).strftime("%H:%M")): s.required
        for s in cal.requirement("phones")
    }
    assert by_clock[("Mon 08:00", "08:30")] == 5  # 6 calls: 3 agents, ⌈3 / 0.7⌉ = 5 people
    assert by_clock[("Mon 09:30", "10:30")] == 9  # 20 and 18 calls: 6 agents each, 9 people
    assert by_clock[("Mon 17:00", "18:00")] == 3  # Monday's evening entry
    assert by_clock[("Tue 16:00", "18:00")] == 1  # no workload then: the typed demand holds
    # without the workload block the typed demand alone
    data = yaml.safe_load(PHONES.read_text(encoding="utf-8"))
    del data["roles"]["phones"]["workload"]
    plain = Calendar(parse_team(data), date(2026, 11, 2), date(2026, 11, 2))
    assert {s.required for s in plain.requirement("phones")} == {1}


def test_a_workload_rota_solves_and_passes_the_validator_and_the_reference() -> None:
    from rota.reference import check_document

    team = load_team(PHONES)
    result = solve(team, date(2026, 11, 2), date(2026, 11, 3), SolveParams(effort=5))
    report = validate(team, result.document)
    assert not report.violations
    _, missing, phantom = check_document(team, result.document)
    assert not missing and not phantom  # the reference sees the same workload demand


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            {"time": "07:00-09:00", "contacts": 5},
            "roles.phones.workload.contacts[0].time",
            "opening",
        ),
        ({"time": "08:00-09:00", "contacts": [1, 2, 3]}, "roles.phones.workload", "so 2 numbers, not 3"),
        ({"time": "08:00-09:00", "contacts": -1}, "roles.phones.workload.contacts[0].contacts", "0"),
        ({"time": "08:00-09:00", "contacts": 7000}, "roles.phones.workload", "more than 1000 people busy"),
    ],
)
def test_workload_mistakes_name_the_field(change: dict[str, Any], path: str, message: str) -> None:
    data = yaml.safe_load(PHONES.read_text(encoding="utf-8"))
    data["roles"]["phones"]["workload"]["contacts"] = [{"days": "weekdays", **change}]
    with pytest.raises(TeamFileError) as caught:
        parse_team(data, "phones.yaml")
    assert any(p.path.startswith(path) and message in p.message for p in caught.value.problems), str(
        caught.value
    )


def test_demand_show_prints_the_step_beside_typed_demand() -> None:
    result = runner.invoke(app, ["demand", "show", str(PHONES)], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "Phone line, 80% within 20 s, 300 s a contact, 30% shrinkage" in result.stdout
    assert (
        "│ 2026-11-02 │ 09:30–10:00 │       20 │      6 │         9 │           88% │     1 │        9 │"
        in (result.stdout)
    )
    no_workload = runner.invoke(
        app, ["demand", "show", str(Path(__file__).resolve().parents[1] / "data/examples/tiny-desk.yaml")]
    )
    assert no_workload.exit_code == 2 and "no role has a workload block" in no_workload.stderr


def test_demand_import_counts_tickets_by_weekday_and_interval(tmp_path: Path) -> None:
    rows = ["id,created_at"]
    # two Mondays (2 and 9 Nov 2026): 4 and 2 tickets at 09:00–09:30, 1 at 10:10 on the first only
    for day, n in (("2026-11-02", 4), ("2026-11-09", 2)):
        rows += [f"{day}{i},{day}T09:{10 + i:02d}:00" for i in range(n)]
    rows.append("x,2026-11-02T10:10:00+00:00")
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "contacts.yaml"
    result = runner.invoke(
        app, ["demand", "import", str(tickets), "--timezone", "Europe/London", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert doc == {
        "interval": 30,
        "contacts": [{"days": "mon", "time": "09:00-10:30", "contacts": [3.0, 0.0, 0.5]}],
    }
    bad = tmp_path / "bad.csv"
    bad.write_text("created_at\n2026-11-02T09:00\nyesterday\n", encoding="utf-8")
    refused = runner.invoke(app, ["demand", "import", str(bad)])
    assert refused.exit_code == 2
    assert (
        refused.stderr.strip() == "bad.csv: line 3: created_at: 'yesterday' is not a date and time (ISO 8601)"
    )


def test_contact_profile_of_nothing_is_empty() -> None:
    assert contact_profile([]) == []


def test_demand_show_with_a_rota_predicts_the_service_level_it_gives(tmp_path: Path) -> None:
    rota = tmp_path / "phones.json"
    solved = runner.invoke(app, ["solve", str(PHONES), "--time-limit", "5", "-o", str(rota)])
    assert solved.exit_code == 0, solved.output
    result = runner.invoke(app, ["demand", "show", str(PHONES), "--rota", str(rota)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    rows = [r.split("│")[1:-1] for r in result.stdout.splitlines() if r.startswith("│ 2026-11-02")]
    work = load_team(PHONES).roles["phones"].workload
    assert work is not None
    assert len(rows) == 20
    for cells in rows:
        contacts, headcount, on_duty, predicted = (cells[i].strip() for i in (2, 4, 8, 9))
        # as many on duty as the headcount meets the target
        expected = predicted_service_level(work, int(on_duty), float(contacts))
        assert predicted == f"{expected:.0%}"
        if int(on_duty) >= int(headcount):
            assert expected >= 0.8
    # the binding side: one person short of the 9 needed at 09:30 gives fewer than 80 % within 20 s
    assert predicted_service_level(work, 9, 20) >= 0.8 > predicted_service_level(work, 8, 20)


def test_the_hr_coverage_report_predicts_the_service_level_per_interval() -> None:
    from rota.report import coverage_report

    team = load_team(PHONES)
    first = date(2026, 11, 2)
    result = solve(team, first, first, SolveParams(effort=5))
    assert not validate(team, result.document).violations
    cal = Calendar(team, first, first)
    report = coverage_report(cal, result.duties).as_dict()
    levels = report["service_levels"]
    assert len(levels) == 20 and {r["date"] for r in levels} == {"2026-11-02"}
    for row in levels:
        work = team.roles["phones"].workload
        assert work is not None
        expected = predicted_service_level(work, row["on_duty"], row["contacts"])
        assert row["service_level"] == round(expected, 4)
        assert row["met"] is (expected >= 0.8) and row["text"].endswith("answered within 20 s")
        assert (
            row["met"] or row["on_duty"] < row["headcount"]
        )  # short of the target only where short of people
    # the rota document says the same per interval
    assert result.document.to_json()["service_levels"] == levels
    # a team without a workload: the report and the rota document are as they were (no service levels)
    tiny = load_team(Path(__file__).resolve().parents[1] / "data" / "examples" / "tiny-desk.yaml")
    plain = coverage_report(Calendar(tiny), [])
    assert "service_levels" not in plain.as_dict() and plain.service_levels == []
    doc = solve(tiny, params=SolveParams(effort=1)).document.to_json()
    assert "service_levels" not in doc and doc["assignments"]
