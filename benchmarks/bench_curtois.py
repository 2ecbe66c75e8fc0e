"""``rota bench curtois``: the Curtois & Qu benchmark, registered on the bench group.

Each instance is imported into a team (``benchmarks.curtois.to_team``), solved by the product's own
``rota.solver.solve`` in a fresh Python process (so its peak memory can be measured alone), written as
``DIR/InstanceN.csv`` and scored by the independent evaluator ``benchmarks.curtois_eval``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

FIRST, LAST = 1, 24
# The project's own copy of the instances, found from this file so any working directory will do.
DEFAULT_BENCHMARKS = Path(__file__).resolve().parents[1] / "data" / "benchmarks" / "curtois"
DEFAULT_OUT = Path("out/curtois")


def parse_range(text: str, low: int = FIRST, high: int = LAST) -> list[int]:
    """``"1-3,7"`` → ``[1, 2, 3, 7]``; ``ValueError`` naming what is wrong."""
    out: list[int] = []
    parts = [p.strip() for p in text.split(",")]
    if not text.strip() or not all(parts):
        raise ValueError(f'"{text}" is not a list of instance numbers like 1-10 or 1,3,5')
    for part in parts:
        m = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if not m:
            raise ValueError(f'"{part}" is not an instance number or a range like 1-10')
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) else a
        if b < a:
            raise ValueError(f'"{part}" runs backwards')
        if a < low or b > high:
            raise ValueError(f'"{part}" is outside {low}-{high}')
        out.extend(n for n in range(a, b + 1) if n not in out)
    return out


def _child_main(argv: list[str]) -> int:
    """Runs in a fresh interpreter: import, solve, write the roster and a JSON summary."""
    path, out_csv, summary_json, time_limit, workers = argv
    summary: dict[str, Any]
    try:
        from benchmarks.curtois import read_instance, roster_rows, to_team, write_roster
        from benchmarks.limits import as_effort
        from rota.load import parse_team
        from rota.solver import SolveParams, solve

        inst = read_instance(path)
        team = parse_team(to_team(inst), inst.name)
        started = time.monotonic()
        result = solve(team, params=SolveParams(**as_effort(float(time_limit)), workers=int(workers)))
        wall = time.monotonic() - started
        write_roster(out_csv, roster_rows(inst, result.duties))
        status = getattr(result.status, "value", result.status)
        seconds = getattr(result, "seconds", None)
        summary = {
            "objective": result.objective,
            "bound": result.bound,
            "status": str(status),
            "seconds": seconds if seconds is not None else wall,
            "duties": len(result.duties),
            "message": getattr(result.document.solver, "message", None),
        }
    except Exception as exc:  # reported to the parent, which prints one line
        summary = {"error": f"{type(exc).__name__}: {exc}"}
    Path(summary_json).write_text(json.dumps(summary, default=str), encoding="utf-8")
    return 0 if "error" not in summary else 1


CHILD = "import sys; from benchmarks.bench_curtois import _child_main; sys.exit(_child_main(sys.argv[1:]))"


def run_instance(path: Path, out_csv: Path, time_limit: float, workers: int) -> dict[str, Any]:
    """Solve one instance in a fresh Python process; its summary plus its peak RSS (``peak_kib``).

    The peak is the child's own ``ru_maxrss`` as ``wait4`` reports it when the child ends: the
    whole solve (interpreter, import, model, search) and nothing of this process. The child's
    output goes to ``InstanceN.log`` beside the roster.
    """
    summary_json = out_csv.with_suffix(".json")
    summary_json.unlink(missing_ok=True)
    # a deterministic solve stops by itself at 4 × limit + 10 wall s; importing and building come on top
    allowance = time_limit * 4 + 130
    with out_csv.with_suffix(".log").open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD,
                str(path),
                str(out_csv),
                str(summary_json),
                repr(time_limit),
                str(workers),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + allowance
    timed_out = False
    try:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                timed_out = True
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.1)
    except KeyboardInterrupt:
        proc.kill()
        proc.wait()
        raise
    proc.returncode = os.waitstatus_to_exitcode(status)
    if timed_out:
        summary = {"error": f"no answer within {allowance:.0f} s; stopped"}
    elif summary_json.exists():
        summary = json.loads(summary_json.read_text(encoding="utf-8"))
        summary_json.unlink()
    else:
        how = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit code {proc.returncode}"
        summary = {
            "error": f"the solver process ended ({how}) without an answer; see {out_csv.with_suffix('.log')}"
        }
    summary["peak_kib"] = usage.ru_maxrss
    return summary


def _best_known(benchmarks: Path) -> dict[str, tuple[int, int]]:
    path = benchmarks / "best-known.csv"
    if not path.exists():
        return {}
    with path.open(newline="") as fh:
        return {r["instance"]: (int(r["best_known"]), int(r["lower_bound"])) for r in csv.DictReader(fh)}


def _num(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return str(value)


COLUMNS = [
    "instance",
    "staff",
    "days",
    "objective",
    "best_known",
    "lower_bound",
    "gap_pct",
    "solver_bound",
    "seconds",
    "status",
    "hard_violations",
    "peak_mib",
]


def register(bench: typer.Typer) -> None:
    """Add the ``curtois`` command to the bench group."""

    @bench.command("curtois")
    def curtois(
        instances: str = typer.Option("1-24", "--instances", help="Instance numbers: 1-24, 1-5,9, …"),
        time_limit: float = typer.Option(
            60.0,
            "--time-limit",
            min=0.1,
            help="Effort per instance in deterministic units (wall seconds are capped at 4 × this "
            "+ 10 s), so the tables stay comparable with earlier runs; rota bench compare holds "
            "solves to wall seconds.",
        ),
        workers: int = typer.Option(2, "--workers", min=1, help="Solver search workers."),
        out: Path = typer.Option(DEFAULT_OUT, "--out", help="Folder for rosters and summary.csv."),
        benchmarks: Path = typer.Option(
            DEFAULT_BENCHMARKS,
            "--benchmarks",
            show_default=False,
            help="Folder of InstanceN.txt and best-known.csv "
            "(default: the project's data/benchmarks/curtois).",
        ),
    ) -> None:
        """Solve Curtois & Qu instances, score each roster independently, compare with the best known."""
        err = Console(stderr=True)

        def fail(message: str) -> None:
            err.print(f"rota bench curtois: {message}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2)

        try:
            numbers = parse_range(instances)
        except ValueError as exc:
            fail(f"--instances: {exc}")
        if not benchmarks.is_dir():
            fail(f"no such directory: {benchmarks} (give --benchmarks)")
        missing = [n for n in numbers if not (benchmarks / f"Instance{n}.txt").is_file()]
        if missing:
            fail(f"{benchmarks} has no Instance{missing[0]}.txt")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            fail(f"cannot create {out}: {exc.strerror or exc}")
        try:
            from rota import solver

            if not hasattr(solver, "solve"):
                raise ImportError
        except ImportError:
            fail("the solver package is not available")

        from benchmarks.curtois import InstanceError, read_instance
        from benchmarks.curtois_eval import evaluate_files

        best = _best_known(benchmarks)
        console = Console()
        rows: list[dict[str, Any]] = []
        problems = 0
        for n in numbers:
            name = f"Instance{n}"
            path = benchmarks / f"{name}.txt"
            try:
                inst = read_instance(path)
            except InstanceError as exc:
                fail(str(exc))
            console.print(
                f"[dim]{name}: {len(inst.staff)} staff × {inst.horizon} days, "
                f"solving for up to {time_limit:g} s …[/dim]"
            )
            roster = out / f"{name}.csv"
            roster.unlink(missing_ok=True)
            try:
                summary = run_instance(path, roster, time_limit, workers)
            except KeyboardInterrupt:
                err.print("rota bench curtois: interrupted", highlight=False)
                raise typer.Exit(130) from None
            seconds, peak = summary.get("seconds"), summary.get("peak_kib")
            known, lower = best.get(name, (None, None))
            row: dict[str, Any] = {
                "instance": name,
                "staff": len(inst.staff),
                "days": inst.horizon,
                "best_known": known,
                "lower_bound": lower,
                "solver_bound": summary.get("bound"),
                "seconds": round(seconds, 1) if seconds is not None else None,
                "status": summary.get("status", "error"),
                "peak_mib": round(peak / 1024) if peak else None,
                "objective": None,
                "gap_pct": None,
                "hard_violations": None,
            }
            if "error" in summary:
                problems += 1
                console.print(f"[red]{name}: {summary['error']}[/red]", highlight=False, soft_wrap=True)
            if "error" not in summary and not summary.get("duties", 1):
                problems += 1  # no rota: an empty roster would only score every rule broken
                reason = summary.get("message") or "no roster"
                console.print(f"[red]{name}: no roster ({row['status']}): {reason}[/red]", highlight=False)
            elif roster.exists():
                ev = evaluate_files(path, roster)
                row["objective"] = ev.objective
                row["hard_violations"] = len(ev.violations)
                if known:
                    row["gap_pct"] = round(100 * (ev.objective - known) / known, 2)
                if ev.violations:
                    problems += 1
                    for v in ev.violations[:5]:
                        console.print(f"[red]{name}: {v}[/red]", highlight=False, soft_wrap=True)
                reported = summary.get("objective")
                if reported is not None and abs(reported - ev.objective) > 1e-6:
                    problems += 1
                    console.print(
                        f"[red]{name}: the solver reports {reported}, "
                        f"the evaluator finds {ev.objective}[/red]"
                    )
            rows.append(row)

        table = Table(title=f"Curtois & Qu, time limit {time_limit:g} s, {workers} workers")
        headers = [
            "instance",
            "staff",
            "days",
            "ours",
            "best known",
            "lower bound",
            "gap %",
            "solver bound",
            "s",
            "status",
            "hard viol.",
            "peak MiB",
        ]
        for i, h in enumerate(headers):
            table.add_column(h, justify="left" if i in (0, 9) else "right")
        for r in rows:
            table.add_row(*(_num(r[c]) if c != "gap_pct" or r[c] is None else f"{r[c]:.2f}" for c in COLUMNS))
        wide = console if console.is_terminal else Console(width=140)  # piped: don't squeeze the table
        wide.print(table)
        with (out / "summary.csv").open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows({c: "" if r[c] is None else r[c] for c in COLUMNS} for r in rows)
        console.print(f"rosters and summary.csv in {out}", highlight=False)
        if problems:
            raise typer.Exit(1)
