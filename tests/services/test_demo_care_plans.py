"""Demo care plans over a caseload made here (the caseload demo is built separately)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select
from support.care_plans import clinician, person_on_caseload

from mdt_desktop.domain import care_plan as cp
from mdt_desktop.services import care_plans
from mdt_desktop.services.demo import generate_demo
from mdt_desktop.services.demo.care_plans import add_demo_care_plans
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry, CarePlan, CarePlanVersion, OutboxEntry

TODAY = date(2026, 7, 14)


def test_most_active_cases_get_a_plan_with_a_few_versions(store: Store) -> None:
    clinician(store)
    people = [person_on_caseload(store, n, family=f"Person{n}") for n in range(1, 41)]
    closed = person_on_caseload(store, 99, active=False)
    made = add_demo_care_plans(store, seed=1, today=TODAY)
    assert 0.6 * len(people) <= made < len(people)
    with store.session() as s:
        plans = list(s.scalars(select(CarePlan)))
        assert closed not in {p.patient_id for p in plans}
        counts = Counter(s.scalars(select(CarePlanVersion.care_plan_id)))  # versions per plan
        assert all(2 <= n <= 4 for n in counts.values())
        # A bulk load, like the rest of the demo: one import audit entry, no outbox rows.
        assert not s.scalar(
            select(func.count())
            .select_from(OutboxEntry)
            .where(OutboxEntry.table_name.like("care_plan%"))
        )
        imports = list(
            s.scalars(select(AuditEntry.detail).where(AuditEntry.entity == "care_plans"))
        )
        assert imports == [
            f"demo care plans: {made} plans, {sum(counts.values())} versions, seed 1"
        ]
    flags = {r.flag for r in care_plans.plan_rows(store, TODAY)}
    assert flags == set(cp.ReviewFlag)  # overdue, 7, 14 and not yet due all appear
    # The demo follows the app's rule: a change after agreement is to agree again.
    states = [care_plans.load_plan(store, p.patient_id) for p in plans]
    changed = [st for st in states if st.current.changed_since_agreed]
    assert changed and all(st.status == "draft" for st in changed)
    assert all(st.status == "agreed" for st in states if st not in changed)
    assert len(changed) < len(states) / 2
    # Each plan reads back through the service: a current version, an agreed plan.
    one = care_plans.load_plan(store, plans[0].patient_id)
    assert one.status == "agreed" and one.current.content["goals"]
    history = care_plans.history(store, plans[0].patient_id)
    assert history[-1].change_summary.startswith("First version")
    # Running it again adds nothing.
    assert add_demo_care_plans(store, seed=1, today=TODAY) == 0


def test_the_demo_without_a_caseload_makes_no_plans(store: Store) -> None:
    generate_demo(store, 40, seed=2, today=TODAY, stratify=False)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(CarePlan)) == 0
