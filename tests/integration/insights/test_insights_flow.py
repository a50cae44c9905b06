"""Insights as a process against real NATS and FerretDB: events in, statistics out with small
numbers suppressed; an evaluation link that works once and an answer kept without its case,
party or link; one reminder; a follow-up due once and recorded; bad input dead-lettered."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from mediation_contracts.commands import (
    EvaluationAnswers,
    GetStatistics,
    ListFollowUps,
    OpenEvaluation,
    RecordFollowUp,
    Reply,
    SubmitEvaluation,
)
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseClosed,
    CaseClosedData,
    Location,
    MeetingHeld,
    MeetingHeldData,
    MeetingScheduled,
    MeetingScheduledData,
)
from mediation_contracts.streams import DLQ_REASON_HEADER, DLQ_STREAM
from nats.aio.client import Client
from nats.js import JetStreamContext
from pymongo.asynchronous.database import AsyncDatabase

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    MEDIATOR,
    SOURCE,
    assessed,
    case_requested,
    mediator_assigned,
    withdrew,
)
from tests.integration.bus import ask, events_of, publish, read_stream, wait_for
from tests.integration.service_process import ServiceProcess

pytestmark = pytest.mark.integration


def this_month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


def closed(tenant: str, case_id: UUID, outcome: str = "agreement") -> CaseClosed:
    because = "withdrawn" if outcome == "withdrawn" else "outcome_recorded"
    data = CaseClosedData(outcome=outcome, closed_because=because)  # type: ignore[arg-type]
    return CaseClosed.create(tenant=tenant, case_id=case_id, source=SOURCE, data=data)


def meeting(tenant: str, case_id: UUID, kind: str = "mediation") -> list[CloudEvent]:
    meeting_id = f"m-{uuid4().hex[:8]}"
    start = datetime.now(UTC)
    scheduled = MeetingScheduledData(
        meeting_id=meeting_id,
        kind=kind,  # type: ignore[arg-type]
        format="phone",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        location=Location(kind="phone"),
        participants=[],
    )
    held = MeetingHeldData(meeting_id=meeting_id, held_at=start, marked_by=MEDIATOR)
    return [
        MeetingScheduled.create(tenant=tenant, case_id=case_id, source=SOURCE, data=scheduled),
        MeetingHeld.create(tenant=tenant, case_id=case_id, source=SOURCE, data=held),
    ]


async def mediated(js: JetStreamContext, tenant: str, outcome: str = "agreement") -> UUID:
    """A case requested, accepted, mediated in a held meeting and closed with ``outcome``."""
    request = case_requested(tenant)
    case = request.subject
    events = [request, assessed(case, tenant=tenant), mediator_assigned(case, tenant=tenant)]
    events += meeting(tenant, case)
    events.append(closed(tenant, case, outcome))
    for event in events:
        await publish(js, event)
    return case


async def statistics(nc: Client, tenant: str) -> Reply:
    month = this_month()
    query = GetStatistics(from_month=month, to_month=month, period="month")
    return await ask(nc, tenant, "statistics", query)


async def invitations(js: JetStreamContext, tenant: str) -> list[dict[str, Any]]:
    return await events_of(js, tenant, "evaluation.requested")


async def test_events_in_statistics_out_with_small_numbers_suppressed(
    insights: ServiceProcess, js: JetStreamContext, nc: Client, unique_tenant: str
) -> None:
    for _ in range(5):
        await mediated(js, unique_tenant)
    for _ in range(2):
        await mediated(js, unique_tenant, "no_agreement")
    declined = case_requested(unique_tenant)
    await publish(js, declined)
    await publish(js, assessed(declined.subject, "declined", tenant=unique_tenant))

    async def counted() -> Reply | None:
        reply = await statistics(nc, unique_tenant)
        assert reply.statistics is not None
        total = reply.statistics.total
        figures = (total.requests, total.acceptances, total.days_to_first_meeting.cases)
        done = figures == (8, 7, 7) and total.outcomes["agreement"] == 5
        return reply if done else None

    reply = await wait_for(counted, what="every event counted")
    assert reply.statistics is not None
    total = reply.statistics.total
    assert (total.requests, total.acceptances) == (8, 7)
    assert total.meetings["mediation"]["phone"] == 7
    assert total.days_to_first_meeting.cases == 7
    assert total.refusals == {"in_complaint_handling": "<5", "assessment_declined": "<5"}
    assert total.outcomes["agreement"] == 5
    assert total.outcomes["no_agreement"] == "<5"
    assert total.withdrawals == "<5", "0 is shown as <5 too"
    assert [p.period for p in reply.statistics.periods] == [this_month()]

    other = await statistics(nc, "another-tenant-without-cases")
    assert other.statistics is not None
    assert other.statistics.total.requests == "<5", "a tenant sees only its own cases"


async def test_an_evaluation_link_works_once_and_the_answer_has_no_case_party_or_link(
    insights: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    unique_tenant: str,
    insights_db: AsyncDatabase[dict[str, Any]],
) -> None:
    case = await mediated(js, unique_tenant)
    invited = await wait_for(
        lambda: _at_least(invitations(js, unique_tenant), 2), what="both parties invited"
    )
    invited = [e for e in invited if not e["data"]["reminder"]]
    assert sorted(e["data"]["party_id"] for e in invited) == [ADMINISTRATION, CITIZEN]
    assert {e["data"]["occasion"] for e in invited} == {"meeting_held"}
    token = invited[0]["data"]["link_token"]

    form = await ask(nc, unique_tenant, "open_evaluation", OpenEvaluation(link_token=token))
    assert form.evaluation is not None
    assert form.evaluation.questions[0] == "heard"
    answer = SubmitEvaluation(
        link_token=token,
        answers=EvaluationAnswers(heard=5, respected=4),
        comment="Mægleren lyttede til mig",
    )
    assert (await ask(nc, unique_tenant, "submit_evaluation", answer)).ok
    again = await ask(nc, unique_tenant, "submit_evaluation", answer)
    assert again.error is not None
    assert again.error.code == "link_not_valid"
    reopened = await ask(nc, unique_tenant, "open_evaluation", OpenEvaluation(link_token=token))
    assert reopened.error is not None
    assert reopened.error.code == "link_not_valid"

    [stored] = await insights_db["evaluation_answers"].find({"tenant": unique_tenant}).to_list()
    assert set(stored) == {"_id", "tenant", "month", "occasion", "scores", "comment"}
    text = json.dumps(stored, default=str)
    for trace in (str(case), CITIZEN, ADMINISTRATION, token):
        assert trace not in text
    links = await insights_db["evaluation_links"].find({"case_id": str(case)}).to_list()
    assert {link["party_id"] for link in links} == {invited[1]["data"]["party_id"]}, (
        "the used invitation is gone: nothing ties the token to the case or party any more"
    )
    logs = insights.logs()
    assert token not in logs
    assert "Mægleren lyttede" not in logs


async def test_one_reminder_and_never_a_second(
    insights: ServiceProcess,
    js: JetStreamContext,
    unique_tenant: str,
    insights_db: AsyncDatabase[dict[str, Any]],
) -> None:
    case = await mediated(js, unique_tenant)
    await wait_for(lambda: _at_least(invitations(js, unique_tenant), 4), what="two reminders")

    async def expired() -> bool:
        left = await insights_db["evaluation_links"].count_documents({"case_id": str(case)})
        return left == 0

    await wait_for(expired, what="the links expired")  # no reminder can come after this
    sent = await invitations(js, unique_tenant)
    reminders = [e["data"] for e in sent if e["data"]["reminder"]]
    assert sorted(r["party_id"] for r in reminders) == [ADMINISTRATION, CITIZEN]
    assert len(sent) == 4


async def test_follow_up_due_once_then_recorded_by_the_mediator(
    insights: ServiceProcess, js: JetStreamContext, nc: Client, unique_tenant: str
) -> None:
    case = await mediated(js, unique_tenant)
    [due] = await wait_for(
        lambda: events_of(js, unique_tenant, "follow_up.due"), what="FollowUpDue"
    )
    assert due["data"]["mediator_id"] == MEDIATOR
    listed = await ask(nc, unique_tenant, "list_follow_ups", ListFollowUps(viewer_id=MEDIATOR))
    assert [(v.case_id, v.status) for v in listed.follow_ups or []] == [(case, "due")]

    command = RecordFollowUp(
        command_id=uuid4(), case_id=case, recorded_by="someone-else", result="held"
    )
    refused = await ask(nc, unique_tenant, "record_follow_up", command)
    assert refused.error is not None
    assert refused.error.code == "not_your_case"
    command = command.model_copy(update={"recorded_by": MEDIATOR})
    assert (await ask(nc, unique_tenant, "record_follow_up", command)).ok
    [recorded] = await wait_for(
        lambda: events_of(js, unique_tenant, "follow_up.recorded"), what="FollowUpRecorded"
    )
    assert recorded["data"] == {"result": "held", "recorded_by": MEDIATOR}
    listed = await ask(nc, unique_tenant, "list_follow_ups", ListFollowUps(viewer_id=MEDIATOR))
    assert [(v.status, v.result) for v in listed.follow_ups or []] == [("recorded", "held")]
    assert len(await events_of(js, unique_tenant, "follow_up.due")) == 1, "due once"


async def test_invalid_events_are_dead_lettered(
    insights: ServiceProcess, js: JetStreamContext, unique_tenant: str
) -> None:
    request = case_requested(unique_tenant)
    await publish(js, request)
    again = case_requested(unique_tenant, request.subject)  # the same case requested again
    await publish(js, again)
    await publish(js, b"{not json", f"mediation.v1.{unique_tenant}.case.closed")
    # A withdrawal of a case insights never heard of: retried, then dead-lettered.
    await publish(js, withdrew(uuid4(), CITIZEN, tenant=unique_tenant))

    async def letters() -> list[str] | None:
        found = [
            m.headers.get(DLQ_REASON_HEADER, "")
            for m in await read_stream(js, DLQ_STREAM, "mediation.dlq.insights")
            if m.headers.get("Mediation-Original-Subject", "").startswith(
                f"mediation.v1.{unique_tenant}."
            )
        ]
        return found if len(found) >= 3 else None

    reasons = await wait_for(letters, what="three dead letters")
    assert any("requested before" in reason for reason in reasons)
    assert any("not JSON" in reason for reason in reasons)
    assert any("not known to insights" in reason for reason in reasons)


async def _at_least(found: Any, count: int) -> list[dict[str, Any]] | None:
    events: list[dict[str, Any]] = await found
    return events if len(events) >= count else None
