"""Washington CCRS upload files: the seven retail layouts, written and read back exactly.

Why this package exists: Washington's Cannabis Central Reporting System has no API for licensees;
a store's compliance officer uploads CSV files through the state portal every week (Sunday to
Saturday, due the following Sunday) and learns about errors by e-mail, hours or days later, with
no receipt on upload. LeafLedger therefore generates those files from its ledger. This package is
the file format only: pure functions over values the caller passes, no database and no I/O.

* ``layouts``: one frozen dataclass per file type, columns in the state's order, with sources;
* ``vocabulary``: the state's file types and enumerated values;
* ``codecs``: how each value becomes a cell and back (dates, decimals, booleans, enums);
* ``csvfile``: ``render`` and ``parse`` of whole files, and their names;
* ``weeks``: the reporting week and its due date in the store's time zone;
* ``adjustments``: our adjustment reasons in the state's vocabulary.
"""

from __future__ import annotations

from plugins.builtin.ccrs_files.adjustments import (
    ADJUSTMENT_REASONS,
    adjustment_detail,
    adjustment_row,
    ccrs_reason,
    our_reason_from_detail,
)
from plugins.builtin.ccrs_files.codecs import CcrsFormatError, Operation
from plugins.builtin.ccrs_files.csvfile import (
    CCRS_TIMEZONE,
    CcrsFile,
    FileName,
    ParsedFile,
    file_name,
    parse,
    parse_file_name,
    render,
)
from plugins.builtin.ccrs_files.layouts import (
    ROW_TYPES,
    AreaRow,
    CcrsRow,
    InventoryAdjustmentRow,
    InventoryRow,
    InventoryTransferRow,
    ProductRow,
    SaleRow,
    StrainRow,
)
from plugins.builtin.ccrs_files.vocabulary import (
    CcrsAdjustmentReason,
    FileKind,
    InventoryCategory,
    SaleType,
    StrainType,
)
from plugins.builtin.ccrs_files.weeks import PACIFIC, Week, reporting_week, week_of

__all__ = [
    "ADJUSTMENT_REASONS",
    "CCRS_TIMEZONE",
    "PACIFIC",
    "ROW_TYPES",
    "AreaRow",
    "CcrsAdjustmentReason",
    "CcrsFile",
    "CcrsFormatError",
    "CcrsRow",
    "FileKind",
    "FileName",
    "InventoryAdjustmentRow",
    "InventoryCategory",
    "InventoryRow",
    "InventoryTransferRow",
    "Operation",
    "ParsedFile",
    "ProductRow",
    "SaleRow",
    "SaleType",
    "StrainRow",
    "StrainType",
    "Week",
    "adjustment_detail",
    "adjustment_row",
    "ccrs_reason",
    "file_name",
    "our_reason_from_detail",
    "parse",
    "parse_file_name",
    "render",
    "reporting_week",
    "week_of",
]
