"""The caseload list's table model: one status as a paged read, what each cell says."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from mdt_desktop.domain.caseload import (
    FLAG_LABELS,
    URGENCY_LABELS,
    CaseFacts,
    Flag,
    flags_for,
)
from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.people import age_on, display_name, format_patient_date
from mdt_desktop.services import caseload_list
from mdt_desktop.store import caseload as queries
from mdt_desktop.store.database import Store

from ..widgets.paged_model import PagedTableModel, Read

Index = QModelIndex | QPersistentModelIndex
C = queries.COL
ALERT = QColor("#d5281b")


def _day(text: Any) -> date | None:
    return date.fromisoformat(str(text)[:10]) if text else None


def _moment(text: Any) -> datetime | None:
    """SQLite's naive-UTC text of a UTCDateTime column, back to an aware time."""
    if not text:
        return None
    return datetime.fromisoformat(str(text)).replace(tzinfo=UTC)


class CaseloadModel(PagedTableModel):
    """One status of the caseload as a paged SQL query; sorting re-queries."""

    COL_NAME, COL_NHS, COL_AGE, COL_PRACTICE, COL_WHO, COL_WHEN, COL_FLAGS = range(7)
    COL_RISK, COL_SINCE = 7, 8
    CASE_HEADERS = ["Name", "NHS No.", "Age", "Practice", "Care coordinator", "Next review",
                    "Flags", "Risk", "Since"]  # fmt: skip
    REFERRAL_HEADERS = ["Name", "NHS No.", "Age", "Practice", "Referred by", "Urgency",
                        "Reason", "Risk", "Referred"]  # fmt: skip
    CASE_SORTS = ["name", "nhs_number", "age", "practice", "coordinator", "next_review",
                  None, "risk", "since"]  # fmt: skip
    REFERRAL_SORTS = ["name", "nhs_number", "age", "practice", "coordinator", "urgency",
                      None, "risk", "since"]  # fmt: skip
    IdRole = Qt.ItemDataRole.UserRole + 1

    def __init__(
        self, store: Store | None, parent: Any = None, *, read: Read | None = None
    ) -> None:
        super().__init__(parent, read=read, sort_key="name")
        self.store = store
        self.filter = queries.CaseloadFilter()
        self.today = date.today()
        #: Practice names by ODS code; the code is added where the column has room.
        self.practice_names: dict[str, str] = {}
        self.show_practice_codes = False

    @property
    def referrals(self) -> bool:
        return self.filter.status in queries.REFERRAL_STATUSES

    def read_rows(self, offset: int, limit: int) -> list[tuple]:
        if self._read is not None or self.store is None:
            return super().read_rows(offset, limit)
        return caseload_list.page(
            self.store, self.filter, self.sort_key or "name", self.descending, offset, limit
        )

    def before_read(self) -> None:
        self.filter.today = self.today

    def reload(self) -> None:
        super().reload()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.CASE_HEADERS) - 1)

    def row_key(self, row: tuple) -> Any:
        return row[C["id"]]

    def sort_keys(self) -> list[str | None]:
        return self.REFERRAL_SORTS if self.referrals else self.CASE_SORTS

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.CASE_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            headers = self.REFERRAL_HEADERS if self.referrals else self.CASE_HEADERS
            if section == self.COL_SINCE and self.filter.status in ("stepped_down", "closed"):
                return "Ended"
            if section == self.COL_SINCE and self.filter.status == "declined":
                return "Declined"
            if section == self.COL_SINCE and self.filter.status == "waiting":
                return "Waiting"
            if section == self.COL_FLAGS and self.filter.status in ("stepped_down", "closed"):
                return "Reason"
            return headers[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == self.COL_RISK:
            return "Combined risk score from case finding, 0–100"
        return None

    # --- what a row says ------------------------------------------------------------

    def row_flags(self, row: tuple) -> list[Flag]:
        facts = CaseFacts(
            status=row[C["status"]],
            next_review_on=_day(row[C["next_review_on"]]),
            escalated_at=_moment(row[C["escalated_at"]]),
            in_hospital=bool(row[C["in_hospital"]]),
            has_care_plan=bool(row[C["has_care_plan"]]),
            care_plan_review_on=_day(row[C["care_plan_review_on"]]),
            budget_alert=bool(row[C["budget_alert"]]) if len(row) > C["budget_alert"] else False,
        )
        return flags_for(facts, self.today)

    def display(self, row: tuple, column: int) -> str:
        if column == self.COL_NAME:
            return display_name(row[C["family_name"]], row[C["given_name"]], row[C["title"]])
        if column == self.COL_NHS:
            nhs = row[C["nhs_number"]]
            return format_nhs_number(nhs) if nhs else "Not Known"
        if column == self.COL_AGE:
            dob = _day(row[C["date_of_birth"]])
            return str(age_on(dob, self.today)) if dob else ""
        if column == self.COL_PRACTICE:
            return self.practice_label(row[C["practice_code"]] or "", self.show_practice_codes)
        if column == self.COL_WHO:
            return row[C["coordinator"]] or ("Not Known" if self.referrals else "None named")
        if column == self.COL_WHEN:
            if self.referrals:
                return URGENCY_LABELS.get(row[C["urgency"]], row[C["urgency"]] or "")
            if row[C["status"]] != "active":
                return ""
            return format_patient_date(_day(row[C["next_review_on"]]))
        if column == self.COL_FLAGS:
            if self.referrals:
                text = row[C["reason"]] if row[C["status"]] == "waiting" else row[C["end_reason"]]
                return " ".join((text or "").split())
            if row[C["status"]] != "active":
                return " ".join((row[C["end_reason"]] or "").split())
            return " · ".join(FLAG_LABELS[f] for f in self.row_flags(row))
        if column == self.COL_RISK:
            risk = row[C["risk_score"]]
            return f"{risk:.0f}" if risk is not None else ""
        if column == self.COL_SINCE:
            if row[C["status"]] == "waiting":
                return self.waiting_text(row)
            since = row[C["since"]]
            return format_patient_date(_day(since))
        return ""

    def days_waiting(self, row: tuple) -> int:
        """Whole days since the referral, counted in local days (as the person sees dates)."""
        referred = _moment(row[C["since"]])
        if referred is None:
            return 0
        return max((self.today - referred.astimezone().date()).days, 0)

    def waiting_text(self, row: tuple) -> str:
        days = self.days_waiting(row)
        return "Today" if days == 0 else f"{days} day{'s' if days != 1 else ''}"

    def practice_label(self, code: str, with_code: bool = True) -> str:
        name = self.practice_names.get(code)
        if not name:
            return code
        return f"{name} ({code})" if with_code else name

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(row, column)
        if role == self.IdRole:
            return row[C["id"]]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.COL_AGE, self.COL_RISK):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == self.COL_FLAGS and not self.referrals:
                urgent = {Flag.ESCALATED, Flag.IN_HOSPITAL, Flag.REVIEW_OVERDUE}
                if urgent & set(self.row_flags(row)):
                    return QBrush(ALERT)
            if column == self.COL_WHEN and self.referrals and row[C["urgency"]] == "urgent":
                return QBrush(ALERT)
        if (
            role == Qt.ItemDataRole.ToolTipRole
            and column == self.COL_SINCE
            and (row[C["status"]] == "waiting")
        ):
            referred = _moment(row[C["since"]])
            return (
                f"Referred {format_patient_date(referred.astimezone().date())}"
                if referred
                else None
            )
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_PRACTICE:
            return self.practice_label(row[C["practice_code"]] or "") or None
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_FLAGS:
            tip = self.display(row, column)
            if row[C["escalation_reason"]] and row[C["status"]] == "active":
                tip += f"\nEscalated: {row[C['escalation_reason']]}"
            return tip or None
        return None

    def row_id(self, row: int) -> uuid.UUID:
        return uuid.UUID(hex=self.rows[row][C["id"]])

    def patient_id(self, row: int) -> uuid.UUID:
        return uuid.UUID(hex=self.rows[row][C["patient_id"]])


__all__ = ["CaseloadModel"]
