"""``rota bench``: solve the synthetic S/M/L/XL/H/LARGE teams, each in a fresh process, and tabulate
the results.

As in ``rota solve``, ``--time-limit`` is wall seconds (the answer comes by then) and ``--effort`` the
deterministic units that make a rota reproducible; a run the wall limit stopped first is marked not
reproducible. The distance between objective and bound is printed as "% from the bound", never as a
bare "gap" (which users read as uncovered time)."""

from __future__ import annotations

import json
import os
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from benchmarks import bench_compare, bench_curtois, bench_fairness, bench_feeds, bench_pages
from benchmarks.synthetic import size_names, size_shape, synthetic_document
from rota.bound import from_bound_percent
from rota.cli.errors import fail, guarded
from rota.solver.params import DEFAULT_EFFORT, parse_effort

DEFAULT_LIMITS = {"S": 10.0, "M": 20.0, "L": 60.0, "XL": 120.0, "H": 60.0, "LARGE": 60.0}  # wall seconds
MEMORY_LIMIT_MB = 2048

bench = typer.Typer(
    invoke_without_command=True,
    no_args_is_help=False,
    help="Benchmarks: the synthetic teams (default) and the Curtois & Qu instances.",
)


@dataclass
class BenchRun:
    """One solve of one synthetic size, measured in its own process."""

    size: str
    people: int
    roles: int
    weeks: int
    assignments: int
    build_seconds: float
    first_zero_gap_seconds: float | None
    seconds: float
    objective: float | None
    bound: float | None
    from_bound_percent: float | None
    status: str
    peak_mb: float
    valid: bool
    effort: float = 0.0
    reproducible: bool = False


def run_size(
    size: str, time_limit: float, effort: float, workers: int, seed: int, team_seed: int = 0
) -> BenchRun:
    """Generate, solve and validate one size (``time_limit`` wall seconds, ``effort`` units); peak
    memory is this process's maximum resident set."""
    from rota.load import parse_team
    from rota.solver import SolveParams, solve
    from rota.validate import validate

    team = parse_team(synthetic_document(size, team_seed), f"synthetic-{size}")
    params = SolveParams(time_limit=time_limit, effort=effort, workers=workers, seed=seed)
    result = solve(team, params=params)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    valid = validate(team, result.document).ok if result.document.assignments else False
    return BenchRun(
        size=size,
        people=len(team.people),
        roles=len(team.roles),
        weeks=size_shape(size)[1],
        assignments=len(result.document.assignments),
        build_seconds=result.build_seconds,
        first_zero_gap_seconds=result.first_zero_gap_seconds,
        seconds=result.seconds,
        objective=result.objective,
        bound=result.bound,
        from_bound_percent=from_bound_percent(result.objective, result.bound),
        status=str(result.status),
        peak_mb=peak_mb,
        valid=valid,
        effort=effort,
        reproducible=bool(getattr(result.document.solver, "reproducible", False)),
    )


def run_in_child(size: str, time_limit: float, effort: float, workers: int, seed: int) -> BenchRun:
    """``run_size`` in a freshly spawned interpreter, so each size's peak memory is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(run_size, size, time_limit, effort, workers, seed).result()


def median_run(runs: list[BenchRun]) -> BenchRun:
    """The median of each measured figure over repeated runs (the last run's status and validity)."""
    if len(runs) == 1:
        return runs[0]

    def med(name: str) -> float | None:
        values = [getattr(r, name) for r in runs if getattr(r, name) is not None]
        return statistics.median(values) if values else None

    last = runs[-1]
    return BenchRun(
        size=last.size,
        people=last.people,
        roles=last.roles,
        weeks=last.weeks,
        assignments=int(med("assignments") or 0),
        build_seconds=med("build_seconds") or 0.0,
        first_zero_gap_seconds=med("first_zero_gap_seconds"),
        seconds=med("seconds") or 0.0,
        objective=med("objective"),
        bound=med("bound"),
        from_bound_percent=med("from_bound_percent"),
        status=statistics.mode(r.status for r in runs),
        peak_mb=med("peak_mb") or 0.0,
        valid=all(r.valid for r in runs),
        effort=last.effort,
        reproducible=all(r.reproducible for r in runs),
    )


def target(run: BenchRun) -> tuple[bool, str]:
    """Whether a run meets the issue's target for its size, and the target in words."""
    zero, gap = run.first_zero_gap_seconds, run.from_bound_percent
    memory_ok = run.peak_mb < MEMORY_LIMIT_MB
    if run.size == "S":
        ok, text = run.status == "optimal" and run.seconds < 2, "optimal < 2 s"
    elif run.size == "M":
        ok, text = gap is not None and gap <= 1 and run.seconds <= 20, "≤ 1 % from the bound < 20 s"
    elif run.size == "L":
        ok, text = (
            zero is not None and zero < 30 and gap is not None and gap <= 2 and run.seconds <= 61,
            "zero gap < 30 s, ≤ 2 % from the bound, done ≤ 61 s",
        )
    elif run.size == "H":
        ok, text = gap is not None and gap <= 5, "≤ 5 % from the bound in 60 s"
    elif run.size == "LARGE":
        ok, text = zero is not None and zero < 2, "first gapless rota < 2 s"
    else:
        ok, text = zero is not None and zero < 120, "zero gap < 120 s"
    return ok and memory_ok and run.valid, text


def _f(value: float | None, fmt: str = "{:,.1f}") -> str:
    """A figure in ``fmt``, or a dash when missing."""
    return "–" if value is None else fmt.format(value)


def results_table(runs: list[BenchRun], workers: int, repeat: int) -> Table:
    """The benchmark table: one row per size."""
    effort = runs[0].effort if runs else 0.0
    table = Table(
        title=f"Synthetic benchmark · {workers} workers · median of {repeat} · limits in wall seconds, "
        f"effort {effort:g} units · {load_text()}",
        title_justify="left",
    )
    for name in (
        "size",
        "team",
        "build s",
        "zero-gap s",
        "solve s",
        "objective",
        "bound",
        "% from the bound",
        "status",
        "reproducible",
        "peak MB",
        "valid",
        "target (and < 2 GB)",
        "met",
    ):
        left = name in ("size", "status") or name.startswith("target")
        table.add_column(name, justify="left" if left else "right", no_wrap=not name.startswith("target"))
    for r in runs:
        ok, text = target(r)
        table.add_row(
            r.size,
            f"{r.people}p {r.roles}r {r.weeks}w",
            _f(r.build_seconds, "{:.2f}"),
            _f(r.first_zero_gap_seconds, "{:.2f}"),
            _f(r.seconds),
            _f(r.objective, "{:,.0f}"),
            _f(r.bound, "{:,.0f}"),
            bench_compare.from_bound_cell(r.objective, r.bound),
            r.status,
            "yes" if r.reproducible else "no",
            _f(r.peak_mb, "{:,.0f}"),
            "yes" if r.valid else Text("NO", style="bold red"),
            text,
            Text("yes" if ok else "no", style="green" if ok else "bold red"),
        )
    return table


def load_text() -> str:
    """The machine's load average now (1 and 5 minutes) beside its cores, for wall-time tables."""
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} / {five:.1f} (1 / 5 min) on {os.cpu_count()} cores"


