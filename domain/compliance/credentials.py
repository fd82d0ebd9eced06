"""State-system credentials, encrypted at rest (Fernet) with a key from the environment.

The API accepts credentials but never returns them; logs never see them. Without
``LEAFLEDGER_CREDENTIALS_KEY`` a key is generated once into the data folder (fine for the demo;
production sets the variable and keeps the key out of the database's backups).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from domain import settings

_fernet: Fernet | None = None


def configure(*, data_dir: Path, credentials_key: str | None) -> None:
    """Use ``credentials_key``, else the key generated into ``data_dir`` (api.bootstrap)."""
    global _fernet
    _fernet = Fernet(_key(data_dir, credentials_key))


def _key(data_dir: Path, credentials_key: str | None) -> bytes:
    if credentials_key:
        return credentials_key.encode()
    path = Path(data_dir) / "credentials_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(Fernet.generate_key())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_bytes().strip()


def _cipher() -> Fernet:
    """The configured cipher; a script that skipped bootstrap loads the settings once."""
    if _fernet is None:
        config = settings.load()
        configure(data_dir=config.data_dir, credentials_key=config.credentials_key)
    assert _fernet is not None
    return _fernet


def encrypt(credentials: dict[str, str]) -> str:
    return _cipher().encrypt(json.dumps(credentials).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    """The credentials, or an empty dict when none are stored or the key has changed."""
    if not token:
        return {}
    try:
        return json.loads(_cipher().decrypt(token.encode()))
    except InvalidToken:
        return {}


class Secret(str):
    """A string that does not print itself (credentials passed around in config objects)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')"
