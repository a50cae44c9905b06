"""Bad input is dead-lettered with a reason; the service keeps going; nothing valid is lost."""

import json
from datetime import UTC, datetime

import pytest
from mediation_runtime.dead_letters import list_dead_letters, replay, replay_matching
from nats.js import JetStreamContext

from tests.data.scenario import Scenario
from tests.integration.bus import dead_letters, events_of, publish, wait_for
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

pytestmark = pytest.mark.integration


def reasons(letters: list) -> list[str]:  # type: ignore[type-arg]
    return [letter.headers["Mediation-Dead-Letter-Reason"] for letter in letters]


async def test_each_kind_of_invalid_input_is_dead_lettered_while_valid_traffic_continues(
    intake: ServiceProcess, js: JetStreamContext
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
        # A valid event of another type on this subject: its producer's permission to
        # publish requests does not make it a producer of assignments.
        (
            case.assign().to_json(),
            subject,
            "event type 'dk.mediation.mediator.assigned.v1' does not belong on case.requested",
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


async def test_operator_lists_and_replays_a_dead_letter_once_its_cause_is_fixed(
    intake: ServiceProcess, js: JetStreamContext, bus: LiveBus
) -> None:
    case = Scenario.new()
    consent = case.consent(case.administration)
    await publish(js, consent)  # its case does not exist yet: retried, then dead-lettered
    await wait_for(lambda: dead_letters(js, case.tenant), timeout=30, what="the dead letter")
    await publish(js, case.request(requester_consents=True))
    await publish(js, case.assess("accepted"))
    await publish(js, case.assign())

    listed = [
        letter
        for letter in await list_dead_letters(bus.credentials(), "intake")
        if letter["original_subject"] == consent.nats_subject()
    ]
    assert len(listed) == 1
    assert "is unknown to intake" in listed[0]["reason"]
    await replay(bus.credentials(), "intake", listed[0]["dlq_seq"])
    await replay(bus.credentials(), "intake", listed[0]["dlq_seq"])  # twice: still applied once

    # Without the administration's consent the case could never become ready.
    await wait_for(
        lambda: events_of(js, case.tenant, "case.ready_for_scheduling"), what="readiness"
    )
    await wait_for(lambda: intake_logged_duplicate(intake, consent.id), what="second replay")
    assert len(await events_of(js, case.tenant, "case.ready_for_scheduling")) == 1


async def intake_logged_duplicate(intake: ServiceProcess, event_id: object) -> bool:
    return any(
        '"duplicate_ignored"' in line and str(event_id) in line
        for line in intake.logs().splitlines()
    )


async def test_operator_replays_every_dead_letter_of_an_incident_at_once(
    intake: ServiceProcess, js: JetStreamContext, bus: LiveBus
) -> None:
    """`replay-all` with a reason and a time range: the consents that came too early for
    their cases go back in one step, and nothing outside the range or reason does."""
    cases = [Scenario.new() for _ in range(3)]
    since = datetime.now(UTC)
    for case in cases:
        await publish(js, case.consent(case.administration))  # cases unknown: dead-lettered
    for case in cases:
        await wait_for(lambda c=case: dead_letters(js, c.tenant), timeout=30, what="dead letter")
        for event in (
            case.request(requester_consents=True),
            case.assess("accepted"),
            case.assign(),
        ):
            await publish(js, event)

    listed = await replay_matching(
        bus.credentials(), "intake", reason="unknown to intake", since=since, dry_run=True
    )
    assert len(listed) == 3
    nothing = await replay_matching(bus.credentials(), "intake", reason="no such", since=since)
    assert nothing == []
    replayed = await replay_matching(
        bus.credentials(), "intake", reason="unknown to intake", since=since
    )
    assert replayed == listed
    for case in cases:
        await wait_for(
            lambda c=case: events_of(js, c.tenant, "case.ready_for_scheduling"), what="readiness"
        )
