"""The Summary tab: the case, risk and its reasons, conditions, latest MDT decisions."""

from __future__ import annotations

import uuid
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from mdt_desktop.domain.caseload import STATUS_LABELS, URGENCY_LABELS
from mdt_desktop.domain.efi import CATEGORY_LABELS
from mdt_desktop.domain.people import format_local_datetime, format_patient_date
from mdt_desktop.domain.risk import SEGMENT_LABELS
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from ..features import RecordTab

OUTCOMES = {"continue": "Continue", "step_up": "Step up", "step_down": "Step down",
            "refer": "Refer on", "close": "Close"}  # fmt: skip


def panel(title: str) -> tuple[QFrame, QLabel]:
    frame = QFrame()
    frame.setObjectName("panel")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(14, 10, 14, 12)
    layout.setSpacing(4)
    heading = QLabel(title)
    heading.setObjectName("panelTitle")
    layout.addWidget(heading)
    body = QLabel()
    body.setWordWrap(True)
    body.setTextFormat(Qt.TextFormat.RichText)
    body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    layout.addWidget(body)
    layout.addStretch(1)
    return frame, body


class SummaryTab(RecordTab):
    def __init__(self, store: Store, user: User, patient_id: uuid.UUID) -> None:
        super().__init__()
        self.store = store
        self.user = user
        self.patient_id = patient_id
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 8, 0, 0)
        scroll = QScrollArea()
        scroll.setAccessibleName("Summary")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        grid = QGridLayout(inner)
        grid.setContentsMargins(0, 0, 4, 0)
        grid.setSpacing(10)
        case_frame, self.case_text = panel("Caseload")
        risk_frame, self.risk_text = panel("Risk and why")
        cond_frame, self.conditions_text = panel("Conditions")
        dec_frame, self.decisions_text = panel("Latest MDT decisions")
        self.case_text.setObjectName("summaryCase")
        self.risk_text.setObjectName("summaryRisk")
        self.conditions_text.setObjectName("summaryConditions")
        self.decisions_text.setObjectName("summaryDecisions")
        grid.addWidget(case_frame, 0, 0)
        grid.addWidget(risk_frame, 1, 0)
        grid.addWidget(cond_frame, 0, 1, 2, 1)
        grid.addWidget(dec_frame, 2, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(3, 1)
        scroll.setWidget(inner)
        outer.addWidget(scroll)
        self.reload()

    def reload(self) -> None:
        from mdt_desktop.services.caseload import history
        from mdt_desktop.services.record import record_summary

        summary = record_summary(self.store, self.patient_id)
        self.case_text.setText(_case_html(summary, history(self.store, self.patient_id)))
        self.risk_text.setText(_risk_html(summary))
        if summary.conditions:
            items = "".join(
                f"<tr><td>{escape(term)}</td><td style='color:#4c6272; padding-left:12px'>"
                f"{format_patient_date(on)}</td></tr>"
                for term, on in summary.conditions
            )
            text = f"<table cellspacing='0' cellpadding='2'>{items}</table>"
        else:
            text = "No current conditions recorded."
        if summary.medicines:
            shown = ", ".join(escape(m) for m in summary.medicines[:12])
            more = len(summary.medicines) - 12
            text += (
                f"<p><b>{len(summary.medicines)} repeat medicines:</b> {shown}"
                + (f" and {more} more" if more > 0 else "")
                + "</p>"
            )
        self.conditions_text.setText(text)
        if summary.decisions:
            rows = "".join(
                f"<p><b>{format_local_datetime(when)} · {OUTCOMES.get(outcome, outcome)}</b>"
                + (f"<br>{escape(text or '')}" if text else "")
                + (f"<br>Next review {format_patient_date(review)}" if review else "")
                + "</p>"
                for when, outcome, text, review in summary.decisions
            )
            self.decisions_text.setText(rows)
        else:
            self.decisions_text.setText("No MDT decisions recorded yet.")


def _case_html(summary, past) -> str:  # type: ignore[no-untyped-def]
    case = summary.case
    lines: list[str] = []
    if case is None:
        lines.append("Not on the team's caseload.")
    else:
        lines.append(f"<b>{STATUS_LABELS.get(case.status, case.status)}</b>")
        lines.append(f"Care coordinator: {escape(case.coordinator or 'Not Known')}")
        lines.append(f"On the caseload since {format_patient_date(case.started_on)}")
        if case.status == "active":
            lines.append(f"Next review: {format_patient_date(case.next_review_on)}")
        if case.flags:
            chips = " ".join(
                f"<span style='background:#fff4c2; color:#212b32'>&nbsp;{f.label}&nbsp;</span>"
                for f in case.flags
            )
            lines.append(chips)
        if case.escalated_at is not None and case.escalation_reason:
            lines.append(
                f"<span style='color:#d5281b'><b>Escalated</b> "
                f"{format_local_datetime(case.escalated_at)}:</span> "
                f"{escape(case.escalation_reason)}"
            )
    history_lines = []
    for kind, row in past[:6]:
        if kind == "referral":
            status = {"waiting": "waiting", "accepted": "accepted", "declined": "declined",
                      "withdrawn": "withdrawn"}.get(row.status, row.status)  # fmt: skip
            text = (
                f"Referred {format_local_datetime(row.referred_at)} by "
                f"{escape(row.referred_by or 'Not Known')} "
                f"({URGENCY_LABELS.get(row.urgency, row.urgency).lower()}): "
                f"{escape(row.reason)} — <i>{status}</i>"
            )
            if row.status == "declined" and row.decision_reason:
                text += f": {escape(row.decision_reason)}"
        else:
            text = f"Case {STATUS_LABELS.get(row.status, row.status).lower()} from " + (
                format_patient_date(row.started_on)
            )
            if row.ended_on:
                text += f" to {format_patient_date(row.ended_on)}: {escape(row.end_reason or '')}"
        history_lines.append(text)
    html = "<br>".join(lines)
    if history_lines:
        html += "<p style='color:#4c6272'>" + "<br>".join(history_lines) + "</p>"
    return html


def _risk_html(summary) -> str:  # type: ignore[no-untyped-def]
    if summary.risk_score is None:
        return "Not stratified yet (import or stratify the registered list)."
    segment = SEGMENT_LABELS.get(summary.segment or "", "")
    efi = CATEGORY_LABELS.get(summary.efi_category or "", "")
    if summary.efi_score is not None and summary.efi_category != "not_applicable":
        efi += f" ({summary.efi_score:.2f})"
    reasons = (
        "".join(f"<li>{escape(r)}</li>" for r in summary.reasons) or "<li>Nothing notable</li>"
    )
    return (
        f"<b>{escape(segment)}</b> · risk {summary.risk_score:.0f}/100<br>eFI: {escape(efi)}"
        f"<ul style='margin-left:-20px'>{reasons}</ul>"
    )
