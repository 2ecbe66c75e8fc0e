"""What every route module documents alike: the refusals an operation can answer (ErrorBody)."""

from __future__ import annotations

from typing import Any

from api.schemas import ErrorBody

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
}
