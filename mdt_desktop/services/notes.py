"""Notes between meetings: immutable entries, corrections, escalations and mentions.

A note is never edited. A correction is a new note that points at the one it corrects;
both stay readable. "Escalate to next MDT" is a note (category ``escalation``) that also
marks the person's active case as escalated, which puts them on the next agenda.
Mentioning a colleague (``@Sue Palmer`` in the text, or picked from the list) puts the
note in that colleague's inbox.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select

from mdt_desktop.domain.caseload import (
    CaseloadStatus,
    NoteCategory,
    ReferralStatus,
    Urgency,
    clean_text,
)
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.services import list_views
from mdt_desktop.services.errors import InvalidInput
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    CaseloadEntry,
    Note,
    NoteMention,
    Patient,
    Referral,
    Staff,
    User,
)

from . import meetings
from .errors import NotFound
from .staff import staff_for_user


@dataclass(frozen=True)
class NoteView:
    """One note as the Notes tab shows it."""

    id: uuid.UUID
    written_at: datetime
    author_name: str
    author_role: str
    category: str
    text: str
    corrects_note_id: uuid.UUID | None
    escalation_reason: str | None
    corrected_by: tuple[uuid.UUID, ...] = ()
    mentioned: tuple[str, ...] = ()


def _team_for(s, patient_id: uuid.UUID, fallback: uuid.UUID | None) -> uuid.UUID | None:
    """Notes belong to the team holding the case, else the person's own team."""
    entry_team = s.scalars(
        select(CaseloadEntry.team_id)
        .where(
            CaseloadEntry.patient_id == patient_id,
            CaseloadEntry.status == CaseloadStatus.ACTIVE,
            CaseloadEntry.deleted_at.is_(None),
        )
        .limit(1)
    ).first()
    if entry_team is not None:
        return entry_team
    patient = s.get(Patient, patient_id)
    if patient is None:
        raise NotFound("That person is not in this store.")
    return patient.team_id or fallback


# --- mentions ------------------------------------------------------------------------
#
# One rule decides who an "@..." in a note tells: the note box's preview and the save
# both call resolve_mentions, so what the preview promises is what the save does.

TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "sister", "nurse"})
_AT = re.compile(r"(?<![\w.])@")
_WORD = re.compile(r"[^\W_][\w'’-]*")
_MOST_WORDS = 4  # "@Dr Mary-Jane van Dijk" at most


@dataclass(frozen=True)
class Colleague:
    """Someone in the team's staff directory who can be mentioned."""

    id: uuid.UUID
    name: str
    role: str


@dataclass(frozen=True)
class Mentions:
    """What a note's "@..." words come to: who is told, and what matches nobody."""

    told: tuple[Colleague, ...] = ()
    unmatched: tuple[str, ...] = ()  # "@Dr Hendy" as typed
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()  # ("@Sue", ("Sue Brown", ...))

    @property
    def flagged(self) -> bool:
        return bool(self.unmatched or self.ambiguous)

    def warning(self) -> str:
        """The sentence shown before saving when a mention tells nobody."""
        parts = []
        if self.unmatched:
            *first, last = self.unmatched
            who = f"{', '.join(first)} and {last}" if first else last
            verb = "match" if first else "matches"
            parts.append(f"{who} {verb} nobody in the team's staff directory")
        parts += [f"{typed} could be {' or '.join(names)}" for typed, names in self.ambiguous]
        return "; ".join(parts) + ", so nobody is told for it. Write the colleague's full name."


def _words(name: str) -> list[str]:
    words = [w.casefold() for w in _WORD.findall(name)]
    while len(words) > 1 and words[0].rstrip(".") in TITLES:
        words = words[1:]
    return words


def _matches(typed: list[str], directory: Sequence[Colleague]) -> list[Colleague]:
    """Colleagues whose name the typed words are: in full, or a unique first or surname."""
    full = [c for c in directory if _words(c.name) == typed]
    if full or len(typed) != 1:
        return full
    word = typed[0]
    return [c for c in directory if (w := _words(c.name)) and word in (w[0], w[-1])]


