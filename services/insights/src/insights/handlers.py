"""What insights does with case events, with commands and on its periodic round; the rules are
in ``domain/``.

Every event handler is idempotent: a case remembers the ids of the events applied to it, so
a redelivered event changes nothing and invites nobody twice. Logs carry ids and codes only:
never a link's token, a score or a comment.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from mediation_contracts.commands import (
    EVALUATION_QUESTIONS,
    EvaluationForm,
    FollowUpView,
    GetStatistics,
    ListFollowUps,
    OpenEvaluation,
    RecordFollowUp,
    RecordReflection,
    Reply,
    SubmitEvaluation,
)
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseRequested,
    EvaluationOccasion,
    EvaluationRequested,
    EvaluationRequestedData,
    FollowUpDue,
    FollowUpDueData,
    FollowUpRecorded,
    FollowUpRecordedData,
)
from mediation_runtime.delivery import NotYet, Rejected
from mediation_runtime.documents import Decision

from insights.adapters.cases import InsightsCases, StoredCase
from insights.adapters.evaluations import Evaluations
from insights.domain import case_record
from insights.domain.case_record import CaseRecord, NotAllowed, Reflection
from insights.domain.evaluation import anonymous_answer, link_hash, new_token
from insights.domain.statistics import InvalidPeriod, compute
from insights.refusals import refused
from insights.settings import InsightsSettings

log = structlog.get_logger("insights")
_shuffle = random.SystemRandom().shuffle


@dataclass(frozen=True)
class Insights:
    """What the handlers need, wired once by bootstrap."""

    settings: InsightsSettings
    cases: InsightsCases
    evaluations: Evaluations
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    shuffle: Callable[[list[str]], None] = field(default=_shuffle)


@dataclass(frozen=True)
class Invitation:
    """A link just committed with its EvaluationRequested, to keep (by its hash only)."""

    party_id: str
    link: str
    occasion: EvaluationOccasion
    expires_at: datetime
    remind_at: datetime | None


# --- events ------------------------------------------------------------------------------


async def when_case_event_record_it(event: CloudEvent, insights: Insights) -> None:
    """Keep the case's facts; invite its parties to evaluate at the first occasion."""
    settings = insights.settings

    def decide(stored: StoredCase | None) -> Decision[list[Invitation] | None]:
        if stored is None:
            if not isinstance(event, CaseRequested):
                raise NotYet(f"case {event.subject} is not known to insights yet")
            stored = StoredCase(CaseRecord.opened_by(event))
        elif str(event.id) in stored.applied:
            return Decision(None)
        elif isinstance(event, CaseRequested):
            raise Rejected(f"case {event.subject} was requested before")
        record = stored.record
        consequence = case_record.apply(record, event, follow_up_after=settings.follow_up_after)
        invitations: list[Invitation] = []
        outgoing: list[CloudEvent] = []
        sent = insights.clock()
        valid = timedelta(days=settings.evaluation_valid_days)
        # An occasion older than a link's validity (a history replayed into a new insights)
        # invites nobody: the parties are counted as invited, and no one is asked so late.
        if consequence.invite and consequence.occasion is not None and event.time + valid > sent:
            expires_at = sent + valid
            remind_at = sent + timedelta(days=settings.evaluation_reminder_days)
            for party_id in consequence.invite:
                token = new_token()  # a new one if decide runs again: only the committed counts
                invitations.append(
                    Invitation(
                        party_id,
                        link_hash(token),
                        consequence.occasion,
                        expires_at,
                        remind_at if remind_at < expires_at else None,
                    )
                )
                outgoing.append(
                    EvaluationRequested.create(
                        tenant=record.tenant,
                        case_id=record.case_id,
                        source=settings.source,
                        data=EvaluationRequestedData(
                            party_id=party_id,
                            occasion=consequence.occasion,
                            link_token=token,
                            expires_at=expires_at,
                        ),
                        cause=event,
                        correlationid=record.correlation_id,
                    )
                )
        document = insights.cases.document(stored, applied=event.id)
        return Decision(invitations, document, outgoing)

    invitations = await insights.cases.change(event.tenant, event.subject, decide)
    if invitations is None:
        log.info("duplicate_ignored")
        return
    # After the commit, so that only the links that really went out are kept. A crash in
    # between leaves a sent link that does not work: the evaluation is voluntary, and the
    # party is not reminded of it.
    for invitation in invitations:
        await insights.evaluations.invite(
            invitation.link,
            tenant=event.tenant,
            case_id=event.subject,
            party_id=invitation.party_id,
            occasion=invitation.occasion,
            expires_at=invitation.expires_at,
            remind_at=invitation.remind_at,
        )
        log.info("evaluation_invited", party_id=invitation.party_id, occasion=invitation.occasion)


