"""The pure rules of the change log: who acted, what changed, redaction and the row's hash.

No I/O: ``record`` (``domain.changelog.record``) and ``verify`` (``domain.changelog.verify``) are
built on these, and the unit tests check them without a database.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from domain.identity.principal import Principal

GENESIS = "0" * 64
REDACTED = "[redacted]"
# Field names whose values never enter the log, whatever the entity: a changed credential is
# recorded as changed ("[redacted]" before and after), never its value. Matched on the name's
# words ("secret_hash", "api_key", "user_key", "signing_secret", "credentials", "pin_hash" and
# "password" are caught); identifiers and flags that only name a secret are listed apart.
_SECRET_WORDS = frozenset(
    {
        "password",
        "secret",
        "secrets",
        "credential",
        "credentials",
        "token",
        "tokens",
        "pin",
        "hash",
        "apikey",
        "key",
        "keys",
        "private",
        "signature",
    }
)
_WORD = re.compile(r"[a-z]+")
# Columns that merely name a secret's existence or an identifier, not its value.
_NOT_SECRET = frozenset({"key_id", "api_key_id", "has_credentials", "has_pin", "key_prefix"})


class ActorKind(enum.StrEnum):
    USER = "user"
    PARTNER_KEY = "partner_key"
    WORKER = "worker"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who made a change, and from which client (the user agent of the request, or a job)."""

    kind: ActorKind
    operator_id: int | None
    user_id: int | None = None
    api_key_id: int | None = None
    client: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        partner = principal.scopes is not None
        return cls(
            ActorKind.PARTNER_KEY if partner else ActorKind.USER,
            principal.operator_id,
            principal.user_id,
            principal.api_key_id,
            principal.client,
        )

    @classmethod
    def worker(cls, operator_id: int | None, job: str) -> Actor:
        return cls(ActorKind.WORKER, operator_id, client=job)

    @classmethod
    def system(cls, operator_id: int | None, what: str) -> Actor:
        return cls(ActorKind.SYSTEM, operator_id, client=what)


def is_secret(name: str) -> bool:
    """Whether a field's value must never be logged (see ``_SECRET_WORDS``)."""
    lowered = name.lower()
    if lowered in _NOT_SECRET:
        return False
    words = set(_WORD.findall(lowered)) | {lowered.replace("_", "")}
    return bool(words & _SECRET_WORDS)


def plain(value: Any) -> Any:
    """``value`` as JSON that hashes the same after a jsonb round trip: Decimals, dates, times
    and enums as strings, floats as their shortest text (jsonb would re-spell them)."""
    if value is None or isinstance(value, bool | int | str):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def redact(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` made plain, with every secret field's value replaced (nested ones too)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if is_secret(name):
            out[name] = None if value is None else REDACTED
        elif isinstance(value, Mapping):
            out[name] = redact(value)
        else:
            out[name] = plain(value)
    return out


def diff(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that changed, before and after (redacted and plain).

    A field on one side only (a created or deleted entity) is a change, unless it is empty
    there (a new product without a brand changed no brand); a secret that changed shows as
    ``[redacted]`` on both sides (it changed; its value is nobody's business).
    """
    old = dict(before or {})
    new = dict(after or {})
    changed_before: dict[str, Any] = {}
    changed_after: dict[str, Any] = {}
    for name in sorted(set(old) | set(new)):
        was, now = plain(old.get(name)), plain(new.get(name))
        if name in old and name in new and was == now:
            continue
        if (name not in old and now is None) or (name not in new and was is None):
            continue
        if name in old:
            changed_before[name] = old[name]
        if name in new:
            changed_after[name] = new[name]
    return redact(changed_before), redact(changed_after)


# The fields the hash covers, in order. Adding one changes every hash: version the chain then.
CHAINED_FIELDS = (
    "chain",
    "sequence",
    "operator_id",
    "location_id",
    "actor_kind",
    "user_id",
    "api_key_id",
    "client",
    "occurred_at",
    "operation",
    "entity_type",
    "entity_id",
    "before",
    "after",
)


def row_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """The hash of a change-log row chained onto ``prev_hash``."""
    body = {name: plain(row.get(name)) for name in CHAINED_FIELDS}
    payload = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}|{payload}".encode()).hexdigest()


def chain_of(location_id: int | None, operator_id: int | None) -> str:
    """The chain a row joins: its location's, else its operator's (operator-wide changes), else
    the deployment's (a failed sign-in with an e-mail nobody has)."""
    if location_id is not None:
        return f"location:{location_id}"
    if operator_id is not None:
        return f"operator:{operator_id}"
    return "system"


@dataclass(frozen=True)
class ChangeLogBreak:
    """The first broken row of one chain: which, and why."""

    chain: str
    id: int | None
    sequence: int
    operation: str | None
    reason: str


def check_link(
    chain: str, expected_sequence: int, prev_hash: str, row: Mapping[str, Any]
) -> ChangeLogBreak | None:
    """Whether ``row`` is the correct next link of ``chain`` after ``prev_hash``."""
    if row["sequence"] != expected_sequence:
        return ChangeLogBreak(
            chain,
            row["id"],
            expected_sequence,
            row["operation"],
            f"row {expected_sequence} of the chain is missing",
        )
    if row["prev_hash"] != prev_hash:
        return ChangeLogBreak(
            chain,
            row["id"],
            row["sequence"],
            row["operation"],
            "prev_hash does not match the prior row",
        )
    if row_hash(prev_hash, row) != row["hash"]:
        return ChangeLogBreak(
            chain,
            row["id"],
            row["sequence"],
            row["operation"],
            "row content does not match its hash",
        )
    return None
