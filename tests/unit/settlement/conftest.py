"""Every unit test of settlement's use cases gets a fresh world of fakes: no database, no network, no process."""

from __future__ import annotations

import pytest

from tests.unit.settlement.world import World


@pytest.fixture
def w() -> World:
    return World()
