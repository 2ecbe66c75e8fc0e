"""The CLI's one error policy: bad input is one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import typer

from rota.load import TeamFileError

EXIT_USAGE = 2
F = TypeVar("F", bound=Callable[..., Any])


class CliError(Exception):
    """A mistake in the command line or its input; ``str(error)`` is the whole one-line message."""


def fail(message: str) -> NoReturn:
    """Stop the command with ``message`` (exit status 2)."""
    raise CliError(message)


def guarded(func: F) -> F:
    """Wrap a command so input errors print one line on stderr and exit with status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (CliError, TeamFileError) as exc:
            _exit_with(str(exc))
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _exit_with(message: str) -> NoReturn:
    """Print ``message`` on stderr and exit with status 2: one line, or for a team file with several
    mistakes one line each (``file: path: what``, capped, then a count of the rest)."""
    typer.echo(message.strip() or "error", err=True)
    raise typer.Exit(EXIT_USAGE)
