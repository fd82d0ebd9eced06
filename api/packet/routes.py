"""``GET /audit-packets/{id}/download?token=…``: a finished packet's ZIP.

Two keys, both required: the caller's own credential (``Authorization: Bearer``, as for GraphQL)
whose grant at the packet's licence carries the audit-packet capability (compliance, auditor,
admin; no API key scope carries it), and a signed link from ``auditPacket.download`` that
has not expired. Answers: 200 the file (streamed from disk, its SHA-256 as the ETag); 401 no
valid credential; 403 a role without access, or a tampered link; 410 an expired link; 404 no
such packet, or not finished. A refusal carries no part of the file.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from api.context import credential, identify
from domain.identity.tokens import TokenCodec
from domain.packet import build, links, services
from domain.roles import Capability

MAX_ID = 2**63 - 1


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _packet_id(request: Request) -> int | None:
    value = request.path_params["packet_id"]
    if not (value.isascii() and value.isdigit() and len(value) <= 19):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def routes(codec: TokenCodec) -> list[Route]:
    async def download(request: Request) -> Response:
        caller = await identify(codec, credential(request.headers))
        principal = caller.principal
        if principal is None:
            return _error(401, "unauthenticated", "send your bearer token or API key")
        packet_id = _packet_id(request)
        if packet_id is None:
            return _error(404, "not_found", "no such audit packet")
        refusal = links.check(packet_id, request.query_params.get("token", ""))
        if refusal == links.LinkRefusal.EXPIRED:
            return _error(410, "link_expired", "this link has expired; ask for a new one")
        if refusal is not None:
            return _error(403, "link_invalid", "this link is not valid")
        row = await services.packet(packet_id)
        if row is None:
            return _error(404, "not_found", "no such audit packet")
        if not principal.can(Capability.AUDIT_PACKETS, row.location_id):
            return _error(403, "forbidden", "only compliance and auditors may download packets")
        path = build.file_of(row)
        if path is None or row.file_name is None:
            return _error(404, "not_ready", f"the packet is {row.status}, not downloadable")
        return FileResponse(
            path,
            media_type="application/zip",
            filename=row.file_name,
            headers={"ETag": f'"{row.sha256}"', "Cache-Control": "private, no-store"},
        )

    return [Route("/audit-packets/{packet_id}/download", download, methods=["GET"])]
