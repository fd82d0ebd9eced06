"""One conversation with BioTrack's serverjson v4 endpoint: login, session renewal, the
envelope every request carries, and reading answers into successes or classified errors.

Why this module exists: BioTrack has a single URL taking JSON POSTs and answers almost
everything with HTTP 200 - ``{"success": 1, ...}`` or ``{"success": 0, "errorcode": N,
"error": "..."}``. Sessions expire mid-shift; a known bug leaks HTTP header text in front of
the JSON body; every request carries a ``nonce`` that BioTrack stores for successful writes so a
repeated write is answered from the store instead of applied again. Keeping all of that here
lets ``client.py`` speak in actions and outcomes.

Outcomes (``BioTrackError.status``): a refusal in the body is FAILED (the state said no; a person
reads its words) unless it reads as transient (RETRY); a lost session is renewed once and the
request repeated with the same nonce; connection refused is RETRY (nothing reached BioTrack); a
timeout, a 5xx or an unreadable answer to a write is UNKNOWN (it may have been applied: the
sync engine looks it up with ``nonce_replay`` before sending again); the same to a read is RETRY.
Other HTTP statuses are classified as METRC's: 408/409/423/425/429 RETRY (not applied), 401/403/407
RETRY after the setup wait, any other 4xx (and 501/505) FAILED with the status and body.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from typing import Any

import httpx

from plugins.base import ResultStatus, StateAccess

API_VERSION = "4.0"
# Error codes are not public; these are the double's stable ones [u]. Each check below also
# reads the message, so a real server with other numbers is still understood.
SESSION_INVALID = 911
SESSION_EXPIRED = 912
DUPLICATE_NONCE = 907
NONCE_NOT_FOUND = 908
_SESSION_LOST = re.compile(r"session.*(expired|invalid)|invalid session", re.IGNORECASE)
_DUPLICATE = re.compile(r"nonce.*(already|duplicate|used)", re.IGNORECASE)
_NOT_FOUND = re.compile(r"nonce.*not found|not found.*nonce", re.IGNORECASE)
# Refusals worth trying again later rather than showing to people [u]: BioTrack publishes no
# list, these are the words of overload and maintenance answers.
# Kept narrow on purpose: a permanent refusal read as transient would hold every later report
# of the licence back until the deadline passes.
_TRANSIENT = re.compile(
    r"busy|try again|temporar|unavailable|maintenance|deadlock|too many requests",
    re.IGNORECASE,
)
SETUP_RETRY_SECONDS = 300.0  # wrong credentials or URL: wait for someone to fix them
TRANSIENT_RETRY_SECONDS = 60.0
# HTTP statuses (BioTrack itself answers 200; these come from it or a proxy in front of it), as
# METRC's are classified: "not now" (nothing applied) is retried; so are the credential ones.
RETRY_4XX = frozenset({408, 409, 423, 425, 429})
SETUP_4XX = frozenset({401, 403, 407})
PERMANENT_5XX = frozenset({501, 505})


class BioTrackError(Exception):
    """A request that did not succeed, with what the sync engine should do about it."""

    def __init__(
        self,
        status: ResultStatus,
        message: str,
        *,
        code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.retry_after = retry_after

    @property
    def nonce_unknown(self) -> bool:
        """``nonce_replay`` found nothing: no write with that nonce ever succeeded."""
        return self.code == NONCE_NOT_FOUND or bool(_NOT_FOUND.search(self.message))


def parse_body(text: str) -> dict[str, Any] | None:
    """The JSON object in an answer, skipping any header text leaked in front of it.

    The leak (``HTTP/1.1 200 OK\\r\\nContent-Type: text/html\\r\\n\\r\\n{...}``) is not a fixed
    string, so rather than strip a known prefix we decode from each ``{`` until one yields an
    object with ``success`` that runs to the end of the body. None when there is none.
    """
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if isinstance(value, dict) and "success" in value:
        return value
    # The leak is rare; only then pay for scanning.
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            value, end = None, start
        if isinstance(value, dict) and "success" in value and not text[end:].strip():
            return value
        start = text.find("{", start + 1)
    return None


def succeeded(answer: dict[str, Any]) -> bool:
    return str(answer.get("success")) == "1"  # 1 or "1": PHP-era servers are not strict


def error_code(answer: dict[str, Any]) -> int | None:
    code = answer.get("errorcode")
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    return int(code) if isinstance(code, str) and code.strip().isdigit() else None


def refusal(action: str, answer: dict[str, Any]) -> BioTrackError:
    """A ``success: 0`` answer as an error: transient words mean RETRY, anything else FAILED."""
    code = error_code(answer)
    text = str(answer.get("error") or "no reason given")
    message = f"BioTrack refused {action} (error {code}): {text}"
    if _TRANSIENT.search(text):
        return BioTrackError(
            ResultStatus.RETRY, message, code=code, retry_after=TRANSIENT_RETRY_SECONDS
        )
    return BioTrackError(ResultStatus.FAILED, message, code=code)


def _session_lost(answer: dict[str, Any]) -> bool:
    return error_code(answer) in (SESSION_INVALID, SESSION_EXPIRED) or bool(
        _SESSION_LOST.search(str(answer.get("error") or ""))
    )


def _duplicate_nonce(answer: dict[str, Any]) -> bool:
    return error_code(answer) == DUPLICATE_NONCE or bool(
        _DUPLICATE.search(str(answer.get("error") or ""))
    )


class Session:
    """Logs in lazily, keeps the session id, renews it once when BioTrack says it is gone."""

    def __init__(self, connection: StateAccess) -> None:
        settings = connection.settings
        credentials = connection.credentials
        self.license_number = connection.license_number
        self._url = connection.base_url
        self._username = str(credentials.get("username", ""))
        self._password = str(credentials.get("password", ""))
        # BioTrack's training mode accepts requests without recording them (for onboarding).
        self._training = 1 if settings.get("training") else 0
        self._timeout = float(settings.get("timeout_seconds", 30))
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(self._timeout, connect=5.0))
        self._sessionid: str | None = None

    async def close(self) -> None:
        await self._http.aclose()

    async def call(
        self,
        action: str,
        fields: dict[str, Any] | None = None,
        *,
        nonce: str | None = None,
        write: bool = False,
    ) -> dict[str, Any]:
        """Send one action; the successful answer, or raise ``BioTrackError``.

        Writes pass their own deterministic ``nonce``; reads get a random one (BioTrack wants a
        nonce on every request [c] and stores only those of successful writes).
        """
        nonce = nonce or uuid.uuid4().hex
        renewed = False
        while True:
            if self._sessionid is None:
                await self._login()
            body = {**self._envelope(action, nonce), "sessionid": self._sessionid, **(fields or {})}
            answer = await self._post(body, action, write=write)
            if succeeded(answer):
                return answer
            if _session_lost(answer):
                self._sessionid = None
                if not renewed:
                    renewed = True  # the same request again, same nonce: replay-safe
                    continue
                raise BioTrackError(
                    ResultStatus.RETRY,
                    f"BioTrack lost the session again right after logging in ({action}):"
                    f" {answer.get('error')}",
                    code=error_code(answer),
                    retry_after=TRANSIENT_RETRY_SECONDS,
                )
            if write and _duplicate_nonce(answer):
                # A server that rejects (rather than replays) a repeated nonce: the earlier
                # attempt was applied. Its stored answer carries the transaction id.
                return await self.call("nonce_replay", nonce=nonce)
            raise refusal(action, answer)

    async def replay(self, nonce: str) -> dict[str, Any]:
        """The stored answer of the write sent with ``nonce`` (raises when there is none)."""
        return await self.call("nonce_replay", nonce=nonce)

    def _envelope(self, action: str, nonce: str) -> dict[str, Any]:
        return {"API": API_VERSION, "action": action, "training": self._training, "nonce": nonce}

    async def _login(self) -> None:
        body = {
            **self._envelope("login", uuid.uuid4().hex),
            "license_number": self.license_number,
            "username": self._username,
            "password": self._password,
        }
        answer = await self._post(body, "login", write=False)
        if succeeded(answer) and answer.get("sessionid"):
            self._sessionid = str(answer["sessionid"])
            return
        # Usually wrong credentials: retry later so fixed credentials recover by themselves.
        raise BioTrackError(
            ResultStatus.RETRY,
            f"BioTrack login failed for licence {self.license_number}"
            f" (error {answer.get('errorcode')}): {answer.get('error')}",
            code=error_code(answer),
            retry_after=SETUP_RETRY_SECONDS,
        )

    async def _post(self, body: dict[str, Any], action: str, *, write: bool) -> dict[str, Any]:
        # A write whose fate we cannot know is UNKNOWN; a read can simply be repeated.
        unsure = ResultStatus.UNKNOWN if write else ResultStatus.RETRY
        try:
            response = await self._http.post(
                self._url,
                content=json.dumps(body),
                headers={"Content-Type": "text/JSON"},  # what BioTrack's own clients send [s]
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Never left this machine or never reached BioTrack: nothing was applied.
            raise BioTrackError(ResultStatus.RETRY, f"BioTrack unreachable: {exc!r}") from None
        except httpx.TimeoutException:
            raise BioTrackError(
                unsure, f"no answer from BioTrack to {action} within {self._timeout:g}s"
            ) from None
        except httpx.TransportError as exc:
            raise BioTrackError(
                unsure, f"BioTrack connection lost during {action}: {exc!r}"
            ) from None
        status = response.status_code
        if status != 200:
            raise _http_error(response, action, unsure)
        answer = parse_body(response.text)
        if answer is None:
            raise BioTrackError(
                unsure, f"unreadable answer from BioTrack to {action}: {response.text[:200]!r}"
            )
        return answer


def _http_error(response: httpx.Response, action: str, unsure: ResultStatus) -> BioTrackError:
    """A non-200 answer, classified as METRC's are (docs/compliance.md): "not now" 4xx and 5xx
    are tried again, any other 4xx is the request's own fault and fails with its words, so a
    permanent refusal is not retried until the deadline has long passed."""
    status = response.status_code
    text = response.text[:200]
    if status in PERMANENT_5XX or (400 <= status < 500 and status not in RETRY_4XX):
        if status in SETUP_4XX:  # who we are, not what we sent: someone fixes the connection
            return BioTrackError(
                ResultStatus.RETRY,
                f"BioTrack (or a proxy) refused us ({status}) on {action}: {text}",
                retry_after=SETUP_RETRY_SECONDS,
            )
        return BioTrackError(
            ResultStatus.FAILED, f"BioTrack refused {action} (HTTP {status}): {text}"
        )
    if status in RETRY_4XX:  # not applied: "not now"
        return BioTrackError(
            ResultStatus.RETRY,
            f"BioTrack not now (HTTP {status}) on {action}: {text}",
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )
    if status >= 500:  # may have been applied: a write is looked up before it is sent again
        return BioTrackError(unsure, f"BioTrack server error {status} on {action}")
    # 1xx, 2xx other than 200, 3xx: a proxy or a wrong URL answered, not BioTrack.
    return BioTrackError(
        ResultStatus.RETRY,
        f"unexpected HTTP {status} from BioTrack on {action} (check the URL): {text}",
        retry_after=SETUP_RETRY_SECONDS,
    )


def _retry_after(value: str | None) -> float:
    """``Retry-After`` in seconds (an HTTP date, nonsense or nothing: the transient wait)."""
    try:
        seconds = float(value or "")
    except ValueError:
        return TRANSIENT_RETRY_SECONDS
    if not math.isfinite(seconds):
        return TRANSIENT_RETRY_SECONDS
    return min(max(seconds, 1.0), SETUP_RETRY_SECONDS)
