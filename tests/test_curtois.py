"""The Curtois & Qu importer, the independent evaluator, and (when rota/solver/ exists) short solves."""

from __future__ import annotations

import importlib.util
import random
from datetime import date
from pathlib import Path

import pytest

from benchmarks.curtois import parse_instance, read_instance, roster_rows, to_team, write_roster
from benchmarks.curtois_eval import evaluate, evaluate_files
from rota.calendar import Calendar
from rota.load import parse_team
from rota.objective import compute_terms, weighted, weights

# The project's own copy of the instances (data/benchmarks/curtois): always there, so nothing skips.
BENCH = Path(__file__).resolve().parents[1] / "data" / "benchmarks" / "curtois"

# A tiny instance written for hand computation: L may not be followed by E.
TINY = """\
# tiny
SECTION_HORIZON
14

SECTION_SHIFTS
E,480,
L,600,E

SECTION_STAFF
A,E=14|L=2,5000,1000,3,2,2,1
B,E=14|L=14,5000,0,5,1,1,2

SECTION_DAYS_OFF
A,6
B

SECTION_SHIFT_ON_REQUESTS
A,0,E,5

SECTION_SHIFT_OFF_REQUESTS
A,1,L,7

SECTION_COVER
0,E,1,10,3
1,L,0,10,3
2,E,1,10,3
3,E,2,10,3
""".replace("\n", "\r\n")

# A on 14 days: E L E L L . E . . E . E E E — every hard rule broken once or twice.
BROKEN = [
    ("A", 0, "E"),
    ("A", 1, "L"),
    ("A", 2, "E"),
    ("A", 3, "L"),
    ("A", 4, "L"),
    ("A", 6, "E"),
    ("A", 9, "E"),
    ("A", 11, "E"),
    ("A", 12, "E"),
    ("A", 13, "E"),
]


def instance1_text() -> str:
    return (BENCH / "Instance1.txt").read_text()


def our_objective(text: str, rows) -> float:
    """The objective of ``rows`` by the project's own objective code, on the imported team."""
    inst = parse_instance(text)
    team = parse_team(to_team(inst))
    cal = Calendar(team)
    pid, sid = inst.staff_ids, inst.shift_ids
    duties = [cal.duty(pid[e], "nurse", sid[s], inst.date(d)) for e, d, s in rows]
    return weighted(compute_terms(cal, duties), weights(cal))


# -- parser and importer -------------------------------------------------------------------------


def test_parse_instance1():
    inst = read_instance(BENCH / "Instance1.txt")
    assert inst.name == "Instance1"
    assert inst.horizon == 14
    assert list(inst.shifts) == ["D"] and inst.shifts["D"].minutes == 480
    assert inst.shifts["D"].cannot_follow == ()
    assert list(inst.staff) == list("ABCDEFGH")
    a = inst.staff["A"]
    assert (
        a.max_shifts,
        a.max_minutes,
        a.min_minutes,
        a.max_consecutive,
        a.min_consecutive,
        a.min_consecutive_off,
        a.max_weekends,
    ) == ({"D": 14}, 4320, 3360, 5, 2, 2, 1)
    assert inst.days_off["A"] == [0] and inst.days_off["H"] == [7]
    assert len(inst.on_requests) == 21 and len(inst.off_requests) == 5 and len(inst.cover) == 14
    assert inst.on_requests[0].employee == "A" and inst.on_requests[0].day == 2
    assert inst.off_requests[2].weight == 3
    assert (inst.cover[1].requirement, inst.cover[1].weight_under, inst.cover[1].weight_over) == (7, 100, 1)


def test_parse_errors_name_the_line():
    from benchmarks.curtois import InstanceError

    with pytest.raises(InstanceError, match="line 11: unknown shift 'X'"):
        parse_instance(TINY.replace("B,E=14|L=14", "B,X=14|L=14"), "tiny")
    with pytest.raises(InstanceError, match="outside the horizon"):
        parse_instance(TINY.replace("A,6", "A,14"), "tiny")


