"""schemathesis over the whole OpenAPI document, in-process (ASGI, no network), with every check
(``--checks all``): no 5xx, every status, header and body as documented, invalid requests refused, valid
ones accepted, the token never ignored.

Each generated request is sent with a token of each role (lead of "tiny", staff noor, hr), as generated
and again with its path ids replaced by ones that exist (team "tiny", a published rota, a job, a feed),
so the generated bodies and queries reach the code behind the look-ups too (the checks that judge the
request as generated, ``negative_data_rejection``, skip a call whose path or headers the harness
changed). A valid request may still be refused 422 where the API checks more than a schema can say (a
person the team does not have, a start after the end): ``SEMANTIC_422``. The number of examples per
operation is bounded (``EXAMPLES``) to keep the run near a minute on two cores; set
``ROTA_SCHEMATHESIS_EXAMPLES`` for a longer hunt. Runs on SQLite, and on PostgreSQL with
ROTA_TEST_DATABASE_URL.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from apikit import Tokens, empty_database, issue_tokens, quick_solve, team_doc
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import negative_data_rejection

from rota.api.main import create_app
from rota.api.settings import Settings

EXAMPLES = int(os.environ.get("ROTA_SCHEMATHESIS_EXAMPLES", "12"))
ROLES = ("lead", "staff", "hr")
# operations whose valid-by-schema requests may be refused for what the schema cannot say: the team
# file's cross-references, a person or role the team lacks, a start after the end, a stale version
SEMANTIC_422 = (
    "PUT /api/teams/{team_id}",
    "POST /api/teams/{team_id}/rotas",
    "POST /api/rotas/{rota_id}/edits",
    "POST /api/calendar-tokens",
    "GET /api/teams/{team_id}/coverage",
    "POST /api/rotas/{rota_id}/publish",
    "DELETE /api/rotas/{rota_id}",
    "GET /api/teams/{team_id}/on-duty",
    "POST /api/teams/{team_id}/webhooks",  # an unknown event, a URL that is not http(s)
    "GET /api/teams/{team_id}/deliveries",  # a state that is not pending, sent or failed
    "POST /api/teams/{team_id}/plans",
    "POST /api/teams/{team_id}/whatif",
    "POST /api/rotas/{rota_id}/replan",  # a person the team does not have, an absence ending before it starts
    "GET /api/teams/{team_id}/history/compare",  # two versions that share no date
    "GET /api/teams/{team_id}/fairness",  # a team without the fairness block, to before from
    # staff self-service: the rules refuse a request, a claim or an import row the schema cannot judge
    "POST /api/teams/{team_id}/requests",
    "POST /api/requests/{request_id}/accept",
    "POST /api/requests/{request_id}/approve",
    "POST /api/requests/{request_id}/decline",
    "POST /api/rotas/{rota_id}/open-shifts",
    "POST /api/open-shifts/{open_shift_id}/claim",
    "POST /api/teams/{team_id}/people/import",
    "POST /api/teams/{team_id}/leave/import",
    "POST /api/teams/{team_id}/closures/import",
)
CONFIG = SchemathesisConfig.from_str(
    f"""
