"""A stand-in for NATS and the services behind it, for the client's unit tests only.

It answers the client's queries from cases the test sets up, records what the client
publishes and sends, and (like intake) puts a published event on its case's timeline, or
among the rejected ones when the test says intake would refuse it.
"""

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from mediation_contracts.commands import (
    EVALUATION_QUESTIONS,
    CaseDetail,
    CaseListItem,
    EvaluationForm,
    FollowUpView,
    MeetingView,
    Refusal,
    RejectedEvent,
    Reply,
    SlotView,
    Statistics,
    SummaryState,
    TimelineEntry,
)
from mediation_contracts.events import ContactDetails, Location, Party, Requester
from mediator_client.bus import BusUnavailable

STAFF_ID = "mediator-1"
OTHER_STAFF_ID = "mediator-2"
HEAD_STAFF_ID = "head-of-office-1"
TENANT = "kk"
LINK_TOKEN = "tVq1n0sX3mK9yZb2Lr8PwQe5Uo7Ij4Hg6Fd_Sa-Cx"  # 41 characters, as insights makes them
USED = "used"


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
        self.request_headers: list[dict[str, str]] = []  # each request's, in order
        # command name -> answer, replacing the default one
        self.answers: dict[str, Callable[[dict[str, Any]], Reply]] = {}
        # reason: intake refuses the next event it is sent
        self.reject_next: str | None = None
        self.apply_events = True
        self.down = False
        # insights: its follow-ups, its statistics, and each evaluation link's state
        self.follow_ups: list[FollowUpView] = []
        self.statistics: Statistics | None = None
        self.links: dict[str, str] = {}  # token -> "open" or USED
        self.answers_kept: list[dict[str, Any]] = []
        self.insights_down = False

    def add(self, case: CaseDetail) -> CaseDetail:
        self.cases[case.case_id] = case
        return case

    def commands(self, name: str) -> list[dict[str, Any]]:
        return [body for subject, body in self.requests if subject.endswith(f".{name}")]

    async def request(
        self,
        subject: str,
        payload: bytes,
        timeout: float,
        headers: Mapping[str, str] | None = None,
    ) -> bytes:
        if self.down:
            raise BusUnavailable("down")
        body = json.loads(payload)
        self.requests.append((subject, body))
        self.request_headers.append(dict(headers or {}))
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

    # --- insights -----------------------------------------------------------------------

    def _insights(self) -> None:
        if self.insights_down:
            raise BusUnavailable("no responders")

    def _link_not_valid(self) -> Reply:
        return refused(
            "link_not_valid",
            "Linket kan ikke bruges. Det er brugt eller udløbet.",
            "The link cannot be used: it is used or expired.",
        )

    def _open_evaluation(self, body: dict[str, Any]) -> Reply:
        self._insights()
        if self.links.get(body["link_token"]) != "open":
            return self._link_not_valid()
        return Reply(
            ok=True,
            evaluation=EvaluationForm(
                occasion="case_closed",
                expires_at=datetime(2026, 4, 2, 9, 0, tzinfo=UTC),
                questions=list(EVALUATION_QUESTIONS),
            ),
        )

    def _submit_evaluation(self, body: dict[str, Any]) -> Reply:
        self._insights()
        if self.links.get(body["link_token"]) != "open":
            return self._link_not_valid()
        self.links[body["link_token"]] = USED
        self.answers_kept.append({"answers": body["answers"], "comment": body.get("comment")})
        return Reply(ok=True)

    def _list_follow_ups(self, body: dict[str, Any]) -> Reply:
        self._insights()
        return Reply(ok=True, follow_ups=self.follow_ups)

    def _record_follow_up(self, body: dict[str, Any]) -> Reply:
        self._insights()
        return Reply(ok=True)

    def _record_reflection(self, body: dict[str, Any]) -> Reply:
        self._insights()
        return Reply(ok=True)

    def _statistics(self, body: dict[str, Any]) -> Reply:
        self._insights()
        if self.statistics is None:
            return refused("unknown", "Statistikken kan ikke vises.")
        return Reply(ok=True, statistics=self.statistics)
