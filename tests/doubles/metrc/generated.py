"""A second answer mode for the METRC double: answers drawn from what the description allows.

Why this module exists: the realistic double answers the way METRC usually does, so our plugin
was only ever tested against METRC's usual answers. METRC's published description allows far
more: ``Data: null``, empty lists, a nullable id that is null, a ``Quantity`` of -1.797e308, an
empty 200 where a write "succeeded", and every status it lists (401, 403, 404, 429, 500, 503, as
bodies of any documented shape, or none). This module turns each operation's documented
response schemas (``spec/openapi-v2.yaml``) into hypothesis strategies, using
``hypothesis-jsonschema`` for the leaves, biased toward those edge cases, and holds the answers a
test drew in a per-operation script the double consults::

    script = data.draw(scripts({"GetSaleReceiptExternal": 2, "PutSaleReceipts": 1}))
    metrc.answer_mode = script.fresh({"@TAG@": tag})   # requests still validated and logged
    ...
    metrc.answer_mode = None          # back to the realistic double

An operation's queue is consumed in order; :data:`REAL` in a queue (or an exhausted queue) lets
the realistic double answer that request, applying the write. Requests METRC would refuse (an
invalid body, an unknown path, wrong keys) are still refused with the realistic answer: the
generated answer replaces only what the handler would have said.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import yaml
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from starlette.responses import JSONResponse, Response

from .description import INT32, INT64, OPENAPI_FILE, inline

Schema = dict[str, Any]

# Statuses METRC answers that the description does not list for every operation (a 422 was
# seen from a mock refusing a path id of "None"); drawn as ErrorResponse bodies.
EXTRA_STATUSES = (422,)
ODD_NUMBERS = (
    0,
    -0.0,
    -1,
    0.0005,
    0.1,
    1e-9,
    5e-324,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    1e15,
    123456789012.3456,
    2**53 + 1,
)
# Names METRC uses for string fields our plugins read, plus names it might add tomorrow.
KNOWN_NAMES = (
    "",
    "Grams",
    "Milligrams",
    "Each",
    "Ounces",
    "Pounds",
    "Kilograms",
    "Fluid Ounces",
    "Consumer",
    "Patient",
    "TestPassed",
    "TestFailed",
    "NotSubmitted",
    "Damage",
    "Drying",
    "Entry Error",
    "Theft",
    "Waste",
    "None",
    "null",
    "Something METRC added",
)


@dataclass(frozen=True)
class Answer:
    """One generated answer. ``body`` is JSON; ``empty`` means no body at all."""

    status: int
    body: Any = None
    empty: bool = False
    retry_after: str | None = None
    real: bool = False

    def response(self) -> Response:
        headers = {"Retry-After": self.retry_after} if self.retry_after is not None else None
        if self.empty:
            return Response(b"", status_code=self.status, headers=headers)
        return JSONResponse(self.body, status_code=self.status, headers=headers)

    def __repr__(self) -> str:  # hypothesis prints the falsifying script with this
        if self.real:
            return "REAL"
        body = "<empty>" if self.empty else json.dumps(self.body)[:300]
        return f"Answer({self.status}, {body})"


REAL = Answer(0, real=True)


@dataclass
class GeneratedAnswers:
    """The answer mode: per operation id, the answers still to give, in order."""

    script: dict[str, list[Answer]]
    given: list[tuple[str, Answer]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take(self, operation_id: str) -> Answer | None:
        """The next scripted answer, or None to let the realistic double answer."""
        with self._lock:
            queue = self.script.get(operation_id)
            answer = queue.pop(0) if queue else None
            if answer is None or answer.real:
                return None
            self.given.append((operation_id, answer))
            return answer

    def fresh(self, placeholders: Mapping[str, str] | None = None) -> GeneratedAnswers:
        """A copy to install (taking answers empties the queues), with each string equal to a
        placeholder (``"@TAG@"``) replaced: scripts drawn before the example's tag exists."""
        swap = dict(placeholders or {})

        def fill(value: Any) -> Any:
            if isinstance(value, str):
                return swap.get(value, value)
            if isinstance(value, list):
                return [fill(v) for v in value]
            if isinstance(value, dict):
                return {k: fill(v) for k, v in value.items()}
            return value

        return GeneratedAnswers(
            {
                op: [a if a.real else replace(a, body=fill(a.body)) for a in queue]
                for op, queue in self.script.items()
            }
        )

    def __repr__(self) -> str:
        return f"GeneratedAnswers({self.script!r})"


@functools.cache
def _document() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with OPENAPI_FILE.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


