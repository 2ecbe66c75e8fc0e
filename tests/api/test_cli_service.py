"""The service commands: db upgrade, import, token, generate, publish; one-line errors and exit 2."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from apikit import team_doc
from fastapi.testclient import TestClient

from benchmarks.bench_feeds import free_port
from rota.api.main import create_app
from rota.api.settings import get_settings
from rota.cli.demo import next_month

Run = Callable[..., tuple[int, str, str]]


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
    lines = err.strip().splitlines()  # one line per missing key, each naming the file and the key
    assert code == 2 and len(lines) == 5 and all(line.startswith("bad.yaml: ") for line in lines)
    code, _, err = rota("token", "create", "--role", "boss")
    assert code == 2 and err.strip() == 'role: unknown role "boss" (known: lead, hr, staff, integration)'
    code, _, err = rota("generate", "nope", "--month", "2026-12")
    assert code == 2 and err.strip() == 'team_id: no team "nope"'
    assert rota("token", "revoke", "42")[0] == 2


def test_next_month_rolls_over_the_year() -> None:
    from rota.cli.demo import next_month

    assert next_month(date(2026, 11, 23)) == "2026-12"
    assert next_month(date(2026, 12, 31)) == "2027-01"


def test_demo_solves_publishes_and_shows_next_month(rota: Run, tmp_path: Path) -> None:
    """``rota demo``: the demo on the embedded default (SQLite, in-process solving), then it exits."""
    code, out, err = rota("demo", "--time-limit", "3")
    assert code == 0, err
    month = next_month(date.today())
    assert f"published {month}: council-desk rota 1, smod rota 2" in out
    assert "Riverside Council IT Service Desk · council-desk rota 1 (published)" in out
    assert "Aoife Brennan" in out and "0 gaps" in out
    assert "serve them: make serve" in out
    assert (tmp_path / "cli.db").exists()
    code, _, err = rota("demo", "--examples", str(tmp_path / "none"))
    assert code == 2 and err.strip() == f"--examples: no team files (*.yaml) in {tmp_path / 'none'}"


def test_serve_demo_sets_up_everything_then_serves(
    rota: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``rota serve --demo`` (make demo): the month, token, docs and feed URLs printed work on the server."""
    import uvicorn

    served: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: served.append(kwargs))
    port = str(free_port())
    code, out, err = rota("serve", "--demo", "--demo-time-limit", "1", "--port", port)
    assert code == 0, err
    assert served and served[0]["port"] == int(port) and served[0]["host"] == "127.0.0.1"
    assert served[0]["proxy_headers"] is False  # the app reads X-Forwarded-For (ROTA_TRUSTED_PROXIES)
    month = next_month(date.today())
    assert f"published {month}: council-desk rota 1, smod rota 2" in out
    assert "Riverside Council IT Service Desk · council-desk rota 1 (published)" in out  # the month shown
    token = re.search(r"lead token \(council-desk, smod[^)]*\): (rota_\S+)", out).group(1)
    assert f"API docs: http://127.0.0.1:{port}/docs" in out
    feed = re.search(rf"aoife's calendar feed: http://127\.0\.0\.1:{port}(/calendars/cal_\S+\.ics)", out)
    assert feed and f"webcal://127.0.0.1:{port}/calendars/cal_" in out
    app = create_app(get_settings())
    app.state.clock = lambda: datetime.combine(date.today(), datetime.min.time(), tzinfo=UTC)
    with TestClient(app) as client:
        teams = client.get("/api/teams", headers={"Authorization": f"Bearer {token}"}).json()
        assert [t["id"] for t in teams][:2] == ["council-desk", "smod"]
        rotas = client.get("/api/teams/smod/rotas", headers={"Authorization": f"Bearer {token}"}).json()
        assert [(r["id"], r["state"], r["start"][:7]) for r in rotas] == [(2, "published", month)]
        ics = client.get(feed.group(1))
        assert ics.status_code == 200 and ics.text.count("BEGIN:VEVENT") > 0
    # run again on the same database: teams unchanged, new rotas supersede the old ones
    code, out, _ = rota("serve", "--demo", "--demo-time-limit", "1", "--port", port)
    assert code == 0 and "council-desk rota 4, smod rota 5" in out


def test_serve_on_a_busy_port_is_one_line(rota: Run) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = rota("serve", "--port", str(port))
    assert code == 2 and err.strip() == (
        f"cannot listen on 127.0.0.1:{port}: Address already in use; stop the other server or give --port"
    )


