"""First run: where the store goes and how it is protected, who you are, demo data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from mdt_desktop.domain.roles import Role
from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreKey, check_new_passphrase, keyring_usable
from mdt_desktop.store.schema import User

from .background import Operation, run_in_background

DEMO_SIZES = [(5_000, "5,000 people (a few seconds)"), (50_000, "50,000 people (a neighbourhood)"),
              (250_000, "250,000 people (a whole system, about half a minute)")]  # fmt: skip


def _error_label() -> QLabel:
    label = QLabel("")
    label.setObjectName("error")
    label.setWordWrap(True)
    return label


class StorePage(QWizardPage):
    def __init__(self, default_path: Path) -> None:
        super().__init__()
        self.setTitle("Your encrypted store")
        self.setSubTitle(
            "MDT Desktop keeps everything in one encrypted file on this computer. "
            "Choose where it goes and how it is protected."
        )
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit(str(default_path))
        self.path.setObjectName("storePath")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Store file", row)
        layout.addLayout(form)

        self.use_keyring = QRadioButton(
            "Keep a random key in this computer's keyring (recommended)"
        )
        self.use_passphrase = QRadioButton("Protect it with a passphrase I type each time")
        group = QButtonGroup(self)
        group.addButton(self.use_keyring)
        group.addButton(self.use_passphrase)
        self.keyring_ok = keyring_usable()
        if self.keyring_ok:
            self.use_keyring.setChecked(True)
        else:
            self.use_keyring.setEnabled(False)
            self.use_passphrase.setChecked(True)
        layout.addWidget(self.use_keyring)
        layout.addWidget(self.use_passphrase)
        if not self.keyring_ok:
            note = QLabel(
                "This computer has no secure keyring available, so the store will be "
                "protected by a passphrase. Nobody can recover it if it is forgotten."
            )
            note.setWordWrap(True)
            layout.addWidget(note)
        pform = QFormLayout()
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setObjectName("passphrase")
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.setObjectName("confirmPassphrase")
        pform.addRow("Passphrase", self.passphrase)
        pform.addRow("Passphrase again", self.confirm)
        layout.addLayout(pform)
        self.error = _error_label()
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.use_passphrase.toggled.connect(self._toggle)
        self._toggle(self.use_passphrase.isChecked())

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Store file", self.path.text(), "MDT stores (*.mdt)"
        )
        if name:
            self.path.setText(name)

    def _toggle(self, passphrase: bool) -> None:
        self.passphrase.setEnabled(passphrase)
        self.confirm.setEnabled(passphrase)

    def key(self) -> StoreKey:
        if self.use_passphrase.isChecked():
            return StoreKey(passphrase=self.passphrase.text())
        return StoreKey.generate()

    def validatePage(self) -> bool:
        path = Path(self.path.text()).expanduser()
        if not self.path.text().strip():
            self.error.setText("Choose where the store goes.")
            return False
        if path.exists() and path.stat().st_size > 0:
            self.error.setText(f"{path} already exists. Choose another file name.")
            return False
        if self.use_passphrase.isChecked():
            try:
                check_new_passphrase(self.passphrase.text())
            except ValueError as exc:
                self.error.setText(str(exc).capitalize() + ".")
                return False
            if self.passphrase.text() != self.confirm.text():
                self.error.setText("The two passphrases are not the same.")
                return False
        self.error.setText("")
        return True


class ProfilePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Who is using MDT Desktop?")
        self.setSubTitle("Your name and role appear in the audit log and on notes you write.")
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.name.setObjectName("userName")
        self.role = QComboBox()
        self.role.setObjectName("userRole")
        for role in Role:
            self.role.addItem(role.label, role.value)
        self.team = QLineEdit("Neighbourhood MDT")
        self.team.setObjectName("teamName")
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("4 to 12 digits, optional")
        form.addRow("Your name", self.name)
        form.addRow("Your role", self.role)
        form.addRow("Team", self.team)
        form.addRow("PIN to unlock after a break", self.pin)
        self.error = _error_label()
        form.addRow(self.error)

    def validatePage(self) -> bool:
        if not self.name.text().strip():
            self.error.setText("Enter your name.")
            return False
        if not self.team.text().strip():
            self.error.setText("Enter your team's name.")
            return False
        pin = self.pin.text()
        if pin and (not pin.isdigit() or not 4 <= len(pin) <= 12):
            self.error.setText("A PIN is 4 to 12 digits.")
            return False
        self.error.setText("")
        return True


class DemoPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Demo data")
        self.setSubTitle(
            "Try MDT Desktop on a synthetic neighbourhood: test-range NHS numbers (999…), "
            "no real person's data. You can also load it later from the dashboard."
        )
        layout = QVBoxLayout(self)
        self.fill = QCheckBox("Fill the new store with demo data")
        self.fill.setObjectName("fillDemo")
        self.size = QComboBox()
        self.size.setObjectName("demoSize")
        for n, label in DEMO_SIZES:
            self.size.addItem(label, n)
        layout.addWidget(self.fill)
        layout.addWidget(self.size)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.cancel_button = QPushButton("Stop loading demo data")
        self.cancel_button.setVisible(False)
        layout.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.error = _error_label()
        layout.addWidget(self.error)
        layout.addStretch(1)
        self._done = False

    def validatePage(self) -> bool:
        if self._done:
            return True
        return self._wizard.create(self)


class FirstRunWizard(QWizard):
    """Creates the store and the first user; ``store`` and ``user`` are set on success."""

    def __init__(self, default_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to MDT Desktop")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.store_page = StorePage(default_path)
        self.profile_page = ProfilePage()
        self.demo_page = DemoPage(self)
        for page in (self.store_page, self.profile_page, self.demo_page):
            self.addPage(page)
        self.store: Store | None = None
        self.user: User | None = None
        self.operation: Operation | None = None
        self.resize(720, 520)

    def create(self, page: DemoPage) -> bool:
        """Make the store and the user now; demo data then loads in the background."""
        from mdt_desktop.services.users import create_user, ensure_team, sign_in

        if self.store is None:
            path = Path(self.store_page.path.text()).expanduser()
            try:
                self.store = Store.create(path, self.store_page.key())
            except Exception as exc:  # shown to the user, nothing half-made is kept
                page.error.setText(f"The store could not be created: {exc}")
                return False
            team = ensure_team(self.store, self.profile_page.team.text().strip())
            self.user = create_user(
                self.store,
                self.profile_page.name.text(),
                self.profile_page.role.currentData(),
                team,
                pin=self.profile_page.pin.text() or None,
            )
            sign_in(self.store, self.user)
        if not page.fill.isChecked():
            return True
        self._load_demo(page, int(page.size.currentData()))
        return False  # the wizard finishes when the demo data is in

    def _load_demo(self, page: DemoPage, patients: int) -> None:
        from mdt_desktop.services.demo import Cancelled, generate_demo

        store = self.store
        assert store is not None
        page.progress.setVisible(True)
        page.progress.setRange(0, patients)
        page.cancel_button.setVisible(True)
        for button in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.CancelButton):
            self.button(button).setEnabled(False)
        page.fill.setEnabled(False)
        page.size.setEnabled(False)

        def work(progress: Any) -> Any:
            try:
                return generate_demo(
                    store,
                    patients,
                    progress=progress.report,
                    should_cancel=lambda: progress.cancelled,
                )
            except Cancelled:
                return None

        def progressed(done: int, total: int, text: str) -> None:
            page.progress.setValue(done)
            page.progress.setFormat(f"{done:,} of {total:,} people")

        def finished(result: Any) -> None:
            page._done = True
            page.progress.setVisible(False)
            page.cancel_button.setVisible(False)
            self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
            self.accept()

        def failed(exc: BaseException) -> None:
            page.error.setText(f"Demo data could not be loaded: {exc}. The store is ready.")
            page._done = True
            page.progress.setVisible(False)
            page.cancel_button.setVisible(False)
            self.button(QWizard.WizardButton.FinishButton).setEnabled(True)

        self.operation = run_in_background(
            self,
            work,
            on_success=finished,
            on_failure=failed,
            on_progress=progressed,
            label="Loading demo data",
        )
        page.cancel_button.clicked.connect(self.operation.cancel)
