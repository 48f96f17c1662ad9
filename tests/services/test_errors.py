"""One error type for people: every kind derives from UserError, and each message is a
finished sentence (capital letter first, full stop last) where it is raised."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mdt_desktop
from mdt_desktop.domain.permissions import NotPermitted, Permission, require
from mdt_desktop.services import care_plans, caseload, consent, errors, meetings

PACKAGE = Path(mdt_desktop.__file__).parent
PEOPLE_FACING = {
    "UserError",
    "NotFound",
    "NotPermitted",
    "Conflict",
    "InvalidInput",
    "CaseloadError",
    "MeetingError",
    "StaleMerge",
    "ConsentDeclined",
}
# The layers whose messages reach people through the services (gui/ shows them).
CHECKED = ("domain", "services")


@pytest.mark.parametrize(
    "kind",
    [
        errors.NotFound,
        errors.NotPermitted,
        errors.Conflict,
        errors.InvalidInput,
        caseload.CaseloadError,
        meetings.MeetingError,
        care_plans.StaleMerge,
        consent.ConsentDeclined,
    ],
)
def test_every_people_facing_error_is_a_user_error(kind: type) -> None:
    assert issubclass(kind, errors.UserError)
    assert kind.__name__ in PEOPLE_FACING


def test_a_permission_refused_is_caught_as_a_user_error() -> None:
    with pytest.raises(errors.UserError, match=r"^Voluntary sector workers may not .*\.$"):
        require("voluntary_sector_worker", Permission.RECORD_DECISION)
    assert errors.NotPermitted is NotPermitted


def _messages() -> list[tuple[str, int, str | None, str | None]]:
    """(file, line, first literal piece, last literal piece) of each people-facing raise."""
    found = []
    for layer in CHECKED:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                    continue
                func = node.exc.func
                name = getattr(func, "id", None) or getattr(func, "attr", None)
                if name not in PEOPLE_FACING or not node.exc.args:
                    continue
                arg = node.exc.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    pieces: list[str | None] = [arg.value]
                elif isinstance(arg, ast.JoinedStr):
                    pieces = [v.value if isinstance(v, ast.Constant) else None for v in arg.values]
                else:
                    continue  # a message passed on (str(exc)): checked where it was written
                found.append((f"{path.relative_to(PACKAGE)}", node.lineno, pieces[0], pieces[-1]))
    return found


def _unfinished(first: str | None, last: str | None) -> bool:
    starts = first is None or first[:1].isupper() or first[:1] in "“\"'0123456789"
    ends = last is not None and last.rstrip()[-1:] in ".?!"
    return not (starts and ends)


def test_messages_are_finished_sentences_where_they_are_raised() -> None:
    found = _messages()
    assert len(found) > 70  # the scan sees the raises, not nothing
    bad = [(where, line) for where, line, first, last in found if _unfinished(first, last)]
    assert bad == []


def test_the_check_catches_an_unfinished_sentence() -> None:
    assert _unfinished("that meeting is not in this store", "that meeting is not in this store")
    assert _unfinished(None, None)  # ends with a value, so no full stop
    assert _unfinished("Dr Anna Kowalska is already in the care team", "care team")
    assert not _unfinished("GPs may not close a case.", "GPs may not close a case.")
    assert not _unfinished(None, " is already on this agenda.")


def test_a_message_is_shown_as_it_was_written() -> None:
    """No str.capitalize(): "Dr Anna Kowalska" and "GPs" keep their capitals."""
    finished = errors.InvalidInput("Dr Anna Kowalska is already in the care team.")
    assert errors.as_sentence(finished) == "Dr Anna Kowalska is already in the care team."
    assert errors.as_sentence(NotPermitted("GPs may not view the audit log.")) == (
        "GPs may not view the audit log."
    )
    assert errors.as_sentence(ValueError("'x' is not a valid Role")) == "'x' is not a valid Role."
    assert errors.as_sentence(ValueError("bad month")) == "Bad month."
    assert errors.as_sentence(ValueError("")) == "That could not be done."