@functools.cache
def _responses(operation_id: str) -> dict[int, Schema | None]:
    """Documented status → inlined body schema (None: the description gives no body)."""
    document = _document()
    for item in document["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                out: dict[int, Schema | None] = {}
                for status, response in op.get("responses", {}).items():
                    content = response.get("content") or {}
                    media = content.get("application/json") or next(iter(content.values()), None)
                    schema = media.get("schema") if media else None
                    out[int(status)] = (
                        inline(schema, document["components"]["schemas"]) if schema else None
                    )
                return out
    raise KeyError(operation_id)


def documented_statuses(operation_id: str) -> list[int]:
    return sorted(_responses(operation_id))


Hints = Mapping[str, st.SearchStrategy[Any]]


def value(schema: Schema, hints: Hints | None = None, name: str = "") -> st.SearchStrategy[Any]:
    """Values ``schema`` allows, leaning toward the edges; ``hints`` (lower-case property name →
    strategy) mixes in values that make a field mean something to the test (our package tag)."""
    hints = hints or {}
    inner = _non_null(schema, hints)
    hint = hints.get(name.lower())
    if hint is not None:
        inner = st.one_of(hint, inner)
    if schema.get("nullable") or "type" not in schema:
        return st.one_of(st.none(), inner)
    return inner


def _non_null(schema: Schema, hints: Hints) -> st.SearchStrategy[Any]:
    if "oneOf" in schema or "anyOf" in schema:
        options = schema.get("oneOf") or schema.get("anyOf")
        return st.one_of([value(o, hints) for o in options])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: value(v, hints, k) for k, v in properties.items() if k in required},
            optional={k: value(v, hints, k) for k, v in properties.items() if k not in required},
        )
    if kind == "array":
        return st.lists(value(schema.get("items", {}), hints), max_size=3)
    if kind == "integer":
        bounds = INT32 if schema.get("format") == "int32" else INT64
        edges = [b for b in (0, -1, 1, *bounds) if bounds[0] <= b <= bounds[1]]
        return st.one_of(st.sampled_from(edges), st.integers(*bounds))
    if kind == "number":
        return st.one_of(
            st.sampled_from(ODD_NUMBERS),
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(-(10**6), 10**6),
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        if schema.get("format") == "date-time":
            return _datetimes()
        if schema.get("format") == "date":
            return st.dates().map(lambda d: d.isoformat())
        keys = ("minLength", "maxLength", "enum", "pattern")
        leaf = {k: v for k, v in schema.items() if k in keys}
        drawn = from_schema({"type": "string", **leaf})
        if "pattern" in schema:
            return drawn
        drawn = drawn.filter(lambda s: len(s) < 40)
        unknown = st.sampled_from(KNOWN_NAMES)
        return st.one_of(unknown, drawn) if "enum" in schema else st.one_of(drawn, unknown)
    return st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5))


def _datetimes() -> st.SearchStrategy[str]:
    """Date-times as the description writes them (UTC, ``Z``) or as METRC's documentation does
    (facility-local, no offset: the known conflict in ``spec/NOTICE.md``)."""
    shaped = st.builds(
        lambda d, form: d.strftime(form),
        st.datetimes(),
        st.sampled_from(("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%f")),
    )
    return st.one_of(shaped, from_schema({"type": "string", "format": "date-time"}))


def _pascal(body: Any) -> Any:
    """METRC answers PascalCase (the description writes camelCase): keys in METRC's casing."""
    if isinstance(body, dict):
        return {k[:1].upper() + k[1:]: _pascal(v) for k, v in body.items()}
    if isinstance(body, list):
        return [_pascal(v) for v in body]
    return body


def answers(operation_id: str, hints: Hints | None = None) -> st.SearchStrategy[Answer]:
    """Any answer the description documents for the operation, plus the edges it permits."""
    successes, failures = _answers(operation_id, hints)
    # Half the answers succeed: otherwise eight error statuses would drown the one success.
    return st.one_of(st.one_of(successes), st.one_of(failures))


def successes(operation_id: str, hints: Hints | None = None) -> st.SearchStrategy[Answer]:
    """A documented 2xx answer: a body drawn from its schema, or none at all."""
    return st.one_of(_answers(operation_id, hints)[0])


def _answers(
    operation_id: str, hints: Hints | None
) -> tuple[list[st.SearchStrategy[Answer]], list[st.SearchStrategy[Answer]]]:
    successes: list[st.SearchStrategy[Answer]] = []
    failures: list[st.SearchStrategy[Answer]] = []
    responses = dict(_responses(operation_id))
    error_schema = next((s for c, s in responses.items() if c >= 400 and s is not None), None)
    for status in EXTRA_STATUSES:
        responses.setdefault(status, error_schema)
    for status, schema in sorted(responses.items()):
        options = successes if status < 400 else failures
        empty = st.just(Answer(status, empty=True))
        options.append(empty)  # no body at all: "empty 200 bodies", IIS pages without content
        if schema is None:
            continue
        body = value(schema, hints)
        if status == 400:
            # 400 as METRC really answers it too: row errors indexing the request array.
            rows = st.lists(
                st.fixed_dictionaries({"row": st.integers(-1, 3), "message": st.text(max_size=20)}),
                max_size=2,
            )
            body = st.one_of(body, rows)
        retry = st.one_of(st.none(), st.sampled_from(("0", "1", "abc", "-5", "1e9")))
        drawn = st.builds(
            lambda b, pascal, r, s=status: Answer(
                s, _pascal(b) if pascal else b, retry_after=r if s == 429 else None
            ),
            body,
            st.booleans(),
            retry,
        )
        # A success with a body is what the plugin acts on: weigh it above its empty form.
        options.extend([drawn, drawn, drawn] if status < 400 else [drawn])
    return successes, failures


def scripts(
    counts: Mapping[str, int],
    hints: Hints | None = None,
    *,
    real: bool = True,
    succeed_first: frozenset[str] = frozenset(),
    failures: bool = True,
) -> st.SearchStrategy[GeneratedAnswers]:
    """Up to ``counts[op]`` answers per operation, each generated or (``real``) REAL. An
    operation in ``succeed_first`` starts with a 2xx drawn from its schema, so the records the
    plugin acts on are exercised, not only the refusals; without ``failures`` every answer is
    a documented success."""
    queues = {}
    for operation_id, count in counts.items():
        one = answers(operation_id, hints) if failures else successes(operation_id, hints)
        if real:
            one = st.one_of(st.just(REAL), one)
        queue = st.lists(one, max_size=count)
        if operation_id in succeed_first:
            queue = st.builds(
                lambda first, rest: [first, *rest],
                successes(operation_id, hints),
                st.lists(one, max_size=max(count - 1, 0)),
            )
        queues[operation_id] = queue
    return st.fixed_dictionaries(queues).map(lambda q: GeneratedAnswers(dict(q)))
