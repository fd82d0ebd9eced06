"""A second answer mode for the BioTrack double: any answer of the shapes BioTrack documents.

Why this module exists: the realistic double answers the way BioTrack usually does. BioTrack's
documented shapes (``state-systems.md``, the v4 manual as public clients quote it) allow more:
``success`` 1 or 0 with any ``errorcode`` and wording, a write's ``transactionid`` missing or
null, ``sync_inventory`` rows with odd quantities or none, a login without a usable session id,
HTTP 500/503/504 text pages, empty bodies, and the known header text leaked before the JSON.
This module draws such answers with hypothesis (``hypothesis-jsonschema`` for the free-text and
number leaves) and holds them in a per-action script the double consults::

    bt.answer_mode = data.draw(scripts({"sale_dispense": 2, "nonce_replay": 1}))

Every request is still validated and logged exactly as before (an invalid request is marked
``invalid`` whatever the script says). ``Answer.apply`` says whether the state carried the
request out behind the drawn answer: a success always did, a ``success: 0`` never did, and a
lost answer (5xx, empty, garbled) may have either way, which is what ``nonce_replay`` is for.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from ..metrc.generated import ODD_NUMBERS
from .app import Outcome
from .codes import ApiError, ErrorCode
from .faults import DEFAULT_LEAK
from .state import BioTrackState
from .validation import ACTIONS, check_envelope, check_fields

WRITES = tuple(name for name, spec in ACTIONS.items() if spec.write)


@dataclass(frozen=True)
class Answer:
    status: int  # HTTP status; BioTrack answers 200 even for refusals
    body: dict[str, Any] | None  # the JSON object, None for a text page or empty body
    text: str = ""  # what goes over the wire when there is no JSON body
    leak: bool = False  # the known bug: header text before the JSON
    apply: bool = False  # the state carried the request out behind this answer
    real: bool = False

    @property
    def payload(self) -> str:
        if self.body is None:
            return self.text
        return (DEFAULT_LEAK if self.leak else "") + json.dumps(self.body)

    def __repr__(self) -> str:
        if self.real:
            return "REAL"
        shown = json.dumps(self.body) if self.body is not None else repr(self.text)
        return f"Answer({self.status}, {shown[:200]}, apply={self.apply}, leak={self.leak})"


REAL = Answer(0, None, real=True)


@dataclass
class GeneratedAnswers:
    script: dict[str, list[Answer]]
    given: list[tuple[str, Answer]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take(self, action: str | None) -> Answer | None:
        with self._lock:
            queue = self.script.get(action or "")
            answer = queue.pop(0) if queue else None
            if answer is None or answer.real:
                return None
            self.given.append((action or "", answer))
            return answer

    def respond(
        self, state: BioTrackState, body: Any, process: Callable[..., Outcome]
    ) -> tuple[Answer, Outcome] | None:
        """The scripted answer to this request and the outcome to log, or None (realistic).
        An answer that says the state applied the request is given only when it really did."""
        answer = self.take(body.get("action") if isinstance(body, dict) else None)
        if answer is None:
            return None
        if not answer.apply:
            out = validated(state, body)
        else:
            out = process(state, body, None)
            if str(out.response.get("success")) != "1":
                return None  # the state refused it: its own answer stands
        out.response = answer.body  # type: ignore[assignment]  # logged as drawn
        return answer, out

    def __repr__(self) -> str:
        return f"GeneratedAnswers({self.script!r})"


def validated(state: BioTrackState, body: Any) -> Outcome:
    """The request checked as ``app.process`` checks it, without carrying it out."""
    try:
        env = check_envelope(body, state.config)
    except ApiError as error:
        return Outcome(error.body(), invalid=True)
    out = Outcome({}, env.action, env.nonce, env.sessionid)
    try:
        checked = check_fields(env, state.config, state.unix_now())
    except ApiError:
        out.invalid = True
        return out
    out.notes.extend(checked.notes)
    out.encodings.update(checked.encodings)
    return out


_text = from_schema({"type": "string", "maxLength": 30})
_numbers = st.one_of(
    st.sampled_from(ODD_NUMBERS), from_schema({"type": "number"}), st.sampled_from(("1.5", "abc"))
)
_ids = st.one_of(st.none(), st.integers(-1, 2**63 - 1), st.sampled_from(("", "0", "12345")))
_maybe = st.one_of(st.none(), st.integers(0, 2**31 - 1))
ERROR_WORDS = (
    "Your session has expired. Please log in again.",
    "Invalid session. Please log in.",
    "Nonce not found",
    "No stored result for that nonce",
    "Nonce was already used",
    "Too many requests, try again later",
    "Insufficient quantity",
    "",
)


def refusals() -> st.SearchStrategy[dict[str, Any]]:
    """``{"success": 0, "errorcode": N, "error": "..."}`` with any code and wording."""
    codes = st.one_of(
        st.sampled_from([int(c) for c in ErrorCode]), _maybe, st.sampled_from(("912", "x"))
    )
    return st.fixed_dictionaries(
        {"success": st.sampled_from((0, "0"))},
        optional={"errorcode": codes, "error": st.one_of(st.sampled_from(ERROR_WORDS), _text)},
    )


def _row(tags: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A ``sync_inventory`` row as public clients show it, any field odd or missing."""
    return st.fixed_dictionaries(
        {"id": st.one_of(tags, _text)},
        optional={
            "transactionid": _ids,
            "remaining_quantity": st.one_of(st.none(), _numbers),
            "currentroom": st.one_of(st.none(), st.integers(0, 5), _text),
            "productname": _text,
            "inventorytype": st.one_of(st.none(), st.sampled_from((5, 13, 28, 22, 999))),
            "deleted": st.sampled_from((0, 1, "1", None)),
            "inventorystatus": st.one_of(st.none(), st.integers(0, 3)),
            "uom": st.sampled_from(("g", "mg", "each", "oz", "", "furlong")),
        },
    )


