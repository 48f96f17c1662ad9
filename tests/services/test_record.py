"""The record: opened as an audited view, consent, care team, export, the audit viewer."""

from __future__ import annotations

import csv
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from support.neighbourhood import Neighbourhood, act_as

from mdt_desktop.domain.caseload import Flag
from mdt_desktop.domain.permissions import NotPermitted
from mdt_desktop.services import audit_log, care_team, caseload, record
from mdt_desktop.services.consent import ConsentDeclined, latest_consent, record_consent
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry


def _audit(store: Store, action: str, patient_id) -> list[AuditEntry]:
    with store.session() as s:
        return list(
            s.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == action, AuditEntry.patient_id == patient_id
                )
            )
        )


def test_opening_a_record_is_logged_as_a_view(store: Store, hood: Neighbourhood) -> None:
    banner = record.open_record(store, hood.patients[0], today=date(2026, 11, 23))
    assert banner.name == "WARD, Edith (Mrs)"
    assert banner.born == "Born 14-Jul-1935 (91y)"
    assert banner.consent == "Consent to share: Not Known"
    (view,) = _audit(store, "view", hood.patients[0])
    assert (view.user_name, view.role, view.entity) == ("Sue Palmer", "district_nurse", "patients")


def test_consent_declined_export_needs_confirmation_and_is_audited(
    store: Store, hood: Neighbourhood, tmp_path: Path
) -> None:
    pid = hood.patients[0]
    with pytest.raises(ValueError, match="Say how"):
        record_consent(store, pid, "declined")
    record_consent(store, pid, "declined", method="In person", recorded_on=date(2026, 11, 1))
    consent = latest_consent(store, pid)
    assert (consent.status, consent.recorded_by) == ("declined", "Sue Palmer")
    assert record.open_record(store, pid).consent == "Consent to share: DECLINED (01-Nov-2026)"
    assert record.export_needs_confirmation(store, pid)

    target = tmp_path / "record.pdf"
    with pytest.raises(ConsentDeclined):
        record.export_record(store, pid, target)
    assert not target.exists() and _audit(store, "export", pid) == []

    record.export_record(store, pid, target, declined_reason="Hospital discharge team request")
    assert target.read_bytes().startswith(b"%PDF")
    (export,) = _audit(store, "export", pid)
    assert "DECLINED" in export.detail and "Hospital discharge team request" in export.detail
    assert export.user_name == "Sue Palmer"


def test_export_of_someone_who_consented_asks_nothing(
    store: Store, hood: Neighbourhood, tmp_path: Path
) -> None:
    pid = hood.patients[1]
    record_consent(store, pid, "given", method="By telephone")
    assert not record.export_needs_confirmation(store, pid)
    record.export_record(store, pid, tmp_path / "r.pdf")
    assert len(_audit(store, "export", pid)) == 1
    act_as(store, hood.admin)
    with pytest.raises(NotPermitted, match="export records"):
        record.export_record(store, pid, tmp_path / "r2.pdf")
    with pytest.raises(NotPermitted):
        record_consent(store, pid, "not_asked")


def test_care_team_members_lead_and_carers(store: Store, hood: Neighbourhood) -> None:
    pid = hood.patients[2]
    care_team.add_member(store, pid, care_team.MemberInput(staff_id=hood.social_worker.id))
    care_team.add_member(
        store,
        pid,
        care_team.MemberInput(
            name="Dr Ruth Adebayo", role="Consultant cardiologist",
            organisation="Northside Teaching Hospitals", contact="0113 496 0101", is_lead=True,
        ),
    )  # fmt: skip
    care_team.add_member(
        store, pid, care_team.MemberInput(relationship="carer", name="Tom Nowak (son)")
    )
    care_team.add_member(
        store,
        pid,
        care_team.MemberInput(
            relationship="next_of_kin", name="Anna Nowak", contact="07700 900123"
        ),
    )
    names = [(m.name, m.is_lead) for m in care_team.members(store, pid)]
    assert names[0] == ("Dr Ruth Adebayo", True)
    assert ("Mark Fletcher", False) in names
    with pytest.raises(ValueError, match="already in the care team"):
        care_team.add_member(store, pid, care_team.MemberInput(staff_id=hood.social_worker.id))
    with pytest.raises(ValueError, match="must be a professional"):
        care_team.add_member(
            store, pid, care_team.MemberInput(relationship="carer", name="X", is_lead=True)
        )
    mark = next(m for m in care_team.members(store, pid) if m.name == "Mark Fletcher")
    care_team.set_lead(store, mark.id)
    assert [m.name for m in care_team.members(store, pid) if m.is_lead] == ["Mark Fletcher"]
    care_team.remove_member(store, mark.id)
    assert "Mark Fletcher" not in [m.name for m in care_team.members(store, pid)]


