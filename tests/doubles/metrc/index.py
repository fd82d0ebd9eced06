"""Packages by LastModified, so a day's listing does not read a facility's whole history.

METRC answers ``lastModifiedStart..lastModifiedEnd`` from its own indexes; a double that scanned
every package for every window would make a 100,000-package reconciliation measure the double.
The index is rebuilt whenever any package was created or changed since it was built
(``records.PACKAGE_CHANGES``), which is rare while a listing is being paged through.
"""

from __future__ import annotations

import bisect
from datetime import UTC, datetime

from .records import PACKAGE_CHANGES, Package
from .rules import Store


def as_utc(value: datetime) -> datetime:
    """METRC times without an offset are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class LastModifiedIndex:
    def __init__(self) -> None:
        self._built: tuple[Store, int, dict[str, list[tuple[datetime, str]]]] | None = None

    def between(
        self, store: Store, license_number: str, first: datetime | None, last: datetime | None
    ) -> list[Package]:
        """The licence's packages with ``first <= LastModified <= last`` (None: unbounded).

        Call with the state's lock held: it reads the store as it is.
        """
        built = self._built
        if built is None or built[0] is not store or built[1] != PACKAGE_CHANGES[0]:
            index: dict[str, list[tuple[datetime, str]]] = {}
            for p in store.packages.values():
                index.setdefault(p.license_number, []).append((as_utc(p.last_modified), p.label))
            for rows in index.values():
                rows.sort()
            built = self._built = (store, PACKAGE_CHANGES[0], index)
        rows = built[2].get(license_number, [])
        low = 0 if first is None else bisect.bisect_left(rows, (as_utc(first), ""))
        high = len(rows) if last is None else bisect.bisect_right(rows, (as_utc(last), "\uffff"))
        return [store.packages[label] for _, label in rows[low:high]]