def resolve_mentions(text: str, directory: Sequence[Colleague]) -> Mentions:
    """Who the ``@`` mentions in ``text`` tell.

    ``@Tom Hendry``, ``@Dr Hendry``, ``@Hendry`` and ``@tom`` all find Tom Hendry while
    he is the only Tom and the only Hendry; titles ("Dr", "Mrs") may be typed or left
    out, on either side. A first name or surname shared by several colleagues tells
    none of them (it is flagged as ambiguous); an ``@word`` that is nobody's name is
    flagged as unmatched. ``sue@example.org`` is an email address, not a mention.
    """
    told: dict[uuid.UUID, Colleague] = {}
    unmatched: list[str] = []
    ambiguous: list[tuple[str, tuple[str, ...]]] = []
    for at in _AT.finditer(text):
        after = text[at.end() :].split("\n", 1)[0]
        raw: list[re.Match[str]] = []
        for word in _WORD.finditer(after):
            # The name starts at the "@" and runs on over single spaces, not punctuation.
            gap = after[raw[-1].end() : word.start()] if raw else after[: word.start()]
            if (gap.strip() if raw else gap) or len(raw) == _MOST_WORDS:
                break
            raw.append(word)
        if not raw:
            continue
        titled = len(raw) > 1 and raw[0].group().casefold().rstrip(".") in TITLES
        start = 1 if titled else 0
        found: list[Colleague] = []
        used = start + 1
        for end in range(len(raw), start, -1):
            found = _matches([w.group().casefold() for w in raw[start:end]], directory)
            if found:
                used = end
                break
        typed = "@" + after[raw[0].start() : raw[used - 1].end()]
        if len(found) == 1:
            told.setdefault(found[0].id, found[0])
        elif found:
            ambiguous.append((typed, tuple(sorted(c.name for c in found))))
        else:
            unmatched.append(typed)
    return Mentions(tuple(told.values()), tuple(unmatched), tuple(ambiguous))


def _directory(s, team_id: uuid.UUID | None) -> list[Colleague]:
    query = select(Staff).where(Staff.deleted_at.is_(None), Staff.active.is_(True))
    if team_id is not None:
        query = query.where(Staff.team_id == team_id)
    return [Colleague(st.id, st.name, st.role) for st in s.scalars(query.order_by(Staff.name))]


def mention_directory(store: Store, patient_id: uuid.UUID) -> list[Colleague]:
    """The colleagues a note in this person's record can mention (the note's team)."""
    with store.session() as s:
        return _directory(s, _team_for(s, patient_id, None))


def _mentioned_staff(
    s, text: str, team_id: uuid.UUID | None, explicit: Iterable[uuid.UUID]
) -> list[Staff]:
    chosen: dict[uuid.UUID, Staff] = {}
    for colleague in resolve_mentions(text, _directory(s, team_id)).told:
        staff = s.get(Staff, colleague.id)
        chosen[staff.id] = staff
    for staff_id in explicit:
        st = s.get(Staff, staff_id)
        if st is None or st.deleted_at is not None:
            raise NotFound("A colleague mentioned is not in the staff directory.")
        chosen[st.id] = st
    return list(chosen.values())