def test_summary_flags(store: Store, hood: Neighbourhood) -> None:
    pid = hood.patients[0]
    ref = caseload.refer_person(store, pid, reason="Frailty", team_id=hood.team.id)
    today = date.today()
    entry = caseload.accept_referral(
        store, ref, coordinator_id=hood.coordinator.id, today=today - timedelta(days=60),
        next_review_on=today - timedelta(days=5),
    )  # fmt: skip
    summary = record.record_summary(store, pid, today=today)
    assert summary.case is not None and summary.case.coordinator == "Carol Hughes"
    assert summary.case.flags == (Flag.REVIEW_OVERDUE, Flag.NO_CARE_PLAN)
    from mdt_desktop.services.notes import escalate_to_next_mdt

    escalate_to_next_mdt(store, pid, "Two falls this week")
    assert record.record_summary(store, pid).case.flags[0] == Flag.ESCALATED
    assert entry is not None


def test_audit_viewer_filters_exports_and_verifies(
    store: Store, hood: Neighbourhood, tmp_path: Path
) -> None:
    pid = hood.patients[0]
    record.open_record(store, pid)
    caseload.refer_person(store, pid, reason="Frailty", team_id=hood.team.id)
    act_as(store, hood.admin)  # administrators may read the audit log
    views = audit_log.page(store, audit_log.AuditFilter(patient_id=pid, action="view"))
    assert [(r.action, r.user_name, r.patient_name) for r in views] == [
        ("view", "Sue Palmer", "WARD, Edith (Mrs)")
    ]
    edits = audit_log.page(store, audit_log.AuditFilter(patient_id=pid, action="create"))
    assert {r.entity for r in edits} == {"patients", "referrals"}
    by_nurse = audit_log.AuditFilter(user_id=hood.nurse.id)
    assert audit_log.count(store, by_nurse) >= 3
    today = date.today()
    assert audit_log.count(store, audit_log.AuditFilter(date_to=today - timedelta(days=1))) == 0
    assert audit_log.count(store, audit_log.AuditFilter(date_from=today)) > 0

    out = tmp_path / "audit.csv"
    written = audit_log.export_csv(store, audit_log.AuditFilter(patient_id=pid), out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == written >= 2
    assert rows[0]["nhs_number"].startswith("999")
    (export,) = _audit(store, "export", pid)
    assert export.entity == "audit_log" and export.user_name == "Paul Marshall"
    assert audit_log.verify(store).ok

    act_as(store, hood.nurse)
    with pytest.raises(NotPermitted, match="view the audit log"):
        audit_log.page(store, audit_log.AuditFilter())


def test_exported_pdf_renders(store: Store, hood: Neighbourhood, tmp_path: Path) -> None:
    pdftoppm = subprocess.run(["which", "pdftoppm"], capture_output=True, text=True).stdout.strip()
    pid = hood.patients[0]
    from mdt_desktop.services.notes import write_note

    write_note(store, pid, "Home visit: walking with a frame, lives alone.")
    path = record.export_record(store, pid, tmp_path / "edith.pdf")
    if not pdftoppm:
        pytest.skip("pdftoppm is not installed")
    subprocess.run([pdftoppm, "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))
