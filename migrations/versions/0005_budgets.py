"""Personal health budgets: the budget, its status history, lines tied to care-plan goals, an
append-only ledger, reviews, decisions with notices and reconsiderations, statement imports.

Replaces the three placeholder tables of schema v1 (personal_health_budgets, budget_lines,
ledger_entries), which no release wrote to. Ledger rows refuse edits and deletes by trigger,
as the audit log does; on a laptop a row of a team the store is no longer bound to may still
be purged (the sync purge after a user leaves a team).

Revision ID: budgets_1
Revises: discharges_1
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "budgets_1"
down_revision = "discharges_1"
branch_labels = None
depends_on = None

# What a ledger row is: once written none of it may change (sync may still stamp the row's
# clock and move it to the server's team on the first sync).
LEDGER_CONTENT = (
    "budget_id", "line_id", "kind", "counts_as", "held_as", "funding_source", "entry_on",
    "amount_pence", "allocated_effect",
    "balance_effect", "spent_effect", "committed_effect", "reverses_id", "settles_id",
    "reference", "evidence", "payee", "note", "posted_at", "posted_by", "deleted_at",
)  # fmt: skip
MESSAGE = "ledger entries cannot be changed or deleted: post a reversal and a new entry"


def _drop_placeholders() -> None:
    # Dropping a table drops its indexes too, on SQLite and PostgreSQL alike.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for table in ("ledger_entries", "budget_lines", "personal_health_budgets"):
        if table in existing:
            op.drop_table(table)


def _ledger_append_only() -> None:
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in LEDGER_CONTENT)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION budget_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER budget_ledger_no_update BEFORE UPDATE ON budget_ledger_entries "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION budget_ledger_append_only()"
        )
        op.execute(
            "CREATE TRIGGER budget_ledger_no_delete BEFORE DELETE ON budget_ledger_entries "
            "FOR EACH ROW EXECUTE FUNCTION budget_ledger_append_only()"
        )
        return
    changed = changed.replace("IS DISTINCT FROM", "IS NOT")
    op.execute(
        "CREATE TRIGGER budget_ledger_no_update BEFORE UPDATE ON budget_ledger_entries "
        f"WHEN {changed} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
    # The store's own team's rows (or any, before the store is bound to a team) stay.
    team = "(SELECT replace(value, '-', '') FROM store_meta WHERE key = 'sync_team_id')"
    op.execute(
        "CREATE TRIGGER budget_ledger_no_delete BEFORE DELETE ON budget_ledger_entries "
        f"WHEN OLD.team_id IS NULL OR {team} IS NULL OR OLD.team_id = {team} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )


def _effects_of(row: str, sign: str) -> dict[str, str]:
    """What one ledger row adds to its budget's totals (``sign`` -1 takes it away)."""
    counted = f"(CASE WHEN {row}.kind = 'reversal' THEN -1 ELSE 1 END) * {sign}"
    payment = f"{row}.counts_as = 'payment'"
    direct = f"{row}.held_as = 'direct_payment'"
    first = f"{row}.kind = 'payment' AND {direct}"
    return {
        "allocated": f"{sign} * {row}.allocated_effect",
        "balance": f"{sign} * {row}.balance_effect",
        "spent": f"{sign} * {row}.spent_effect",
        "committed": f"{sign} * {row}.committed_effect",
        "no_evidence": f"CASE WHEN {payment} AND {direct} AND "
        f"COALESCE(TRIM({row}.evidence), '') = '' THEN {counted} ELSE 0 END",
        "unlinked": f"CASE WHEN {payment} AND {row}.line_id IS NULL THEN {counted} ELSE 0 END",
        "first_nhs": f"CASE WHEN {first} AND {row}.funding_source <> 'social_care' "
        f"THEN {row}.entry_on END",
        "first_social": f"CASE WHEN {first} AND {row}.funding_source = 'social_care' "
        f"THEN {row}.entry_on END",
    }


TOTAL_COLUMNS = (
    "allocated", "balance", "spent", "committed", "no_evidence", "unlinked", "first_nhs",
    "first_social",
)  # fmt: skip


