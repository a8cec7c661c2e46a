"""Published records, their revisions and the data version.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "data_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO data_state (id, version) VALUES (1, 0)")
    op.create_table(
        "records",
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("id", sa.String(160), primary_key=True),
        sa.Column("place_id", sa.String(160), index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False, index=True),
        sa.Column("changed_at", sa.DateTime, nullable=False),
        sa.Column("changed_by", sa.String(254), nullable=False),
    )
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("record_id", sa.String(160), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("author", sa.String(254), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("submission_id", sa.Integer),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("revisions")
    op.drop_table("records")
    op.drop_table("data_state")
