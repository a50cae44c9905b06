"""The follow-up after an agreement and the mediator's reflection, through insights' handlers
over the in-memory store: FollowUpDue once when the period ran out, the result recorded by the
case's mediator only (FollowUpRecorded, which insights counts when it hears it back), and
the reflection kept per case, from the case's mediator only."""

import json
from datetime import timedelta
from typing import Literal
from uuid import UUID, uuid4

import pytest
from insights import handlers
from insights.domain.case_record import NotAllowed
from mediation_contracts.commands import ListFollowUps, RecordFollowUp, RecordReflection
from mediation_contracts.events import CaseClosed, CaseClosedData, FollowUpRecorded

from tests.data.events import (
    MEDIATOR,
    SOURCE,
    TENANT,
    assessed,
    case_closed,
    case_requested,
    mediator_assigned,
)
from tests.unit.insights.fakes import World

OTHER_MEDIATOR = "mediator-9"


def closed(
    case_id: UUID,
    outcome: Literal["agreement", "partial_agreement", "no_agreement"] = "agreement",
) -> CaseClosed:
    data = CaseClosedData(outcome=outcome, closed_because="outcome_recorded")
    return CaseClosed.create(tenant=TENANT, case_id=case_id, source=SOURCE, data=data)


async def closed_case(world: World, outcome: str = "agreement", mediator: str = MEDIATOR) -> UUID:
    request = case_requested()
    case = request.subject
    await world.apply(
        request,
        assessed(case),
        mediator_assigned(case, mediator),
        closed(case, outcome),  # type: ignore[arg-type]
    )
    return case


def follow_up(case: UUID, by: str = MEDIATOR, result: str = "held") -> RecordFollowUp:
    return RecordFollowUp(command_id=uuid4(), case_id=case, recorded_by=by, result=result)  # type: ignore[arg-type]


def reflection(case: UUID, by: str = MEDIATOR, **changes: object) -> RecordReflection:
    fields: dict[str, object] = {
        "command_id": uuid4(),
        "case_id": case,
        "mediator_id": by,
        "format_used": "shuttle",
        "helped": ["pre_meetings", "separate_rooms"],
        "mediation_suited": "yes",
    }
    return RecordReflection.model_validate(fields | changes)


async def code_of(coroutine: object) -> str:
    with pytest.raises(NotAllowed) as refused:
        await coroutine  # type: ignore[misc]
    return refused.value.code


async def test_follow_up_due_once_when_its_time_came() -> None:
    world = World()
    case = await closed_case(world)
    stored = await world.insights.cases.load(TENANT, case)
    assert stored is not None
    assert stored.record.follow_up is not None
    due_at = stored.record.follow_up.due_at
    assert due_at - stored.record.follow_up.closed_at == timedelta(days=28)
    world.clock.now = due_at - timedelta(seconds=1)
    assert await handlers.publish_due_follow_ups(world.insights) == 0
    world.clock.now = due_at
    assert await handlers.publish_due_follow_ups(world.insights) == 1
    assert await handlers.publish_due_follow_ups(world.insights) == 0, "once"
    [due] = world.published("follow_up.due")
    assert due["subject"] == str(case)
    assert due["data"]["mediator_id"] == MEDIATOR
    assert due["causationid"] == str(stored.record.follow_up.caused_by), "answers the close"


@pytest.mark.parametrize("outcome", ["no_agreement"])
async def test_no_follow_up_without_an_agreement(outcome: str) -> None:
    world = World()
    case = await closed_case(world, outcome)
    world.clock.advance(timedelta(days=400))
    assert await handlers.publish_due_follow_ups(world.insights) == 0
    assert await code_of(handlers.record_follow_up(follow_up(case), TENANT, world.insights)) == (
        "no_follow_up"
    )


async def test_only_the_cases_mediator_records_the_follow_up_once_and_it_is_counted() -> None:
    world = World()
    case = await closed_case(world)
    other = handlers.record_follow_up(follow_up(case, OTHER_MEDIATOR), TENANT, world.insights)
    assert await code_of(other) == "not_your_case"
    unknown = handlers.record_follow_up(follow_up(uuid4()), TENANT, world.insights)
    assert await code_of(unknown) == "not_your_case", "an unknown case looks the same"

    command = follow_up(case, result="partly_held")
    assert (await handlers.record_follow_up(command, TENANT, world.insights)).ok
    assert (await handlers.record_follow_up(command, TENANT, world.insights)).ok, "idempotent"
    [recorded] = world.published("follow_up.recorded")
    assert recorded["data"] == {"result": "partly_held", "recorded_by": MEDIATOR}
    again = handlers.record_follow_up(follow_up(case, result="held"), TENANT, world.insights)
    assert await code_of(again) == "follow_up_recorded"

    # Insights counts the result when it hears its own event back.
    await world.apply(FollowUpRecorded.model_validate_json(json.dumps(recorded)))
    stored = await world.insights.cases.load(TENANT, case)
    assert stored is not None
    assert [fact.code for fact in stored.record.follow_up_results] == ["partly_held"]


async def test_a_mediators_follow_ups_due_first_with_whether_a_reflection_is_recorded() -> None:
    world = World()
    first = await closed_case(world)
    world.clock.advance(timedelta(days=1))
    second = await closed_case(world, "partial_agreement")
    await closed_case(world, "agreement", OTHER_MEDIATOR)
    await closed_case(world, "no_agreement")
    stored = await world.insights.cases.load(TENANT, second)
    assert stored is not None
    assert stored.record.follow_up is not None
    world.clock.now = stored.record.follow_up.due_at
    await handlers.publish_due_follow_ups(world.insights)
    await handlers.record_follow_up(follow_up(first), TENANT, world.insights)
    await handlers.record_reflection(reflection(first), TENANT, world.insights)
    reply = await handlers.list_follow_ups(
        ListFollowUps(viewer_id=MEDIATOR), TENANT, world.insights
    )
    views = reply.follow_ups or []
    assert [(v.case_id, v.status, v.reflection_recorded) for v in views] == [
        (second, "due", False),
        (first, "recorded", True),
    ]
    assert views[1].result == "held"


async def test_the_reflection_is_the_case_mediators_codes_replaced_on_resend() -> None:
    world = World()
    case = await closed_case(world)
    other = handlers.record_reflection(reflection(case, OTHER_MEDIATOR), TENANT, world.insights)
    assert await code_of(other) == "not_your_case"
    await handlers.record_reflection(reflection(case), TENANT, world.insights)
    await handlers.record_reflection(
        reflection(case, format_used="joint", mediation_suited="partly", helped=[]),
        TENANT,
        world.insights,
    )
    stored = await world.insights.cases.load(TENANT, case)
    assert stored is not None
    assert stored.record.reflection is not None
    assert stored.record.reflection.format_used == "joint"
    assert stored.record.reflection.helped == []
    assert world.published("reflection") == [], "a reflection is no event"


async def test_no_follow_up_when_the_case_had_no_mediator() -> None:
    world = World()
    request = case_requested()
    await world.apply(request, case_closed(request.subject))
    assert (await world.insights.cases.load(TENANT, request.subject)).record.follow_up is None  # type: ignore[union-attr]
