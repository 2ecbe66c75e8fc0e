"""The API's read models built from database rows (``rota.api.schemas``): every field from the row's attribute
of the same name, but the few a model makes itself."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from rota.api.schemas import JobRead, ProgressRead, of_row

AT = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def test_of_row_reads_every_field_by_name_but_those_skipped() -> None:
    row = SimpleNamespace(objective=3.0, bound=1.0, elapsed=2.5, gap_minutes=60.0, effort=None, extra="x")
    assert of_row(ProgressRead, row, skip={"seconds_left"}) == {
        "objective": 3.0,
        "bound": 1.0,
        "elapsed": 2.5,
        "gap_minutes": 60.0,
        "effort": None,
    }


def test_a_job_row_answers_with_its_progress_and_seconds_left() -> None:
    job = SimpleNamespace(
        id="j1",
        team_id="tiny",
        kind="solve",
        state="running",
        objective=3.0,
        bound=1.0,
        elapsed=2.5,
        gap_minutes=60.0,
        effort=120.0,
        seconds_left=lambda: 7.5,
        rota_id=None,
        reason=None,
        cancel_requested=False,
        params={"time_limit": 10},
        created_at=AT,
        started_at=AT,
        finished_at=None,
    )
    read = JobRead.of(job)  # type: ignore[arg-type]
    assert read.progress == ProgressRead(
        objective=3.0, bound=1.0, elapsed=2.5, gap_minutes=60.0, effort=120.0, seconds_left=7.5
    )
    assert (read.id, read.state, read.params, read.started_at, read.finished_at) == (
        "j1",
        "running",
        {"time_limit": 10},
        AT,
        None,
    )
