"""Web sessions kept in the database: signing out ends a session even where its cookie was copied.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "api_token_id", sa.Integer(), sa.ForeignKey("api_tokens.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("new_feed", sa.JSON(), nullable=True),
        sa.UniqueConstraint("session_hash"),
    )
    op.create_index("ix_web_sessions_api_token_id", "web_sessions", ["api_token_id"])


def downgrade() -> None:
    op.drop_index("ix_web_sessions_api_token_id", table_name="web_sessions")
    op.drop_table("web_sessions")
