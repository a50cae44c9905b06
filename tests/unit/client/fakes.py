"""A stand-in for NATS and the services behind it, for the client's unit tests only.

It answers the client's queries from cases the test sets up, records what the client
publishes and sends, and (like intake) puts a published event on its case's timeline, or
among the rejected ones when the test says intake would refuse it.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from mediation_contracts.commands import (
    CaseDetail,
    CaseListItem,
    MeetingView,
    Refusal,
    RejectedEvent,
    Reply,
    SlotView,
    SummaryState,
    TimelineEntry,
)
from mediation_contracts.events import ContactDetails, Location, Party, Requester
from mediator_client.bus import BusUnavailable

STAFF_ID = "mediator-1"
OTHER_STAFF_ID = "mediator-2"
TENANT = "kk"


def case_detail(**changes: Any) -> CaseDetail:
    case = CaseDetail(
        case_id=uuid4(),
        case_kind="citizen_administration",
        status="requested",
        requested_at=datetime(2026, 3, 3, 9, 30, tzinfo=UTC),
        requester=Requester(kind="citizen", party_id="citizen-1", consents=True),
        parties=[
            Party(
                party_id="citizen-1",
                kind="citizen",
                name="Birte Borger",
                contact=ContactDetails(email="birte@example.dk", phone="+45 12 34 56 78"),
            ),
            Party(party_id="administration-1", kind="administration", name="Jobcenter Nord"),
        ],
        conflict_description="Borgeren føler sig ikke hørt",
        matter_reference="SAG-2026-0042",
        consented=["citizen-1"],
        consent_missing=["administration-1"],
        mediator_id=None,
        timeline=[],
        actions=["take"],
    )
    return case.model_copy(update=changes)


def meeting(case_id: UUID, starts_in: timedelta, **changes: Any) -> MeetingView:
    starts_at = datetime.now(UTC) + starts_in
    view = MeetingView(
        meeting_id=f"meeting-{uuid4().hex[:8]}",
        case_id=case_id,
        kind="mediation",
        format="joint",
        status="scheduled",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90),
        location=Location(kind="premises", room_ids=["room-1"], address="Rådhuspladsen 1"),
        participants=[],
    )
    return view.model_copy(update=changes)


def refused(code: str, danish: str, english: str = "refused") -> Reply:
    return Reply(ok=False, error=Refusal(code=code, message_da=danish, message_en=english))


class FakeBus:
    def __init__(self) -> None:
        self.cases: dict[UUID, CaseDetail] = {}
        self.meetings: dict[UUID, list[MeetingView]] = {}
        self.summary_state: SummaryState | None = None
        self.published: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        # command name -> answer, replacing the default one
        self.answers: dict[str, Callable[[dict[str, Any]], Reply]] = {}
        # reason: intake refuses the next event it is sent
        self.reject_next: str | None = None
        self.apply_events = True
        self.down = False

    def add(self, case: CaseDetail) -> CaseDetail:
        self.cases[case.case_id] = case
        return case

    def commands(self, name: str) -> list[dict[str, Any]]:
        return [body for subject, body in self.requests if subject.endswith(f".{name}")]

    async def request(self, subject: str, payload: bytes, timeout: float) -> bytes:
        if self.down:
            raise BusUnavailable("down")
        body = json.loads(payload)
        self.requests.append((subject, body))
        command = subject.rsplit(".", 1)[-1]
        answer = self.answers.get(command) or getattr(self, f"_{command}", None)
        if answer is None:
            raise BusUnavailable("no responders")
        reply: Reply = answer(body)
        return reply.model_dump_json().encode()

    def connected(self) -> bool:
        return not self.down

    async def publish(self, subject: str, payload: bytes, msg_id: str) -> None:
        if self.down:
            raise BusUnavailable("down")
        event = json.loads(payload)
        assert event["id"] == msg_id
        self.published.append(event)
        case = self.cases.get(UUID(event["subject"]))
        if case is None or not self.apply_events:
            return
        at = datetime.now(UTC)
        if self.reject_next is not None:
            rejected = RejectedEvent(
                event_id=event["id"], type=event["type"], at=at, reason=self.reject_next
            )
            self.reject_next = None
            self.cases[case.case_id] = case.model_copy(update={"rejected": [rejected]})
            return
        entry = TimelineEntry(event_id=event["id"], type=event["type"], at=at)
        self.cases[case.case_id] = case.model_copy(update={"timeline": [*case.timeline, entry]})

    # --- default answers ----------------------------------------------------------------

    def _visible(self, case: CaseDetail, viewer: str) -> bool:
        return case.mediator_id in {None, viewer}

    def _list_cases(self, body: dict[str, Any]) -> Reply:
        items = [
            CaseListItem(
                case_id=case.case_id,
                case_kind=case.case_kind,
                status=case.status,
                requested_at=case.requested_at,
                matter_reference=case.matter_reference,
                mediator_id=case.mediator_id,
                parties=[party.model_copy(update={"contact": None}) for party in case.parties],
                consent_missing=case.consent_missing,
            )
            for case in self.cases.values()
            if self._visible(case, body["viewer_id"]) and body.get("status") in {None, case.status}
        ]
        # Intake's paging: newest request first, keyed on (request time, case id).
        items.sort(key=lambda item: (item.requested_at.isoformat(), str(item.case_id)))
        items.reverse()
        if after := body.get("after"):
            at, _, case_id = after.partition("~")
            items = [
                i for i in items if (i.requested_at.isoformat(), str(i.case_id)) < (at, case_id)
            ]
        limit = body.get("limit", 50)
        if len(items) <= limit:
            return Reply(ok=True, cases=items)
        last = items[limit - 1]
        return Reply(
            ok=True,
            cases=items[:limit],
            next_page=f"{last.requested_at.isoformat()}~{last.case_id}",
        )

    def _get_case(self, body: dict[str, Any]) -> Reply:
        case = self.cases.get(UUID(body["case_id"]))
        if case is None or not self._visible(case, body["viewer_id"]):
            return refused("not_your_case", "Du har ikke adgang til denne sag.")
        return Reply(ok=True, case=case)

    def _list_meetings(self, body: dict[str, Any]) -> Reply:
        return Reply(ok=True, meetings=self.meetings.get(UUID(body["case_id"]), []))

    def _suggest_slots(self, body: dict[str, Any]) -> Reply:
        tomorrow = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        return Reply(
            ok=True,
            slots=[
                SlotView(
                    starts_at=tomorrow + timedelta(hours=hour),
                    ends_at=tomorrow + timedelta(hours=hour, minutes=90),
                    room_ids=["room-1"],
                )
                for hour in range(3)
            ],
        )

    def _book_meeting(self, body: dict[str, Any]) -> Reply:
        case_id = UUID(body["case_id"])
        booked = meeting(case_id, timedelta(days=1))
        self.meetings.setdefault(case_id, []).append(booked)
        return Reply(ok=True, meeting=booked)

    def _summary_status(self, body: dict[str, Any]) -> Reply:
        if self.summary_state is None:
            return refused("not_a_member", "Du har ikke adgang til referater i denne sag.")
        return Reply(ok=True, summary_state=self.summary_state)

    def _write_summary(self, body: dict[str, Any]) -> Reply:
        return Reply(ok=True, summary_id="summary-1")
