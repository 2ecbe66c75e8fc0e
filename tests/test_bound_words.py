"""Where the solver's bound supports "within N % of the best possible" and where it says "no useful bound
yet" instead (``rota.bound``): the CLI line, the rota document's solver block, the web's words and the
bench tables, each on both sides of the line."""

from __future__ import annotations

from datetime import date

from benchmarks.bench_compare import from_bound_cell as _from_bound
from rota.bound import USEFUL_PERCENT, bound_useful, from_bound_percent, quality_words
from rota.cli.render import bound_text, status_line
from rota.document import PeriodDoc, RotaDocument, SolverDoc


def test_the_bound_supports_a_distance_only_when_it_proves_half_the_objective() -> None:
    assert bound_useful(1000.0, 990.0)
    assert bound_useful(1000.0, 501.0)
    assert not bound_useful(1000.0, 500.0)  # 50 % from the bound: the line itself is not enough
    assert not bound_useful(4786.0, 7.0)
    assert not bound_useful(100.0, 0.0)
    assert bound_useful(0.0, 0.0) and bound_useful(607.0, 607.0)  # at the bound, even a bound of 0
    assert not bound_useful(None, 5.0) and not bound_useful(5.0, None)
    assert from_bound_percent(200.0, 180.0) == 10.0 and USEFUL_PERCENT == 50.0


def test_quality_words_on_both_sides() -> None:
    assert quality_words(200.0, 180.0) == "within 10.0 % of the best possible"
    assert quality_words(1000.0, 520.0) == "within 48.0 % of the best possible"
    assert quality_words(1000.0, 480.0) == "no useful bound yet"
    assert quality_words(4786.0, 7.0) == "no useful bound yet"
    assert quality_words(77478.0, 77478.0) == "the best possible"


def _doc(objective: float, bound: float) -> RotaDocument:
    return RotaDocument(
        team="t",
        timezone="UTC",
        period=PeriodDoc(start=date(2027, 1, 4), end=date(2027, 1, 10)),
        solver=SolverDoc(status="feasible", objective=objective, bound=bound, seconds=1.0),
    )


def test_cli_status_line_says_no_useful_bound_and_keeps_the_figure() -> None:
    weak = status_line(_doc(4786, 7)).plain
    assert "bound 7 · no useful bound yet" in weak and "% from the bound" not in weak
    good = status_line(_doc(216885, 212080)).plain
    assert "bound 212,080 · 2.22 % from the bound" in good and "no useful bound" not in good
    assert bound_text(None, 3.0) == ""


def test_bench_tables_cell() -> None:
    assert _from_bound(4786.0, 7.0) == "no useful bound"
    assert _from_bound(216885.0, 212080.0) == "2.22"
    assert _from_bound(None, None) == "–"


def test_bench_compare_cell() -> None:
    from benchmarks.bench_compare import table

    def row(objective: float | None, bound: float | None) -> dict[str, object]:
        return {
            "instance": "c10",
            "mode": "default",
            "objective": objective,
            "bound": bound,
            "objective_ratio": 1.0,
            "from_bound_percent": from_bound_percent(objective, bound),
            "from_best_percent": None,
            "best_is_known": True,
            "first_gapless_seconds": None,
            "gapless_ratio": None,
            "wall_seconds": 1.0,
            "status": "feasible",
            "wall_ratio": 1.0,
            "reproducible": True,
            "valid": True,
        }

    out = table([row(4786.0, 7.0), row(1000.0, 990.0), row(None, None)], "caption")
    assert list(out.columns[4].cells) == ["no useful bound", "1.00", "–"]


def test_the_rota_document_says_it_in_words_and_keeps_the_bound() -> None:
    from benchmarks.synthetic import synthetic_team
    from rota.calendar import Calendar
    from rota.solver.result import rota_document

    team = synthetic_team("S")
    cal = Calendar(team)
    doc, _ = rota_document(cal, [], {"status": "feasible", "bound": 3})
    objective = doc.solver.objective if doc.solver else None
    assert objective is not None and objective > 6  # no duties: every hour uncovered
    assert doc.to_json()["solver"]["quality"] == "no useful bound yet"
    assert doc.to_json()["solver"]["bound"] == 3
    doc, _ = rota_document(cal, [], {"status": "feasible", "bound": objective - 1})
    assert doc.to_json()["solver"]["quality"].startswith("within ")
