"""The caseload list: one team's referrals and cases, filtered, counted and sorted in SQL.

The list shows one status at a time (the page's tabs): "waiting" and "declined" come
from referrals, "active", "stepped_down" and "closed" from caseload entries. Both
branches return the same columns, so the Qt model has one row shape. Flags are
worked out from columns in the row (domain/caseload.py decides what they mean); the
flag filters repeat those rules in SQL so that filtering never loads the whole list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from mdt_desktop.domain.caseload import STATUS_LABELS, CaseloadStatus, ReferralStatus

from .budgets import budget_alert_sql

REFERRAL_STATUSES = (ReferralStatus.WAITING.value, ReferralStatus.DECLINED.value)
CASE_STATUSES = CaseloadStatus.values()
STATUSES = tuple(STATUS_LABELS)  # waiting, active, stepped_down, closed, declined

# Columns of a row, in order (both branches).
COLUMNS = ("id", "kind", "patient_id", "family_name", "given_name", "title", "nhs_number",
           "date_of_birth", "practice_code", "status", "coordinator", "coordinator_id",
           "next_review_on", "since", "escalated_at", "escalation_reason", "in_hospital",
           "has_care_plan", "care_plan_review_on", "risk_score", "urgency", "reason",
           "end_reason", "team_id", "budget_alert")  # fmt: skip
COL = {name: i for i, name in enumerate(COLUMNS)}

_IN_HOSPITAL = (
    "EXISTS (SELECT 1 FROM hospital_admissions h WHERE h.patient_id = {p} "
    "AND h.discharged_at IS NULL AND h.deleted_at IS NULL)"
)
_PLAN_JOIN = (
    "LEFT JOIN care_plans cp ON cp.patient_id = {p} AND cp.deleted_at IS NULL "
    "AND cp.status != 'closed'"
)

_CASE_COLUMNS = (
    "SELECT c.id, 'case', c.patient_id, p.family_name, p.given_name, p.title, p.nhs_number, "
    "p.date_of_birth, pr.ods_code, c.status, st.name, c.care_coordinator_id, c.next_review_on, "
    "c.started_on, c.escalated_at, c.escalation_reason, "
    f"{_IN_HOSPITAL.format(p='c.patient_id')}, cp.id IS NOT NULL, cp.review_on, "
    "rs.risk_score, NULL, NULL, c.end_reason, c.team_id "
)
_REFERRAL_COLUMNS = (
    "SELECT r.id, 'referral', r.patient_id, p.family_name, p.given_name, p.title, "
    "p.nhs_number, p.date_of_birth, pr.ods_code, r.status, r.referred_by, NULL, NULL, "
    "r.referred_at, NULL, NULL, "
    f"{_IN_HOSPITAL.format(p='r.patient_id')}, cp.id IS NOT NULL, cp.review_on, "
    "rs.risk_score, r.urgency, r.reason, r.decision_reason, r.team_id "
)


def _joins(a: str) -> dict[str, str]:
    """The tables a row may draw on, by alias; ``a`` is the driving table's alias."""
    return {
        "p": f"JOIN patients p ON p.id = {a}.patient_id",
        "pr": "LEFT JOIN practices pr ON pr.id = p.practice_id",
        "st": "LEFT JOIN staff st ON st.id = c.care_coordinator_id" if a == "c" else "",
        "cp": _PLAN_JOIN.format(p=f"{a}.patient_id"),
        "rs": f"LEFT JOIN risk_scores rs ON rs.patient_id = {a}.patient_id",
    }


def _needed(a: str, *sql: str) -> str:
    """Only the joins the filter and the order refer to: each costs a lookup per row."""
    text = " ".join(sql)
    joins = _joins(a)
    wanted = {alias for alias in joins if re.search(rf"\b{alias}\.", text)}
    if "pr" in wanted:
        wanted.add("p")  # practices are reached through the patient
    return " ".join(joins[alias] for alias in joins if alias in wanted and joins[alias])


# ORDER BY per sort key and branch; {d} the direction, {r} its reverse. Ties break on name.
_NAME = "p.family_name COLLATE NOCASE {d}, p.given_name COLLATE NOCASE {d}, p.id"
_COMMON_SORTS = {
    "name": _NAME,
    "nhs_number": "p.nhs_number {d}",
    "age": "p.date_of_birth {r}, " + _NAME,
    "practice": "pr.ods_code {d}, " + _NAME,
    # Risk ties are common (scores move in fives): break them on the names risk_scores
    # repeats, so this order needs one join, not two.
    "risk": "rs.risk_score {d}, rs.family_name COLLATE NOCASE {d}, "
    "rs.given_name COLLATE NOCASE {d}, rs.patient_id",
}
CASE_SORTS = _COMMON_SORTS | {
    "coordinator": "coalesce(st.name, '~') COLLATE NOCASE {d}, " + _NAME,
    "next_review": "coalesce(c.next_review_on, '9999-12-31') {d}, " + _NAME,
    "since": "coalesce(c.ended_on, c.started_on) {d}, " + _NAME,
    "urgency": _NAME,
}
REFERRAL_SORTS = _COMMON_SORTS | {
    "coordinator": "coalesce(r.referred_by, '~') COLLATE NOCASE {d}, " + _NAME,
    "next_review": _NAME,
    "since": "coalesce(r.decided_at, r.referred_at) {d}, " + _NAME,
    "urgency": "CASE r.urgency WHEN 'urgent' THEN 3 WHEN 'soon' THEN 2 ELSE 1 END {d}, "
    "r.referred_at {r}",
}
SORTS = CASE_SORTS

