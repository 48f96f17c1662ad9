"""Decisions to reduce, repay or stop a direct payment, and what their notice must say.

NHS (Direct Payments) Regulations 2013 as amended by SI 2013/2354:
- reg 13 (reduce): reasonable written notice with the reasons; the person may ask for the
  decision to be reconsidered (added by SI 2013/2354);
- reg 15 (repay): the notice states the reasons, the amount, the time limit for repaying and
  who must repay; the recipient may ask for reconsideration;
- reg 17 (stop): reasonable written notice with the reasons. Stopping is *required* when
  consent is withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .money import format_pence
from .vocab import GROUNDS, DecisionGround, DecisionKind

# Days to ask for a reconsideration when the notice does not say otherwise (the regulations
# leave it to the health body; docs/budgets.md).
DEFAULT_RECONSIDERATION_DAYS = 28


@dataclass(frozen=True)
class DecisionDraft:
    kind: DecisionKind
    grounds: tuple[DecisionGround, ...]
    reasons: str
    decided_on: date
    effective_on: date | None = None  # reduce and stop: when it takes effect
    amount: int | None = None  # reduce: the new reduction; repay: the sum to repay
    repay_by: date | None = None  # repay: the time limit
    repayer: str | None = None  # repay: who must repay
    reconsideration_route: str | None = None
    reconsider_by: date | None = None


def problems(d: DecisionDraft) -> list[str]:
    """What stops this decision from being a lawful notice, each as a sentence; [] if none."""
    out: list[str] = []
    kind = DecisionKind(d.kind)
    if not d.grounds:
        out.append("Choose at least one ground for the decision.")
    wrong = [g for g in d.grounds if g not in GROUNDS[kind]]
    if wrong:
        out.append(f"{wrong[0].label} is not a ground to {kind.label[0].lower()}{kind.label[1:]}.")
    if not (d.reasons or "").strip():
        out.append("The notice must give the reasons for the decision in words.")
    if kind in (DecisionKind.REDUCE, DecisionKind.STOP):
        if d.effective_on is None:
            out.append("Say when the decision takes effect: the notice must be reasonable.")
        elif d.effective_on < d.decided_on:
            out.append("A decision cannot take effect before the notice is given.")
    if kind in (DecisionKind.REDUCE, DecisionKind.REPAY) and (d.amount is None or d.amount <= 0):
        out.append("Give the amount, more than £0.00.")
    if kind is DecisionKind.REPAY:
        if d.repay_by is None:
            out.append("A repayment notice must give the time limit for repaying.")
        elif d.repay_by <= d.decided_on:
            out.append("The time limit for repaying must be after the date of the notice.")
        if not (d.repayer or "").strip():
            out.append("A repayment notice must say who must repay.")
    if (
        kind in (DecisionKind.REDUCE, DecisionKind.REPAY)
        and not (d.reconsideration_route or "").strip()
    ):
        out.append("The notice must say how to ask for the decision to be reconsidered.")
    return out


def notice_points(d: DecisionDraft) -> list[tuple[str, str]]:
    """The required contents of the letter, as (heading, text) in the order they print."""
    kind = DecisionKind(d.kind)
    points = [
        ("Decision", kind.label),
        ("Grounds", "; ".join(g.label for g in d.grounds)),
        ("Reasons", d.reasons),
    ]
    if d.amount is not None:
        label = "Amount to repay" if kind is DecisionKind.REPAY else "Amount of the reduction"
        points.append((label, format_pence(d.amount)))
    if d.effective_on is not None:
        points.append(("Takes effect on", f"{d.effective_on:%d-%b-%Y}"))
    if kind is DecisionKind.REPAY:
        points.append(("Repay by", f"{d.repay_by:%d-%b-%Y}" if d.repay_by else ""))
        points.append(("Who must repay", d.repayer or ""))
    if d.reconsideration_route:
        route = d.reconsideration_route.strip()
        if not route.endswith((".", "!", "?")):
            route += "."
        if d.reconsider_by:
            route += f" Please ask by {d.reconsider_by:%d-%b-%Y}."
        points.append(("Asking for reconsideration", route))
    return points
