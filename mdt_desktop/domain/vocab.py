"""The base of the app's vocabularies: a StrEnum whose members carry the words people see.

A member is declared as ``NAME = "stored_value", "Label"``. It *is* its stored string
(``CaseloadStatus.ACTIVE == "active"``), so it goes into SQL and JSON unchanged, and the
schema's CHECK constraints are built from ``values()`` so the two cannot drift apart.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Vocabulary(StrEnum):
    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value.replace("_", " ").capitalize()
        return member

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """The stored values, in declaration order (the order of the CHECK constraint)."""
        return tuple(m.value for m in cls)

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {m.value: m.label for m in cls}
