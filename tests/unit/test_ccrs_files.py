"""Washington CCRS upload files: what the compliance officer downloads matches the state's
templates column for column, reads back to exactly the rows it was written from, lands in the
right reporting week, and tells the state our adjustment reasons in its own words."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.inventory.model import AdjustmentReason
from plugins.builtin.ccrs_files import (
    ADJUSTMENT_REASONS,
    ROW_TYPES,
    AreaRow,
    CcrsAdjustmentReason,
    CcrsFormatError,
    CcrsRow,
    FileKind,
    InventoryAdjustmentRow,
    InventoryCategory,
    InventoryRow,
    InventoryTransferRow,
    Operation,
    ProductRow,
    SaleRow,
    SaleType,
    StrainRow,
    StrainType,
    adjustment_detail,
    adjustment_row,
    file_name,
    our_reason_from_detail,
    parse,
    parse_file_name,
    render,
    reporting_week,
    week_of,
)
from plugins.builtin.ccrs_files.codecs import Amount, Choice, Day, Flag, LicenseNo, Text

LICENSE = "412345"
DAY = date(2026, 11, 24)
# Sunday 29 Nov 2026, 09:15 UTC = 01:15 Pacific: the weekly upload after the week of 22-28 Nov.
SUBMITTED_AT = datetime(2026, 11, 29, 9, 15, tzinfo=UTC)
OFFICER = "Dana Compliance"
COMMON = {"created_by": "dana", "created_date": DAY, "operation": Operation.INSERT}

SAMPLES: dict[FileKind, CcrsRow] = {
    FileKind.AREA: AreaRow(
        license_number=LICENSE, area="Sales Floor", is_quarantine=False,
        external_identifier="ZONE-1", **COMMON,
    ),
    FileKind.STRAIN: StrainRow(
        license_number=LICENSE, strain="Trainwreck", strain_type=StrainType.HYBRID,
        created_by="dana", created_date=DAY,
    ),
    FileKind.PRODUCT: ProductRow(
        license_number=LICENSE, inventory_category=InventoryCategory.END_PRODUCT,
        inventory_type="Usable Cannabis", name="Trainwreck 3.5g", description="Eighth",
        unit_weight_grams=Decimal("3.50"), external_identifier="SKU-1", **COMMON,
    ),
    FileKind.INVENTORY: InventoryRow(
        license_number=LICENSE, strain="Trainwreck", area="Sales Floor",
        product="Trainwreck 3.5g", initial_quantity=Decimal("20.000"),
        quantity_on_hand=Decimal("12.500"), total_cost=Decimal("240.5"), is_medical=False,
        external_identifier="PKG-1", **COMMON,
    ),
    FileKind.INVENTORY_ADJUSTMENT: InventoryAdjustmentRow(
        license_number=LICENSE, inventory_external_identifier="PKG-1",
        adjustment_reason=CcrsAdjustmentReason.DESTRUCTION,
        adjustment_detail="damage; decrease; crushed jar", quantity=Decimal("1"),
        adjustment_date=DAY, external_identifier="ADJ-1", **COMMON,
    ),
    FileKind.INVENTORY_TRANSFER: InventoryTransferRow(
        from_license_number="423456", to_license_number=LICENSE,
        from_inventory_external_identifier="VENDOR-LOT-9", to_inventory_external_identifier="PKG-1",
        quantity=Decimal("20"), transfer_date=DAY, external_identifier="RCV-1", **COMMON,
    ),
    FileKind.SALE: SaleRow(
        license_number=LICENSE, inventory_external_identifier="PKG-1",
        sale_type=SaleType.RECREATIONAL_RETAIL, sale_date=DAY, quantity=Decimal("2"),
        unit_price=Decimal("25.00"), discount=Decimal("3"), retail_sales_tax=Decimal("4.34"),
        cannabis_excise_tax=Decimal("17.39"), sale_external_identifier="SALE-7",
        sale_detail_external_identifier="SALE-7-1", **COMMON,
    ),
}  # fmt: skip

# The state's headers, spelled out here rather than taken from the code under test.
HEADERS = {
    FileKind.AREA: "LicenseNumber,Area,IsQuarantine,ExternalIdentifier,CreatedBy,CreatedDate,"
    "UpdatedBy,UpdatedDate,Operation",
    FileKind.STRAIN: "LicenseNumber,Strain,StrainType,CreatedBy,CreatedDate",
    FileKind.PRODUCT: "LicenseNumber,InventoryCategory,InventoryType,Name,Description,"
    "UnitWeightGrams,ExternalIdentifier,CreatedBy,CreatedDate,UpdatedBy,UpdatedDate,Operation",
    FileKind.INVENTORY: "LicenseNumber,Strain,Area,Product,InitialQuantity,QuantityOnHand,"
    "TotalCost,IsMedical,ExternalIdentifier,CreatedBy,CreatedDate,UpdatedBy,UpdatedDate,"
    "Operation",
    FileKind.INVENTORY_ADJUSTMENT: "LicenseNumber,InventoryExternalIdentifier,AdjustmentReason,"
    "AdjustmentDetail,Quantity,AdjustmentDate,ExternalIdentifier,CreatedBy,CreatedDate,"
    "UpdatedBy,UpdatedDate,Operation",
    FileKind.INVENTORY_TRANSFER: "FromLicenseNumber,ToLicenseNumber,"
    "FromInventoryExternalIdentifier,ToInventoryExternalIdentifier,Quantity,TransferDate,"
    "ExternalIdentifier,CreatedBy,CreatedDate,UpdatedBy,UpdatedDate,Operation",
    FileKind.SALE: "LicenseNumber,SoldToLicenseNumber,InventoryExternalIdentifier,"
    "PlantExternalIdentifier,SaleType,SaleDate,Quantity,UnitPrice,Discount,RetailSalesTax,"
    "CannabisExciseTax,SaleExternalIdentifier,SaleDetailExternalIdentifier,CreatedBy,"
    "CreatedDate,UpdatedBy,UpdatedDate,Operation",
}


def _render(kind: FileKind, *rows: CcrsRow) -> Any:
    return render(kind, LICENSE, OFFICER, SUBMITTED_AT, rows or (SAMPLES[kind],))


def _lines(content: str) -> list[str]:
    assert content.endswith("\r\n")
    return content.removesuffix("\r\n").split("\r\n")


# --- Rendering: the exact layout --------------------------------------------------------------


@pytest.mark.parametrize("kind", list(FileKind))
def test_every_file_opens_with_the_preamble_then_the_states_header(kind):
    lines = _lines(_render(kind).content)
    padding = "," * (HEADERS[kind].count(",") - 1)
    assert lines[:4] == [
        f"SubmittedBy,{OFFICER}{padding}",
        f"SubmittedDate,11/29/2026{padding}",
        f"NumberRecords,1{padding}",
        HEADERS[kind],
    ]
    assert len(lines) == 5
    assert lines[4].count(",") == HEADERS[kind].count(",")


def test_a_sale_file_lists_each_line_with_its_tax():
    second_line = dataclasses.replace(
        SAMPLES[FileKind.SALE], sale_detail_external_identifier="SALE-7-2",
        inventory_external_identifier="PKG-2", quantity=Decimal("1"),
        unit_price=Decimal("9.99"), discount=Decimal("0"), retail_sales_tax=Decimal("1.01"),
        cannabis_excise_tax=Decimal("3.7"),
    )  # fmt: skip
    lines = _lines(_render(FileKind.SALE, SAMPLES[FileKind.SALE], second_line).content)
    assert lines[2].startswith("NumberRecords,2,")
    assert lines[4:] == [
        "412345,,PKG-1,,RecreationalRetail,11/24/2026,2,25.00,3.00,4.34,17.39,SALE-7,SALE-7-1,"
        "dana,11/24/2026,,,INSERT",
        "412345,,PKG-2,,RecreationalRetail,11/24/2026,1,9.99,0.00,1.01,3.70,SALE-7,SALE-7-2,"
        "dana,11/24/2026,,,INSERT",
    ]


def test_an_inventory_line_shows_quantities_without_noise_and_cost_in_cents():
    row = _lines(_render(FileKind.INVENTORY).content)[4]
    assert row == (
        "412345,Trainwreck,Sales Floor,Trainwreck 3.5g,20,12.5,240.50,FALSE,PKG-1,dana,"
        "11/24/2026,,,INSERT"
    )


def test_a_strain_file_has_no_operation_column_because_strains_are_only_ever_inserted():
    assert _lines(_render(FileKind.STRAIN).content)[4] == "412345,Trainwreck,Hybrid,dana,11/24/2026"
    assert "operation" not in {f.name for f in dataclasses.fields(StrainRow)}


def test_number_records_counts_the_data_rows_even_when_text_spans_lines():
    rows = [
        dataclasses.replace(SAMPLES[FileKind.AREA], external_identifier=f"ZONE-{n}",
                            area=f"Back room\nshelf {n}")
        for n in range(3)
    ]  # fmt: skip
    rendered = _render(FileKind.AREA, *rows)
    assert rendered.number_records == 3
    assert _lines(rendered.content)[2] == "NumberRecords,3,,,,,,,"
    assert parse(rendered.content).number_records == 3


def test_every_date_is_written_month_day_year():
    row = dataclasses.replace(
        SAMPLES[FileKind.AREA], created_date=date(2026, 1, 5), updated_by="lee",
        updated_date=date(2026, 2, 9), operation=Operation.UPDATE,
    )  # fmt: skip
    content = render(FileKind.AREA, LICENSE, OFFICER, datetime(2026, 3, 7, 20, tzinfo=UTC), [row])
    lines = _lines(content.content)
    assert lines[1].startswith("SubmittedDate,03/07/2026,")
    assert lines[4].endswith(",01/05/2026,lee,02/09/2026,UPDATE")
    assert not re.search(r"\d{4}-\d{2}-\d{2}", content.content)


def test_the_file_name_is_type_license_and_pacific_time_to_the_second():
    # 09:15 UTC on Sunday is still Sunday 01:15 in Seattle (PST, UTC-8)...
    assert _render(FileKind.INVENTORY_ADJUSTMENT).name == (
        "InventoryAdjustment_412345_20261129011500.csv"
    )
    # ...and in July the Pacific clock is UTC-7.
    assert file_name("sale", LICENSE, datetime(2026, 7, 4, 19, 0, 5, tzinfo=UTC)) == (
        "Sale_412345_20260704120005.csv"
    )
    for kind in FileKind:
        assert re.fullmatch(rf"{kind.value}_412345_\d{{14}}\.csv", _render(kind).name)
    back = parse_file_name("Sale_412345_20260704120005.csv")
    assert (back.kind, back.license_number) == (FileKind.SALE, LICENSE)
    assert back.timestamp == datetime(2026, 7, 4, 19, 0, 5, tzinfo=UTC)


def test_lines_end_with_crlf_and_the_download_is_utf8():
    rendered = _render(
        FileKind.PRODUCT, dataclasses.replace(SAMPLES[FileKind.PRODUCT], name="Açaí")
    )
    assert rendered.content.count("\r\n") == 5
    assert "\n" not in rendered.content.replace("\r\n", "")
    assert rendered.encode() == rendered.content.encode("utf-8")
    assert not rendered.encode().startswith(b"\xef\xbb\xbf")


def test_text_with_commas_quotes_or_line_breaks_is_quoted_and_flagged_for_the_officer():
    awkward = dataclasses.replace(SAMPLES[FileKind.PRODUCT], name='Kush, "OG"\r\nedition')
    rendered = _render(FileKind.PRODUCT, awkward)
    assert '"Kush, ""OG""\r\nedition"' in rendered.content
    assert any("record 1 Name" in warning for warning in rendered.warnings)
    assert parse(rendered.content).rows == (awkward,)


def test_rows_the_state_is_known_to_reject_are_flagged_before_upload():
    free = dataclasses.replace(
        SAMPLES[FileKind.INVENTORY], total_cost=Decimal("0"), product="=HYPERLINK(1)",
        strain="x" * 101, quantity_on_hand=Decimal("21"),
    )  # fmt: skip
    warnings = "\n".join(_render(FileKind.INVENTORY, free).warnings)
    assert "TotalCost is 0" in warnings
    assert "formula" in warnings
    assert "101 characters, over the state's 100" in warnings
    assert "QuantityOnHand exceeds InitialQuantity" in warnings
    assert _render(FileKind.INVENTORY).warnings == ()


def test_a_file_for_the_wrong_kind_of_row_or_a_clockless_submission_is_refused():
    with pytest.raises(CcrsFormatError, match="holds SaleRow rows only"):
        render(FileKind.SALE, LICENSE, OFFICER, SUBMITTED_AT, [SAMPLES[FileKind.AREA]])
    with pytest.raises(CcrsFormatError, match="aware"):
        render(FileKind.AREA, LICENSE, OFFICER, datetime(2026, 11, 29), [SAMPLES[FileKind.AREA]])
    with pytest.raises(CcrsFormatError, match="SubmittedBy"):
        render(FileKind.AREA, LICENSE, "Doe, Dana", SUBMITTED_AT, [SAMPLES[FileKind.AREA]])
    with pytest.raises(CcrsFormatError, match="letters and digits"):
        render(FileKind.AREA, "41_2345", OFFICER, SUBMITTED_AT, [SAMPLES[FileKind.AREA]])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quantity": 2.5}, "must be a Decimal"),
        ({"quantity": Decimal("-1")}, "negative"),
        ({"quantity": Decimal("1.0005")}, "at most 3 decimal places"),
        ({"unit_price": Decimal("9.999")}, "at most 2 decimal places"),
        ({"sale_date": datetime(2026, 11, 24, 10)}, "not a datetime"),
        ({"sale_external_identifier": "  "}, "blank"),
        ({"license_number": "WA-412345"}, "license number"),
        ({"inventory_external_identifier": None}, "InventoryExternalIdentifier or Plant"),
    ],
)
def test_a_sale_line_that_cannot_be_written_exactly_is_refused_when_built(change, message):
    with pytest.raises(CcrsFormatError, match=message):
        dataclasses.replace(SAMPLES[FileKind.SALE], **change)


# --- Reading back -----------------------------------------------------------------------------

AWKWARD = st.sampled_from([",", '"', "\n", "\r\n", "\r", " ", "'", ";", "=", "\t", "é", "—"])
PLAIN = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30)


def _strategy(codec: Any) -> st.SearchStrategy[Any]:
    if isinstance(codec, Text):
        strategy = st.lists(st.one_of(PLAIN, AWKWARD), min_size=1, max_size=6).map("".join)
        strategy = strategy.filter(lambda text: text.strip() != "")
    elif isinstance(codec, LicenseNo):
        strategy = st.from_regex(r"\d{6}|\d{10}", fullmatch=True)
    elif isinstance(codec, Day):
        strategy = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
    elif isinstance(codec, Amount):
        strategy = st.decimals(
            min_value=0, max_value=Decimal("99999999.99"), places=codec.places,
            allow_nan=False, allow_infinity=False,
        )  # fmt: skip
    elif isinstance(codec, Flag):
        strategy = st.booleans()
    elif isinstance(codec, Choice):
        strategy = st.sampled_from(list(codec.enum_type))
    else:  # pragma: no cover
        raise AssertionError(f"no strategy for {codec!r}")
    return strategy if codec.required else st.none() | strategy


def _rows(kind: FileKind) -> st.SearchStrategy[CcrsRow]:
    row_type = ROW_TYPES[kind]
    strategies = {f.name: _strategy(f.metadata["codec"]) for f in dataclasses.fields(row_type)}
    if kind is FileKind.SALE:  # a sale names its inventory (a store sells no plants)
        strategies["inventory_external_identifier"] = _strategy(Text())
    return st.builds(row_type, **strategies)


@pytest.mark.parametrize("kind", list(FileKind))
@given(data=st.data())
def test_every_file_reads_back_to_exactly_the_rows_it_was_written_from(kind, data):
    rows = data.draw(st.lists(_rows(kind), max_size=4))
    rendered = render(kind, LICENSE, OFFICER, SUBMITTED_AT, rows)
    parsed = parse(rendered.content, kind)
    assert parsed.rows == tuple(rows)
    assert (parsed.kind, parsed.number_records) == (kind, len(rows))
    assert (parsed.submitted_by, parsed.submitted_date) == (OFFICER, date(2026, 11, 29))
    assert ",".join(parsed.header) == HEADERS[kind]
    again = render(kind, LICENSE, OFFICER, SUBMITTED_AT, parsed.rows)
    assert again.content == rendered.content


def test_a_tampered_record_count_is_refused():
    content = _render(FileKind.SALE).content.replace("NumberRecords,1,", "NumberRecords,2,")
    with pytest.raises(CcrsFormatError, match="NumberRecords says 2 but the file has 1"):
        parse(content)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("AdjustmentReason,", "Reason,", "unknown CCRS header"),
        ("SubmittedDate,11/29/2026", "SubmittedDate,2026-11-29", "MM/DD/YYYY"),
        (",11/24/2026,ADJ-1", ",13/45/2026,ADJ-1", "row 5: column AdjustmentDate"),
        ("SubmittedBy,", "Submitter,", "row 1: expected 'SubmittedBy"),
        ("NumberRecords,1", "NumberRecords,one", "not a whole number"),
        (",1,11/24/2026,", ",1E+2,11/24/2026,", "not a plain non-negative decimal"),
        (",Destruction,", ",Spillage,", "'Spillage' is not one of"),
        (",INSERT\r\n", ",UPSERT\r\n", "column Operation"),
        (",INSERT\r\n", ",INSERT,extra\r\n", "has 13 cells, the header has 12"),
        ("ADJ-1", '"ADJ-1"x', "not a readable CSV file"),
    ],
)
def test_a_malformed_file_is_refused_with_the_row_at_fault(old, new, message):
    content = _render(FileKind.INVENTORY_ADJUSTMENT).content
    assert old in content
    with pytest.raises(CcrsFormatError, match=re.escape(message)):
        parse(content.replace(old, new, 1))


def test_asking_for_one_kind_of_file_and_getting_another_is_refused():
    with pytest.raises(CcrsFormatError, match="expected a Sale header, found Inventory"):
        parse(_render(FileKind.INVENTORY).content, "sale")


def test_a_file_resaved_by_a_spreadsheet_still_reads_the_same():
    row = dataclasses.replace(SAMPLES[FileKind.AREA], created_date=date(2026, 1, 5))
    content = _render(FileKind.AREA, row).content
    resaved = (
        "\ufeff"
        + content.replace("\r\n", "\n")
        .replace("SubmittedBy,Dana Compliance,,,,,,,", "SubmittedBy,Dana Compliance")
        .replace("01/05/2026", "1/5/2026")
        .replace("FALSE", "False")
        .replace("INSERT", "Insert")
        + "\n,,,,,,,,\n\n"
    )
    assert parse(resaved).rows == (row,)


def test_a_sale_file_with_the_pre_2025_tax_columns_still_reads():
    content = _render(FileKind.SALE).content.replace(
        "RetailSalesTax,CannabisExciseTax", "SalesTax,OtherTax"
    )
    parsed = parse(content)
    assert parsed.rows == (SAMPLES[FileKind.SALE],)
    assert "SalesTax" in parsed.header


# --- Reporting weeks --------------------------------------------------------------------------

SEATTLE = "America/Los_Angeles"


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_saturday_at_one_second_to_midnight_is_still_this_weeks_report():
    week = reporting_week(SEATTLE, _utc(2026, 11, 29, 7, 59, 59))  # Sat 28 Nov 23:59:59 PST
    assert (week.start, week.end, week.due) == (date(2026, 11, 22), date(2026, 11, 28),
                                                date(2026, 11, 29))  # fmt: skip
    assert week.ends_at == _utc(2026, 11, 29, 7, 59, 59)
    assert week.due_by == _utc(2026, 11, 30, 7, 59, 59)


def test_sunday_at_midnight_starts_the_next_weeks_report():
    week = reporting_week(SEATTLE, _utc(2026, 11, 29, 8, 0, 0))  # Sun 29 Nov 00:00 PST
    assert (week.start, week.end, week.due) == (date(2026, 11, 29), date(2026, 12, 5),
                                                date(2026, 12, 6))  # fmt: skip
    assert week.starts_at == _utc(2026, 11, 29, 8)
    assert week.previous().start == date(2026, 11, 22)
    assert week.next().start == date(2026, 12, 6)


def test_a_saturday_evening_sale_counts_in_seattles_week_although_it_is_sunday_in_utc():
    saturday_evening = _utc(2026, 11, 29, 6, 0)  # Sat 28 Nov 22:00 PST, Sun 01:00 in New York
    assert reporting_week(SEATTLE, saturday_evening).start == date(2026, 11, 22)
    assert reporting_week("America/New_York", saturday_evening).start == date(2026, 11, 29)


def test_the_week_clocks_spring_forward_is_an_hour_short_and_keeps_its_boundaries():
    week = week_of(date(2026, 3, 10), SEATTLE)  # DST starts Sun 8 Mar 2026 at 02:00
    assert (week.start, week.end) == (date(2026, 3, 8), date(2026, 3, 14))
    assert week.starts_at == _utc(2026, 3, 8, 8)  # 00:00 PST
    assert week.ends_before == _utc(2026, 3, 15, 7)  # 00:00 PDT
    assert week.length == timedelta(hours=167)
    assert week.contains(_utc(2026, 3, 15, 6, 59, 59))  # Sat 23:59:59 PDT
    assert not week.contains(_utc(2026, 3, 15, 7))
    assert reporting_week(SEATTLE, _utc(2026, 3, 8, 7, 59, 59)).start == date(2026, 3, 1)


def test_the_week_clocks_fall_back_is_an_hour_long_and_keeps_its_boundaries():
    week = reporting_week(SEATTLE, _utc(2026, 11, 1, 9, 30))  # 01:30 PST, the second one
    assert (week.start, week.due) == (date(2026, 11, 1), date(2026, 11, 8))
    assert week.starts_at == _utc(2026, 11, 1, 7)  # 00:00 PDT
    assert week.ends_before == _utc(2026, 11, 8, 8)  # 00:00 PST
    assert week.length == timedelta(hours=169)
    assert reporting_week(SEATTLE, _utc(2026, 11, 1, 6, 59, 59)).start == date(2026, 10, 25)


def test_week_of_a_day_runs_sunday_to_saturday_and_is_due_the_next_sunday():
    for day in (date(2026, 11, 22), date(2026, 11, 25), date(2026, 11, 28)):
        week = week_of(day)
        assert (week.start, week.end, week.due) == (date(2026, 11, 22), date(2026, 11, 28),
                                                    date(2026, 11, 29))  # fmt: skip
        assert week.start.weekday() == 6
        assert week.timezone == SEATTLE


def test_a_week_needs_a_real_clock_and_a_real_time_zone():
    with pytest.raises(ValueError, match="aware"):
        reporting_week(SEATTLE, datetime(2026, 11, 28, 23, 59))
    with pytest.raises(ValueError, match="unknown time zone"):
        reporting_week("Pacific/Nowhere", SUBMITTED_AT)
    with pytest.raises(TypeError):
        week_of(datetime(2026, 11, 28, 23, 59))


# --- Adjustment reasons -----------------------------------------------------------------------


def test_every_one_of_our_adjustment_reasons_has_a_ccrs_reason():
    valid = {reason.value for reason in CcrsAdjustmentReason}
    assert set(ADJUSTMENT_REASONS) == {reason.value for reason in AdjustmentReason}
    assert set(ADJUSTMENT_REASONS.values()) <= valid
    assert valid == {"Destruction", "Lost", "Other", "Reconciliation", "ReturnedLabSample",
                     "Seizure", "Theft"}  # fmt: skip


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("theft", "Theft"),
        ("destruction", "Destruction"),
        ("expired", "Destruction"),
        ("damage", "Destruction"),
        ("packaging_waste", "Destruction"),
        ("count_correction", "Reconciliation"),
        ("entry_error", "Reconciliation"),
        ("sample", "Other"),
        ("qa_testing", "Other"),
        ("other", "Other"),
    ],
)
def test_each_reason_is_told_to_the_state_in_its_own_words(ours, theirs):
    assert ADJUSTMENT_REASONS[ours] == theirs


def test_a_write_off_is_reported_as_a_positive_quantity_with_our_reason_and_direction():
    row = adjustment_row(
        license_number=LICENSE, inventory_external_identifier="PKG-1", our_reason="damage",
        delta=Decimal("-0.750"), note="jar cracked,\n\"unsellable\"", adjustment_date=DAY,
        external_identifier="ADJ-9", created_by="dana", created_date=DAY,
    )  # fmt: skip
    assert row.adjustment_reason is CcrsAdjustmentReason.DESTRUCTION
    assert row.quantity == Decimal("0.75")
    assert row.adjustment_detail == "damage; decrease; jar cracked; 'unsellable'"
    assert our_reason_from_detail(row.adjustment_detail) == "damage"
    rendered = _render(FileKind.INVENTORY_ADJUSTMENT, row)
    assert rendered.warnings == ()
    assert _lines(rendered.content)[4].startswith(
        "412345,PKG-1,Destruction,damage; decrease; jar cracked; 'unsellable',0.75,11/24/2026,"
    )


def test_theft_and_other_always_carry_the_detail_the_state_requires():
    for reason in ("theft", "other", "sample", "qa_testing"):
        detail = adjustment_detail(reason, Decimal("2"))
        assert detail == f"{reason}; increase"
        assert our_reason_from_detail(detail) == reason
    long_note = adjustment_detail("other", Decimal("-1"), "word " * 100)
    assert len(long_note) == 250
    assert long_note.endswith("...")
    assert our_reason_from_detail("Found behind the counter") is None


def test_an_adjustment_of_nothing_or_for_an_unknown_reason_is_refused():
    with pytest.raises(CcrsFormatError, match="non-zero"):
        adjustment_detail("damage", Decimal("0"))
    with pytest.raises(CcrsFormatError, match="no CCRS reason"):
        adjustment_detail("spillage", Decimal("-1"))
