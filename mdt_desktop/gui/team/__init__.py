"""The team: the Team menu (staff directory, audit log viewer). No area of its own."""

from __future__ import annotations

from typing import Any

from ..features import Feature


def _team_menu(window: Any) -> Any:
    from .menu import build_team_menu

    return build_team_menu(window)


FEATURE = Feature(name="team", menus=(_team_menu,))

__all__ = ["FEATURE"]
