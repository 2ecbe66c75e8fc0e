"""Initial schema: teams and their versions, rotas and assignments, jobs, tokens, feed events.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def _text(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _fk(
    name: str, target: str, ondelete: str, nullable: bool = False, kind: sa.types.TypeEngine | None = None
) -> sa.Column:
    return sa.Column(name, kind or sa.Integer(), sa.ForeignKey(target, ondelete=ondelete), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        _id(),
        _text("token_hash", 64),
        _text("role", 16),
        sa.Column("teams", sa.JSON(), nullable=False),
        _text("person", 64, True),
        _text("label", 200, True),
        _when("created_at"),
        _when("revoked_at", True),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.String(length=64), primary_key=True),
        _text("name", 200),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("publish_seq", sa.Integer(), nullable=False),
        sa.Column("feed_revision", sa.Integer(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
    )
    team = sa.String(length=64)
    op.create_table(
        "calendar_tokens",
        _id(),
        _text("token_hash", 64),
        _text("kind", 16),
        _fk("team_id", "teams.id", "CASCADE", kind=team),
        _text("person", 64, True),
        _text("role", 64, True),
        _fk("created_by", "api_tokens.id", "SET NULL", nullable=True),
        _when("created_at"),
        _when("revoked_at", True),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "feed_events",
        _id(),
        _fk("team_id", "teams.id", "CASCADE", kind=team),
        _text("uid", 200),
        _text("person", 64),
        _text("role", 64),
        _text("shift", 64),
        sa.Column("date", sa.Date(), nullable=False),
        _when("start_utc"),
        _when("end_utc"),
        _text("person_name", 200),
        _text("role_name", 200),
        _text("shift_name", 200),
        sa.Column("sequence", sa.Integer(), nullable=False),
        _when("last_modified"),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("team_id", "uid"),
    )
    op.create_index("ix_feed_events_team_date", "feed_events", ["team_id", "date"])
    op.create_index("ix_feed_events_team_end", "feed_events", ["team_id", "end_utc"])
    op.create_index("ix_feed_events_person", "feed_events", ["team_id", "person", "end_utc"])
    op.create_index("ix_feed_events_role", "feed_events", ["team_id", "role", "end_utc"])
    op.create_table(
        "rotas",
        _id(),
        _fk("team_id", "teams.id", "CASCADE", kind=team),
        sa.Column("team_version", sa.Integer(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        _text("state", 16),
        sa.Column("version", sa.Integer(), nullable=False),
        _text("status", 16),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=True),
        _fk("replan_of", "rotas.id", "SET NULL", nullable=True),
        _text("job_id", 32, True),
        _when("created_at"),
        _when("updated_at"),
        _when("published_at", True),
    )
    op.create_index("ix_rotas_team_id", "rotas", ["team_id"])
    op.create_table(
        "team_versions",
        _id(),
        _fk("team_id", "teams.id", "CASCADE", kind=team),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        _when("created_at"),
        sa.UniqueConstraint("team_id", "version"),
    )
    op.create_table(
        "assignments",
        _id(),
        _fk("rota_id", "rotas.id", "CASCADE"),
        _text("person", 64),
        _text("role", 64),
        _text("shift", 64),
        sa.Column("date", sa.Date(), nullable=False),
        _when("start_utc"),
        _when("end_utc"),
        sa.Column("forced", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_assignments_rota_date", "assignments", ["rota_id", "date"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=32), primary_key=True),
        _fk("team_id", "teams.id", "CASCADE", kind=team),
        _text("kind", 16),
        _text("state", 16),
        sa.Column("params", sa.JSON(), nullable=False),
        *(
            sa.Column(name, sa.Float(), nullable=True)
            for name in ("objective", "bound", "elapsed", "gap_minutes")
        ),
        _fk("rota_id", "rotas.id", "SET NULL", nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        _when("created_at"),
        _when("started_at", True),
        _when("finished_at", True),
    )
    op.create_index("ix_jobs_team_id", "jobs", ["team_id"])
    op.create_table(
        "published_days",
        sa.Column("team_id", team, sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("date", sa.Date(), primary_key=True),
        _fk("rota_id", "rotas.id", "CASCADE"),
    )
    op.create_index("ix_published_days_rota_id", "published_days", ["rota_id"])
    op.create_table(
        "rota_edits",
        _id(),
        _fk("rota_id", "rotas.id", "CASCADE"),
        _text("op", 16),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("violations", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _text("actor", 200, True),
        sa.Column("rota_version", sa.Integer(), nullable=False),
        _when("created_at"),
    )
    op.create_index("ix_rota_edits_rota_id", "rota_edits", ["rota_id"])


def downgrade() -> None:
    for table in (
        "rota_edits",
        "published_days",
        "jobs",
        "assignments",
        "team_versions",
        "rotas",
        "feed_events",
        "calendar_tokens",
        "teams",
        "api_tokens",
    ):
        op.drop_table(table)
