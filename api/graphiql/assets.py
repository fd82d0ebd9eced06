"""GraphiQL's assets, served from this installation instead of a public CDN.

strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin from unpkg.com, with a
Subresource Integrity hash on each. A store's locked-down network (and these test machines) has
no route to unpkg, so the page would sit on "Loading...". ``scripts/bootstrap`` fetches the very
same files from the npm registry (``python -m api.graphiql.assets``) into the virtualenv, checks
each against the page's own integrity hash, and keeps each package's licence beside it; the page
is then served with those URLs pointing here, integrity attributes kept, so the browser checks
our copies too. ``LEAFLEDGER_GRAPHIQL_ASSETS=cdn`` opts back into unpkg.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import re
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from strawberry.http.ides import get_graphql_ide_html

REGISTRY = "https://registry.npmjs.org"
VENDOR = Path(sys.prefix) / "share" / "leafledger" / "graphiql"
PREFIX = "/graphiql/vendor/"
_ASSET = re.compile(
    r'(?:src|href)="https://unpkg\.com/(?P<package>(?:@[^/@]+/)?[^/@]+)@(?P<version>[^/"]+)/'
    r'(?P<path>[^"]+)"\s+integrity="(?P<integrity>sha\d+-[^"]+)"'
)


@dataclass(frozen=True)
class Asset:
    package: str
    version: str
    path: str
    integrity: str

    @property
    def cdn_url(self) -> str:
        return f"https://unpkg.com/{self.package}@{self.version}/{self.path}"

    @property
    def name(self) -> str:
        """Where it is served below ``PREFIX`` and kept below ``VENDOR``."""
        return f"{self.package}@{self.version}/{self.path}"


def page_assets(html: str | None = None) -> list[Asset]:
    """Every CDN asset the installed strawberry's GraphiQL page loads, with its integrity."""
    page = get_graphql_ide_html("graphiql") if html is None else html
    return [Asset(**m.groupdict()) for m in _ASSET.finditer(page)]


def _integrity_of(data: bytes, integrity: str) -> str:
    algorithm = integrity.split("-", 1)[0]
    digest = hashlib.new(algorithm, data).digest()
    return f"{algorithm}-{base64.b64encode(digest).decode()}"


def installed(vendor: Path = VENDOR) -> bool:
    return all((vendor / a.name).is_file() for a in page_assets())


def local_page(vendor: Path = VENDOR) -> str | None:
    """The GraphiQL page with every asset served from here (None: not installed)."""
    if not installed(vendor):
        return None
    html = get_graphql_ide_html("graphiql")
    for asset in page_assets(html):
        html = html.replace(asset.cdn_url, PREFIX + asset.name)
    return html


def media_type(name: str) -> str:
    return "text/css" if name.endswith(".css") else "text/javascript"


def read(name: str, vendor: Path = VENDOR) -> bytes | None:
    """An installed asset's bytes, only for names the page loads (no path games)."""
    if name not in {a.name for a in page_assets()} and not name.endswith("/LICENSE"):
        return None
    path = (vendor / name).resolve()
    if not path.is_relative_to(vendor.resolve()) or not path.is_file():
        return None
    return path.read_bytes()


MISSING_PAGE = """<!doctype html><title>GraphiQL</title>
<p>GraphiQL's scripts are not installed in this environment. Run <code>scripts/bootstrap</code>
(it fetches them from the npm registry), or set <code>LEAFLEDGER_GRAPHIQL_ASSETS=cdn</code> to load
them from unpkg.com. The GraphQL endpoint itself works either way.</p>"""


async def serve(request: Request) -> Response:
    """``GET /graphiql/vendor/{name}``: one installed asset (cached: the name pins its version)."""
    name = request.path_params["name"]
    data = await asyncio.to_thread(read, name)
    if data is None:
        return Response("not found", status_code=404, media_type="text/plain")
    kind = "text/plain" if name.endswith("/LICENSE") else media_type(name)
    return Response(
        data, media_type=kind, headers={"Cache-Control": "public, max-age=31536000, immutable"}
    )


def _tarball(package: str, version: str) -> bytes:
    base = package.rsplit("/", 1)[-1]
    url = f"{REGISTRY}/{package}/-/{base}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=60) as answer:
        return answer.read()


def _current(target: Path, integrity: str) -> bool:
    return target.is_file() and _integrity_of(target.read_bytes(), integrity) == integrity


def install(vendor: Path = VENDOR) -> list[str]:
    """Fetch, check and keep every asset the page loads (idempotent). Raises on a mismatch."""
    missing: dict[tuple[str, str], list[Asset]] = {}
    for asset in page_assets():
        if not _current(vendor / asset.name, asset.integrity):
            missing.setdefault((asset.package, asset.version), []).append(asset)
    done = []
    for (package, version), assets in missing.items():
        with tarfile.open(fileobj=io.BytesIO(_tarball(package, version)), mode="r:gz") as tar:
            for asset in assets:
                member = tar.extractfile(f"package/{asset.path}")
                if member is None:
                    raise RuntimeError(f"{asset.name} is not in the npm package")
                data = member.read()
                if _integrity_of(data, asset.integrity) != asset.integrity:
                    raise RuntimeError(f"{asset.name} does not match the integrity the page pins")
                target = vendor / asset.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                done.append(asset.name)
            (vendor / f"{package}@{version}" / "LICENSE").write_bytes(_licence(tar, package))
    return done


def _licence(tar: tarfile.TarFile, package: str) -> bytes:
    """The package's LICENSE file, or its package.json licence field when it ships none."""
    for name in ("package/LICENSE", "package/LICENSE.md", "package/license"):
        try:
            member = tar.extractfile(name)
        except KeyError:
            continue
        if member is not None:
            return member.read()
    manifest = tar.extractfile("package/package.json")
    spdx = json.load(manifest).get("license", "see package.json") if manifest else "unknown"
    return f"{package}: {spdx} licence (the npm package ships no LICENSE file)\n".encode()


if __name__ == "__main__":
    fetched = install()
    print(f"GraphiQL assets in {VENDOR}: {len(page_assets())} ({len(fetched)} fetched now)")
