"""Reading the generic adapters' JSON: ``{"events": [...]}`` with typed, path-named field errors.

Why it exists: both generic adapters (POS and delivery) share the envelope and the field rules,
and an integrator debugging a 400 needs to be told exactly which field of which event is wrong
("events[1].lines[0].quantity: must be a decimal string"). Shapes are checked here; values (a
negative quantity, three-decimal prices, a purchase limit) are the domain services' to refuse.
Unknown fields are ignored, so a sender may add fields without breaking older LeafLedgers.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from plugins.integrations import EVENT_ID_MAX_LENGTH, MalformedRequest, json_body

MAX_EVENTS = 100
MAX_LINES = 100

E = TypeVar("E", bound=enum.Enum)


class Fields:
    """One JSON object's fields, read by type; every error names the field's path."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise MalformedRequest(f"{path}: must be an object")
        self.data = data
        self.path = path

    def _where(self, name: str) -> str:
        return f"{self.path}.{name}"

    def _get(self, name: str, required: bool) -> Any:
        value = self.data.get(name)
        if value is None and required:
            raise MalformedRequest(f"{self._where(name)}: is required")
        return value

    def text(self, name: str, max_length: int) -> str:
        value = self.optional_text(name, max_length)
        if value is None:
            raise MalformedRequest(f"{self._where(name)}: is required")
        return value

    def optional_text(self, name: str, max_length: int) -> str | None:
        value = self._get(name, required=False)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise MalformedRequest(f"{self._where(name)}: must be a non-empty string")
        if len(value) > max_length:
            raise MalformedRequest(f"{self._where(name)}: at most {max_length} characters")
        return value

    def decimal(self, name: str, default: Decimal | None = None) -> Decimal:
        """A decimal string or a JSON number (read exactly, never through float)."""
        value = self._get(name, required=default is None)
        if value is None and default is not None:  # (with no default, _get refused a None)
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise MalformedRequest(f"{self._where(name)}: must be a decimal string")
        try:
            return value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except InvalidOperation:
            raise MalformedRequest(f"{self._where(name)}: {value!r} is not a number") from None

    def optional_integer(self, name: str, minimum: int, maximum: int) -> int | None:
        """An integer (or a string of digits, as GraphQL ids are) within the bounds."""
        value = self._get(name, required=False)
        if value is None:
            return None
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise MalformedRequest(f"{self._where(name)}: must be an integer")
        if not minimum <= value <= maximum:
            raise MalformedRequest(f"{self._where(name)}: must be {minimum} to {maximum}")
        return value

    def choice(self, name: str, kind: type[E], default: E | None = None) -> E:
        value = self._get(name, required=default is None)
        if value is None and default is not None:  # (with no default, _get refused a None)
            return default
        try:
            return kind(value)
        except (ValueError, TypeError):
            allowed = ", ".join(str(m.value) for m in kind)
            raise MalformedRequest(f"{self._where(name)}: must be one of {allowed}") from None

    def timestamp(self, name: str) -> datetime:
        """An ISO 8601 time with its UTC offset (``2026-11-27T18:04:05Z``)."""
        value = self.text(name, 64)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise MalformedRequest(f"{self._where(name)}: must be an ISO 8601 time") from None
        if moment.tzinfo is None:
            raise MalformedRequest(f"{self._where(name)}: needs a UTC offset (e.g. Z)")
        return moment

    def objects(self, name: str, max_items: int) -> list[Fields]:
        value = self._get(name, required=True)
        if not isinstance(value, list) or not value:
            raise MalformedRequest(f"{self._where(name)}: must be a non-empty array")
        if len(value) > max_items:
            raise MalformedRequest(f"{self._where(name)}: at most {max_items} items")
        return [Fields(item, f"{self._where(name)}[{i}]") for i, item in enumerate(value)]

    def event_id(self) -> str:
        return self.text("id", EVENT_ID_MAX_LENGTH)


def events_of(body: bytes) -> list[Fields]:
    """The body's events, in order: ``{"events": [{...}, ...]}`` (1 to ``MAX_EVENTS``)."""
    return Fields(json_body(body), "body").objects("events", MAX_EVENTS)
