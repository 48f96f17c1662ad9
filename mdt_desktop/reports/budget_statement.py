"""The statement for the budget holder, the team's budget report, and decision letters.

All use the shared frame of reports/document.py: the person's banner (or the team's name)
on every page, DejaVu Sans embedded, and large print with nothing under 16 pt. Money is
pence in and £1,234.56 out. In large print tables keep to a few wide columns so amounts
and dates never break mid-word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Spacer

from mdt_desktop.domain.budgets import format_pence
from mdt_desktop.domain.people import format_patient_date as fmt

from .document import DocumentInfo, Styles, build_pdf, content_width, labelled, make_styles, para
from .document import table as ruled


@dataclass(frozen=True)
class StatementLine:
    description: str
    category: str
    plan: str  # "£450.00 weekly"
    planned_in_period: int
    spent_in_period: int
    spent_to_date: int
    paused: bool = False


@dataclass(frozen=True)
class StatementEntry:
    on: date
    what: str  # "Payment: Own PA"
    reference: str
    money_in: int
    money_out: int
    balance: int


@dataclass(frozen=True)
class StatementDocument:
    running_line: str
    person_name: str
    budget_label: str  # "Personal health budget — NHS Continuing Healthcare"
    held_as: str
    holder: str
    period_start: date
    period_end: date
    start: date
    end: date
    allocation: int
    opening: int
    money_in: int
    money_out: int
    closing: int
    committed: int
    lines: tuple[StatementLine, ...]
    entries: tuple[StatementEntry, ...]
    next_review: str
    produced_by: str
    produced_at: datetime
    notes: tuple[str, ...] = ()


def _money(pence: int | None, st: Styles, *, bold: bool = False) -> Flowable:
    """An amount set right-aligned in its cell, so pounds line up down a column."""
    style = ParagraphStyle(
        "money_bold" if bold else "money", parent=st.cell_header if bold else st.cell,
        alignment=TA_RIGHT,
    )  # fmt: skip
    return para("" if pence is None else format_pence(pence), style)


def _money_table(rows: Sequence[tuple[str, int]], st: Styles) -> Flowable:
    w = content_width()
    return ruled(None, [(label, _money(v, st)) for label, v in rows], (w * 0.62, w * 0.38), st)


def statement_story(doc: StatementDocument, st: Styles) -> list[Flowable]:
    w = content_width()
    story: list[Flowable] = [
        para(f"Budget statement for {doc.person_name}", st.title),
        labelled("Budget:", doc.budget_label, st.body),
        labelled("How the money is held:", doc.held_as, st.body),
        labelled("Budget holder:", doc.holder, st.body),
        labelled("Budget period:", f"{fmt(doc.period_start)} to {fmt(doc.period_end)}", st.body),
        labelled("This statement covers:", f"{fmt(doc.start)} to {fmt(doc.end)}", st.body),
        para("Summary", st.heading),
        _money_table(
            [
                ("Agreed allocation for the period", doc.allocation),
                (f"Balance on {fmt(doc.start)}", doc.opening),
                ("Money in during this statement", doc.money_in),
                ("Money out during this statement", doc.money_out),
                (f"Balance on {fmt(doc.end)}", doc.closing),
                ("Promised but not yet paid (committed)", doc.committed),
                ("Available to spend", doc.closing - doc.committed),
            ],
            st,
        ),
        labelled("Next review:", doc.next_review, st.body),
    ]
    for note in doc.notes:
        story.append(para(note, st.body))
    story.append(para("Spending by budget line", st.heading))
    if not doc.lines:
        story.append(para("No budget lines have been agreed yet.", st.body))
    elif st.large_print:
        for ln in doc.lines:
            block = [
                para(
                    ln.description + (" (paused while in hospital)" if ln.paused else ""),
                    st.subheading,
                ),
                labelled("Plan:", ln.plan, st.body),
                labelled("Planned in this statement:", format_pence(ln.planned_in_period), st.body),
                labelled("Spent in this statement:", format_pence(ln.spent_in_period), st.body),
                labelled("Spent this period so far:", format_pence(ln.spent_to_date), st.body),
            ]
            story.append(KeepTogether(block))
    else:
        story.append(
            ruled(
                ["Line", "Plan", "Planned", "Spent", "Spent to date"],
                [
                    (
                        ln.description + (" (paused: in hospital)" if ln.paused else ""),
                        ln.plan,
                        _money(ln.planned_in_period, st),
                        _money(ln.spent_in_period, st),
                        _money(ln.spent_to_date, st),
                    )
                    for ln in doc.lines
                ],
                (w * 0.32, w * 0.2, w * 0.16, w * 0.16, w * 0.16),
                st,
            )
        )
    story.append(para("Money in and out", st.heading))
    if not doc.entries:
        story.append(para("Nothing was paid in or out during this statement.", st.body))
    elif st.large_print:
        story.append(
            ruled(
                ["Date and what", "Amount", "Balance"],
                [
                    (
                        f"{fmt(e.on)}: {e.what}",
                        _money(e.money_in - e.money_out, st),
                        _money(e.balance, st),
                    )
                    for e in doc.entries
                ],
                (w * 0.5, w * 0.25, w * 0.25),
                st,
            )
        )
    else:
        story.append(
            ruled(
                ["Date", "What", "Ref.", "In", "Out", "Balance"],
                [
                    (
                        fmt(e.on),
                        e.what,
                        e.reference,
                        _money(e.money_in or None, st),
                        _money(e.money_out or None, st),
                        _money(e.balance, st),
                    )
                    for e in doc.entries
                ],
                (w * 0.16, w * 0.29, w * 0.13, w * 0.14, w * 0.14, w * 0.14),
                st,
            )
        )
    story.append(Spacer(1, st.body.fontSize))
    story.append(
        para(
            "Money in the budget can only be spent on what is agreed in your care plan. If "
            "anything here looks wrong, tell your care coordinator.",
            st.small,
        )
    )
    return story


def build_statement_pdf(doc: StatementDocument, large_print: bool = False) -> bytes:
    st = make_styles(large_print)
    title = f"Budget statement {fmt(doc.start)} to {fmt(doc.end)}"
    if large_print:
        title += " (large print)"
    info = DocumentInfo(
        title=title,
        running_line=doc.running_line,
        produced_by=doc.produced_by,
        produced_at=doc.produced_at,
        subject="Personal health budget statement",
    )
    return build_pdf(statement_story(doc, st), info, st)


# --- the team report ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportGroupRow:
    label: str
    budgets: int
    allocated: int
    committed: int
    spent: int
    balance: int


@dataclass(frozen=True)
class OverdueRow:
    person: str
    nhs_number: str
    budget: str
    due: str
    reason: str


@dataclass(frozen=True)
class TeamReportDocument:
    team_name: str
    as_of: date
    budgets: int
    by_kind: tuple[ReportGroupRow, ...]
    by_source: tuple[ReportGroupRow, ...]
    overdue: tuple[OverdueRow, ...]
    alert_counts: tuple[tuple[str, int], ...]
    produced_by: str
    produced_at: datetime


def _group_table(title: str, rows: Sequence[ReportGroupRow], st: Styles) -> list[Flowable]:
    w = content_width()
    totals = ReportGroupRow(
        "Total", sum(r.budgets for r in rows), sum(r.allocated for r in rows),
        sum(r.committed for r in rows), sum(r.spent for r in rows), sum(r.balance for r in rows),
    )  # fmt: skip
    data = [
        (
            r.label,
            str(r.budgets),
            format_pence(r.allocated),
            format_pence(r.committed),
            format_pence(r.spent),
            format_pence(r.balance),
        )
        for r in (*rows, totals)
    ]
    if st.large_print:
        blocks: list[Flowable] = [para(title, st.heading)]
        for label, n, a, c, sp, b in data:  # labelled lines: amounts read after their label
            blocks.append(
                KeepTogether(
                    [
                        para(f"{label} ({n} budgets)", st.subheading),
                        labelled("Allocated:", a, st.body),
                        labelled("Committed:", c, st.body),
                        labelled("Spent:", sp, st.body),
                        labelled("Balance:", b, st.body),
                    ]
                )
            )
        return blocks
    aligned = [
        (label, n, *(_money(v, st, bold=label == "Total") for v in (r.allocated, r.committed,
                                                                   r.spent, r.balance)))
        for (label, n, *_), r in zip(data, (*rows, totals), strict=True)
    ]  # fmt: skip
    return [
        para(title, st.heading),
        ruled(
            ["", "Budgets", "Allocated", "Committed", "Spent", "Balance"],
            aligned,
            (w * 0.26, w * 0.12, w * 0.155, w * 0.155, w * 0.155, w * 0.155),
            st,
        ),
    ]


def team_report_story(doc: TeamReportDocument, st: Styles) -> list[Flowable]:
    w = content_width()
    story: list[Flowable] = [
        para(f"Personal budgets: {doc.team_name}", st.title),
        labelled("As of:", fmt(doc.as_of), st.body),
        labelled("Budgets running:", str(doc.budgets), st.body),
    ]
    story += _group_table("By type of budget", doc.by_kind, st)
    story += _group_table("By funding source", doc.by_source, st)
    story.append(para("What needs attention", st.heading))
    if doc.alert_counts:
        story.append(
            ruled(None, [(k, str(n)) for k, n in doc.alert_counts], (w * 0.7, w * 0.3), st)
        )
    else:
        story.append(para("No budget has an alert.", st.body))
    story.append(para(f"Reviews overdue ({len(doc.overdue)})", st.heading))
    if not doc.overdue:
        story.append(para("No review is overdue.", st.body))
    elif st.large_print:
        for o in doc.overdue:
            story.append(
                KeepTogether(
                    [
                        para(o.person, st.subheading),
                        labelled("NHS No.", o.nhs_number, st.body),
                        labelled("Budget:", o.budget, st.body),
                        labelled("Was due:", o.due, st.body),
                        labelled("Why:", o.reason, st.body),
                    ]
                )
            )
    else:
        story.append(
            ruled(
                ["Person", "NHS No.", "Budget", "Was due", "Why"],
                [(o.person, o.nhs_number, o.budget, o.due, o.reason) for o in doc.overdue],
                (w * 0.22, w * 0.17, w * 0.22, w * 0.16, w * 0.23),
                st,
            )
        )
    return story


def build_team_report_pdf(doc: TeamReportDocument, large_print: bool = False) -> bytes:
    st = make_styles(large_print)
    info = DocumentInfo(
        title="Personal budgets team report" + (" (large print)" if large_print else ""),
        running_line=f"{doc.team_name}   Budgets as of {fmt(doc.as_of)}",
        produced_by=doc.produced_by,
        produced_at=doc.produced_at,
        subject="Personal budgets team report",
    )
    return build_pdf(team_report_story(doc, st), info, st)


# --- decision letters ---------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionLetter:
    running_line: str
    addressee: str
    person_name: str
    decided_on: date
    points: tuple[tuple[str, str], ...]  # what the regulations require, in order
    regulation: str  # "regulation 15 of the NHS (Direct Payments) Regulations 2013"
    signed_by: str
    produced_by: str
    produced_at: datetime
    reconsiderations: tuple[str, ...] = field(default=())


def letter_story(doc: DecisionLetter, st: Styles) -> list[Flowable]:
    story: list[Flowable] = [
        para("Notice of a decision about a direct payment", st.title),
        labelled("For:", doc.person_name, st.body),
        labelled("Date of this notice:", fmt(doc.decided_on), st.body),
        para(f"Dear {doc.addressee},", st.body),
        para(
            "We are writing to give you written notice of a decision about the direct payment "
            f"for {doc.person_name}, made under {doc.regulation}. This letter sets out what "
            "we have decided, why, and what you can do if you disagree.",
            st.body,
        ),
    ]
    for heading, text in doc.points:
        story.append(para(heading, st.subheading))
        story.append(para(text, st.body))
    if doc.reconsiderations:
        story.append(para("Reconsideration", st.heading))
        for line in doc.reconsiderations:
            story.append(para(line, st.body))
    story += [
        Spacer(1, st.body.fontSize),
        para(
            "If you would like this letter in another format or language, or want to talk it "
            "through, contact the care coordinator named in the care plan.",
            st.body,
        ),
        para("Yours sincerely,", st.body),
        para(doc.signed_by, st.body),
    ]
    return story


def build_letter_pdf(doc: DecisionLetter, large_print: bool = False) -> bytes:
    st = make_styles(large_print)
    info = DocumentInfo(
        title="Notice of a decision about a direct payment"
        + (" (large print)" if large_print else ""),
        running_line=doc.running_line,
        produced_by=doc.produced_by,
        produced_at=doc.produced_at,
        subject="Direct payment decision notice",
    )
    return build_pdf(letter_story(doc, st), info, st)
