"""What METRC publishes about its v2 API, loaded once: operations, parameters, body schemas.

Why this module exists: the double must judge our requests by METRC's published description, not
by what our client happens to send. The description is ``spec/openapi-v2.yaml`` (community
OpenAPI file) plus METRC's own example bodies in ``spec/ca-v2-endpoints.txt``; see
``spec/NOTICE.md``. This module turns both into plain Python structures:

* every operation (method, path template, parameters, request body schema), with ``$ref`` and
  single-member ``oneOf`` wrappers inlined so validation walks a plain tree;
* properties that METRC's example bodies use but the yaml omits are merged into the body schema
  (typed from the example value, nullable). Conflict found: the yaml's ``PostSaleReceiptsRequest``
  has no ``externalReceiptNumber`` or ``patientRegistrationLocationId``, its
  ``SaleReceiptTransaction`` has only 4 of METRC's 19 transaction fields, and
  ``PutPackageLocationRequest`` lacks ``sublocation``. The yaml itself allows extra properties
  (``additionalProperties: {}``); rejecting unknown properties is our own strictness, so the set
  of documented names is the union of both sources. ``ApiDescription.example_only`` lists them;
* routing of a concrete request path to its operation (404 / 405 when METRC offers none).

Another conflict, recorded here because routing must settle it: the yaml declares both
``/packages/v2/{id}`` and ``/packages/v2/{label}`` (the same template to OpenAPI). A segment that
is a valid int64 goes to ``{id}``, anything else to ``{label}`` (a 24-character tag never fits
int64).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SPEC_DIR = Path(__file__).parent / "spec"
OPENAPI_FILE = SPEC_DIR / "openapi-v2.yaml"
EXAMPLES_FILE = SPEC_DIR / "ca-v2-endpoints.txt"
HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
INT64 = (-(2**63), 2**63 - 1)
INT32 = (-(2**31), 2**31 - 1)

Schema = dict[str, Any]


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "query" or "path"
    required: bool
    schema: Schema


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    operation_id: str
    parameters: tuple[Parameter, ...]
    body_schema: Schema | None
    body_required: bool
    content_types: tuple[str, ...]

    @functools.cached_property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.template.strip("/").split("/"))

    @property
    def query_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "query")

    @property
    def path_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "path")

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


@dataclass(frozen=True)
class Match:
    """The outcome of routing: an operation (status 200), or 404 / 405 with the allowed methods."""

    status: int
    operation: Operation | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApiDescription:
    operations: tuple[Operation, ...]
    schemas: Mapping[str, Schema]
    example_bodies: Mapping[tuple[str, str], Any]
    example_only: Mapping[tuple[str, str], tuple[str, ...]]

    def operation(self, operation_id: str) -> Operation:
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(operation_id)

    def schema(self, name: str) -> Schema:
        """A component schema with references inlined (for checking the double's own answers)."""
        return inline(self.schemas[name], self.schemas)

    def match(self, method: str, path: str) -> Match:
        segments = tuple(normalise_path(path).strip("/").split("/"))
        candidates: list[tuple[Operation, dict[str, str]]] = []
        for op in self.operations:
            params = _bind(op.segments, segments)
            if params is not None:
                candidates.append((op, params))
        if not candidates:
            return Match(status=404)
        # Like an ASP.NET ``{id:long}`` constraint: "active" is not a package id.
        fitting = [c for c in candidates if _specificity(*c)[1] >= 0]
        candidates = fitting or candidates
        same_method = [c for c in candidates if c[0].method == method.upper()]
        if not same_method:
            allowed = tuple(sorted({op.method for op, _ in candidates}))
            return Match(status=405, allowed=allowed)
        op, params = max(same_method, key=lambda c: _specificity(*c))
        return Match(status=200, operation=op, path_params=params)


def normalise_path(path: str) -> str:
    """IIS serves ``/facilities/v2/`` and ``/facilities/v2`` alike; the yaml spells the latter."""
    path = re.sub(r"/{2,}", "/", path)
    return path.rstrip("/") or "/"


def _bind(template: tuple[str, ...], segments: tuple[str, ...]) -> dict[str, str] | None:
    if len(template) != len(segments):
        return None
    params: dict[str, str] = {}
    for expected, actual in zip(template, segments, strict=True):
        if expected.startswith("{") and expected.endswith("}"):
            if not actual:
                return None
            params[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return params


def _specificity(op: Operation, params: dict[str, str]) -> tuple[int, int]:
    """Literal segments beat templates; a value that fits int64 prefers ``{id}`` to ``{label}``."""
    literals = sum(1 for s in op.segments if not s.startswith("{"))
    typed = 0
    for name, value in params.items():
        param = op.parameter(name)
        if param is not None and param.schema.get("type") == "integer":
            if not _fits_int(value, INT64):
                return (literals, -1)
            typed += 1
    return (literals, typed)


def _fits_int(text: str, bounds: tuple[int, int]) -> bool:
    return bool(re.fullmatch(r"-?\d+", text)) and bounds[0] <= int(text) <= bounds[1]


def camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def inline(schema: Any, schemas: Mapping[str, Schema], _stack: tuple[str, ...] = ()) -> Any:
    """Copy ``schema`` with ``$ref`` and single-member ``oneOf``/``allOf`` wrappers replaced."""
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in _stack:  # recursive schema: stop here, accept anything below
            return {}
        merged = dict(inline(schemas[name], schemas, (*_stack, name)))
        merged.update({k: v for k, v in schema.items() if k != "$ref"})
        return merged
    for wrapper in ("oneOf", "allOf"):
        if wrapper in schema and len(schema[wrapper]) == 1:
            merged = dict(inline(schema[wrapper][0], schemas, _stack))
            merged.update({k: v for k, v in schema.items() if k != wrapper})
            return merged
    out: Schema = {}
    for key, value in schema.items():
        if key == "properties":
            out[key] = {k: inline(v, schemas, _stack) for k, v in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = inline(value, schemas, _stack)
        elif key in ("oneOf", "anyOf", "allOf"):
            out[key] = [inline(v, schemas, _stack) for v in value]
        else:
            out[key] = value
    return out


# Example-only properties whose example value is null, so cannot type them: money on a receipt
# transaction (METRC's documentation gives them as decimal amounts). Without this a receipt's
# SalesTax could be any JSON value and a broken POST/PUT pair would pass.
_NULL_EXAMPLE_TYPES: Mapping[str, Schema] = {
    name: {"type": "number"}
    for name in (
        "price",
        "subTotal",
        "discountAmount",
        "salesTax",
        "exciseTax",
        "cityTax",
        "countyTax",
        "municipalTax",
    )
}


def _infer(value: Any, name: str = "") -> Schema:
    """A schema for a property only METRC's example shows: typed from the value, nullable."""
    if value is None:
        return {**_NULL_EXAMPLE_TYPES.get(name, {}), "nullable": True, "x-from-example": True}
    if isinstance(value, bool):
        kind: Schema = {"type": "boolean"}
    elif isinstance(value, int | float):
        kind = {"type": "number"}
    elif isinstance(value, str):
        kind = {"type": "string"}
    elif isinstance(value, list):
        items = next((_infer(v) for v in value if v is not None), {})
        kind = {"type": "array", "items": items}
    else:
        kind = {"type": "object", "properties": {camel(k): _infer(v) for k, v in value.items()}}
    return {**kind, "nullable": True, "x-from-example": True}


def _overlay(schema: Schema, example: Any, where: str, added: list[str]) -> None:
    if isinstance(example, list) and schema.get("type") == "array":
        for item in example:
            _overlay(schema.setdefault("items", {}), item, f"{where}[]", added)
    elif isinstance(example, dict) and schema.get("type") == "object":
        props = schema.setdefault("properties", {})
        lowered = {k.lower(): k for k in props}
        for key, value in example.items():
            known = lowered.get(key.lower())
            if known is None:
                props[camel(key)] = _infer(value, camel(key))
                lowered[key.lower()] = camel(key)
                added.append(f"{where}.{key}".lstrip("."))
            else:
                _overlay(props[known], value, f"{where}.{key}", added)


def _read_examples(text: str) -> dict[tuple[str, str], Any]:
    """``### /v2/Sales | RecordReceipts | POST receipts?licenseNumber`` + ``BODY: [...]`` blocks."""
    bodies: dict[tuple[str, str], Any] = {}
    for block in re.split(r"^### ", text, flags=re.M)[1:]:
        head, _, rest = block.partition("\n")
        resource, _name, call = (part.strip() for part in head.split("|"))
        method, _, target = call.partition(" ")
        sub = target.split("?", 1)[0].replace("{{", "{").replace("}}", "}")
        template = f"/{resource.rsplit('/', 1)[-1].lower()}/v2" + (f"/{sub}" if sub else "")
        found = re.search(r"^BODY: (.*)", rest, flags=re.M | re.S)
        if not found:
            continue
        try:
            bodies[(method.upper(), template)] = json.loads(found.group(1))
        except json.JSONDecodeError:
            # A few collection bodies are cut off mid-way (POST /packages/v2/ ends inside its
            # second package): their complete leading elements still show the shape.
            leading = _leading_elements(found.group(1))
            if leading:
                bodies[(method.upper(), template)] = leading
    return bodies


def _leading_elements(text: str) -> list[Any]:
    """The complete elements at the start of a truncated JSON array (empty if none)."""
    decoder = json.JSONDecoder()
    body = text.strip()
    if not body.startswith("["):
        return []
    found: list[Any] = []
    at = 1
    while True:
        while at < len(body) and body[at] in " \t\r\n,":
            at += 1
        try:
            element, at = decoder.raw_decode(body, at)
        except json.JSONDecodeError:
            return found
        found.append(element)


def _template_key(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", template)


@functools.cache
def load_api() -> ApiDescription:
    """Parse the yaml (about 0.3 s with the C loader) once per process."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with OPENAPI_FILE.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=loader)
    schemas: dict[str, Schema] = document["components"]["schemas"]
    examples = _read_examples(EXAMPLES_FILE.read_text(encoding="utf-8"))
    examples_by_key = {(m, _template_key(t)): body for (m, t), body in examples.items()}
    operations: list[Operation] = []
    example_bodies: dict[tuple[str, str], Any] = {}
    example_only: dict[tuple[str, str], tuple[str, ...]] = {}
    for template, item in document["paths"].items():
        for method_name, op in item.items():
            method = method_name.upper()
            if method not in HTTP_METHODS:
                continue
            body_schema: Schema | None = None
            content_types: tuple[str, ...] = ()
            request_body = op.get("requestBody")
            if request_body:
                content = request_body.get("content", {})
                content_types = tuple(content)
                raw = content.get("application/json", next(iter(content.values()), {}))
                body_schema = inline(copy.deepcopy(raw.get("schema", {})), schemas)
                example = examples_by_key.get((method, _template_key(template)))
                if example is not None:
                    added: list[str] = []
                    _overlay(body_schema, example, "", added)
                    example_bodies[(method, template)] = example
                    if added:
                        example_only[(method, template)] = tuple(added)
            parameters = tuple(
                Parameter(
                    name=p["name"],
                    location=p["in"],
                    required=bool(p.get("required", p["in"] == "path")),
                    schema=inline(p.get("schema", {}), schemas),
                )
                for p in op.get("parameters", [])
            )
            operations.append(
                Operation(
                    method=method,
                    template=template,
                    operation_id=op.get("operationId", f"{method} {template}"),
                    parameters=parameters,
                    body_schema=body_schema,
                    body_required=bool(request_body and request_body.get("required")),
                    content_types=content_types,
                )
            )
    return ApiDescription(
        operations=tuple(operations),
        schemas=schemas,
        example_bodies=example_bodies,
        example_only=example_only,
    )
