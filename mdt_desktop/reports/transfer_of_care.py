"""The transfer-of-care summary: a stay as the community team hands it on, as a PDF.

Headings follow the PRSB eDischarge standard where they apply to a community view of a
stay: admission details, discharge details, plan and requested actions, medicine changes,
individual requirements and person completing record, with the community team's pathway,
tasks and follow-up. Every piece of user text goes through the base's escaping helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reportlab.platypus import Flowable

from .document import DocumentInfo, Styles, content_width, labelled, make_styles, para, table
from .document import write_pdf as _write

TITLE = "Transfer of care summary"


@dataclass(frozen=True)
class TaskLine:
    description: str
    organisation: str
    owner: str
    due: str
    status: str


@dataclass(frozen=True)
class TransferOfCare:
    banner_line: str
    born: str
    team: str
    hospital: str
    ward: str
    admitted: str
    admission_method: str
    reason: str
    expected_discharge: str
    ready_date: str
    discharged: str
    pathway: str
    destination: str
    discharge_method: str
    delay: str
    plan_and_actions: str
    medicine_changes: str
    individual_requirements: str
    follow_up: str
    tasks: tuple[TaskLine, ...]
    completed_by: str


def story(doc: TransferOfCare, st: Styles) -> list[Flowable]:
    w = content_width()
    none = "None recorded"
    parts: list[Flowable] = [
        para(TITLE, st.title),
        para(doc.banner_line, st.subheading),
        para(doc.team, st.small),
        para("Admission details", st.heading),
        labelled("Hospital and ward:", f"{doc.hospital}, {doc.ward}".strip(", "), st.body),
        labelled("Admitted:", doc.admitted, st.body),
        labelled("Admission method:", doc.admission_method, st.body),
        labelled("Reason:", doc.reason or none, st.body),
        labelled("Expected date of discharge:", doc.expected_discharge, st.body),
        labelled("Discharge ready date:", doc.ready_date, st.body),
        para("Discharge details", st.heading),
        labelled("Discharged:", doc.discharged, st.body),
        labelled("Pathway:", doc.pathway, st.body),
        labelled("Destination:", doc.destination, st.body),
        labelled("Discharge method:", doc.discharge_method, st.body),
        labelled("Delay reason in force:", doc.delay or "None", st.body),
        para("Plan and requested actions", st.heading),
        para(doc.plan_and_actions or none, st.body),
        para("Medicine changes", st.heading),
        para(doc.medicine_changes or none, st.body),
        para("Individual requirements", st.heading),
        para(doc.individual_requirements or none, st.body),
        para("Community follow-up and tasks", st.heading),
        labelled("Follow-up:", doc.follow_up, st.body),
    ]
    if doc.tasks:
        parts.append(
            table(
                ["Task", "Organisation", "Owner", "Due", "Status"],
                [[t.description, t.organisation, t.owner, t.due, t.status] for t in doc.tasks],
                [w * 0.33, w * 0.19, w * 0.15, w * 0.17, w * 0.16],
                st,
            )
        )
    parts += [
        para("Person completing record", st.heading),
        para(doc.completed_by, st.body),
    ]
    return parts


def write_transfer_of_care(
    path: Path, doc: TransferOfCare, produced_by: str, produced_at: datetime | None = None
) -> Path:
    st = make_styles()
    info = DocumentInfo(
        title=TITLE,
        running_line=doc.banner_line,
        produced_by=produced_by,
        produced_at=produced_at or datetime.now(UTC),
        subject=f"{TITLE} for {doc.banner_line}",
    )
    return _write(path, story(doc, st), info, st)
