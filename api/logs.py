"""Structured logs: one JSON object per line in production, readable lines in the demo.

Every record, ours and the libraries' (uvicorn, arq, asyncpg), goes through structlog's
formatter on the root logger, so a log shipper gets one format. Each carries the request id of
the HTTP request or WebSocket it belongs to (``X-Request-ID`` when the client sent a sane one,
else a new one, answered in the same header) and, in a worker, the id of the request that
enqueued the job. A request id lives in a context variable, so it follows the request into its
unit of work and everything the services log.

Secrets never reach the log: values under keys that name a secret are replaced, and bearer
tokens, API keys and ``password=``-style pairs inside messages are masked (``redact``).
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

REQUEST_ID_HEADER = "x-request-id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SECRET_KEYS = re.compile(r"(?i)(password|passwd|secret|token|authorization|api[_-]?key|pin)")
_SECRET_TEXT = [
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [redacted]"),
    (
        re.compile(
            r"(?i)\b(password|passwd|secret|token|refresh_?token|api[_-]?key|pin)"
            r"(\"?\s*[:=]\s*\"?)[^\s\",}]+"
        ),
        r"\1\2[redacted]",
    ),
    # Our API keys, llk_<prefix>_<secret> (domain.identity.api_keys): the prefix names the key
    # in logs and lists, the secret never appears.
    (re.compile(r"\b(llk_[a-z0-9]{8}_)[A-Za-z0-9_-]+"), r"\1[redacted]"),
]


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's ``X-Request-ID`` if it is a sane token, else a new one."""
    for name, value in headers:
        if name.lower() == REQUEST_ID_HEADER.encode():
            given = value.decode("latin-1").strip()
            if _SANE_ID.match(given):
                return given
    return uuid.uuid4().hex


def scrub(text: str) -> str:
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: no secret, by key or inside text, survives into a record."""
    for key, value in list(event.items()):
        if key != "event" and _SECRET_KEYS.search(key) and key not in ("request_id",):
            event[key] = "[redacted]"
        elif isinstance(value, str):
            event[key] = scrub(value)
    return event


def _plain(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    event.pop("color_message", None)  # uvicorn's ANSI copy of the message
    return event


def _shared() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
        _plain,
        redact,
    ]


def configure(json_lines: bool, level: str = "INFO", stream: TextIO | None = None) -> None:
    """Route every logger through structlog. Called by the entry points (serve, worker, demo),
    never at import and never by the tests, whose capture handlers must stay."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # uvicorn's and arq's records through the same formatter. Not uvicorn.access: the access
    # log stays as `serve` set it (off), since a display key can ride in a page's query string.
    for library in ("uvicorn", "uvicorn.error", "arq"):
        logging.getLogger(library).handlers = []
        logging.getLogger(library).propagate = True
    structlog.configure(
        processors=[*_shared(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


JOB_KWARG = "leafledger_request_id"


def current_request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


def bind_request(request_id_value: str) -> Any:
    """Bind the request id for this task; returns the tokens to reset."""
    return structlog.contextvars.bind_contextvars(request_id=request_id_value)


def bind_job(job_id: str | None, request_id: str | None) -> Any:
    values = {"job_id": job_id} if job_id else {}
    if request_id:
        values["request_id"] = request_id
    return structlog.contextvars.bind_contextvars(**values)


def unbind(tokens: Any) -> None:
    structlog.contextvars.reset_contextvars(**tokens)
