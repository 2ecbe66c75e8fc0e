"""Errors the service functions raise; the app turns each into ``{detail: [{path, message}]}``."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal with an HTTP status, the problems (field path and reason), optional extra keys and
    optional response headers (``Retry-After`` of a 429 or 503)."""

    status = 400

    def __init__(
        self,
        message: str,
        path: str = "",
        *,
        problems: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.problems = problems or [{"path": path, "message": message}]
        self.extra = extra or {}
        self.headers = dict(headers or {})

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


class PreconditionFailed(ApiError):
    status = 412


class PayloadTooLarge(ApiError):
    status = 413


class UnsupportedMediaType(ApiError):
    status = 415


class _RetryLater(ApiError):
    """A refusal that says, in words and in ``Retry-After``, how many seconds to wait."""

    def __init__(self, message: str, path: str = "", *, retry_after: int, **kwargs: Any):
        self.retry_after = max(1, int(retry_after))
        headers = {**(kwargs.pop("headers", None) or {}), "Retry-After": str(self.retry_after)}
        super().__init__(message, path, headers=headers, **kwargs)


class TooManyRequests(_RetryLater):
    status = 429


class ServiceUnavailable(_RetryLater):
    status = 503
