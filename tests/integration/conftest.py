"""Fixtures integration tests share."""

from __future__ import annotations

import pytest

from tests.integration.test_sync_backend import FleetBackend


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path):
    """A real fleet backend over SQLite, and over the PostgreSQL server CI starts."""
    if request.param == "postgresql":
        db_url = request.getfixturevalue("postgres_url")
    else:
        db_url = f"sqlite:///{tmp_path / 'fleet.db'}"
    fleet = FleetBackend(db_url).start()
    yield fleet
    fleet.stop()
