"""The demo operator's places and people: two licences, a user per role, one shared password.

Kept apart from the generators so the CLI's credential lines (and the "already loaded" answer)
come from the same constants the loader used, without touching the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.organisation.services import CreateLocation
from domain.roles import Role

SEED = 2026
PASSWORD = "demo-password-1"
EMAIL_DOMAIN = "greenleaf.demo"
OPERATOR_NAME = "Green Leaf Cannabis Co."
STATE_SYSTEM = "metrc"


@dataclass(frozen=True)
class Site:
    """One licensed storefront; ``code`` is its state and the key the generators use."""

    code: str
    name: str
    license_number: str
    timezone: str
    # Nine characters of every METRC tag issued to this facility (see ``stockplan.TagIssuer``).
    facility_code: str

    def create_location(self) -> CreateLocation:
        return CreateLocation(
            name=self.name,
            license_number=self.license_number,
            state=self.code,
            timezone=self.timezone,
            state_system=STATE_SYSTEM,
        )


CA = Site("CA", "Green Leaf Oakland", "C10-0000123-LIC", "America/Los_Angeles", "0C1000123")
CO = Site("CO", "Green Leaf Denver", "402R-00123", "America/Denver", "0402R0123")
SITES: tuple[Site, ...] = (CA, CO)


@dataclass(frozen=True)
class DemoUser:
    role: Role
    name: str
    sites: tuple[str, ...]

    @property
    def email(self) -> str:
        return f"{self.role.value}@{EMAIL_DOMAIN}"

    def credential_line(self) -> str:
        return f"{self.email} — {self.role.value} at {' and '.join(self.sites)}"


# The admin comes first: it is created with the operator and is the CLI's example login.
# Compliance, the auditor and the district manager cover both stores; the budtender works the
# Oakland floor and the inventory lead runs the Denver vault, so a demo shows both what a
# single-store user sees and that the other licence stays invisible to them.
USERS: tuple[DemoUser, ...] = (
    DemoUser(Role.ADMIN, "Alex Rivera", ("CA", "CO")),
    DemoUser(Role.MANAGER, "Jordan Lee", ("CA", "CO")),
    DemoUser(Role.COMPLIANCE, "Priya Natarajan", ("CA", "CO")),
    DemoUser(Role.AUDITOR, "Dana Whitfield", ("CA", "CO")),
    DemoUser(Role.INVENTORY_LEAD, "Sam Okafor", ("CO",)),
    DemoUser(Role.BUDTENDER, "Maya Chen", ("CA",)),
)
ADMIN = USERS[0]


def credential_lines() -> list[str]:
    """What the CLI prints: one line per demo user, the admin first."""
    return [user.credential_line() for user in USERS]
