"""A local stand-in for METRC's v2 REST API that checks our requests against METRC's description.

Why this package exists: METRC is unreachable from tests, and a double built from our own
assumptions would only confirm them. This one validates every request against
``spec/openapi-v2.yaml`` plus METRC's example bodies (``spec/ca-v2-endpoints.txt``), keeps
in-memory state (packages, receipts, adjustments, transfers, lab results), and can be programmed
to fail the ways METRC fails. Start it with :func:`metrc_double` / :func:`metrc_double_async`.

Modules: ``description`` (the published API), ``validation`` (request checks), ``records`` /
``state`` / ``rules`` / ``sales`` (data and write rules), ``present`` (answers), ``handlers``
(endpoints), ``faults`` / ``ratelimit`` (misbehaviour), ``generated`` (an answer mode drawn
from the description's response schemas: ``metrc.answer_mode = script``), ``requestlog``,
``app`` (pipeline), ``server`` (uvicorn thread and the handle tests use).
"""

from .faults import Fault, FaultKind, Faults
from .present import Casing, DoubleSettings, WriteAnswer
from .records import AdjustReason, DeliveryPackage, Package, PackageStatus, Receipt
from .requestlog import LoggedRequest, RequestLog
from .server import MetrcDouble, metrc_double, metrc_double_async, start_metrc_double
from .state import MetrcState

__all__ = [
    "AdjustReason",
    "Casing",
    "DeliveryPackage",
    "DoubleSettings",
    "Fault",
    "FaultKind",
    "Faults",
    "LoggedRequest",
    "MetrcDouble",
    "MetrcState",
    "Package",
    "PackageStatus",
    "Receipt",
    "RequestLog",
    "WriteAnswer",
    "metrc_double",
    "metrc_double_async",
    "start_metrc_double",
]
