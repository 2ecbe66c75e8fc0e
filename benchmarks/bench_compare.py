"""``rota bench compare``: the same instances under the same wall limit, solved three ways.

- ``default``: ``rota solve`` as it is, reproducible (stopped by ``--effort`` or the wall limit), its
  neighbourhoods re-solved as many at a time as there are cores (``rota.solver.fork``);
- ``one``, on request: the default on one process (``--processes 1``);
- ``parallel``: the old portfolio, ``rota solve --parallel`` (CP-SAT's threads, stopped by wall seconds);
- ``plain``: our CP-SAT model of the whole rota, minimised as it is with CP-SAT's own default
  portfolio on ``--workers`` threads: no phases, no hint, no neighbourhoods of ours.

Each solve runs in a freshly spawned interpreter, one at a time; every rota is checked with the
validator. The table gives objective, distance from the solver's bound and from the best known
(Curtois & Qu: the published best; a synthetic team: the best of the modes in this run), time to
the first rota without gaps, and wall seconds, each also as a ratio to the default's, since the
machine's load makes absolute seconds noisy; the title gives the load average before and after.
Also the status (optimal when proven) and the peak memory of the solve's process (or of the
processes it started, the larger).
Beneath the table, per mode, how many Curtois & Qu instances reached their best known and came
within 2 % of it. ``--markdown FILE`` writes the same as a Markdown table, to paste into the docs.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from benchmarks.synthetic import size_names, synthetic_document
from rota.bound import bound_useful, from_bound_percent
from rota.cli.errors import fail, guarded

MODES = ("default", "parallel", "plain")
EXTRA = ("one",)  # the default with --processes 1, on request
CURTOIS = Path("data/benchmarks/curtois")


def _team(instance: str, benchmarks: Path) -> tuple[Any, int | None]:
    """The team of an instance name (a synthetic size, or ``cN`` for Curtois & Qu N) and its best known."""
    from benchmarks.curtois import read_instance, to_team
    from rota.load import parse_team

    if instance.startswith("c"):
        inst = read_instance(benchmarks / f"Instance{instance[1:]}.txt")
        best = _best_known(benchmarks).get(f"Instance{instance[1:]}")
        return parse_team(to_team(inst), inst.name), best
    return parse_team(synthetic_document(instance, 0), f"synthetic-{instance}"), None


def _name(text: str) -> str:
    """An instance name as the table gives it: ``cN`` for Curtois & Qu, a size in capitals."""
    text = text.strip()
    return text.lower() if text[:1] in "cC" and text[1:].isdigit() else text.upper()


def _best_known(benchmarks: Path) -> dict[str, int]:
    import csv

    path = benchmarks / "best-known.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as fh:
        return {r["instance"]: int(r["best_known"]) for r in csv.DictReader(fh)}


def run_one(
    instance: str, mode: str, time_limit: float, effort: float, workers: int, seed: int, benchmarks: str
) -> dict[str, Any]:
    """Solve one instance one way (in the calling process) and measure it."""
    from rota.validate import validate

    team, best = _team(instance, Path(benchmarks))
    started = time.perf_counter()
    if mode == "plain":
        doc, bound, zero = _plain(team, time_limit, workers, seed, started)
        reproducible = False
    else:
        from rota.solver import SolveParams, solve

        params = SolveParams(
            time_limit=time_limit,
            effort=effort,
            workers=workers,
            seed=seed,
            deterministic=mode != "parallel",
            processes=1 if mode == "one" else None,
        )
        result = solve(team, params=params)
        doc, bound, zero = result.document, result.bound, result.first_zero_gap_seconds
        reproducible = bool(getattr(doc.solver, "reproducible", False))
    wall = time.perf_counter() - started
    objective = doc.solver.objective if doc.solver is not None else None
    status = str(doc.solver.status) if doc.solver is not None else "none"
    return {
        "instance": instance,
        "mode": mode,
        "seed": seed,
        "objective": objective,
        "status": status,
        "bound": bound,
        "best_known": best,
        "first_gapless_seconds": zero,
        "wall_seconds": round(wall, 3),
        "peak_mb": round(_peak_mb(), 1),
        "load": round(os.getloadavg()[0], 2),  # 1-minute load average when the solve ended
        "reproducible": reproducible,
        "valid": bool(doc.assignments) and validate(team, doc).ok,
    }


def _peak_mb() -> float:
    """The most memory this process, or any process it started and waited for, has held (MB)."""
    kilobytes = max(
        resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return kilobytes / 1024  # kilobytes on Linux


def _plain(team: Any, time_limit: float, workers: int, seed: int, started: float) -> tuple[Any, Any, Any]:
    """Our model minimised by CP-SAT's default portfolio alone, stopped by the wall limit."""
    from ortools.sat.python import cp_model

    from rota.calendar import Calendar
    from rota.solver.build import build
    from rota.solver.result import rota_document

    cal = Calendar(team)
    built = build(cal, None)
    ctx = built.ctx
    ctx.model.minimize(built.expr(built.gap_terms + built.other_terms))
    gap = built.gap_minutes()
    first: list[float] = []

    class FirstGapless(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            if not first and (gap is None or self.value(gap) == 0):
                first.append(time.perf_counter() - started)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = max(0.1, time_limit - (time.perf_counter() - started))
    status = solver.solve(ctx.model, FirstGapless())
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    duties = [ctx.duty(key) for key, var in ctx.x.items() if found and solver.boolean_value(var)]
    bound = solver.best_objective_bound / built.scale if found else None
    doc, _ = rota_document(
        cal, sorted(duties), {"status": "optimal" if status == cp_model.OPTIMAL else "feasible"}
    )
    return doc, bound, first[0] if first else None


def run_in_child(*args: Any) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(run_one, *args).result()


def _median(runs: list[dict[str, Any]], name: str) -> float | None:
    values = [r[name] for r in runs if r[name] is not None]
    return statistics.median(values) if values else None


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per instance and mode: medians over seeds, distances and ratios to the default."""
    rows: list[dict[str, Any]] = []
    for instance in dict.fromkeys(r["instance"] for r in runs):
        mine = [r for r in runs if r["instance"] == instance]
        medians = {
            mode: {
                name: _median([r for r in mine if r["mode"] == mode], name)
                for name in ("objective", "bound", "first_gapless_seconds", "wall_seconds", "peak_mb")
            }
            for mode in MODES + EXTRA
            if any(r["mode"] == mode for r in mine)
        }
        known = mine[0]["best_known"]
        found = [m["objective"] for m in medians.values() if m["objective"] is not None]
        best = known if known is not None else (min(found) if found else None)
        base = medians.get("default", {})
        for mode, m in medians.items():
            of_mode = [r for r in mine if r["mode"] == mode]
            rows.append(
                {
                    "instance": instance,
                    "mode": mode,
                    **m,
                    "from_bound_percent": from_bound_percent(m["objective"], m["bound"]),
                    "best": best,
                    "best_is_known": known is not None,
                    "from_best_percent": _percent(m["objective"], best),
                    "objective_ratio": _ratio(m["objective"], base.get("objective")),
                    "gapless_ratio": _ratio(m["first_gapless_seconds"], base.get("first_gapless_seconds")),
                    "wall_ratio": _ratio(m["wall_seconds"], base.get("wall_seconds")),
                    "status": _statuses([r.get("status", "") for r in of_mode]),
                    "reproducible": all(r["reproducible"] for r in of_mode),
                    "valid": all(r["valid"] for r in of_mode),
                    "runs": len(of_mode),
                }
            )
    return rows


def _statuses(found: list[str]) -> str:
    """The runs' statuses: one word when they agree, else how many of each (``optimal 2/3``)."""
    counts = {s: found.count(s) for s in dict.fromkeys(found)}
    if len(counts) == 1:
        return found[0]
    return ", ".join(f"{s} {n}/{len(found)}" for s, n in counts.items())


def _percent(value: float | None, ref: float | None) -> float | None:
    """100 × (ours − best) / best, as ``rota bench curtois`` gives it."""
    if value is None or ref is None or ref == 0:
        return None
    return 100.0 * (value - ref) / ref


def _ratio(value: float | None, ref: float | None) -> float | None:
    if value is None or ref is None or ref == 0:
        return None
    return value / ref


def _f(value: float | None, fmt: str) -> str:
    return "–" if value is None else fmt.format(value)


COLUMNS = (
    "instance",
    "mode",
    "objective",
    "÷ default",
    "from bound %",
    "from best %",
    "first gapless s",
    "÷ default",
    "wall s",
    "÷ default",
    "status",
    "peak MB",
    "reproducible",
    "valid",
)

WORDS = ("instance", "mode", "status", "reproducible", "valid")  # left-aligned; the figures right


def from_bound_cell(objective: float | None, bound: float | None, percent: float | None = None) -> str:
    """The "% from the bound" cell: the distance (``percent``, else computed), or "no useful bound"
    where the bound proves too little of the objective to mean anything (``rota.bound``; the bound
    column keeps the figure)."""
    if percent is None:
        percent = from_bound_percent(objective, bound)
    if percent is not None and not bound_useful(objective, bound):
        return "no useful bound"
    return _f(percent, "{:.2f}")


def cells(r: dict[str, Any]) -> list[str]:
    """One row of the table as text, in the order of ``COLUMNS``."""
    best = "" if r["best_is_known"] else " (of modes)"
    return [
        r["instance"],
        r["mode"],
        _f(r["objective"], "{:,.0f}"),
        _f(r["objective_ratio"], "{:.3f}"),
        from_bound_cell(r["objective"], r["bound"], r["from_bound_percent"]),
        _f(r["from_best_percent"], "{:.2f}") + best,
        _f(r["first_gapless_seconds"], "{:.2f}"),
        _f(r["gapless_ratio"], "{:.2f}"),
        _f(r["wall_seconds"], "{:.1f}"),
        _f(r["wall_ratio"], "{:.2f}"),
        r["status"],
        _f(r.get("peak_mb"), "{:,.0f}"),
        "yes" if r["reproducible"] else "no",
        "yes" if r["valid"] else "**no**",
    ]


def title(time_limit: float, effort: float, workers: int, repeat: int, loads: tuple[str, str]) -> str:
    """What the table measured, and the machine's load average before and after."""
    seeds = "one seed" if repeat == 1 else f"medians of {repeat} seeds"
    return (
        f"rota bench compare: wall limit {time_limit:g} s, default effort {effort:g} units, "
        f"{workers} threads for parallel and plain, {seeds}; load average {loads[0]} before, "
        f"{loads[1]} after, {os.cpu_count()} cores"
    )


def table(rows: list[dict[str, Any]], caption: str) -> Table:
    out = Table(title=caption)
    for name in COLUMNS:
        out.add_column(name, justify="left" if name in WORDS else "right")
    for r in rows:
        out.add_row(*cells(r))
    return out


def best_known_counts(rows: list[dict[str, Any]]) -> list[str]:
    """Per mode, over the instances with a published best known: how many reached it, how many came
    within 2 % (the issue's measures for Curtois & Qu). Empty when no instance has one."""
    lines = []
    for mode in dict.fromkeys(r["mode"] for r in rows):
        known = [r for r in rows if r["mode"] == mode and r["best_is_known"]]
        if not known:
            continue
        at = sum(1 for r in known if r["from_best_percent"] is not None and r["from_best_percent"] <= 0)
        near = sum(1 for r in known if r["from_best_percent"] is not None and r["from_best_percent"] <= 2)
        n = len(known)
        lines.append(f"{mode}: at the best known {at}/{n}, within 2 % {near}/{n}")
    return lines


def markdown(rows: list[dict[str, Any]], caption: str, command: str) -> str:
    """The table in Markdown, headed by its caption and the command that made it."""
    out = [f"`{command}`", "", caption, ""]
    out.append("| " + " | ".join(COLUMNS) + " |")
    out.append("| " + " | ".join("---" if c in WORDS else "---:" for c in COLUMNS) + " |")
    out += ["| " + " | ".join(cells(r)) + " |" for r in rows]
    counts = best_known_counts(rows)
    if counts:
        out += ["", *(f"- {line}" for line in counts)]
    return "\n".join(out) + "\n"


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} / {five:.1f} (1 / 5 min)"


