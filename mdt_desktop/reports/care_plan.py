"""The care plan the person takes home: plain words, their banner on every page.

Headings speak to the person ("My goals", "If I become unwell"), not in database labels.
Goals and actions are tables in normal print; in large print each is a short block of
labelled lines, because four columns of 16 pt text would break words mid-date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reportlab.lib import colors
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table, TableStyle

from mdt_desktop.domain import care_plan as cp
from mdt_desktop.domain.people import format_local_datetime, format_patient_date

from .document import (
    FONT,
    DocumentInfo,
    Styles,
    build_pdf,
    content_width,
    labelled,
    make_styles,
    para,
    table,
)

NOT_RECORDED = "Not recorded yet."

HEADINGS = {
    "about_me": "About me and what matters to me",
    "needs": "What I need help with",
    "goals": "My goals",
    "actions": "What we will do, and who will do it",
    "contingency": "If I become unwell: my contingency and crisis plan",
    "future_care": "My wishes for future care",
    "support_network": "People who support me",
    "medicines": "My medicines",
    "budget": "My personal health budget",
    "review": "Reviewing my plan",
}


@dataclass(frozen=True)
class CarePlanDocument:
    """Everything the PDF prints; built by the service from the store."""

    running_line: str  # the banner's one line: name, born, NHS No.
    person_name: str
    version_number: int
    saved_at: datetime
    saved_by: str
    content: dict[str, Any]
    produced_by: str
    produced_at: datetime
    care_coordinator: str | None = None  # "Sam Carter, District nurse, 01632 960123"
    today: date | None = None
    # Agreed once, changed since: the copy must not claim the person agreed this version.
    changed_since_agreed: bool = False


def _date(iso: str) -> str:
    return format_patient_date(cp.parse_date(iso)) if iso else ""


def _text_section(story: list[Flowable], text: str, st: Styles) -> None:
    story.append(para(text or NOT_RECORDED, st.body))


def _goals(content: dict[str, Any], st: Styles) -> list[Flowable]:
    goals = content["goals"]
    if not goals:
        return [para(NOT_RECORDED, st.body)]
    if st.large_print:
        out: list[Flowable] = []
        for number, g in enumerate(goals, start=1):
            block = [para(f"Goal {number}: {g['outcome']}", st.subheading)]
            if g["measure"]:
                block.append(labelled("How we will know:", g["measure"], st.cell))
            if g["target_date"]:
                block.append(labelled("By:", _date(g["target_date"]), st.cell))
            block.append(labelled("Where it is now:", cp.GOAL_STATUSES[g["status"]], st.cell))
            block.append(Spacer(1, st.body.fontSize * 0.6))
            out.append(KeepTogether(block))
        return out
    w = content_width()
    rows = [
        [
            f"{n}. {g['outcome']}",
            g["measure"],
            _date(g["target_date"]),
            cp.GOAL_STATUSES[g["status"]],
        ]
        for n, g in enumerate(goals, start=1)
    ]
    return [
        table(
            ["What I want to achieve", "How we will know", "By", "Where it is now"],
            rows,
            [w * 0.36, w * 0.31, w * 0.16, w * 0.17],
            st,
        )
    ]


def _actions(content: dict[str, Any], st: Styles) -> list[Flowable]:
    actions = content["actions"]
    if not actions:
        return [para(NOT_RECORDED, st.body)]
    numbers = {g["id"]: n for n, g in enumerate(content["goals"], start=1)}
    if st.large_print:
        out: list[Flowable] = []
        for a in actions:
            block = [para(a["what"], st.subheading)]
            if a["who"]:
                block.append(labelled("Who:", a["who"], st.cell))
            if a["when"]:
                block.append(labelled("How often or by when:", a["when"], st.cell))
            if a["goal_id"] in numbers:
                block.append(labelled("Helps with:", f"goal {numbers[a['goal_id']]}", st.cell))
            block.append(Spacer(1, st.body.fontSize * 0.6))
            out.append(KeepTogether(block))
        return out
    w = content_width()
    rows = [
        [
            a["what"],
            a["who"],
            a["when"],
            f"Goal {numbers[a['goal_id']]}" if a["goal_id"] in numbers else "",
        ]
        for a in actions
    ]
    return [
        table(
            ["What", "Who", "How often or by when", "Helps with"],
            rows,
            [w * 0.40, w * 0.27, w * 0.21, w * 0.12],
            st,
        )
    ]


def _fields(
    content: dict[str, Any], key: str, labels: dict[str, str], st: Styles, *, keep: bool = True
) -> list[Flowable]:
    values = content[key]
    out: list[Flowable] = []
    for field_key, label in labels.items():
        if values.get(field_key):
            pair: list[Flowable] = [para(label, st.label), para(values[field_key], st.body)]
            # A label never stands alone at the foot of a page (inside a table cell the
            # cell itself keeps them together).
            out.extend([KeepTogether(pair)] if keep else pair)
    return out or [para(NOT_RECORDED, st.body)]


def _crisis_box(flowables: list[Flowable], st: Styles) -> Flowable:
    """The crisis plan stands out: it is what a carer reaches for at 3 a.m."""
    box = Table([[flowables]], colWidths=[content_width()], hAlign="LEFT")
    pad = 8 if st.large_print else 6
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.5, colors.HexColor("#DA291C")),
                # Tables set their own cell font even around paragraphs.
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#FFF5F4")),
                ("LEFTPADDING", (0, 0), (-1, -1), pad),
                ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                ("TOPPADDING", (0, 0), (-1, -1), pad),
                ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
            ]
        )
    )
    return box


def care_plan_story(doc: CarePlanDocument, st: Styles) -> list[Flowable]:
    c = cp.normalise(doc.content)
    review = c["review"]
    story: list[Flowable] = [para(f"Care plan for {doc.person_name}", st.title)]
    story.append(
        para(
            f"Version {doc.version_number}, saved on "
            f"{format_local_datetime(doc.saved_at)} by {doc.saved_by}.",
            st.body,
        )
    )
    if review["agreed_on"] and doc.changed_since_agreed:
        story.append(
            para(
                f"Changed since I agreed it on {_date(review['agreed_on'])}: this version is "
                "to be agreed with me again.",
                st.subheading,
            )
        )
    elif review["agreed_on"]:
        agreed = f"Agreed with me on {_date(review['agreed_on'])}"
        if review["agreed_how"]:
            agreed += f" ({review['agreed_how'].lower()})"
        agreed += ". A copy was given to me." if review["copy_given"] else "."
        story.append(para(agreed, st.body))
    else:
        story.append(para("This plan has not yet been agreed with me.", st.body))
    if doc.care_coordinator:
        story.append(labelled("My care coordinator:", doc.care_coordinator, st.body))

    def heading(key: str) -> None:
        # A heading starts a new page unless its first few lines fit below it; tables then
        # split across pages (header row repeated) instead of leaving half a page empty.
        story.append(CondPageBreak(st.heading.fontSize * 2 + st.body.leading * 4))
        story.append(para(HEADINGS[key], st.heading))

    heading("about_me")
    _text_section(story, c["about_me"], st)
    heading("needs")
    _text_section(story, c["needs"], st)
    heading("goals")
    story.extend(_goals(c, st))
    heading("actions")
    story.extend(_actions(c, st))
    heading("contingency")
    crisis = _fields(
        c,
        "contingency",
        {
            "warning_signs": "Early warning signs that I am becoming unwell",
            "what_to_do": "What to do",
            "in_hours": "Who to call in the daytime (Monday to Friday, 8am to 6:30pm)",
            "out_of_hours": "Who to call at night, at weekends and on bank holidays",
        },
        st,
        keep=False,
    )
    story.append(_crisis_box(crisis, st))
    story.append(Spacer(1, st.body.fontSize * 0.5))
    story.append(
        para("In an emergency, call 999. For urgent advice at any time, call NHS 111.", st.label)
    )
    heading("future_care")
    story.extend(
        _fields(
            c,
            "future_care",
            {
                "place_of_care": "Where I would like to be cared for",
                "place_of_death": "Where I would prefer to be at the end of my life",
                "other": "Other things I want people to know",
            },
            st,
        )
    )
    heading("support_network")
    _text_section(story, c["support_network"], st)
    heading("medicines")
    _text_section(story, c["medicines"], st)
    if c["budget"]:
        heading("budget")
        _text_section(story, c["budget"], st)
    heading("review")
    if review["review_on"]:
        words = f"We will review this plan with me by {_date(review['review_on'])}."
    else:
        words = "A review date has not been set yet."
    story.append(para(words, st.body))
    story.append(Spacer(1, st.body.fontSize))
    story.append(
        para(
            "If anything in this plan is wrong, or your wishes change, tell your care "
            "coordinator or anyone in your care team.",
            st.small,
        )
    )
    return story


def build_care_plan_pdf(doc: CarePlanDocument, large_print: bool = False) -> bytes:
    st = make_styles(large_print)
    saved_on = format_patient_date(doc.saved_at.astimezone().date())
    title = f"Care plan, version {doc.version_number} of {saved_on}"
    if large_print:
        title += " (large print)"
    info = DocumentInfo(
        title=title,
        running_line=doc.running_line,
        produced_by=doc.produced_by,
        produced_at=doc.produced_at,
        subject="Shared care plan",
    )
    return build_pdf(care_plan_story(doc, st), info, st)
