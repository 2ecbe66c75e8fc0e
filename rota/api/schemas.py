"""Request and response bodies: separate create and read schemas, as the OpenAPI page shows them."""

from __future__ import annotations

import re
from datetime import date as Date
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from rota.api.models import Job, RotaEdit, TeamRow
from rota.team import Text


class Problem(BaseModel):
    path: str = Field(description="where in the request, e.g. roles.desk.demand[1].time")
    message: str


class ErrorBody(BaseModel):
    detail: list[Problem]


def of_row(
    model: type[BaseModel], row: Any, *, skip: set[str] | frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The fields of ``model`` read from the database ``row``'s attributes of the same names (but ``skip``),
    for the models a row fills but for a few fields of their own."""
    return {name: getattr(row, name) for name in model.model_fields if name not in skip}


class TeamSummary(BaseModel):
    id: str
    name: str
    version: int
    updated_at: datetime

    @classmethod
    def of(cls, row: TeamRow) -> TeamSummary:
        return cls(id=row.id, name=row.name, version=row.current_version, updated_at=row.updated_at)


class TeamRead(TeamSummary):
    versions: int
    changed: bool | None = Field(default=None, description="on PUT: whether a new version was stored")
    document: dict[str, Any] = Field(description="the team file as JSON, as submitted")
    warnings: list[Problem] = Field(
        default=[],
        description="on PUT: what is valid but probably not meant (a person who can take no "
        "role, a skill that looks like a typo, a shift never offered), each with its field path",
    )


FIRST_DATE, LAST_DATE = Date(2000, 1, 1), Date(2199, 12, 31)


def _rota_date(value: Date) -> Date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"{value} is outside the dates a rota may cover ({FIRST_DATE} to {LAST_DATE})")
    return value


def _iso_date(value: Any) -> Any:
    """Only a date written YYYY-MM-DD: pydantic would read ``0`` or ``1e9`` as seconds since 1970."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError(f"{value!r} is not a date written YYYY-MM-DD")
    if isinstance(value, (int, float)):
        raise ValueError(f"{value!r} is not a date written YYYY-MM-DD")
    return value


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# the OpenAPI document says what is accepted: YYYY-MM-DD, years 2000 to 2199
RotaDate = Annotated[
    Date,
    BeforeValidator(_iso_date),
    AfterValidator(_rota_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": "^2[01][0-9]{2}-[0-9]{2}-[0-9]{2}$"}),
]


class RotaCreate(BaseModel):
    """Generate a rota for ``start``..``end`` (default: the team file's period), or re-plan one."""

    model_config = ConfigDict(extra="forbid")

    start: RotaDate | None = None
    end: RotaDate | None = None
    time_limit: float | None = Field(
        default=None, gt=0, allow_inf_nan=False, description="seconds (default from settings)"
    )
    effort: (
        Annotated[float, Field(gt=0, allow_inf_nan=False)] | Literal["quick", "normal", "thorough"] | None
    ) = Field(
        default=None,
        description="how hard to search, which makes the rota reproducible: quick, normal, thorough or "
        "a number of deterministic units above 0 (default from settings); time_limit still ends the "
        "search by its wall seconds",
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="CP-SAT's random seed")
    replan_of: int | None = Field(
        ge=1, le=2**31 - 1, default=None, description="re-plan this rota: keep as much of it as possible"
    )


class ReplanCreate(BaseModel):
    """A sick call (someone ill or away from … to …) or, with no person, "the team file changed"."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    person: str | None = Field(
        default=None, min_length=1, max_length=64, description="who is ill or away (the team file's id)"
    )
    first: RotaDate | None = Field(default=None, alias="from", description="the first date of the absence")
    last: RotaDate | None = Field(default=None, alias="to", description="the last date (default: from)")
    reason: str = Field(default="", max_length=200, description="kept with the absence in the team file")
    scope: str = Field(
        default="rest",
        pattern="^(rest|span|day)$",
        description="rest: from the first date to the rota's end; span: only the absence's dates; "
        "day: only `day`",
    )
    fixed_before: RotaDate | None = Field(
        default=None, description="nothing before this date changes (default: the absence's first date)"
    )
    day: RotaDate | None = Field(default=None, description="scope day: the one date to re-plan")
    time_limit: float | None = Field(
        default=None, gt=0, allow_inf_nan=False, description="seconds (default from settings)"
    )


class JobAccepted(BaseModel):
    job_id: str
    state: str
    url: str
    running: bool = Field(
        default=False,
        description="true: a solve of the same team and dates was already "
        "queued or running, and this is that job (no second one started)",
    )


class ProgressRead(BaseModel):
    objective: float | None = None
    bound: float | None = None
    elapsed: float | None = None
    gap_minutes: float | None = None
    effort: float | None = Field(default=None, description="deterministic units spent so far")
    seconds_left: float | None = Field(default=None, description="wall seconds until the time limit")


class JobRead(BaseModel):
    id: str
    team_id: str
    kind: str
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: ProgressRead
    rota_id: int | None
    reason: str | None
    cancel_requested: bool
    params: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobRead:
        progress = ProgressRead.model_validate(
            {"seconds_left": job.seconds_left(), **of_row(ProgressRead, job, skip={"seconds_left"})}
        )
        return cls.model_validate({**of_row(cls, job, skip={"progress"}), "progress": progress})


class RotaSummary(BaseModel):
    id: int
    team_id: str
    team_version: int
    state: str
    version: int
    start: Date
    end: Date
    status: str
    objective: float | None
    created_at: datetime
    published_at: datetime | None
    replan_of: int | None
    pending_of: int | None = Field(
        default=None, description="a pending change set: the published rota whose changes it holds"
    )


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="the rota version you read; 409 when an edit since then "
        "touched the same person on the same date",
    )
    note: str | None = Field(
        default=None,
        max_length=500,
        description="why, in one line: kept with the published version in the team's history",
    )


class MoveTo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: str | None = None
    role: str | None = None
    shift: str | None = None
    date: Date | None = None


class EditCreate(BaseModel):
    """Add, remove, move one assignment or swap two people's; a change breaking a hard rule needs ``force``
    and is recorded."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["add", "remove", "move", "swap"]
    person: str
    role: str
    shift: str
    date: Date
    to: MoveTo | None = Field(
        default=None,
        description="move: the fields that change; swap: the other "
        "person and their duty (role, shift, date default to this one's)",
    )
    force: bool = False
    reason: Text | None = Field(default=None, max_length=2000)
    version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="the rota version you read; 409 when an edit since then "
        "touched the same person on the same date",
    )


class EditRead(BaseModel):
    id: int
    rota_id: int
    op: str
    payload: dict[str, Any]
    forced: bool
    violations: list[dict[str, Any]]
    reason: str | None
    actor: str | None
    rota_version: int
    created_at: datetime

    @classmethod
    def of(cls, edit: RotaEdit) -> EditRead:
        return cls.model_validate(edit, from_attributes=True)


class CalendarTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["person", "team", "role"]
    team: str
    person: str | None = Field(default=None, description="kind person: whose shifts (staff: themselves)")
    role: str | None = Field(default=None, description="kind role: which role, e.g. smod")


class CalendarTokenRead(BaseModel):
    id: int
    kind: str
    team: str
    person: str | None
    role: str | None
    created_at: datetime


class CalendarTokenCreated(CalendarTokenRead):
    token: str = Field(description="the secret; shown once, stored hashed")
    url: str
    webcal: str


class PlanCreate(BaseModel):
    """A capacity plan: the fewest people to hire so that the team's rota has no gap (issue 23)."""

    model_config = ConfigDict(extra="forbid")

    start: RotaDate
    end: RotaDate
    candidates: list[dict[str, Any]] | None = Field(
        default=None,
        max_length=50,
        description="profiles you could hire: team-file people entries, each with an optional max "
        "(default 3); default: the profiles of the team's own people",
    )
    time_limit: float = Field(default=20, gt=0, le=60, allow_inf_nan=False, description="seconds")
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="CP-SAT's random seed")


class WhatIfCreate(BaseModel):
    """A what-if on a copy of the team: the gap that opens if a person leaves (issue 23)."""

    model_config = ConfigDict(extra="forbid")

    start: RotaDate
    end: RotaDate
    without: str = Field(min_length=1, max_length=64, description="the id of the person who leaves")
    time_limit: float = Field(default=20, gt=0, le=60, allow_inf_nan=False, description="seconds")
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="CP-SAT's random seed")
