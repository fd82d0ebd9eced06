"""Checks every request against what BioTrack v4 publishes before the double acts on it.

Why this module exists: the double is only useful if it refuses what the real API would refuse.
``check_envelope`` covers what every request carries (JSON object, ``API`` "4.0", a known
``action``, ``training`` 0/1, ``nonce``, ``sessionid``); ``check_fields`` covers each action's
keys and normalises them into plain Python values (``Decimal`` quantities, ``int`` rooms, lists
of lines) for ``actions.py``. Failures raise ``ApiError`` with a stable code from ``codes.py``;
the app records them as invalid requests so a test can assert the client sent none.

Where the v4 documentation is looser than one shape (``data`` as one object or a list, a single
barcode string or a list, numbers or numeric strings), the double accepts both and writes a note
in ``Checked.notes``; quantity/price encodings land in ``Checked.encodings`` so tests can pin
which one our client sends.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from .codes import ApiError, ErrorCode
from .records import ADJUST_TYPES, DESTROY_REASONS, UNITS, DoubleConfig

BARCODE = re.compile(r"[0-9]{16}")
DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
INT_TEXT = re.compile(r"[0-9]+")
SALE_TIME_SKEW = 300  # seconds a sale_time may run ahead of the double's clock

Encoding = Literal["number", "string"]


@dataclass
class Envelope:
    body: dict[str, Any]
    action: str
    nonce: str | None
    sessionid: str | None
    training: int | None


@dataclass
class Checked:
    """A request's action-specific fields, normalised; plus what the double noticed."""

    fields: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    encodings: dict[str, Encoding] = field(default_factory=dict)


@dataclass
class _Ctx:
    config: DoubleConfig
    now: int
    out: Checked


# -- field helpers ---------------------------------------------------------------------------


