"""New stays inserted in bulk are what a flush of the same objects writes, outbox and audit too."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from support.neighbourhood import Neighbourhood
from support.postgres import LiveServer, add_user, sync

from mdt_desktop.domain.discharges import DischargeEventKind, Pathway
from mdt_desktop.domain.roles import Role
from mdt_desktop.services.discharges._common import NewEvents, _event
from mdt_desktop.services.discharges.importing import import_admissions
from mdt_desktop.services.discharges.stay import close_stay, new_stay
from mdt_desktop.store import audit, syncing
from mdt_desktop.store.context import Actor
from mdt_desktop.store.database import Store
from mdt_desktop.store.discharges_bulk import insert_new
from mdt_desktop.store.schema import (
    AuditEntry,
    DischargeEvent,
    DischargePlan,
    HospitalAdmission,
    OutboxEntry,
    Patient,
)

# Differ between two stays by nature (ids, clocks, the instant an event was recorded).
_OWN = {"id", "admission_id", "discharge_plan_id", "patient_id", "spell_id", "updated_at",
        "recorded_at"}  # fmt: skip
HEADER = (
    "spell_id,nhs_number,hospital,ward,admitted_at,admission_method,expected_discharge_on,"
    "discharge_ready_on,discharged_at,discharge_destination,discharge_method,pathway\n"
)


def _a_stay(store: Store, s: Any, patient_id: uuid.UUID, spell: str) -> list[Any]:
    """A stay opened, moved on and closed by the feed's own rules, not yet in the session."""
    patient = s.get(Patient, patient_id)
    admission, plan = new_stay(
        patient, admitted_at=datetime(2026, 11, 2, 9, tzinfo=UTC), hospital="St James's",
        ward="J27", method="21", spell_id=spell,
    )  # fmt: skip
    events = NewEvents()
    plan.expected_discharge_on = date(2026, 11, 20)
    _event(events, store, plan, DischargeEventKind.EDD, on=plan.expected_discharge_on, reason="F")
    close_stay(
        events, store, plan, admission, discharged_at=datetime(2026, 11, 18, 16, tzinfo=UTC),
        pathway=Pathway(1), destination="19", method="1", assessments=[], tasks=[],
    )  # fmt: skip
    return [admission, plan, *events]


def _written(store: Store, patient_id: uuid.UUID) -> dict[str, Any]:
    """Everything the store holds for one person's stay, with what differs by nature left out."""
    out: dict[str, Any] = {}
    with store.session() as s:
        admission = s.scalars(
            select(HospitalAdmission).where(HospitalAdmission.patient_id == patient_id)
        ).one()
        plan = s.scalars(select(DischargePlan).where(DischargePlan.patient_id == patient_id)).one()
        events = s.scalars(
            select(DischargeEvent)
            .where(DischargeEvent.discharge_plan_id == plan.id)
            .order_by(DischargeEvent.kind)
        ).all()
        rows = [admission, plan, *events]
        for n, row in enumerate(rows):
            values = {c.key: getattr(row, c.key) for c in row.__mapper__.column_attrs}
            assert values["updated_at"] > 0 and values["updated_by"] is not None
            out[f"row{n}"] = {k: v for k, v in values.items() if k not in _OWN}
            changes = s.execute(
                select(OutboxEntry.table_name, OutboxEntry.op, OutboxEntry.fields).where(
                    OutboxEntry.row_id == row.id
                )
            ).all()
            out[f"outbox{n}"] = [
                (t, op, {k: v for k, v in f.items() if k not in _OWN}) for t, op, f in changes
            ]
            out[f"audit{n}"] = [
                (action, entity, who, role, about == patient_id if about else None)
                for action, entity, who, role, about in s.execute(
                    select(AuditEntry.action, AuditEntry.entity, AuditEntry.user_name,
                           AuditEntry.role, AuditEntry.patient_id)
                    .where(AuditEntry.entity_id == str(row.id))
                )
            ]  # fmt: skip
    return out


