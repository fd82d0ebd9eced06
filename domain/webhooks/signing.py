"""Signing webhook requests so receivers can tell they came from us, unaltered and recently.

Stripe-style, because receivers already know how to check it: the header
``X-LeafLedger-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`` keyed with
the endpoint's secret (the whole string, ``whsec_`` prefix included). The timestamp is signed too,
so a captured request cannot be replayed later than ``tolerance`` seconds. Pure: no I/O, no clock
(callers pass ``now``), so receivers and tests can use it as the reference implementation.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-LeafLedger-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300
MAX_TIMESTAMP_DIGITS = 12


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``f"{timestamp}."`` followed by the raw body."""
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the signature header for ``body`` sent at ``timestamp``."""
    return f"t={int(timestamp)},{SCHEME}={signature(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    now: float,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether ``header`` is a valid signature of ``body`` with ``secret``, made within
    ``tolerance`` seconds of ``now`` (either side, for clock skew).

    Several ``v1=`` entries are accepted (one may match), so a receiver keeps working while a
    secret is being rotated. Any malformed header is simply invalid.
    """
    if not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            # Unix seconds: ten digits until 2286. A longer one is no timestamp (and past 4300
            # digits int() itself refuses it).
            valid = value.isascii() and value.isdigit() and len(value) <= MAX_TIMESTAMP_DIGITS
            if timestamp is not None or not valid:
                return False
            timestamp = int(value)
        elif key == SCHEME:
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    # compare_digest on every candidate (no early exit) keeps the time independent of the match.
    matches = [hmac.compare_digest(expected.encode(), c.encode()) for c in candidates]
    return any(matches)
