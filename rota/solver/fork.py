"""Deterministic search on several processes (issue 22): K searches side by side, the best kept in a
fixed order.

A reproducible search is CP-SAT's interleaved search on one thread, stopped by deterministic time:
its answer is the same whatever the machine's load. To use more cores without losing that, once
phase 1 has its rota (``rota.solver.phases``), the solving process forks K - 1 children from itself
(the built model, hinted with that rota, is already in memory: nothing is serialised on the way
in). Each runs phases 2 and 3 -- CP-SAT on the whole objective, then block neighbourhoods -- with
the seed ``seed + n``, the same effort and its own share of it for the neighbourhoods
(``phases.CHILD_LNS_SHARES``), while the solving process runs them with ``seed``, as it would
alone. The children send their best rota back on a pipe; of equal rotas the lowest seed's is
kept. So the rota depends on the input, the seed, the effort and K, never on timing or load --
unless the wall-clock limit ends a search early, which the document then says (``reproducible:
false``) -- and K makes it better, not different: the rota of K processes is never worse than that
of K - 1 (the same searches, one more beside them). K is recorded in the rota document
(``solver.processes``), so two machines can agree on it.

Processes, not threads: OR-Tools 9.15 aborts the process when a multi-thread interleaved search is
stopped, and separate processes share nothing. ``os.fork`` itself, not ``multiprocessing``: the
API's solve process is a daemonic ``multiprocessing`` child, which may not start others.

Measured and dropped (2026-12-07): K whole-model searches in rounds of 2.5 units, the best rota of
each round the next round's hint and cutoff (each round started CP-SAT afresh: at equal wall time
it lost to one process on Curtois 5 and 7, +47 % and +548 %); and block neighbourhoods re-solved K
at a time from the same rota, the best of each batch kept (at effort 10 the medians of three seeds
moved by -8 % to +4 % on Curtois 5, 7, 8 and 10: no better than one process).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import select
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rota.solver.params import SolveParams

log = logging.getLogger(__name__)
GRACE = 5.0  # wall seconds past the searches' own limit before a silent child is given up


def cores() -> int:
    """The cores this process may run on: the default K."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class Answer:
    """What one process's search found: CP-SAT's status (of its best rota), the objective in scaled
    model units and every variable's value (None: no rota), the deterministic units it spent, the
    bound it proved (objective units), and whether the wall clock cut it short."""

    status: int
    objective: int | None
    deterministic_time: float
    solution: list[int] | None
    bound: float | None = None
    cut: bool = False


def processes(params: SolveParams) -> int:
    """K: the searches a reproducible solve runs side by side (``params.processes``, else the
    cores available)."""
    return max(1, params.processes if params.processes is not None else cores())


def _start(task: Callable[[], Answer]) -> tuple[int, int]:
    """Fork a child that runs ``task``, writes its answer (pickled) to a pipe and exits at once (no
    atexit, none of the parent's threads); the child's pid and the pipe's reading end. ``os.fork``
    itself, not ``multiprocessing``: a daemonic process (the API's solve process) may fork too."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(read)
            data = pickle.dumps(task(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as out:
                out.write(data)
        except BaseException:  # the parent reads a missing answer as a lost search
            pass
        finally:
            os._exit(0)
    os.close(write)
    return pid, read


def _collect(pid: int, read: int, deadline: float) -> Answer | None:
    """The answer of child ``pid`` from its pipe, or None when it died or had not answered by
    ``deadline`` (``time.monotonic``; it is then killed). The child is reaped."""
    chunks: list[bytes] = []
    answer = None
    try:
        while True:
            ready, _, _ = select.select([read], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                break
            chunk = os.read(read, 1 << 20)
            if not chunk:
                answer = pickle.loads(b"".join(chunks)) if chunks else None
                break
            chunks.append(chunk)
    except (OSError, pickle.UnpicklingError, EOFError):
        answer = None
    finally:
        os.close(read)
        os.waitpid(pid, 0)
    return answer if isinstance(answer, Answer) else None


class Children:
    """Tasks started at once, each in its own forked child process; ``answers`` waits for them,
    ``kill`` ends them. Where no process can be forked (no ``os.fork``, or none left) fewer
    children run: ``started`` says how many."""

    def __init__(self, tasks: Sequence[Callable[[], Answer]]):
        self.children: list[tuple[int, int]] = []
        if not hasattr(os, "fork"):
            return
        for task in tasks:
            try:
                self.children.append(_start(task))
            except OSError as exc:  # no more processes, or memory
                log.warning("could not start a search process (%s): %d run", exc, len(self.children))
                break

    @property
    def started(self) -> int:
        return len(self.children)

    def answers(self, wall: float) -> list[Answer | None]:
        """The answers in task order (None: the process died, or said nothing within ``wall`` +
        ``GRACE`` seconds and was killed)."""
        deadline = time.monotonic() + wall + GRACE
        out = [_collect(pid, read, deadline) for pid, read in self.children]
        self.children = []
        return out

    def kill(self) -> None:
        for pid, read in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _collect(pid, read, 0.0)
        self.children = []
