"""The SQL side of risk stratification: per-person counts aggregated in the database.

Everything that touches many rows is a GROUP BY over indexed columns; Python only
sees one small row per person. The rules themselves live in domain/efi.py and
domain/risk.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from mdt_desktop.domain import efi

from .bulk import db_datetime, indexes_rebuilt_after


@dataclass
class PersonCounts:
    patient_id: str
    date_of_birth: date | None
    deficits: set[str]
    # Shown in the case-finding list: (family, given, title, NHS number, practice code).
    shown: tuple = ()
    caseload_status: str = ""
    repeat_medications: int = 0
    # Different medicines prescribed in the last 12 months (the eFI's polypharmacy rule).
    medicines_12m: int = 0
    admissions_12m: int = 0
    ae_attendances_12m: int = 0
    last_admission: date | None = None
    long_term_conditions: int = 0


def gather(
    conn: Connection,
    efi_codes: dict[str, tuple[str, ...]],
    ltc_codes: Iterable[str],
    today: date,
) -> Iterator[PersonCounts]:
    """One PersonCounts per person on the list (registered, alive), from five queries."""
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    ltc_set = frozenset(ltc_codes)
    year_ago = (today - timedelta(days=efi.POLYPHARMACY_DAYS)).isoformat()
    people: dict[str, PersonCounts] = {}
    for pid, dob, family, given, title, nhs, practice in cur.execute(
        "SELECT p.id, p.date_of_birth, p.family_name, p.given_name, p.title, p.nhs_number, "
        "pr.ods_code FROM patients p LEFT JOIN practices pr ON pr.id = p.practice_id "
        "WHERE p.registration_status = 'registered' AND p.deleted_at IS NULL"
    ):
        people[pid] = PersonCounts(
            pid,
            date.fromisoformat(dob) if dob else None,
            set(),
            (family, given, title, nhs, practice),
        )
    for pid, status in cur.execute(CASELOAD_STATUS_SQL):
        if pid in people:
            people[pid].caseload_status = status
    # One pass over the coded entries gathers every count at once; condition codes come
    # back as one string per person and are mapped to deficits and long-term conditions
    # here (joining code tables inside the query measured slower).
    for pid, conditions, meds, meds_12m, admissions, ae, last in cur.execute(
        "SELECT patient_id, "
        "group_concat(CASE WHEN kind = 'condition' THEN "
        "CASE WHEN ended_on IS NULL THEN code ELSE '~' || code END END), "
        "count(DISTINCT CASE WHEN kind = 'medication' AND ended_on IS NULL THEN code END), "
        # Prescribed within the year: issued in it, still current, or stopped within it.
        "count(DISTINCT CASE WHEN kind = 'medication' AND (ended_on IS NULL "
        "OR ended_on >= :since OR recorded_on >= :since) THEN code END), "
        "sum(kind = 'admission' AND recorded_on >= :since), "
        "sum(kind = 'ae_attendance' AND recorded_on >= :since), "
        "max(CASE WHEN kind = 'admission' AND recorded_on >= :since THEN recorded_on END) "
        "FROM coded_entries WHERE deleted_at IS NULL GROUP BY patient_id",
        {"since": year_ago},
    ):
        person = people.get(pid)
        if person is None:
            continue
        if conditions:
            current: set[str] = set()
            for code in conditions.split(","):
                ended = code.startswith("~")
                code = code.lstrip("~")
                deficits = efi_codes.get(code)
                if deficits is not None:
                    person.deficits.update(deficits)
                if not ended and code in ltc_set:
                    current.add(code)
            person.long_term_conditions = len(current)
        person.repeat_medications = meds
        person.medicines_12m = meds_12m
        person.admissions_12m = admissions or 0
        person.ae_attendances_12m = ae or 0
        person.last_admission = date.fromisoformat(last) if last else None
    cur.close()
    yield from people.values()


# Each person's place on the caseload: an active entry, else a waiting referral, else none.
CASELOAD_STATUS_SQL = (
    "SELECT patient_id, 'on_caseload' AS status FROM caseload_entries "
    "WHERE status = 'active' AND deleted_at IS NULL "
    "UNION ALL SELECT patient_id, 'referred' FROM referrals "
    "WHERE status = 'waiting' AND deleted_at IS NULL AND patient_id NOT IN "
    "(SELECT patient_id FROM caseload_entries WHERE status = 'active' AND deleted_at IS NULL)"
)

RISK_COLUMNS = (
    "patient_id, family_name, given_name, title, nhs_number, practice_code, date_of_birth, "
    "caseload_status, age, efi_deficits, efi_score, efi_category, admissions_12m, "
    "ae_attendances_12m, repeat_medications, long_term_conditions, risk_score, segment, "
    "segment_rank, reasons, computed_at"
)


def replace_scores(conn: Connection, rows: list[tuple], computed_at: Any) -> None:
    """Swap in a full set of scores (the rows end with the reasons as JSON text)."""
    stamp = db_datetime(computed_at)
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    marks = ", ".join("?" for _ in RISK_COLUMNS.split(","))
    with indexes_rebuilt_after(conn, "risk_scores"):
        cur.execute("DELETE FROM risk_scores")
        cur.executemany(
            f"INSERT INTO risk_scores ({RISK_COLUMNS}) VALUES ({marks})",
            [(*row, stamp) for row in rows],
        )
    # Statistics let the planner pick the selective index (segment = 'highest' is 1 in 200).
    cur.execute("ANALYZE risk_scores")
    cur.close()


def refresh_caseload_status(conn: Connection, patient_ids: Iterable[str]) -> None:
    """Bring the list's caseload column up to date for these people (hex ids)."""
    ids = list(patient_ids)
    if not ids:
        return
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        cur.execute(
            "UPDATE risk_scores SET caseload_status = coalesce((SELECT max(s.status) FROM "
            f"({CASELOAD_STATUS_SQL}) AS s WHERE s.patient_id = risk_scores.patient_id), '') "
            f"WHERE patient_id IN ({marks})",
            chunk,
        )
    cur.close()
