"""Error codes the BioTrack double answers with, and the exception that carries them.

Why this module exists: BioTrack reports every failure as HTTP 200 with
``{"success": 0, "errorcode": N, "error": "..."}`` [c], but its list of codes is not public.
Two codes are seen in public client code (OpenTHC's cre-adapter quotes NM answers
"#63: You provided an invalid location license number." and "#602: The barcode identifier could
not be found under the specified license number or has already been received.") [s]; we reuse
those two. Every other code is the double's own choice [u] (9xx, so it cannot be mistaken for a
real one) and is stable: tests and the BioTrack plugin may assert on them.

The session-expiry message matches ``/session.+expired/``, the pattern public clients (OpenTHC)
use to notice an expired session [s].
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ErrorCode(IntEnum):
    """Stable ``errorcode`` values. Real BioTrack codes only where noted."""

    # request envelope (validation.py)
    MALFORMED_REQUEST = 901  # body is not a JSON object
    API_VERSION = 902  # "API" is not the string "4.0"
    UNKNOWN_ACTION = 903  # "action" missing or not an action the double knows
    MISSING_FIELD = 904  # a required key is absent
    INVALID_FIELD = 905  # a key has the wrong type or shape
    NONCE_REQUIRED = 906  # "nonce" missing, not a string, or empty
    DUPLICATE_NONCE = 907  # nonce already processed (only with duplicate_nonce="reject")
    NONCE_NOT_FOUND = 908  # nonce_replay: no stored result for that nonce
    TRAINING_INVALID = 909  # "training" present but not 0 or 1
    # authentication
    LOGIN_FAILED = 910  # unknown license / username / wrong password
    SESSION_INVALID = 911  # sessionid missing or never issued
    SESSION_EXPIRED = 912  # sessionid issued but expired (or expired by a fault)
    # field values
    BARCODE_INVALID = 920  # barcodeid is not exactly 16 digits
    QUANTITY_INVALID = 921  # not a positive decimal (number or numeric string)
    REASON_INVALID = 922  # inventory_adjust type not in 1..6, or reason text missing
    UOM_INVALID = 923  # unit not one of g, mg, kg, oz, lb, each
    PRICE_INVALID = 924  # price not a decimal (or not negative on a refund, see config)
    SALE_TIME_INVALID = 925  # sale_time not a unix timestamp, or in the future
    # domain rules (actions.py)
    ITEM_NOT_FOUND = 930  # barcode unknown under the session's license
    INSUFFICIENT_QUANTITY = 931  # would take an item below zero
    ROOM_NOT_FOUND = 932  # inventory_move to a room the license does not have
    ITEM_NOT_ACTIVE = 933  # destroyed, or scheduled for destruction and being sold
    UOM_MISMATCH = 934  # unit differs from the item's unit (the double never converts)
    SALE_NOT_FOUND = 940  # transactionid is not a sale of this license
    SALE_VOIDED = 941  # sale already voided
    REFUND_EXCEEDS_SALE = 942  # more refunded than was sold on that sale
    NOT_SCHEDULED = 950  # inventory_destroy on an item never scheduled
    HOLD_NOT_ELAPSED = 951  # inventory_destroy before the hold period ended
    ALREADY_SCHEDULED = 952  # inventory_destroy_schedule twice without override=1
    # real BioTrack codes [s]
    INVALID_LOCATION = 63  # "location" is not a license number the request may use
    MANIFEST_ITEM_NOT_FOUND = 602  # inbound barcode not on a pending manifest for this license


MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.SESSION_EXPIRED: "Your session has expired. Please log in again.",
    ErrorCode.SESSION_INVALID: "Invalid session. Please log in.",
    ErrorCode.LOGIN_FAILED: "Invalid login credentials.",
    ErrorCode.INVALID_LOCATION: "You provided an invalid location license number.",
    ErrorCode.MANIFEST_ITEM_NOT_FOUND: (
        "The barcode identifier could not be found under the specified license number "
        "or has already been received."
    ),
}


class ApiError(Exception):
    """A BioTrack-style failure: becomes ``{"success": 0, "errorcode": code, "error": message}``."""

    def __init__(self, code: ErrorCode, message: str | None = None) -> None:
        self.code = code
        self.message = message or MESSAGES.get(code, code.name.replace("_", " ").capitalize())
        super().__init__(f"{int(code)}: {self.message}")

    def body(self) -> dict[str, Any]:
        return {"success": 0, "errorcode": int(self.code), "error": self.message}
