"""The solution callback: progress reports, the stop event, and the first rota without gaps."""

from __future__ import annotations

import threading
import time

from ortools.sat.python import cp_model

from solver.params import Progress, SolveParams


class Watcher(cp_model.CpSolverSolutionCallback):
    """Reports each improving rota in objective units. Stopping is ``StopThread``'s: CP-SAT 9.15's
    interleaved search aborts the process when ``stop_search`` is called from inside a callback."""

    def __init__(self, params: SolveParams, started: float, scale: int,
                 total: cp_model.LinearExpr, gap: cp_model.LinearExpr | None,
                 bound: float | None = None):
        super().__init__()
        self.params = params
        self.started = started
        self.scale = scale
        self.total = total
        self.gap = gap
        self.fixed_bound = bound  # re-planning's second phase reports the first phase's bound
        self.first_zero_gap: float | None = None

    def on_solution_callback(self) -> None:
        elapsed = time.perf_counter() - self.started
        gap = int(self.value(self.gap)) if self.gap is not None else None
        if gap == 0 and self.first_zero_gap is None:
            self.first_zero_gap = elapsed
        if self.params.progress is not None:
            objective = self.value(self.total) / self.scale
            bound = self.fixed_bound if self.fixed_bound is not None else \
                self.best_objective_bound / self.scale
            self.params.progress(Progress(objective=objective, bound=min(bound, objective),
                                          elapsed=elapsed, gap_minutes=gap))


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
