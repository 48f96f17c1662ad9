"""The patient banner at the top of a record, a meeting case or a plan editor."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from mdt_desktop.domain.banner import Banner


class PatientBanner(QFrame):
    """Name on the first line; born, gender, NHS number, practice and consent below.

    ``scale`` enlarges the type for meeting mode on a shared screen.
    """

    def __init__(self, parent: QWidget | None = None, *, scale: float = 1.0) -> None:
        super().__init__(parent)
        self.setObjectName("patientBanner")
        self._scale = scale
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 10, 16, 10)
        outer.setSpacing(4)
        self.name = QLabel()
        self.name.setObjectName("bannerName")
        # Not selectable: a selectable label lays its text out in a text document, which
        # clips accents stacked above capitals (the tilde of NGUYỄN).
        self.name.setContentsMargins(0, 4, 0, 0)
        outer.addWidget(self.name)
        row = QHBoxLayout()
        row.setSpacing(24)
        self.born = QLabel()
        self.gender = QLabel()
        self.nhs_number = QLabel()
        self.nhs_number.setObjectName("bannerNhsNumber")
        self.nhs_number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.practice = QLabel()
        for label in (self.born, self.gender, self.nhs_number, self.practice):
            label.setObjectName(label.objectName() or "bannerField")
            row.addWidget(label)
        row.addStretch(1)
        outer.addLayout(row)
        second = QHBoxLayout()
        second.setSpacing(12)
        self.consent = QLabel()
        self.consent.setObjectName("bannerConsent")
        second.addWidget(self.consent, 0)
        self.alerts = QLabel()
        self.alerts.setObjectName("bannerAlerts")
        self.alerts.setWordWrap(True)
        second.addWidget(self.alerts, 1)
        second.addStretch(0)
        outer.addLayout(second)
        if scale != 1.0:
            # A widget's own style sheet wins over the theme's sizes.
            self.setStyleSheet(
                f"QLabel {{ font-size: {10 * scale:.0f}pt; }}"
                f" QLabel#bannerName {{ font-size: {17 * scale:.0f}pt; }}"
            )
        self.clear()

    def clear(self) -> None:
        for label in self.findChildren(QLabel):
            label.clear()
        self.name.setText("No one selected")

    def show_banner(self, banner: Banner) -> None:
        self.name.setText(banner.name)
        self.born.setText(banner.born)
        self.gender.setText(banner.gender)
        self.nhs_number.setText(banner.nhs_number)
        self.practice.setText(banner.practice)
        self.consent.setText(banner.consent)
        self.consent.setProperty("declined", banner.consent_declined)
        self.consent.style().unpolish(self.consent)
        self.consent.style().polish(self.consent)
        self.alerts.setText("   ".join(f"⚠ {a}" for a in banner.alerts))
        self.alerts.setVisible(bool(banner.alerts))
