"""One way to run a change from the GUI and show what went wrong, as Anki's CollectionOp.

``run_change`` makes a short write on the GUI thread; ``run_operation`` runs longer work in
the background (``gui/background.py``). Both call ``success(result)`` on the GUI thread, or
``failure(exc)``; an error meant for people (:data:`PEOPLE_ERRORS`) is shown one way,
:func:`show_people_error`, in the words it was raised with. Anything else is a programming
error: it is not turned into a polite warning (``run_change`` lets it propagate; a
background one is shown as "did not finish" with its traceback for whoever supports the
team).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtWidgets import QMessageBox, QWidget

from mdt_desktop.domain.nhs_number import InvalidNhsNumber
from mdt_desktop.domain.permissions import NotPermitted
from mdt_desktop.services.care_plans import StaleMerge
from mdt_desktop.services.caseload import CaseloadError
from mdt_desktop.services.discharges._common import DischargeError
from mdt_desktop.services.errors import UserError
from mdt_desktop.services.meetings import MeetingError

from .background import Cancelled, Operation, Progress, run_in_background, show_failure

T = TypeVar("T")
log = logging.getLogger(__name__)

# The errors services raise for people today. When services/errors.py's UserError is the
# base of them all, this becomes (UserError,). Until then the services' plain ValueError,
# LookupError and PermissionError messages ("that person is not in this store") are for
# people too, so they are listed; the named ones say where the rest come from.
PEOPLE_ERRORS: tuple[type[BaseException], ...] = (
    UserError,
    CaseloadError,
    MeetingError,
    DischargeError,
    NotPermitted,
    StaleMerge,
    InvalidNhsNumber,
    ValueError,
    LookupError,
    PermissionError,
)


def sentence(exc: BaseException | str) -> str:
    """The message as a sentence: its first letter raised and a full stop if it has none.

    Nothing else changes: ``str.capitalize()`` lowered every other letter ("Dr anna
    kowalska", "Gps may not"), so names and abbreviations stay as they were written.
    """
    text = str(exc).strip()
    if not text:
        return "That could not be done."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def show_people_error(parent: QWidget | None, title: str, exc: BaseException) -> None:
    """The one way an error for people is shown: a warning with its own words."""
    QMessageBox.warning(parent, title, sentence(exc))


def run_change(
    parent: QWidget | None,
    title: str,
    change: Callable[[], T],
    *,
    success: Callable[[T], None] | None = None,
    failure: Callable[[BaseException], None] | None = None,
) -> bool:
    """Make a short write now; True if it was made.

    A people error goes to ``failure`` if given, else to :func:`show_people_error` under
    ``title``. Any other exception propagates: it is a bug, not a message.
    """
    try:
        result = change()
    except PEOPLE_ERRORS as exc:
        if failure is not None:
            failure(exc)
        else:
            show_people_error(parent, title, exc)
        return False
    if success is not None:
        success(result)
    return True


def run_operation(
    parent: QWidget,
    title: str,
    work: Callable[[Progress], T],
    *,
    success: Callable[[T], None] | None = None,
    failure: Callable[[BaseException], None] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Operation:
    """Run ``work(progress)`` off the GUI thread; the callbacks come back on it.

    ``failure`` (if given) is called for every error, after a people error has been shown
    one way or a programming error shown with its traceback.
    """

    def failed(exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            pass  # the user asked for this
        elif isinstance(exc, PEOPLE_ERRORS):
            show_people_error(parent, title, exc)
        else:
            log.error("%s failed", title, exc_info=exc)
            show_failure(parent, title, exc, "".join(traceback.format_exception(exc)))
        if failure is not None:
            failure(exc)

    return run_in_background(
        parent,
        work,
        on_success=success,
        on_failure=failed,
        on_progress=progress,
        label=title,
    )


__all__ = [
    "PEOPLE_ERRORS",
    "run_change",
    "run_operation",
    "sentence",
    "show_people_error",
]