[[operations]]
include-name = {list(SEMANTIC_422)!r}
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
""".replace("'", '"')
)


@dataclass
class Target:
    app: FastAPI
    tokens: Tokens
    known: dict[str, Any]  # path parameter → an id that exists


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Target]:
    """An app with team "tiny", a published rota, a finished job and a live feed; failed tokens unlimited
    (schemathesis sends many unknown feed tokens from one address)."""
    url = empty_database(request, tmp_path, sqlite_template)
    app = create_app(
        Settings(database_url=url, solver_workers=1, job_workers=2, auth_failure_limit=10**9),
        solve_fn=quick_solve,
    )
    tokens = issue_tokens(app.state.db)
    with TestClient(app) as client:
        lead = tokens.auth("lead")
        assert client.put("/api/teams/tiny", json=team_doc(), headers=lead).status_code == 201
        job = client.post("/api/teams/tiny/rotas", json={"time_limit": 2}, headers=lead).json()
        done = _wait(client, job["job_id"], lead)
        rota = client.get(f"/api/rotas/{done['rota_id']}", headers=lead).json()
        client.post(f"/api/rotas/{rota['id']}/publish", json={"version": rota["version"]}, headers=lead)
        feed = client.post("/api/calendar-tokens", json={"team": "tiny", "kind": "team"}, headers=lead).json()
    known = {
        "team_id": "tiny",
        "rota_id": rota["id"],
        "job_id": job["job_id"],
        "token_id": feed["id"],
        "token": feed["token"],
    }
    yield Target(app, tokens, known)
    try:
        from schemathesis.python.asgi import shutdown_lifespans

        shutdown_lifespans()  # schemathesis keeps the app's lifespan (its job runner) until asked
    except ImportError:  # pragma: no cover
        pass
    app.state.db.dispose()


def _wait(client: TestClient, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    import time

    for _ in range(600):
        job = client.get(f"/api/jobs/{job_id}", headers=headers).json()
        if job["state"] not in ("queued", "running"):
            assert job["state"] == "done", job
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def _operations(app: FastAPI) -> list[Any]:
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)
    return [result.ok() for result in loaded.get_all_operations()]


def test_no_operation_answers_5xx(target: Target) -> None:
    """Every operation, ``EXAMPLES`` generated requests each (valid by the schema, and not), three roles,
    as generated and on real ids.

    Driven through schemathesis' Python API (``as_strategy``) rather than its pytest plugin, whose lazy
    loader does not run on pytest 9; each operation's failure is collected so one run names them all."""
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = _operations(target.app)
    assert len(operations) >= 20

    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=operation.as_strategy(GenerationMode.POSITIVE)
            | operation.as_strategy(GenerationMode.NEGATIVE)
        )
        def check(case: Any) -> None:
            generated = dict(case.path_parameters or {})
            ids = {k: v for k, v in target.known.items() if k in generated}
            negated = {
                loc.name.lower()
                for loc, info in (case.meta.components if case.meta else {}).items()
                if info.mode.is_negative
            }
            try:
                for path_parameters in [generated, {**generated, **ids}] if ids else [generated]:
                    case.path_parameters = path_parameters  # as generated, then on ids that exist
                    # the token added (a negated header undone) or an id replaced: not the request generated
                    changed = "header" in negated or ("path" in negated and path_parameters != generated)
                    excluded = [negative_data_rejection] if changed else []
                    for role in ROLES:
                        try:
                            response = case.call(headers=target.tokens.auth(role))
                        except Exception as exc:  # the in-process app raised: a 500
                            raise AssertionError(f"{_request(case)} as {role}: {exc!r}") from exc
                        statuses[response.status_code] += 1
                        case.validate_response(response, excluded_checks=excluded)
                        if response.status_code >= 400:  # one error shape, whoever refused
                            detail = response.json()["detail"]
                            assert detail and all({"path", "message"} <= set(d) for d in detail), (
                                _request(case),
                                response.status_code,
                                response.text[:300],
                            )
            finally:
                case.path_parameters = generated

        try:
            check()
        except BaseException as exc:  # a 5xx (schemathesis' failure names the request) or a crash
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    assert not failures, "\n\n".join(failures)
    print(f"schemathesis: {sum(statuses.values())} requests, by status {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) >= 3 * len(operations) and statuses[200] > 0


def _request(case: Any) -> str:
    """The request in one line: method, path with its parameters, query, body (cut)."""
    path = case.operation.path
    for name, value in (case.path_parameters or {}).items():
        path = path.replace("{" + name + "}", str(value))
    body = "" if case.body is None or type(case.body).__name__ == "NotSet" else f" body {case.body!r:.300}"
    return f"{case.method.upper()} {path}{f' query {case.query}' if case.query else ''}{body}"
