"""A synthetic neighbourhood that looks real: practices, a registered list, coded records.

Everything is drawn from one seeded random generator, so the same seed and the
same reference date give the same people. NHS numbers come from the reserved
test range (999…), never a real person's. Age and sex follow the English
population (ONS mid-2021, five-year bands); long-term conditions follow
prevalence curves that rise with age, tilted by a per-person frailty factor so
that conditions, repeat medicines and admissions cluster as they do in life.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from mdt_desktop.domain.nhs_number import iter_test_numbers
from mdt_desktop.domain.roles import Role
from mdt_desktop.services.demo_care_plans import add_demo_care_plans
from mdt_desktop.store import bulk
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import CodedEntry, Patient, Practice, Staff, Team, table_of

ProgressFn = Callable[[int, int], None]

DEMO_TEAM = "Northside Neighbourhood MDT"

PRACTICES = [
    ("B86001", "Meadowbank Surgery", "LS6 2AB"),
    ("B86002", "Riverside Medical Centre", "LS7 3QT"),
    ("B86003", "Oakwood Health Centre", "LS8 1DL"),
    ("B86004", "St Anne's Practice", "LS16 5EZ"),
    ("B86005", "Hillside Family Practice", "LS17 6HP"),
    ("B86006", "Canal Street Surgery", "LS11 9NY"),
]
POSTCODE_DISTRICTS = ["LS6", "LS7", "LS8", "LS11", "LS16", "LS17"]

# ONS mid-2021 England, percentage of the population in each five-year band (0-4 … 90+).
AGE_BANDS = [5.4, 5.9, 6.1, 5.7, 6.0, 6.6, 6.9, 6.7, 6.4, 6.2, 6.8, 6.7, 5.8, 5.0, 5.0, 3.6, 2.4,
             1.5, 0.9]  # fmt: skip
# Share of women in each band: near half until old age, when women outnumber men.
FEMALE_SHARE = [0.49] * 12 + [0.51, 0.52, 0.53, 0.55, 0.58, 0.62, 0.68]

FAMILY_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Khan",
    "Lewis",
    "James",
    "Phillips",
    "Mason",
    "Mitchell",
    "Rose",
    "Davis",
    "Rodriguez",
    "Cox",
    "Alexander",
    "Morris",
    "Hughes",
    "Harris",
    "Ward",
    "Turner",
    "Baker",
    "Cooper",
    "Hill",
    "Moore",
    "King",
    "Lee",
    "Martin",
    "Clark",
    "Allen",
    "Scott",
    "Young",
    "Edwards",
    "Hussain",
    "Ahmed",
    "Ali",
    "Begum",
    "Singh",
    "Kaur",
    "Shah",
    "Akhtar",
    "Nguyễn",
    "Wiśniewska",
    "Kowalski",
    "Nowak",
    "O'Brien",
    "Murphy",
    "Kelly",
    "Okafor",
    "Mensah",
    "Adeyemi",
    "Osei",
    "Campbell",
    "Stewart",
    "Anderson",
    "Macdonald",
    "Reid",
    "Murray",
    "Fraser",
    "Bennett",
    "Holmes",
    "Lloyd",
    "Price",
    "Gray",
    "Chapman",
    "Marshall",
    "Dixon",
    "Hunt",
    "Palmer",
    "Fox",
    "Shaw",
    "Ellis",
    "Russell",
    "Harrison",
    "Ó Ceallaigh",
    "Van der Berg",
]
FEMALE_NAMES = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Isabella",
    "Rosie",
    "Sophia",
    "Grace",
    "Freya",
    "Florence",
    "Emily",
    "Margaret",
    "Patricia",
    "Susan",
    "Jean",
    "Mary",
    "Elizabeth",
    "Joan",
    "Dorothy",
    "Barbara",
    "Irene",
    "Eileen",
    "Doris",
    "Sheila",
    "Valerie",
    "Pauline",
    "Christine",
    "Janet",
    "Linda",
    "Karen",
    "Sarah",
    "Helen",
    "Claire",
    "Fatima",
    "Aisha",
    "Priya",
    "Zoë",
    "Siobhán",
    "Agnieszka",
    "Thi",
    "Ngozi",
    "Abena",
    "Maryam",
    "Sadia",
]
MALE_NAMES = [
    "Oliver",
    "George",
    "Noah",
    "Arthur",
    "Muhammad",
    "Leo",
    "Harry",
    "Oscar",
    "Archie",
    "Henry",
    "Jack",
    "Thomas",
    "William",
    "John",
    "David",
    "Michael",
    "Peter",
    "Robert",
    "James",
    "Brian",
    "Kenneth",
    "Alan",
    "Derek",
    "Ronald",
    "Geoffrey",
    "Keith",
    "Graham",
    "Colin",
    "Stephen",
    "Paul",
    "Mark",
    "Andrew",
    "Richard",
    "Mohammed",
    "Imran",
    "Rajesh",
    "Tomasz",
    "Piotr",
    "Seán",
    "Kwame",
    "Chinedu",
    "Minh",
    "Daniel",
    "Samuel",
    "Joseph",
]

SNOMED_ADMISSION = ("183452005", "Emergency hospital admission")
SNOMED_AE = ("4525004", "Emergency department patient visit")


@dataclass(frozen=True)
class Condition:
    code: str
    term: str
    peak: float  # prevalence approached in old age
    midpoint: float  # age at which prevalence is half the peak
    spread: float  # years over which it rises
    female_factor: float = 1.0
    min_age: int = 18

    def prevalence(self, age: int, female: bool) -> float:
        if age < self.min_age:
            return 0.0
        p = self.peak / (1.0 + math.exp(-(age - self.midpoint) / self.spread))
        return p * (self.female_factor if female else 1.0)


CONDITIONS = [
    Condition("38341003", "Hypertension", 0.62, 66, 9),
    Condition("44054006", "Type 2 diabetes mellitus", 0.22, 60, 10),
    Condition("195967001", "Asthma", 0.07, 10, 5, min_age=5),
    Condition("13645005", "Chronic obstructive pulmonary disease", 0.11, 70, 8),
    Condition("84114007", "Heart failure", 0.16, 83, 6),
    Condition("49436004", "Atrial fibrillation", 0.22, 81, 7),
    Condition("414545008", "Ischaemic heart disease", 0.20, 73, 8, female_factor=0.6),
    Condition("230690007", "Stroke", 0.12, 79, 7),
    Condition("52448006", "Dementia", 0.30, 88, 4.5),
    Condition("433144002", "Chronic kidney disease stage 3", 0.32, 80, 7),
    Condition("64859006", "Osteoporosis", 0.30, 77, 6, female_factor=1.0),
    Condition("35489007", "Depressive disorder", 0.11, 30, 8),
    Condition("396275006", "Osteoarthritis", 0.45, 70, 9),
    Condition("49049000", "Parkinson's disease", 0.03, 79, 6),
    Condition("161898004", "Falls", 0.32, 83, 5),
    Condition("165232002", "Urinary incontinence", 0.26, 83, 6, female_factor=1.2),
    Condition("397540003", "Visual impairment", 0.18, 86, 5),
    Condition("15188001", "Hearing loss", 0.40, 79, 7),
    Condition("82971005", "Impaired mobility", 0.33, 85, 5),
    Condition("386807006", "Memory impairment", 0.20, 84, 5),
    Condition("160689007", "Housebound", 0.16, 89, 4),
    Condition("399211009", "History of myocardial infarction", 0.08, 75, 7),
    Condition("400047006", "Peripheral vascular disease", 0.07, 76, 7),
    Condition("40930008", "Hypothyroidism", 0.09, 60, 12, female_factor=1.0),
]
# Male osteoporosis is far rarer than female; keep the table simple and scale here.
_MALE_SCALE = {"64859006": 0.25, "40930008": 0.2}

# Substance-level SNOMED CT concepts for common repeat medicines in older people.
MEDICINES = [
    ("386864001", "Amlodipine"),
    ("386872004", "Ramipril"),
    ("372567009", "Metformin"),
    ("373444002", "Atorvastatin"),
    ("387584000", "Simvastatin"),
    ("387458008", "Aspirin"),
    ("386868003", "Bisoprolol"),
    ("387475002", "Furosemide"),
    ("698090000", "Apixaban"),
    ("387137007", "Omeprazole"),
    ("386888004", "Lansoprazole"),
    ("372897005", "Salbutamol"),
    ("387517004", "Paracetamol"),
    ("372594008", "Sertraline"),
    ("391730008", "Alendronic acid"),
    ("18414002", "Colecalciferol"),
    ("372726002", "Amitriptyline"),
    ("387494007", "Codeine"),
    ("372756006", "Warfarin"),
    ("710809001", "Levothyroxine"),
    ("386853001", "Donepezil"),
    ("395892000", "Gliclazide"),
    ("387253001", "Tamsulosin"),
    ("372737002", "Co-codamol"),
    ("386849003", "Candesartan"),
]

STAFF = [
    ("Dr Priya Raman", Role.GP, "Meadowbank Surgery"),
    ("Dr Tom Hendry", Role.GP, "Riverside Medical Centre"),
    ("Sue Palmer", Role.DISTRICT_NURSE, "Northside Community Trust"),
    ("Kwame Mensah", Role.DISTRICT_NURSE, "Northside Community Trust"),
    ("Rachel Ward", Role.COMMUNITY_MATRON, "Northside Community Trust"),
    ("Helen Okafor", Role.PRACTICE_NURSE, "Oakwood Health Centre"),
    ("Mark Fletcher", Role.SOCIAL_WORKER, "City Council Adult Social Care"),
    ("Dr Anna Kowalska", Role.GERIATRICIAN, "Northside Teaching Hospitals"),
    ("Imran Shah", Role.PHARMACIST, "Northside Primary Care Network"),
    ("Gemma Lloyd", Role.MENTAL_HEALTH_PRACTITIONER, "Northside Mental Health Trust"),
    ("Jo Bennett", Role.OCCUPATIONAL_THERAPIST, "Northside Community Trust"),
    ("Liam Price", Role.PHYSIOTHERAPIST, "Northside Community Trust"),
    ("Carol Hughes", Role.CARE_COORDINATOR, "Northside Primary Care Network"),
    ("Siobhán Kelly", Role.VOLUNTARY_SECTOR_WORKER, "Northside Age Concern"),
    ("Paul Marshall", Role.ADMINISTRATOR, "Northside Primary Care Network"),
]


class Cancelled(Exception):
    """The demo was cancelled; nothing was written."""


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
) -> DemoSummary:
    """Fill ``store`` with a demo neighbourhood in one transaction (all or nothing).

    Then stratify it, as an import would, so that case finding has something to show.
    """
    import time

    if patients < 1:
        raise ValueError("the demo needs at least one patient")
    started = time.perf_counter()
    today = today or date.today()
    rng = random.Random(seed)
    clock = store.context.clock.now()
    bulk.db_datetime(datetime.now(UTC))
    user = bulk.db_uuid(store.actor.user_id)

    team_id = _uuid(rng)
    practice_ids = [_uuid(rng) for _ in PRACTICES]
    total_steps = patients
    coded = 0
    with bulk.bulk_transaction(store) as conn:
        existing = conn.exec_driver_sql(
            "SELECT count(*) FROM patients WHERE nhs_number LIKE '999%'"
        ).scalar()
        if existing:
            raise ValueError("this store already holds demo patients")
        team = bulk.BulkWriter(
            conn, table_of(Team), ["id", "name", "code", "updated_at", "updated_by"]
        )
        team.write([(bulk.db_uuid(team_id), DEMO_TEAM, "NSIDE", clock, user)])
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
                 practice.hex, "registered", registered.isoformat(), "demo", clock, user)
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
                if should_cancel and should_cancel():
                    raise Cancelled("demo data cancelled: nothing was written")
        for writer in (team, pw, sw, patient_writer, entry_writer):
            writer.close()
    store.audit(
        "import", "patients", detail=f"demo neighbourhood: {patients} patients, seed {seed}"
    )
    if stratify:
        from mdt_desktop.services.stratify import stratify_store

        stratify_store(store, today=today)
        from mdt_desktop.services.demo_caseload import add_demo_caseload

        add_demo_caseload(store, seed, today)
    add_demo_care_plans(store, seed, today)  # does nothing while there is no caseload
    from .demo_meetings import add_demo_meetings  # MDT meetings, when there is a caseload

    add_demo_meetings(store, seed, today)
    from .demo_budgets import add_demo_budgets  # personal budgets, when there is a caseload

    add_demo_budgets(store, seed, today)
    return DemoSummary(
        patients=patients,
        coded_entries=coded,
        practices=len(PRACTICES),
        staff=len(STAFF),
        seconds=time.perf_counter() - started,
    )
