"""Checks each request against METRC's published description before the double acts on it.

Why this module exists: a test double that accepts whatever our client sends only proves the
client agrees with itself. Every request is routed through :mod:`.description` and checked here:
path and method offered (else 404 / 405), query parameters known, required and well typed, JSON
body of the documented shape. Failures become METRC's 400 answer, a JSON array of
``{"row": i, "message": ...}`` where ``row`` indexes the request array (0 for query problems).

Why not openapi-core (installed, loads this spec in ~0.5 s and validates fine): METRC compares
property names case-insensitively (PascalCase examples, camelCase yaml), we reject properties the
yaml leaves open (``additionalProperties: {}``), date-times must be relaxed (``spec/NOTICE.md``)
and errors must name the request row. Each of those needs a rewritten spec plus our own walk over
the body, so a small walker over the parsed yaml is simpler and easier to read. The yaml's request
schemas use only: type, nullable, format, pattern, minLength, required, properties, items and
single-member oneOf, all handled below.

Date-times: the yaml says ``format: date-time`` with a pattern ending in ``Z``. METRC wants
facility-local time without offset (``2016-10-04T16:44:53.000``), so bodies must carry no offset
(``local_datetimes=True``, switchable). Query filters such as ``lastModifiedStart`` accept either,
since METRC reports ``LastModified`` with an offset.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .description import INT32, INT64, ApiDescription, Operation, Schema, camel, load_api

_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?P<offset>Z|[+-]\d{2}:?\d{2})?"
)
_DATE_PATTERNS = {  # the yaml's own (unanchored) date patterns; replaced by real checks below
    "([0-9]{4})-(?:[0-9]{2})-([0-9]{2})",
    "([0-9]{4})-(?:[0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z",
}


@dataclass(frozen=True)
class RowError:
    """One entry of METRC's 400 answer."""

    row: int
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "message": self.message}


@dataclass
class Checked:
    """A request as the double understood it. ``status`` 200 means valid."""

    status: int
    operation: Operation | None = None
    errors: list[RowError] = field(default_factory=list)
    path_params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None  # property names normalised to camelCase
    raw_body: Any = None  # as sent (parsed JSON, text, or None)
    allowed: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.status == 200


def parse_datetime(text: str) -> datetime | None:
    match = _DATETIME.fullmatch(text)
    if not match:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class RequestValidator:
    def __init__(self, api: ApiDescription | None = None, *, local_datetimes: bool = True) -> None:
        self.api = api or load_api()
        self.local_datetimes = local_datetimes

    def check(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        body: bytes,
        content_type: str | None,
    ) -> Checked:
        raw = _parse_raw(body)
        match = self.api.match(method, path)
        if match.operation is None:
            verb = "offer" if match.status == 404 else f"support http method '{method}' on"
            message = f"METRC does not {verb} {path} (not in openapi-v2.yaml)"
            return Checked(
                match.status, errors=[RowError(0, message)], raw_body=raw, allowed=match.allowed
            )
        op = match.operation
        checked = Checked(200, operation=op, raw_body=raw)
        problems: list[str] = []
        for param in op.path_parameters:
            value = match.path_params.get(param.name, "")
            checked.path_params[param.name] = self._scalar(
                param.schema, value, param.name, problems
            )
        self._check_query(op, query, checked, problems)
        checked.errors.extend(RowError(0, p) for p in problems)
        self._check_body(op, body, raw, content_type, checked)
        if checked.errors and checked.status == 200:
            checked.status = 400
        return checked

    def check_value(self, schema: Schema, value: Any, *, local_datetimes: bool) -> list[str]:
        """Problems with ``value`` against ``schema`` (used to check the double's own answers)."""
        problems: list[str] = []
        _Walker(local_datetimes).walk(schema, value, "", problems)
        return problems

    def _check_query(
        self, op: Operation, query: list[tuple[str, str]], checked: Checked, problems: list[str]
    ) -> None:
        known = {p.name.lower(): p for p in op.query_parameters}
        seen: set[str] = set()
        for name, value in query:
            param = known.get(name.lower())
            if param is None:
                documented = ", ".join(p.name for p in op.query_parameters) or "none"
                problems.append(
                    f"unknown query parameter '{name}' for {op.method} {op.template} "
                    f"(documented: {documented})"
                )
                continue
            if param.name in seen:
                problems.append(f"query parameter '{param.name}' given more than once")
                continue
            seen.add(param.name)
            if value == "" and param.required:
                continue  # reported as missing below
            checked.query[param.name] = self._scalar(param.schema, value, param.name, problems)
        for param in op.query_parameters:
            if param.required and param.name not in checked.query:
                problems.append(f"required query parameter '{param.name}' is missing")

    def _scalar(self, schema: Schema, text: str, name: str, problems: list[str]) -> Any:
        kind = schema.get("type")
        if kind == "integer":
            bounds = INT32 if schema.get("format") == "int32" else INT64
            if re.fullmatch(r"-?\d+", text) and bounds[0] <= int(text) <= bounds[1]:
                return int(text)
            problems.append(f"'{name}' must be an integer ({schema.get('format')}), got '{text}'")
        elif kind == "number":
            try:
                return float(text)
            except ValueError:
                problems.append(f"'{name}' must be a number, got '{text}'")
        elif kind == "boolean":
            if text.lower() in ("true", "false"):
                return text.lower() == "true"
            problems.append(f"'{name}' must be true or false, got '{text}'")
        elif schema.get("format") == "date-time":
            parsed = parse_datetime(text)
            if parsed is None:
                problems.append(f"'{name}' must be an ISO 8601 date-time, got '{text}'")
            return parsed
        return text

    def _check_body(
        self, op: Operation, body: bytes, raw: Any, content_type: str | None, checked: Checked
    ) -> None:
        if op.body_schema is None:
            if body.strip():
                checked.errors.append(RowError(0, f"{op.method} {op.template} takes no body"))
            return
        if not body.strip():
            if op.body_required:
                checked.errors.append(RowError(0, "a JSON body is required"))
            return
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media != "application/json" and not re.fullmatch(r"application/[\w.-]+\+json", media):
            checked.status = 415
            message = f"Content-Type must be application/json, got '{content_type or ''}'"
            checked.errors.append(RowError(0, message))
            return
        if isinstance(raw, str):
            checked.errors.append(RowError(0, "the body is not valid JSON"))
            return
        walker = _Walker(self.local_datetimes)
        schema = op.body_schema
        if isinstance(raw, list) and schema.get("type") == "array":
            items = schema.get("items", {})
            normalised = []
            for row, element in enumerate(raw):
                problems: list[str] = []
                normalised.append(walker.walk(items, element, "", problems))
                checked.errors.extend(RowError(row, p) for p in problems)
            if not raw:
                checked.errors.append(RowError(0, "the body is an empty array"))
            checked.body = normalised
        else:
            problems = []
            checked.body = walker.walk(schema, raw, "", problems)
            checked.errors.extend(RowError(0, p) for p in problems)


