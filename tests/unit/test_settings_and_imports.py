"""Settings are read once, from one place, and importing the code does nothing by itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from domain import settings

ROOT = Path(__file__).resolve().parents[2]

IMPORT_EVERYTHING = """
import importlib, os, pkgutil, socket
def refuse(*args, **kwargs):
    raise AssertionError(f"a network connection at import: {args}")
socket.socket.connect = refuse
socket.create_connection = refuse
before = dict(os.environ)
for name in ("domain", "api", "workers", "plugins"):
    package = importlib.import_module(name)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        if ".migrations." not in info.name:
            importlib.import_module(info.name)
assert dict(os.environ) == before, "importing changed the environment"
print("imported")
"""


def test_importing_every_module_with_no_environment_writes_nothing_and_connects_nowhere(
    tmp_path,
):
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported"
    # No secret key file, no data folder, nothing else: the folder is as empty as it was.
    assert list(tmp_path.iterdir()) == []


def test_settings_come_from_the_mapping_given_and_nowhere_else(tmp_path):
    loaded = settings.load(
        {
            "LEAFLEDGER_DATA_DIR": str(tmp_path),
            "LEAFLEDGER_SECRET_KEY": "k",
            "LEAFLEDGER_REDIS_PREFIX": "store-2",
            "LEAFLEDGER_AUTH_CACHE_SECONDS": "0",
            "LEAFLEDGER_LOGIN_MAX_FAILURES": "3",
            "LEAFLEDGER_PASSWORD_PROFILE": settings.FAST_PASSWORDS,
        }
    )
    assert loaded.redis_prefix == "store-2"
    assert loaded.queue_name == "store-2:queue"
    assert (loaded.auth_cache_seconds, loaded.login_max_failures) == (0, 3)
    assert loaded.database_url is None
    assert loaded.redis == settings.DEFAULT_REDIS_URL
    defaults = settings.load({"LEAFLEDGER_DATA_DIR": str(tmp_path), "LEAFLEDGER_SECRET_KEY": "k"})
    assert defaults.redis_prefix == "leafledger"
    assert defaults.sync_lease_seconds == 60
    assert defaults.webhook_timeout_seconds == 10


def test_a_generated_secret_key_is_written_when_settings_are_loaded_and_kept(tmp_path):
    first = settings.load({"LEAFLEDGER_DATA_DIR": str(tmp_path)})
    again = settings.load({"LEAFLEDGER_DATA_DIR": str(tmp_path)})
    assert first.secret_key == again.secret_key
    assert (tmp_path / "secret_key").read_text().strip() == first.secret_key


@pytest.mark.parametrize("prefix", ["", "a*", "two words", "x[1]"])
def test_a_redis_prefix_that_could_match_another_deployments_channels_is_refused(tmp_path, prefix):
    with pytest.raises(ValueError, match="LEAFLEDGER_REDIS_PREFIX"):
        settings.load(
            {
                "LEAFLEDGER_DATA_DIR": str(tmp_path),
                "LEAFLEDGER_SECRET_KEY": "k",
                "LEAFLEDGER_REDIS_PREFIX": prefix,
            }
        )
