"""The one error type for people, and its kinds, for the GUI, the CLI and the server to catch.

Catch ``UserError`` to show its message as it is: it is a finished sentence written where
it was raised. Anything else that escapes a service is a programming error and is not
turned into a polite warning. Each kind also derives from the built-in exception code
already catches (``LookupError``, ``ValueError``…), so older handlers keep working.
"""

from __future__ import annotations

from mdt_desktop.domain.errors import InvalidInput, UserError
from mdt_desktop.domain.permissions import NotPermitted


class NotFound(UserError, LookupError):
    """What was asked for is not in this store (or no longer)."""


class Conflict(UserError):
    """Someone else changed it meanwhile, or it is already in the state asked for."""


__all__ = ["Conflict", "InvalidInput", "NotFound", "NotPermitted", "UserError"]


def as_sentence(exc: BaseException) -> str:
    """What to show a person for ``exc``: a UserError's message as it is.

    Messages from outside this package (a standard library ``ValueError``) may start in
    lower case or lack a full stop; only their first letter is raised and a full stop
    added, never the rest lowered (``str.capitalize`` would turn "GPs" into "Gps").
    """
    text = str(exc).strip()
    if isinstance(exc, UserError) and text:
        return text
    if not text:
        return "That could not be done."
    return text[:1].upper() + text[1:] + ("" if text[-1:] in ".?!" else ".")
