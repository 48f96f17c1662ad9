"""The base of every error meant for a person: its message is a finished sentence.

It lives in domain/ (the lowest layer) so that domain rules, such as a permission
refused, can raise it too; services/errors.py is where the rest of the code finds it.
"""

from __future__ import annotations


class UserError(Exception):
    """Something a person asked for cannot be done; ``str(error)`` says why, as a sentence.

    The message is written where the error is raised (capital first letter, full stop),
    so whoever shows it shows it as it is. Programming errors are never UserErrors.
    """


class InvalidInput(UserError, ValueError):
    """A value given cannot be used; the message says which and why."""
