"""The OpenAPI document says what the API does (issue 21.8): the 422 body as sent, 400 on every
operation, dates as they are accepted, and a 405's ``Allow`` naming every method of the path."""

from __future__ import annotations

from typing import Any

import pytest
from apikit import Service


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return document["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def test_every_refusal_is_documented_with_the_body_sent(service: Service) -> None:
    document = service.client.app.openapi()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    problem = _resolve(document, schemas["ErrorBody"]["properties"]["detail"]["items"])
    assert set(problem["required"]) == {"path", "message"}
    with_body = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            for status, response in responses.items():
                if status[0] in "45" and "application/json" in response.get("content", {}):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
            assert "400" in responses, (method, path)  # rota.api.middleware refuses a bad Content-Length
            if "requestBody" in operation:
                with_body += 1
    assert with_body >= 4


def test_a_422_as_sent_matches_its_documented_schema(service: Service) -> None:
    sent = service.call("POST", "/api/teams/tiny/rotas", json={"time_limit": "soon"}, expect=422).json()
    assert set(sent) == {"detail"} and sent["detail"]
    assert all(set(d) == {"path", "message"} for d in sent["detail"])


@pytest.mark.parametrize("value", ["0", "1700000000", "2026-1-5", "tomorrow", "1999-12-31"])
def test_my_shifts_take_only_dates_written_out(service: Service, value: str) -> None:
    refused = service.call("GET", f"/api/me/shifts?to={value}", who="staff", expect=422).json()
    assert refused["detail"][0]["path"] == "to"
    # where it does not bind
    service.call("GET", "/api/me/shifts?from=2026-10-01&to=2026-10-31", who="staff", expect=200)


def test_the_document_says_which_dates_are_taken(service: Service) -> None:
    document = service.client.app.openapi()
    shifts = document["paths"]["/api/me/shifts"]["get"]["parameters"]
    to = next(p for p in shifts if p["name"] == "to")["schema"]
    dates = [s for s in to.get("anyOf", [to]) if s.get("type") == "string"]
    assert dates and dates[0]["format"] == "date" and dates[0]["pattern"].startswith("^2[01]")


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("DELETE", "/api/teams/tiny", "GET, PUT"),
        ("POST", "/api/teams/tiny", "GET, PUT"),
        ("DELETE", "/api/teams/tiny/rotas", "GET, POST"),
        ("PUT", "/api/jobs/abc", "DELETE, GET"),
        ("PUT", "/api/rotas/3", "DELETE, GET"),
        ("POST", "/api/calendar-tokens/3", "DELETE"),
    ],
)
def test_a_405_allows_every_method_of_the_path(service: Service, method: str, url: str, allow: str) -> None:
    refused = service.call(method, url, expect=405)
    assert refused.headers["Allow"] == allow
    assert refused.json()["detail"][0]["message"].endswith(f"method not allowed (allowed: {allow})")
