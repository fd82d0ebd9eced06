"""The single piccolo app holding every LeafLedger table and its migrations."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from domain.analytics.tables import (
    AnalyticsBatch,
    AnalyticsDay,
    AnalyticsMonth,
    AnalyticsRollup,
    AnalyticsStockDay,
)
from domain.audit.tables import VerificationRun
from domain.catalog.tables import Batch, Product
from domain.changelog.tables import ChangeLog
from domain.compliance.tables import (
    AdjustmentReasonMap,
    Discrepancy,
    ReconciliationRun,
    StateAdjustmentReason,
    StateConnection,
    StatePackageMirror,
    StateReport,
    StateSync,
)
from domain.counts.tables import CountLine, CountPolicy, CountSession
from domain.destruction.tables import Destruction, WastePolicy
from domain.display.tables import FloorDisplaySetting
from domain.diversion.tables import (
    AccessEvent,
    Badge,
    DiversionCursor,
    DiversionFlag,
    DiversionSettings,
    Shift,
)
from domain.idempotency import IdempotencyRecord
from domain.identity.tables import ApiKey, Grant, RefreshToken, User
from domain.integrations.tables import IntegrationConnection, IntegrationEvent
from domain.inventory.tables import Movement, Package, PackageStatusChange, StockBalance
from domain.lab.tables import LabResult, LabSample
from domain.ordering.tables import OrderingPolicy
from domain.organisation.tables import Location, Operator, Zone
from domain.packet.tables import AuditPacket
from domain.purchasing.tables import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderReceipt,
    Vendor,
    VendorProduct,
)
from domain.receiving.tables import (
    ChecklistAnswer,
    ChecklistTemplate,
    PackageScan,
    ReceivingSession,
    Shipment,
    ShipmentPackage,
)
from domain.repackaging.tables import Repack, RepackLine
from domain.sales.tables import Reservation, ReservationLine, Sale, SaleLine
from domain.samples.tables import Sample, SampleRotation
from domain.shrinkage.tables import ShrinkageDay, ShrinkageRollup
from domain.webhooks.tables import WebhookDelivery, WebhookEndpoint

TABLES = [
    Operator,
    Location,
    Zone,
    Product,
    Batch,
    User,
    Grant,
    Package,
    StockBalance,
    Movement,
    PackageStatusChange,
    IdempotencyRecord,
    StateConnection,
    StateReport,
    StateSync,
    ReconciliationRun,
    Discrepancy,
    StatePackageMirror,
    AdjustmentReasonMap,
    StateAdjustmentReason,
    Sale,
    SaleLine,
    Reservation,
    ReservationLine,
    WebhookEndpoint,
    WebhookDelivery,
    Shipment,
    ShipmentPackage,
    ReceivingSession,
    ChecklistAnswer,
    PackageScan,
    ChecklistTemplate,
    IntegrationConnection,
    IntegrationEvent,
    ApiKey,
    RefreshToken,
    Badge,
    AccessEvent,
    Shift,
    DiversionSettings,
    DiversionFlag,
    DiversionCursor,
    ShrinkageDay,
    ShrinkageRollup,
    WastePolicy,
    Destruction,
    Repack,
    RepackLine,
    CountPolicy,
    CountSession,
    CountLine,
    Sample,
    SampleRotation,
    LabSample,
    LabResult,
    FloorDisplaySetting,
    Vendor,
    VendorProduct,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderReceipt,
    AuditPacket,
    OrderingPolicy,
    AnalyticsDay,
    AnalyticsMonth,
    AnalyticsStockDay,
    AnalyticsRollup,
    AnalyticsBatch,
    ChangeLog,
    VerificationRun,
]

APP_CONFIG = AppConfig(
    app_name="leafledger",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "migrations"),
    table_classes=TABLES,
)
