"""Shared fixtures: a small team builder (``make_team``) and folders of example teams (``spec_examples``)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rota.load import parse_team
from rota.team import Team

# Our own example teams, and (only when a ../shared folder sits beside the checkout) the contract's.
OUR_EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"
SPEC_EXAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "spec" / "examples"

# Two weeks (Mon 7 - Sun 20 Dec 2026) in London, open every day; rules at the spec's defaults.
BASE_TEAM: dict[str, Any] = {
    "team": "Test Desk",
    "timezone": "Europe/London",
    "period": {"start": "2026-12-07", "end": "2026-12-20"},
    "opening_hours": {"daily": "07:00-23:00"},
    "roles": {
        "desk": {"skills": ["desk"], "demand": [{"time": "opening_hours", "min": 1}]},
        "smod": {"skills": ["smod"], "demand": [{"time": "09:00-17:00", "min": 1}]},
    },
    "shifts": {
        "early": {"start": "07:00", "end": "15:00"},
        "late": {"start": "15:00", "end": "23:00"},
        "day": {"start": "09:00", "end": "17:00"},
        "night": {"start": "22:00", "end": "06:00"},
    },
    "people": [
        {"id": "amara", "skills": ["desk", "smod"]},
        {"id": "ben", "skills": ["desk"]},
        {"id": "chloe", "skills": ["desk"], "days": "mon-fri"},
    ],
}


def build_team(**overrides: Any) -> Team:
    """A checked ``Team`` from ``BASE_TEAM`` with top-level keys replaced (``None`` removes a key)."""
    data = copy.deepcopy(BASE_TEAM)
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = copy.deepcopy(value)
    return parse_team(data, "test-team")


@pytest.fixture
def make_team() -> Callable[..., Team]:
    """``make_team(**overrides)``: the base test team with top-level keys replaced."""
    return build_team


@pytest.fixture
def base_team_data() -> dict[str, Any]:
    """A fresh copy of the base test team's document, to edit before ``parse_team``."""
    return copy.deepcopy(BASE_TEAM)


@pytest.fixture(params=["ours", "shared"])
def spec_examples(request: pytest.FixtureRequest) -> Path:
    """A folder of example team files valid under the contract, once for each of two folders.

    ``ours``: ``data/examples`` in the repository, always there. ``shared``: the contract's own
    examples in ``../shared/spec/examples`` beside the checkout, skipped when that folder is absent.
    """
    if request.param == "ours":
        return OUR_EXAMPLES
    if not SPEC_EXAMPLES.is_dir():
        pytest.skip(f"the contract's examples are not beside the checkout: {SPEC_EXAMPLES} is missing")
    return SPEC_EXAMPLES


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file (the service's tests, API and pages); each test copies it."""
    from rota.api.db import make_engine
    from rota.api.migrate import upgrade

    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def rota(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """Run ``rota …`` in-process against a fresh SQLite file (``cli.db``, not migrated yet), the settings
    read afresh on each run; returns (exit code, stdout, stderr). A module overrides it to add to it."""
    from typer.testing import CliRunner

    import rota.cli.commands  # noqa: F401  (registers the commands)
    from rota.api.settings import get_settings
    from rota.cli.main import app

    monkeypatch.setenv("ROTA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        get_settings.cache_clear()
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    yield run
    get_settings.cache_clear()
