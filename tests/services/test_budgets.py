"""Budgets end to end against a real encrypted store: create, agree, post, reverse, review,
decide with a notice, hospital pauses, alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from support.budgets import END, START, agreed_budget
from support.care_plans import clinician

from mdt_desktop.domain.budgets import AlertKind, ReviewReason
from mdt_desktop.domain.permissions import NotPermitted
from mdt_desktop.domain.roles import Role
from mdt_desktop.services import budgets
from mdt_desktop.store import budgets as reads
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    AuditEntry,
    Budget,
    BudgetReview,
    HospitalAdmission,
    LedgerEntry,
    OutboxEntry,
)


def test_create_agree_and_status_history_with_who_when_why(store: Store) -> None:
    setup = agreed_budget(store)
    with store.session() as s:
        history = reads.status_history(s, setup.budget_id)
        assert [(h.from_status, h.to_status) for h in history] == [
            (None, "indicative"), ("indicative", "agreed"), ("agreed", "active"),
        ]  # fmt: skip
        assert {h.changed_by for h in history} == {"Pat Holder"}
        assert history[1].reason == "Agreed at the MDT of 25-Mar-2026."
        row = reads.budget_row(s, setup.budget_id)
        assert row.figures.allocated == 2_600_000 and row.figures.balance == 2_600_000
        outbox = set(s.scalars(select(OutboxEntry.table_name)))
        assert {"budgets", "budget_lines", "budget_ledger_entries", "budget_status_changes"} <= (
            outbox
        )
        audited = set(s.scalars(select(AuditEntry.entity).where(AuditEntry.action == "create")))
        assert "budget_ledger_entries" in audited
    with pytest.raises(ValueError, match="active cannot become agreed"):
        budgets.change_status(store, setup.budget_id, "agreed", "again")
    with pytest.raises(ValueError, match="Give the reason"):
        budgets.change_status(store, setup.budget_id, "under_review", " ")


def test_a_direct_payment_is_not_agreed_without_risk_arrangements(store: Store) -> None:
    setup = agreed_budget(store, active=False)
    bid = budgets.create_budget(
        store, setup.patient_id, kind="health", funding_source="s117_aftercare",
        held_as="direct_payment", period_start=START, period_end=END, indicative_pence=10_000,
    )  # fmt: skip
    with pytest.raises(ValueError, match="risk-management arrangements"):
        budgets.agree_budget(store, bid, 10_000, "Agreed")
    with pytest.raises(ValueError, match="funded by the NHS"):
        budgets.create_budget(
            store, setup.patient_id, kind="health", funding_source="social_care",
            held_as="notional", period_start=START, period_end=END, indicative_pence=1,
        )  # fmt: skip


def test_lines_serve_goals_of_the_current_plan_only(store: Store) -> None:
    setup = agreed_budget(store)
    with pytest.raises(ValueError, match="goals of the person's current care plan"):
        budgets.add_line(
            store, setup.budget_id, description="Taxi", category="transport", amount_pence=100,
            frequency="monthly", starts_on=START, goal_ids=["not-a-goal"],
        )  # fmt: skip
    with pytest.raises(ValueError, match="Only an integrated budget"):
        budgets.add_line(
            store, setup.budget_id, description="Day centre", category="activities",
            amount_pence=100, frequency="weekly", starts_on=START,
            funding_source="social_care",
        )  # fmt: skip


def test_post_reverse_and_figures_per_line_and_overall(store: Store) -> None:
    setup = agreed_budget(store)
    c = budgets.post_entry(store, setup.budget_id, "commitment", 80_000, date(2026, 5, 1),
                           line_id=setup.equipment_line, reference="PO-1")  # fmt: skip
    p1 = budgets.post_entry(store, setup.budget_id, "payment", 45_000, date(2026, 4, 7),
                            line_id=setup.pa_line, evidence="Timesheet wk1")  # fmt: skip
    budgets.post_entry(store, setup.budget_id, "payment", 79_000, date(2026, 5, 9),
                       line_id=setup.equipment_line, evidence="INV-88", settles_id=c)  # fmt: skip
    wrong = budgets.post_entry(store, setup.budget_id, "payment", 4_500, date(2026, 4, 14),
                               line_id=setup.pa_line, evidence="Timesheet wk2")  # fmt: skip
    budgets.reverse_entry(store, wrong, "Typed £45 instead of £450.")
    budgets.post_entry(store, setup.budget_id, "payment", 45_000, date(2026, 4, 14),
                       line_id=setup.pa_line, evidence="Timesheet wk2")  # fmt: skip
    with store.session() as s:
        row = reads.budget_row(s, setup.budget_id)
        lines = {ln.id: ln for ln in reads.line_rows(s, setup.budget_id)}
        ledger = reads.ledger_rows(s, setup.budget_id)
    assert row.figures.spent == 45_000 * 2 + 79_000
    assert row.figures.balance == 2_600_000 - 169_000
    assert row.figures.committed == 1_000  # £10 of the chair's order is still to pay
    assert row.figures.available == row.figures.balance - 1_000
    assert lines[setup.pa_line].figures.spent == 90_000
    assert lines[setup.equipment_line].figures.committed == 1_000
    assert [e.kind for e in ledger][:3] == ["allocation", "payment", "payment"]
    assert ledger[-1].running_balance == row.figures.balance
    assert next(e for e in ledger if e.id == wrong).reversed_by is not None
    with pytest.raises(ValueError, match="already been reversed"):
        budgets.reverse_entry(store, wrong, "again")
    reversal = next(e.id for e in ledger if e.kind == "reversal")
    with pytest.raises(ValueError, match="cannot itself be reversed"):
        budgets.reverse_entry(store, reversal, "undo")
    with pytest.raises(ValueError, match="within the budget period"):
        budgets.post_entry(store, setup.budget_id, "payment", 100, date(2027, 4, 1),
                           line_id=setup.pa_line)  # fmt: skip
    with pytest.raises(TypeError, match="whole pence"):
        budgets.post_entry(store, setup.budget_id, "payment", 12.5, date(2026, 6, 1))
    del p1


def test_permissions_are_enforced(store: Store) -> None:
    setup = agreed_budget(store)
    clinician(store, Role.PHARMACIST, "Ph Armacist")
    with pytest.raises(NotPermitted):
        budgets.post_entry(store, setup.budget_id, "payment", 100, date(2026, 6, 1))
    clinician(store, Role.ADMINISTRATOR, "Ad Min")
    budgets.post_entry(store, setup.budget_id, "payment", 100, date(2026, 6, 1),
                       line_id=setup.pa_line, evidence="R1")  # fmt: skip
    with pytest.raises(NotPermitted, match="agree budgets"):
        budgets.change_status(store, setup.budget_id, "under_review", "Check")
    clinician(store, Role.CARE_COORDINATOR, "Cc Ord")
    with pytest.raises(NotPermitted, match="reduce, recover or stop"):
        budgets.make_decision(
            store, setup.budget_id, kind="stop", grounds=["consent_withdrawn"], reasons="x",
            decided_on=date(2026, 6, 1), effective_on=date(2026, 6, 15),
        )  # fmt: skip


def test_reviews_on_the_clock_and_after_events(store: Store) -> None:
    setup = agreed_budget(store)
    today = date(2026, 6, 1)
    assert budgets.summary(store, setup.budget_id, today).next_review.due_on == date(2027, 4, 1)
    budgets.post_entry(store, setup.budget_id, "payment", 45_000, date(2026, 4, 7),
                       line_id=setup.pa_line, evidence="T1")  # fmt: skip
    nr = budgets.summary(store, setup.budget_id, today).next_review
    assert nr.due_on == date(2026, 7, 7) and nr.reason is ReviewReason.STATUTORY
    budgets.request_review(store, setup.budget_id, "health_change", date(2026, 6, 1))
    nr = budgets.summary(store, setup.budget_id, today).next_review
    assert nr.due_on == date(2026, 6, 15) and nr.reason is ReviewReason.HEALTH_CHANGE
    budgets.record_review(
        store, setup.budget_id, date(2026, 5, 30), outcome="Plan still meets needs.",
        plan_meets_needs=True, used_effectively=True, amount_sufficient=True,
        obligations_met=True,
    )  # fmt: skip
    nr = budgets.summary(store, setup.budget_id, today).next_review
    assert nr.due_on == date(2026, 6, 15)  # the event review is still owed
    with store.session() as s:
        pending = s.scalars(select(BudgetReview.id).where(BudgetReview.held_on.is_(None))).one()
    budgets.record_review(
        store, setup.budget_id, date(2026, 6, 1), kind="event", reason="health_change",
        review_id=pending, outcome="Needs more PA hours.", plan_meets_needs=False,
        used_effectively=True, amount_sufficient=False, obligations_met=True,
    )  # fmt: skip
    nr = budgets.summary(store, setup.budget_id, today).next_review
    assert nr.reason is ReviewReason.MONEY_INSUFFICIENT and nr.due_on == date(2026, 6, 15)
    late = budgets.summary(store, setup.budget_id, date(2026, 6, 20))
    assert AlertKind.REVIEW_OVERDUE in {a.kind for a in late.alerts}


def test_decision_with_notice_and_reconsideration(store: Store) -> None:
    setup = agreed_budget(store)
    clinician(store, Role.GP, "Dr Gee")
    with pytest.raises(ValueError, match="who must repay"):
        budgets.make_decision(
            store, setup.budget_id, kind="repay", grounds=["substantial_unused"],
            reasons="Unused money built up.", decided_on=date(2026, 9, 1), amount_pence=500_000,
            repay_by=date(2026, 10, 1), reconsideration_route="Write to the PHB team.",
        )  # fmt: skip
    did = budgets.make_decision(
        store, setup.budget_id, kind="repay", grounds=["substantial_unused"],
        reasons="£5,000 built up unused over six months.", decided_on=date(2026, 9, 1),
        amount_pence=500_000, repay_by=date(2026, 10, 1), repayer="Zoë Nguyễn",
        reconsideration_route="Write to the PHB team within 28 days.",
        reconsider_by=date(2026, 9, 29),
    )  # fmt: skip
    with store.session() as s:
        row = reads.budget_row(s, setup.budget_id)
        kinds = [e.kind for e in reads.ledger_rows(s, setup.budget_id)]
    assert row.figures.balance == 2_600_000 - 500_000 and "repayment_demand" in kinds
    rid = budgets.request_reconsideration(
        store, did, requested_on=date(2026, 9, 10), requested_by="Zoë Nguyễn",
        grounds="The money was saved for a planned respite week.",
    )  # fmt: skip
    budgets.decide_reconsideration(
        store, rid, outcome="changed", reasons="Respite week confirmed; repay £2,000 only.",
        decided_on=date(2026, 9, 20),
    )  # fmt: skip
    with store.session() as s:
        (request,) = reads.reconsiderations(s, did)
    assert request.outcome == "changed" and request.decided_by == "Dr Gee"
    budgets.make_decision(
        store, setup.budget_id, kind="stop", grounds=["consent_withdrawn"],
        reasons="Zoë asked to stop the direct payment.", decided_on=date(2026, 10, 1),
        effective_on=date(2026, 10, 29),
    )  # fmt: skip
    with store.session() as s:
        assert s.get(Budget, setup.budget_id).status == "suspended"


def test_admission_pauses_home_lines_and_discharge_restarts_them(store: Store) -> None:
    setup = agreed_budget(store)
    with store.transaction() as s:
        budget = s.get(Budget, setup.budget_id)
        s.add(HospitalAdmission(team_id=budget.team_id, patient_id=setup.patient_id,
                                admitted_at=datetime(2026, 6, 1, 9, tzinfo=UTC)))  # fmt: skip
    assert budgets.follow_admissions(store) == {"paused": 1, "restarted": 0}
    assert budgets.follow_admissions(store) == {"paused": 0, "restarted": 0}
    surplus = budgets.hospital_surplus(store, setup.patient_id, date(2026, 6, 21))
    assert [(p.description, p.surplus_pence) for p in surplus] == [
        ("Personal assistant, 10 hours", 3 * 45_000)  # due 3, 10 and 17 June
    ]
    with pytest.raises(ValueError, match="paused while the person is in hospital"):
        budgets.post_entry(store, setup.budget_id, "payment", 45_000, date(2026, 6, 10),
                           line_id=setup.pa_line, evidence="T")  # fmt: skip
    budgets.post_entry(store, setup.budget_id, "payment", 80_000, date(2026, 6, 10),
                       line_id=setup.equipment_line, evidence="INV")  # fmt: skip
    with store.session() as s:
        reasons = set(s.scalars(select(BudgetReview.reason)))
    assert "hospital_admission" in reasons
    with store.transaction() as s:
        adm = s.scalars(select(HospitalAdmission)).one()
        adm.discharged_at = datetime(2026, 6, 24, 15, tzinfo=UTC)
    assert budgets.follow_admissions(store) == {"paused": 0, "restarted": 1}
    assert budgets.hospital_surplus(store, setup.patient_id, date(2026, 6, 30)) == []
    budgets.post_entry(store, setup.budget_id, "payment", 45_000, date(2026, 6, 30),
                       line_id=setup.pa_line, evidence="T")  # fmt: skip


def test_alerts_for_missing_evidence_unlinked_payments_and_overspend(store: Store) -> None:
    setup = agreed_budget(store, allocation=100_000)
    budgets.post_entry(store, setup.budget_id, "payment", 20_000, date(2026, 4, 10))
    budgets.post_entry(store, setup.budget_id, "payment", 5_000, date(2026, 4, 11),
                       line_id=setup.pa_line)  # fmt: skip
    found = budgets.summary(store, setup.budget_id, date(2026, 4, 30))
    kinds = {a.kind for a in found.alerts}
    assert {AlertKind.MISSING_EVIDENCE, AlertKind.UNLINKED_PAYMENT,
            AlertKind.PROJECTED_OVERSPEND} <= kinds  # fmt: skip
    assert found.row.payments_without_evidence == 2 and found.row.unlinked_payments == 1
    assert found.projection.runs_out_on is not None
    payload = found.as_json()
    assert payload["spent_pence"] == 25_000 and payload["allocation_pence"] == 100_000
    with store.session() as s:
        count = s.scalar(select(func.count()).select_from(LedgerEntry))
    assert count == 3