# --- periodic work -------------------------------------------------------------------------


async def publish_due_follow_ups(insights: Insights) -> int:
    """FollowUpDue, once, for each case whose follow-up period ran out."""
    now = insights.clock()
    published = 0
    for tenant, case_id in await insights.cases.follow_ups_due(now):

        def decide(stored: StoredCase | None) -> Decision[bool]:
            if stored is None or not case_record.follow_up_due(stored.record, now):
                return Decision(False)
            record = stored.record
            follow_up = record.follow_up
            assert follow_up is not None
            follow_up.state = "due"
            due = FollowUpDue.create(
                tenant=record.tenant,
                case_id=record.case_id,
                source=insights.settings.source,
                data=FollowUpDueData(
                    mediator_id=follow_up.mediator_id,
                    closed_at=follow_up.closed_at,
                    due_at=follow_up.due_at,
                ),
                correlationid=record.correlation_id,
                causationid=follow_up.caused_by,
            )
            return Decision(True, insights.cases.document(stored), [due])

        if await insights.cases.change(tenant, case_id, decide):
            published += 1
            log.info("follow_up_due", case_id=str(case_id))
    return published


async def send_due_reminders(insights: Insights) -> int:
    """The one reminder of each unused link whose reminder time came.

    Only the hash of the first link is kept, so the reminder carries a link of its own to the
    same invitation: both work, and using either uses both."""
    now = insights.clock()
    sent = 0
    for invitation in await insights.evaluations.due_reminders(now):
        if invitation["expires_at"] > now and await _remind(insights, invitation):
            sent += 1
    return sent


async def _remind(insights: Insights, invitation: dict[str, Any]) -> bool:
    evaluations = insights.evaluations
    first = invitation["_id"]
    token = new_token()
    reminder = link_hash(token)
    tenant, party_id = invitation["tenant"], invitation["party_id"]
    case_id = UUID(invitation["case_id"])
    links = [*invitation.get("links", [first]), reminder]
    await evaluations.invite(
        reminder,
        tenant=tenant,
        case_id=case_id,
        party_id=party_id,
        occasion=invitation["occasion"],
        expires_at=invitation["expires_at"],
        remind_at=None,
        links=links,
    )
    if not await evaluations.reminder_made(first, links):
        await evaluations.forget([reminder])  # used or expired meanwhile
        return False

    def decide(stored: StoredCase | None) -> Decision[bool]:
        invited = None if stored is None else stored.record.invited.get(party_id)
        if stored is None or invited is None or invited.reminded:
            return Decision(False)  # never a second reminder
        invited.reminded = True
        record = stored.record
        event = EvaluationRequested.create(
            tenant=record.tenant,
            case_id=record.case_id,
            source=insights.settings.source,
            data=EvaluationRequestedData(
                party_id=party_id,
                occasion=invited.occasion,
                link_token=token,
                expires_at=invitation["expires_at"],
                reminder=True,
            ),
            correlationid=record.correlation_id,
        )
        return Decision(True, insights.cases.document(stored), [event])

    if not await insights.cases.change(tenant, case_id, decide):
        await evaluations.forget([reminder])
        return False
    log.info("evaluation_reminded", case_id=str(case_id), party_id=party_id)
    return True


async def expire_links(insights: Insights) -> int:
    return await insights.evaluations.expire(insights.clock())


async def periodic_round(insights: Insights) -> None:
    await publish_due_follow_ups(insights)
    await send_due_reminders(insights)
    await expire_links(insights)


# --- commands: evaluations (no account: the link is the only key) ------------------------


async def open_evaluation(query: OpenEvaluation, tenant: str, insights: Insights) -> Reply:
    invitation = await insights.evaluations.valid(
        link_hash(query.link_token), tenant, insights.clock()
    )
    if invitation is None:
        raise NotAllowed("link_not_valid")
    return Reply(
        ok=True,
        evaluation=EvaluationForm(
            occasion=invitation["occasion"],
            expires_at=invitation["expires_at"],
            questions=list(EVALUATION_QUESTIONS),
        ),
    )


