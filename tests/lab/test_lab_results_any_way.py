"""METRC may answer a lab-result pull any way its description allows (``Data: null``, empty
lists, nulls in every field, absurd levels, every documented status): the pull refuses with a
typed error or records only what METRC really said, and never sends a request it forbids."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from domain import db
from domain.lab import results
from domain.roles import Role
from tests.compliance import state_answers as judge
from tests.compliance.test_state_answers_any_way import HINTS, _case, store  # noqa: F401
from tests.doubles.metrc.generated import Answer, GeneratedAnswers, scripts
from tests.support.units import new_uow

OPS = {"GetPackageByLabel": 1, "GetLabTestResults": 2}
LAB_HINTS = {
    **HINTS,
    "testpassed": st.one_of(st.none(), st.booleans()),
    "testtypename": st.sampled_from(("Total THC (%)", "Pesticides", "", "Total CBD (%)")),
}


def _said(answers: list[tuple[str, Answer]]) -> list[Any]:
    """Every lab-test record the double's answers carried."""
    found: list[Any] = []
    for operation, answer in answers:
        if operation == "GetLabTestResults" and not answer.real and 200 <= answer.status < 300:
            found.extend(judge.records(answer.body) or [])
    return found


# Either METRC's package lookup is real and its results answer any way (so what is recorded
# can be judged), or both answer any way (odd ids, errors, empty bodies).
RESULTS_ONLY = scripts(
    {"GetLabTestResults": 2}, LAB_HINTS, succeed_first=frozenset({"GetLabTestResults"})
)
ANYTHING = st.frozensets(st.sampled_from(sorted(OPS))).flatmap(
    lambda first: scripts(OPS, LAB_HINTS, succeed_first=first)
)
FAILED_TEST = {"LabTestResultId": 5, "TestTypeName": "Pesticides", "TestPassed": False}
ABSURD_PASS = {"TestTypeName": "Total THC (%)", "TestPassed": True, "TestResultLevel": 1.79e308}


@judge.EXAMPLES
@given(script=st.one_of(RESULTS_ONLY, ANYTHING))
@example(script=GeneratedAnswers({"GetLabTestResults": [Answer(200, {"Data": None})]}))
@example(script=GeneratedAnswers({"GetLabTestResults": [Answer(200, empty=True)]}))
@example(script=GeneratedAnswers({"GetLabTestResults": [Answer(200, {"Data": [FAILED_TEST]})]}))
@example(script=GeneratedAnswers({"GetLabTestResults": [Answer(200, [{"TestPassed": None}])]}))
@example(
    script=GeneratedAnswers(
        {"GetLabTestResults": [Answer(200, {"Data": [ABSURD_PASS, {"TestPassed": None}]})]}
    )
)
async def test_a_pull_records_only_what_metrc_said(store, metrc_server, script):  # noqa: F811
    world = await _case(store, metrc_server)
    async with db.connection() as conn:
        await conn.execute("DELETE FROM lab_result")
        await conn.execute("UPDATE batch SET lab_status = 'passed' WHERE id = $1", world.batch_id)
        await conn.execute("UPDATE package SET status = 'active'")
    metrc_server.state.add_lab_result(world.tag, "Pesticides", passed=False)
    answers = script.fresh({"@TAG@": world.tag})
    metrc_server.answer_mode = answers
    try:
        outcome = await judge.entry(
            "lab-result pull",
            results.pull_lab_results(
                new_uow(),
                world.as_(Role.COMPLIANCE),
                results.PullLabResults(world.ca.location_id, world.tag),
            ),
        )
    finally:
        metrc_server.answer_mode = None
    bad = [e for e in metrc_server.log.entries if e.violation or e.crashed]
    assert not bad, [f"{e.method} {e.path}: {e.errors}" for e in bad]
    if outcome is None or outcome.value.result_id is None:
        return
    calls = [e for e in metrc_server.log.entries if e.path.endswith("/labtests/v2/results")]
    generated = [a for op, a in answers.given if op == "GetLabTestResults" and not a.real]
    if len(calls) != len(generated):
        return  # the realistic double answered some page: its own failing test may count
    verdicts = {judge.get(r, "TestPassed") for r in _said(answers.given)}
    allowed = ({"failed"} if False in verdicts else set()) | (
        {"passed"} if True in verdicts and False not in verdicts else set()
    )
    assert outcome.value.lab_status in allowed, (outcome.value, verdicts)
