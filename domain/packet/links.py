"""Where packets are kept, and the signed, expiring links that download them.

``configure`` (from ``api.bootstrap``, like every process-wide knob) hands over the data folder
and the application's secret key. A link carries the packet id and when it was signed, under an
itsdangerous signature: a changed id or a forged signature is refused, and so is a link older
than ``LINK_SECONDS``. A link alone is not enough: the download also needs the caller's own
credential with the audit-packet capability at the packet's licence (``api.packet.routes``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

LINK_SECONDS = 15 * 60
_SALT = "leafledger.audit-packet"


@dataclass
class _Config:
    data_dir: Path = Path(".leafledger")
    secret_key: str = ""


_config = _Config()


def configure(*, data_dir: Path, secret_key: str) -> None:
    _config.data_dir = data_dir
    _config.secret_key = secret_key


def directory() -> Path:
    """The folder finished packets (and the one being built) live in."""
    return _config.data_dir / "audit-packets"


def _serializer(at: datetime | None = None) -> URLSafeTimedSerializer:
    """The serializer; ``at`` dates the links it signs (default: now)."""
    if not _config.secret_key:
        raise RuntimeError("domain.packet.links is not configured (api.bootstrap does it)")

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(at.timestamp()) if at is not None else super().get_timestamp()

    return URLSafeTimedSerializer(_config.secret_key, salt=_SALT, signer=Signer)


@dataclass(frozen=True)
class Link:
    path: str
    expires_at: datetime


def sign(packet_id: int, now: datetime | None = None) -> Link:
    """A download link for ``packet_id``, valid for ``LINK_SECONDS`` from ``now``."""
    token = _serializer(now).dumps({"packet": packet_id})
    issued = now or datetime.now(UTC)
    return Link(
        f"/audit-packets/{packet_id}/download?token={token}",
        issued + timedelta(seconds=LINK_SECONDS),
    )


class LinkRefusal(enum.StrEnum):
    TAMPERED = "tampered"
    EXPIRED = "expired"


def check(packet_id: int, token: str, max_age: int = LINK_SECONDS) -> LinkRefusal | None:
    """Why the link for ``packet_id`` with ``token`` is refused (None: it is good)."""
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        return LinkRefusal.EXPIRED
    except BadSignature:
        return LinkRefusal.TAMPERED
    if not isinstance(data, dict) or data.get("packet") != packet_id:
        return LinkRefusal.TAMPERED
    return None
