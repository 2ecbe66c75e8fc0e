"""The solution callback: progress reports, the stop event, and the first rota without gaps."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from rota.records import Duty
from rota.solver.params import Progress, SolveParams


class Checkpoint:
    """Hands ``params.on_rota`` the best rota so far, at most every ``params.checkpoint_seconds``."""

    def __init__(self, params: SolveParams):
        self.params = params
        self.last = float("-inf")

    def due(self) -> bool:
        return (
            self.params.on_rota is not None
            and time.perf_counter() - self.last >= self.params.checkpoint_seconds
        )

    def send(self, duties: list[Duty]) -> None:
        self.last = time.perf_counter()
        if self.params.on_rota is not None:
            self.params.on_rota(duties)


class Watcher(cp_model.CpSolverSolutionCallback):
    """Reports each improving rota in objective units. Stopping is ``StopThread``'s: CP-SAT 9.15's
    interleaved search aborts the process when ``stop_search`` is called from inside a callback."""

    def __init__(
        self,
        params: SolveParams,
        started: float,
        scale: int,
        total: cp_model.LinearExpr,
        gap: cp_model.LinearExpr | None,
        bound: float | None = None,
        checkpoint: Checkpoint | None = None,
        rota: Callable[[Callable[[cp_model.IntVar], bool]], list[Duty]] | None = None,
        report: Callable[[float, float, int | None, float], Progress] | None = None,
        floor: float = 0.0,
    ):
        super().__init__()
        self.checkpoint, self.rota = checkpoint, rota
        self.params = params
        self.started = started
        self.scale = scale
        self.total = total
        self.gap = gap
        self.fixed_bound = bound  # re-planning's second phase reports the first phase's bound
        self.first_zero_gap: float | None = None
        self.report = report  # a Progress with the effort spent and the seconds left (``Budget.progress``)
        self.floor = floor  # the bound proved before the search (``Built.floor``), in objective units

    def on_solution_callback(self) -> None:
        elapsed = time.perf_counter() - self.started
        gap = int(self.value(self.gap)) if self.gap is not None else None
        if gap == 0 and self.first_zero_gap is None:
            self.first_zero_gap = elapsed
        if self.params.progress is not None:
            objective = self.value(self.total) / self.scale
            bound = (
                self.fixed_bound if self.fixed_bound is not None else self.best_objective_bound / self.scale
            )
            bound = max(bound, self.floor)
            if self.report is not None:
                progress = self.report(objective, min(bound, objective), gap, self.deterministic_time)
            else:
                progress = Progress(
                    objective=objective, bound=min(bound, objective), elapsed=elapsed, gap_minutes=gap
                )
            self.params.progress(progress)
        if self.checkpoint is not None and self.rota is not None and self.checkpoint.due():
            self.checkpoint.send(self.rota(self.boolean_value))


class StopThread:
    """Stops the search as soon as the caller's event is set, even between solutions."""

    def __init__(self, solver: cp_model.CpSolver, event: threading.Event | None):
        self.solver = solver
        self.event = event
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> StopThread:
        if self.event is not None:
            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()
        return self

    def _run(self) -> None:
        while not self.done.is_set():
            if self.event is not None and self.event.wait(0.05):
                self.solver.stop_search()
                return

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()
