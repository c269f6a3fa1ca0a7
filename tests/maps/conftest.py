"""Map fixtures: guests checked in at addresses in villages, some days ago."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from apoa.accounts.models import User
from apoa.clock import wall_clock
from apoa.extensions import db
from tests.factories import CheckIn


@pytest.fixture
def check_in_village(create_stay: Callable[..., CheckIn]) -> Callable[..., CheckIn]:
    """Return a function that checks guests of one nationality in at an address in a village.

    They arrived `days_ago` days (and an hour) ago and leave in three days; committed.
    """

    def check_in(
        reporter: User, village: str, guests: int, *, days_ago: int = 0, nationality: str = "D"
    ) -> CheckIn:
        now = wall_clock()
        made = create_stay(
            reporter,
            village,
            guests,
            arrived=now - timedelta(days=days_ago, hours=1),
            leaves=(now + timedelta(days=3)).date(),
            now=now,
            nationality=nationality,
            issuing_country=nationality,
        )
        db.session.commit()
        return made

    return check_in
