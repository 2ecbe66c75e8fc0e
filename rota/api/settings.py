"""Service settings from the environment (``ROTA_*``), built on first use and cached."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service reads from its environment; defaults run on one machine."""

    model_config = SettingsConfigDict(env_prefix="ROTA_", env_file=".env", extra="ignore")

    database_url: str = Field(default="sqlite:///rota.db", description="SQLAlchemy URL of the database")
    public_url: str | None = Field(
        default=None,
        description="base URL of the feed and sign-in links handed out (default: the address each request "
        "came to, never its Host header; the CLI: --host/--port, 127.0.0.1:8000)",
    )
    job_workers: int = Field(default=1, ge=1, description="solves running at once (in-process runner)")
    solver_workers: int = Field(
        default=2,
        ge=1,
        description="CP-SAT threads per solve in parallel mode (deterministic solves run on one thread)",
    )
    solver_mode: Literal["deterministic", "parallel"] = Field(
        default="deterministic",
        description="deterministic: the same team and settings give the same rota (time limits count "
        "CP-SAT work units); parallel: CP-SAT's portfolio by wall time, faster, varies by run",
    )
    solve_isolation: Literal["process", "thread"] = Field(
        default="process",
        description="process: each solve in a child process with the caps below (the API process never "
        "builds a model); thread: in the server process (tests with a stand-in solver)",
    )
    solve_memory_mb: int = Field(
        default=2048, ge=0, description="address-space cap of a solve process, MiB (0: none)"
    )
    solve_cpu_seconds: int = Field(
        default=0, ge=0, description="CPU-time cap of a solve process, seconds (0: 4 × its time limit + 60)"
    )
    max_people: int = Field(default=2000, ge=1, description="people a team may have (PUT answers 422 above)")
    max_duty_variables: int = Field(
        default=400_000,
        ge=1,
        description="the largest model a generate may build: (person, role, shift, date) choices; 422 above",
    )
    max_active_jobs_per_team: int = Field(default=2, ge=1, description="queued + running solves of one team")
    max_active_jobs_per_token: int = Field(
        default=4, ge=1, description="queued + running solves one token started"
    )
    job_lease_seconds: float = Field(
        default=30.0, gt=1, description="a job whose server has not renewed its lease for this long is failed"
    )
    checkpoint_seconds: float = Field(default=5.0, gt=0, description="how often a solve saves its best rota")
    store_retry_seconds: float = Field(
        default=600.0,
        ge=0,
        description="how long a finished solve keeps "
        "trying to store its rota (disk full, database gone) before failing",
    )
    time_limit: float = Field(
        default=30.0, gt=0, description="default solve time limit, wall seconds (the answer comes by then)"
    )
    effort: float | Literal["quick", "normal", "thorough"] = Field(
        default="normal",
        description="default search effort of a reproducible solve: quick, normal, thorough or a number "
        "of deterministic units",
    )
    max_time_limit: float = Field(default=600.0, gt=0, description="largest time limit a client may ask")
    feed_refresh_minutes: int = Field(default=60, ge=5, description="REFRESH-INTERVAL of the iCal feeds")
    feed_cache_size: int = Field(
        default=512, ge=0, description="rendered feed bodies kept in memory by ETag (0: render every time)"
    )
    feed_past_days: int = Field(default=30, ge=0, description="feeds start this many days back")
    history_days: int = Field(
        default=35, ge=0, description="published days before a rota filled in as history"
    )
    # the web app (rota/api/web): its session cookie and one-time sign-in links
    session_secret: str | None = Field(
        default=None,
        description="key that signs the web session cookie (default: one made once and kept in the database)",
    )
    session_hours: float = Field(
        default=12.0, gt=0, description="a web session ends this long after its last page"
    )
    token_days: int = Field(
        default=365,
        ge=0,
        description="API tokens expire this many days after they are made, unless told otherwise (0: never)",
    )
    sign_in_link_minutes: int = Field(default=30, ge=1, description="a one-time sign-in link expires after")
    # the edge (rota/api/main.py, rota/api/middleware.py): the database pool, body size, failed-token limits
    db_pool_size: int = Field(default=10, ge=1, description="database connections kept open")
    db_max_overflow: int = Field(
        default=20, ge=0, description="connections opened beyond the pool while it is busy"
    )
    db_pool_timeout: float = Field(
        default=10.0, gt=0, description="seconds a request waits for a connection before a 503"
    )
    max_body_bytes: int = Field(
        default=2 * 1024 * 1024, ge=1, description="largest request body; larger answers 413 unread"
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        description="seconds a client has to send a "
        "request's line and headers, from its first byte; then 408, closed",
    )
    body_timeout: float = Field(
        default=30.0,
        gt=0,
        description="seconds a client has to send a whole "
        "request, headers and body, from its first byte; then 408, closed",
    )
    auth_failure_limit: int = Field(
        default=20,
        ge=1,
        description="failed bearer tokens (or unknown feed tokens) per client IP per window before 429",
    )
    auth_failure_window: float = Field(
        default=60.0, gt=0, description="seconds of the window auth_failure_limit counts in"
    )
    trusted_proxies: str = Field(
        default="127.0.0.1",
        description="comma list of IPs and CIDRs of the reverse proxies in front of the service: only from "
        "these are X-Forwarded-For, and for the links handed out X-Forwarded-Proto and "
        "X-Forwarded-Host, believed (empty: from none)",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        from rota.api.middleware import trusted_networks

        trusted_networks(value)  # a bad entry fails start-up naming it
        return value

    # many machines (docs/deploy.md): solve jobs on Celery workers over a broker (Redis)
    job_backend: Literal["inprocess", "celery"] = Field(
        default="inprocess",
        description="inprocess: solves run in the API process (job_workers at a time); celery: the API "
        "queues them on the broker and `rota worker` processes, on any machine, run them",
    )
    broker_url: str = Field(
        default="redis://127.0.0.1:6379/0", description="the Celery broker (celery backend)"
    )
    max_job_attempts: int = Field(
        default=2,
        ge=1,
        description="times a solve may be started: a worker that dies mid-solve (lease ran out) hands the "
        "job to another worker until this many starts, then it is failed with the reason",
    )
    job_queue_seconds: float = Field(
        default=3600.0,
        gt=1,
        description="celery backend: a job no worker has started within this long is failed (no worker "
        "running?)",
    )
    job_queues: int = Field(
        default=8,
        ge=1,
        le=256,
        description="celery backend: teams are spread over this many queues by a hash of their id; workers "
        "take from the queues in turn, so one team's batch waits behind itself, not others",
    )

    # telling people (issue 19): email over SMTP, team webhooks, reminders; sent from the outbox table
    smtp_url: str | None = Field(
        default=None,
        description="the mail server: smtp://host:port (plain, or STARTTLS with ROTA_SMTP_STARTTLS), "
        "smtps://host:port (TLS from the start); user:password@ in the URL or the two settings below "
        "(unset: no email is sent, the outbox says so)",
    )
    smtp_username: str | None = Field(default=None, description="SMTP user, when not in ROTA_SMTP_URL")
    smtp_password: str | None = Field(default=None, description="SMTP password, when not in ROTA_SMTP_URL")
    smtp_starttls: bool = Field(default=False, description="smtp:// only: upgrade the connection (STARTTLS)")
    smtp_timeout: float = Field(default=20.0, gt=0, description="seconds an SMTP conversation may take")
    mail_from: str = Field(default="rota@localhost", description="the From address of the emails rota sends")
    notify_poll_seconds: float = Field(
        default=2.0, gt=0, description="how often the runner looks for messages due in the outbox"
    )
    notify_max_attempts: int = Field(
        default=8, ge=1, description="sends of one message before it is marked failed in the delivery log"
    )
    notify_retry_seconds: float = Field(
        default=30.0, gt=0, description="the wait before the first retry; doubled each time, at most an hour"
    )
    notify_lease_seconds: float = Field(
        default=60.0, gt=0, description="a message claimed by a runner that stopped is sent again after this"
    )
    notify_keep_days: int = Field(
        default=90, ge=1, description="sent and failed messages stay in the delivery log this many days"
    )
    webhook_timeout: float = Field(default=10.0, gt=0, description="seconds a webhook receiver has to answer")
    on_today_hour: int = Field(
        default=7,
        ge=0,
        le=23,
        description="local hour of the team's zone the daily 'who is on today' goes out",
    )


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read from the environment once."""
    return Settings()
