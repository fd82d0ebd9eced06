"""Password hashing (argon2id). Slow on purpose; never called on the hot path."""

from __future__ import annotations

import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# The test suite creates a dozen users per test; it opts into cheap parameters. Never set in prod.
_FAST = os.environ.get("LEAFLEDGER_PASSWORD_PROFILE") == "fast-insecure-for-tests"
_hasher = (
    PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if _FAST else PasswordHasher()
)
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Spent on unknown e-mails so a login's timing does not reveal which accounts exist.
DUMMY_HASH = hash_password("leafledger-timing-equaliser")
