"""``GET /display/{locationId}?key=…``: the self-contained floor display page for a store's TV.

The page is static (HTML, CSS and one small ES module, no build step); it authenticates its
GraphQL calls and its socket with the display key it was opened with, so the route itself
serves the same bytes to everyone and holds no stock.
"""

from __future__ import annotations

from importlib.resources import files

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_STATIC = files("api.display") / "static"
_TYPES = {"display.js": "text/javascript", "display.css": "text/css"}
_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    # Only our own scripts, styles and socket: a display is not a browser for anything else.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
        " img-src 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
}


async def page(request: Request) -> Response:
    location_id: int = request.path_params["location_id"]
    html = (_STATIC / "display.html").read_text().replace("{location_id}", str(location_id))
    return Response(html, media_type="text/html; charset=utf-8", headers=_HEADERS)


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in _TYPES:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response((_STATIC / name).read_bytes(), media_type=_TYPES[name], headers=_HEADERS)


def routes() -> list[Route]:
    return [
        Route("/display/static/{name:str}", asset),
        Route("/display/{location_id:int}", page),
    ]
