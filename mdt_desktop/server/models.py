"""Server-only tables: accounts, devices, tokens, the change ledger and the pull log.

They live beside schema v1 on PostgreSQL (created by migration 0002 on PostgreSQL
only) and in their own MetaData, so the client's store never grows them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

from mdt_desktop.store.schema import Team, table_of

metadata = MetaData()

accounts = Table(
    "server_accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

# Team membership is the only source of scope: never what a client asks for.
memberships = Table(
    "server_memberships",
    metadata,
    Column("account_id", Uuid, ForeignKey("server_accounts.id"), nullable=False),
    Column("team_id", Uuid, ForeignKey(table_of(Team).c.id), nullable=False),
    Column("role", String(40), nullable=False),
    PrimaryKeyConstraint("account_id", "team_id"),
)

devices = Table(
    "server_devices",
    metadata,
    # The store's device id; one laptop shared by two people is two devices here.
    Column("id", Uuid, nullable=False),
    Column("account_id", Uuid, ForeignKey("server_accounts.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    PrimaryKeyConstraint("id", "account_id"),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
)

# Opaque random tokens; only their SHA-256 is stored, so a database dump grants nothing.
tokens = Table(
    "server_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),  # access | refresh
    Column("account_id", Uuid, ForeignKey("server_accounts.id"), nullable=False, index=True),
    Column("device_id", Uuid, nullable=False, index=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    # Every token issued from one sign-in shares its family: a refresh token used twice
    # (stolen and replayed) revokes the whole family, and no refresh outlives the
    # family's absolute end, fixed at sign-in.
    Column("family_id", Uuid, index=True),
)

# Every change id ever applied, written in the transaction that applied it: a repeated
# push finds its answer here and changes nothing.
applied_changes = Table(
    "server_applied_changes",
    metadata,
    Column("change_id", Uuid, primary_key=True),
    Column("device_id", Uuid, nullable=False),
    Column("account_id", Uuid, nullable=False),
    Column("table_name", String(64), nullable=False),
    Column("row_id", Uuid, nullable=False),
    Column("status", String(12), nullable=False),
    Column("reason", Text),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

# One entry per synced row: where it sits in the pull order (the writing transaction's
# id, then a sequence) and the clock of each field for last-writer-wins.
row_log = Table(
    "server_row_log",
    metadata,
    Column("table_name", String(64), nullable=False),
    Column("row_id", Uuid, nullable=False),
    Column("team_id", Uuid),
    Column("txid", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("clocks", JSONB, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    # The device every winning field came from, or NULL: that device already holds
    # this exact row, so its pulls skip it.
    Column("sole_device", Uuid),
    PrimaryKeyConstraint("table_name", "row_id"),
    Index("ix_server_row_log_team_txid_seq", "team_id", "txid", "seq"),
)

state = Table(
    "server_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Consecutive wrong passwords per user name, known or not (so the answers say nothing about
# which names exist), counted per client address and, under the address "*", for the name
# from everywhere. After a few from one address, sign-in for that name from that address
# pauses, longer each time; many from everywhere pause the name for devices that have never
# signed in. In the database, not in memory: every server process sees the same count.
NAME_WIDE = "*"
login_throttle = Table(
    "server_login_throttle",
    metadata,
    Column("name", String(200), nullable=False),
    Column("address", String(64), nullable=False, server_default=NAME_WIDE),
    PrimaryKeyConstraint("name", "address"),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", DateTime(timezone=True), nullable=False, index=True),
    Column("locked_until", DateTime(timezone=True)),
)

# The last clock value the server issued, so a restart (or another replica) never issues
# a smaller one even when the machine's wall clock has stepped back.
clock = Table(
    "server_clock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("last_hlc", BigInteger, nullable=False),
)

# Each laptop store's audit entries, as its hash chain (store/audit.py), per team and
# device. Append-only: a trigger (migration 0004) refuses UPDATE and DELETE.
audit_entries = Table(
    "server_audit_entries",
    metadata,
    Column("team_id", Uuid, ForeignKey(table_of(Team).c.id), nullable=False),
    Column("device_id", Uuid, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_id", Uuid),
    Column("user_name", String(200), nullable=False),
    Column("role", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_id", String(64)),
    Column("patient_id", Uuid),
    Column("detail", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("account_id", Uuid, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("device_id", "seq"),
    Index("ix_server_audit_entries_team_seq", "team_id", "device_id", "seq"),
)
