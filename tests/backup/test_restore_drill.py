"""The restore drill: back up, keep selling, restore into a new database, and get back exactly
the books as they were at the backup, with every hash chain intact and the keys in place."""

from __future__ import annotations

import asyncio
import io
import os
import sys
import tarfile
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from cryptography.fernet import Fernet

from domain import db
from domain.backup import books
from domain.databases import create_database, drop_database
from domain.inventory import stock
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.conftest import TEST_DATABASE_URL
from tests.support.units import new_uow

RESTORED = f"{urlsplit(TEST_DATABASE_URL).path.strip('/')}_restored"


def _url(database: str) -> str:
    return urlunsplit(urlsplit(TEST_DATABASE_URL)._replace(path=f"/{database}"))


async def _cli(data_dir: Path, *args: str) -> tuple[int, str]:
    env = {**os.environ, "LEAFLEDGER_DATABASE_URL": TEST_DATABASE_URL}
    env["LEAFLEDGER_DATA_DIR"] = str(data_dir)
    for key in ("LEAFLEDGER_CREDENTIALS_KEY", "LEAFLEDGER_SECRET_KEY"):
        env.pop(key, None)  # the keys come from the data folder, as in a default install
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def _move(world, grams: str) -> None:
    await stock.transfer_stock(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        stock.TransferStock(
            world.ca.location_id,
            world.tag,
            world.ca.zone(ZoneKind.VAULT),
            world.ca.zone(ZoneKind.SALES_FLOOR),
            Decimal(grams),
        ),
    )


async def _stock(url: str) -> list[books.StockLine]:
    conn = await asyncpg.connect(url)
    try:
        return await books.stock(conn)
    finally:
        await conn.close()


async def test_a_restored_backup_holds_the_stock_of_backup_time_with_chains_and_keys(
    world, tmp_path
):
    await _move(world, "2")
    async with db.connection() as conn:
        at_backup = await books.stock(conn)
    source, target = tmp_path / "store", tmp_path / "standby"
    source.mkdir()
    (source / "credentials_key").write_bytes(Fernet.generate_key())  # state logins' key
    code, said = await _cli(source, "backup", "--output", str(tmp_path / "backups"))
    assert code == 0, said
    (archive,) = (tmp_path / "backups").glob("leafledger-*.tar")
    assert archive.stat().st_mode & 0o777 == 0o600  # it holds the keys

    await _move(world, "3")  # the store keeps trading after the backup
    await drop_database(_url("postgres"), RESTORED)
    await create_database(_url("postgres"), RESTORED)
    try:
        code, said = await _cli(target, "restore", str(archive), "--database-url", _url(RESTORED))
        assert code == 0, said
        assert "the copy is good" in said
        restored = await _stock(_url(RESTORED))
        assert restored == at_backup  # 8 g in the vault and 2 on the floor, not 5 and 5
        assert restored != await _stock(TEST_DATABASE_URL)
        for key in ("secret_key", "credentials_key"):
            assert (target / key).read_bytes() == (source / key).read_bytes()

        again, said = await _cli(target, "restore", str(archive), "--database-url", _url(RESTORED))
        assert again != 0  # never over a live copy
        assert "empty database" in said
    finally:
        await drop_database(_url("postgres"), RESTORED)


async def test_a_backup_altered_after_it_was_written_is_refused(world, tmp_path):
    code, said = await _cli(tmp_path / "store", "backup", "--output", str(tmp_path / "b"))
    assert code == 0, said
    (archive,) = (tmp_path / "b").glob("leafledger-*.tar")
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(archive) as original, tarfile.open(tampered, "w") as copy:
        for member in original.getmembers():
            data = original.extractfile(member)
            if member.name == "stock.csv" and data is not None:
                text = data.read().replace(b",10.000", b",11.000").replace(b",8.000", b",9.000")
                member.size = len(text)
                copy.addfile(member, fileobj=io.BytesIO(text))
            else:
                copy.addfile(member, data)
    await drop_database(_url("postgres"), RESTORED)
    await create_database(_url("postgres"), RESTORED)
    try:
        code, said = await _cli(
            tmp_path / "other", "restore", str(tampered), "--database-url", _url(RESTORED)
        )
    finally:
        await drop_database(_url("postgres"), RESTORED)
    assert code != 0
    assert "stock.csv does not match its SHA-256" in said
