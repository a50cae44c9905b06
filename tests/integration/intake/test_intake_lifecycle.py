"""Intake against real NATS JetStream and a MongoDB-wire server, as a separate process."""

from typing import Any

import pytest
from nats.js import JetStreamContext
from pymongo.asynchronous.collection import AsyncCollection

from tests.data.scenario import Scenario
from tests.integration.bus import dead_letters, events_of, publish, wait_for
from tests.integration.service_process import ServiceProcess

pytestmark = pytest.mark.integration

Cases = AsyncCollection[dict[str, Any]]


async def status_of(cases: Cases, case: Scenario) -> str | None:
    document = await cases.find_one({"tenant": case.tenant, "case_id": str(case.case_id)})
    return None if document is None else str(document["status"])


async def types_on_stream(js: JetStreamContext, case: Scenario) -> list[str]:
    return [
        e["type"].split(".")[2] + "." + e["type"].split(".")[3]
        for e in await events_of(js, case.tenant)
        if e["subject"] == str(case.case_id)
    ]


async def test_request_to_ready_for_scheduling(
    intake: ServiceProcess, js: JetStreamContext, cases: Cases
) -> None:
    case = Scenario.new()
    await publish(js, case.request(requester_consents=True))
    asked = await wait_for(
        lambda: events_of(js, case.tenant, "consent.requested"), what="ConsentRequested"
    )
    # The requesting citizen consented in the request; only the administration is asked.
    assert [e["data"]["party_id"] for e in asked] == [case.administration]
    assert asked[0]["causationid"] == str(case.request_id)

    for event in (case.assess("accepted"), case.assign(), case.consent(case.administration)):
        await publish(js, event)

    ready = await wait_for(
        lambda: events_of(js, case.tenant, "case.ready_for_scheduling"), what="readiness"
    )
    assert len(ready) == 1
    assert ready[0]["data"] == {
        "party_ids": sorted([case.citizen, case.administration]),
        "mediator_id": case.mediator,
    }
    assert ready[0]["correlationid"] == str(case.request_id)
    assert await status_of(cases, case) == "ready_for_scheduling"
    assert await dead_letters(js, case.tenant) == []


async def test_same_events_twice_give_one_case_and_no_duplicate_events(
    intake: ServiceProcess, js: JetStreamContext, cases: Cases
) -> None:
    case = Scenario.new()
    request = case.request(requester_consents=False)
    await publish(js, request)
    await publish(js, request)
    later = [
        case.assess("accepted"),
        case.assign(),
        case.consent(case.citizen),
        case.consent(case.administration),
    ]
    for event in later:
        await publish(js, event)
        await publish(js, event)

    await wait_for(lambda: status_of(cases, case), what="the case")
    await wait_for(
        lambda: events_of(js, case.tenant, "case.ready_for_scheduling"), what="readiness"
    )
    # Let every duplicate be consumed before counting: each message is acknowledged.
    await wait_for(lambda: intake_caught_up(js), what="intake to consume everything")

    assert await cases.count_documents({"tenant": case.tenant}) == 1
    produced = await types_on_stream(js, case)
    assert produced.count("consent.requested") == 2
    assert produced.count("case.ready_for_scheduling") == 1
    assert await dead_letters(js, case.tenant) == []


async def test_one_cases_events_are_applied_in_stream_order_in_a_burst(
    intake: ServiceProcess, js: JetStreamContext, cases: Cases
) -> None:
    # Ten cases, each's events published back to back with the others': a withdrawal
    # applied before the consent published ahead of it would refuse that consent (the case
    # would be closed). One consumer per service keeps each case's events in order.
    first = Scenario.new()
    burst = [first, *(Scenario(tenant=first.tenant) for _ in range(9))]
    steps = [
        lambda c: c.request(requester_consents=False),
        lambda c: c.assess("accepted"),
        lambda c: c.assign(),
        lambda c: c.consent(c.citizen),
        lambda c: c.consent(c.administration),
        lambda c: c.withdraw(c.citizen, by="party"),
    ]
    published: dict[str, list[str]] = {str(c.case_id): [] for c in burst}
    for step in steps:
        for case in burst:
            event = step(case)
            published[str(case.case_id)].append(str(event.id))
            await publish(js, event)

    async def all_closed() -> bool:
        return all([await has_status(cases, case, "closed") for case in burst])

    await wait_for(all_closed, what="every case closed by its withdrawal")
    assert await dead_letters(js, first.tenant) == []
    for case in burst:
        document = await cases.find_one({"tenant": case.tenant, "case_id": str(case.case_id)})
        assert document is not None
        applied = [e["event_id"] for e in document["timeline"]]
        sent = published[str(case.case_id)]
        assert [event_id for event_id in applied if event_id in sent] == sent


