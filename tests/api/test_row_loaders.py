"""A GraphQL field following a stored id to a row that is not there answers NotFound, never a
server error from building a type out of None; a query naming an id still reads None."""

from __future__ import annotations

import pytest

from api.loaders import Loaders
from domain.errors import NotFound

MISSING = 987_654_321


async def test_a_zone_a_balance_points_at_that_is_gone_is_not_found(clean_db: str) -> None:
    loaders = Loaders()

    assert await loaders.zone.load(MISSING) is None
    with pytest.raises(NotFound) as refused:
        await loaders.zone.one(MISSING)
    assert (refused.value.entity, refused.value.key) == ("zone", str(MISSING))