def _totals_triggers() -> None:
    """SQLite: the per-budget totals follow every insert into (and purge from) the ledger."""
    if op.get_bind().dialect.name != "sqlite":
        return  # the server sums the ledger itself (store/budgets.py)
    names = ", ".join(TOTAL_COLUMNS)
    sums = ", ".join(f"{c} = {c} + excluded.{c}" for c in TOTAL_COLUMNS[:6])
    dates = ", ".join(
        f"{c} = CASE WHEN {c} IS NULL THEN excluded.{c} WHEN excluded.{c} IS NULL THEN {c} "
        f"ELSE min({c}, excluded.{c}) END"
        for c in TOTAL_COLUMNS[6:]
    )
    added = _effects_of("NEW", "1")
    op.execute(
        "CREATE TRIGGER budget_ledger_totals_insert AFTER INSERT ON budget_ledger_entries "
        f"BEGIN INSERT INTO budget_ledger_totals (budget_id, {names}) VALUES (NEW.budget_id, "
        + ", ".join(added[c] for c in TOTAL_COLUMNS)
        + f") ON CONFLICT(budget_id) DO UPDATE SET {sums}, {dates}; END"
    )
    taken = _effects_of("OLD", "-1")
    op.execute(
        "CREATE TRIGGER budget_ledger_totals_delete AFTER DELETE ON budget_ledger_entries "
        "BEGIN UPDATE budget_ledger_totals SET "
        + ", ".join(f"{c} = {c} + {taken[c]}" for c in TOTAL_COLUMNS[:6])
        + " WHERE budget_id = OLD.budget_id; END"
    )
    op.execute(
        "CREATE TRIGGER budget_ledger_totals_budget_gone AFTER DELETE ON budgets "
        "BEGIN DELETE FROM budget_ledger_totals WHERE budget_id = OLD.id; END"
    )
    every = _effects_of("e", "1")
    op.execute(
        f"INSERT INTO budget_ledger_totals (budget_id, {names}) SELECT e.budget_id, "
        + ", ".join(
            f"{'min' if c.startswith('first') else 'sum'}({every[c]})" for c in TOTAL_COLUMNS
        )
        + " FROM budget_ledger_entries e GROUP BY e.budget_id"
    )