def _parse_raw(body: bytes) -> Any:
    if not body.strip():
        return None
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


class _Walker:
    def __init__(self, local_datetimes: bool) -> None:
        self.local_datetimes = local_datetimes

    def walk(self, schema: Schema, value: Any, where: str, problems: list[str]) -> Any:
        label = where or "body"
        kind = schema.get("type") or ("object" if "properties" in schema else None)
        if value is None:
            if kind is not None and not schema.get("nullable"):
                problems.append(f"{label}: must not be null")
            return None
        if kind is None:
            return value
        if kind == "array":
            if not isinstance(value, list):
                problems.append(f"{label}: expected an array, got {_describe(value)}")
                return value
            items = schema.get("items", {})
            return [self.walk(items, v, f"{where}[{i}]", problems) for i, v in enumerate(value)]
        if kind == "object":
            return self._object(schema, value, where, problems)
        self._primitive(kind, schema, value, label, problems)
        return value

    def _object(self, schema: Schema, value: Any, where: str, problems: list[str]) -> Any:
        label = where or "body"
        if not isinstance(value, dict):
            problems.append(f"{label}: expected an object, got {_describe(value)}")
            return value
        props = {name.lower(): name for name in schema.get("properties", {})}
        out: dict[str, Any] = {}
        given: dict[str, str] = {}
        for key, item in value.items():
            prefix = f"{where}.{key}" if where else key
            canonical = props.get(key.lower())
            if canonical is None:
                documented = ", ".join(schema.get("properties", {})) or "none"
                problems.append(f"{prefix}: unknown property (METRC documents: {documented})")
                continue
            if canonical in given:
                problems.append(f"{prefix}: duplicates '{given[canonical]}' (names ignore case)")
                continue
            given[canonical] = key
            sub = schema["properties"][canonical]
            out[camel(canonical)] = self.walk(sub, item, prefix, problems)
        for name in schema.get("required", []):
            if name not in given:
                problems.append(f"{where + '.' if where else ''}{name}: required property missing")
        return out

    def _primitive(
        self, kind: str, schema: Schema, value: Any, label: str, problems: list[str]
    ) -> None:
        if kind == "boolean":
            if not isinstance(value, bool):
                problems.append(f"{label}: expected a boolean, got {_describe(value)}")
            return
        if kind in ("number", "integer"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"{label}: expected a {kind}, got {_describe(value)}")
            elif kind == "integer":
                bounds = INT32 if schema.get("format") == "int32" else INT64
                if not isinstance(value, int) or not bounds[0] <= value <= bounds[1]:
                    problems.append(f"{label}: expected an integer, got {value!r}")
            return
        if kind != "string":
            return
        if not isinstance(value, str):
            problems.append(f"{label}: expected a string, got {_describe(value)}")
            return
        if len(value) < schema.get("minLength", 0):
            problems.append(f"{label}: must not be empty")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(f"{label}: longer than {schema['maxLength']} characters")
        fmt = schema.get("format")
        if fmt == "date-time":
            self._datetime(value, label, problems)
        elif fmt == "date":
            if not _is_date(value):
                problems.append(f"{label}: expected a date YYYY-MM-DD, got '{value}'")
        else:
            pattern = schema.get("pattern")
            if pattern and pattern not in _DATE_PATTERNS and not re.search(pattern, value):
                problems.append(f"{label}: does not match {pattern}")

    def _datetime(self, value: str, label: str, problems: list[str]) -> None:
        match = _DATETIME.fullmatch(value)
        if match is None or parse_datetime(value) is None:
            problems.append(f"{label}: expected a date-time like 2016-10-04T16:44:53.000")
        elif self.local_datetimes and match.group("offset"):
            problems.append(
                f"{label}: METRC wants facility-local time without offset "
                f"(like 2016-10-04T16:44:53.000), got '{value}'"
            )


def _is_date(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _describe(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names |= {list: "an array", dict: "an object"}
    return f"{names.get(type(value), type(value).__name__)} {json.dumps(value)[:40]}"
