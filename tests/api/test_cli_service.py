"""The service commands: db upgrade, import, token, generate, publish; one-line errors and exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from apikit import team_doc
from typer.testing import CliRunner

from api.settings import get_settings

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def rota(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """Run ``rota …`` against a fresh SQLite file; returns (exit code, stdout, stderr)."""
    import cli.commands  # noqa: F401  (registers the commands)
    from cli.main import app

    monkeypatch.setenv("ROTA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    yield run
    get_settings.cache_clear()


def test_the_service_commands_end_to_end(rota: Run, tmp_path: Path) -> None:
    team_file = tmp_path / "tiny-desk.json"
    team_file.write_text(json.dumps(team_doc()), encoding="utf-8")
    code, _, err = rota("import", str(team_file))
    assert code == 2 and "rota db upgrade" in err
    assert rota("db", "upgrade")[0] == 0
    code, out, _ = rota("import", str(team_file), "--id", "tiny")
    assert code == 0 and out.strip() == "tiny: Tiny Help Desk, version 1 (created)"
    code, out, _ = rota("token", "create", "--role", "lead", "--team", "tiny")
    assert code == 0 and out.strip().startswith("rota_") and len(out.strip()) > 40
    code, out, _ = rota("generate", "tiny", "--from", "2026-10-19", "--to", "2026-10-23", "--time-limit", "1")
    assert code == 0 and out.startswith("rota 1: ")
    code, out, _ = rota("publish", "1", "--version", "1")
    assert code == 0 and "published 2026-10-19 to 2026-10-23 (version 2)" in out
    code, _, err = rota("publish", "1", "--version", "1")
    assert code == 2 and err.strip() == "version: rota 1 is at version 2, not 1: reload it and try again"
    code, out, _ = rota("token", "feed", "--team", "tiny", "--person", "noor")
    assert code == 0 and out.strip().startswith("http://127.0.0.1:8000/calendars/cal_")


def test_bad_input_is_one_line_and_exit_2(rota: Run, tmp_path: Path) -> None:
    rota("db", "upgrade")
    bad = tmp_path / "bad.yaml"
    bad.write_text("team: x\n", encoding="utf-8")
    code, _, err = rota("import", str(bad))
    assert code == 2 and err.startswith("bad.yaml: ") and len(err.strip().splitlines()) == 1
    code, _, err = rota("token", "create", "--role", "boss")
    assert code == 2 and err.strip() == 'role: unknown role "boss" (known: lead, hr, staff)'
    code, _, err = rota("generate", "nope", "--month", "2026-12")
    assert code == 2 and err.strip() == 'team_id: no team "nope"'
    assert rota("token", "revoke", "42")[0] == 2
