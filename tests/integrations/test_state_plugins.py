"""A state's rules come from plugins: a package installed under the ``leafledger.states``
entry-point group replaces a built-in state's limits or adds a new state, and the register
enforces them.

The third-party package is real: the test writes its module and metadata, builds a wheel, has
pip install it into a temporary directory, and puts that directory on ``sys.path``, so the
plugin manager finds it exactly as it would find a package installed by an operator. Afterwards
the directory, the imported module and the cached registry are removed again.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from domain import errors
from domain.catalog.model import Category
from domain.limits import FLOWER_G, Variant
from domain.quantities import Unit
from domain.roles import Role
from domain.sales import limits, sales
from domain.sales.model import CustomerType
from plugins import registry
from plugins.hookspecs import hookimpl
from plugins.states import colorado
from plugins.states.base import StateRulebook
from tests.support.units import new_uow
from tests.support.world import OTHER_TAG

DISTRIBUTION = "leafledger_test_zedland"
MODULE = textwrap.dedent(
    '''
    """Zedland's rules, and a county that sells Colorado customers less flower."""

    from decimal import Decimal

    from domain.limits import (
        FLOWER_G, Cap, LimitRuleSet, Mark, Variant, Window, same_as, thc_in_products
    )
    from plugins.hookspecs import hookimpl
    from plugins.states import colorado
    from plugins.states.base import StateRulebook

    SOURCE = "Zedland Cannabis Act s. 4 (test plugin)"
    ADULT = LimitRuleSet(
        state="ZZ",
        variant=Variant.ADULT_USE,
        window=Window.transaction(),
        caps={FLOWER_G: Cap(Decimal("4"), Mark.CONFIRMED, SOURCE)},
        counting=thc_in_products(),
        mark=Mark.CONFIRMED,
        sources=(SOURCE,),
    )
    ZEDLAND = StateRulebook(
        code="ZZ",
        name="Zedland",
        limits={
            Variant.ADULT_USE: ADULT,
            Variant.ADULT_USE_NON_RESIDENT: same_as(
                ADULT, Variant.ADULT_USE_NON_RESIDENT, "no residency rule"
            ),
            Variant.MEDICAL: same_as(ADULT, Variant.MEDICAL, "no medical programme"),
        },
    )
    COLORADO = colorado.RULEBOOK.with_limit_overrides(
        Variant.ADULT_USE, source="County ordinance 12 (test plugin)", caps={FLOWER_G: Decimal("2")}
    )


    @hookimpl
    def register_states():
        return [COLORADO, ZEDLAND]
    '''
)


def _wheel(directory: Path) -> Path:
    """A wheel of the test plugin: its module, its metadata and its entry point."""
    name = f"{DISTRIBUTION}-0.1.0"
    files = {
        f"{DISTRIBUTION}.py": MODULE,
        f"{name}.dist-info/METADATA": (
            f"Metadata-Version: 2.1\nName: {DISTRIBUTION}\nVersion: 0.1.0\n"
        ),
        f"{name}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: leafledger-tests\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
        f"{name}.dist-info/entry_points.txt": f"[leafledger.states]\nzedland = {DISTRIBUTION}\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{name}.dist-info/RECORD"] = "\n".join([*record, f"{name}.dist-info/RECORD,,"]) + "\n"
    wheel = directory / f"{name}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Iterator[Path]:
    """The test plugin pip-installed into a temporary directory on ``sys.path``."""
    target = tmp_path / "site"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"),
            *("--disable-pip-version-check", "--target", str(target), str(_wheel(tmp_path))),
        ],
        check=True,
        capture_output=True,
    )
    sys.path.insert(0, str(target))
    registry.from_installed_plugins.cache_clear()
    try:
        yield target
    finally:
        sys.path.remove(str(target))
        sys.modules.pop(DISTRIBUTION, None)
        registry.from_installed_plugins.cache_clear()


def _flower(grams: str) -> limits.NewLine:
    facts = {name: None for name in limits.FACT_FIELDS}
    facts.update(category=str(Category.FLOWER), unit=str(Unit.GRAMS))
    return limits.NewLine(OTHER_TAG, Decimal(grams), facts)


async def _zedland_check(world, grams: str) -> None:
    await limits.check(
        registry.current(),
        location_id=world.co.location_id,
        state="zz",
        timezone="America/Denver",
        kind=CustomerType.ADULT_USE,
        customer_key="zed-1",
        lines=[_flower(grams)],
        at=datetime.now(UTC),
    )


def _colorado_sale(world, grams: str) -> sales.RecordSale:
    return sales.RecordSale(
        location_id=world.co.location_id,
        register="R1",
        pos_receipt_id="CO-PLUGIN-1",
        customer_type=CustomerType.ADULT_USE,
        lines=[sales.SaleLineInput(OTHER_TAG, Decimal(grams), Decimal("10.00"))],
        customer_key="co-1",
    )


async def test_hook_register_states(world, installed_plugin):
    """An installed package lowers CO's adult-use flower limit and adds a state, ZZ."""
    installed = registry.states()
    assert installed["CO"] is not colorado.RULEBOOK
    assert installed["ZZ"].name == "Zedland"
    budtender = world.co.users[Role.BUDTENDER]

    # Colorado: 3 g of flower is within the built-in ounce, but not the county's 2 g.
    with pytest.raises(errors.PurchaseLimitExceeded) as refused:
        await sales.record_sale(new_uow(), budtender, _colorado_sale(world, "3"))
    [bucket] = refused.value.buckets
    assert (bucket.bucket, bucket.limit, bucket.over_by) == ("flower_g", Decimal(2), Decimal(1))
    # Zedland: the new state's 4 g cap is enforced; within it the sale may go ahead.
    with pytest.raises(errors.PurchaseLimitExceeded) as refused:
        await _zedland_check(world, "5")
    [bucket] = refused.value.buckets
    assert (bucket.limit, bucket.over_by) == (Decimal(4), Decimal(1))
    await _zedland_check(world, "4")


async def test_without_the_plugin_the_built_in_colorado_applies_and_zedland_cannot_sell(world):
    registry.from_installed_plugins.cache_clear()
    assert "ZZ" not in registry.states()
    with pytest.raises(errors.ValidationError, match="no purchase-limit rules for zz"):
        await _zedland_check(world, "1")
    sold = await sales.record_sale(
        new_uow(), world.co.users[Role.BUDTENDER], _colorado_sale(world, "3")
    )
    assert sold.value.sale_id


class StricterColorado:
    """A plugin registered after the built-ins, as an installed package would be."""

    RULEBOOK = colorado.RULEBOOK.with_limit_overrides(
        Variant.ADULT_USE, source="test", caps={FLOWER_G: Decimal("1")}
    )

    @hookimpl
    def register_states(self) -> list[StateRulebook]:
        return [self.RULEBOOK]


def test_a_plugin_registered_after_the_built_ins_replaces_their_state():
    pm = registry.get_plugin_manager(load_entrypoints=False)
    pm.register(StricterColorado(), name="stricter-colorado")
    pm.check_pending()
    rulebooks = registry.collect_states(pm)
    assert rulebooks["CO"] is StricterColorado.RULEBOOK
    assert rulebooks["CA"].name == "California"  # the other built-ins stay


def test_a_plugin_returning_something_else_than_a_rulebook_fails_at_start_up():
    class Careless:
        @hookimpl
        def register_states(self) -> list[object]:
            return [{"code": "CO"}]

    pm = registry.get_plugin_manager(load_entrypoints=False)
    pm.register(Careless(), name="careless")
    with pytest.raises(TypeError, match="not a StateRulebook"):
        registry.collect_states(pm)