def _need(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj or obj[key] is None:
        raise ApiError(ErrorCode.MISSING_FIELD, f"Missing required field: {where}{key}")
    return obj[key]


def _text(value: Any, where: str, code: ErrorCode = ErrorCode.INVALID_FIELD) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ApiError(code, f"{where} must be a non-empty string")
    return value


def _ident(value: Any, where: str, ctx: _Ctx) -> str:
    """License numbers and terminal ids: strings; integers accepted with a note."""
    if isinstance(value, int) and not isinstance(value, bool):
        ctx.out.notes.append(f"{where} sent as a number")
        return str(value)
    return _text(value, where)


def _barcode(value: Any, where: str) -> str:
    if not isinstance(value, str) or not BARCODE.fullmatch(value):
        raise ApiError(
            ErrorCode.BARCODE_INVALID,
            f"{where} must be a 16-digit barcode string, got {value!r}",
        )
    return value


def _int(value: Any, where: str, ctx: _Ctx, code: ErrorCode = ErrorCode.INVALID_FIELD) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and INT_TEXT.fullmatch(value):
        ctx.out.notes.append(f"{where} sent as a numeric string")
        return int(value)
    raise ApiError(code, f"{where} must be an integer, got {value!r}")


def _flag(value: Any, where: str, ctx: _Ctx) -> int:
    flag = _int(value, where, ctx)
    if flag not in (0, 1):
        raise ApiError(ErrorCode.INVALID_FIELD, f"{where} must be 0 or 1")
    return flag


def _decimal(value: Any, where: str, ctx: _Ctx, code: ErrorCode) -> Decimal:
    """A decimal sent as a JSON number or a numeric string; records which."""
    allowed = ctx.config.quantity_encoding
    if isinstance(value, int | float) and not isinstance(value, bool):
        encoding: Encoding = "number"
        number = Decimal(str(value))
    elif isinstance(value, str) and DECIMAL_TEXT.fullmatch(value):
        encoding = "string"
        number = Decimal(value)
    else:
        raise ApiError(code, f"{where} must be a decimal number, got {value!r}")
    if allowed != "any" and encoding != allowed:
        raise ApiError(code, f"{where} must be sent as a JSON {allowed}, got {value!r}")
    if not number.is_finite():
        raise ApiError(code, f"{where} must be finite")
    ctx.out.encodings[where] = encoding
    return number


def _quantity(value: Any, where: str, ctx: _Ctx, *, allow_zero: bool = False) -> Decimal:
    number = _decimal(value, where, ctx, ErrorCode.QUANTITY_INVALID)
    if number < 0 or (number == 0 and not allow_zero):
        raise ApiError(ErrorCode.QUANTITY_INVALID, f"{where} must be positive, got {value!r}")
    return number


def _uom(value: Any, where: str) -> str:
    if value not in UNITS:
        raise ApiError(ErrorCode.UOM_INVALID, f"{where} must be one of {sorted(UNITS)}")
    return str(value)


def _lines(body: dict[str, Any], ctx: _Ctx, key: str = "data") -> list[dict[str, Any]]:
    raw = _need(body, key, "")
    if isinstance(raw, dict):
        ctx.out.notes.append(f"{key} sent as one object, not a list")
        raw = [raw]
    if not isinstance(raw, list) or not raw or not all(isinstance(r, dict) for r in raw):
        raise ApiError(ErrorCode.INVALID_FIELD, f"{key} must be a non-empty list of objects")
    return raw


def _barcodes(body: dict[str, Any], ctx: _Ctx) -> list[str]:
    raw = _need(body, "barcodeid", "")
    if isinstance(raw, str):
        ctx.out.notes.append("barcodeid sent as one string, not a list")
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise ApiError(ErrorCode.INVALID_FIELD, "barcodeid must be a non-empty list")
    return [_barcode(b, f"barcodeid[{n}]") for n, b in enumerate(raw)]


def _optional(body: dict[str, Any], key: str, read: Callable[[Any], Any]) -> Any:
    return read(body[key]) if body.get(key) is not None else None


# -- per action ------------------------------------------------------------------------------


def _login(b: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    return {
        "license_number": _ident(_need(b, "license_number", ""), "license_number", ctx),
        "username": _text(_need(b, "username", ""), "username"),
        "password": _text(_need(b, "password", ""), "password"),
    }


def _adjust(b: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    if "data" in b:
        raw = _lines(b, ctx)
    else:
        ctx.out.notes.append("inventory_adjust fields sent at the top level, not in data")
        raw = [b]
    absolute = ctx.config.adjust_quantity_semantics == "absolute"
    lines = []
    for n, line in enumerate(raw):
        at = f"data[{n}]."
        if line.get("remove_quantity") is not None:
            sent_as = "remove_quantity"
            qty = _quantity(line["remove_quantity"], at + sent_as, ctx)
            uom = line.get("remove_quantity_uom") or line.get("quantity_uom")
        else:
            sent_as = "quantity"
            qty = _quantity(_need(line, "quantity", at), at + sent_as, ctx, allow_zero=absolute)
            uom = line.get("quantity_uom")
        adjust_type = line.get("type", b.get("type"))
        reason = line.get("reason", b.get("reason"))
        if adjust_type is None:
            raise ApiError(ErrorCode.REASON_INVALID, f"{at}type is required (1..6)")
        kind = _int(adjust_type, at + "type", ctx, ErrorCode.REASON_INVALID)
        if kind not in ADJUST_TYPES:
            raise ApiError(ErrorCode.REASON_INVALID, f"{at}type must be 1..6, got {kind}")
        lines.append(
            {
                "barcodeid": _barcode(_need(line, "barcodeid", at), at + "barcodeid"),
                "quantity": qty,
                "sent_as": sent_as,
                "uom": _uom(uom, at + f"{sent_as}_uom"),
                "type": kind,
                "reason": _text(reason, at + "reason", ErrorCode.REASON_INVALID),
            }
        )
    return {"lines": lines}


def _move(b: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    return {
        "lines": [
            {
                "barcodeid": _barcode(
                    _need(line, "barcodeid", f"data[{n}]."), f"data[{n}].barcodeid"
                ),
                "room": _int(_need(line, "room", f"data[{n}]."), f"data[{n}].room", ctx),
            }
            for n, line in enumerate(_lines(b, ctx))
        ]
    }


def _sale_time(b: dict[str, Any], ctx: _Ctx) -> int | None:
    if b.get("sale_time") is None:
        return None
    when = _int(b["sale_time"], "sale_time", ctx, ErrorCode.SALE_TIME_INVALID)
    if when <= 0 or when > ctx.now + SALE_TIME_SKEW:
        raise ApiError(ErrorCode.SALE_TIME_INVALID, "sale_time must not be in the future")
    return when


def _sale_lines(b: dict[str, Any], ctx: _Ctx, *, refund: bool) -> list[dict[str, Any]]:
    lines = []
    for n, line in enumerate(_lines(b, ctx)):
        at = f"data[{n}]."
        qty = _quantity(_need(line, "quantity", at), at + "quantity", ctx)
        if ctx.config.sale_quantity_integer_only and qty != qty.to_integral_value():
            raise ApiError(ErrorCode.QUANTITY_INVALID, f"{at}quantity must be a whole number")
        price = _decimal(_need(line, "price", at), at + "price", ctx, ErrorCode.PRICE_INVALID)
        if refund and ctx.config.refund_price_must_be_negative and price > 0:
            raise ApiError(ErrorCode.PRICE_INVALID, f"{at}price must be negative on a refund")
        if not refund and price < 0:
            raise ApiError(ErrorCode.PRICE_INVALID, f"{at}price must not be negative")
        lines.append(
            {
                "barcodeid": _barcode(_need(line, "barcodeid", at), at + "barcodeid"),
                "quantity": qty,
                "price": price,
                "item_number": None
                if line.get("item_number") is None
                else _int(line["item_number"], at + "item_number", ctx),
            }
        )
    return lines


def _dispense(b: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    terminal = b.get("terminal_id")
    if terminal is None and ctx.config.require_terminal_id:
        raise ApiError(ErrorCode.MISSING_FIELD, "Missing required field: terminal_id")
    return {
        "terminal_id": None if terminal is None else _ident(terminal, "terminal_id", ctx),
        "sale_time": _sale_time(b, ctx),
        "lines": _sale_lines(b, ctx, refund=False),
    }


def _refund(b: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    return {
        "transactionid": _int(_need(b, "transactionid", ""), "transactionid", ctx),
        "terminal_id": _optional(b, "terminal_id", lambda v: _ident(v, "terminal_id", ctx)),
        "sale_time": _sale_time(b, ctx),
        "lines": _sale_lines(b, ctx, refund=True),
    }


def _void(b: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    return {"transactionid": _int(_need(b, "transactionid", ""), "transactionid", ctx)}


def _reason_code(value: Any, ctx: _Ctx) -> int:
    """reason_extended: a destruction reason code, 0..7 in public clients' lists [s]."""
    code = _int(value, "reason_extended", ctx, ErrorCode.REASON_INVALID)
    if code not in DESTROY_REASONS:
        raise ApiError(ErrorCode.REASON_INVALID, f"reason_extended must be 0..7, got {code}")
    return code


def _schedule(b: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    return {
        "barcodeids": _barcodes(b, ctx),
        "reason": _text(_need(b, "reason", ""), "reason"),
        "reason_extended": _optional(b, "reason_extended", lambda v: _reason_code(v, ctx)),
        "override": _optional(b, "override", lambda v: _flag(v, "override", ctx)) or 0,
    }


def _destroy(b: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    return {
        "barcodeids": _barcodes(b, ctx),
        "reason": _optional(b, "reason", lambda v: _text(v, "reason")),
        "override": _optional(b, "override", lambda v: _flag(v, "override", ctx)) or 0,
    }


def _inbound(b: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    lines = []
    for n, line in enumerate(_lines(b, ctx)):
        at = f"data[{n}]."
        if "uom" not in line and "quantity_uom" in line:
            ctx.out.notes.append(f"{at}quantity_uom sent instead of uom")
        lines.append(
            {
                "barcodeid": _barcode(_need(line, "barcodeid", at), at + "barcodeid"),
                "quantity": _quantity(_need(line, "quantity", at), at + "quantity", ctx),
                "uom": _uom(line.get("uom", line.get("quantity_uom")), at + "uom"),
            }
        )
    return {"location": _ident(_need(b, "location", ""), "location", ctx), "lines": lines}


def _manifest_lookup(b: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    return {"location": _ident(_need(b, "location", ""), "location", ctx)}


def _sync(b: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    return {
        "start": _optional(b, "transaction_start", lambda v: _int(v, "transaction_start", ctx)),
        "end": _optional(b, "transaction_end", lambda v: _int(v, "transaction_end", ctx)),
        "active": _optional(b, "active", lambda v: _flag(v, "active", ctx)) or 0,
        "download": _optional(b, "download", lambda v: _flag(v, "download", ctx)),
    }


def _nothing(b: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class ActionSpec:
    write: bool  # takes a transaction id; its nonce is stored for replay
    fields: Callable[[dict[str, Any], _Ctx], dict[str, Any]]


ACTIONS: dict[str, ActionSpec] = {
    "login": ActionSpec(False, _login),
    "nonce_replay": ActionSpec(False, _nothing),
    "inventory_adjust": ActionSpec(True, _adjust),
    "inventory_move": ActionSpec(True, _move),
    "sale_dispense": ActionSpec(True, _dispense),
    "sale_refund": ActionSpec(True, _refund),
    "sale_void": ActionSpec(True, _void),
    "inventory_destroy_schedule": ActionSpec(True, _schedule),
    "inventory_destroy": ActionSpec(True, _destroy),
    "inventory_transfer_inbound": ActionSpec(True, _inbound),
    "inventory_manifest_lookup": ActionSpec(False, _manifest_lookup),
    "sync_inventory": ActionSpec(False, _sync),
    "sync_sale": ActionSpec(False, _sync),
}


def check_envelope(body: Any, config: DoubleConfig) -> Envelope:
    """What every request carries. Order: shape, API, action, training, nonce, sessionid."""
    if not isinstance(body, dict):
        raise ApiError(ErrorCode.MALFORMED_REQUEST, "Request body must be a JSON object")
    if body.get("API") != "4.0":
        raise ApiError(ErrorCode.API_VERSION, f'API must be "4.0", got {body.get("API")!r}')
    action = body.get("action")
    if not isinstance(action, str) or action not in ACTIONS:
        raise ApiError(ErrorCode.UNKNOWN_ACTION, f"Unknown action: {action!r}")
    training = body.get("training")
    if training is None and config.require_training_flag:
        raise ApiError(ErrorCode.TRAINING_INVALID, "training (0 or 1) is required")
    if training is not None and (isinstance(training, bool) or training not in (0, 1)):
        raise ApiError(ErrorCode.TRAINING_INVALID, f"training must be 0 or 1, got {training!r}")
    nonce = body.get("nonce")
    needs_nonce = ACTIONS[action].write or action == "nonce_replay"
    checked = needs_nonce or config.require_nonce_on_reads or nonce is not None
    if checked and (not isinstance(nonce, str) or not nonce.strip()):
        raise ApiError(ErrorCode.NONCE_REQUIRED, "nonce must be a non-empty string")
    sessionid = body.get("sessionid")
    if action != "login" and (not isinstance(sessionid, str) or not sessionid):
        raise ApiError(ErrorCode.SESSION_INVALID, "sessionid is required; please log in")
    return Envelope(body, action, nonce, sessionid if action != "login" else None, training)


def check_fields(envelope: Envelope, config: DoubleConfig, now: int) -> Checked:
    """The action's own keys, normalised; raises ApiError on the first problem."""
    out = Checked()
    out.fields = ACTIONS[envelope.action].fields(envelope.body, _Ctx(config, now, out))
    return out
