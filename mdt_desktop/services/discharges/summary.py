"""Exporting a stay's transfer-of-care summary: read, write the PDF, audit the export."""

from __future__ import annotations

import uuid
from pathlib import Path

from mdt_desktop.domain import discharges as rules
from mdt_desktop.domain.discharges import Pathway
from mdt_desktop.domain.people import format_local_datetime, format_patient_date
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.domain.roles import Role
from mdt_desktop.reports.transfer_of_care import TaskLine, TransferOfCare, write_transfer_of_care
from mdt_desktop.services.patients import patient_banner
from mdt_desktop.store import discharges as reads
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import HospitalAdmission, Team

from ._common import DischargeError, _plan

NOT_SET = "Not set"


def _label(table: str, code: str | None) -> str:
    if not code:
        return NOT_SET
    try:
        return f"{rules.nhs_dd_table(table).get(code).label} ({code})"
    except KeyError:
        return code


def _destination(code: str | None) -> str:
    if not code:
        return NOT_SET
    try:
        return rules.destinations().get(code).label
    except KeyError:
        return code


def export_transfer_of_care(store: Store, plan_id: uuid.UUID, path: Path) -> Path:
    """Write the stay's transfer-of-care PDF to ``path`` and record the export."""
    require(store.actor.role, Permission.EXPORT_RECORD)
    path = Path(path)
    if path.suffix.lower() != ".pdf":
        raise DischargeError("The transfer-of-care summary is saved as a .pdf file.")
    if not path.parent.is_dir():
        raise DischargeError(f"There is no folder {path.parent}.")
    with store.session() as s:
        plan = _plan(s, plan_id, open_only=False)
        admission = s.get(HospitalAdmission, plan.admission_id)
        assert admission is not None
        team = s.get(Team, plan.team_id) if plan.team_id else None
        tasks = reads.tasks_of(s, plan.id)
        patient_id = plan.patient_id
        pathway = plan.discharged_pathway if plan.discharged_pathway is not None else plan.pathway
        done = plan.follow_up_done_at
        follow_up = (
            f"Done {format_local_datetime(done)} by {plan.follow_up_by}: {plan.follow_up_note}"
            if done
            else f"Due {format_patient_date(plan.follow_up_due_on)}"
            if plan.follow_up_due_on
            else "Due after discharge"
        )
        doc_values = dict(
            team=team.name if team else "",
            hospital=admission.hospital or "",
            ward=admission.ward or "",
            admitted=format_local_datetime(admission.admitted_at),
            admission_method=_label("admission_method", admission.admission_method),
            reason=admission.reason or "",
            expected_discharge=format_patient_date(plan.expected_discharge_on)
            if plan.expected_discharge_on
            else NOT_SET,
            ready_date=format_patient_date(plan.ready_on) if plan.ready_on else NOT_SET,
            discharged=format_local_datetime(admission.discharged_at)
            if admission.discharged_at
            else "Still in hospital",
            pathway=Pathway(pathway).label if pathway is not None else NOT_SET,
            destination=_label("discharge_destination", plan.discharge_destination)
            if plan.discharge_destination
            else _destination(plan.destination_code),
            discharge_method=_label("discharge_method", plan.discharge_method),
            delay=plan.delay_code or "",
            plan_and_actions=plan.summary_plan_actions or "",
            medicine_changes=plan.summary_medicine_changes or "",
            individual_requirements=plan.summary_requirements or "",
            follow_up=follow_up,
        )
    banner = patient_banner(store, patient_id)
    actor = store.actor
    try:
        by = f"{actor.name} ({Role(actor.role).label})"
    except ValueError:  # the system, not a person
        by = actor.name
    doc = TransferOfCare(
        banner_line=banner.one_line,
        born=banner.born,
        tasks=tuple(
            TaskLine(
                t.description,
                t.organisation or "",
                t.owner_name or "No owner",
                format_patient_date(t.due_on) if t.due_on else "",
                rules.TaskStatus(t.status).label,
            )
            for t in tasks
        ),
        completed_by=by,
        **doc_values,
    )
    write_transfer_of_care(path, doc, by)
    store.audit("export", "discharge_plans", plan_id, patient_id, detail="transfer of care PDF")
    return path