def test_to_team_instance1_loads():
    inst = read_instance(BENCH / "Instance1.txt")
    team = parse_team(to_team(inst))
    assert team.timezone == "UTC" and team.period.start == date(2024, 1, 1)
    assert team.period.end == date(2024, 1, 14)
    assert [p.id for p in team.people] == list("abcdefgh")
    assert team.shifts["d"].start == "00:00" and team.shifts["d"].end == "08:00"
    a = team.people[0]
    assert a.rules.max_consecutive_days == 5 and a.rules.min_consecutive_days == 2
    assert a.rules.min_consecutive_days_off == 2 and a.rules.max_weekends.max == 1
    assert a.rules.min_hours_per_period == 56 and a.rules.max_hours_per_period == 72
    assert a.unavailable[0].date == date(2024, 1, 1)
    assert a.limits == []  # D=14 cannot bind over 14 days
    assert {(r.date, r.want, r.weight) for r in a.preferences.requests} == {
        (date(2024, 1, 3), "on", 2),
        (date(2024, 1, 4), "on", 2),
    }
    cover = {d: (e.min, e.max) for e in team.roles["nurse"].shift_demand for d in e.dates}
    assert len(cover) == 14 and cover[date(2024, 1, 2)] == (7, 7)


def test_to_team_tiny_successions_and_limits():
    team = parse_team(to_team(parse_instance(TINY, "tiny")))
    assert [(s.first, s.then) for s in team.rules.forbidden_successions] == [("l", "e")]
    a, b = team.people
    assert [(lim.shift, lim.max, lim.per) for lim in a.limits] == [("l", 2, "period")]
    assert b.rules.min_consecutive_days is None  # a minimum of 1 is no rule
    assert team.shifts["l"].end == "10:00"
    assert a.rules.max_hours_per_period == pytest.approx(5000 / 60)


@pytest.mark.parametrize("number", [1, 5, 11, 24])
def test_every_size_loads(number):
    inst = read_instance(BENCH / f"Instance{number}.txt")
    team = parse_team(to_team(inst))
    assert len(team.people) == len(inst.staff)
    assert sum(len(e.dates) for e in team.roles["nurse"].shift_demand) == len(inst.cover)


# -- the evaluator on hand-computed rosters ------------------------------------------------------


def test_empty_roster_instance1():
    ev = evaluate(instance1_text(), [])
    # unmet shift-on requests: A 2+2, B 5×3, C 5×1, D 2+2, F 2+2, H 5×1; all 71 cover places short × 100
    assert (ev.on_requests, ev.off_requests, ev.cover_under, ev.cover_over) == (37, 0, 7100, 0)
    assert ev.objective == 7137
    assert sorted({v.rule for v in ev.violations}) == ["min minutes"]
    assert len(ev.violations) == 8  # nobody reaches 3360 minutes; the all-off run is exempt
    assert our_objective(instance1_text(), []) == 7137


def test_few_duties_instance1():
    rows = [("B", d, "D") for d in range(5)] + [("H", 2, "D"), ("H", 3, "D"), ("C", 12, "D"), ("C", 13, "D")]
    ev = evaluate(instance1_text(), rows)
    # B's five on-requests met (37 − 15); H works two off-requested days (3+3) and C two (1+1);
    # 9 duties against 71 places: 62 short × 100
    assert (ev.on_requests, ev.off_requests, ev.cover_under, ev.cover_over) == (22, 8, 6200, 0)
    assert ev.objective == 6230
    assert {v.rule for v in ev.violations} == {"min minutes"} and len(ev.violations) == 8
    assert our_objective(instance1_text(), rows) == 6230


