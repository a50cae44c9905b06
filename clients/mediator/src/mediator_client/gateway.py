"""The services as the client sees them: their documented queries and commands, and the
events it publishes. Every answer is the contract's :class:`Reply`.

After publishing an event the client waits, briefly, until the service shows it applied or
refused it (:meth:`Gateway.wait_for_case`), so the person sees the result of what they did.
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, TypeVar
from uuid import UUID

import structlog
from mediation_contracts.commands import (
    AuditTrail,
    BookMeeting,
    CancelMeeting,
    CaseDetail,
    CaseStatus,
    EvaluationAnswers,
    GetCase,
    GetStatistics,
    ListCases,
    ListFollowUps,
    ListMeetings,
    MarkMeetingHeld,
    MoveMeeting,
    OpenEvaluation,
    ReadSummaries,
    RecordFollowUp,
    RecordReflection,
    Reply,
    ShareSummary,
    SubmitEvaluation,
    SuggestSlots,
    SummaryState,
    SummaryStatus,
    WriteSummary,
    command_subject,
)
from mediation_contracts.envelope import CloudEvent, Payload
from pydantic import ValidationError

from mediator_client.bus import Bus, BusUnavailable

CASES_PER_PAGE = 50
"""Cases on one page of the case list; a link leads to the next."""

log = structlog.get_logger(__name__)

Service = Literal["intake", "scheduling", "notes", "insights"]
POLL_SECONDS = 0.15
TRACES_KEPT = 10_000
"""Cases whose trace context the client remembers (the most recently seen)."""
T = TypeVar("T")


@dataclass(frozen=True)
class Applied:
    case: CaseDetail


@dataclass(frozen=True)
class Rejected:
    reason: str


@dataclass(frozen=True)
class Pending:
    """Published, but not applied within the wait: it is being processed."""


Outcome = Applied | Rejected | Pending


class Gateway:
    def __init__(self, bus: Bus, *, timeout: float, wait_seconds: float) -> None:
        self._bus = bus
        self._timeout = timeout
        self._wait_seconds = wait_seconds
        # Case id -> the W3C trace context its request came with (intake's ``get_case``):
        # what the client sends or publishes for a case continues the case's trace.
        self._traces: OrderedDict[UUID, str] = OrderedDict()

    async def ask(self, tenant: str, service: Service, command: str, request: Payload) -> Reply:
        subject = command_subject(tenant, service, command)
        trace = self._trace_of(getattr(request, "case_id", None))
        answer = await self._bus.request(
            subject,
            request.model_dump_json().encode(),
            self._timeout,
            {"traceparent": trace} if trace else None,
        )
        try:
            reply = Reply.model_validate_json(answer)
        except ValidationError as error:
            log.error("reply_not_understood", subject=subject, errors=error.error_count())
            raise BusUnavailable("reply_not_understood") from None
        if not reply.ok and reply.error is not None and reply.error.code == "unavailable":
            raise BusUnavailable("service_unavailable")
        if reply.case is not None and reply.case.traceparent:
            self._remember_trace(reply.case.case_id, reply.case.traceparent)
        return reply

    def _trace_of(self, case_id: object) -> str | None:
        return self._traces.get(case_id) if isinstance(case_id, UUID) else None

    def _remember_trace(self, case_id: UUID, traceparent: str) -> None:
        self._traces[case_id] = traceparent
        self._traces.move_to_end(case_id)
        while len(self._traces) > TRACES_KEPT:
            self._traces.popitem(last=False)

    async def publish(self, event: CloudEvent) -> None:
        if event.traceparent is None and (trace := self._trace_of(event.subject)):
            event = event.model_copy(update={"traceparent": trace})
        await self._bus.publish(event.nats_subject(), event.to_json(), str(event.id))
        log.info(
            "event_published", event_id=str(event.id), type=event.type, case_id=str(event.subject)
        )

    # --- intake ---------------------------------------------------------------------------

    async def list_cases(
        self, tenant: str, viewer: str, status: CaseStatus | None, after: str | None = None
    ) -> Reply:
        query = ListCases(viewer_id=viewer, status=status, limit=CASES_PER_PAGE, after=after)
        return await self.ask(tenant, "intake", "list_cases", query)

    async def get_case(self, tenant: str, case_id: UUID, viewer: str) -> Reply:
        return await self.ask(
            tenant, "intake", "get_case", GetCase(case_id=case_id, viewer_id=viewer)
        )

    async def wait_for_case(
        self, tenant: str, case_id: UUID, viewer: str, event_id: UUID
    ) -> Outcome:
        """Until the case's timeline shows ``event_id`` applied, or its rejections refused it."""

        async def check() -> Outcome | None:
            reply = await self.get_case(tenant, case_id, viewer)
            if not reply.ok or reply.case is None:
                return None  # e.g. a request not yet opened as a case
            if any(entry.event_id == event_id for entry in reply.case.timeline):
                return Applied(reply.case)
            for rejected in reply.case.rejected:
                if rejected.event_id == event_id:
                    return Rejected(rejected.reason)
            return None

        return await self._until(check) or Pending()

    # --- scheduling -----------------------------------------------------------------------

    async def list_meetings(self, tenant: str, case_id: UUID) -> Reply:
        return await self.ask(tenant, "scheduling", "list_meetings", ListMeetings(case_id=case_id))

    async def suggest_slots(self, tenant: str, query: SuggestSlots) -> Reply:
        return await self.ask(tenant, "scheduling", "suggest_slots", query)

    async def book_meeting(self, tenant: str, command: BookMeeting) -> Reply:
        return await self.ask(tenant, "scheduling", "book_meeting", command)

    async def move_meeting(self, tenant: str, command: MoveMeeting) -> Reply:
        return await self.ask(tenant, "scheduling", "move_meeting", command)

    async def cancel_meeting(self, tenant: str, command: CancelMeeting) -> Reply:
        return await self.ask(tenant, "scheduling", "cancel_meeting", command)

    async def mark_meeting_held(self, tenant: str, command: MarkMeetingHeld) -> Reply:
        return await self.ask(tenant, "scheduling", "mark_meeting_held", command)

    # --- notes ----------------------------------------------------------------------------

    async def summary_status(self, tenant: str, case_id: UUID, token: str) -> Reply:
        return await self.ask(
            tenant, "notes", "summary_status", SummaryStatus(case_id=case_id, token=token)
        )

    async def write_summary(self, tenant: str, command: WriteSummary) -> Reply:
        return await self.ask(tenant, "notes", "write_summary", command)

    async def read_summaries(self, tenant: str, case_id: UUID, token: str) -> Reply:
        return await self.ask(
            tenant, "notes", "read_summaries", ReadSummaries(case_id=case_id, token=token)
        )

    async def share_summary(self, tenant: str, command: ShareSummary) -> Reply:
        return await self.ask(tenant, "notes", "share_summary", command)

    async def audit_trail(self, tenant: str, case_id: UUID, token: str) -> Reply:
        return await self.ask(
            tenant, "notes", "audit_trail", AuditTrail(case_id=case_id, token=token)
        )

    # --- insights -------------------------------------------------------------------------
    # The evaluation's link token is a secret: it goes to insights only, never into a log.

    async def open_evaluation(self, tenant: str, link_token: str) -> Reply:
        return await self.ask(
            tenant, "insights", "open_evaluation", OpenEvaluation(link_token=link_token)
        )

    async def submit_evaluation(
        self, tenant: str, link_token: str, answers: EvaluationAnswers, comment: str | None
    ) -> Reply:
        command = SubmitEvaluation(link_token=link_token, answers=answers, comment=comment)
        return await self.ask(tenant, "insights", "submit_evaluation", command)

    async def record_reflection(self, tenant: str, command: RecordReflection) -> Reply:
        return await self.ask(tenant, "insights", "record_reflection", command)

    async def record_follow_up(self, tenant: str, command: RecordFollowUp) -> Reply:
        return await self.ask(tenant, "insights", "record_follow_up", command)

    async def list_follow_ups(self, tenant: str, viewer: str) -> Reply:
        return await self.ask(
            tenant, "insights", "list_follow_ups", ListFollowUps(viewer_id=viewer)
        )

    async def statistics(self, tenant: str, query: GetStatistics) -> Reply:
        return await self.ask(tenant, "insights", "statistics", query)

    async def wait_for_summary_state(
        self,
        tenant: str,
        case_id: UUID,
        token: Callable[[], Awaitable[str]],
        done: Callable[[SummaryState], bool],
    ) -> bool:
        """Until the notes service's state of the case satisfies ``done``; False if not in time."""

        async def check() -> SummaryState | None:
            reply = await self.summary_status(tenant, case_id, await token())
            state = reply.summary_state
            return state if state is not None and done(state) else None

        return await self._until(check) is not None

    async def _until(self, check: Callable[[], Awaitable[T | None]]) -> T | None:
        """``check``'s first answer that is not None, polled until the wait is over."""
        deadline = time.monotonic() + self._wait_seconds
        while True:
            found = await check()
            if found is not None or time.monotonic() >= deadline:
                return found
            await asyncio.sleep(POLL_SECONDS)
