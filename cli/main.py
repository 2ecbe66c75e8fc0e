"""The ``rota`` command: assembles the command groups of each area into one typer app."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="On-duty rota and shift-coverage scheduler.")


def main() -> None:
    from cli import commands  # noqa: F401  (registers the core commands on ``app``)

    app()
