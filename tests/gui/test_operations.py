"""One way to show an error for people, in its own words; bugs are not turned into warnings."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from mdt_desktop.gui.operations import run_change, sentence
from mdt_desktop.services.caseload import CaseloadError


def test_messages_keep_their_capitals() -> None:
    # Bug: str.capitalize() made these "Dr anna kowalska …" and "Gps may not …".
    assert (
        sentence(ValueError("Dr Anna Kowalska is already in the care team"))
        == "Dr Anna Kowalska is already in the care team."
    )
    assert sentence("GPs may not close a meeting.") == "GPs may not close a meeting."
    assert sentence("that person is not in this store") == "That person is not in this store."
    assert sentence("") == "That could not be done."


def test_a_people_error_is_shown_once_in_its_words(qtbot, on_modal) -> None:
    shown: list[str] = []

    def read(box) -> None:
        assert isinstance(box, QMessageBox)
        shown.append(box.text())
        box.accept()

    on_modal(read)

    def refuse() -> None:
        raise CaseloadError("Dr Anna Kowalska is already in the care team")

    assert run_change(None, "Care team", refuse) is False
    assert shown == ["Dr Anna Kowalska is already in the care team."]


def test_a_programming_error_is_not_turned_into_a_warning() -> None:
    def broken() -> None:
        raise TypeError("unsupported operand")

    with pytest.raises(TypeError):
        run_change(None, "Care team", broken)


def test_success_gets_the_result() -> None:
    got: list[int] = []
    assert run_change(None, "Sum", lambda: 42, success=got.append) is True
    assert got == [42]
