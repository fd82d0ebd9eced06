"""Structured logs: each line names its request, and no password, token or key ever appears."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from api import logs
from domain.identity import api_keys
from domain.roles import Role
from tests.api.queries import LOGIN
from tests.support.units import new_uow
from tests.support.world import PASSWORD


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The production configuration, writing to a buffer; the suite's own handlers after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    logs.configure(json_lines=True, level="DEBUG", stream=buffer)
    try:
        yield buffer
    finally:
        root.handlers, root.level = handlers, level
        structlog.reset_defaults()


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


async def test_no_secret_reaches_the_log_and_each_line_names_its_request(world, api, json_log):
    await api(LOGIN, {"email": "manager@greenleaf.test", "password": "wrong-" + PASSWORD})
    created = await api_keys.create(
        new_uow(),
        world.as_(Role.ADMIN),
        api_keys.CreateApiKey(
            name="POS",
            scopes=frozenset({api_keys.Scope.RECORD_SALES}),
            location_ids=frozenset({world.ca.location_id}),
        ),
    )
    await api_keys.revoke(new_uow(), world.as_(Role.ADMIN), created.key_id)
    token = world.ca.token(Role.MANAGER)
    refused = await api.http.post(
        "/graphql",
        json={"query": "{ me { email } }"},
        headers={"Authorization": f"Bearer {created.secret}", "X-Request-ID": "till-7-4711"},
    )
    await api.http.post(
        "/graphql",
        json={"query": "{ me { email } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    logging.getLogger("leafledger.test").warning(
        "a careless line: password=%s token=%s", PASSWORD, token
    )

    text = json_log.getvalue()
    assert refused.headers["x-request-id"] == "till-7-4711"
    lines = _lines(json_log)
    assert lines, "nothing was logged"
    for secret in (PASSWORD, token, created.secret.split("_", 2)[2]):
        assert secret not in text
    revoked = [line for line in lines if "was revoked" in line["event"]]
    assert revoked
    assert {line.get("request_id") for line in revoked} == {"till-7-4711"}
    assert all({"timestamp", "level", "logger"} <= line.keys() for line in lines)


def test_secrets_are_masked_by_key_and_inside_text():
    event = {
        "event": "Authorization: Bearer abc.def-ghi_jkl123 and password=hunter22 api_key=xyz123",
        "refresh_token": "r-123456",
        "pin": "1234",
        "key": "llk_ab12cd34_SECRETSECRETSECRETSECRET",
    }
    redacted = logs.redact(None, "warning", dict(event))
    assert "abc.def" not in redacted["event"]
    assert "hunter22" not in redacted["event"]
    assert "xyz123" not in redacted["event"]
    assert redacted["refresh_token"] == redacted["pin"] == "[redacted]"
    assert redacted["key"] == "llk_ab12cd34_[redacted]"  # the prefix still names the key


def test_a_client_request_id_is_kept_only_when_it_is_a_sane_token():
    assert logs.request_id([(b"x-request-id", b"till-7-4711")]) == "till-7-4711"
    minted = logs.request_id([(b"x-request-id", b"a\nforged: line")])
    assert minted != "a\nforged: line"
    assert len(minted) == 32
