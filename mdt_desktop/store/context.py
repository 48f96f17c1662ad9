"""Who is acting, on which device, and the clock that orders their changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mdt_desktop.store.clock import HybridLogicalClock


@dataclass(frozen=True)
class Actor:
    """The signed-in user (or the system itself, for housekeeping)."""

    user_id: uuid.UUID | None
    name: str
    role: str

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None, name="MDT Desktop", role="system")


@dataclass
class StoreContext:
    """Per-store facts the flush hook needs: kept on each session's ``info``."""

    device_id: uuid.UUID
    clock: HybridLogicalClock
    actor: Actor = field(default_factory=Actor.system)
    # Set while applying changes pulled from the server: they must not echo back out.
    applying_remote: bool = False
