"""Property tests never replay another run's saved failures: the suite's profile has no examples
database, so each run draws its own examples."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st


def test_the_suite_keeps_no_examples_database():
    assert settings.default is not None
    assert settings.default.database is None


@given(st.integers())
def test_a_property_test_runs_without_an_examples_database(n: int):
    assert settings().database is None
    assert isinstance(n, int)
