"""The demo neighbourhood: plausible, deterministic, and all-or-nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from mdt_desktop.domain import nhs_number
from mdt_desktop.domain.people import age_on
from mdt_desktop.services import demo
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import CodedEntry, Patient, Practice, Staff

TODAY = date(2026, 11, 22)


def _snapshot(store: Store) -> list[tuple]:
    with store.session() as s:
        return [
            (p.nhs_number, p.family_name, p.given_name, p.date_of_birth, p.sex, p.postcode)
            for p in s.scalars(select(Patient).order_by(Patient.nhs_number))
        ]


def test_demo_looks_like_a_neighbourhood(store: Store) -> None:
    summary = demo.generate_demo(store, 4000, seed=7, today=TODAY)
    assert summary.patients == 4000
    with store.session() as s:
        patients = s.scalars(select(Patient)).all()
        practices = s.scalars(select(Practice)).all()
        assert s.scalar(select(func.count()).select_from(Staff)) == len(demo.STAFF)
        kinds = Counter(s.scalars(select(CodedEntry.kind)))
        per_patient = Counter(
            s.scalars(select(CodedEntry.patient_id).where(CodedEntry.kind == "condition"))
        )
        meds = Counter(
            s.scalars(select(CodedEntry.patient_id).where(CodedEntry.kind == "medication"))
        )
    assert len(practices) == 6
    assert all(len(p.ods_code) == 6 and p.ods_code[0].isalpha() for p in practices)
    assert all(
        p.nhs_number.startswith("999") and nhs_number.is_valid(p.nhs_number) for p in patients
    )
    assert len({p.nhs_number for p in patients}) == 4000
    ages = [age_on(p.date_of_birth, TODAY) for p in patients]
    over_65 = sum(a >= 65 for a in ages) / len(ages)
    assert 0.14 < over_65 < 0.26  # England: about 19%
    assert max(ages) >= 90 and min(ages) <= 4
    women = sum(p.sex == "female" for p in patients) / len(patients)
    assert 0.45 < women < 0.56
    assert set(kinds) == {"condition", "medication", "admission", "ae_attendance"}
    # Conditions rise with age: the old carry far more than the young.
    by_id = {p.id: age_on(p.date_of_birth, TODAY) for p in patients}
    old = [per_patient[pid] for pid, a in by_id.items() if a >= 75]
    young = [per_patient[pid] for pid, a in by_id.items() if 18 <= a < 40]
    assert sum(old) / len(old) > 4 * (sum(young) / len(young))
    # Some frail older people reach polypharmacy (10+ repeat medicines).
    assert any(n >= 10 for n in meds.values())


def test_demo_is_deterministic_for_a_seed(store: Store, tmp_path, store_key) -> None:
    demo.generate_demo(store, 300, seed=11, today=TODAY)
    first = _snapshot(store)
    other = Store.create(tmp_path / "other.mdt", store_key)
    demo.generate_demo(other, 300, seed=11, today=TODAY)
    assert _snapshot(other) == first
    third = Store.create(tmp_path / "third.mdt", store_key)
    demo.generate_demo(third, 300, seed=12, today=TODAY)
    assert _snapshot(third) != first
    other.close()
    third.close()


def test_cancelled_demo_writes_nothing(store: Store) -> None:
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append(done)

    with pytest.raises(demo.Cancelled):
        demo.generate_demo(
            store, 12000, seed=1, progress=progress, should_cancel=lambda: len(calls) >= 2
        )
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == 0
        assert s.scalar(select(func.count()).select_from(Practice)) == 0


def test_demo_refuses_to_run_twice(store: Store) -> None:
    demo.generate_demo(store, 50, seed=1, today=TODAY)
    with pytest.raises(ValueError, match="already holds demo"):
        demo.generate_demo(store, 50, seed=2, today=TODAY)


def test_bulk_rows_read_back_through_the_orm(store: Store) -> None:
    """The bulk writer's value formats are exactly what SQLAlchemy stores."""
    demo.generate_demo(store, 20, seed=5, today=TODAY)
    with store.session() as s:
        p = s.scalars(select(Patient)).first()
        assert isinstance(p.date_of_birth, date)
        assert p.practice_id is not None and s.get(Practice, p.practice_id) is not None
        entry = s.scalars(select(CodedEntry).where(CodedEntry.patient_id == p.id)).first()
        if entry is not None:
            assert entry.patient_id == p.id
        # A round trip through the ORM finds the row by its UUID key.
        assert s.get(Patient, p.id).nhs_number == p.nhs_number
