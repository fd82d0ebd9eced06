"""Whole CCRS upload files: name, preamble, header and rows, written and read back exactly.

Why this module exists: CCRS gives no receipt on upload and answers hours or days later by
e-mail, so a file it cannot read costs a week. ``render`` writes exactly what the state's
templates show and says, in ``CcrsFile.warnings``, what the state is known to reject; ``parse``
reads a file back (ours, or one the compliance officer edited) into typed rows, refusing anything
malformed, so that tests and reconciliation compare data, not strings.

Layout decisions (sources in ``layouts.py``; [s] = secondary sources only):

* three preamble rows ``SubmittedBy,<name>`` / ``SubmittedDate,<MM/DD/YYYY>`` /
  ``NumberRecords,<n>``, each padded with empty cells to the header's width as the templates are
  (``SubmittedBy,,,,,,,,``) and as OpenTHC sends them [s]; ``parse`` accepts them unpadded too;
* CRLF line endings: the templates are CRLF-terminated and OpenTHC writes CRLF [s]; ``parse``
  accepts LF and CR LF alike, and a leading UTF-8 BOM (spreadsheets add one);
* quoting: RFC 4180, minimal (only cells holding a comma, a double quote, CR or LF). OpenTHC
  strips commas and quotes instead because "the LCB system is confused by quoted fields" (2021,
  https://github.com/openthc/cre-adapter/blob/a3d679f3d63ba458e34e7dc429783ac1d6d1730f/lib/CCRS.php
  ``fputcsv_stupidly``) [s]. We keep the text exact and list every quoted cell in ``warnings``
  so the operator can fix the source text (a product name, a note) before uploading;
* file name ``{Type}_{License}_{YYYYMMDDHHMMSS}.csv``: the guide's
  ``UploadType_LicenseNumber_YYYYMMDDHHMMSS`` with the type spelled as in the templates and the
  LCB API guide's examples (``Area_..._20260101120000.csv``). The timestamp is ``submitted_at``
  on the Pacific wall clock, to the second: the CCRS FAQ says "the file name should be referenced
  in PST". The state rejects a duplicate file name: never render two files of one type for one
  license in the same second.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from zoneinfo import ZoneInfo

from plugins.builtin.ccrs_files.codecs import (
    CcrsFormatError,
    Operation,
    Text,
    format_date,
    parse_date,
)
from plugins.builtin.ccrs_files.layouts import LEGACY_HEADERS, ROW_TYPES, CcrsRow
from plugins.builtin.ccrs_files.vocabulary import FileKind

CCRS_TIMEZONE = "America/Los_Angeles"
LINE_END = "\r\n"
SUBMITTED_BY_MAX_LENGTH = 35  # GUIDE p.7 [s]
_PREAMBLE = ("SubmittedBy", "SubmittedDate", "NumberRecords")
_NAME = re.compile(r"([A-Za-z]+)_([0-9A-Za-z]+)_(\d{14})\.csv", re.IGNORECASE)
_LICENSE_IN_NAME = re.compile(r"[0-9A-Za-z]+")
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')
_FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class CcrsFile:
    """A rendered upload file, ready for the compliance officer to download."""

    kind: FileKind
    name: str
    content: str
    number_records: int
    warnings: tuple[str, ...] = ()

    def encode(self) -> bytes:
        """The bytes to offer for download: UTF-8, no BOM."""
        return self.content.encode("utf-8")


@dataclass(frozen=True)
class ParsedFile:
    """A CCRS file read back: its preamble values, its header as written, and typed rows."""

    kind: FileKind
    submitted_by: str
    submitted_date: date
    number_records: int
    header: tuple[str, ...]
    rows: tuple[CcrsRow, ...]


@dataclass(frozen=True)
class FileName:
    kind: FileKind
    license_number: str
    timestamp: datetime  # aware, Pacific time


def file_name(kind: FileKind | str, license_number: str, at: datetime) -> str:
    """``Sale_412345_20261128233000.csv`` for an instant on Saturday 28 Nov 2026, 23:30 Pacific."""
    if _LICENSE_IN_NAME.fullmatch(license_number) is None:
        raise CcrsFormatError(f"license number {license_number!r} must be letters and digits")
    local = _aware(at, "at").astimezone(ZoneInfo(CCRS_TIMEZONE))
    return f"{FileKind.of(kind).value}_{license_number}_{local:%Y%m%d%H%M%S}.csv"


def parse_file_name(name: str) -> FileName:
    """Read a file name back (e.g. the one quoted in a CCRS error e-mail)."""
    match = _NAME.fullmatch(name.rsplit("/", 1)[-1])
    if match is None:
        raise CcrsFormatError(f"{name!r} is not named Type_License_YYYYMMDDHHMMSS.csv")
    kind, license_number, stamp = match.groups()
    try:
        local = datetime.strptime(stamp, "%Y%m%d%H%M%S")
    except ValueError:
        raise CcrsFormatError(f"{name!r} has no valid timestamp") from None
    return FileName(
        FileKind.of(kind), license_number, local.replace(tzinfo=ZoneInfo(CCRS_TIMEZONE))
    )


def render(
    kind: FileKind | str,
    license_number: str,
    submitted_by: str,
    submitted_at: datetime,
    rows: Iterable[CcrsRow],
) -> CcrsFile:
    """Write one upload file of ``kind`` for ``license_number`` (a licensee's own number).

    ``submitted_at`` (aware) gives both SubmittedDate and the file name's timestamp, in Pacific
    time. Raises ``CcrsFormatError`` for what cannot be written at all; anything the state is
    known to reject but that can be written goes to ``warnings``.
    """
    file_kind = FileKind.of(kind)
    row_type = ROW_TYPES[file_kind]
    records = tuple(rows)
    for index, row in enumerate(records, start=1):
        if type(row) is not row_type:
            raise CcrsFormatError(
                f"record {index} is a {type(row).__name__}; a {file_kind} file holds "
                f"{row_type.__name__} rows only"
            )
    Text(max_length=SUBMITTED_BY_MAX_LENGTH).check(submitted_by)
    if _NEEDS_QUOTES.search(submitted_by):
        raise CcrsFormatError("SubmittedBy must not contain commas, quotes or line breaks")
    name = file_name(file_kind, license_number, submitted_at)
    submitted_date = submitted_at.astimezone(ZoneInfo(CCRS_TIMEZONE)).date()

    header = row_type.header()
    padding = [""] * (len(header) - 2)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=LINE_END)
    writer.writerow(["SubmittedBy", submitted_by, *padding])
    writer.writerow(["SubmittedDate", format_date(submitted_date), *padding])
    writer.writerow(["NumberRecords", str(len(records)), *padding])
    writer.writerow(header)
    for row in records:
        writer.writerow(row.cells())

    warnings = _warnings(records, license_number, submitted_by, submitted_date)
    return CcrsFile(file_kind, name, buffer.getvalue(), len(records), tuple(warnings))


def parse(content: str, kind: FileKind | str | None = None) -> ParsedFile:
    """Read a CCRS upload file back into typed rows; ``kind``, if given, must match its header.

    Refuses, with a ``CcrsFormatError`` naming the row: a missing or mislabelled preamble, a bad
    SubmittedDate, a NumberRecords that differs from the data rows, an unknown header, a row with
    the wrong number of cells, and any cell its column's codec cannot read.
    """
    try:
        text = io.StringIO(content.removeprefix("\ufeff"), newline="")
        records = list(csv.reader(text, strict=True))
    except csv.Error as error:
        raise CcrsFormatError(f"not a readable CSV file: {error}") from None
    while records and not any(records[-1]):
        records.pop()  # trailing blank lines, as spreadsheets leave them
    if len(records) < 4:
        raise CcrsFormatError("a CCRS file needs three preamble rows and a header row")

    values = [_preamble_value(records[i], i, label) for i, label in enumerate(_PREAMBLE)]
    submitted_by, submitted_cell, number_cell = values
    if not submitted_by.strip():
        raise CcrsFormatError("row 1: SubmittedBy is empty")
    try:
        submitted_date = parse_date(submitted_cell)
    except CcrsFormatError as error:
        raise CcrsFormatError(f"row 2: SubmittedDate: {error}") from None
    if not number_cell.isdigit():
        raise CcrsFormatError(f"row 3: NumberRecords {number_cell!r} is not a whole number")
    number_records = int(number_cell)

    header = tuple(records[3])
    file_kind = _kind_of_header(header)
    if kind is not None and FileKind.of(kind) is not file_kind:
        raise CcrsFormatError(f"row 4: expected a {FileKind.of(kind)} header, found {file_kind}")
    data = records[4:]
    if number_records != len(data):
        raise CcrsFormatError(
            f"row 3: NumberRecords says {number_records} but the file has {len(data)} data rows"
        )

    row_type = ROW_TYPES[file_kind]
    rows: list[CcrsRow] = []
    for number, cells in enumerate(data, start=5):
        if len(cells) != len(header):
            raise CcrsFormatError(
                f"row {number}: has {len(cells)} cells, the header has {len(header)}"
            )
        try:
            rows.append(row_type.from_cells(cells))
        except CcrsFormatError as error:
            raise CcrsFormatError(f"row {number}: {error}") from None
    return ParsedFile(file_kind, submitted_by, submitted_date, number_records, header, tuple(rows))


def _preamble_value(cells: list[str], index: int, label: str) -> str:
    if len(cells) < 2 or cells[0].casefold() != label.casefold():
        raise CcrsFormatError(f"row {index + 1}: expected '{label},<value>'")
    if any(cells[2:]):
        raise CcrsFormatError(f"row {index + 1}: {label} has extra values after its own")
    return cells[1]


def _kind_of_header(header: tuple[str, ...]) -> FileKind:
    for file_kind, row_type in ROW_TYPES.items():
        if header == row_type.header():
            return file_kind
    if header in LEGACY_HEADERS:
        return LEGACY_HEADERS[header]
    raise CcrsFormatError(f"row 4: unknown CCRS header {','.join(header)!r}")


def _aware(at: datetime, what: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise CcrsFormatError(f"{what} must be an aware datetime (with a time zone)")
    return at


def _warnings(
    records: tuple[CcrsRow, ...], license_number: str, submitted_by: str, submitted_date: date
) -> list[str]:
    found: list[str] = []
    if not records:
        found.append("no records: the state expects no file when there is nothing to report")
    if len(submitted_by) > SUBMITTED_BY_MAX_LENGTH:
        found.append(f"SubmittedBy is over the state's {SUBMITTED_BY_MAX_LENGTH} characters")
    for index, row in enumerate(records, start=1):
        where = f"record {index}"
        for f, cell in zip(fields(row), row.cells(), strict=True):
            header, codec = f.metadata["header"], f.metadata["codec"]
            if _NEEDS_QUOTES.search(cell):
                found.append(
                    f"{where} {header}: holds a comma, quote or line break, so the cell is "
                    "quoted; the state's reader is reported to mishandle quoted cells"
                )
            if isinstance(codec, Text) and cell.startswith(_FORMULA_START):
                found.append(
                    f"{where} {header}: starts with {cell[0]!r}; a spreadsheet may "
                    "read it as a formula"
                )
            if isinstance(codec, Text) and len(cell) > codec.max_length:
                found.append(
                    f"{where} {header}: {len(cell)} characters, over the state's {codec.max_length}"
                )
        found.extend(f"{where}: {advice}" for advice in row.advice())
        own = getattr(row, "license_number", getattr(row, "to_license_number", license_number))
        if own != license_number:
            found.append(f"{where}: license {own} differs from the file's {license_number}")
        created = getattr(row, "created_date", None)
        is_insert = getattr(row, "operation", Operation.INSERT) is Operation.INSERT
        if is_insert and created is not None and created > submitted_date:
            found.append(f"{where}: CreatedDate is after SubmittedDate (refused on Insert)")
    return found
