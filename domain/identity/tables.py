"""Users and their per-location grants."""

from __future__ import annotations

from piccolo.columns import Array, Boolean, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
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
    # A short PIN for witnessing on a handheld (domain/identity/witness.py); NULL = none set.
    pin_hash = Varchar(length=200, null=True, default=None)
    created_at = Timestamptz()


class Grant(Table, db=DB, tablename="location_grant"):
    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade, index=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    role = Varchar(length=20, choices=Role)

    unique_grant = Unique([user, location])


class ApiKey(Table, db=DB, tablename="api_key"):
    """A partner's or device's key: only a SHA-256 of it is stored (the secret is shown once)."""

    operator = ForeignKey(Operator, null=False, on_delete=OnDelete.restrict)
    # The key's own identity: the actor on what it records (never able to sign in).
    user = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=100)
    prefix = Varchar(length=8, unique=True)
    secret_hash = Varchar(length=64)
    scopes = Array(base_column=Varchar(length=40))
    locations = Array(base_column=Integer())
    rate_limit_per_minute = Integer(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class RefreshToken(Table, db=DB, tablename="refresh_token"):
    """One-time refresh tokens (hashed); a family is one sign-in and every rotation after it."""

    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade, index=True)
    family = Varchar(length=32, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
