"""MDT meeting minutes as a PDF, on the shared document base (reports/document.py).

Team, date, place, chair and note-taker; who was present, who sent apologies, who was
absent; the quorum; then each case in agenda order: the banner line (name and NHS
number 3-3-4), why they were discussed, the discussion, the decision, the next review
and the actions with owners and due dates. Every piece of user text goes through the
base's escaping helpers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from reportlab.platypus import Flowable, KeepTogether, Spacer

from mdt_desktop.domain.meetings import Minutes, MinutesCase

from .document import (
    DocumentInfo,
    Styles,
    build_pdf,
    content_width,
    labelled,
    make_styles,
    para,
    table,
    write_pdf,
)

TITLE = "MDT meeting minutes"


def _info(minutes: Minutes, produced_by: str, produced_at: datetime | None) -> DocumentInfo:
    return DocumentInfo(
        title=TITLE,
        running_line=f"{minutes.team}   {minutes.when}",
        produced_by=produced_by,
        produced_at=produced_at or datetime.now(UTC),
        subject=f"Minutes of the {minutes.team} meeting on {minutes.when}",
    )


def _people(label: str, names: tuple[str, ...], st: Styles) -> Flowable:
    return labelled(f"{label} ({len(names)}):", "; ".join(names) if names else "None", st.body)


def _case(case: MinutesCase, st: Styles) -> list[Flowable]:
    width = content_width()
    head = [
        para(f"{case.position}. {case.banner_line}", st.subheading),
        para(case.born, st.small),
        labelled("Why discussed:", case.reason, st.body),
    ]
    body: list[Flowable] = []
    if case.status != "Discussed":
        body.append(labelled("Status:", case.status, st.body))
    body.append(labelled("Discussion:", case.discussion or "None recorded", st.body))
    body.append(labelled("Decision:", case.decision or "No decision recorded", st.body))
    if case.next_review:
        body.append(labelled("Next review:", case.next_review, st.body))
    if case.actions:
        body.append(
            table(
                ["Action", "Owner", "Due", "Status"],
                [[a.description, a.owner, a.due, a.status] for a in case.actions],
                [width * 0.45, width * 0.23, width * 0.18, width * 0.14],
                st,
            )
        )
    else:
        body.append(labelled("Actions:", "None", st.body))
    # A case stays on one page where it fits: its actions never lose the person's name.
    return [KeepTogether([*head, *body]), Spacer(1, 8)]


def story(minutes: Minutes, st: Styles) -> list[Flowable]:
    parts: list[Flowable] = [
        para(f"{TITLE}: {minutes.team}", st.title),
        labelled("Date and time:", minutes.when, st.body),
        labelled("Where:", minutes.where, st.body),
        labelled("Chair:", minutes.chair, st.body),
        labelled("Note-taker:", minutes.note_taker, st.body),
        labelled("Meeting status:", minutes.status, st.body),
        para("Attendance", st.heading),
        _people("Present", minutes.present, st),
        _people("Sent apologies", minutes.apologies, st),
        _people("Absent", minutes.absent, st),
        labelled("Quorum:", minutes.quorum, st.body),
        para(f"Cases ({len(minutes.cases)})", st.heading),
    ]
    if not minutes.cases:
        parts.append(para("No cases were on the agenda.", st.body))
    for case in minutes.cases:
        if not case.not_reached:
            parts.extend(_case(case, st))
    parts.extend(_not_reached([c for c in minutes.cases if c.not_reached], st))
    return parts


def _not_reached(cases: list[MinutesCase], st: Styles) -> list[Flowable]:
    if not cases:
        return []
    return [
        para(f"Not reached ({len(cases)}): carried to the next meeting", st.subheading),
        *(para(f"{c.position}. {c.banner_line} — {c.reason}", st.body) for c in cases),
        Spacer(1, 8),
    ]


def minutes_pdf(minutes: Minutes, produced_by: str, produced_at: datetime | None = None) -> bytes:
    st = make_styles()
    return build_pdf(story(minutes, st), _info(minutes, produced_by, produced_at), st)


def write_minutes(
    path: Path, minutes: Minutes, produced_by: str, produced_at: datetime | None = None
) -> Path:
    st = make_styles()
    return write_pdf(path, story(minutes, st), _info(minutes, produced_by, produced_at), st)
