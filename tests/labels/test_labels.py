"""Printing package labels: a scanner reads the tag off both codes, the state's words are on it."""

from __future__ import annotations

import base64
import re
from datetime import date
from decimal import Decimal

import pypdfium2
import zxingcpp

from domain import db
from domain.labels.model import NOT_CONFIGURED, LabelRow, state_panel
from domain.labels.render import render
from domain.roles import Role
from plugins.states import california
from plugins.states.base import LabelRules
from tests.support.world import OTHER_TAG, TAG

LABELS = """
query($tags: [String!]!) { labels(tags: $tags) {
  __typename
  ... on LabelSheet { filename contentType pages tags pdfBase64 }
  ... on UserError { message }
  ... on UnknownTags { tags }
  ... on TooManyTags { asked limit }
} }
"""


def _pages(pdf: bytes) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each page's text and the barcodes a scanner finds on it (rendered at 300 dpi)."""
    document = pypdfium2.PdfDocument(pdf)
    pages = []
    for page in document:
        image = page.render(scale=300 / 72).to_pil()
        codes = [(b.format.name, b.text) for b in zxingcpp.read_barcodes(image)]
        pages.append((page.get_textpage().get_text_range(), codes))
    return pages


def _words(text: str) -> str:
    """The label's words in one line, without the heading of its continuation pages."""
    kept = [line for line in text.splitlines() if "continued (" not in line]
    return re.sub(r"\s+", " ", " ".join(kept)).strip()


async def _sheet(api, token: str, *tags: str) -> dict:
    result = await api(LABELS, {"tags": list(tags)}, token=token)
    assert "errors" not in result, result
    return result["data"]["labels"]


async def test_a_ca_label_scans_as_its_tag_both_ways_and_carries_the_government_warning(api, world):
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE batch SET thc_percent = 21.4, cbd_percent = 0.1, production_date = $2"
            " WHERE id = $1",
            world.batch_id,
            date(2026, 11, 7),
        )
    sheet = await _sheet(api, world.ca.token(Role.BUDTENDER), TAG)
    assert sheet["__typename"] == "LabelSheet"
    assert (sheet["contentType"], sheet["tags"]) == ("application/pdf", [TAG])
    pages = _pages(base64.b64decode(sheet["pdfBase64"]))
    assert sheet["pages"] == len(pages) >= 1
    first_text, codes = pages[0]
    assert sorted(codes) == [("Code128", TAG), ("QRCode", TAG)]
    for fact in (
        "Product FL-OG-3.5",
        "Batch: B-FL-OG-3.5",
        "THC 21.4 % · CBD 0.1 % · lab passed",
        "Net: 10.0 g (0.353 oz)",
        "Packaged: 2026-11-07",
        "Licence: C10-0000001-LIC",
    ):
        assert fact in first_text, fact
    # The warning does not fit under the barcode at 6 pt: it moves whole to a second label
    # (headed with the tag) rather than being shrunk or cut in two.
    label = _words("\n".join(text for text, _ in pages))
    warning = california.RULEBOOK.labels.warnings[0].value
    assert [warning in _words(text) for text, _ in pages] == [False, True]
    assert TAG in pages[1][0]
    assert "Required, not printed here: allergens, ingredients" in label


async def test_a_co_label_carries_colorados_warning(api, world):
    sheet = await _sheet(api, world.co.token(Role.MANAGER), OTHER_TAG)
    pages = _pages(base64.b64decode(sheet["pdfBase64"]))
    label = _words("\n".join(text for text, _ in pages))
    assert "Contains Marijuana. Keep out of the reach of children." in label
    assert "Net: 5.0 g" in label  # grams to 0.1 g, as CO asks
    assert ("Code128", OTHER_TAG) in pages[0][1]


async def test_unknown_foreign_and_too_many_tags_print_nothing(api, world):
    token = world.ca.token(Role.ADMIN)
    unknown = await _sheet(api, token, TAG, "1A4FF0100000022000000000")
    assert (unknown["__typename"], unknown["tags"]) == ("UnknownTags", ["1A4FF0100000022000000000"])
    # Another operator's package is not revealed: it is unknown here.
    foreign = await _sheet(api, token, OTHER_TAG)
    assert foreign["__typename"] == "UnknownTags"
    many = await _sheet(api, token, *[f"TAG{i}" for i in range(51)])
    assert (many["__typename"], many["asked"], many["limit"]) == ("TooManyTags", 51, 50)


def _row(state: str, category: str = "flower") -> LabelRow:
    return LabelRow(
        tag="1A4FF0100000022000000777",
        product="Gummies 10 × 10 mg",
        category=category,
        brand=None,
        batch_number="B-7",
        lab_status="passed",
        thc_percent=None,
        cbd_percent=None,
        quantity=Decimal(12),
        unit="each",
        net_weight_grams=Decimal("30"),
        packaged_on=None,
        expires_on=date(2027, 1, 31),
        licensee="Somewhere",
        license_number="L-1",
        state=state,
    )


def test_a_state_without_label_rules_says_so_on_the_label_instead_of_inventing_text():
    row = _row("TX")
    for rules in (None, LabelRules()):
        panel = state_panel(rules, row)
        pages = _pages(render([(row, panel)]).pdf)
        text = _words("\n".join(t for t, _ in pages))
        assert f"{NOT_CONFIGURED} (TX)" in text
        assert "WARNING" not in text.replace(NOT_CONFIGURED, "")
        assert ("Code128", row.tag) in pages[0][1]


def test_california_edibles_get_the_products_warning_and_the_infused_statement():
    panel = state_panel(california.RULEBOOK.labels, _row("CA", "edible"))
    assert panel.infused_statement
    assert panel.warnings == (california.RULEBOOK.labels.product_warnings[0].value,)
    assert "DELAYED UP TO TWO HOURS" in panel.warnings[0]
    flower = state_panel(california.RULEBOOK.labels, _row("CA", "flower"))
    assert not flower.infused_statement
    assert "THIS PACKAGE CONTAINS CANNABIS" in flower.warnings[0]