def test_bulk_rows_outbox_and_audit_are_what_a_flush_writes(
    store: Store, hood: Neighbourhood
) -> None:
    by_orm, by_bulk = hood.patients[0], hood.patients[1]
    with store.transaction() as s:
        admission, plan, *events = _a_stay(store, s, by_orm, "S-ORM")
        s.add(admission)
        s.flush()
        s.add(plan)
        s.flush()
        s.add_all(cls(**values) for cls, values in events)  # as _event does in a session
    with store.transaction() as s:
        objects = _a_stay(store, s, by_bulk, "S-BULK")
        assert insert_new(s, objects) == len(objects) == 4

    orm, bulk = _written(store, by_orm), _written(store, by_bulk)
    assert orm == bulk
    assert [len(orm[f"outbox{n}"]) for n in range(4)] == [1, 1, 1, 1]  # one insert each
    assert [len(orm[f"audit{n}"]) for n in range(4)] == [1, 1, 1, 1]  # one create each
    with store.session() as s:
        assert audit.verify_chain(s).ok
        # The clock the rows were stamped with is the one the store keeps.
        kept = s.execute(text("SELECT value FROM store_meta WHERE key = 'hlc_last'")).scalar()
        newest = s.scalar(select(func.max(DischargeEvent.updated_at)))
    assert int(kept) >= newest


def test_a_rolled_back_bulk_insert_leaves_nothing(store: Store, hood: Neighbourhood) -> None:
    def held() -> tuple[int, int]:
        with store.session() as s:
            outbox = s.scalar(select(func.count()).select_from(OutboxEntry))
            trail = s.scalar(select(func.count()).select_from(AuditEntry))
            return outbox, trail

    before = held()
    try:
        with store.transaction() as s:
            insert_new(s, _a_stay(store, s, hood.patients[2], "S-GONE"))
            raise RuntimeError("the import failed after the insert")
    except RuntimeError:
        pass
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(HospitalAdmission)) == 0
        assert audit.verify_chain(s).ok
    assert held() == before


def test_an_imported_feed_reaches_the_team_server(
    live_server: LiveServer, make_store: Callable[[str], Store], tmp_path: Path
) -> None:
    add_user(live_server.engine, "dana", "North", "district_nurse")
    laptop = make_store("a")
    sync(laptop, live_server, "dana")
    laptop.set_actor(Actor(uuid.uuid4(), "Dana Nurse", Role.DISTRICT_NURSE.value))
    team_id = uuid.UUID(laptop.meta()[syncing.META_TEAM])
    numbers = ["9434765919", "9434765870"]
    with laptop.transaction() as s:
        s.add_all(
            Patient(team_id=team_id, family_name=f"PERSON{n}", given_name="Jo", nhs_number=nhs,
                    date_of_birth=date(1941, 3, 4))
            for n, nhs in enumerate(numbers)
        )  # fmt: skip
    sync(laptop, live_server, "dana")
    feed = tmp_path / "adt.csv"
    feed.write_text(
        HEADER
        + f"S1,{numbers[0]},St James's,J27,2026-11-02T09:00:00Z,21,2026-11-20,2026-11-18,,,,\n"
        + f"S2,{numbers[1]},LGI,L8,2026-11-01T10:00:00Z,11,,,2026-11-05T16:00:00Z,19,1,0\n"
    )
    result = import_admissions(laptop, [feed])
    assert (result.added, result.discharged) == (2, 1)
    with laptop.session() as s:
        ids = [
            *s.scalars(select(HospitalAdmission.id)),
            *s.scalars(select(DischargePlan.id)),
            *s.scalars(select(DischargeEvent.id)),
        ]
        queued = s.scalars(select(OutboxEntry.row_id).where(OutboxEntry.row_id.in_(ids))).all()
        audited = s.scalars(
            select(AuditEntry.entity_id).where(
                AuditEntry.action == "create", AuditEntry.entity_id.in_([str(i) for i in ids])
            )
        ).all()
        assert audit.verify_chain(s).ok
    assert len(ids) == 2 + 2 + 3  # EDD and ready date for S1; the discharge for S2
    assert sorted(queued) == sorted(ids) and sorted(audited) == sorted(str(i) for i in ids)

    sync(laptop, live_server, "dana")
    assert syncing.pending_count(laptop) == 0 and syncing.open_conflicts(laptop) == 0
    with live_server.engine.connect() as conn:
        on_server = conn.execute(
            text("SELECT spell_id, discharged_at IS NOT NULL FROM hospital_admissions")
        ).all()
        events = conn.execute(text("SELECT count(*) FROM discharge_events")).scalar()
    assert sorted(on_server) == [("S1", False), ("S2", True)]
    assert events == 3
    again = import_admissions(laptop, [feed])
    assert (again.added, again.unchanged) == (0, 2) and syncing.pending_count(laptop) == 0