def test_hard_violations_detected():
    ev = evaluate(TINY, BROKEN)
    found = sorted((v.rule, v.employee) for v in ev.violations)
    assert found == sorted(
        [
            ("forbidden succession", "A"),  # L on day 1, E on day 2
            ("max shifts", "A"),  # 3 × L, at most 2
            ("max minutes", "A"),  # 7 × 480 + 3 × 600 = 5160 > 5000
            ("max consecutive shifts", "A"),  # days 0-4
            ("min consecutive shifts", "A"),
            ("min consecutive shifts", "A"),  # days 6 and 9 alone
            ("min consecutive days off", "A"),
            ("min consecutive days off", "A"),  # days 5 and 10 alone
            ("day off", "A"),  # day 6
            ("max weekends", "A"),  # weekends 0 and 1, at most 1
        ]
    ), found
    details = {v.rule: v.detail for v in ev.violations}
    assert details["forbidden succession"] == "L on day 1 then E on day 2"
    assert details["max minutes"].startswith("5160 minutes")
    # on-request met; off-request broken (7); day 1 L over by one (3); day 3 E short by two (20)
    assert (ev.on_requests, ev.off_requests, ev.cover_under, ev.cover_over) == (0, 7, 20, 3)
    assert ev.objective == 30
    assert our_objective(TINY, BROKEN) == 30


def test_min_minutes_and_edges_exempt():
    ev = evaluate(TINY, [("A", 0, "E"), ("B", 13, "E")])
    # A's one-day run touches day 0 and B's touches day 13: exempt from the minimum run length
    assert [(v.rule, v.employee) for v in ev.violations] == [("min minutes", "A")]
    # B's E on day 13 has no cover line; day 2 and day 3 short
    assert ev.objective == 0 + 0 + 10 + 20
    assert our_objective(TINY, [("A", 0, "E"), ("B", 13, "E")]) == 30


def test_roster_problems_are_violations(tmp_path):
    inst = tmp_path / "tiny.txt"
    inst.write_text(TINY)
    roster = tmp_path / "r.csv"
    roster.write_text("employee,day,shift\nA,0,E\nA,0,L\nZ,1,E\nB,14,E\nB,2,X\nB,x,E\n\n")
    ev = evaluate_files(inst, roster)
    rules = [v.rule for v in ev.violations]
    assert rules.count("roster") == 4 and "one shift a day" in rules
    assert ev.assignments == 2


@pytest.mark.parametrize("number", [2, 3, 5, 8])
def test_random_rosters_agree_with_our_objective(number):
    text = (BENCH / f"Instance{number}.txt").read_text()
    inst = parse_instance(text)
    rng = random.Random(number)
    shifts = list(inst.shifts)
    for _ in range(3):
        rows = [
            (e, d, rng.choice(shifts)) for e in inst.staff for d in range(inst.horizon) if rng.random() < 0.6
        ]
        assert our_objective(text, rows) == evaluate(text, rows).objective


def test_roster_round_trip(tmp_path):
    inst = parse_instance(TINY, "tiny")
    team = parse_team(to_team(inst))
    cal = Calendar(team)
    duties = [cal.duty("a", "nurse", "l", date(2024, 1, 2)), cal.duty("b", "nurse", "e", date(2024, 1, 1))]
    rows = roster_rows(inst, duties)
    assert rows == [("A", 1, "L"), ("B", 0, "E")]
    (tmp_path / "tiny.txt").write_text(TINY)
    write_roster(tmp_path / "r.csv", rows)
    assert (tmp_path / "r.csv").read_text().splitlines()[0] == "employee,day,shift"
    ev = evaluate_files(tmp_path / "tiny.txt", tmp_path / "r.csv")
    # off-request broken (7), on-request unmet (5), day 1 L over by one (3), days 2 and 3 short (10 + 20)
    assert ev.objective == 7 + 5 + 3 + 10 + 20
    assert ev.assignments == 2


# -- the bench command ---------------------------------------------------------------------------


def _app():
    import typer

    from benchmarks.bench_curtois import register

    app = typer.Typer()
    bench = typer.Typer()
    register(bench)
    app.add_typer(bench, name="bench")
    return app


