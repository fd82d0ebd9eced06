"""A local stand-in for BioTrack's legacy "serverjson" v4 API, for LeafLedger's tests.

Why this package exists: BioTrack states (AR, CT, DE, HI, IL medical, NM, ND, PR) receive
LeafLedger's sales, adjustments, room moves and destructions through that API, which tests
cannot reach. The double checks our requests against what BioTrack publishes and behaves like
it, faults included. Typical use::

    with run_biotrack_double() as bt:
        bt.add_item("4157360000000025", 10, uom="each")
        client = BioTrackClient(bt.url, bt.license_number, bt.username, bt.password)
        ...
        assert bt.state.quantity("4157360000000025") == 8
        assert bt.invalid_requests == []

Modules: ``state`` (the world), ``validation`` (request checks), ``actions`` (what each action
does), ``faults`` (programmable failures), ``app`` (Starlette), ``server`` (uvicorn thread),
``codes`` (error codes), ``records`` (data shapes and the [u] switches), ``log`` (requests),
``generated`` (an answer mode drawn from BioTrack's documented shapes: ``bt.answer_mode``).
"""

from .app import DEFAULT_PATH, create_app
from .codes import ApiError, ErrorCode
from .faults import DEFAULT_LEAK, Fault, Faults
from .log import LogEntry, RequestLog
from .records import DoubleConfig, ManifestItem
from .server import BioTrackDouble, run_biotrack_double
from .state import BioTrackState

__all__ = [
    "DEFAULT_LEAK",
    "DEFAULT_PATH",
    "ApiError",
    "BioTrackDouble",
    "BioTrackState",
    "DoubleConfig",
    "ErrorCode",
    "Fault",
    "Faults",
    "LogEntry",
    "ManifestItem",
    "RequestLog",
    "create_app",
    "run_biotrack_double",
]
