"""Bad input is dead-lettered with a reason; the service keeps going; nothing valid is lost."""

import json

import pytest
from nats.js import JetStreamContext

from tests.integration.bus import dead_letters, events_of, publish, wait_for
from tests.integration.intake_process import IntakeProcess
from tests.integration.scenario import Scenario

pytestmark = pytest.mark.integration


def reasons(letters: list) -> list[str]:  # type: ignore[type-arg]
    return [letter.headers["Mediation-Dead-Letter-Reason"] for letter in letters]


async def test_each_kind_of_invalid_input_is_dead_lettered_while_valid_traffic_continues(
    intake: IntakeProcess, js: JetStreamContext
) -> None:
    case = Scenario.new()
    subject = f"mediation.v1.{case.tenant}.case.requested"
    valid_request = case.request()
    schema_invalid = json.loads(valid_request.to_json())
    del schema_invalid["data"]["parties"]
    wrong_tenant = json.loads(valid_request.to_json()) | {"tenant": "another-town"}
    other = Scenario(tenant=case.tenant)

    bad_inputs: list[tuple[bytes, str, str]] = [
        (b"\x00\xffnot json at all", subject, "not JSON"),
        (b"[1, 2, 3]", subject, "not an object"),
        (json.dumps(schema_invalid).encode(), subject, "data.parties: Field required"),
        (json.dumps(wrong_tenant).encode(), subject, "does not match subject tenant"),
        (
            case.assign().to_json(),
            subject,
            "type: Input should be 'dk.mediation.case.requested.v1'",
        ),
    ]
    for body, on_subject, _ in bad_inputs:
        await publish(js, body, on_subject)
    await publish(js, valid_request)
    await wait_for(lambda: events_of(js, case.tenant, "consent.requested"), what="valid request")
    await publish(js, case.assess("declined"))
    await wait_for(lambda: events_of(js, case.tenant, "case.closed"), what="the declined case")
    # An impossible transition (assessing a closed case) and an event for a case that never is.
    await publish(js, case.assess("accepted"))
    await publish(js, other.consent(other.citizen))

    expected = [expectation for _, _, expectation in bad_inputs] + [
        f"case {case.case_id} is closed",
        f"gave up after 4 deliveries: case {other.case_id} is unknown to intake",
    ]
    letters = await wait_for(
        lambda: dead_letters_at_least(js, case.tenant, len(expected)),
        timeout=30,
        what="every dead letter",
    )
    got = reasons(letters)
    for expectation in expected:
        assert any(expectation in reason for reason in got), (expectation, "\n".join(got))
    assert len(letters) == len(expected)
    # The original bytes and subject are kept, so an operator can fix and replay them.
    assert letters[0].data == b"\x00\xffnot json at all"
    assert letters[0].headers["Mediation-Original-Subject"] == subject
    assert intake.is_running()


async def dead_letters_at_least(js: JetStreamContext, tenant: str, count: int) -> list:  # type: ignore[type-arg]
    letters = await dead_letters(js, tenant)
    return letters if len(letters) >= count else []