def register(bench: typer.Typer) -> None:
    @bench.command("compare")
    @guarded
    def compare_command(
        instances: Annotated[
            str,
            typer.Option(
                "--instances",
                help="Comma-separated: synthetic sizes (S, M, L, XL, H, LARGE) and Curtois & Qu "
                "instances as cN (c1 … c24).",
            ),
        ] = "S,M",
        time_limit: Annotated[
            float, typer.Option("--time-limit", min=0.1, help="Wall seconds for every solve.")
        ] = 60.0,
        effort: Annotated[
            str, typer.Option("--effort", help="The default mode's effort: a name or units.")
        ] = "thorough",
        workers: Annotated[
            int, typer.Option("--workers", min=1, help="Threads for the parallel and plain modes.")
        ] = 2,
        repeat: Annotated[int, typer.Option("--repeat", min=1, help="Seeds 0 … N-1; medians shown.")] = 1,
        modes: Annotated[
            str,
            typer.Option("--modes", help="Any of default, parallel, plain, one (the default, one process)."),
        ] = ",".join(MODES),
        benchmarks: Annotated[Path, typer.Option("--benchmarks", help="The Curtois & Qu folder.")] = CURTOIS,
        json_path: Annotated[Path | None, typer.Option("--json", help="Also write every run here.")] = None,
        markdown_path: Annotated[
            Path | None,
            typer.Option("--markdown", help="Also write the table here as Markdown, with the command."),
        ] = None,
    ) -> None:
        """The default, the old --parallel portfolio and plain CP-SAT side by side, same wall limit."""
        from rota.solver.params import parse_effort

        try:
            units = parse_effort(effort)
        except ValueError as exc:
            fail(f"--effort: {exc}")
        chosen = [_name(i) for i in instances.split(",") if i.strip()]
        for name in chosen:
            if name.startswith("c"):
                number = name[1:]
                if not number.isdigit() or not (benchmarks / f"Instance{number}.txt").is_file():
                    fail(f'--instances: no Curtois & Qu instance "{name}" in {benchmarks}')
            elif name not in size_names():
                fail(f'--instances: unknown "{name}" (sizes: {", ".join(size_names())}; Curtois: c1 … c24)')
        picked = [m.strip() for m in modes.split(",") if m.strip()]
        for m in picked:
            if m not in MODES + EXTRA:
                fail(f'--modes: unknown mode "{m}" (known: {", ".join(MODES + EXTRA)})')
        console = Console()
        before, runs = _load(), []
        for name in chosen:
            for seed in range(repeat):
                for mode in picked:
                    console.print(f"[dim]{name} {mode} seed {seed}…[/dim]")
                    run = run_in_child(name, mode, time_limit, units, workers, seed, str(benchmarks))
                    found = _f(run["objective"], "{:,.0f}")
                    console.print(f"[dim]   objective {found}, {run['wall_seconds']:.1f} s[/dim]")
                    runs.append(run)
        rows = summarise(runs)
        caption = title(time_limit, units, workers, repeat, (before, _load()))
        console.print(table(rows, caption))
        for line in best_known_counts(rows):
            console.print(line)
        if markdown_path is not None:
            command = (
                f"rota bench compare --instances {','.join(chosen)} --time-limit {time_limit:g} "
                f"--effort {effort} --workers {workers} --repeat {repeat} --modes {','.join(picked)}"
            )
            markdown_path.write_text(markdown(rows, caption, command), encoding="utf-8")
        if json_path is not None:
            json_path.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
        if not all(r["valid"] for r in runs):
            raise typer.Exit(1)
