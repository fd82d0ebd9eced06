"""The pure rules of samples and lab results, without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.catalog.model import LabStatus
from domain.inventory.model import PackageStatus
from domain.inventory.rules import PackageState
from domain.lab import model as lab
from domain.lab.results import from_state
from domain.limits import Mark
from domain.samples import model
from domain.samples.model import SampleKind
from plugins.base import StateLabResult
from plugins.states.base import Fact, SampleRules

TODAY = date(2026, 12, 7)


def _package(status=PackageStatus.ACTIVE, expires_on=None) -> PackageState:
    return PackageState(1, "T", 1, 1, "grams", status, LabStatus.PASSED, expires_on, None, 0, "")


def test_only_active_unexpired_stock_is_sampled():
    assert model.sampling_refusal(_package(), TODAY) is None
    assert "on hold" in model.sampling_refusal(_package(PackageStatus.ON_HOLD), TODAY)
    assert "expired" in model.sampling_refusal(_package(expires_on=date(2026, 12, 6)), TODAY)


def test_unconfirmed_sample_kinds_are_refused_and_display_jars_never_are():
    unknown = SampleRules()
    assert model.kind_refusal(SampleKind.DISPLAY, None) is None
    assert "not confirmed" in model.kind_refusal(SampleKind.TRADE, unknown)
    banned = SampleRules(trade_samples=Fact(False, Mark.CONFIRMED, "rule 7"))
    assert "rule 7" in model.kind_refusal(SampleKind.TRADE, banned)
    assert model.kind_refusal(SampleKind.EMPLOYEE, None) == "no state plugin covers this state"


def test_the_monthly_employee_limit_counts_what_was_already_taken():
    rules = SampleRules(employee_grams_per_month=Fact(Decimal(3), Mark.CONFIRMED, "s"))
    assert model.employee_limit_refusal(rules, Decimal(2), Decimal(1)) is None
    assert model.employee_limit_refusal(rules, Decimal(2), Decimal("1.001")) == Decimal(3)
    assert model.employee_limit_refusal(SampleRules(), Decimal(99), Decimal(99)) is None


def test_the_locations_rotation_wins_over_the_states_and_ours():
    state = SampleRules(display_rotation_days=Fact(14, Mark.SECONDARY, "s"))
    assert model.rotation_days(7, state) == 7
    assert model.rotation_days(None, state) == 14
    assert model.rotation_days(None, None) == model.DEFAULT_ROTATION_DAYS
    assert model.is_overdue(date(2026, 12, 6), TODAY)
    assert not model.is_overdue(TODAY, TODAY)


def test_a_certificate_passes_only_if_every_analyte_does_and_a_retest_is_remediation():
    passing = [lab.Analyte("THC", True), lab.Analyte("Mold", True)]
    assert lab.overall_passed(passing)
    assert not lab.overall_passed([*passing, lab.Analyte("Lead", False)])
    assert lab.lab_status_after(LabStatus.PENDING, True) == LabStatus.PASSED
    assert lab.lab_status_after(LabStatus.FAILED, True) == LabStatus.REMEDIATED
    assert lab.lab_status_after(LabStatus.PASSED, False) == LabStatus.FAILED


def test_state_tests_without_a_verdict_are_left_out_and_the_same_set_is_one_result():
    tests = [
        StateLabResult("Total THC (%)", True, "1", Decimal("21.5")),
        StateLabResult("Pesticides", None, "2"),
        StateLabResult("Total THC (%)", False, "3", Decimal("300")),
    ]
    result = from_state(9, "metrc", tests)
    assert result is not None
    assert [(a.name, a.passed) for a in result.analytes] == [("Total THC (%)", False)]
    assert result.thc == Decimal("21.500")  # 300 % is not a percentage
    assert from_state(9, "metrc", list(reversed(tests))) == result
    assert from_state(9, "metrc", [StateLabResult("x", None)]) is None
