"""Who is using MDT Desktop: the profile form, the picker, and signing in at start."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.roles import Role
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

DEFAULT_TEAM = "Neighbourhood MDT"


def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role


def who_label(user: User) -> str:
    """ "Priya Raman (GP)": how a signed-in user is named on screen."""
    return f"{user.name} ({role_label(user.role)})"


class ProfileForm(QWidget):
    """Name, role, team and a PIN; shared by the first-run wizard and dialogs.

    The PIN is required where the store's key is in the keyring (``pin_required``):
    there it is the only thing that keeps others out once MDT Desktop locks.
    """

    def __init__(
        self, team: str = DEFAULT_TEAM, parent: QWidget | None = None, *, pin_required: bool = True
    ) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name = QLineEdit()
        self.name.setObjectName("userName")
        self.name.setPlaceholderText("As your colleagues know you, e.g. Dr Priya Raman")
        self.name.setMaxLength(200)
        self.role = QComboBox()
        self.role.setObjectName("userRole")
        for role in Role:
            self.role.addItem(role.label, role.value)
        self.team = QLineEdit(team)
        self.team.setObjectName("teamName")
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(12)
        form.addRow("Your name", self.name)
        form.addRow("Your role", self.role)
        form.addRow("Team", self.team)
        form.addRow("PIN", self.pin)
        self.hint = QLabel()
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        form.addRow("", self.hint)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        self.set_pin_required(pin_required)

    def set_pin_required(self, required: bool) -> None:
        self.pin_required = required
        if required:
            self.pin.setPlaceholderText("4 to 12 digits")
            self.hint.setText(
                "MDT Desktop locks itself after a few minutes without use, and your PIN is "
                "what unlocks it: nobody else can carry on as you without it."
            )
        else:
            self.pin.setPlaceholderText("Optional: 4 to 12 digits")
            self.hint.setText(
                "MDT Desktop locks itself after a few minutes without use. A PIN is a quick "
                "way back in; without one you unlock it with the store passphrase."
            )

    def validate(self) -> bool:
        from mdt_desktop.services.users import pin_problem

        problem = None
        if not self.name.text().strip():
            problem = "Enter your name."
        elif not self.team.text().strip():
            problem = "Enter your team's name."
        elif self.pin.text() or self.pin_required:
            problem = pin_problem(self.pin.text())
        self.error.setText(problem or "")
        return problem is None

    def create_user(self, store: Store, *, approved: bool = True) -> User:
        """The new profile (the caller has proved that adding someone is allowed)."""
        from mdt_desktop.services.users import add_profile

        return add_profile(
            store,
            self.name.text(),
            self.role.currentData(),
            self.team.text(),
            self.pin.text() or None,
            approved=approved,
        )


class ProfileDialog(QDialog):
    """Adds a team member to this store; ``user`` is set once they are created."""

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, approved: bool = False
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.approved = approved  # someone's PIN or the passphrase let this person in
        self.user: User | None = None
        self.setWindowTitle("Who is using MDT Desktop?")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 20)
        intro = QLabel("Your name and role appear in the audit log and on notes you write.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.form = ProfileForm(_usual_team(store), pin_required=store.key_kind != "passphrase")
        layout.addWidget(self.form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Continue")
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def _create(self) -> None:
        from mdt_desktop.services.users import ProfileError

        if not self.form.validate():
            return
        try:
            self.user = self.form.create_user(self.store, approved=self.approved)
        except ProfileError as exc:
            self.form.error.setText(str(exc))
            return
        self.accept()


def _usual_team(store: Store) -> str:
    """The team new profiles most likely belong to: the signed-in user's."""
    from mdt_desktop.services.users import current_user
    from mdt_desktop.store.schema import Team

    user = current_user(store)
    if user is not None and user.team_id is not None:
        with store.session() as s:
            team = s.get(Team, user.team_id)
            if team is not None:
                return team.name
    return DEFAULT_TEAM


class UserPicker(QDialog):
    """Who is using this laptop or meeting-room PC now (the store is already unlocked)."""

    NEW_PERSON = "new"

    def __init__(
        self, users: list[User], current: User | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Who is using MDT Desktop?")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 20)
        form = QFormLayout()
        self.users = QComboBox()
        self.users.setObjectName("pickUser")
        for user in users:
            self.users.addItem(who_label(user), user)
            if current is not None and user.id == current.id:
                self.users.setCurrentIndex(self.users.count() - 1)
        self.users.addItem("Someone new…", self.NEW_PERSON)
        form.addRow("You are", self.users)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Continue")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Quit")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(440, self.sizeHint().height())

    def chosen(self) -> User | None:
        """The picked user; None for "Someone new…"."""
        data = self.users.currentData()
        return None if data == self.NEW_PERSON else data


def choose_user(store: Store, parent: QWidget | None = None) -> tuple[User, bool] | None:
    """Who is using the store just opened, and whether they must still prove it.

    None yet (a store made with `mdt init`): make the first profile, signed in. On a
    passphrase store the passphrase just typed proves anyone here, so a shared
    meeting-room PC asks who (and a profile from the team server still needs its owner's
    server sign-in). On a keyring store the computer's login opened it, which proves
    nobody: the app starts at the lock screen, where each person's PIN is asked for.
    Returns None if they chose to quit.
    """
    from mdt_desktop.services.users import current_user, list_users, needs_server_sign_in, sign_in

    users = list_users(store)
    user: User | None
    if not users:
        user = None
    elif store.key_kind != "passphrase":
        return current_user(store) or users[0], True
    elif len(users) == 1:
        user = users[0]
    else:
        picker = UserPicker(users, current_user(store), parent)
        if picker.exec() != QDialog.DialogCode.Accepted:
            return None
        user = picker.chosen()
    if user is None:
        # Nobody here yet, or a passphrase store's passphrase just proved: no approval asked.
        dialog = ProfileDialog(store, parent, approved=True)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        user = dialog.user
    assert user is not None
    if needs_server_sign_in(store, user):
        return user, True
    sign_in(store, user)
    store.audit("unlock", "store", store.store_id)
    return user, False