async def intake_caught_up(js: JetStreamContext) -> bool:
    names = [name async for name in consumer_names(js)]
    for name in names:
        info = await js.consumer_info("MEDIATION", name)
        if info.num_pending or info.num_ack_pending:
            return False
    return True


async def consumer_names(js: JetStreamContext) -> Any:
    for info in await js.consumers_info("MEDIATION"):
        if info.name.startswith("intake-"):
            yield info.name


@pytest.mark.parametrize("stage", ["requested", "accepted", "ready_for_scheduling"])
@pytest.mark.parametrize("who", ["citizen", "administration", "mediator"])
async def test_withdrawal_at_each_stage_closes_the_case(
    intake: ServiceProcess, js: JetStreamContext, cases: Cases, stage: str, who: str
) -> None:
    case = Scenario.new()
    steps = [case.request(requester_consents=True), case.assign()]
    if stage in ("accepted", "ready_for_scheduling"):
        steps.append(case.assess("accepted"))
    if stage == "ready_for_scheduling":
        steps.append(case.consent(case.administration))
    for event in steps:
        await publish(js, event)
    await wait_for(lambda: all_applied(cases, case, steps), what=f"stage {stage}")
    assert await status_of(cases, case) == stage

    participant = {
        "citizen": case.citizen,
        "administration": case.administration,
        "mediator": case.mediator,
    }[who]
    await publish(js, case.withdraw(participant, by="mediator" if who == "mediator" else "party"))

    closed = await wait_for(lambda: events_of(js, case.tenant, "case.closed"), what="CaseClosed")
    assert [e["data"] for e in closed] == [{"outcome": "withdrawn", "closed_because": "withdrawn"}]
    assert await status_of(cases, case) == "closed"
    assert await dead_letters(js, case.tenant) == []


async def has_status(cases: Cases, case: Scenario, status: str) -> bool:
    return await status_of(cases, case) == status


async def all_applied(cases: Cases, case: Scenario, events: list[Any]) -> bool:
    document = await cases.find_one({"tenant": case.tenant, "case_id": str(case.case_id)})
    return document is not None and {str(e.id) for e in events} <= set(document["applied"])


async def test_matter_in_complaint_handling_is_refused_with_reason(
    intake: ServiceProcess, js: JetStreamContext, cases: Cases
) -> None:
    case = Scenario.new()
    await publish(js, case.request(in_complaint_handling=True))

    refused = await wait_for(
        lambda: events_of(js, case.tenant, "case.request_refused"), what="the refusal"
    )
    assert refused[0]["data"]["reason_code"] == "in_complaint_handling"
    assert "complaint" in refused[0]["data"]["reason"]
    assert await status_of(cases, case) == "refused"
    assert await events_of(js, case.tenant, "consent.requested") == []


async def test_outcome_closes_a_ready_case_with_follow_up_contact(
    intake: ServiceProcess, js: JetStreamContext, cases: Cases
) -> None:
    case = Scenario.new()
    for event in (
        case.request(requester_consents=True),
        case.assess("accepted"),
        case.assign(),
        case.consent(case.administration),
    ):
        await publish(js, event)
    await wait_for(lambda: has_status(cases, case, "ready_for_scheduling"), what="readiness")

    await publish(js, case.outcome("partial_agreement"))

    closed = await wait_for(lambda: events_of(js, case.tenant, "case.closed"), what="CaseClosed")
    assert closed[0]["data"]["outcome"] == "partial_agreement"
    assert closed[0]["data"]["closed_because"] == "outcome_recorded"
    assert closed[0]["data"]["follow_up_contact"]["name"]
