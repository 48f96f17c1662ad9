"""The budget holder's statement, the team report and decision letters, from the store."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select

from mdt_desktop.domain import budgets as rules
from mdt_desktop.domain.budgets import DecisionKind, EntryKind, format_pence
from mdt_desktop.domain.budgets import vocab as words
from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.people import format_patient_date as fmt
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.reports import budget_statement as pdf
from mdt_desktop.store import budgets as reads
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import BudgetDecision, Team

from ..care_plan_export import _produced_by, _write
from ..patients import patient_banner
from .overview import summary, team_report

REGULATION = {
    DecisionKind.REDUCE: "regulation 13 of the National Health Service (Direct Payments) "
    "Regulations 2013",
    DecisionKind.REPAY: "regulation 15 of the National Health Service (Direct Payments) "
    "Regulations 2013",
    DecisionKind.STOP: "regulation 17 of the National Health Service (Direct Payments) "
    "Regulations 2013",
}


def _what(kind: str, payee: str | None, note: str | None) -> str:
    label = EntryKind(kind).label
    detail = payee or note or ""
    return f"{label}: {detail}" if detail else label


def statement_document(
    store: Store,
    budget_id: uuid.UUID,
    *,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> pdf.StatementDocument:
    today = today or date.today()
    found = summary(store, budget_id, today)
    row = found.row
    start = start or row.period_start
    end = end or min(row.period_end, max(today, row.period_start))
    if end < start:
        raise ValueError("A statement's period must end on or after its start.")
    with store.session() as s:
        figures = reads.figures_between(s, budget_id, start, end)
        ledger = reads.ledger_rows(s, budget_id)
        lines = reads.line_rows(s, budget_id)
        # Per line, spend within the statement: a SQL sum per line over the dates.
        in_period = reads.line_spend_between(s, budget_id, start, end)
    shown = [e for e in ledger if start <= e.entry_on <= end]
    entries = tuple(
        pdf.StatementEntry(
            e.entry_on,
            _what(e.kind, e.payee, e.note),
            e.reference or "",
            max(e.balance_effect, 0),
            max(-e.balance_effect, 0),
            e.running_balance,
        )
        for e in shown
    )
    statement_lines = tuple(
        pdf.StatementLine(
            ln.description,
            words.LineCategory(ln.category).label,
            f"{format_pence(ln.amount_pence)} {words.Frequency(ln.frequency).label.lower()}",
            rules.planned_spend(
                ln.amount_pence, ln.frequency, ln.starts_on, start, min(end, ln.ends_on or end)
            ),
            in_period.get(ln.id, 0),
            ln.figures.spent,
            ln.paused_at is not None,
        )
        for ln in lines
    )
    banner = patient_banner(store, row.patient_id, today)
    nr = found.next_review
    if nr is None:
        next_review = "none is due"
    elif nr.due_on < today:
        next_review = f"overdue: it was due by {fmt(nr.due_on)} ({nr.reason.label.lower()})"
    else:
        next_review = f"due by {fmt(nr.due_on)} ({nr.reason.label.lower()})"
    notes = tuple(a.message for a in found.alerts)
    store.audit("view", "budgets", budget_id, row.patient_id, "budget statement built")
    return pdf.StatementDocument(
        running_line=banner.one_line,
        person_name=banner.name,
        budget_label=f"{words.BudgetKind(row.kind).label} — "
        f"{words.FundingSource(row.funding_source).label}",
        held_as=words.HeldAs(row.held_as).label
        + (" (managed account)" if row.managed_account else ""),
        holder=row.holder or row.representative or row.nominee or banner.name,
        period_start=row.period_start,
        period_end=row.period_end,
        start=start,
        end=end,
        allocation=row.figures.allocated,
        opening=figures["opening"],
        money_in=figures["money_in"],
        money_out=figures["money_out"],
        closing=figures["closing"],
        committed=row.figures.committed,
        lines=statement_lines,
        entries=entries,
        next_review=next_review,
        produced_by=_produced_by(store),
        produced_at=datetime.now(UTC),
        notes=notes,
    )


def export_statement(
    store: Store,
    budget_id: uuid.UUID,
    out: Path,
    *,
    large_print: bool = False,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> Path:
    require(store.actor.role, Permission.EXPORT_RECORD)
    doc = statement_document(store, budget_id, start=start, end=end, today=today)
    _write(Path(out), pdf.build_statement_pdf(doc, large_print))
    with store.session() as s:
        patient_id = reads.budget_row(s, budget_id).patient_id
    store.audit("export", "budgets", budget_id, patient_id, f"budget statement to {Path(out).name}")
    return Path(out)


def team_report_document(
    store: Store, today: date | None = None, team_id: uuid.UUID | None = None
) -> pdf.TeamReportDocument:
    today = today or date.today()
    report = team_report(store, today, team_id)
    with store.session() as s:
        names = list(s.scalars(select(Team.name).where(Team.deleted_at.is_(None))))
    team_name = names[0] if len(names) == 1 else "All teams in this store"

    def groups(
        rows: list[reads.ReportGroup], vocab: type[StrEnum]
    ) -> tuple[pdf.ReportGroupRow, ...]:
        return tuple(
            pdf.ReportGroupRow(
                cast(Any, vocab(g.key)).label,
                g.budgets,
                g.allocated,
                g.committed,
                g.spent,
                g.balance,
            )
            for g in rows
        )

    overdue = tuple(
        pdf.OverdueRow(
            b.person,
            format_nhs_number(b.nhs_number) if b.nhs_number else "Not known",
            words.FundingSource(b.funding_source).label,
            fmt(b.review.due_on),
            b.review.reason.label,
        )
        for b in report.reviews_overdue
    )
    return pdf.TeamReportDocument(
        team_name=team_name,
        as_of=today,
        budgets=report.budgets,
        by_kind=groups(report.by_kind, words.BudgetKind),
        by_source=groups(report.by_source, words.FundingSource),
        overdue=overdue,
        alert_counts=tuple(
            (words.AlertKind(k).label, n) for k, n in sorted(report.alert_counts.items())
        ),
        produced_by=_produced_by(store),
        produced_at=datetime.now(UTC),
    )


def export_team_report(
    store: Store, out: Path, *, today: date | None = None, large_print: bool = False
) -> Path:
    require(store.actor.role, Permission.EXPORT_RECORD)
    doc = team_report_document(store, today)
    _write(Path(out), pdf.build_team_report_pdf(doc, large_print))
    store.audit("export", "budgets", None, None, f"team budget report to {Path(out).name}")
    return Path(out)


def decision_letter(
    store: Store, decision_id: uuid.UUID, today: date | None = None
) -> pdf.DecisionLetter:
    with store.session() as s:
        d = s.get(BudgetDecision, decision_id)
        if d is None or d.deleted_at is not None:
            raise LookupError("That decision is not in this store.")
        row = reads.budget_row(s, d.budget_id)
        requests = reads.reconsiderations(s, decision_id)
    kind = DecisionKind(d.kind)
    draft = rules.DecisionDraft(
        kind=kind, grounds=tuple(rules.DecisionGround(g) for g in d.grounds), reasons=d.reasons,
        decided_on=d.decided_on, effective_on=d.effective_on, amount=d.amount_pence,
        repay_by=d.repay_by, repayer=d.repayer, reconsideration_route=d.reconsideration_route,
        reconsider_by=d.reconsider_by,
    )  # fmt: skip
    banner = patient_banner(store, row.patient_id, today)
    recon = []
    for r in requests:
        line = f"{r.requested_by} asked on {fmt(r.requested_on)} for this to be reconsidered: "
        line += r.grounds
        if r.outcome:
            line += (
                f" Outcome on {fmt(r.outcome_on)}: "
                f"{words.ReconsiderationOutcome(r.outcome).label}. {r.outcome_reasons}"
            )
        recon.append(line)
    return pdf.DecisionLetter(
        running_line=banner.one_line,
        addressee=row.representative or row.nominee or row.holder or banner.name,
        person_name=banner.name,
        decided_on=d.decided_on,
        points=tuple(rules.notice_points(draft)),
        regulation=REGULATION[kind],
        signed_by=d.decided_by,
        produced_by=_produced_by(store),
        produced_at=datetime.now(UTC),
        reconsiderations=tuple(recon),
    )


def export_decision_letter(
    store: Store, decision_id: uuid.UUID, out: Path, *, large_print: bool = False
) -> Path:
    require(store.actor.role, Permission.EXPORT_RECORD)
    doc = decision_letter(store, decision_id)
    _write(Path(out), pdf.build_letter_pdf(doc, large_print))
    with store.session() as s:
        d = s.get(BudgetDecision, decision_id)
        patient_id = reads.budget_row(s, d.budget_id).patient_id if d else None
    store.audit("export", "budget_decisions", decision_id, patient_id,
                f"decision letter to {Path(out).name}")  # fmt: skip
    return Path(out)