def team_yaml(size: str, team_seed: int, doc: dict[str, object]) -> str:
    """A team document as YAML (lists of plain values on one line), headed by how to make it again."""
    head = f"# Written by `rota bench team {size} --team-seed {team_seed}` (benchmarks/synthetic.py"
    head += ", benchmarks/large.py).\n" if size == "LARGE" else ").\n"
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110, default_flow_style=None)
    return head + body


def _sizes(text: str) -> list[str]:
    """The sizes named by ``--sizes``, upper-cased and checked."""
    sizes = [s.strip().upper() for s in text.split(",") if s.strip()]
    for s in sizes:
        if s not in size_names():
            fail(f'--sizes: unknown size "{s}" (known: {", ".join(size_names())})')
    return sizes


@bench.callback()
@guarded
def bench_main(
    ctx: typer.Context,
    sizes: Annotated[
        str, typer.Option("--sizes", help="Comma-separated sizes: S, M, L, XL, H, LARGE.")
    ] = "S,M,L,XL",
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            min=0.1,
            help="Wall seconds per size, as in rota solve: the rota comes by then (default S 10, M 20, "
            "L 60, XL 120, H 60, LARGE 60). A run stopped by it before its effort is spent is marked "
            "not reproducible.",
        ),
    ] = None,
    effort: Annotated[
        str,
        typer.Option(
            "--effort",
            help="How hard to search, as in rota solve: quick (2 units), normal (10) or thorough (60), "
            "or a number of units.",
        ),
    ] = DEFAULT_EFFORT,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Solver threads (a reproducible solve runs on one).")
    ] = 2,
    repeat: Annotated[int, typer.Option("--repeat", min=1, help="Runs per size; medians shown.")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Solver seed of the first run (then +1 each).")] = 0,
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write runs here.")] = None,
) -> None:
    """Run the synthetic benchmark when no subcommand is given."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        units = parse_effort(effort)
    except ValueError as exc:
        fail(f"--effort: {exc}")
    console = Console()
    chosen, medians, every = _sizes(sizes), [], []
    for size in chosen:
        limit = time_limit if time_limit is not None else DEFAULT_LIMITS[size]
        runs = []
        for i in range(repeat):
            console.print(
                f"[dim]{size}: run {i + 1}/{repeat}, {limit:g} wall s limit, effort {units:g} units, "
                f"{workers} workers…[/dim]"
            )
            started = time.perf_counter()
            runs.append(run_in_child(size, limit, units, workers, seed + i))
            console.print(
                f"[dim]   {runs[-1].status}, objective {_f(runs[-1].objective, '{:,.0f}')}, "
                f"{time.perf_counter() - started:.1f} s wall[/dim]"
            )
        every += runs
        medians.append(median_run(runs))
    console.print(results_table(medians, workers, repeat))
    if json_path is not None:
        json_path.write_text(json.dumps([asdict(r) for r in every], indent=2) + "\n", encoding="utf-8")


@bench.command("team")
@guarded
def team_command(
    size: Annotated[str, typer.Argument(help="S, M, L, XL, H or LARGE.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="YAML file to write.")],
    team_seed: Annotated[int, typer.Option("--team-seed", help="Generator seed.")] = 0,
) -> None:
    """Write a synthetic team file, to solve or inspect with the other commands."""
    name = _sizes(size)[0]
    doc = synthetic_document(name, team_seed)
    output.write_text(team_yaml(name, team_seed, doc), encoding="utf-8")
    roles = len(doc["roles"])
    Console().print(f"wrote {output}: {len(doc['people'])} people, {roles} role{'s' * (roles != 1)}")


bench_curtois.register(bench)
bench_fairness.register(bench)
bench_compare.register(bench)
bench_feeds.register(bench)
bench_pages.register(bench)
