"""The ``rota`` command: assembles the command groups of each area into one typer app."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from rota.cli.app import app


def run(args: Sequence[str] | None = None) -> int:
    """Run ``rota`` with ``args`` (default: the process's) and return the exit status.

    A mistake typer finds in the command line itself (an unknown option, a value out of range, a
    missing argument) is one line on stderr and exit status 2, like every other bad input
    (``rota.cli.errors``); ``rota`` alone and ``--help`` print the help.
    """
    from rota.cli import commands  # noqa: F401  (registers every command on ``app``)

    try:
        result = app(args=list(args) if args is not None else None, prog_name="rota", standalone_mode=False)
    except typer.TyperException as exc:  # typer's (vendored click's) usage errors
        code = getattr(exc, "exit_code", 2)
        if type(exc).__name__ == "NoArgsIsHelpError":  # typer has printed the help
            return code
        text = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        command = getattr(getattr(exc, "ctx", None), "command_path", None) or "rota"
        typer.echo(f"{command}: {' '.join(text.split())}", err=True)
        return code
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run())
