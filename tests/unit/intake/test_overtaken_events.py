"""An event of a case that the stream has before the event that closed the case, applied after
it (two replicas, or a retry after a failure, let the later one go first): moot, remembered and
acknowledged, never a dead letter. An event the stream has after the close is refused as ever.
Through the real delivery rules (:func:`deliver_event`, which knows the stream sequence) and
intake's handler, over an in-memory store."""

from uuid import UUID

from intake.adapters.case_repository import CaseRepository, StoredCase
from intake.domain.case import Status
from intake.handlers import when_case_event_apply_it, when_case_requested_open_case
from mediation_contracts.envelope import CloudEvent
from mediation_runtime.delivery import deliver_event

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    TENANT,
    assessed,
    case_requested,
    consent_given,
    mediator_assigned,
    withdrew,
)
from tests.unit.runtime.memory_store import MemoryDatabase
from tests.unit.runtime.test_delivery_rules import DeadLetters, Message, policy


class Intake:
    def __init__(self) -> None:
        self.cases = CaseRepository(MemoryDatabase().documents("cases"))
        self.letters = DeadLetters()
        self.rules = policy(dead_letters=self.letters)

    async def deliver(self, event: CloudEvent, sequence: int) -> list[object]:
        """``event`` as the consumer hands it over at ``sequence`` of the stream: what became
        of the message (acked, or dead-lettered and acked)."""
        message = Message(event.model_dump_json().encode())
        message.sequence = sequence

        async def handle() -> None:
            if sequence == 1:
                await when_case_requested_open_case(event, self.cases, "/kk/intake")  # type: ignore[arg-type]
            else:
                await when_case_event_apply_it(event, self.cases)

        await deliver_event(self.rules, message, handle)
        return list(message.done)

    async def case(self, case_id: UUID) -> StoredCase:
        stored = await self.cases.get(TENANT, case_id)
        assert stored is not None
        return stored


async def opened(intake: Intake) -> UUID:
    request = case_requested()
    case_id = request.subject
    for sequence, event in enumerate(
        [request, assessed(case_id), mediator_assigned(case_id)], start=1
    ):
        assert await intake.deliver(event, sequence) == ["ack"]
    return case_id


async def test_a_consent_overtaken_by_a_withdrawal_is_acknowledged_not_dead_lettered() -> None:
    intake = Intake()
    case_id = await opened(intake)
    consent, withdrawal = consent_given(case_id, ADMINISTRATION), withdrew(case_id, CITIZEN)

    assert await intake.deliver(withdrawal, 5) == ["ack"]
    assert (await intake.case(case_id)).case.status is Status.CLOSED
    assert await intake.deliver(consent, 4) == ["ack"]

    assert intake.letters.letters == [], "a valid event is not a dead letter"
    stored = await intake.case(case_id)
    assert stored.case.status is Status.CLOSED
    assert str(consent.id) in stored.applied, "delivered again, it is a duplicate"
    [remembered] = stored.case.rejected
    assert remembered.event_id == consent.id
    assert "closed by a later event" in remembered.reason
    assert await intake.deliver(consent, 4) == ["ack"]
    assert intake.letters.letters == []


async def test_a_consent_after_the_withdrawal_in_the_stream_is_refused() -> None:
    intake = Intake()
    case_id = await opened(intake)
    consent = consent_given(case_id, ADMINISTRATION)

    assert await intake.deliver(withdrew(case_id, CITIZEN), 4) == ["ack"]
    assert await intake.deliver(consent, 5) == ["ack"]

    assert len(intake.letters.letters) == 1, "late, not overtaken: dead-lettered"
    assert f"case {case_id} is closed" in intake.letters.reasons[0]
    stored = await intake.case(case_id)
    assert str(consent.id) not in stored.applied
    assert [r.event_id for r in stored.case.rejected] == [consent.id]
