"""Authorization matrix entries of the count sessions (registered by authz_cases.py).

Every count is a spot count of a fresh floor package, so the cases never compete for a zone.
Where only the person counting may act (lines, witness, submission), the calling role starts the
count itself when it may count there; otherwise the store's admin does, and the caller is
refused (PermissionDenied) or, at a store it cannot see, told NotFound.
"""

from __future__ import annotations

from domain.roles import Role
from tests.api.authz_cases import (
    ALL,
    SELLERS,
    Case,
    _by_input,
    mutation,
)
from tests.support.world import PASSWORD

DECIDERS = frozenset({Role.MANAGER, Role.ADMIN})

_START = """mutation($input: StartCountInput!) { startCount(input: $input) {
  __typename ... on CountSessionPayload { session { id } } ... on UserError { message } } }"""


async def _gql(places, token: str, document: str, variables: dict) -> dict:
    result = await places.api(document, variables, token=token)
    assert "errors" not in result, result
    return result["data"]


async def _count(places, loc: int, role: Role | None = None) -> tuple[str, str]:
    """A spot count of a fresh floor package started by ``role`` at ``loc`` when it may count
    there (it holds a grant and counts floors), else by the store's admin; (session id, tag)."""
    store = places.stores[loc]
    tag, _ = await places.package(loc)
    counter = role if role in SELLERS and role in store.users else Role.ADMIN
    data = await _gql(
        places, store.token(counter), _START, {"input": {"locationId": str(loc), "tags": [tag]}}
    )
    return data["startCount"]["session"]["id"], tag


async def _line(places, loc: int, session_id: str, tag: str, qty: str, who: Role) -> None:
    await _gql(
        places,
        places.stores[loc].token(who),
        mutation("recordCountLines", input="RecordCountLinesInput!"),
        {
            "input": {
                "sessionId": session_id,
                "lines": [{"lineKey": tag, "tag": tag, "quantity": qty}],
            }
        },
    )


async def _submitted(places, loc: int, qty: str = "10") -> str:
    """A count by the store's admin, witnessed by its auditor, submitted: waiting for a decision
    (a large variance instead: waiting for a recount)."""
    session_id, tag = await _count(places, loc)
    store = places.stores[loc]
    await _gql(
        places,
        store.token(Role.ADMIN),
        mutation("joinCountAsWitness", input="JoinCountAsWitnessInput!"),
        {
            "input": {
                "sessionId": session_id,
                "email": store.users[Role.AUDITOR].email,
                "secret": PASSWORD,
            }
        },
    )
    await _line(places, loc, session_id, tag, qty, Role.ADMIN)
    await _gql(
        places,
        store.token(Role.ADMIN),
        mutation("submitCount", input="CountSessionInput!"),
        {"input": {"sessionId": session_id}},
    )
    return session_id


async def _start_count(places, loc, role):
    tag, _ = await places.package(loc)
    return {"locationId": str(loc), "tags": [tag]}


async def _join(places, loc, role):
    session_id, _ = await _count(places, loc, role)
    # The store's auditor vouches (for the auditor calling: it is not the counter, refused).
    auditor = places.stores[loc].users[Role.AUDITOR]
    return {"sessionId": session_id, "email": auditor.email, "secret": PASSWORD}


async def _lines(places, loc, role):
    session_id, tag = await _count(places, loc, role)
    return {"sessionId": session_id, "lines": [{"lineKey": "a", "tag": tag, "quantity": "10"}]}


async def _submit(places, loc, role):
    session_id, _ = await _count(places, loc, role)
    return {"sessionId": session_id}


async def _recount(places, loc, role):
    return {"sessionId": await _submitted(places, loc, qty="0")}


async def _decide(places, loc, role):
    return {"sessionId": await _submitted(places, loc), "note": "checked"}


async def _pin(places, loc, role):
    return {"password": PASSWORD, "pin": "4821"}


CASES: dict[str, Case] = {
    # Counting floor stock: whoever may sell it; the vault needs a lead (tests/counts).
    "startCount": _by_input("startCount", "StartCountInput", _start_count, SELLERS),
    # Only the person counting adds a witness, records lines and submits.
    "joinCountAsWitness": _by_input(
        "joinCountAsWitness", "JoinCountAsWitnessInput", _join, SELLERS, hidden=True
    ),
    "recordCountLines": _by_input(
        "recordCountLines", "RecordCountLinesInput", _lines, SELLERS, hidden=True
    ),
    "submitCount": _by_input("submitCount", "CountSessionInput", _submit, SELLERS, hidden=True),
    # Anyone who may count the zone takes over a recount (the admin who counted is refused as
    # DifferentCounterRequired, not PermissionDenied).
    "recount": _by_input("recount", "CountSessionInput", _recount, SELLERS, hidden=True),
    # Managers decide (the admin counted these itself: CannotApproveOwnCount, not a denial).
    "approveCount": _by_input("approveCount", "DecideCountInput", _decide, DECIDERS, hidden=True),
    "rejectCount": _by_input("rejectCount", "DecideCountInput", _decide, DECIDERS, hidden=True),
    # One's own PIN: everyone.
    "setWitnessPin": _by_input("setWitnessPin", "SetWitnessPinInput", _pin, ALL, located=False),
}
