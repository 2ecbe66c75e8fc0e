"""Solve parameters and progress reports: the knobs a caller turns and what it hears back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from rota.records import Duty

Strategy = Literal["auto", "whole", "people"]  # SolveParams.strategy


@dataclass
class Progress:
    """One improving rota during the search: objective and bound in objective units."""

    objective: float
    bound: float
    elapsed: float
    gap_minutes: int | None


@dataclass
class SolveParams:
    """How long and how to search; ``hint`` seeds the search, ``baseline`` turns on re-planning."""

    time_limit: float = 30.0
    workers: int = 2
    seed: int = 0
    # Reproducible by default: CP-SAT's interleaved search with the limit counted in its deterministic
    # time (its work units, about a second each), so the same input gives the same rota whatever the
    # machine's load. ``False``: the parallel portfolio with a wall-clock limit (faster, varies by run).
    deterministic: bool = True
    # "whole": one model of the whole rota; "people": a few people at a time (``solver.people``);
    # "auto": whole unless the team has more duty variables than ``solver.people.WHOLE_MAX_VARS`` or
    # more dates than ``WHOLE_MAX_DAYS`` (a quarter)
    strategy: Strategy = "auto"
    progress: Callable[[Progress], None] | None = None
    stop: threading.Event | None = None
    hint: list[Duty] | None = None
    baseline: list[Duty] | None = None  # re-planning: keep these where possible
    log: bool = False
    # the best rota so far, at most every ``checkpoint_seconds`` (wall): a crash loses at most that
    on_rota: Callable[[list[Duty]], None] | None = None
    checkpoint_seconds: float = 5.0
