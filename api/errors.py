"""Errors the service functions raise; the app turns each into ``{detail: [{path, message}]}``."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal with an HTTP status, the problems (field path and reason) and optional extra keys."""

    status = 400

    def __init__(
        self,
        message: str,
        path: str = "",
        *,
        problems: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.problems = problems or [{"path": path, "message": message}]
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {"detail": self.problems, **self.extra}


class Invalid(ApiError):
    status = 422


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class UnsupportedMediaType(ApiError):
    status = 415
