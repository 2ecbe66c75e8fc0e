"""Solves in a child process: the API process never builds a model, memory and CPU are capped, a stop
ends the search within a second, and the best rota so far comes back as the search improves it.

The child (a ``forkserver`` process with the solver already imported) gets the team, the horizon
and the solve parameters, and sends messages back on a pipe: ``progress`` (objective, bound,
elapsed, gap minutes), ``rota`` (the best assignments so far, at most every few seconds), then one
``result`` (the ``SolveResult``) or ``error`` (a one-line reason). The parent sends ``stop``.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger(__name__)
STOP_GRACE = 5.0  # seconds a stopped child may take to send its best rota before it is killed
MiB = 1024 * 1024
START_HEADROOM = 256 * MiB  # address space a solve's threads take beyond what is mapped at its start


@dataclass(frozen=True)
class ChildLimits:
    """What one solve may use: address space (bytes), CPU seconds and wall seconds (0: no cap). The
    wall cap catches a child stuck without using CPU (a thread that could not start, say)."""

    memory_bytes: int = 0
    cpu_seconds: int = 0
    wall_seconds: float = 0


class SolveFailed(RuntimeError):
    """The child ended without a result: out of memory, killed, or an error in the solve."""


def _context() -> Any:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["rota.solver", "rota.api.jobs.child"])
    return ctx


def solve_in_child(
    team: Any,
    start: date,
    end: date,
    params: dict[str, Any],
    *,
    limits: ChildLimits,
    stop: threading.Event,
    on_progress: Callable[[Any], None] | None = None,
    on_rota: Callable[[list[Any]], None] | None = None,
    baseline: list[Any] | None = None,
) -> Any:
    """The ``SolveResult`` of solving ``team`` (a ``Team``) in a child; ``SolveFailed`` when it dies.

    ``params`` are ``SolveParams`` fields (plain values); ``baseline`` (duties) turns on re-planning.
    Setting ``stop`` stops the search, keeping the best rota; a child that does not answer within
    ``STOP_GRACE`` after that is killed.
    """
    ctx = _context()
    parent, child = ctx.Pipe()
    process = ctx.Process(
        target=_child_main,
        args=(child, team, start, end, params, limits, baseline),
        name="rota-solve",
        daemon=True,
    )
    process.start()
    child.close()
    stopped_at: float | None = None
    deadline = time.monotonic() + limits.wall_seconds if limits.wall_seconds else None
    try:
        while True:
            if deadline is not None and time.monotonic() > deadline:
                process.kill()
                raise SolveFailed(
                    f"the solve ran past its wall-clock cap ({limits.wall_seconds:g} s) and "
                    "was ended (out of memory? the cap is ROTA_SOLVE_MEMORY_MB)"
                )
            if stop.is_set() and stopped_at is None:
                stopped_at = time.monotonic()
                _send(parent, ("stop",))
            if stopped_at is not None and time.monotonic() - stopped_at > STOP_GRACE:
                process.kill()
                raise SolveFailed("the solve did not stop in time and was ended")
            if not parent.poll(0.1):
                if not process.is_alive() and not parent.poll(0):
                    raise SolveFailed(_death(process))
                continue
            try:
                message = parent.recv()
            except EOFError:
                process.join(1)
                raise SolveFailed(_death(process)) from None
            kind = message[0]
            if kind == "progress" and on_progress is not None:
                on_progress(message[1])
            elif kind == "rota" and on_rota is not None:
                on_rota(message[1])
            elif kind == "result":
                return message[1]
            elif kind == "error":
                raise SolveFailed(message[1])
    finally:
        parent.close()
        process.join(STOP_GRACE)
        if process.is_alive():
            process.kill()
            process.join()


def _send(conn: Connection, message: tuple) -> None:
    with contextlib.suppress(BrokenPipeError, OSError):  # the other end is gone: nobody to tell
        conn.send(message)


def _death(process: Any) -> str:
    """Why a child ended without a result, in words."""
    code = process.exitcode
    if code is not None and code < 0:
        import signal

        name = signal.Signals(-code).name
        if name == "SIGXCPU":
            return "the solve used up its CPU time limit (ROTA_SOLVE_CPU_SECONDS)"
        if name == "SIGKILL":
            return "the solve process was killed (out of memory?)"
        if name == "SIGABRT":
            return "the solve process aborted (out of memory? the cap is ROTA_SOLVE_MEMORY_MB)"
        return f"the solve process ended by {name}"
    return f"the solve process ended unexpectedly (exit status {code})"


def _address_space() -> int | None:
    """This process's address space in bytes (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _child_main(
    conn: Connection,
    team: Any,
    start: date,
    end: date,
    params: dict[str, Any],
    limits: ChildLimits,
    baseline: list[Any] | None,
) -> None:
    """In the child: cap resources, solve, send progress, checkpoints and the result."""
    import resource

    if limits.memory_bytes:
        in_use = _address_space()
        if in_use is not None and in_use + START_HEADROOM > limits.memory_bytes:
            _send(
                conn,
                (
                    "error",
                    f"the solve's memory cap ({limits.memory_bytes // MiB} MiB, "
                    f"ROTA_SOLVE_MEMORY_MB) is below what a solve needs to start "
                    f"({(in_use + START_HEADROOM) // MiB} MiB)",
                ),
            )
            conn.close()
            return
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    if limits.cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    lock = threading.Lock()

    def send(message: tuple) -> None:
        with lock:
            _send(conn, message)

    stop = threading.Event()
    too_big = (
        f"the solve needed more memory than its cap ({limits.memory_bytes // MiB} MiB, ROTA_SOLVE_MEMORY_MB)"
    )

    def thread_failed(args: threading.ExceptHookArgs) -> None:
        """A thread out of memory (CP-SAT's or ours) would leave the solve waiting forever: end it."""
        if issubclass(args.exc_type, MemoryError):
            send(("error", too_big))
            os._exit(3)

    threading.excepthook = thread_failed

    def listen() -> None:
        try:
            while True:
                if conn.recv()[0] == "stop":
                    stop.set()
                    return
        except (EOFError, OSError):
            stop.set()  # the parent is gone: stop, nobody will read the result

    try:
        threading.Thread(target=listen, daemon=True).start()
        from rota.solver import SolveParams
        from rota.solver.churn import solve_replan  # a re-plan also proves how few changes it could make

        result = solve_replan(
            team,
            start,
            end,
            SolveParams(
                **params,
                stop=stop,
                baseline=baseline,
                progress=lambda p: send(("progress", p)),
                on_rota=lambda duties: send(
                    ("rota", [(d.person, d.role, d.shift, d.date.isoformat()) for d in duties])
                ),
            ),
        )
        send(("result", result))
    except MemoryError:
        send(("error", too_big))
    except Exception as exc:
        send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()
