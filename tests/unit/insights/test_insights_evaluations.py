"""Evaluations through insights' handlers over the in-memory store: each party is invited once
per case, insights keeps no token (only its hash), a link works once, one reminder and never a
second, and a stored answer cannot be traced to a case, a party or a link."""

from datetime import timedelta
from uuid import UUID

import pytest
from insights import handlers
from insights.domain.case_record import NotAllowed
from insights.domain.evaluation import link_hash
from mediation_contracts.commands import EvaluationAnswers, OpenEvaluation, SubmitEvaluation
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    Location,
    MeetingHeld,
    MeetingHeldData,
    MeetingScheduled,
    MeetingScheduledData,
)

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    MEDIATOR,
    SOURCE,
    TENANT,
    assessed,
    case_closed,
    case_requested,
    mediator_assigned,
    withdrew,
)
from tests.unit.insights.fakes import START, World


def scheduled(case_id: UUID, meeting_id: str, kind: str = "mediation") -> MeetingScheduled:
    data = MeetingScheduledData(
        meeting_id=meeting_id,
        kind=kind,  # type: ignore[arg-type]
        format="joint",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        location=Location(kind="premises", room_ids=["room-1"]),
        participants=[],
    )
    return MeetingScheduled.create(tenant=TENANT, case_id=case_id, source=SOURCE, data=data)


def held(case_id: UUID, meeting_id: str) -> MeetingHeld:
    data = MeetingHeldData(meeting_id=meeting_id, held_at=START, marked_by=MEDIATOR)
    return MeetingHeld.create(tenant=TENANT, case_id=case_id, source=SOURCE, data=data)


def opened() -> list[CloudEvent]:
    request = case_requested()
    case = request.subject
    return [request, assessed(case), mediator_assigned(case)]


async def answered(world: World, token: str, comment: str | None = None) -> None:
    await handlers.submit_evaluation(
        SubmitEvaluation(
            link_token=token, answers=EvaluationAnswers(heard=5, useful=2), comment=comment
        ),
        TENANT,
        world.insights,
    )


async def refused_code(coroutine: object) -> str:
    with pytest.raises(NotAllowed) as refused:
        await coroutine  # type: ignore[misc]
    return refused.value.code


async def test_every_party_is_invited_once_at_the_held_mediation_meeting_not_again_at_close() -> (
    None
):
    world = World()
    events = opened()
    case = events[0].subject
    await world.apply(*events, scheduled(case, "pre", "pre_meeting"), held(case, "pre"))
    assert world.published("evaluation.requested") == [], "a pre-meeting is not evaluated"
    await world.apply(scheduled(case, "m-1"), held(case, "m-1"))
    invitations = world.published("evaluation.requested")
    assert sorted(e["data"]["party_id"] for e in invitations) == [ADMINISTRATION, CITIZEN]
    assert {e["data"]["occasion"] for e in invitations} == {"meeting_held"}
    assert all(e["causationid"] == str(events[-1].id) or e["causationid"] for e in invitations)
    await world.apply(case_closed(case))
    assert len(world.published("evaluation.requested")) == 2, "once per case per party"


async def test_a_case_closed_after_an_outcome_or_a_withdrawal_invites_a_declined_one_does_not() -> (
    None
):
    world = World()
    first, second, third = opened(), opened(), opened()
    await world.apply(*first, case_closed(first[0].subject))
    await world.apply(*second, withdrew(second[0].subject, CITIZEN))
    await world.apply(case_closed(second[0].subject, "withdrawn"))
    await world.apply(*third, case_closed(third[0].subject, "assessment_declined"))
    cases = {e["subject"] for e in world.published("evaluation.requested")}
    assert cases == {str(first[0].subject), str(second[0].subject)}
    assert {e["data"]["occasion"] for e in world.published("evaluation.requested")} == {
        "case_closed"
    }


async def test_an_event_applied_twice_invites_nobody_twice() -> None:
    world = World()
    events = opened()
    close = case_closed(events[0].subject)
    await world.apply(*events, close)
    before = world.db.snapshot()
    await world.apply(*events, close)
    assert world.db.snapshot() == before
    assert len(world.published("evaluation.requested")) == 2


