"""The demo team's caseload: drawn from the highest-risk people of the demo neighbourhood.

A few hundred active cases with named care coordinators, review dates (some overdue),
care teams with carers and next of kin, notes between meetings (with a few corrections
and mentions), escalations to the next MDT, consent to share, referrals still waiting,
and some cases already stepped down, closed or declined. Written in bulk like the rest
of the demo (one transaction, one audit entry), from the same seed.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from mdt_desktop.domain.caseload import CaseloadStatus, ReferralStatus, Urgency
from mdt_desktop.domain.people import ConsentStatus
from mdt_desktop.domain.permissions import Permission, allowed
from mdt_desktop.services.staff import staff_for_user
from mdt_desktop.store import bulk
from mdt_desktop.store.database import Store
from mdt_desktop.store.demo import demo_caseload_inputs, demo_team_id
from mdt_desktop.store.risk_inputs import refresh_caseload_status
from mdt_desktop.store.schema import (
    CareTeamMember,
    CaseloadEntry,
    Consent,
    HospitalAdmission,
    Note,
    NoteMention,
    Referral,
    User,
    table_of,
)

from .seeds import DEMO_TEAM, PRACTICES

CARER_NAMES = ["Susan", "Peter", "Margaret", "David", "Aisha", "Tom", "Grace", "Imran", "Linda",
               "Michael", "Sarah", "Joseph", "Priya", "Anne", "Kofi", "Helen"]  # fmt: skip
HOSPITALS = ["St James's University Hospital", "Leeds General Infirmary"]
WARDS = ["Ward J27 (older people's medicine)", "Ward 18 (respiratory)", "Ward J15 (frailty unit)",
         "Ward 4 (acute medical unit)", "Ward L22 (orthopaedic trauma)"]  # fmt: skip
ADMISSION_REASONS = ["Fall with hip pain", "Chest infection", "Urinary infection and delirium",
                     "Heart failure, more breathless", "COPD exacerbation",
                     "Dehydration and AKI"]  # fmt: skip
RELATIVES = ["daughter", "son", "wife", "husband", "niece", "neighbour", "partner", "sister"]
REFERRAL_REASONS = [
    "Severe frailty and two emergency admissions this year",
    "Falls at home; lives alone; struggling with stairs",
    "Polypharmacy review needed after discharge",
    "Carer breakdown: wife can no longer manage alone",
    "Heart failure with repeated A&E attendances",
    "Memory getting worse; family worried about safety",
    "COPD exacerbations; three courses of steroids since summer",
    "Recently bereaved, not eating, missing appointments",
]
NOTE_TEXTS = {
    "visit": [
        "Home visit. Walking with a frame, managing stairs with difficulty. Kitchen clean, "
        "fridge stocked. Daughter visits daily.",
        "Seen at home with carer present. Ankles swollen; weight up 2 kg since last week. "
        "Discussed with GP; furosemide increased.",
        "Joint visit with OT: bath board and perching stool ordered.",
    ],
    "phone_call": [
        "Phoned daughter: mum more confused over the weekend, no fever. Asked for urine sample "
        "to be dropped at the surgery.",
        "Telephone review: no falls since the last visit, sleeping better.",
    ],
    "medicines": [
        "Medication review: stopped amitriptyline (falls risk), started paracetamol regularly. "
        "Blister pack arranged with the pharmacy.",
        "Anticoagulation checked: doses taken, no bruising reported.",
    ],
    "concern": [
        "Carer sounded exhausted on the phone. Respite options to be discussed.",
        "Not answering the door for two visits. Key safe code checked with family.",
    ],
    "update": [
        "Attended day centre twice this week and enjoyed it. Mood brighter.",
        "Outpatient cardiology letter received: no change to plan, review in 6 months.",
    ],
}
ESCALATION_REASONS = [
    "Carer admitted to hospital; at home alone from tonight",
    "Third fall in a fortnight; refusing to go to A&E",
    "Breathless at rest despite increased diuretics",
    "Family asking for a care home assessment",
    "Safeguarding concern raised by the home care agency",
]
STEP_DOWN_REASONS = [
    "Goals met; stable for three months. Back to the practice team",
    "Condition stable; carer support in place",
]
CLOSE_REASONS = ["Moved to a care home out of area", "Died peacefully at home",
                 "Moved away; records passed to the new practice"]  # fmt: skip
DECLINE_REASONS = [
    "Needs already met by the community matron",
    "Declined the team's support after discussion",
]
CONSENT_METHODS = ["In person", "By telephone", "Via carer or advocate"]


@dataclass(frozen=True)
class DemoCaseload:
    active: int
    waiting: int
    stepped_down: int
    closed: int
    declined: int
    notes: int
    escalations: int
    in_hospital: int = 0
    discharged_recently: int = 0


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC)


def add_demo_caseload(
    store: Store, seed: int, today: date, team_id: uuid.UUID | None = None
) -> DemoCaseload | None:
    """Give the demo team its caseload; None when the store has no demo team or people.

    ``team_id`` is the demo team's (generate_demo knows it); without it, the team of the
    demo's name that holds the demo practices.
    """
    rng = random.Random(seed * 7919 + 4)
    clock = store.context.clock.now()
    writer_user = bulk.db_uuid(store.actor.user_id)
    with store.engine.connect() as conn:
        inputs = demo_caseload_inputs(
            conn, bulk.db_uuid(team_id) or demo_team_id(conn, DEMO_TEAM, PRACTICES[0][0])
        )
    if inputs is None:
        return None
    team_id, staff, population, ranked = (
        inputs.team_id,
        inputs.staff,
        inputs.population,
        inputs.ranked,
    )
    if not ranked or not staff:
        return None
    # About one person in 150 is held by the team, a few hundred at most (one MDT's load).
    n_active = min(350, max(8, population // 150), len(ranked) // 2)
    n_waiting = max(3, n_active // 12)
    n_stepped = n_active // 10
    n_closed = n_active // 20
    n_declined = max(1, n_active // 25)
    # Drawn from the highest-risk third or so, not the very top: case finding should still
    # find high-risk people the team does not know yet.
    wanted = n_active + n_waiting + n_stepped + n_closed + n_declined
    chosen = rng.sample(ranked[: min(len(ranked), wanted * 3)], wanted)
    groups = {
        CaseloadStatus.ACTIVE: chosen[:n_active],
        ReferralStatus.WAITING: chosen[n_active : n_active + n_waiting],
        CaseloadStatus.STEPPED_DOWN: chosen[
            n_active + n_waiting : n_active + n_waiting + n_stepped
        ],
        CaseloadStatus.CLOSED: chosen[n_active + n_waiting + n_stepped : -n_declined or None],
        ReferralStatus.DECLINED: chosen[-n_declined:],
    }
    me = _signed_in_staff(store)
    # The signed-in user's cases are given by the quota below, not drawn with the others'.
    coordinators = [
        s
        for s in staff
        if allowed(s[2], Permission.COORDINATE_CARE) and (me is None or s[0] != me[0])
    ]
    # Care coordinators, matrons and district nurses hold most cases, as in life.
    weights = [
        {"care_coordinator": 5, "community_matron": 4, "district_nurse": 3,
         "social_worker": 2}.get(s[2], 1)
        for s in coordinators
    ]  # fmt: skip
    # A coordinator holds twenty to thirty people in life; the signed-in user gets a
    # working caseload from the demo's active cases, so "My caseload" shows a real week.
    my_quota = min(30, n_active // 2, max(8, n_active // 4))
    mine = 0

    referrals, entries, members, notes, mentions, consents = [], [], [], [], [], []
    escalations = 0

    def referral(pid: str, status: str, referred: date, decided: date | None, why: str | None):
        rid = bulk.new_ids(1)[0]
        source = rng.choices(["case_finding", "manual", "discharge"], [6, 3, 1])[0]
        referrer = rng.choice(staff)[1]
        referrals.append(
            (rid, team_id, pid, rng.choice(REFERRAL_REASONS), source,
             rng.choices(Urgency.values(), [6, 3, 1])[0], referrer,
             bulk.db_datetime(_at(referred, rng)), status,
             bulk.db_datetime(_at(decided, rng)) if decided else None,
             rng.choice(coordinators)[1] if decided else None, why, clock, writer_user)
        )  # fmt: skip
        return rid

    def note(pid: str, day: date, category: str, text: str, author=None, **extra) -> str:
        nid = bulk.new_ids(1)[0]
        who = author or rng.choice(staff)
        notes.append(
            (nid, team_id, pid, who[1], who[2], bulk.db_datetime(_at(day, rng)), category, text,
             extra.get("corrects"), extra.get("escalation"), clock, writer_user)
        )  # fmt: skip
        return nid

    for status in (CaseloadStatus.ACTIVE, CaseloadStatus.STEPPED_DOWN, CaseloadStatus.CLOSED):
        for pid in groups[status]:
            started = today - timedelta(days=rng.randint(20, 540))
            referred = started - timedelta(days=rng.randint(1, 14))
            rid = referral(pid, ReferralStatus.ACCEPTED, referred, started, None)
            is_mine = False
            if me is not None and status == CaseloadStatus.ACTIVE:
                rng.random()  # drawn as it always was, so the rest of the demo stays the same
                mine += 1
                is_mine = mine <= my_quota
            coordinator = (
                me if is_mine and me is not None else rng.choices(coordinators, weights)[0]
            )
            review = None
            ended = reason = None
            escalated_at = escalation = None
            if status == CaseloadStatus.ACTIVE:
                # Reviews every four to twelve weeks; about one in ten is overdue.
                review = today + timedelta(days=rng.randint(1, 84))
                if rng.random() < 0.1:
                    review = today - timedelta(days=rng.randint(1, 30))
                if coordinator is me:
                    # The signed-in user's own week: a few reviews overdue or due soon.
                    review = today + timedelta(days=rng.randint(-10, 35))
                if rng.random() < 0.05:
                    escalation = rng.choice(ESCALATION_REASONS)
                    escalated_at = _at(today - timedelta(days=rng.randint(0, 9)), rng)
            else:
                ended = started + timedelta(days=rng.randint(30, max(31, (today - started).days)))
                ended = min(ended, today)
                reason = rng.choice(
                    STEP_DOWN_REASONS if status == CaseloadStatus.STEPPED_DOWN else CLOSE_REASONS
                )
            entries.append(
                (bulk.new_ids(1)[0], team_id, pid, rid, status, coordinator[0],
                 started.isoformat(), review.isoformat() if review else None,
                 bulk.db_datetime(escalated_at), escalation,
                 ended.isoformat() if ended else None, reason, clock, writer_user)
            )  # fmt: skip
            # The care team: the coordinator leads; one to three colleagues; family.
            others = rng.sample([s for s in staff if s[0] != coordinator[0]], rng.randint(1, 3))
            for i, st in enumerate([coordinator, *others]):
                members.append(
                    (bulk.new_ids(1)[0], team_id, pid, st[0], st[1], st[2], st[3],
                     st[4] or st[5], "professional", int(i == 0), clock, writer_user)
                )  # fmt: skip
            family = rng.choice(["Ward", "Okafor", "Smith", "Khan", "Nowak", "Hughes", "Patel"])
            if rng.random() < 0.35:
                members.append(
                    (bulk.new_ids(1)[0], team_id, pid, None,
                     f"{rng.choice(CARER_NAMES)} {family} ({rng.choice(RELATIVES)})", "Carer",
                     None, f"07700 900{rng.randint(100, 999)}", "carer", 0, clock, writer_user)
                )  # fmt: skip
            if rng.random() < 0.6:
                members.append(
                    (bulk.new_ids(1)[0], team_id, pid, None,
                     f"{rng.choice(CARER_NAMES)} {family} ({rng.choice(RELATIVES)})",
                     "Next of kin", None, f"07700 900{rng.randint(100, 999)}", "next_of_kin",
                     0, clock, writer_user)
                )  # fmt: skip
            note(pid, started, "caseload", f"Referral accepted onto the caseload. Care "
                 f"coordinator: {coordinator[1]}.", coordinator)  # fmt: skip
            for _ in range(rng.randint(1, 4) if status == CaseloadStatus.ACTIVE else 1):
                category = rng.choice(list(NOTE_TEXTS))
                day = started + timedelta(days=rng.randint(1, max(1, (today - started).days)))
                nid = note(pid, min(day, today), category, rng.choice(NOTE_TEXTS[category]))
                if rng.random() < 0.04:
                    note(pid, min(day + timedelta(days=1), today), "correction",
                         "Correction: the visit was on the Tuesday, not the Monday.",
                         corrects=nid)  # fmt: skip
                if rng.random() < 0.08:
                    target = me if me is not None and rng.random() < 0.5 else coordinator
                    mentions.append((bulk.new_ids(1)[0], team_id, nid, target[0], None, clock,
                                     writer_user))  # fmt: skip
            if escalation:
                escalations += 1
                assert escalated_at is not None
                text = f"Escalated to the next MDT meeting: {escalation}"
                note(pid, escalated_at.date(), "escalation", text, escalation=escalation)
            if ended:
                words = CaseloadStatus(status).label
                note(pid, ended, "caseload", f"{words}: {reason}", coordinator)
            roll = rng.random()
            consent: str | None
            if roll < 0.82:
                consent = ConsentStatus.GIVEN
            elif roll < 0.86:
                consent = ConsentStatus.DECLINED
            else:
                consent = None if roll < 0.95 else ConsentStatus.NOT_ASKED
            if consent:
                consents.append(
                    (bulk.new_ids(1)[0], team_id, pid, consent, started.isoformat(),
                     coordinator[1], rng.choice(CONSENT_METHODS), None, clock, writer_user)
                )  # fmt: skip
    # A few active cases are in hospital now, a few more home within the last four weeks (the
    # meetings agenda proposes both). A separate generator: the rest of the demo is unchanged.
    ward_rng = random.Random(seed * 7919 + 5)
    admissions: list[tuple] = []
    in_hospital = discharged = 0
    active = groups[CaseloadStatus.ACTIVE]
    n_in, n_home = max(1, len(active) // 20), max(1, len(active) * 7 // 100)
    stays = ward_rng.sample(active, min(len(active), n_in + n_home))
    for i, pid in enumerate(stays):
        home: date | None = None
        if i < n_in:  # in hospital now
            admitted = today - timedelta(days=ward_rng.randint(1, 12))
        else:  # home again, one to four weeks after going in
            days_ago = ward_rng.randint(3, 30)
            admitted = today - timedelta(days=days_ago)
            home = admitted + timedelta(days=ward_rng.randint(2, days_ago - 1))
        hospital, why = ward_rng.choice(HOSPITALS), ward_rng.choice(ADMISSION_REASONS)
        admissions.append(
            (bulk.new_ids(1)[0], team_id, pid, hospital, ward_rng.choice(WARDS),
             bulk.db_datetime(_at(admitted, ward_rng)),
             bulk.db_datetime(_at(home, ward_rng)) if home else None, why, 1, clock, writer_user)
        )  # fmt: skip
        events = [(admitted, f"Admitted to {hospital}: {why[0].lower()}{why[1:]}.")]
        if home:
            discharged += 1
            events.append((home, f"Discharged home from {hospital}. District nurse visit "
                                 "within 48 hours."))  # fmt: skip
        else:
            in_hospital += 1
        for day, text in events:
            who = ward_rng.choice(staff)
            notes.append(
                (bulk.new_ids(1)[0], team_id, pid, who[1], who[2],
                 bulk.db_datetime(_at(day, ward_rng)), "caseload", text, None, None, clock,
                 writer_user)
            )  # fmt: skip
    for pid in groups[ReferralStatus.WAITING]:
        referral(
            pid, ReferralStatus.WAITING, today - timedelta(days=rng.randint(0, 12)), None, None
        )
    for pid in groups[ReferralStatus.DECLINED]:
        referred = today - timedelta(days=rng.randint(20, 200))
        decided = referred + timedelta(days=rng.randint(3, 14))
        referral(pid, ReferralStatus.DECLINED, referred, decided, rng.choice(DECLINE_REASONS))

    meta = ["updated_at", "updated_by"]
    with bulk.bulk_transaction(store) as conn:
        for model, columns, rows in (
            (Referral, ["id", "team_id", "patient_id", "reason", "source", "urgency",
                        "referred_by", "referred_at", "status", "decided_at", "decided_by",
                        "decision_reason", *meta], referrals),
            (CaseloadEntry, ["id", "team_id", "patient_id", "referral_id", "status",
                             "care_coordinator_id", "started_on", "next_review_on",
                             "escalated_at", "escalation_reason", "ended_on", "end_reason",
                             *meta], entries),
            (CareTeamMember, ["id", "team_id", "patient_id", "staff_id", "name", "role",
                              "organisation", "contact", "relationship", "is_lead", *meta],
             members),
            (Note, ["id", "team_id", "patient_id", "author_name", "author_role", "written_at",
                    "category", "text", "corrects_note_id", "escalation_reason", *meta], notes),
            (NoteMention, ["id", "team_id", "note_id", "staff_id", "read_at", *meta], mentions),
            (Consent, ["id", "team_id", "patient_id", "status", "recorded_on", "recorded_by",
                       "method", "note", *meta], consents),
            (HospitalAdmission, ["id", "team_id", "patient_id", "hospital", "ward",
                                 "admitted_at", "discharged_at", "reason", "emergency", *meta],
             admissions),
        ):  # fmt: skip
            writer = bulk.BulkWriter(conn, table_of(model), columns)
            writer.write(rows)
            writer.close()
        refresh_caseload_status(conn, chosen)
    summary = DemoCaseload(
        active=len(groups[CaseloadStatus.ACTIVE]),
        waiting=len(groups[ReferralStatus.WAITING]),
        stepped_down=len(groups[CaseloadStatus.STEPPED_DOWN]),
        closed=len(groups[CaseloadStatus.CLOSED]),
        declined=len(groups[ReferralStatus.DECLINED]),
        notes=len(notes),
        escalations=escalations,
        in_hospital=in_hospital,
        discharged_recently=discharged,
    )
    store.audit(
        "import",
        "caseload_entries",
        detail=f"demo caseload: {summary.active} active, {summary.waiting} referrals waiting, "
        f"{len(notes)} notes",
    )
    return summary


def _signed_in_staff(store: Store) -> tuple | None:
    """The signed-in user's directory entry, so "My caseload" shows something in the demo."""
    if store.actor.user_id is None or not allowed(store.actor.role, Permission.COORDINATE_CARE):
        return None
    with store.session() as s:
        user = s.get(User, store.actor.user_id)
    if user is None:
        return None
    st = staff_for_user(store, user)
    return (bulk.db_uuid(st.id), st.name, st.role, st.organisation, st.phone, st.email)