async def submit_evaluation(command: SubmitEvaluation, tenant: str, insights: Insights) -> Reply:
    """Keep the answer without anything that leads back to the link, the party or the case,
    and forget the invitation: from then on nobody can tell whose answer it is."""
    evaluations, now = insights.evaluations, insights.clock()
    invitation = await evaluations.valid(link_hash(command.link_token), tenant, now)
    if invitation is None or not await evaluations.claim(invitation):
        raise NotAllowed("link_not_valid")
    await evaluations.store_answer(
        anonymous_answer(
            tenant=tenant,
            occasion=invitation["occasion"],
            answers=command.answers,
            comment=command.comment,
            now=now,
        )
    )
    await evaluations.forget(invitation.get("links", [invitation["_id"]]))
    log.info("evaluation_answered")  # no ids: an answer is nobody's
    return Reply(ok=True)


# --- commands: the mediator's ------------------------------------------------------------


async def record_reflection(command: RecordReflection, tenant: str, insights: Insights) -> Reply:
    reflection = Reflection(
        mediator_id=command.mediator_id,
        format_used=command.format_used,
        helped=sorted(set(command.helped)),
        mediation_suited=command.mediation_suited,
    )

    def decide(stored: StoredCase | None) -> Decision[None]:
        record = case_record.require_mediator(
            stored.record if stored else None, command.mediator_id
        )
        assert stored is not None
        if record.reflection == reflection:
            return Decision(None)
        record.reflection = reflection  # replaces an earlier one
        return Decision(None, insights.cases.document(stored, command_id=command.command_id))

    await insights.cases.change(tenant, command.case_id, decide)
    log.info("reflection_recorded", case_id=str(command.case_id))
    return Reply(ok=True)


async def record_follow_up(command: RecordFollowUp, tenant: str, insights: Insights) -> Reply:
    def decide(stored: StoredCase | None) -> Decision[bool]:
        if stored is not None and str(command.command_id) in stored.commands:
            return Decision(False)  # this command, done before: the same answer
        record = case_record.require_mediator(
            stored.record if stored else None, command.recorded_by
        )
        assert stored is not None
        case_record.record_follow_up(record, command.result)
        recorded = FollowUpRecorded.create(
            tenant=tenant,
            case_id=command.case_id,
            source=insights.settings.source,
            data=FollowUpRecordedData(result=command.result, recorded_by=command.recorded_by),
            correlationid=record.correlation_id,
        )
        document = insights.cases.document(stored, command_id=command.command_id)
        return Decision(True, document, [recorded])

    if await insights.cases.change(tenant, command.case_id, decide):
        log.info("follow_up_recorded", case_id=str(command.case_id), result=command.result)
    return Reply(ok=True)


STATUS_ORDER = {"due": 0, "pending": 1, "recorded": 2}


async def list_follow_ups(query: ListFollowUps, tenant: str, insights: Insights) -> Reply:
    views = []
    for stored in await insights.cases.follow_ups_of(tenant, query.viewer_id):
        record = stored.record
        follow_up = record.follow_up
        if follow_up is None or follow_up.mediator_id != query.viewer_id:
            continue
        views.append(
            FollowUpView(
                case_id=record.case_id,
                closed_at=follow_up.closed_at,
                due_at=follow_up.due_at,
                status=follow_up.state,
                result=follow_up.result,
                reflection_recorded=record.reflection is not None,
            )
        )
    views.sort(key=lambda view: (STATUS_ORDER[view.status], view.due_at))
    return Reply(ok=True, follow_ups=views)


async def statistics(query: GetStatistics, tenant: str, insights: Insights) -> Reply:
    records = await insights.cases.of_tenant(tenant)
    answers = await insights.evaluations.answers_of(tenant, query.from_month, query.to_month)
    try:
        result = compute(
            records,
            answers,
            from_month=query.from_month,
            to_month=query.to_month,
            grouping=query.period,
            shuffle=insights.shuffle,
        )
    except InvalidPeriod:
        raise NotAllowed("invalid_period") from None
    return Reply(ok=True, statistics=result)


def _record(stored: StoredCase | None) -> CaseRecord | None:
    return None if stored is None else stored.record


def refusal(error: NotAllowed) -> Reply:
    return refused(error.code)