def _drop_ledger_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS budget_ledger_no_update ON budget_ledger_entries")
        op.execute("DROP TRIGGER IF EXISTS budget_ledger_no_delete ON budget_ledger_entries")
        op.execute("DROP FUNCTION IF EXISTS budget_ledger_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS budget_ledger_no_update")
        op.execute("DROP TRIGGER IF EXISTS budget_ledger_no_delete")
        for name in ("insert", "delete", "budget_gone"):
            op.execute(f"DROP TRIGGER IF EXISTS budget_ledger_totals_{name}")


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "budget_ledger_entries" in existing:
        return  # a store re-stamped to an older revision already has this shape
    _drop_placeholders()
    op.create_table(
        "budget_statement_imports",
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("unmatched", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column(
            "rejections",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("statement_balance_pence", sa.BigInteger(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_budget_statement_imports_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_statement_imports")),
    )
    with op.batch_alter_table("budget_statement_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_statement_imports_file_sha256"), ["file_sha256"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_statement_imports_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "budgets",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("funding_source", sa.String(length=24), nullable=False),
        sa.Column("held_as", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("indicative_pence", sa.BigInteger(), nullable=True),
        sa.Column("allocation_pence", sa.BigInteger(), nullable=True),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("representative", sa.String(length=200), nullable=True),
        sa.Column("nominee", sa.String(length=200), nullable=True),
        sa.Column("managed_account", sa.Boolean(), nullable=False),
        sa.Column("risk_arrangements", sa.Text(), nullable=True),
        sa.Column("account_reference", sa.String(length=64), nullable=True),
        sa.Column("renews_budget_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "funding_source IN ('nhs_chc', 's117_aftercare', 'personal_wheelchair', 'other_nhs', 'social_care')",
            name=op.f("ck_budgets_funding_source_valid"),
        ),
        sa.CheckConstraint(
            "held_as IN ('notional', 'third_party', 'direct_payment')",
            name=op.f("ck_budgets_held_as_valid"),
        ),
        sa.CheckConstraint(
            "kind IN ('health', 'social_care', 'integrated')", name=op.f("ck_budgets_kind_valid")
        ),
        sa.CheckConstraint(
            "status IN ('indicative', 'agreed', 'active', 'under_review', 'suspended', 'closed')",
            name=op.f("ck_budgets_status_valid"),
        ),
        sa.CheckConstraint(
            "allocation_pence IS NULL OR allocation_pence >= 0", name=op.f("ck_budgets_allocation")
        ),
        sa.CheckConstraint(
            "indicative_pence IS NULL OR indicative_pence >= 0", name=op.f("ck_budgets_indicative")
        ),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_budgets_period_order")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_budgets_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["renews_budget_id"], ["budgets.id"], name=op.f("fk_budgets_renews_budget_id_budgets")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_budgets_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budgets")),
    )
    with op.batch_alter_table("budgets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budgets_account_reference"), ["account_reference"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_budgets_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_budgets_renews_budget_id"), ["renews_budget_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_budgets_team_id"), ["team_id"], unique=False)
        batch_op.create_index("ix_budgets_team_status", ["team_id", "status"], unique=False)

    op.create_table(
        "budget_decisions",
        sa.Column("budget_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column(
            "grounds",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("amount_pence", sa.BigInteger(), nullable=True),
        sa.Column("repay_by", sa.Date(), nullable=True),
        sa.Column("repayer", sa.String(length=200), nullable=True),
        sa.Column("reconsideration_route", sa.Text(), nullable=True),
        sa.Column("reconsider_by", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("notice_sent_on", sa.Date(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('reduce', 'repay', 'stop')", name=op.f("ck_budget_decisions_kind_valid")
        ),
        sa.CheckConstraint(
            "amount_pence IS NULL OR amount_pence > 0", name=op.f("ck_budget_decisions_amount")
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"], ["budgets.id"], name=op.f("fk_budget_decisions_budget_id_budgets")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_budget_decisions_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_decisions")),
    )
    with op.batch_alter_table("budget_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_decisions_budget_id"), ["budget_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_budget_decisions_team_id"), ["team_id"], unique=False)

    op.create_table(
        "budget_lines",
        sa.Column("budget_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("funding_source", sa.String(length=24), nullable=False),
        sa.Column("held_as", sa.String(length=16), nullable=False),
        sa.Column(
            "goal_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("frequency", sa.String(length=12), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_admission_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "category IN ('personal_assistants', 'home_care', 'therapies', 'equipment', 'transport', 'respite', 'activities', 'other')",
            name=op.f("ck_budget_lines_category_valid"),
        ),
        sa.CheckConstraint(
            "frequency IN ('weekly', 'four_weekly', 'monthly', 'one_off')",
            name=op.f("ck_budget_lines_frequency_valid"),
        ),
        sa.CheckConstraint(
            "funding_source IN ('nhs_chc', 's117_aftercare', 'personal_wheelchair', 'other_nhs', 'social_care')",
            name=op.f("ck_budget_lines_funding_source_valid"),
        ),
        sa.CheckConstraint(
            "held_as IN ('notional', 'third_party', 'direct_payment')",
            name=op.f("ck_budget_lines_held_as_valid"),
        ),
        sa.CheckConstraint("amount_pence >= 0", name=op.f("ck_budget_lines_amount")),
        sa.ForeignKeyConstraint(
            ["budget_id"], ["budgets.id"], name=op.f("fk_budget_lines_budget_id_budgets")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_budget_lines_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_lines")),
    )
    with op.batch_alter_table("budget_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_lines_budget_id"), ["budget_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_budget_lines_team_id"), ["team_id"], unique=False)

    op.create_table(
        "budget_reviews",
        sa.Column("budget_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("plan_meets_needs", sa.Boolean(), nullable=True),
        sa.Column("used_effectively", sa.Boolean(), nullable=True),
        sa.Column("amount_sufficient", sa.Boolean(), nullable=True),
        sa.Column("obligations_met", sa.Boolean(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('scheduled', 'event')", name=op.f("ck_budget_reviews_kind_valid")
        ),
        sa.CheckConstraint(
            "reason IN ('statutory', 'health_change', 'money_insufficient', 'hospital_admission', 'requested')",
            name=op.f("ck_budget_reviews_reason_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"], ["budgets.id"], name=op.f("fk_budget_reviews_budget_id_budgets")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_budget_reviews_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_reviews")),
    )
    with op.batch_alter_table("budget_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_reviews_budget_id"), ["budget_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_budget_reviews_team_id"), ["team_id"], unique=False)

    op.create_table(
        "budget_status_changes",
        sa.Column("budget_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("changed_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "to_status IN ('indicative', 'agreed', 'active', 'under_review', 'suspended', 'closed')",
            name=op.f("ck_budget_status_changes_to_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"], ["budgets.id"], name=op.f("fk_budget_status_changes_budget_id_budgets")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_budget_status_changes_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_status_changes")),
    )
    with op.batch_alter_table("budget_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_budget_status_changes_budget_at", ["budget_id", "changed_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_status_changes_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "budget_ledger_entries",
        sa.Column("budget_id", sa.Uuid(), nullable=False),
        sa.Column("line_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("counts_as", sa.String(length=20), nullable=False),
        sa.Column("held_as", sa.String(length=16), nullable=False),
        sa.Column("funding_source", sa.String(length=24), nullable=False),
        sa.Column("entry_on", sa.Date(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("allocated_effect", sa.BigInteger(), nullable=False),
        sa.Column("balance_effect", sa.BigInteger(), nullable=False),
        sa.Column("spent_effect", sa.BigInteger(), nullable=False),
        sa.Column("committed_effect", sa.BigInteger(), nullable=False),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("settles_id", sa.Uuid(), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("evidence", sa.String(length=200), nullable=True),
        sa.Column("payee", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_by", sa.String(length=200), nullable=False),
        sa.Column("posted_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("import_transaction_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'adjustment' AND amount_pence <> 0) OR (kind <> 'adjustment' AND amount_pence > 0)",
            name=op.f("ck_budget_ledger_entries_amount"),
        ),
        sa.CheckConstraint(
            "(kind = 'allocation' AND allocated_effect = amount_pence AND balance_effect = amount_pence AND spent_effect = 0 AND committed_effect = 0) OR (kind = 'commitment' AND allocated_effect = 0 AND balance_effect = 0 AND spent_effect = 0 AND committed_effect = amount_pence) OR (kind = 'refund' AND allocated_effect = 0 AND balance_effect = amount_pence AND spent_effect = -amount_pence AND committed_effect = 0) OR (kind = 'offset_unused' AND allocated_effect = 0 AND balance_effect = -amount_pence AND spent_effect = 0 AND committed_effect = 0) OR (kind = 'repayment_demand' AND allocated_effect = 0 AND balance_effect = -amount_pence AND spent_effect = 0 AND committed_effect = 0) OR (kind = 'adjustment' AND allocated_effect = amount_pence AND balance_effect = amount_pence AND spent_effect = 0 AND committed_effect = 0) OR (kind = 'payment' AND allocated_effect = 0 AND balance_effect = -amount_pence AND spent_effect = amount_pence AND committed_effect BETWEEN -amount_pence AND 0) OR (kind = 'reversal' AND reverses_id IS NOT NULL)",
            name=op.f("ck_budget_ledger_entries_effects"),
        ),
        sa.CheckConstraint(
            "kind IN ('allocation', 'commitment', 'payment', 'refund', 'adjustment', 'reversal', 'offset_unused', 'repayment_demand')",
            name=op.f("ck_budget_ledger_entries_kind_valid"),
        ),
        sa.CheckConstraint(
            "held_as IN ('notional', 'third_party', 'direct_payment')",
            name=op.f("ck_budget_ledger_entries_held_as_valid"),
        ),
        sa.CheckConstraint(
            "counts_as IN ('allocation', 'commitment', 'payment', 'refund', 'adjustment', 'reversal', 'offset_unused', 'repayment_demand')",
            name=op.f("ck_budget_ledger_entries_counts_as_valid"),
        ),
        sa.CheckConstraint(
            "funding_source IN ('nhs_chc', 's117_aftercare', 'personal_wheelchair', 'other_nhs', 'social_care')",
            name=op.f("ck_budget_ledger_entries_funding_source_valid"),
        ),
        sa.CheckConstraint(
            "(kind = 'reversal' AND counts_as <> 'reversal') OR counts_as = kind",
            name=op.f("ck_budget_ledger_entries_counts_as_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"], ["budgets.id"], name=op.f("fk_budget_ledger_entries_budget_id_budgets")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["budget_lines.id"],
            name=op.f("fk_budget_ledger_entries_line_id_budget_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["budget_ledger_entries.id"],
            name=op.f("fk_budget_ledger_entries_reverses_id_budget_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["settles_id"],
            ["budget_ledger_entries.id"],
            name=op.f("fk_budget_ledger_entries_settles_id_budget_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_budget_ledger_entries_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_ledger_entries")),
    )
    with op.batch_alter_table("budget_ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_budget_ledger_entries_budget_on", ["budget_id", "entry_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_ledger_entries_import_transaction_id"),
            ["import_transaction_id"],
            unique=False,
        )
        batch_op.create_index("ix_budget_ledger_entries_line_id", ["line_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_budget_ledger_entries_reverses_id"), ["reverses_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_ledger_entries_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "budget_reconsiderations",
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("outcome_reasons", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('upheld', 'changed', 'withdrawn')",
            name=op.f("ck_budget_reconsiderations_outcome_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["budget_decisions.id"],
            name=op.f("fk_budget_reconsiderations_decision_id_budget_decisions"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_budget_reconsiderations_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_reconsiderations")),
    )
    with op.batch_alter_table("budget_reconsiderations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_reconsiderations_decision_id"), ["decision_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_reconsiderations_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "budget_statement_transactions",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("transaction_on", sa.Date(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("payee", sa.String(length=200), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("account_reference", sa.String(length=64), nullable=True),
        sa.Column("match_status", sa.String(length=12), nullable=False),
        sa.Column("budget_id", sa.Uuid(), nullable=True),
        sa.Column("line_id", sa.Uuid(), nullable=True),
        sa.Column("ledger_entry_id", sa.Uuid(), nullable=True),
        sa.Column("unmatched_reason", sa.Text(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "match_status IN ('matched', 'unmatched')",
            name=op.f("ck_budget_statement_transactions_match_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"],
            ["budgets.id"],
            name=op.f("fk_budget_statement_transactions_budget_id_budgets"),
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["budget_statement_imports.id"],
            name=op.f("fk_budget_statement_transactions_import_id_budget_statement_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["budget_lines.id"],
            name=op.f("fk_budget_statement_transactions_line_id_budget_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_budget_statement_transactions_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_statement_transactions")),
    )
    with op.batch_alter_table("budget_statement_transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_budget_statement_transactions_budget_id", ["budget_id"], unique=False
        )
        batch_op.create_index(
            "ix_budget_statement_transactions_fingerprint", ["fingerprint"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_statement_transactions_import_id"), ["import_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_statement_transactions_team_id"), ["team_id"], unique=False
        )
    op.create_table(
        "budget_ledger_totals",
        sa.Column("budget_id", sa.Uuid(), nullable=False),
        sa.Column("allocated", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("spent", sa.BigInteger(), nullable=False),
        sa.Column("committed", sa.BigInteger(), nullable=False),
        sa.Column("no_evidence", sa.Integer(), nullable=False),
        sa.Column("unlinked", sa.Integer(), nullable=False),
        sa.Column("first_nhs", sa.Date(), nullable=True),
        sa.Column("first_social", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("budget_id", name=op.f("pk_budget_ledger_totals")),
    )
    _ledger_append_only()
    _totals_triggers()


def downgrade() -> None:
    _drop_ledger_triggers()
    op.drop_table("budget_ledger_totals")
    with op.batch_alter_table("budget_statement_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_statement_transactions_team_id"))
        batch_op.drop_index(batch_op.f("ix_budget_statement_transactions_import_id"))
        batch_op.drop_index("ix_budget_statement_transactions_fingerprint")
        batch_op.drop_index("ix_budget_statement_transactions_budget_id")

    op.drop_table("budget_statement_transactions")
    with op.batch_alter_table("budget_reconsiderations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_reconsiderations_team_id"))
        batch_op.drop_index(batch_op.f("ix_budget_reconsiderations_decision_id"))

    op.drop_table("budget_reconsiderations")
    with op.batch_alter_table("budget_ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_ledger_entries_team_id"))
        batch_op.drop_index(batch_op.f("ix_budget_ledger_entries_reverses_id"))
        batch_op.drop_index("ix_budget_ledger_entries_line_id")
        batch_op.drop_index(batch_op.f("ix_budget_ledger_entries_import_transaction_id"))
        batch_op.drop_index("ix_budget_ledger_entries_budget_on")

    op.drop_table("budget_ledger_entries")
    with op.batch_alter_table("budget_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_status_changes_team_id"))
        batch_op.drop_index("ix_budget_status_changes_budget_at")

    op.drop_table("budget_status_changes")
    with op.batch_alter_table("budget_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_reviews_team_id"))
        batch_op.drop_index(batch_op.f("ix_budget_reviews_budget_id"))

    op.drop_table("budget_reviews")
    with op.batch_alter_table("budget_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_lines_team_id"))
        batch_op.drop_index(batch_op.f("ix_budget_lines_budget_id"))

    op.drop_table("budget_lines")
    with op.batch_alter_table("budget_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_decisions_team_id"))
        batch_op.drop_index(batch_op.f("ix_budget_decisions_budget_id"))

    op.drop_table("budget_decisions")
    with op.batch_alter_table("budgets", schema=None) as batch_op:
        batch_op.drop_index("ix_budgets_team_status")
        batch_op.drop_index(batch_op.f("ix_budgets_team_id"))
        batch_op.drop_index(batch_op.f("ix_budgets_patient_id"))
        batch_op.drop_index(batch_op.f("ix_budgets_account_reference"))

    op.drop_table("budgets")
    with op.batch_alter_table("budget_statement_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_statement_imports_team_id"))
        batch_op.drop_index(batch_op.f("ix_budget_statement_imports_file_sha256"))

    op.drop_table("budget_statement_imports")
    _restore_placeholders()


def _restore_placeholders() -> None:
    op.create_table(
        "personal_health_budgets",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("allocation_pence", sa.BigInteger(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('notional', 'third_party', 'direct_payment')",
            name=op.f("ck_personal_health_budgets_kind_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'active', 'suspended', 'ended')",
            name=op.f("ck_personal_health_budgets_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_personal_health_budgets_patient_id_patients"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_personal_health_budgets_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_health_budgets")),
    )
    with op.batch_alter_table("personal_health_budgets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_personal_health_budgets_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_personal_health_budgets_team_id"), ["team_id"], unique=False
        )
    op.create_table(
        "budget_lines",
        sa.Column("budget_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("care_plan_goal_ref", sa.String(length=64), nullable=True),
        sa.Column("planned_pence", sa.BigInteger(), nullable=False),
        sa.Column("frequency", sa.String(length=40), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["budget_id"],
            ["personal_health_budgets.id"],
            name=op.f("fk_budget_lines_budget_id_personal_health_budgets"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_budget_lines_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_lines")),
    )
    with op.batch_alter_table("budget_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_lines_budget_id"), ["budget_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_budget_lines_team_id"), ["team_id"], unique=False)
    op.create_table(
        "ledger_entries",
        sa.Column("budget_id", sa.Uuid(), nullable=False),
        sa.Column("budget_line_id", sa.Uuid(), nullable=True),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('spend', 'refund', 'adjustment', 'top_up')",
            name=op.f("ck_ledger_entries_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"],
            ["personal_health_budgets.id"],
            name=op.f("fk_ledger_entries_budget_id_personal_health_budgets"),
        ),
        sa.ForeignKeyConstraint(
            ["budget_line_id"],
            ["budget_lines.id"],
            name=op.f("fk_ledger_entries_budget_line_id_budget_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_ledger_entries_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_budget_id"), ["budget_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_entries_team_id"), ["team_id"], unique=False)
