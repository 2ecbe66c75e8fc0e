"""The OpenAPI document made to say what the API does, and the ``Allow`` of a 405.

FastAPI documents its own 422 body (``HTTPValidationError``: ``detail[].loc/msg/type``) on every operation
with parameters or a body; ours is ``ErrorBody`` (``detail[].path/message``, rota/api/main.py), so the 422s
and every other refusal point at it. An operation that reads a body can answer 400 (a body that cannot
be read), and every operation can answer 400 to a request whose ``Content-Length`` is not a number
(``rota.api.middleware``): documented too. A 405's ``Allow`` names every method the document gives the path,
not only those of the first route that matched it (Starlette's).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from fastapi import FastAPI

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
_FASTAPI_422 = ("HTTPValidationError", "ValidationError")
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def install(app: FastAPI) -> None:
    """Replace ``app.openapi`` with one that builds FastAPI's document once and corrects it."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = corrected(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def corrected(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with our error body on every 4xx/5xx, and the 400 every operation can answer."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorBody" not in schemas:
        from rota.api.schemas import ErrorBody

        body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(body.pop("$defs", {}))
        schemas["ErrorBody"] = body
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = _error("the request's problems, each with its field path")
            if "400" not in responses:
                what = "the body could not be read, or" if "requestBody" in operation else "the"
                responses["400"] = _error(f"{what} Content-Length header is not a number")
            for status, response in responses.items():
                if status[:1] in ("4", "5") and "application/json" in response.get("content", {}):
                    response["content"]["application/json"]["schema"] = dict(ERROR_REF)
    for name in _FASTAPI_422:
        schemas.pop(name, None)
    return document


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": dict(ERROR_REF)}}}


def allowed_methods(app: Any, scope: dict[str, Any]) -> list[str]:
    """Every method the document gives the request's path, over all its path templates, sorted (for
    ``Allow``); empty for a path the document does not have (a web page)."""
    path = scope.get("path", "")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    methods: set[str] = set()
    for template, item in app.openapi().get("paths", {}).items():
        if _pattern(template).fullmatch(path):
            methods |= {m.upper() for m in item if m in _METHODS}
    return sorted(methods)


@lru_cache(maxsize=256)
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))
