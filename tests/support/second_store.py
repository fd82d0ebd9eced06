"""A second store of the world's CA operator, with its own staff (one user per role, granted
only there), for rules about what one store's people may do to another store of the same
operator. The first store's admin opens it, so that admin is granted at both."""

from __future__ import annotations

from domain import db
from domain.identity import services as identity
from domain.organisation import services as organisation
from domain.roles import Role
from tests.support.units import new_uow
from tests.support.world import PASSWORD, Store, World, _principal, _zones


async def open_second_store(world: World) -> Store:
    admin = world.ca.users[Role.ADMIN]
    created = await organisation.create_location(
        new_uow(),
        admin,
        organisation.CreateLocation(
            name="Green Leaf Oakland",
            license_number="C10-0000002-LIC",
            state="CA",
            timezone="America/Los_Angeles",
            state_system="metrc",
        ),
    )
    location_id = created.value.location_id
    store = Store(world.ca.operator_id, location_id, await _zones(location_id))
    for role in Role:
        user_id = await identity.create_user(
            operator_id=world.ca.operator_id,
            email=f"{role.value}@oakland.greenleaf.test",
            name=f"Oakland {role.value}",
            password=PASSWORD,
            grants={location_id: role},
        )
        store.users[role] = await _principal(user_id)
    # The first store's admin now holds grants at both stores: reload it so callers see them.
    world.ca.users[Role.ADMIN] = await _principal(admin.user_id)
    async with db.connection() as conn:
        assert (
            await conn.fetchval(
                'SELECT count(*) FROM location_grant WHERE "user" = $1', admin.user_id
            )
            == 2
        )
    return store
