"""The database tables (SQLAlchemy 2.0 typed ORM); instants are UTC, migrations live in api/migrations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from rota.api.db import UTCDateTime, utcnow

ROTA_STATES = ("draft", "published", "superseded")
JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
ROLES = ("lead", "hr", "staff", "integration")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        date: Date,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class TeamRow(Base):
    """A team; ``publish_seq`` is the row writers lock to publish one at a time."""

    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    publish_seq: Mapped[int] = mapped_column(Integer, default=0)
    feed_revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TeamVersion(Base):
    """The team document as submitted; every update adds a version, older rotas keep theirs."""

    __tablename__ = "team_versions"
    __table_args__ = (UniqueConstraint("team_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    version: Mapped[int]
    document: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rota(Base):
    """A solved (then edited) rota: draft → published → superseded; ``version`` for optimistic locks."""

    __tablename__ = "rotas"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    team_version: Mapped[int]
    start: Mapped[date]
    end: Mapped[date]
    state: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16))
    objective: Mapped[float | None] = mapped_column(Float)
    document: Mapped[dict[str, Any]]
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    replan_of: Mapped[int | None] = mapped_column(ForeignKey("rotas.id", ondelete="SET NULL"))
    # a pending change set: the draft holding the changes to this published rota until Publish (one per rota);
    # once published, the version it replaced
    pending_of: Mapped[int | None] = mapped_column(
        ForeignKey("rotas.id", ondelete="SET NULL"), unique=True, index=True
    )
    published_by: Mapped[str | None] = mapped_column(String(200))  # who published this version
    publish_note: Mapped[str | None] = mapped_column(Text)  # why, in their words (asked on Publish)
    job_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="rota", cascade="all, delete-orphan", order_by="Assignment.id"
    )


class Assignment(Base):
    """One (person, role, shift, date) of a rota, with its instants in UTC."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_rota_date", "rota_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rotas.id", ondelete="CASCADE"))
    person: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(64))
    shift: Mapped[str] = mapped_column(String(64))
    date: Mapped[date]
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]
    forced: Mapped[bool] = mapped_column(Boolean, default=False)

    rota: Mapped[Rota] = relationship(back_populates="assignments")


class PublishedDay(Base):
    """Which rota is the team's published one on a date: the key makes two impossible."""

    __tablename__ = "published_days"

    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    date: Mapped[date] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rotas.id", ondelete="CASCADE"), index=True)


class RotaEdit(Base):
    """A team lead's change to a rota, with the rules it broke when it was forced."""

    __tablename__ = "rota_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rotas.id", ondelete="CASCADE"), index=True)
    op: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]]
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    violations: Mapped[list[Any]]
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(200))
    rota_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(Base):
    """A solve: its state, last progress, the rota it produced or why it failed."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_state_lease", "state", "lease_until"),
        UniqueConstraint("token_id", "idempotency_key", name="uq_jobs_token_idempotency_key"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="generate")
    state: Mapped[str] = mapped_column(String(16), default="queued")
    params: Mapped[dict[str, Any]]
    objective: Mapped[float | None] = mapped_column(Float)
    bound: Mapped[float | None] = mapped_column(Float)
    elapsed: Mapped[float | None] = mapped_column(Float)
    gap_minutes: Mapped[float | None] = mapped_column(Float)
    effort: Mapped[float | None] = mapped_column(Float)  # deterministic units spent (issue 22)
    rota_id: Mapped[int | None] = mapped_column(ForeignKey("rotas.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # the lease: the server process holding the job renews it; an expired one means that process is gone
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    # the best rota so far as [person, role, shift, date] rows, written as the solve improves it
    checkpoint: Mapped[list[Any] | None]
    token_id: Mapped[int | None] = mapped_column(Integer)  # who asked (per-token caps)
    # times a worker started the solve: a worker that died leaves it to another, up to max_job_attempts
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # the client's Idempotency-Key: a retried request (same token, same key) gets this job back
    idempotency_key: Mapped[str | None] = mapped_column(String(200))

    def seconds_left(self, now: datetime | None = None) -> float | None:
        """Wall seconds until a running solve's time limit (it answers by then); None otherwise."""
        if self.state != "running" or self.started_at is None:
            return None
        spent = ((now or utcnow()) - self.started_at).total_seconds()
        return round(max(0.0, float(self.params.get("time_limit", 0)) - spent), 1)


