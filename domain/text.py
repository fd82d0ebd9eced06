"""Text a state system sent, made storable.

JSON strings may hold a NUL character (``"\\u0000"``) and the state systems' descriptions allow
any string, but PostgreSQL can store NUL neither in text nor in jsonb: one such character would
fail the whole write (a reconciliation run, a pull, a drain's error record). Whatever we keep of
a state's text goes through here; a NUL is kept visibly as the six characters ``\\u0000`` (JSON's
own spelling), so the raw value is still recognisable to whoever reads the discrepancy.
"""

from __future__ import annotations

NUL = "\x00"
ESCAPED_NUL = "\\u0000"


def has_nul(*texts: str | None) -> bool:
    """Whether any of ``texts`` holds a NUL character."""
    return any(text is not None and NUL in text for text in texts)


def storable(text: str) -> str:
    """``text`` with each NUL character written out as ``\\u0000``."""
    return text.replace(NUL, ESCAPED_NUL)


def storable_or_none(text: str | None) -> str | None:
    return None if text is None else storable(text)
