"""What every route module documents and answers alike: the refusals an operation can answer
(ErrorBody), and the answer to a solve queued."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response, status

from rota.api.models import Job
from rota.api.schemas import ErrorBody, JobAccepted

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
}


def job_accepted(request: Request, response: Response, job: Job, *, running: bool = False) -> JobAccepted:
    """The answer to a solve queued (the route's 202) or, ``running``, to one of the same team and dates
    already queued or running (200, that job): the job and its URL, also in Location (a path: the Host
    header is never echoed)."""
    url = request.app.url_path_for("get_job", job_id=job.id)
    if running:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = url
    return JobAccepted(job_id=job.id, state=job.state, url=url, running=running)
