"""The ``rota`` typer app, a leaf: the command modules register on it and ``rota.cli.main`` runs it."""

from __future__ import annotations

import typer

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="On-duty rota and shift-coverage scheduler."
)
