"""A synthetic neighbourhood that looks real: practices, a registered list, coded records.

Everything is drawn from one seeded random generator, so the same seed and the
same reference date give the same people. NHS numbers come from the reserved
test range (999…), never a real person's. Age and sex follow the English
population (ONS mid-2021, five-year bands); long-term conditions follow
prevalence curves that rise with age, tilted by a per-person frailty factor so
that conditions, repeat medicines and admissions cluster as they do in life.
"""

from __future__ import annotations

import logging
import math
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from mdt_desktop.domain.nhs_number import iter_test_numbers
from mdt_desktop.domain.people import RegistrationStatus
from mdt_desktop.services.errors import InvalidInput, UserError
from mdt_desktop.services.stratify import stratify_store
from mdt_desktop.store import bulk
from mdt_desktop.store.database import Store
from mdt_desktop.store.demo import holds_demo_patients, move_into_team, remove_demo_team
from mdt_desktop.store.schema import CodedEntry, Patient, Practice, Staff, Team, table_of

from .budgets import add_demo_budgets
from .care_plans import add_demo_care_plans
from .caseload import add_demo_caseload
from .discharges import add_demo_discharges
from .meetings import add_demo_meetings
from .seeds import (
    _MALE_SCALE,
    AGE_BANDS,
    CONDITIONS,
    DEMO_TEAM,
    FAMILY_NAMES,
    FEMALE_NAMES,
    FEMALE_SHARE,
    MALE_NAMES,
    MEDICINES,
    POSTCODE_DISTRICTS,
    PRACTICES,
    SNOMED_ADMISSION,
    SNOMED_AE,
    STAFF,
    ProgressFn,
)

REGISTERED = RegistrationStatus.REGISTERED.value
log = logging.getLogger(__name__)


class Cancelled(Exception):
    """The demo was cancelled; nothing was written."""


class DemoFailed(UserError):
    """The demo could not be made; whatever of it was written has been taken out again."""


