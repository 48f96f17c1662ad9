"""The case-finding list: the whole registered list filtered, searched and sorted in SQL.

Pages come back as plain tuples; nothing here builds 250,000 Python objects. Search
uses the NOCASE name index (a prefix LIKE) or the NHS number index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

# Every sort is backed by an index on risk_scores (see the schema), so the first page
# of 250,000 rows never needs a full sort.
SORTS = {
    "name": "family_name COLLATE NOCASE {d}, given_name COLLATE NOCASE {d}",
    "nhs_number": "nhs_number {d}",
    # Ascending age is descending date of birth.
    "age": "date_of_birth {r}",
    "practice": "practice_code {d}, family_name COLLATE NOCASE {d}",
    "efi": "efi_score {d}",
    "segment": "segment_rank {d}, risk_score {d}",
    "admissions": "admissions_12m {d}",
    "risk": "risk_score {d}",
    "caseload": "caseload_status {d}",
}

COLUMNS = (
    "patient_id, family_name, given_name, title, nhs_number, date_of_birth, practice_code, "
    "efi_category, efi_score, segment, admissions_12m, risk_score, caseload_status"
)
FROM = "FROM risk_scores"
SEGMENT_RANKS = {"whole_population": 1, "urgent": 2, "ongoing": 3, "highest": 4}


@dataclass
class CaseFindingFilter:
    practice_code: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    efi_category: str | None = None
    segment: str | None = None
    not_on_caseload: bool = False
    min_admissions: int = 0
    search: str = ""
    today: date = field(default_factory=date.today)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def where_clause(f: CaseFindingFilter) -> tuple[str, dict[str, Any]]:
    # risk_scores holds only people registered now (stratify rebuilds it from the list).
    parts = ["1 = 1"]
    params: dict[str, Any] = {}
    if f.practice_code:
        parts.append("practice_code = :practice")
        params["practice"] = f.practice_code
    if f.age_min is not None:
        parts.append("date_of_birth <= :born_by")
        params["born_by"] = _years_before(f.today, f.age_min).isoformat()
    if f.age_max is not None:
        parts.append("date_of_birth > :born_after")
        params["born_after"] = _years_before(f.today, f.age_max + 1).isoformat()
    if f.efi_category:
        parts.append("efi_category = :efi")
        params["efi"] = f.efi_category
    if f.segment:
        parts.append("segment_rank = :segment_rank")
        params["segment_rank"] = SEGMENT_RANKS[f.segment]
    if f.min_admissions > 0:
        parts.append("admissions_12m >= :admissions")
        params["admissions"] = f.min_admissions
    if f.not_on_caseload:
        parts.append("caseload_status = ''")
    text = f.search.strip()
    if text:
        digits = re.sub(r"[\s-]", "", text)
        if digits.isdigit():
            # NHS numbers are typed from the left: a range scan on the unique index.
            parts.append("nhs_number >= :nhs_lo AND nhs_number < :nhs_hi")
            params["nhs_lo"] = digits
            params["nhs_hi"] = digits[:-1] + chr(ord(digits[-1]) + 1)
        else:
            family, _, given = text.partition(",")
            if not given.strip() and " " in family.strip():
                # "ada smi" or "smith ada": try both orders of given and family name.
                first, _, rest = family.strip().partition(" ")
                parts.append(
                    "((family_name LIKE :a ESCAPE '\\' AND given_name LIKE :b ESCAPE '\\') "
                    "OR (family_name LIKE :b ESCAPE '\\' AND given_name LIKE :a ESCAPE '\\'))"
                )
                params["a"] = _like(first)
                params["b"] = _like(rest)
            else:
                parts.append("family_name LIKE :family ESCAPE '\\'")
                params["family"] = _like(family.strip())
                if given.strip():
                    parts.append("given_name LIKE :given ESCAPE '\\'")
                    params["given"] = _like(given.strip())
    return " AND ".join(parts), params


def _like(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def page(
    conn: Connection,
    f: CaseFindingFilter,
    sort: str = "name",
    descending: bool = False,
    offset: int = 0,
    limit: int = 200,
) -> list[tuple]:
    if sort not in SORTS:
        raise ValueError(f"cannot sort by {sort!r}")
    where, params = where_clause(f)
    order = SORTS[sort].format(d="DESC" if descending else "ASC", r="ASC" if descending else "DESC")
    sql = f"SELECT {COLUMNS} {FROM} WHERE {where} ORDER BY {order} LIMIT :limit OFFSET :offset"
    params.update(limit=limit, offset=offset)
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        return cur.execute(sql, params).fetchall()
    finally:
        cur.close()


def count(conn: Connection, f: CaseFindingFilter) -> int:
    where, params = where_clause(f)
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        return int(cur.execute(f"SELECT count(*) {FROM} WHERE {where}", params).fetchone()[0])
    finally:
        cur.close()


def practice_codes(conn: Connection) -> list[str]:
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        return [row[0] for row in cur.execute("SELECT ods_code FROM practices ORDER BY ods_code")]
    finally:
        cur.close()


def practice_names(conn: Connection) -> dict[str, str]:
    """Each practice's name by its ODS code."""
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        return dict(cur.execute("SELECT ods_code, name FROM practices ORDER BY name"))
    finally:
        cur.close()


def risk_detail(conn: Connection, patient_id: str) -> tuple | None:
    """One person's stored risk: score, segment, eFI and the reasons (JSON text)."""
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        return cur.execute(
            "SELECT age, efi_deficits, efi_score, efi_category, admissions_12m, "
            "ae_attendances_12m, repeat_medications, long_term_conditions, risk_score, segment, "
            "reasons, computed_at FROM risk_scores WHERE patient_id = ?",
            (patient_id,),
        ).fetchone()
    finally:
        cur.close()