def test_bench_bad_input_is_one_line(tmp_path):
    from typer.testing import CliRunner

    runner = CliRunner()
    result = runner.invoke(_app(), ["bench", "curtois", "--benchmarks", str(tmp_path / "none")])
    assert result.exit_code == 2 and "no such directory" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(_app(), ["bench", "curtois", "--instances", "3-x", "--benchmarks", str(tmp_path)])
    assert result.exit_code == 2 and "--instances" in result.output
    result = runner.invoke(_app(), ["bench", "curtois", "--instances", "0-30", "--benchmarks", str(tmp_path)])
    assert result.exit_code == 2


def test_instance_ranges():
    from benchmarks.bench_curtois import parse_range

    assert parse_range("1-3,7, 9-10") == [1, 2, 3, 7, 9, 10]
    assert parse_range("5") == [5]
    for bad in ("", "3-1", "0", "25", "a", "1-"):
        with pytest.raises(ValueError):
            parse_range(bad)


def test_the_benchmark_ships_with_the_project():
    from benchmarks.bench_curtois import DEFAULT_BENCHMARKS, _best_known

    assert DEFAULT_BENCHMARKS == BENCH and DEFAULT_BENCHMARKS.is_absolute()
    assert all((BENCH / f"Instance{n}.txt").is_file() for n in range(1, 25))
    best = _best_known(BENCH)
    assert len(best) == 24 and best["Instance1"] == (607, 607)
    assert all(lower <= known for known, lower in best.values())


# -- solving (only when rota/solver/ provides solve) --------------------------------------------------


def _has_solver() -> bool:
    try:
        return importlib.util.find_spec("rota.solver") is not None and hasattr(
            importlib.import_module("rota.solver"), "solve"
        )
    except ImportError:
        return False


@pytest.mark.skipif(not _has_solver(), reason="rota.solver.solve not available yet")
@pytest.mark.parametrize("number", [1, 2, 3])
def test_solved_instances_are_feasible_and_agree(number, tmp_path):
    from rota.solver import SolveParams, solve

    path = BENCH / f"Instance{number}.txt"
    inst = read_instance(path)
    team = parse_team(to_team(inst))
    result = solve(team, params=SolveParams(effort=5, workers=2))
    write_roster(tmp_path / "r.csv", roster_rows(inst, result.duties))
    ev = evaluate_files(path, tmp_path / "r.csv")
    assert ev.violations == []
    assert ev.objective == result.objective


@pytest.mark.skipif(not _has_solver(), reason="rota.solver.solve not available yet")
def test_bench_command_end_to_end(tmp_path, monkeypatch):
    """Without --benchmarks, from a folder far from the checkout: the project's own copy is found."""
    from typer.testing import CliRunner

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        _app(),
        ["bench", "curtois", "--instances", "1", "--time-limit", "5", "--workers", "2", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert (out / "Instance1.csv").read_text().startswith("employee,day,shift\n")
    rows = (out / "summary.csv").read_text().splitlines()
    header, row = rows[0].split(","), dict(zip(rows[0].split(","), rows[1].split(","), strict=True))
    assert header[0] == "instance" and row["instance"] == "Instance1"
    assert row["hard_violations"] == "0" and int(row["peak_mib"]) > 0
    assert int(row["objective"]) >= 607


def test_bench_reports_no_roster_instead_of_scoring_an_empty_one(tmp_path, monkeypatch):
    """A solve that ends without a rota is a problem line and exit 1, not a score of every rule broken."""
    from typer.testing import CliRunner

    import benchmarks.bench_curtois as bench

    def no_rota(path, out_csv, time_limit, workers):
        out_csv.write_text("employee,day,shift\n")
        return {
            "objective": None,
            "bound": None,
            "status": "unknown",
            "seconds": 1.0,
            "duties": 0,
            "message": "no rota found within the time limit",
            "peak_kib": 2048,
        }

    monkeypatch.setattr(bench, "run_instance", no_rota)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        _app(),
        ["bench", "curtois", "--instances", "1", "--out", str(out), "--benchmarks", str(BENCH)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 1, result.output
    assert "Instance1: no roster (unknown): no rota found within the time limit" in result.output
    row = (out / "summary.csv").read_text().splitlines()[1].split(",")
    assert row[3] == "" and row[9] == "unknown"  # no objective for a roster that does not exist
