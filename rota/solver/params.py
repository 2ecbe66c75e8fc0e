"""Solve parameters and progress reports: the knobs a caller turns and what it hears back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from rota.records import Duty

Strategy = Literal["auto", "whole", "people"]  # SolveParams.strategy

# Named efforts, in deterministic units (CP-SAT's deterministic seconds, plus the build charges of
# ``rota.solver.people``): what stops a reproducible search. A unit took 1-3.3 wall seconds on the
# 2-core development machine (idle to busy); "normal" proves the synthetic M team (40 people,
# a month) optimal or within 0.2 % and fits its default 60 wall seconds under load.
EFFORTS: dict[str, float] = {"quick": 2.0, "normal": 10.0, "thorough": 60.0}
DEFAULT_EFFORT = "normal"
DEFAULT_TIME_LIMIT = 60.0  # wall seconds


def parse_effort(text: str | float) -> float:
    """An effort from its name (``EFFORTS``) or a positive number of units; ValueError otherwise."""
    if isinstance(text, int | float):
        value = float(text)
    else:
        name = text.strip().lower()
        if name in EFFORTS:
            return EFFORTS[name]
        try:
            value = float(name)
        except ValueError:
            raise ValueError(
                f"{text!r} is not an effort: give {', '.join(EFFORTS)} or a number of units above 0"
            ) from None
    if not value > 0 or value != value or value == float("inf"):
        raise ValueError(f"an effort must be a number of units above 0, not {text!r}")
    return value


@dataclass
class Progress:
    """One improving rota during the search: objective and bound in objective units."""

    objective: float
    bound: float
    elapsed: float
    gap_minutes: int | None
    effort: float | None = None  # deterministic units spent so far (reproducible mode)
    seconds_left: float | None = None  # wall seconds until the time limit


@dataclass
class SolveParams:
    """How long and how to search; ``hint`` seeds the search, ``baseline`` turns on re-planning."""

    # Wall seconds from the call, a promise in every mode: the answer comes by then (plus the time
    # to score and write the rota). Building the model counts.
    time_limit: float = DEFAULT_TIME_LIMIT
    workers: int = 2
    seed: int = 0
    # Reproducible by default: CP-SAT's interleaved search on one thread, stopped by ``effort``
    # deterministic units, so the same input, seed and effort give the same rota whatever the
    # machine's load -- unless ``time_limit`` comes first (the document then says
    # ``reproducible: false`` and why). ``False``: the parallel portfolio stopped by the time limit
    # alone (faster on big teams, varies by run; ``effort`` is not used).
    deterministic: bool = True
    effort: float = EFFORTS[DEFAULT_EFFORT]
    # deterministic search on several processes (``rota.solver.fork``): after phase 1, phases 2 and 3
    # run this many times side by side, with seeds ``seed`` … ``seed + K - 1``, and the best rota is
    # kept; None (the default): the cores available. The rota depends on K (never on the machine's
    # load) and is never worse than with fewer; the document records K.
    processes: int | None = None
    # "whole": one model of the whole rota; "people": a few people at a time (``rota.solver.people``);
    # "auto": whole unless the team has more duty variables than ``rota.solver.people.WHOLE_MAX_VARS`` or
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
