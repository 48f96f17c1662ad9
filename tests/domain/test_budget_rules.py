"""Budget arithmetic and the statutory review clock, with property tests over any history."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdt_desktop.domain import budgets as b
from mdt_desktop.domain.budgets import EntryKind as K

AMOUNTS = st.integers(min_value=1, max_value=5_000_000)
KINDS = st.sampled_from([k for k in K if k is not K.REVERSAL])
DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[tuple[K, int]], set[int], list[b.Effects]]:
    """An allocation, then any sequence of entries with reversals of earlier ones mixed in.

    As the service allows, only an entry that is not itself a reversal is reversed, and once.
    Returns the entries posted, which of them were reversed, and every stored effect.
    """
    posted: list[tuple[K, int]] = [(K.ALLOCATION, draw(AMOUNTS))]
    effects = [b.effects_of(*posted[0])]
    reversed_: set[int] = set()
    for _ in range(draw(st.integers(0, 30))):
        open_ = [
            i for i, (k, _a) in enumerate(posted) if k is not K.REVERSAL and i not in reversed_
        ]
        if open_ and draw(st.integers(0, 3)) == 0:
            i = draw(st.sampled_from(open_))
            reversed_.add(i)
            posted.append((K.REVERSAL, i))
            effects.append(b.reversal_effects(effects[i]))
            continue
        kind = draw(KINDS)
        amount = draw(AMOUNTS) * (draw(st.sampled_from([1, -1])) if kind is K.ADJUSTMENT else 1)
        posted.append((kind, amount))
        effects.append(b.effects_of(kind, amount))
    return posted, reversed_, effects


@given(histories())
def test_balance_is_allocation_less_debits_plus_credits(history) -> None:
    posted, reversed_, effects = history
    standing = [p for i, p in enumerate(posted) if p[0] is not K.REVERSAL and i not in reversed_]
    allocation = sum(a for k, a in standing if k is K.ALLOCATION)
    debits = sum(a for k, a in standing if k in b.DEBIT_KINDS)
    debits += sum(-a for k, a in standing if k is K.ADJUSTMENT and a < 0)
    credits = sum(a for k, a in standing if k is K.REFUND)
    credits += sum(a for k, a in standing if k is K.ADJUSTMENT and a > 0)
    total = b.totals(effects)
    assert total.balance == allocation - debits + credits
    assert total.spent == sum(a for k, a in standing if k is K.PAYMENT) - sum(
        a for k, a in standing if k is K.REFUND
    )
    assert type(total.balance) is int


@given(histories(), st.data())
def test_a_reversal_restores_every_figure_exactly(history, data) -> None:
    _posted, _r, effects = history
    before = b.totals(effects)
    kind = data.draw(KINDS)
    amount = data.draw(AMOUNTS)
    entry = b.effects_of(kind, amount)
    after = b.totals([*effects, entry, b.reversal_effects(entry)])
    assert after == before
    assert after.available == before.available


@given(histories(), st.lists(DAYS, min_size=1, max_size=31), st.lists(DAYS, max_size=5))
def test_statement_total_equals_ledger_for_any_split(history, days, cuts) -> None:
    posted, _r, effects = history
    entries = [
        b.Entry(days[n % len(days)], kind, abs(amount), eff)
        for n, ((kind, amount), eff) in enumerate(zip(posted, effects, strict=True))
    ]
    start, end = date(2024, 1, 1), date(2028, 12, 31)
    whole = b.statement(entries, start, end)
    assert whole.closing == b.totals(effects).balance
    bounds = sorted({start, *(c for c in cuts if start < c <= end)})
    pieces = [
        b.statement(entries, lo, hi - timedelta(days=1))
        for lo, hi in zip(bounds, [*bounds[1:], end + timedelta(days=1)], strict=True)
    ]
    assert sum(p.movement for p in pieces) == whole.movement
    assert sum(len(p.entries) for p in pieces) == len(whole.entries)
    for prev, nxt in itertools.pairwise(pieces):
        assert prev.closing == nxt.opening


@pytest.mark.parametrize("bad", [12.5, 1e3, "100", True, None])
def test_no_float_or_string_becomes_money(bad) -> None:
    with pytest.raises(TypeError, match="whole pence"):
        b.effects_of(K.PAYMENT, bad)
    with pytest.raises(TypeError):
        b.Pence(bad)


def test_pence_format_and_parse() -> None:
    assert str(b.Pence(123456)) == "£1,234.56"
    assert b.format_pence(-1200) == "−£12.00"
    assert b.format_pence(5) == "£0.05"
    assert b.parse_pence("£1,234.56") == 123456
    assert b.parse_pence("12.5") == 1250
    assert b.parse_pence("(40.00)") == -4000
    assert b.parse_pence("-3") == -300
    for bad in ("12.345", "£1,23.00", "abc", "1e3", ""):
        with pytest.raises(ValueError, match="not an amount"):
            b.parse_pence(bad)


def test_entry_signs_and_commitments() -> None:
    assert b.effects_of(K.PAYMENT, 500) == b.Effects(balance=-500, spent=500)
    assert b.effects_of(K.REFUND, 200) == b.Effects(balance=200, spent=-200)
    assert b.effects_of(K.COMMITMENT, 900) == b.Effects(committed=900)
    assert b.effects_of(K.PAYMENT, 900, settles=900).committed == -900
    assert b.effects_of(K.OFFSET_UNUSED, 100) == b.Effects(balance=-100)
    assert b.effects_of(K.REPAYMENT_DEMAND, 100) == b.Effects(balance=-100)
    assert b.effects_of(K.ADJUSTMENT, -100) == b.Effects(allocated=-100, balance=-100)
    t = b.totals([b.effects_of(K.ALLOCATION, 10_000), b.effects_of(K.COMMITMENT, 3_000)])
    assert (t.balance, t.committed, t.available) == (10_000, 3_000, 7_000)
    with pytest.raises(ValueError, match=r"more than £0\.00"):
        b.effects_of(K.PAYMENT, 0)
    with pytest.raises(ValueError, match="Only a payment"):
        b.effects_of(K.REFUND, 10, settles=5)
    with pytest.raises(ValueError, match="reverses"):
        b.effects_of(K.REVERSAL, 10)


def test_status_transitions() -> None:
    S = b.BudgetStatus
    assert b.check_transition(S.INDICATIVE, S.AGREED) is S.AGREED
    assert b.check_transition("active", "under_review") is S.UNDER_REVIEW
    with pytest.raises(ValueError, match="indicative cannot become active"):
        b.check_transition(S.INDICATIVE, S.ACTIVE)
    with pytest.raises(ValueError, match="closed cannot become active"):
        b.check_transition(S.CLOSED, S.ACTIVE)
    assert all(s.label for s in S)


def test_planned_spend_by_frequency() -> None:
    start, end = date(2026, 4, 1), date(2027, 3, 31)
    assert b.occurrences("weekly", start, start, end) == 53  # 365 days: 52 weeks and a day
    assert b.occurrences("four_weekly", start, start, end) == 14
    assert b.occurrences("monthly", date(2026, 1, 31), start, end) == 12
    assert b.occurrences("one_off", date(2026, 5, 5), start, end) == 1
    assert b.occurrences("one_off", date(2027, 5, 5), start, end) == 0
    assert b.planned_spend(45_050, "weekly", start, start, date(2026, 4, 30)) == 5 * 45_050
    assert b.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert b.add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


@given(
    st.sampled_from(list(b.Frequency)),
    DAYS,
    DAYS,
    st.integers(0, 400),
    st.integers(0, 400),
)
def test_occurrences_add_up_over_any_split(freq, first, start, a, c) -> None:
    mid = start + timedelta(days=a)
    end = mid + timedelta(days=c)
    whole = b.occurrences(freq, first, start, end)
    assert whole == b.occurrences(freq, first, start, mid) + b.occurrences(
        freq, first, mid + timedelta(days=1), end
    )


def test_projection_burn_rate_and_run_out_day() -> None:
    p = b.project(
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        today=date(2026, 1, 10),
        spent=10_000,
        balance=90_000,
    )
    assert p.burn_per_day == Fraction(1_000)
    assert p.projected_spend == 10_000 + 355 * 1_000
    assert p.projected_balance == 90_000 - 355_000
    assert p.runs_out_on == date(2026, 4, 10)  # 90 more days at £10 a day
    assert p.variance_share(100_000) == Fraction(265, 100)
    steady = b.project(
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        today=date(2026, 7, 2),
        spent=0,
        balance=100_000,
    )
    assert steady.runs_out_on is None and steady.projected_balance == 100_000
    # A penny spent against a large balance: the run-out day lies past any date, so none.
    slow = b.project(period_start=date(2028, 2, 11), period_end=date(2029, 1, 1),
                     today=date(2028, 12, 31), spent=1, balance=1_912_784, committed=0)  # fmt: skip
    assert slow.runs_out_on is None


# --- the review clock ---------------------------------------------------------------------

CLOCKS = st.sampled_from(list(b.ReviewClock))


@st.composite
def review_histories(draw: st.DrawFn) -> list[b.ReviewFact]:
    out = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(list(b.ReviewKind)))
        asked = draw(DAYS)
        held = draw(st.none() | st.integers(0, 120).map(lambda d, a=asked: a + timedelta(d)))
        reason = (
            b.ReviewReason.STATUTORY
            if kind is b.ReviewKind.SCHEDULED
            else draw(
                st.sampled_from(
                    [
                        b.ReviewReason.HEALTH_CHANGE,
                        b.ReviewReason.MONEY_INSUFFICIENT,
                        b.ReviewReason.HOSPITAL_ADMISSION,
                    ]
                )
            )
        )
        out.append(b.ReviewFact(kind, reason, asked, held))
    return out


@given(CLOCKS, DAYS, review_histories())
def test_next_due_respects_first_then_twelve_months(clock, first, reviews) -> None:
    due = b.scheduled_due(clock, first, reviews)
    held = [
        r.held_on
        for r in reviews
        if r.kind is b.ReviewKind.SCHEDULED and r.held_on and r.held_on >= first
    ]
    first_months = 3 if clock is b.ReviewClock.NHS_DIRECT_PAYMENT else 6
    if not held:
        assert due <= b.add_months(first, first_months)
        assert due > first
    else:
        assert due <= b.add_months(max(held), 12)
        assert due > max(held)


@given(CLOCKS, DAYS, review_histories(), review_histories())
def test_event_reviews_never_push_a_due_date_later(clock, first, reviews, extra) -> None:
    before = b.next_review({clock: first}, reviews)
    events = [r for r in extra if r.kind is b.ReviewKind.EVENT]
    after = b.next_review({clock: first}, [*reviews, *events])
    assert before is not None and after is not None
    assert after.due_on <= before.due_on


@given(DAYS, DAYS, review_histories())
def test_a_mixed_budget_keeps_both_clocks(nhs_first, social_first, reviews) -> None:
    both = b.next_review(
        {b.ReviewClock.NHS_DIRECT_PAYMENT: nhs_first,
         b.ReviewClock.SOCIAL_CARE_DIRECT_PAYMENT: social_first},
        reviews,
    )  # fmt: skip
    nhs = b.next_review({b.ReviewClock.NHS_DIRECT_PAYMENT: nhs_first}, reviews)
    social = b.next_review({b.ReviewClock.SOCIAL_CARE_DIRECT_PAYMENT: social_first}, reviews)
    assert both.due_on == min(nhs.due_on, social.due_on)


def test_clock_examples() -> None:
    nhs, social = b.ReviewClock.NHS_DIRECT_PAYMENT, b.ReviewClock.SOCIAL_CARE_DIRECT_PAYMENT
    first = date(2026, 1, 15)
    assert b.scheduled_due(nhs, first, []) == date(2026, 4, 15)
    assert b.scheduled_due(social, first, []) == date(2026, 7, 15)
    held = b.ReviewFact(b.ReviewKind.SCHEDULED, b.ReviewReason.STATUTORY, first, date(2026, 3, 1))
    assert b.scheduled_due(nhs, first, [held]) == date(2027, 3, 1)
    admitted = b.ReviewFact(b.ReviewKind.EVENT, b.ReviewReason.HOSPITAL_ADMISSION, date(2026, 2, 1))
    nr = b.next_review({nhs: first}, [admitted])
    assert nr.due_on == date(2026, 2, 15) and nr.reason is b.ReviewReason.HOSPITAL_ADMISSION
    assert b.clock_for("s117_aftercare", "direct_payment") is nhs
    assert b.clock_for("social_care", "direct_payment") is social
    assert b.clock_for("nhs_chc", "notional") is None
    assert b.clocks_for([("nhs_chc", "direct_payment"), ("social_care", "direct_payment")]) == {
        nhs,
        social,
    }


# --- alerts and notices ------------------------------------------------------------------


def _facts(**over) -> b.AlertFacts:
    base = dict(
        allocated=100_000,
        period_end=date(2027, 3, 31),
        projection=b.project(
            period_start=date(2026, 4, 1),
            period_end=date(2027, 3, 31),
            today=date(2026, 10, 1),
            spent=50_000,
            balance=50_000,
        ),
        next_review=None,
        payments_without_evidence=0,
        unlinked_payments=0,
        renewed=False,
    )
    base.update(over)
    return b.AlertFacts(**base)


def test_alerts() -> None:
    today = date(2026, 10, 1)
    assert b.budget_alerts(_facts(), today) == ()
    over = b.project(
        period_start=date(2026, 4, 1), period_end=date(2027, 3, 31), today=today,
        spent=56_000, balance=44_000,
    )  # fmt: skip
    kinds = [a.kind for a in b.budget_alerts(_facts(projection=over), today)]
    assert kinds == [b.AlertKind.PROJECTED_OVERSPEND]
    # 12 % over: alerted at the default 10 %, not at a 15 % threshold.
    assert b.budget_alerts(_facts(projection=over), today, Fraction(15, 100)) == ()
    under = b.project(
        period_start=date(2026, 4, 1), period_end=date(2027, 3, 31), today=today,
        spent=30_000, balance=70_000,
    )  # fmt: skip
    assert b.budget_alerts(_facts(projection=under), today)[0].kind is (
        b.AlertKind.PROJECTED_UNDERSPEND
    )
    due = b.NextReview(today + timedelta(days=10), None, b.ReviewReason.STATUTORY)
    late = b.NextReview(today - timedelta(days=1), None, b.ReviewReason.STATUTORY)
    ending = dict(period_end=today + timedelta(days=59))
    alerts = b.budget_alerts(
        _facts(next_review=late, payments_without_evidence=2, unlinked_payments=1, **ending),
        today,
    )
    assert [a.kind for a in alerts] == [
        b.AlertKind.MISSING_EVIDENCE, b.AlertKind.UNLINKED_PAYMENT,
        b.AlertKind.REVIEW_OVERDUE, b.AlertKind.PERIOD_ENDING,
    ]  # fmt: skip
    assert "2 direct payments have no receipt" in alerts[0].message
    assert b.budget_alerts(_facts(next_review=due), today)[0].kind is b.AlertKind.REVIEW_DUE
    assert b.budget_alerts(_facts(renewed=True, **ending), today) == ()
    assert b.budget_alerts(_facts(period_end=today + timedelta(days=61)), today) == ()


def test_a_repayment_notice_needs_what_reg_15_lists() -> None:
    d = b.DecisionDraft(b.DecisionKind.REPAY, (b.DecisionGround.SUBSTANTIAL_UNUSED,), "",
                        date(2026, 5, 1))  # fmt: skip
    msgs = b.problems(d)
    assert "The notice must give the reasons for the decision in words." in msgs
    assert "Give the amount, more than £0.00." in msgs
    assert "A repayment notice must give the time limit for repaying." in msgs
    assert "A repayment notice must say who must repay." in msgs
    assert "The notice must say how to ask for the decision to be reconsidered." in msgs
    ok = b.DecisionDraft(
        b.DecisionKind.REPAY, (b.DecisionGround.SUBSTANTIAL_UNUSED,), "£4,000 built up unused.",
        date(2026, 5, 1), amount=400_000, repay_by=date(2026, 6, 1), repayer="Ann Smith",
        reconsideration_route="Write to the ICB's PHB team",
    )  # fmt: skip
    assert b.problems(ok) == []
    headings = [h for h, _ in b.notice_points(ok)]
    assert headings == ["Decision", "Grounds", "Reasons", "Amount to repay", "Repay by",
                        "Who must repay", "Asking for reconsideration"]  # fmt: skip
    stop = b.DecisionDraft(b.DecisionKind.STOP, (b.DecisionGround.SUBSTANTIAL_UNUSED,), "x",
                           date(2026, 5, 1), effective_on=date(2026, 6, 1))  # fmt: skip
    assert b.problems(stop) == [
        "A substantial amount of the money has not been used is not a ground to stop the direct "
        "payment."
    ]


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**6))
def test_integer_rounding_is_exact_half_to_even(numerator: int, denominator: int) -> None:
    from mdt_desktop.domain.budgets.forecast import _div_half_even

    assert _div_half_even(numerator, denominator) == round(Fraction(numerator, denominator))


@given(st.integers(0, 10**8), st.integers(-(10**8), 10**8), st.integers(0, 10**6), DAYS, DAYS)
def test_run_out_day_is_the_first_day_the_money_is_gone(spent, balance, committed, d1, d2) -> None:
    start, today = min(d1, d2), max(d1, d2)
    end = today + timedelta(days=400)
    p = b.project(period_start=start, period_end=end, today=today, spent=spent,
                  balance=balance, committed=committed)  # fmt: skip
    if p.runs_out_on is not None and p.runs_out_on > today and spent:
        days = (p.runs_out_on - today).days
        left = balance - committed
        assert left - p.burn_per_day * days <= 0 < left - p.burn_per_day * (days - 1)
