"""The authenticated caller and the one check every service makes before acting."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from domain.errors import PermissionDenied
from domain.roles import Capability, Role, allows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Principal:
    user_id: int
    operator_id: int
    email: str
    name: str
    grants: dict[int, Role] = field(default_factory=dict)
    # Set for an API key: it may do only these, at its locations, whatever role ``grants`` names.
    scopes: frozenset[Capability] | None = None
    api_key_prefix: str | None = None
    # For the change log: the API key's id, and the client the request came from (its user
    # agent, set per request by the API; a job names itself).
    api_key_id: int | None = None
    client: str | None = None

    def role_at(self, location_id: int) -> Role | None:
        return self.grants.get(location_id)

    def can(self, capability: Capability, location_id: int) -> bool:
        if self.scopes is not None:
            allowed = location_id in self.grants and capability in self.scopes
            if not allowed:
                log.warning(
                    "api key %s denied %s at location %s",
                    self.api_key_prefix,
                    capability,
                    location_id,
                )
            return allowed
        role = self.grants.get(location_id)
        return role is not None and allows(role, capability)

    def require(self, capability: Capability, location_id: int) -> None:
        """Raise PermissionDenied unless a grant at ``location_id`` carries ``capability``.

        A location the caller has no grant for is reported the same way as a missing
        capability, so callers cannot probe which locations exist.
        """
        if not self.can(capability, location_id):
            raise PermissionDenied(str(capability), "at this location")

    @property
    def location_ids(self) -> list[int]:
        return sorted(self.grants)

    def is_admin_anywhere(self) -> bool:
        if self.scopes is not None:
            return False
        return any(role == Role.ADMIN for role in self.grants.values())
