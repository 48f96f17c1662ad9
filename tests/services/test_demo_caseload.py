"""The demo caseload: drawn from the highest-risk people, realistic in shape."""

from __future__ import annotations

from datetime import date

from mdt_desktop.services.demo import generate_demo
from mdt_desktop.services.demo.caseload import add_demo_caseload
from mdt_desktop.services.stratify import stratify_store
from mdt_desktop.store.database import Store

TODAY = date(2026, 11, 22)


def test_demo_caseload_comes_from_the_highest_risk_people(store: Store) -> None:
    # The caseload demo on its own: the meetings demo that follows it in generate_demo
    # steps some cases down.
    generate_demo(store, 6000, seed=4, today=TODAY, stratify=False)
    stratify_store(store, today=TODAY)
    add_demo_caseload(store, 4, TODAY)
    with store.engine.connect() as conn:
        q = conn.exec_driver_sql
        counts = dict(q("SELECT status, count(*) FROM caseload_entries GROUP BY status").all())
        assert counts["active"] == 40  # one in 150
        assert counts["stepped_down"] == 4 and counts["closed"] == 2
        referrals = dict(q("SELECT status, count(*) FROM referrals GROUP BY status").all())
        assert referrals["waiting"] == 3 and referrals["declined"] == 1
        # Everyone held is among the highest-risk people (top 1,000 of 6,000 adults).
        cut = q(
            "SELECT risk_score FROM risk_scores WHERE age >= 18 "
            "ORDER BY risk_score DESC LIMIT 1 OFFSET 999"
        ).scalar()
        lowest = q(
            "SELECT min(r.risk_score) FROM caseload_entries c "
            "JOIN risk_scores r ON r.patient_id = c.patient_id"
        ).scalar()
        assert lowest >= cut
        # Every active case has a named coordinator who may coordinate, and a lead.
        assert (
            q(
                "SELECT count(*) FROM caseload_entries WHERE status = 'active' "
                "AND care_coordinator_id IS NULL"
            ).scalar()
            == 0
        )
        leads = q(
            "SELECT count(DISTINCT patient_id) FROM care_team_members WHERE is_lead = 1"
        ).scalar()
        assert leads == sum(counts.values())
        assert q("SELECT count(*) FROM notes").scalar() > 40
        # Some active cases are in hospital now, some home within the last four weeks.
        stays = q(
            "SELECT h.discharged_at IS NULL, c.status, h.admitted_at, h.discharged_at "
            "FROM hospital_admissions h JOIN caseload_entries c ON c.patient_id = h.patient_id"
        ).all()
        assert any(s[0] for s in stays) and any(not s[0] for s in stays)
        assert all(s[1] == "active" for s in stays)
        assert all(s[3] is None or s[2] < s[3] < "2026-11-22" for s in stays)
        shown = dict(q("SELECT caseload_status, count(*) FROM risk_scores GROUP BY 1").all())
        assert shown["on_caseload"] == 40 and shown["referred"] == 3
        # Times are stored as UTC and every note has an author and a role.
        assert (
            q("SELECT count(*) FROM notes WHERE author_name = '' OR author_role = ''").scalar() == 0
        )


def test_same_seed_same_caseload(store: Store, tmp_path) -> None:
    from mdt_desktop.store.keys import StoreKey

    def listing(s: Store) -> list[tuple]:
        generate_demo(s, 3000, seed=5, today=TODAY)
        with s.engine.connect() as conn:
            return conn.exec_driver_sql(
                "SELECT p.nhs_number, c.status, c.next_review_on, st.name FROM caseload_entries c "
                "JOIN patients p ON p.id = c.patient_id JOIN staff st ON st.id = "
                "c.care_coordinator_id ORDER BY p.nhs_number"
            ).all()

    other = Store.create(tmp_path / "other.mdt", StoreKey.generate())
    try:
        first, second = listing(store), listing(other)
    finally:
        other.close()
    assert len(first) > 10 and first == second
