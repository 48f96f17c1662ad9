"""Fixtures for the service tests."""

from __future__ import annotations

import pytest
from support.neighbourhood import Neighbourhood, build_neighbourhood

from mdt_desktop.store.database import Store


@pytest.fixture
def hood(store: Store) -> Neighbourhood:
    return build_neighbourhood(store)
