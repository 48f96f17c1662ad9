"""SNOMED CT identifiers: the Verhoeff check digit and the partition identifier.

An SCTID is 6 to 18 digits: the last is a Verhoeff check digit over the rest, and the two
before it are the partition identifier, which says what the id names. Concepts are
partition 00 (an international or UK concept) or 10 (a concept in a namespace, the long
format); 01/11 are descriptions and 02/12 relationships, never concepts.
"""

from __future__ import annotations

from functools import lru_cache

_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
CONCEPT_PARTITIONS = {"00", "10"}


def verhoeff_ok(digits: str) -> bool:
    """True when the last digit is the Verhoeff check digit of the others."""
    check = 0
    for i, ch in enumerate(reversed(digits)):
        check = _D[check][_P[i % 8][ord(ch) - 48]]
    return check == 0


@lru_cache(maxsize=1 << 14)
def concept_problem(sctid: str) -> str | None:
    """Why ``sctid`` is not a valid SNOMED CT concept identifier, or None when it is."""
    if not (6 <= len(sctid) <= 18) or not sctid.isascii() or not sctid.isdigit():
        return f"{sctid!r} is not 6 to 18 digits"
    if sctid[0] == "0":
        return f"{sctid} has a leading zero"
    if not verhoeff_ok(sctid):
        return f"{sctid} fails the Verhoeff check digit"
    if sctid[-3:-1] not in CONCEPT_PARTITIONS:
        return f"{sctid} has partition {sctid[-3:-1]}, not a concept's (00 or 10)"
    return None
