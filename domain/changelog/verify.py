"""Re-computing the change log's chains: the first broken row of each, if any.

Rows are streamed through a server-side cursor in chain order, so memory stays flat however
long the history. Editing a row (its content no longer matches its hash), deleting one (a
sequence is missing, or the next row's ``prev_hash`` names a hash no row has) and re-ordering
are all caught; a truncated tail is caught by comparing ``queries.chain_head`` with a head
recorded earlier (a verification run, an audit packet).
"""

from __future__ import annotations

import asyncpg

from domain.changelog.model import GENESIS, ChangeLogBreak, chain_of, check_link
from domain.changelog.queries import BATCH

_COLUMNS = (
    "id, chain, sequence, operator AS operator_id, location AS location_id, actor_kind,"
    " user_id, api_key_id, client, occurred_at, operation, entity_type, entity_id, before,"
    " after, prev_hash, hash"
)

__all__ = ["ChangeLogBreak", "location_chain", "verify_change_log"]


def location_chain(location_id: int) -> str:
    return chain_of(location_id, None)


async def verify_change_log(
    conn: asyncpg.Connection, location_id: int | None
) -> list[ChangeLogBreak]:
    """Walk a location's chain (``location_id``), or every chain that is not a location's
    (operator-wide rows and the ``system`` chain, with None); name the first broken row of each.
    """
    if location_id is not None:
        where, args = "chain = $1", [location_chain(location_id)]
    else:
        where, args = "chain NOT LIKE 'location:%'", []
    broken: list[ChangeLogBreak] = []
    current: str | None = None
    expected, prev_hash, failed = 1, GENESIS, False
    async with conn.transaction():
        cursor = conn.cursor(
            f"SELECT {_COLUMNS} FROM change_log WHERE {where} ORDER BY chain, sequence",
            *args,
            prefetch=BATCH,
        )
        async for row in cursor:
            if row["chain"] != current:
                current, expected, prev_hash, failed = row["chain"], 1, GENESIS, False
            if failed:
                continue
            found = check_link(row["chain"], expected, prev_hash, row)
            if found is not None:
                broken.append(found)
                failed = True
                continue
            expected, prev_hash = expected + 1, row["hash"]
    return broken
