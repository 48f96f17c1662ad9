"""Every change writes an outbox entry and an audit entry in the same transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from mdt_desktop.store import audit
from mdt_desktop.store.context import Actor
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry, OutboxEntry, Patient, Team


def _count(store: Store, model) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _patient(**kw) -> Patient:
    values = dict(
        nhs_number="9434765919",
        family_name="Jones",
        given_name="Ada",
        date_of_birth=date(1940, 1, 2),
        sex="female",
    )
    values.update(kw)
    return Patient(**values)


def test_insert_writes_one_outbox_entry_with_all_fields(store: Store) -> None:
    user = uuid.uuid4()
    store.set_actor(Actor(user, "Dr Who", "gp"))
    with store.transaction() as s:
        p = _patient()
        s.add(p)
    with store.session() as s:
        entries = s.scalars(select(OutboxEntry)).all()
        assert len(entries) == 1
        e = entries[0]
        assert (e.table_name, e.row_id, e.op) == ("patients", p.id, "insert")
        assert e.fields["family_name"] == "Jones"
        assert e.fields["date_of_birth"] == "1940-01-02"
        assert e.device_id == store.device_id
        assert e.hlc == p.updated_at > 0
        stored = s.get(Patient, p.id)
        assert stored.updated_by == user


def test_update_records_only_changed_fields_and_advances_the_clock(store: Store) -> None:
    with store.transaction() as s:
        p = _patient()
        s.add(p)
    first_clock = p.updated_at
    with store.transaction() as s:
        p = s.get(Patient, p.id)
        p.postcode = "LS1 4AB"
    with store.session() as s:
        last = s.scalars(select(OutboxEntry).order_by(OutboxEntry.seq.desc())).first()
    assert last.op == "update"
    assert last.fields == {"postcode": "LS1 4AB"}
    assert last.hlc > first_clock


def test_tombstone_travels_as_delete(store: Store) -> None:
    with store.transaction() as s:
        p = _patient()
        s.add(p)
    with store.transaction() as s:
        s.get(Patient, p.id).deleted_at = datetime.now(UTC)
    with store.session() as s:
        last = s.scalars(select(OutboxEntry).order_by(OutboxEntry.seq.desc())).first()
    assert last.op == "delete" and "deleted_at" in last.fields


def test_rollback_leaves_no_outbox_and_no_audit_entry(store: Store) -> None:
    outbox_before, audit_before = _count(store, OutboxEntry), _count(store, AuditEntry)
    with pytest.raises(RuntimeError), store.transaction() as s:
        s.add(_patient())
        s.flush()
        assert s.scalar(select(func.count()).select_from(OutboxEntry)) == outbox_before + 1
        raise RuntimeError("changed my mind")
    assert _count(store, OutboxEntry) == outbox_before
    assert _count(store, AuditEntry) == audit_before
    assert _count(store, Patient) == 0


def test_failed_commit_leaves_nothing(store: Store) -> None:
    with store.transaction() as s:
        s.add(_patient())
    outbox_before = _count(store, OutboxEntry)
    with pytest.raises(IntegrityError), store.transaction() as s:
        s.add(_patient(family_name="Duplicate"))  # same NHS number
    assert _count(store, OutboxEntry) == outbox_before


def test_clock_survives_reopening(store: Store, store_key) -> None:
    with store.transaction() as s:
        s.add(Team(name="North Leeds MDT"))
    last = store.context.clock.last
    store.close()
    again = Store.open(store.path, store_key)
    assert again.context.clock.now() > last
    again.close()


def test_audit_entries_name_the_user_and_patient(store: Store) -> None:
    store.set_actor(Actor(uuid.uuid4(), "Nurse Ratched", "district_nurse"))
    with store.transaction() as s:
        p = _patient()
        s.add(p)
    store.audit("view", "patients", p.id, p.id)
    with store.session() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [r.action for r in rows][-2:] == ["create", "view"]
    assert all(r.user_name == "Nurse Ratched" and r.patient_id == p.id for r in rows[-2:])


def _seed_audit(store: Store, n: int = 5) -> None:
    for i in range(n):
        store.audit("view", "patients", str(i))


def test_audit_chain_verifies(store: Store) -> None:
    _seed_audit(store)
    with store.session() as s:
        report = audit.verify_chain(s)
    assert report.ok and report.checked == 5


def test_entries_written_through_the_driver_are_the_entries_the_orm_writes(store: Store) -> None:
    """One chain rule: a bulk writer's entries (``cursor``) follow the ORM's and read back
    the same, so the chain verifies across both."""
    store.set_actor(Actor(uuid.uuid4(), "Nurse Ratched", "district_nurse"))
    about = uuid.uuid4()
    items = [audit.Item("create", "patients", about, about), audit.Item("view", "patients", "x")]
    with store.transaction() as s:
        first = audit.append_many(s, store.context, items)
    with store.transaction() as s:
        cursor = s.connection().connection.dbapi_connection.cursor()
        try:
            last = audit.append_many(s, store.context, items, cursor=cursor)
        finally:
            cursor.close()
    assert last == first + len(items)
    columns = [c for c in audit._COLUMNS if c not in ("seq", "at", "prev_hash", "hash")]
    with store.session() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()[-4:]
        head = s.execute(text("SELECT value FROM store_meta WHERE key = 'audit_head'")).scalar()
        report = audit.verify_chain(s)
    by_orm, by_driver = rows[:2], rows[2:]
    assert [[getattr(r, c) for c in columns] for r in by_orm] == [
        [getattr(r, c) for c in columns] for r in by_driver
    ]
    assert by_driver[0].patient_id == about and by_driver[0].at.tzinfo is not None
    assert by_driver[0].prev_hash == by_orm[-1].hash
    assert report.ok and head == f"{last}:{by_driver[-1].hash}"


def test_audit_log_refuses_update_and_delete(store: Store) -> None:
    _seed_audit(store, 2)
    from sqlalchemy.exc import DatabaseError

    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_log SET user_name='x' WHERE seq=1")
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_log WHERE seq=1")


def _tamper(store: Store, sql: str) -> audit.ChainReport:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        conn.exec_driver_sql(sql)
    with store.session() as s:
        return audit.verify_chain(s)


def test_altered_entry_is_named(store: Store) -> None:
    _seed_audit(store)
    report = _tamper(store, "UPDATE audit_log SET entity_id='99' WHERE seq=3")
    assert not report.ok and report.first_bad_seq == 3 and "altered" in report.reason


def test_removed_entry_is_named(store: Store) -> None:
    _seed_audit(store)
    report = _tamper(store, "DELETE FROM audit_log WHERE seq=2")
    assert not report.ok and report.first_bad_seq == 2


def test_removed_tail_is_detected(store: Store) -> None:
    _seed_audit(store)
    report = _tamper(store, "DELETE FROM audit_log WHERE seq=5")
    assert not report.ok and report.first_bad_seq == 5


def test_rehashed_forgery_is_caught_by_the_next_entry(store: Store) -> None:
    """Recomputing one entry's own hash is not enough: the next entry still points back."""
    _seed_audit(store)
    with store.session() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.seq == 2)).one()
        forged = audit.entry_hash(
            seq=2,
            at=row.at,
            user_id=row.user_id,
            user_name="Someone Else",
            role=row.role,
            device_id=row.device_id,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            patient_id=row.patient_id,
            detail=row.detail,
            prev_hash=row.prev_hash,
        )
    report = _tamper(
        store, f"UPDATE audit_log SET user_name='Someone Else', hash='{forged}' WHERE seq=2"
    )
    assert not report.ok and report.first_bad_seq == 3
