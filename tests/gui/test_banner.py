from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QLabel

from mdt_desktop.gui.widgets.banner import PatientBanner
from mdt_desktop.services.patients import patient_banner
from mdt_desktop.store.schema import Consent, Patient, Practice


def test_banner_shows_a_stored_person(qtbot, store) -> None:
    with store.transaction() as s:
        practice = Practice(ods_code="Y01234", name="Riverside Surgery")
        s.add(practice)
        s.flush()
        person = Patient(
            nhs_number="9434765919",
            family_name="Wiśniewska",
            given_name="Zoë",
            date_of_birth=date(1945, 7, 14),
            sex="female",
            practice_id=practice.id,
        )
        s.add(person)
        s.flush()
        s.add(Consent(patient_id=person.id, status="declined", recorded_on=date(2026, 1, 5)))
        pid = person.id
    widget = PatientBanner()
    qtbot.addWidget(widget)
    widget.show_banner(patient_banner(store, pid, today=date(2026, 11, 23)))
    texts = [label.text() for label in widget.findChildren(QLabel)]
    assert "WIŚNIEWSKA, Zoë" in texts
    assert "NHS No. 943 476 5919" in texts
    assert "Born 14-Jul-1945 (81y)" in texts
    assert widget.consent.property("declined") is True
    big = PatientBanner(scale=2.0)
    qtbot.addWidget(big)
    big.show_banner(patient_banner(store, pid, today=date(2026, 11, 23)))
    big.resize(1200, 200)
    widget.resize(1200, 200)
    assert big.name.sizeHint().height() > widget.name.sizeHint().height()
