"""The labels query in the authorization matrix: anyone who may read a location prints its
labels; a tag at a sibling store the caller holds no grant at is PermissionDenied."""

from __future__ import annotations

from typing import Any

from domain.roles import Role
from tests.api.authz_cases import ALL, Case, Places

LABELS = (
    "query($tags: [String!]!) { labels(tags: $tags) { __typename ... on UserError { message } } }"
)


async def _labels(places: Places, loc: int, role: Role) -> tuple[str, dict[str, Any]]:
    tag, _ = await places.package(loc)
    return LABELS, {"tags": [tag]}


CASES = {"labels": Case(ALL, _labels)}
