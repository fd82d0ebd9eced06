"""Password hashing (argon2id). Slow on purpose; never called on the hot path."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 10


def configure(*, fast: bool) -> None:
    """Choose the hashing cost (api.bootstrap, from ``Settings.password_profile``).

    The test suite creates a dozen users per test; it opts into cheap parameters. Never in prod.
    """
    global _hasher, _dummy_hash
    _hasher = (
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else PasswordHasher()
    )
    _dummy_hash = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy_hash: str | None = None


def dummy_hash() -> str:
    """Spent on unknown e-mails so a login's timing does not reveal which accounts exist;
    hashed with the configured cost, so a known and an unknown e-mail take equally long."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password("leafledger-timing-equaliser")
    return _dummy_hash