FLAG_SQL = {
    "escalated": "c.escalated_at IS NOT NULL",
    "in_hospital": _IN_HOSPITAL.format(p="c.patient_id"),
    "review_overdue": "c.next_review_on < :today",
    "no_care_plan": "cp.id IS NULL",
    "care_plan_review_due": "cp.review_on <= :plan_due",
    "budget_alert": "",  # depends on the day: budget_alert_sql, in _case_where
}


@dataclass
class CaseloadFilter:
    team_id: str | None = None  # hex; None = every team
    status: str = CaseloadStatus.ACTIVE
    coordinator_id: str | None = None  # hex; "My caseload" sets the signed-in user's
    flag: str | None = None
    practice_code: str | None = None
    urgency: str | None = None
    search: str = ""
    today: date = field(default_factory=date.today)


def _like(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _common(f: CaseloadFilter, alias: str, params: dict[str, Any]) -> list[str]:
    parts = [f"{alias}.deleted_at IS NULL"]
    if f.team_id:
        parts.append(f"{alias}.team_id = :team")
        params["team"] = f.team_id
    if f.practice_code:
        parts.append("pr.ods_code = :practice")
        params["practice"] = f.practice_code
    text = f.search.strip()
    if text:
        digits = re.sub(r"[\s-]", "", text)
        if digits.isdigit():
            parts.append("p.nhs_number >= :nhs_lo AND p.nhs_number < :nhs_hi")
            params["nhs_lo"] = digits
            params["nhs_hi"] = digits[:-1] + chr(ord(digits[-1]) + 1)
        else:
            family, _, given = text.partition(",")
            family, given = family.strip(), given.strip()
            if not given and " " in family:
                first, _, rest = family.partition(" ")
                parts.append(
                    "((p.family_name LIKE :a ESCAPE '\\' AND p.given_name LIKE :b ESCAPE '\\') "
                    "OR (p.family_name LIKE :b ESCAPE '\\' AND p.given_name LIKE :a ESCAPE '\\'))"
                )
                params["a"], params["b"] = _like(first), _like(rest.strip())
            else:
                parts.append("p.family_name LIKE :family ESCAPE '\\'")
                params["family"] = _like(family)
                if given:
                    parts.append("p.given_name LIKE :given ESCAPE '\\'")
                    params["given"] = _like(given)
    return parts


def _case_where(f: CaseloadFilter, params: dict[str, Any], with_status: bool) -> str:
    parts = _common(f, "c", params)
    if with_status:
        parts.append("c.status = :status")
        params["status"] = f.status
    if f.coordinator_id:
        parts.append("c.care_coordinator_id = :coordinator")
        params["coordinator"] = f.coordinator_id
    if f.flag:
        if f.flag not in FLAG_SQL:
            raise ValueError(f"unknown flag {f.flag!r}")
        # Flags belong to active cases only (see domain.caseload.flags_for).
        parts.append("c.status = 'active'")
        parts.append(FLAG_SQL[f.flag] or budget_alert_sql("c.patient_id", f.today))
        params["today"] = f.today.isoformat()
        params["plan_due"] = (f.today + timedelta(days=14)).isoformat()
    return " AND ".join(parts)


def _referral_where(f: CaseloadFilter, params: dict[str, Any], with_status: bool) -> str:
    parts = _common(f, "r", params)
    if with_status:
        parts.append("r.status = :status")
        params["status"] = f.status
    if f.urgency:
        parts.append("r.urgency = :urgency")
        params["urgency"] = f.urgency
    # A referral waiting is the team's to pick up: it has no care coordinator and carries
    # no flags, so "My caseload" and a flag narrow the cases, never hide the referrals.
    return " AND ".join(parts)


def _branch(f: CaseloadFilter, params: dict[str, Any], with_status: bool) -> tuple[str, str]:
    """(driving alias, WHERE) of the branch that holds ``f.status``."""
    if f.status not in STATUSES:
        raise ValueError(f"unknown caseload status {f.status!r}")
    if f.status in CASE_STATUSES:
        return "c", _case_where(f, params, with_status)
    return "r", _referral_where(f, params, with_status)


# Ordering cases by a patient's name or risk looks up one patient row per case, in no
# particular order; SQLCipher decrypts every page it reads from the file, so the
# connection that reads the list keeps a larger page cache (measured: twice as fast).
LIST_CACHE_KIB = 32 * 1024


def _cursor(conn: Connection) -> Any:
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    if -int(cur.execute("PRAGMA cache_size").fetchone()[0]) < LIST_CACHE_KIB:
        cur.execute(f"PRAGMA cache_size = -{LIST_CACHE_KIB}")
    return cur


def page(
    conn: Connection,
    f: CaseloadFilter,
    sort: str = "name",
    descending: bool = False,
    offset: int = 0,
    limit: int = 200,
) -> list[tuple]:
    """One page of rows in two steps: the ids in order through only the joins the filter
    and the sort need, then every column for just those rows."""
    if sort not in SORTS:
        raise ValueError(f"cannot sort by {sort!r}")
    params: dict[str, Any] = {}
    alias, where = _branch(f, params, True)
    sorts = CASE_SORTS if alias == "c" else REFERRAL_SORTS
    order = sorts[sort].format(d="DESC" if descending else "ASC", r="ASC" if descending else "DESC")
    table = "caseload_entries" if alias == "c" else "referrals"
    params.update(limit=limit, offset=offset)
    cur = _cursor(conn)
    try:
        ids = [
            row[0]
            for row in cur.execute(
                f"SELECT {alias}.id FROM {table} {alias} {_needed(alias, where, order)} "
                f"WHERE {where} ORDER BY {order} LIMIT :limit OFFSET :offset",
                params,
            )
        ]
        if not ids:
            return []
        columns = (
            f"{_CASE_COLUMNS}, {budget_alert_sql('c.patient_id', f.today)} "
            if alias == "c"
            else f"{_REFERRAL_COLUMNS}, 0 "  # a referral carries no flags
        )
        joins = " ".join(j for j in _joins(alias).values() if j)
        marks = ", ".join("?" for _ in ids)
        rows = cur.execute(
            f"{columns} FROM {table} {alias} {joins} WHERE {alias}.id IN ({marks})", ids
        ).fetchall()
    finally:
        cur.close()
    position = {row_id: i for i, row_id in enumerate(ids)}
    rows.sort(key=lambda row: position[row[0]])
    return rows


def counts(conn: Connection, f: CaseloadFilter) -> dict[str, int]:
    """How many match the filter under each status (the status itself ignored)."""
    out = dict.fromkeys(STATUSES, 0)
    cur = _cursor(conn)
    try:
        params: dict[str, Any] = {}
        where = _case_where(f, params, False)
        for status, n in cur.execute(
            f"SELECT c.status, count(*) FROM caseload_entries c {_needed('c', where)} "
            f"WHERE {where} GROUP BY c.status",
            params,
        ):
            out[status] = n
        params = {}
        where = _referral_where(f, params, False)
        for status, n in cur.execute(
            f"SELECT r.status, count(*) FROM referrals r {_needed('r', where)} "
            f"WHERE {where} AND r.status IN ('waiting', 'declined') GROUP BY r.status",
            params,
        ):
            out[status] = n
    finally:
        cur.close()
    return out


def practice_codes(conn: Connection) -> list[str]:
    cur = _cursor(conn)
    try:
        return [r[0] for r in cur.execute("SELECT ods_code FROM practices ORDER BY ods_code")]
    finally:
        cur.close()


def teams_with_cases(conn: Connection) -> list[tuple[str, str, int]]:
    """(team id hex, name, cases and referrals) of every team, busiest first."""
    cur = _cursor(conn)
    try:
        return cur.execute(
            "SELECT t.id, t.name, "
            "(SELECT count(*) FROM caseload_entries c WHERE c.team_id = t.id "
            "AND c.deleted_at IS NULL) + (SELECT count(*) FROM referrals r "
            "WHERE r.team_id = t.id AND r.deleted_at IS NULL) AS n "
            "FROM teams t WHERE t.deleted_at IS NULL ORDER BY n DESC, t.name"
        ).fetchall()
    finally:
        cur.close()


def export_rows(conn: Connection, team_id: str | None) -> list[tuple]:
    """Every referral and case of a team (or all teams), for `mdt caseload --json`."""
    rows: list[tuple] = []
    for status in STATUSES:
        f = CaseloadFilter(team_id=team_id, status=status)
        offset = 0
        while True:
            chunk = page(conn, f, "name", False, offset, 5000)
            rows.extend(chunk)
            if len(chunk) < 5000:
                break
            offset += 5000
    return rows