def test_database_errors_are_one_line(rota: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROTA_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    code, _, err = rota("publish", "1")
    assert code == 2 and err.startswith("cannot open the database postgresql+psycopg://nobody@127.0.0.1:1")
    assert len(err.strip().splitlines()) == 1


def test_bench_feeds_measures_every_phase_over_http(rota: Run, tmp_path: Path) -> None:
    out = tmp_path / "feeds.json"
    code, stdout, err = rota(
        "bench", "feeds", "--people", "3", "--days", "31", "--requests", "24", "--repeat", "1",
        "--concurrency", "2", "--json", str(out),
    )  # fmt: skip
    assert code == 0, err
    phases = json.loads(out.read_text())
    names = ["first render", "full body", "ETag hit (304)", "full body, no cache"]
    assert [p["name"] for p in phases] == names
    assert all(p["errors"] == 0 and p["rps"] > 0 and p["p99_ms"] >= p["p50_ms"] for p in phases)
    assert [p["requests"] for p in phases] == [3, 24, 24, 6]
    assert phases[2]["mean_kb"] == 0 and phases[1]["mean_kb"] > 1
    assert "req/s" in stdout


def test_token_create_checks_role_teams_and_person(rota: Run, tmp_path: Path) -> None:
    rota("db", "upgrade")
    team_file = tmp_path / "tiny.json"
    team_file.write_text(json.dumps(team_doc()), encoding="utf-8")
    rota("import", str(team_file))
    code, _, err = rota("token", "create", "--role", "staff", "--team", "tiny", "--person", "zed")
    assert code == 2 and err.strip() == 'teams[0]: team "tiny" has no person "zed"'
    code, out, _ = rota("token", "create", "--role", "staff", "--team", "tiny", "--person", "noor")
    assert code == 0 and out.startswith("rota_")
    code, _, err = rota("token", "create", "--role", "lead", "--team", "tiny", "--person", "noor")
    assert code == 2 and err.strip() == "person: only staff tokens name a person, not lead tokens"
    code, _, err = rota("token", "create", "--role", "hr", "--team", "tiny")
    assert code == 2 and err.strip() == "teams: an hr token reads every team: give no teams"
    code, _, err = rota("token", "create", "--role", "lead")
    assert code == 2 and err.strip() == "teams: a lead token needs at least one team"
    code, _, err = rota("token", "create", "--role", "lead", "--team", "Not A Team")
    assert code == 2 and err.strip() == 'teams[0]: "Not A Team" is not a valid team id'


def test_import_without_id_refuses_a_second_team_of_the_same_name(rota: Run, tmp_path: Path) -> None:
    """Issue 17.10: `rota import FILE` of a team already stored under another id says `--id` instead of
    storing a second team; `rota teams` shows the ids beside the names."""
    assert rota("db", "upgrade")[0] == 0
    code, out, err = rota("teams")
    assert code == 0 and out == "" and "no teams yet" in err
    first = tmp_path / "tiny.json"
    first.write_text(json.dumps(team_doc()), encoding="utf-8")
    assert rota("import", str(first))[1].strip() == "tiny: Tiny Help Desk, version 1 (created)"
    copy = tmp_path / "desk-copy.json"
    copy.write_text(json.dumps({**team_doc(), "team": "tiny help desk"}), encoding="utf-8")
    code, _, err = rota("import", str(copy))
    assert code == 2 and err.strip() == (
        'desk-copy.json: team: a team named "tiny help desk" is already stored as tiny: give --id tiny to '
        "store this file as its new version, or another --id for a separate team"
    )
    code, out, _ = rota("teams")
    assert code == 0 and [line.split("\t")[:3] for line in out.splitlines()] == [
        ["id", "name", "version"],
        ["tiny", "Tiny Help Desk", "1"],
    ]
    # the same id (its own file again), or an --id given, store as asked
    assert rota("import", str(first))[1].strip() == "tiny: Tiny Help Desk, version 1 (unchanged)"
    assert rota("import", str(copy), "--id", "tiny")[1].strip().endswith("version 2 (new version)")
    assert rota("import", str(copy), "--id", "desk-copy")[1].strip().endswith("version 1 (created)")
    code, out, _ = rota("teams")
    assert [line.split("\t")[:3] for line in out.splitlines()[1:]] == [
        ["desk-copy", "tiny help desk", "1"],
        ["tiny", "tiny help desk", "2"],
    ]
