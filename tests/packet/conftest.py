"""Each packet test starts with an empty packet folder (ids restart with every clean database)."""

from __future__ import annotations

import shutil

import pytest

from domain.packet import links


@pytest.fixture(autouse=True)
def empty_packet_folder() -> None:
    shutil.rmtree(links.directory(), ignore_errors=True)
