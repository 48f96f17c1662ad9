"""The demo neighbourhood's seeds: its team, practices, staff, names, conditions, medicines.

Figures are from public sources (ONS mid-2021 bands, QOF-like prevalence), never a real person.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from mdt_desktop.domain.roles import Role

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
