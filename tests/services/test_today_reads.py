"""Today's reads: unread mentions first, reviews and actions in the order that matters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from mdt_desktop.domain.discharges import local_date
from mdt_desktop.services import demo
from mdt_desktop.services.notes import mark_mention_read, write_note
from mdt_desktop.services.staff import staff_for_user
from mdt_desktop.services.today import DUE_WITHIN_DAYS, today_for
from mdt_desktop.services.users import add_profile, current_user, sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Action, CaseloadEntry, Note, NoteMention, User


def _me(store: Store) -> User:
    user = add_profile(store, "Alex Morgan", "care_coordinator", "Frailty MDT", "2468")
    sign_in(store, user)
    demo.generate_demo(store, 3000, seed=5, join_team=True)
    me = current_user(store)
    assert me is not None
    return me


def test_unread_mentions_come_before_newer_read_ones(store: Store) -> None:
    me = _me(store)
    staff = staff_for_user(store, me).id
    t = today_for(store, me)
    patient = t.referrals[0].patient_id
    old = write_note(store, patient, "An older note for you.", mention_staff_ids=[staff])
    write_note(store, patient, "A newer note, already read.", mention_staff_ids=[staff])
    with store.session() as s:
        mentions = s.execute(
            select(NoteMention.id, NoteMention.note_id).where(NoteMention.staff_id == staff)
        ).all()
    for mention_id, note_id in mentions:
        if note_id != old:
            mark_mention_read(store, mention_id)
    with store.transaction() as s:  # the older note was written yesterday
        s.execute(
            update(Note)
            .where(Note.id == old)
            .values(written_at=datetime.now(UTC) - timedelta(days=1))
        )
    t = today_for(store, me)
    assert t.mentions_unread == 1 and t.mentions == len(mentions)
    assert t.mention_rows[0].note_id == old and t.mention_rows[0].read_at is None
    assert all(m.read_at is not None for m in t.mention_rows[1:])


def test_reviews_and_actions_most_overdue_first_and_only_mine(store: Store) -> None:
    me = _me(store)
    staff = staff_for_user(store, me).id
    t = today_for(store, me)
    day = local_date(datetime.now(UTC))
    with store.session() as s:
        coordinators = set(
            s.scalars(
                select(CaseloadEntry.care_coordinator_id).where(
                    CaseloadEntry.patient_id.in_([r.patient_id for r in t.reviews])
                )
            )
        )
        owners = set(
            s.scalars(
                select(Action.owner_staff_id).where(Action.id.in_([a.action_id for a in t.actions]))
            )
        )
    assert coordinators == {staff} and owners <= {staff}
    dates = [r.next_review_on for r in t.reviews]
    assert dates == sorted(dates) and all(d <= day + timedelta(days=DUE_WITHIN_DAYS) for d in dates)
    assert t.reviews_overdue == sum(1 for d in dates if d < day) or len(dates) == 5
    due = [a.due_on for a in t.actions if a.due_on is not None]
    assert due == sorted(due)
    assert t.actions_overdue == sum(1 for d in due if d < day) or len(t.actions) == 5
