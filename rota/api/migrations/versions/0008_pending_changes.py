"""Pending change sets on published rotas, and who published each version, when and why.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rotas") as batch:
        batch.add_column(sa.Column("pending_of", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("published_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("publish_note", sa.Text(), nullable=True))
        batch.create_foreign_key("fk_rotas_pending_of", "rotas", ["pending_of"], ["id"], ondelete="SET NULL")
        batch.create_index("ix_rotas_pending_of", ["pending_of"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("rotas") as batch:
        batch.drop_index("ix_rotas_pending_of")
        batch.drop_constraint("fk_rotas_pending_of", type_="foreignkey")
        batch.drop_column("publish_note")
        batch.drop_column("published_by")
        batch.drop_column("pending_of")
