"""The audit log anchored on the team server.

Every store gains ``audit_anchor``: the (sequence, hash) of each of its audit entries
that the team server acknowledged holding. On PostgreSQL the server gains
``server_audit_entries``, each store's entries kept per team, append-only (a trigger
refuses UPDATE and DELETE).

Revision ID: audit_anchor_1
Revises: team_scope_1
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mdt_desktop.store.types import UTCDateTime

revision = "audit_anchor_1"
down_revision = "team_scope_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A store re-stamped to an older revision (a restored backup's marker) may have it.
    if "audit_anchor" not in sa.inspect(op.get_bind()).get_table_names():
        op.create_table(
            "audit_anchor",
            sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
            sa.Column("hash", sa.String(64), nullable=False),
            sa.Column("acknowledged_at", UTCDateTime(), nullable=False),
        )
    if op.get_bind().dialect.name != "postgresql":
        return
    from mdt_desktop.server.models import metadata

    metadata.create_all(op.get_bind(), tables=[metadata.tables["server_audit_entries"]])
    op.execute(
        "CREATE FUNCTION server_audit_entries_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'the audit log on the server is append-only'; END; "
        "$$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER server_audit_entries_append_only BEFORE UPDATE OR DELETE "
        "ON server_audit_entries FOR EACH ROW EXECUTE FUNCTION server_audit_entries_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_table("server_audit_entries")
        op.execute("DROP FUNCTION server_audit_entries_append_only()")
    op.drop_table("audit_anchor")