async def test_insights_keeps_only_the_hash_of_a_link() -> None:
    world = World()
    events = opened()
    await world.apply(*events, case_closed(events[0].subject))
    tokens = world.tokens()
    assert len(tokens) == 2
    stored = world.stored_text()
    for token in tokens:
        assert token not in stored
        assert link_hash(token) in stored


async def test_a_link_works_once_and_the_answer_cannot_be_traced_to_case_party_or_link() -> None:
    world = World()
    events = opened()
    case = events[0].subject
    await world.apply(*events, case_closed(case))
    token = world.tokens()[0]
    form = await handlers.open_evaluation(OpenEvaluation(link_token=token), TENANT, world.insights)
    assert form.evaluation is not None
    assert form.evaluation.occasion == "case_closed"
    assert form.evaluation.questions == ["heard", "respected", "understood", "useful", "recommend"]

    await answered(world, token, comment="Jeg blev hørt")
    [stored] = world.db["evaluation_answers"].documents.values()
    assert set(stored) == {"_id", "tenant", "month", "occasion", "scores", "comment"}
    assert stored["month"] == "2026-03"
    assert stored["scores"] == {"heard": 5, "useful": 2}
    text = repr(stored)
    for trace in (str(case), CITIZEN, ADMINISTRATION, token, link_hash(token), MEDIATOR):
        assert trace not in text
    assert str(case) not in repr(world.db["evaluation_links_used"].documents)
    remaining = list(world.db["evaluation_links"].documents.values())
    assert [link["party_id"] for link in remaining] != [], "the other party's link is kept"
    assert link_hash(token) not in world.db["evaluation_links"].documents, (
        "the used invitation is forgotten: nothing links the token to the case any more"
    )

    again = handlers.submit_evaluation(
        SubmitEvaluation(link_token=token, answers=EvaluationAnswers(heard=1)),
        TENANT,
        world.insights,
    )
    assert await refused_code(again) == "link_not_valid"
    opening = handlers.open_evaluation(OpenEvaluation(link_token=token), TENANT, world.insights)
    assert await refused_code(opening) == "link_not_valid"
    assert len(world.db["evaluation_answers"].documents) == 1


async def test_an_unknown_an_expired_and_another_tenants_link_are_not_valid_alike() -> None:
    world = World()
    events = opened()
    await world.apply(*events, case_closed(events[0].subject))
    token = world.tokens()[0]
    unknown = "x" * 43
    for link, tenant in ((unknown, TENANT), (token, "aarhus")):
        opening = handlers.open_evaluation(OpenEvaluation(link_token=link), tenant, world.insights)
        assert await refused_code(opening) == "link_not_valid"
    world.clock.advance(timedelta(days=30, seconds=1))
    assert await refused_code(answered(world, token)) == "link_not_valid"
    assert await handlers.expire_links(world.insights) == 2
    assert world.db["evaluation_links"].documents == {}


async def test_one_reminder_never_a_second_and_either_link_answers_once() -> None:
    world = World()
    events = opened()
    await world.apply(*events, case_closed(events[0].subject))
    assert await handlers.send_due_reminders(world.insights) == 0, "not due yet"
    world.clock.advance(timedelta(days=7))
    assert await handlers.send_due_reminders(world.insights) == 2
    reminders = [e for e in world.published("evaluation.requested") if e["data"]["reminder"]]
    assert len(reminders) == 2
    world.clock.advance(timedelta(days=7))
    assert await handlers.send_due_reminders(world.insights) == 0, "never a second"

    first, reminder = (
        next(
            e
            for e in world.published("evaluation.requested")
            if e["data"]["party_id"] == CITIZEN and e["data"]["reminder"] is flag
        )["data"]["link_token"]
        for flag in (False, True)
    )
    await answered(world, reminder)
    assert await refused_code(answered(world, first)) == "link_not_valid", (
        "the reminder's link and the first are one invitation: answered once"
    )
    assert len(world.db["evaluation_answers"].documents) == 1


async def test_an_answered_link_gets_no_reminder() -> None:
    world = World()
    events = opened()
    await world.apply(*events, case_closed(events[0].subject))
    for token in world.tokens():
        await answered(world, token)
    world.clock.advance(timedelta(days=8))
    assert await handlers.send_due_reminders(world.insights) == 0