@dataclass(frozen=True)
class DemoSummary:
    patients: int
    coded_entries: int
    practices: int
    staff: int
    seconds: float


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class _Population:
    """Draws people one at a time from precomputed tables."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.band_weights = AGE_BANDS
        self.prevalence = {
            female: [
                [
                    c.prevalence(age, female) * (1.0 if female else _MALE_SCALE.get(c.code, 1.0))
                    for c in CONDITIONS
                ]
                for age in range(111)
            ]
            for female in (True, False)
        }

    def age(self) -> tuple[int, int]:
        band = self.rng.choices(range(len(AGE_BANDS)), self.band_weights)[0]
        if band == len(AGE_BANDS) - 1:  # 90+: a tail that thins out by 105
            return band, 90 + min(int(self.rng.expovariate(1 / 4)), 15)
        return band, band * 5 + self.rng.randrange(5)

    def birth_date(self, age: int) -> date:
        days_since_birthday = self.rng.randrange(365)
        return self.today - timedelta(days=age * 365.25 + days_since_birthday)

    def past_date(self, earliest: date, latest: date) -> date:
        earliest = min(earliest, latest)  # a child's "adult onset" would be in the future
        span = max((latest - earliest).days, 1)
        return earliest + timedelta(days=self.rng.randrange(span))


def _people(
    rng: random.Random, count: int, today: date, practice_ids: list[uuid.UUID]
) -> Iterator[tuple[tuple, list[tuple]]]:
    pop = _Population(rng, today)
    numbers = iter_test_numbers(rng.randrange(0, 500_000))
    year_ago = today - timedelta(days=365)
    for _ in range(count):
        band, age = pop.age()
        female = rng.random() < FEMALE_SHARE[band]
        given = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        family = rng.choice(FAMILY_NAMES)
        if age < 16:
            title = None
        elif female:
            title = rng.choices(["Mrs", "Ms", "Miss", "Dr"], [50, 30, 17, 3])[0]
        else:
            title = rng.choices(["Mr", "Dr"], [97, 3])[0]
        dob = pop.birth_date(age)
        pid = _uuid(rng)
        registered = pop.past_date(max(dob, today - timedelta(days=365 * 40)), today)
        postcode = (
            f"{rng.choice(POSTCODE_DISTRICTS)} {rng.randrange(1, 10)}"
            f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        )
        patient = (
            pid,
            next(numbers),
            title,
            family,
            given,
            dob,
            "female" if female else "male",
            postcode,
            rng.choice(practice_ids),
            registered,
        )
        # A frailty factor shared by all of a person's risks: conditions cluster.
        frailty = min(math.exp(rng.gauss(0.0, 0.55)), 4.0)
        entries: list[tuple] = []
        onset_from = dob + timedelta(days=365 * 18)
        for cond, p in zip(CONDITIONS, pop.prevalence[female][min(age, 110)], strict=True):
            if p and rng.random() < min(p * frailty, 0.95):
                when = pop.past_date(max(onset_from, today - timedelta(days=365 * 25)), today)
                entries.append((pid, cond.code, cond.term, when, "condition"))
        n_conditions = len(entries)
        # Repeat medicines follow the conditions; a frail person with many reaches 10–15.
        meds = min(_poisson(rng, (0.3 + 0.9 * n_conditions) * math.sqrt(frailty)), 16)
        if age < 16:
            meds = min(meds, 2)
        for code, term in rng.sample(MEDICINES, meds):
            entries.append((pid, code, term, pop.past_date(year_ago, today), "medication"))
        if age >= 18:
            admissions = _poisson(rng, (0.01 + 0.035 * n_conditions) * frailty)
            for _ in range(admissions):
                when = pop.past_date(today - timedelta(days=540), today)
                entries.append((pid, *SNOMED_ADMISSION, when, "admission"))
            for _ in range(_poisson(rng, (0.12 + 0.05 * n_conditions) * frailty)):
                when = pop.past_date(today - timedelta(days=540), today)
                entries.append((pid, *SNOMED_AE, when, "ae_attendance"))
        yield patient, entries


def generate_demo(
    store: Store,
    patients: int,
    seed: int = 1,
    progress: ProgressFn | None = None,
    should_cancel: Callable[[], bool] | None = None,
    today: date | None = None,
    stratify: bool = True,
    join_team: bool = False,
) -> DemoSummary:
    """Fill ``store`` with a demo neighbourhood: all of it, or nothing.

    Then stratify it, as an import would, so that case finding has something to show, and
    give the demo team its caseload, care plans, stays, meetings and budgets. Those steps
    are separate transactions (the meetings go through their services); if any of them
    fails or is cancelled, everything the demo wrote is taken out again.

    ``join_team``: the signed-in user (and their directory entry) move into the demo team,
    so their Meetings, "My caseload", actions and Today show the demo's; a share of the
    demo's active cases is coordinated by them.
    """
    if patients < 1:
        raise InvalidInput("The demo needs at least one patient.")
    with store.engine.connect() as conn:
        if holds_demo_patients(conn):
            raise InvalidInput(
                "This store already holds demo patients: there is no need to load them again."
            )
    rng = random.Random(seed)
    team_id = _uuid(rng)
    moved: list[tuple] = []
    try:
        return _generate(
            store, patients, seed, rng, team_id, moved, progress, should_cancel, today, stratify,
            join_team,
        )  # fmt: skip
    except BaseException as exc:
        try:
            _take_out(store, team_id, moved)
        except Exception as cleanup:
            log.exception("the demo's rows could not be taken out again")
            raise DemoFailed(
                "The demo data could not be made, and what was written of it could not be "
                "taken out again. Close MDT Desktop and tell whoever supports it for your "
                "team; your own records are not affected."
            ) from cleanup
        if isinstance(exc, Cancelled | KeyboardInterrupt | UserError):
            raise
        # Logged in full for whoever supports the team; the person reads a sentence.
        log.exception("the demo neighbourhood could not be made")
        raise DemoFailed(
            "The demo data could not be made, so none of it was kept: the store is as it "
            "was before. Try again, perhaps with fewer people; if it fails again, tell "
            "whoever supports MDT Desktop for your team."
        ) from exc


def _take_out(store: Store, team_id: uuid.UUID, moved: list[tuple]) -> None:
    """Everything of the demo team leaves the store; the signed-in user moves back."""
    with bulk.bulk_transaction(store) as conn:
        remove_demo_team(conn, bulk.db_uuid(team_id), moved)


def _generate(
    store: Store,
    patients: int,
    seed: int,
    rng: random.Random,
    team_id: uuid.UUID,
    moved: list[tuple],
    progress: ProgressFn | None,
    should_cancel: Callable[[], bool] | None,
    today: date | None,
    stratify: bool,
    join_team: bool,
) -> DemoSummary:
    import time

    started = time.perf_counter()
    today = today or date.today()
    clock = store.context.clock.now()
    bulk.db_datetime(datetime.now(UTC))
    user = bulk.db_uuid(store.actor.user_id)

    practice_ids = [_uuid(rng) for _ in PRACTICES]
    total_steps = patients
    coded = 0

    def check_cancel() -> None:
        if should_cancel and should_cancel():
            raise Cancelled("demo data cancelled: nothing was written")

    with bulk.bulk_transaction(store) as conn:
        team = bulk.BulkWriter(
            conn, table_of(Team), ["id", "name", "code", "updated_at", "updated_by"]
        )
        team.write([(bulk.db_uuid(team_id), DEMO_TEAM, "NSIDE", clock, user)])
        if join_team and user is not None:
            moved.extend(move_into_team(conn, user, bulk.db_uuid(team_id), clock))
        pw = bulk.BulkWriter(
            conn,
            table_of(Practice),
            ["id", "team_id", "ods_code", "name", "postcode", "updated_at", "updated_by"],
        )
        pw.write(
            [
                (bulk.db_uuid(pid), bulk.db_uuid(team_id), code, name, pc, clock, user)
                for pid, (code, name, pc) in zip(practice_ids, PRACTICES, strict=True)
            ]
        )
        sw = bulk.BulkWriter(
            conn,
            table_of(Staff),
            ["id", "team_id", "name", "role", "organisation", "email", "active", "updated_at",
             "updated_by"],
        )  # fmt: skip
        sw.write(
            [
                (
                    bulk.db_uuid(_uuid(rng)),
                    bulk.db_uuid(team_id),
                    name,
                    role.value,
                    org,
                    name.lower().replace("dr ", "").replace(" ", ".") + "@nhs.example",
                    1,
                    clock,
                    user,
                )
                for name, role, org in STAFF
            ]
        )
        patient_writer = bulk.BulkWriter(
            conn,
            table_of(Patient),
            ["id", "team_id", "nhs_number", "title", "family_name", "given_name",
             "date_of_birth", "sex", "postcode", "practice_id", "registration_status",
             "registration_date", "source_system", "updated_at", "updated_by"],
        )  # fmt: skip
        entry_writer = bulk.BulkWriter(
            conn,
            table_of(CodedEntry),
            ["id", "team_id", "patient_id", "code", "term", "recorded_on", "kind", "source",
             "updated_at", "updated_by"],
        )  # fmt: skip
        tid = bulk.db_uuid(team_id)
        p_rows: list[tuple] = []
        e_rows: list[tuple] = []
        for done, (patient, entries) in enumerate(_people(rng, patients, today, practice_ids), 1):
            pid, nhs, title, family, given, dob, sex, postcode, practice, registered = patient
            pid_hex = pid.hex
            p_rows.append(
                (pid_hex, tid, nhs, title, family, given, dob.isoformat(), sex, postcode,
                 practice.hex, REGISTERED, registered.isoformat(), "demo", clock, user)
            )  # fmt: skip
            for _, code, term, when, kind in entries:
                e_rows.append(
                    (_uuid(rng).hex, tid, pid_hex, code, term, when.isoformat(), kind, "demo",
                     clock, user)
                )  # fmt: skip
            if len(p_rows) >= 5000 or done == patients:
                patient_writer.write(p_rows)
                coded += entry_writer.write(e_rows)
                p_rows, e_rows = [], []
                if progress:
                    progress(done, total_steps)
                check_cancel()
        for writer in (team, pw, sw, patient_writer, entry_writer):
            writer.close()
    store.audit(
        "import", "patients", detail=f"demo neighbourhood: {patients} patients, seed {seed}"
    )
    # Cancel is honoured between the steps too: scores and meetings take a while.
    check_cancel()
    if stratify:
        stratify_store(store, today=today)
        check_cancel()
        add_demo_caseload(store, seed, today, team_id=team_id)
    check_cancel()
    add_demo_care_plans(store, seed, today)  # does nothing while there is no caseload
    check_cancel()
    add_demo_discharges(store, seed, today)  # plans for the caseload's stays
    check_cancel()
    add_demo_meetings(store, seed, today, team_id=team_id)  # when there is a caseload
    check_cancel()
    add_demo_budgets(store, seed, today)  # personal budgets, when there is a caseload
    return DemoSummary(
        patients=patients,
        coded_entries=coded,
        practices=len(PRACTICES),
        staff=len(STAFF),
        seconds=time.perf_counter() - started,
    )
