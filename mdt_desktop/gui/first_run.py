"""First run: where the store goes and how it is protected, who you are, demo data.

Nothing is written until Finish: then the store, the user and (if asked for) the demo
neighbourhood are made in one background operation, with progress and a Cancel button.
"""

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

from mdt_desktop.services.demo.seeds import DEMO_TEAM
from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreKey, check_new_passphrase, keyring_usable
from mdt_desktop.store.schema import User

from .background import Operation, Progress, run_in_background
from .demo_data import (
    DEMO_SIZES,
    JOIN_TEXT,
    demo_failure_sentence,
    fill_with_demo,
    show_demo_progress,
)
from .operations import sentence
from .users import ProfileForm

# Explanations under a radio button or check box line up with its text, not its circle.
RADIO_INDENT = 22


def _error_label() -> QLabel:
    label = QLabel("")
    label.setObjectName("error")
    label.setWordWrap(True)
    return label


def _note(text: str, indent: int = 0) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    label.setContentsMargins(indent, 0, 0, 0)
    return label


def _title(text: str) -> str:
    # The wizard's header labels cannot be reached from the style sheet.
    return f'<span style="font-size: 14pt; font-weight: 600;">{text}</span>'


class StorePage(QWizardPage):
    def __init__(self, default_path: Path) -> None:
        super().__init__()
        self.setTitle(_title("Your encrypted store"))
        self.setSubTitle(
            "MDT Desktop keeps everything in one encrypted file on this computer. "
            "Choose where it goes and how it is protected."
        )
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
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

        self.use_keyring = QRadioButton("Key kept in this computer's keyring (recommended)")
        self.use_keyring.setObjectName("useKeyring")
        self.use_passphrase = QRadioButton("Passphrase, typed each time MDT Desktop starts")
        self.use_passphrase.setObjectName("usePassphrase")
        group = QButtonGroup(self)
        group.addButton(self.use_keyring)
        group.addButton(self.use_passphrase)
        self.keyring_ok = keyring_usable()
        layout.addWidget(self.use_keyring)
        if self.keyring_ok:
            layout.addWidget(
                _note(
                    "A random key is made for this store and kept by your computer's own "
                    "secure keyring, unlocked when you log in. Nothing to remember.",
                    RADIO_INDENT,
                )
            )
            self.use_keyring.setChecked(True)
        else:
            self.use_keyring.setEnabled(False)
            self.use_keyring.setVisible(False)  # not an option here: do not dangle it
            self.use_passphrase.setChecked(True)
        layout.addWidget(self.use_passphrase)
        if self.keyring_ok:
            note = "For a computer without a keyring, or a store moved between computers."
        else:
            note = (
                "This computer has no secure keyring that MDT Desktop can use, so the "
                "store is protected by a passphrase you type each time it starts."
            )
        layout.addWidget(_note(note, RADIO_INDENT))
        self.passphrase_box = QWidget()
        pform = QFormLayout(self.passphrase_box)
        pform.setContentsMargins(RADIO_INDENT, 0, 0, 0)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setPlaceholderText("At least 8 characters; a few words is best")
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.setObjectName("confirmPassphrase")
        pform.addRow("Passphrase", self.passphrase)
        pform.addRow("Passphrase again", self.confirm)
        pform.addRow(
            "",
            _note("Nobody can recover the store if the passphrase is forgotten: not IT, not us."),
        )
        layout.addWidget(self.passphrase_box)
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
        self.passphrase_box.setVisible(passphrase)
        self.error.setText("")

    def store_path(self) -> Path:
        return Path(self.path.text().strip()).expanduser()

    def key(self) -> StoreKey:
        if self.use_passphrase.isChecked():
            return StoreKey(passphrase=self.passphrase.text())
        return StoreKey.generate()

    def validatePage(self) -> bool:
        problem = self._problem()
        self.error.setText(problem or "")
        return problem is None

    def _problem(self) -> str | None:
        if not self.path.text().strip():
            return "Choose where the store goes."
        path = self.store_path()
        if path.is_dir():
            return f"{path} is a folder. Give a file name, such as {path / 'store.mdt'}."
        if path.exists() and path.stat().st_size > 0:
            return f"{path} already exists. Choose another file name."
        if self.use_passphrase.isChecked():
            try:
                check_new_passphrase(self.passphrase.text())
            except ValueError as exc:
                return sentence(exc)
            if self.passphrase.text() != self.confirm.text():
                return "The two passphrases are not the same."
        return None


class ProfilePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_title("Who is using MDT Desktop?"))
        self.setSubTitle("Your name and role appear in the audit log and on notes you write.")
        layout = QVBoxLayout(self)
        self.form = ProfileForm()
        layout.addWidget(self.form)
        layout.addStretch(1)
        # The fields, for the wizard and for tests.
        self.name, self.role, self.team = self.form.name, self.form.role, self.form.team
        self.pin, self.error = self.form.pin, self.form.error

    def initializePage(self) -> None:
        # On a keyring store the PIN is what keeps others out once the app locks.
        wizard = self.wizard()
        store_page = getattr(wizard, "store_page", None)
        if store_page is not None:
            self.form.set_pin_required(not store_page.use_passphrase.isChecked())

    def validatePage(self) -> bool:
        return self.form.validate()


class DemoPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(_title("Demo data"))
        self.setSubTitle(
            "Try MDT Desktop on made-up people before your own lists arrive. "
            "You can also load it later from Today."
        )
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self.fill = QCheckBox("Fill with demo data (a synthetic neighbourhood)")
        self.fill.setObjectName("fillDemo")
        layout.addWidget(self.fill)
        size_row = QHBoxLayout()
        size_row.setContentsMargins(RADIO_INDENT, 0, 0, 0)
        size_row.addWidget(QLabel("How many people"))
        self.size = QComboBox()
        self.size.setObjectName("demoSize")
        for n, label in DEMO_SIZES:
            self.size.addItem(label, n)
        size_row.addWidget(self.size, 1)
        layout.addLayout(size_row)
        layout.addWidget(
            _note(
                "Six practices with realistic ages, long-term conditions, repeat medicines, "
                "admissions and A&E visits. NHS numbers are from the test range (999…): "
                "no real person's data.",
                RADIO_INDENT,
            )
        )
        self.join = QCheckBox(JOIN_TEXT)
        self.join.setObjectName("joinDemoTeam")
        self.join.setChecked(True)
        join_row = QHBoxLayout()
        join_row.setContentsMargins(RADIO_INDENT, 0, 0, 0)
        join_row.addWidget(self.join)
        layout.addLayout(join_row)
        layout.addWidget(
            _note(
                f"You then work in the demo's team, the {DEMO_TEAM}, with its caseload, "
                "meetings and actions. Untick it to stay in your own team, which starts empty.",
                RADIO_INDENT * 2,
            )
        )
        self.status = QLabel("")
        self.status.setObjectName("progressText")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setObjectName("demoProgress")
        row.addWidget(self.progress, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelDemo")
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.error = _error_label()
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.fill.toggled.connect(self.size.setEnabled)
        self.fill.toggled.connect(self.join.setEnabled)
        self.size.setEnabled(False)
        self.join.setEnabled(False)
        self.show_busy(False)

    def show_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.fill.setEnabled(not busy)
        self.size.setEnabled(not busy and self.fill.isChecked())
        self.join.setEnabled(not busy and self.fill.isChecked())

    def validatePage(self) -> bool:
        return self._wizard.finish_page_done()


class FirstRunWizard(QWizard):
    """Creates the store and the first user; ``store`` and ``user`` are set on success."""

    def __init__(self, default_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRun")
        self.setWindowTitle("Welcome to MDT Desktop")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setTitleFormat(Qt.TextFormat.RichText)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.store_page = StorePage(default_path)
        self.profile_page = ProfilePage()
        self.demo_page = DemoPage(self)
        for page in (self.store_page, self.profile_page, self.demo_page):
            self.addPage(page)
        self.store: Store | None = None
        self.user: User | None = None
        self.operation: Operation | None = None
        self._finished_work = False
        self.demo_page.cancel_button.clicked.connect(self._cancel_work)
        self.resize(760, 560)

    @property
    def busy(self) -> bool:
        return self.operation is not None and not self.operation.done

    def finish_page_done(self) -> bool:
        """Finish pressed: make everything in the background; the wizard closes after."""
        if self._finished_work:
            return True
        if not self.busy:
            self._start()
        return False

    def reject(self) -> None:
        # Closing while the store is being made or filled stops the demo data, not the app:
        # the wizard then finishes with whatever is safely in the store.
        if self.busy:
            self._cancel_work()
            return
        super().reject()

    def _cancel_work(self) -> None:
        if self.operation is not None:
            self.operation.cancel()
            self.demo_page.status.setText("Stopping… nothing half-made is kept.")
            self.demo_page.cancel_button.setEnabled(False)

    def _start(self) -> None:
        page = self.demo_page
        path = self.store_page.store_path()
        key = self.store_page.key()
        profile = self.profile_page.form
        patients = int(page.size.currentData()) if page.fill.isChecked() else 0
        join = page.join.isChecked()
        made: dict[str, Any] = {}

        def work(progress: Progress) -> Any:
            from mdt_desktop.services.users import sign_in

            if self.store is None:
                progress.report(0, 0, "Creating the encrypted store…")
                made["store"] = store = Store.create(path, key)
                made["user"] = user = profile.create_user(store)
                sign_in(store, user)
            else:  # a retry after the demo failed: the store is already there
                store = made["store"] = self.store
            if not patients:
                return None
            summary = fill_with_demo(store, patients, progress, join_team=join)
            if join:  # the profile now names the demo team: the window opens on it
                from mdt_desktop.services.users import current_user

                made["user"] = current_user(store) or made.get("user") or self.user
            return summary

        def progressed(done: int, total: int, text: str) -> None:
            show_demo_progress(page.progress, page.status, done, total, text)

        def finished(summary: Any) -> None:
            self._adopt(made)
            self._finished_work = True
            page.show_busy(False)
            self.accept()

        def failed(exc: BaseException) -> None:
            self._adopt(made)
            page.show_busy(False)
            page.status.setText("")
            self._set_buttons(enabled=True)
            if self.store is None:
                page.error.setText(f"The store could not be created: {exc}")
            else:
                # Keep the working store: finishing now opens it, empty.
                self._finished_work = True
                page.error.setText(
                    f"{demo_failure_sentence(exc)} Your store is ready: press Finish to "
                    "open it, and load demo data later from Today."
                )

        page.error.setText("")
        page.show_busy(True)
        page.cancel_button.setEnabled(patients > 0)
        page.progress.setRange(0, 0)
        self._set_buttons(enabled=False)
        self.operation = run_in_background(
            self,
            work,
            on_success=finished,
            on_failure=failed,
            on_progress=progressed,
            label="Creating the store",
        )

    def _adopt(self, made: dict[str, Any]) -> None:
        if "store" in made:
            self.store = made["store"]
        if "user" in made:
            self.user = made["user"]

    def _set_buttons(self, *, enabled: bool) -> None:
        for button in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.BackButton):
            self.button(button).setEnabled(enabled)


__all__ = ["DEMO_SIZES", "FirstRunWizard"]
