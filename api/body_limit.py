"""Refuse request bodies over a size limit with 413, before anything parses them.

Without a limit one anonymous POST of a few megabytes (a ``recordSale`` with 100,000 lines) kept
the event loop busy decoding and coercing it for seconds, stalling every other request of the
process. This middleware reads the body itself, at most ``max_bytes`` of it: a declared
``Content-Length`` over the limit is refused without reading a byte, and a chunked (or lying)
body is refused as soon as the running total passes the limit. What fits is handed on to the
application in one piece. The server (uvicorn) drops whatever the client still sends after the
413 without handing it to us, so a client that writes its whole body before reading the answer
still gets the 413 rather than a reset connection.
"""

from __future__ import annotations

import json
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _refusal(path: str, max_bytes: int) -> bytes:
    message = f"the request body is over {max_bytes} bytes"
    if path == "/graphql":
        body: Any = {"errors": [{"message": message, "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}
    else:  # the inbound webhooks' shape (docs/integrations.md)
        body = {"error": {"code": "too_large", "message": message}}
    return json.dumps(body).encode()


class BodyLimit:
    """ASGI middleware answering 413 to HTTP requests whose body is over ``max_bytes``."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._too_large(scope, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before sending its body: nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        await self.app(scope, _replay(body, receive), send)

    async def _too_large(self, scope: Scope, send: Any) -> None:
        payload = _refusal(scope.get("path", ""), self.max_bytes)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def _replay(body: bytes, receive: Any) -> Any:
    """A ``receive`` that hands over the body read so far, then defers to the server's."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay
