"""Signed bearer tokens: ``user id + token version``, signed and time-limited.

Tokens carry no roles: grants are read per request, so removing a grant takes effect at once,
and bumping ``token_version`` revokes every token a user holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "leafledger.bearer"


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    token_version: int


class TokenCodec:
    def __init__(self, secret_key: str, ttl_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
        self._ttl = ttl_seconds

    def issue(self, claims: TokenClaims) -> str:
        return self._serializer.dumps([claims.user_id, claims.token_version])

    def read(self, token: str) -> TokenClaims | None:
        """The claims of a valid, unexpired token; None for anything else."""
        try:
            user_id, version = self._serializer.loads(token, max_age=self._ttl)
        except (BadSignature, SignatureExpired, ValueError, TypeError):
            return None
        if not (_is_id(user_id) and user_id > 0 and _is_id(version)):
            return None
        return TokenClaims(user_id, version)


_MAX_INT4 = 2**31 - 1


def _is_id(value: object) -> bool:
    """A non-negative integer column value. Exactly ``int``: JSON ``true`` decodes as a bool,
    which is an int subclass (a token of ``[true, false]`` read as user 1, version 0)."""
    return type(value) is int and 0 <= value <= _MAX_INT4
