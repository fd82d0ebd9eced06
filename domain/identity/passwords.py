"""Password hashing (argon2id). Slow on purpose; never called on the hot path."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
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
