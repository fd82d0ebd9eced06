"""``leafledger backup`` and ``leafledger restore``: thin commands over ``domain.backup``."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from domain import settings
from domain.backup.archive import BackupError, backup, restore


def cmd_backup(args: argparse.Namespace) -> None:
    config = settings.load()
    if not config.database_url:
        raise SystemExit("set LEAFLEDGER_DATABASE_URL")
    try:
        path, manifest = asyncio.run(backup(config.database_url, config.data_dir, args.output))
    except BackupError as error:
        raise SystemExit(f"backup failed: {error}") from None
    print(f"wrote {path} (mode 0600: it holds the data folder's keys)")
    for head in manifest.heads:
        print(
            f"  location {head.location_id}: {head.packages} packages,"
            f" {head.movements} movements, chain digest {head.digest}"
        )


def cmd_restore(args: argparse.Namespace) -> None:
    database_url, data_dir = settings.storage()
    target = args.database_url or database_url
    if not target:
        raise SystemExit("give --database-url (an empty database) or set LEAFLEDGER_DATABASE_URL")
    try:
        report = asyncio.run(restore(args.archive, target, data_dir))
    except BackupError as error:
        raise SystemExit(f"restore refused: {error}") from None
    print(f"restored the backup of {report.manifest.created_at} into {target}")
    if report.keys_restored:
        print(f"  keys placed in {data_dir}: {', '.join(report.keys_restored)}")
    print(f"  hash chains re-computed: {report.packages} packages, {report.movements} movements")
    for package, sequence, reason in report.broken_chains:
        print(f"  BROKEN: package {package} at movement {sequence}: {reason}")
    for difference in report.differences:
        print(
            f"  DIFFERS: {difference.what}: backup {difference.expected},"
            f" restored {difference.found}"
        )
    if not report.ok:
        raise SystemExit("the restored copy does not match the backup")
    print("  stock and chain heads equal the backup's: the copy is good")


def add_commands(sub: Any) -> None:
    made = sub.add_parser("backup", help="pg_dump + keys + a manifest of stock and chain heads")
    made.add_argument("--output", type=Path, default=Path("backups"))
    made.set_defaults(func=cmd_backup)
    back = sub.add_parser("restore", help="restore a backup into an empty database and prove it")
    back.add_argument("archive", type=Path)
    back.add_argument("--database-url", default=None)
    back.set_defaults(func=cmd_restore)
