"""Users and their per-location grants."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

from domain.db import DB
from domain.organisation.tables import Location, Operator
from domain.roles import Role


class User(Table, db=DB, tablename="app_user"):
    operator = ForeignKey(Operator, null=False, on_delete=OnDelete.restrict)
    email = Varchar(length=254, unique=True)
    name = Varchar(length=200)
    password_hash = Varchar(length=200)
    active = Boolean(default=True)
    # Bumped to revoke every token issued so far (logout everywhere, role removed).
    token_version = Integer(default=0)
    created_at = Timestamptz()


class Grant(Table, db=DB, tablename="location_grant"):
    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade, index=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    role = Varchar(length=20, choices=Role)

    unique_grant = Unique([user, location])