def successes(action: str, tags: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    ok = st.sampled_from((1, "1"))
    if action == "login":
        return st.fixed_dictionaries(
            {"success": ok},
            optional={"sessionid": st.one_of(st.none(), st.just(""), _text), "time": _maybe},
        )
    if action == "sync_inventory":
        rows = st.one_of(st.none(), st.lists(_row(tags), max_size=3))
        return st.fixed_dictionaries({"success": ok}, optional={"inventory": rows})
    # writes, and nonce_replay (which answers the stored write answer)
    return st.fixed_dictionaries(
        {"success": ok}, optional={"transactionid": _ids, "sessiontime": _maybe}
    )


def answers(action: str, tags: st.SearchStrategy[str]) -> st.SearchStrategy[Answer]:
    write = action in WRITES
    said = st.one_of(
        st.builds(
            lambda b, leak: Answer(200, b, leak=leak, apply=write),
            successes(action, tags),
            st.booleans(),
        ),
        st.builds(lambda b, leak: Answer(200, b, leak=leak), refusals(), st.booleans()),
    )
    lost = st.builds(
        lambda status, text, apply: Answer(status, None, text, apply=apply and write),
        st.sampled_from((200, 500, 503, 504)),
        st.sampled_from(("", "Internal Server Error", "Service Unavailable", "<html>", "{")),
        st.booleans(),
    )
    return st.one_of(said, said, lost)


def scripts(
    counts: Mapping[str, int], tags: st.SearchStrategy[str], *, real: bool = True
) -> st.SearchStrategy[GeneratedAnswers]:
    """Up to ``counts[action]`` answers per action, each generated or (``real``) REAL."""
    queues = {}
    for action, count in counts.items():
        one = answers(action, tags)
        if real:
            one = st.one_of(st.just(REAL), one)
        queues[action] = st.lists(one, max_size=count)
    return st.fixed_dictionaries(queues).map(lambda q: GeneratedAnswers(dict(q)))
