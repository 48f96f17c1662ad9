"""The size of text: the computer's own text size, then the person's choice on top.

The theme (ui/theme.qss) is written for a 10.5 pt body. Where the computer's text size is
larger, every size in the theme grows with it, so someone who has asked their system for
bigger text gets it here too; it never shrinks below the theme's sizes, which are the
smallest that read well. View › Text size (Smaller, Normal, Larger) scales that again; the
choice is remembered for each person and applied to the whole application.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QActionGroup, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu

THEME_POINTS = 10.5
#: The person's choice and how much it scales the text.
TEXT_SIZES = {"smaller": 0.9, "normal": 1.0, "larger": 1.25}
LABELS = {"smaller": "&Smaller", "normal": "&Normal", "larger": "&Larger"}
SHORTCUTS = {"smaller": "Ctrl+-", "normal": "Ctrl+0", "larger": "Ctrl+="}

_FONT_SIZE = re.compile(r"font-size:\s*([0-9.]+)pt")
_system_points: float | None = None
_choice = "normal"


def system_points() -> float:
    """The computer's text size in points, read once, before the app sets its own font."""
    global _system_points
    if _system_points is None:
        size = QGuiApplication.font().pointSizeF()
        _system_points = size if size > 0 else THEME_POINTS
    return _system_points


def scale_for(choice: str, system: float | None = None) -> float:
    """How much larger than the theme's sizes text is drawn."""
    system = system_points() if system is None else system
    return max(system, THEME_POINTS) / THEME_POINTS * TEXT_SIZES.get(choice, 1.0)


def scaled_style(qss: str, scale: float) -> str:
    """Every ``font-size: Npt`` of a style sheet, multiplied (kept to a quarter point)."""

    def one(match: re.Match[str]) -> str:
        points = round(float(match.group(1)) * scale * 4) / 4
        return f"font-size: {points:g}pt"

    return _FONT_SIZE.sub(one, qss)


def current_scale() -> float:
    return scale_for(_choice)


def set_app_font(app: QApplication) -> None:
    """The application font at the current size (widgets the theme does not size use it)."""
    system_points()  # read before the font below replaces the system's
    font = QFont(app.font())
    font.setPointSizeF(THEME_POINTS * current_scale())
    app.setFont(font)


def apply_text_size(app: QApplication, choice: str) -> None:
    """Draw the whole application at ``choice``: the theme is loaded again at that size."""
    global _choice
    choice = choice if choice in TEXT_SIZES else "normal"
    if choice == _choice:
        return
    _choice = choice
    from ..app import load_theme

    load_theme(app)


def _key(user_id: uuid.UUID | None) -> str:
    return f"textSize/{user_id.hex if user_id else 'anyone'}"


def saved_choice(user_id: uuid.UUID | None) -> str:
    value = QSettings().value(_key(user_id), "normal")
    return value if isinstance(value, str) and value in TEXT_SIZES else "normal"


def save_choice(user_id: uuid.UUID | None, choice: str) -> None:
    QSettings().setValue(_key(user_id), choice)


def add_text_size_menu(window: Any) -> QMenu:
    """View › Text size on ``window`` (a MainWindow): its choice follows who is signed in."""
    menu = window.menuBar().addMenu("&View")
    menu.setObjectName("viewMenu")
    sizes = menu.addMenu("&Text size")
    group = QActionGroup(window)
    group.setExclusive(True)
    actions: dict[str, QAction] = {}
    for choice in TEXT_SIZES:
        action = QAction(LABELS[choice], window)
        action.setObjectName(f"textSize_{choice}")
        action.setCheckable(True)
        action.setShortcut(QKeySequence(SHORTCUTS[choice]))
        group.addAction(action)
        sizes.addAction(action)
        actions[choice] = action

    def choose(choice: str) -> None:
        save_choice(window.user.id, choice)
        show(choice)

    def show(choice: str) -> None:
        actions[choice].setChecked(True)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_text_size(app, choice)

    for choice, action in actions.items():
        action.triggered.connect(lambda _=False, c=choice: choose(c))
    window.user_changed.connect(lambda user: show(saved_choice(user.id)))
    show(saved_choice(window.user.id))
    window.text_size_actions = actions
    return menu


__all__ = [
    "TEXT_SIZES",
    "add_text_size_menu",
    "apply_text_size",
    "current_scale",
    "saved_choice",
    "scale_for",
    "scaled_style",
    "set_app_font",
    "system_points",
]
