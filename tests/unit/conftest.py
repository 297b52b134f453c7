"""Unit tests run without PostgreSQL (`make test-unit` on a machine with none): asking for the database fails."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def database_url() -> str:
    pytest.fail("tests/unit runs without PostgreSQL: a test that needs the database belongs in tests/integration")