class ApiToken(Base):
    """A bearer token of the API (stored as its SHA-256): a role, the teams it names, a person for staff."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    teams: Mapped[list[Any]]
    person: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]  # refused (401) from then on; None: never expires
    last_used_at: Mapped[datetime | None]  # the last request it authenticated, to within 10 minutes


class CalendarToken(Base):
    """The secret in a feed URL (stored as its SHA-256): a person's, a team's or a role's feed."""

    __tablename__ = "calendar_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class FeedEvent(Base):
    """A published shift as calendars see it: stable UID, SEQUENCE and LAST-MODIFIED kept across publishes."""

    __tablename__ = "feed_events"
    __table_args__ = (
        UniqueConstraint("team_id", "uid"),
        Index("ix_feed_events_team_end", "team_id", "end_utc"),
        Index("ix_feed_events_team_date", "team_id", "date"),
        Index("ix_feed_events_person", "team_id", "person", "end_utc"),
        Index("ix_feed_events_role", "team_id", "role", "end_utc"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(200))
    person: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(64))
    shift: Mapped[str] = mapped_column(String(64))
    date: Mapped[date]
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]
    person_name: Mapped[str] = mapped_column(String(200))
    role_name: Mapped[str] = mapped_column(String(200))
    shift_name: Mapped[str] = mapped_column(String(200))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    last_modified: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SignInLink(Base):
    """A one-time web sign-in link for an API token (stored as its SHA-256): short-lived, used once."""

    __tablename__ = "sign_in_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    api_token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in web session: the cookie carries only its id, stored here as a SHA-256. Checked on every
    page (the session must be live, its token too); signing out ends it, so a copied cookie stops working.
    ``new_feed``: a feed link just made on /me, shown once on the next page and then removed.
    ``held_draft``: a team file checked or refused on a POST (its text and problems), shown once by the
    page the POST redirects to (too big for the cookie)."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    api_token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)  # the last page, to within a few minutes
    ended_at: Mapped[datetime | None]  # signed out (or the session lapsed): refused from then on
    new_feed: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    held_draft: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class AppSecret(Base):
    """A secret the service made for itself and keeps in its database (e.g. the web session key)."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """One message to send (an email to a person, a delivery to a webhook), written in the transaction of
    what caused it (a publish, a reminder due) and sent by the job runner: claimed with a lease, marked sent
    after the send, retried with back-off. ``key`` makes each message once (a reminder per duty, a day's
    "who is on today"); the rows are the delivery log a lead reads."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key", name="uq_outbox_key"),
        Index("ix_outbox_state_due", "state", "next_at"),
        Index("ix_outbox_team_created", "team_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    event: Mapped[str] = mapped_column(String(32))  # rota.published | duty.reminder | team.on_today
    recipient: Mapped[str] = mapped_column(String(300))  # the address, or the hook's URL
    person: Mapped[str | None] = mapped_column(String(64))
    webhook_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)  # what it says, in words, for the log
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(default=utcnow)
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class Webhook(Base):
    """An outgoing webhook of a team: its URL, the secret its deliveries are signed with, the events."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[list[Any]]
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotifyPreference(Base):
    """A person's choices of what rota tells them by email, per team (no row: the defaults)."""

    __tablename__ = "notify_preferences"

    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    person: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    changes: Mapped[bool] = mapped_column(Boolean, default=True)
    reminders: Mapped[bool] = mapped_column(Boolean, default=False)
    reminder_hours: Mapped[int] = mapped_column(Integer, default=12)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One change to a team or its rotas (an edit, an import, a request and its decision, a claim, a publish):
    who, when, what and why, written in the same transaction as the change (``rota.api.services.audit``)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_team_at", "team_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    what: Mapped[str] = mapped_column(Text)
    why: Mapped[str | None] = mapped_column(Text)


class StaffRequest(Base):
    """A staff member's leave, swap or give-away request and where it stands: ``offered`` (a colleague is
    asked), ``pending`` (the lead decides), ``approved``, ``declined``, ``withdrawn``. ``detail`` holds the
    duty (and the one in return), or the leave span and kind; ``note`` is for the lead only."""

    __tablename__ = "staff_requests"
    __table_args__ = (Index("ix_staff_requests_team_state", "team_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    person: Mapped[str] = mapped_column(String(64))
    colleague: Mapped[str | None] = mapped_column(String(64))
    rota_id: Mapped[int | None] = mapped_column(ForeignKey("rotas.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, Any]]
    offered_to: Mapped[list[Any]]
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OpenShift(Base):
    """A duty of a published rota posted for anyone eligible to claim: a gap (``person`` None) or a duty
    someone drops (``person`` theirs). ``state``: ``open``, ``claimed``, ``withdrawn``; the first valid claim
    wins (a conditional update of ``state``)."""

    __tablename__ = "open_shifts"
    __table_args__ = (Index("ix_open_shifts_team_state", "team_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    rota_id: Mapped[int] = mapped_column(ForeignKey("rotas.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(64))
    shift: Mapped[str] = mapped_column(String(64))
    date: Mapped[date]
    person: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="open")
    note: Mapped[str | None] = mapped_column(Text)
    posted_by: Mapped[str] = mapped_column(String(200))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