def write_note(
    store: Store,
    patient_id: uuid.UUID,
    text: str,
    *,
    category: NoteCategory | str = NoteCategory.GENERAL,
    mention_staff_ids: Iterable[uuid.UUID] = (),
    corrects: uuid.UUID | None = None,
    escalation_reason: str | None = None,
    team_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Write one note (and its mentions) in one transaction; returns its id."""
    require(store.actor.role, Permission.WRITE_NOTE)
    text = clean_text(text, "a note")
    category = NoteCategory(category)
    with store.transaction() as s:
        team = team_id or _team_for(s, patient_id, None)
        if corrects is not None:
            original = s.get(Note, corrects)
            if original is None or original.patient_id != patient_id:
                raise NotFound("The note to correct is not in this person's record.")
        note = Note(
            team_id=team,
            patient_id=patient_id,
            author_user_id=store.actor.user_id,
            author_name=store.actor.name,
            author_role=store.actor.role,
            written_at=datetime.now(UTC),
            category=category.value,
            text=text,
            corrects_note_id=corrects,
            escalation_reason=escalation_reason,
        )
        s.add(note)
        s.flush()
        for st in _mentioned_staff(s, text, team, mention_staff_ids):
            s.add(NoteMention(team_id=team, note_id=note.id, staff_id=st.id))
        return note.id


def correct_note(
    store: Store,
    note_id: uuid.UUID,
    text: str,
    *,
    mention_staff_ids: Iterable[uuid.UUID] = (),
) -> uuid.UUID:
    """A new note that corrects ``note_id``; the original stays as it was written."""
    with store.session() as s:
        original = s.get(Note, note_id)
        if original is None or original.deleted_at is not None:
            raise NotFound("That note is not in this store.")
        patient_id = original.patient_id
        team_id = original.team_id
    return write_note(
        store,
        patient_id,
        text,
        category=NoteCategory.CORRECTION,
        corrects=note_id,
        mention_staff_ids=mention_staff_ids,
        team_id=team_id,
    )


def escalate_to_next_mdt(
    store: Store,
    patient_id: uuid.UUID,
    reason: str,
    *,
    mention_staff_ids: Iterable[uuid.UUID] = (),
) -> uuid.UUID:
    """Put the person on the next meeting's agenda with the reason; returns the note id.

    Writes an ``escalation`` note and sets ``escalated_at``/``escalation_reason`` on the
    active case in the same transaction. Someone not on the caseload is referred first.
    """
    require(store.actor.role, Permission.WRITE_NOTE)
    reason = clean_text(reason, "the reason for escalating", limit=2000)
    now = datetime.now(UTC)
    with store.transaction() as s:
        entry = s.scalars(
            select(CaseloadEntry).where(
                CaseloadEntry.patient_id == patient_id,
                CaseloadEntry.status == CaseloadStatus.ACTIVE,
                CaseloadEntry.deleted_at.is_(None),
            )
        ).first()
        if entry is None:
            raise InvalidInput(
                "Only someone on the caseload can be escalated to the MDT: refer them first."
            )
        entry.escalated_at = now
        entry.escalation_reason = reason
        note = Note(
            team_id=entry.team_id,
            patient_id=patient_id,
            author_user_id=store.actor.user_id,
            author_name=store.actor.name,
            author_role=store.actor.role,
            written_at=now,
            category=NoteCategory.ESCALATION.value,
            text=f"Escalated to the next MDT meeting: {reason}",
            escalation_reason=reason,
        )
        s.add(note)
        s.flush()
        for st in _mentioned_staff(s, reason, entry.team_id, mention_staff_ids):
            s.add(NoteMention(team_id=entry.team_id, note_id=note.id, staff_id=st.id))
        return note.id


def notes_for(store: Store, patient_id: uuid.UUID) -> list[NoteView]:
    """The person's notes, newest first, each with the corrections made to it."""
    with store.session() as s:
        notes = list(
            s.scalars(
                select(Note)
                .where(Note.patient_id == patient_id, Note.deleted_at.is_(None))
                .order_by(Note.written_at.desc(), Note.updated_at.desc())
            )
        )
        ids = [n.id for n in notes]
        mentions: dict[uuid.UUID, list[str]] = {}
        if ids:
            for note_id, name in s.execute(
                select(NoteMention.note_id, Staff.name)
                .join(Staff, Staff.id == NoteMention.staff_id)
                .where(NoteMention.note_id.in_(ids), NoteMention.deleted_at.is_(None))
            ):
                mentions.setdefault(note_id, []).append(name)
    corrected: dict[uuid.UUID, list[uuid.UUID]] = {}
    for n in notes:
        if n.corrects_note_id is not None:
            corrected.setdefault(n.corrects_note_id, []).append(n.id)
    return [
        NoteView(
            id=n.id,
            written_at=n.written_at,
            author_name=n.author_name,
            author_role=n.author_role,
            category=n.category,
            text=n.text,
            corrects_note_id=n.corrects_note_id,
            escalation_reason=n.escalation_reason,
            corrected_by=tuple(corrected.get(n.id, ())),
            mentioned=tuple(sorted(mentions.get(n.id, ()))),
        )
        for n in notes
    ]


# --- the inbox ------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxItem:
    kind: str  # "referral", "mention" or "action"
    id: uuid.UUID  # referral, mention or action id
    patient_id: uuid.UUID | None
    when: datetime | date | None
    title: str
    detail: str
    urgent: bool = False


@dataclass
class Inbox:
    referrals: list[InboxItem] = field(default_factory=list)
    mentions: list[InboxItem] = field(default_factory=list)
    actions: list[InboxItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.referrals) + len(self.mentions) + len(self.actions)


def inbox(store: Store, user: User, *, limit: int = 200) -> Inbox:
    """What waits for this user: the team's referrals, notes naming them, their actions."""
    from mdt_desktop.domain.people import display_name

    me = staff_for_user(store, user)
    box = Inbox()
    with store.session() as s:
        team_filter = [Referral.team_id == user.team_id] if user.team_id else []
        for ref, patient in s.execute(
            select(Referral, Patient)
            .join(Patient, Patient.id == Referral.patient_id)
            .where(
                Referral.status == ReferralStatus.WAITING,
                Referral.deleted_at.is_(None),
                *team_filter,
            )
            .order_by(Referral.urgency == Urgency.ROUTINE, Referral.referred_at)
            .limit(limit)
        ):
            box.referrals.append(
                InboxItem(
                    "referral",
                    ref.id,
                    patient.id,
                    ref.referred_at,
                    display_name(patient.family_name, patient.given_name, patient.title),
                    f"{ref.urgency.capitalize()} · {ref.reason}",
                    urgent=ref.urgency == Urgency.URGENT,
                )
            )
        for mention, note, patient in s.execute(
            select(NoteMention, Note, Patient)
            .join(Note, Note.id == NoteMention.note_id)
            .join(Patient, Patient.id == Note.patient_id)
            .where(
                NoteMention.staff_id == me.id,
                NoteMention.read_at.is_(None),
                NoteMention.deleted_at.is_(None),
            )
            .order_by(Note.written_at.desc())
            .limit(limit)
        ):
            box.mentions.append(
                InboxItem(
                    "mention",
                    mention.id,
                    patient.id,
                    note.written_at,
                    display_name(patient.family_name, patient.given_name, patient.title),
                    f"{note.author_name}: {note.text}",
                    urgent=note.category == NoteCategory.ESCALATION.value,
                )
            )
    # The same query as the actions tracker's "Mine", so the two cannot disagree.
    today = date.today()
    for line in meetings.my_actions(store, user)[:limit]:
        box.actions.append(
            InboxItem(
                "action",
                line.id,
                line.patient_id,
                line.due_on,
                line.patient or "Team action",
                line.description,
                urgent=line.overdue(today),
            )
        )
    list_views.list_opened(store, list_views.INBOX, _inbox_size(box))
    return box


def _inbox_size(box: Inbox) -> int:
    return sum(len(v) for v in vars(box).values() if isinstance(v, list))


def mark_mention_read(store: Store, mention_id: uuid.UUID) -> None:
    with store.transaction() as s:
        mention = s.get(NoteMention, mention_id)
        if mention is None:
            raise NotFound("That mention is not in this store.")
        if mention.read_at is None:
            mention.read_at = datetime.now(UTC)
