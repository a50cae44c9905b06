"""Demo data for the local stack: a few mediations driven through the real services, so that a
head of office sees statistics with real numbers (some of them ``<5``) on a fresh stack.

Everything goes over the bus exactly as the mediator client sends it, with the client's own
certificate (so its permissions): the requests, assessments, assignments (with a proof for
notes), consents, withdrawals and outcomes as events; the mediation meetings booked and
marked held with scheduling's commands. Intake, scheduling and insights do the rest.

``python -m mediation_devstack demo`` while the stack runs; ``make run`` runs it by itself
once on a fresh state directory (a marker file says it was done). Development only: the
people are made up.

Every id the demo makes (cases, events, commands) is derived from the tenant and the case's
number, so running it again, or again after a stop half-way, adds nothing: the bus drops
the events as duplicates (``Nats-Msg-Id``) or the services ignore them as applied, and
scheduling answers a repeated command as it did the first time. A stopped demo so finishes
its cases rather than starting eleven new ones.

The meetings are booked at the first time scheduling suggests and marked held once they
began, so the demo takes as long as the first free slot is away: the devstack's policy for
the demo tenant allows meetings at any time in steps of 5 minutes (:data:`DEMO_POLICY`).
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid5

from joserfc import jwe
from joserfc.jwk import import_key
from mediation_contracts.access import MEDIATOR_CLIENT
from mediation_contracts.commands import (
    BookMeeting,
    MarkMeetingHeld,
    Reply,
    SuggestSlots,
    command_subject,
)
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    AssignmentProof,
    CaseAssessed,
    CaseAssessedData,
    CaseRequested,
    CaseRequestedData,
    ConsentAnswerData,
    ConsentDeclined,
    ConsentGiven,
    ContactDetails,
    FollowUpContact,
    MediatorAssigned,
    MediatorAssignedData,
    OutcomeRecorded,
    OutcomeRecordedData,
    Party,
    PartyWithdrew,
    PartyWithdrewData,
    Requester,
)
from mediation_runtime.bus import BusCredentials, connect
from mediation_runtime.bus_access import BusAccess
from nats.aio.client import Client

from mediation_devstack.dev_identity import DevIdentity

DEMO_TENANT = "kk"  # the demo logins' municipality (mediator_client.users.DEMO_TENANT)
SOURCE = "/mediation/mediator-client"
MARKER = "demo-data.done"
DEMO_IDS = UUID("5d3c1a2e-7f0b-4c55-9a61-3e0f2d8b6a47")
"""The namespace of the demo's ids (uuid5)."""
DEMO_POLICY: dict[str, Any] = {
    "working_days": [1, 2, 3, 4, 5, 6, 7],
    "day_starts": "00:00",
    "day_ends": "23:59",
    "granularity": "PT5M",
}
"""Scheduling's rules for the demo tenant on the local stack: any day, any time, every five
minutes, so the demo's meetings begin within minutes (and a person trying the stack can book
and hold a meeting at once)."""
CITIZEN, ADMINISTRATION = "borger-1", "forvaltning-1"
# (mediator, what happens). mediator-1 and mediator-2 are the demo logins: their agreements
# come back as follow-ups on their list. The others are staff ids without a login, so every
# meeting can begin at the same time.
CASES: tuple[tuple[str, str], ...] = (
    ("mediator-1", "agreement"),
    ("mediator-2", "agreement"),
    ("mediator-3", "agreement"),
    ("mediator-4", "agreement"),
    ("mediator-5", "agreement"),
    ("mediator-6", "partial_agreement"),
    ("mediator-7", "no_agreement"),
    ("mediator-1", "withdrawn"),
    ("mediator-2", "assessment_declined"),
    ("mediator-2", "consent_declined"),
    ("mediator-1", "complaint_handling"),
)

T = TypeVar("T")


class DemoFailed(Exception):
    """A step of the demo did not happen in time; the message says which."""


@dataclass
class Demo:
    nc: Client
    identity: DevIdentity | None
    notes_public_key: Path | None
    tenant: str = DEMO_TENANT
    timeout: float = 900.0
    say: Callable[[str], None] = print

    async def publish(self, event: CloudEvent) -> None:
        await self.nc.jetstream().publish(
            event.nats_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
        )

    async def ask(self, service: str, command: str, request: Any) -> Reply:
        subject = command_subject(self.tenant, service, command)
        reply = await self.nc.request(subject, request.model_dump_json().encode(), timeout=10)
        return Reply.model_validate_json(reply.data)

    async def until(self, what: str, probe: Callable[[], Awaitable[T | None]]) -> T:
        deadline = asyncio.get_running_loop().time() + self.timeout
        while (found := await probe()) is None:
            if asyncio.get_running_loop().time() > deadline:
                raise DemoFailed(f"timed out waiting for {what}")
            await asyncio.sleep(1.0)
        return found

    # --- one case ---------------------------------------------------------------------

    def id(self, number: int, what: str) -> UUID:
        """The same id for the same thing at every run (see the module's docstring)."""
        return uuid5(DEMO_IDS, f"{self.tenant}/{number}/{what}")

    async def case(self, number: int, mediator: str, plan: str) -> None:
        case_id = self.id(number, "case")
        request = CaseRequested.create(
            tenant=self.tenant,
            case_id=case_id,
            source=SOURCE,
            data=CaseRequestedData(
                requester=Requester(kind="citizen", party_id=CITIZEN, consents=True),
                parties=[
                    Party(
                        party_id=CITIZEN,
                        kind="citizen",
                        name=f"Demo Borger {number}",
                        contact=ContactDetails(email=f"demo.borger{number}@example.org"),
                    ),
                    Party(
                        party_id=ADMINISTRATION,
                        kind="administration",
                        name="Demo Jobcenter",
                        contact=ContactDetails(email="demo.jobcenter@example.org"),
                    ),
                ],
                conflict_description="Demo: borgeren følte sig ikke hørt ved et møde",
                matter_reference=f"DEMO-{number:03d}",
                in_complaint_handling=plan == "complaint_handling",
            ),
        ).model_copy(update={"id": self.id(number, "case.requested")})
        conversation = request.id
        await self.publish(request)
        if plan == "complaint_handling":
            return  # intake refuses it: a refusal for the statistics

        def event(cls: Any, data: Any) -> Any:
            created = cls.create(
                tenant=self.tenant,
                case_id=case_id,
                source=SOURCE,
                data=data,
                correlationid=conversation,
            )
            return created.model_copy(update={"id": self.id(number, cls.type_name())})

        declined = plan == "assessment_declined"
        await self.publish(
            event(
                CaseAssessed,
                CaseAssessedData(
                    decision="declined" if declined else "accepted",
                    reason="Demo: mægling kan ikke hjælpe her" if declined else None,
                    assessed_by=mediator,
                ),
            )
        )
        if declined:
            return
        await self.publish(
            self.proven(event(MediatorAssigned, MediatorAssignedData(mediator_id=mediator)))
        )
        answer = ConsentAnswerData(party_id=ADMINISTRATION, recorded_by=mediator)
        if plan == "consent_declined":
            await self.publish(event(ConsentDeclined, answer))
            return
        await self.publish(event(ConsentGiven, answer))
        if plan == "withdrawn":
            await self.publish(
                event(
                    PartyWithdrew,
                    PartyWithdrewData(participant_id=CITIZEN, withdrawn_by="party"),
                )
            )
            return
        await self.hold_mediation(number, case_id, mediator)
        contact = FollowUpContact(name="Demo Kontaktperson", unit="Demo Jobcenter")
        await self.publish(
            event(
                OutcomeRecorded,
                OutcomeRecordedData(
                    outcome=plan,
                    recorded_by=mediator,
                    follow_up_contact=contact if plan != "no_agreement" else None,
                ),
            )
        )

    def proven(self, assigned: MediatorAssigned) -> MediatorAssigned:
        """With the proof notes asks for, as the client seals it (development identity)."""
        if self.identity is None or self.notes_public_key is None:
            return assigned
        token = self.identity.mint(assigned.data.mediator_id, "mediator", self.tenant)
        key = import_key(json.loads(self.notes_public_key.read_text(encoding="utf-8")))
        key.ensure_kid()
        sealed = jwe.encrypt_compact(
            {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": key.kid},
            AssignmentProof.of(assigned, token).model_dump_json(),
            key,
            algorithms=["ECDH-ES+A256KW", "A256GCM"],
        )
        data = assigned.data.model_copy(update={"proof": sealed})
        return assigned.model_copy(update={"data": data})

    async def hold_mediation(self, number: int, case_id: UUID, mediator: str) -> None:
        """Book the mediation meeting (by phone: no room needed) at the first free time, wait
        until it began, mark it held."""

        async def booked() -> str | None:
            query = SuggestSlots(case_id=case_id, kind="mediation", format="phone", count=1)
            slots = await self.ask("scheduling", "suggest_slots", query)
            # None: the case is not ready in scheduling yet, or (an earlier run) no longer
            # is; then only the booking already made answers this command.
            starts_at = slots.slots[0].starts_at if slots.ok and slots.slots else None
            booking = BookMeeting(
                command_id=self.id(number, "book_meeting"),
                case_id=case_id,
                kind="mediation",
                format="phone",
                starts_at=starts_at or datetime.now(UTC),
                requested_by=mediator,
            )
            reply = await self.ask("scheduling", "book_meeting", booking)
            return reply.meeting.meeting_id if reply.meeting is not None else None

        meeting_id = await self.until(f"a booking for case {case_id}", booked)

        async def held() -> bool | None:
            command = MarkMeetingHeld(
                command_id=self.id(number, "mark_meeting_held"),
                case_id=case_id,
                meeting_id=meeting_id,
                marked_by=mediator,
            )
            reply = await self.ask("scheduling", "mark_meeting_held", command)
            return True if reply.ok else None  # not_started_yet until it began

        await self.until(f"meeting {meeting_id} to begin", held)

    async def run(self) -> None:
        self.say(f"demo: {len(CASES)} cases in tenant {self.tenant!r} ...")
        await asyncio.gather(
            *(self.case(number, mediator, plan) for number, (mediator, plan) in enumerate(CASES, 1))
        )


async def run_demo(
    nats_url: str,
    bus_dir: Path,
    dev_identity_dir: Path | None,
    *,
    say: Callable[[str], None] = print,
    timeout: float = 900.0,
) -> None:
    """Drive the demo cases through the stack at ``nats_url`` as the mediator client."""
    credentials = BusCredentials.in_directory(
        nats_url, BusAccess(bus_dir).credentials_dir(MEDIATOR_CLIENT)
    )
    identity = public_key = None
    if dev_identity_dir is not None and (dev_identity_dir / "dev-identity.json").exists():
        identity = DevIdentity.load(dev_identity_dir)
        public_key = dev_identity_dir / "notes-proof-key.public.json"
    nc = await connect(credentials, "devstack-demo")
    try:
        await Demo(nc, identity, public_key, say=say, timeout=timeout).run()
    finally:
        await nc.close()


def done(state_root: Path) -> bool:
    return (state_root / MARKER).exists()


def mark_done(state_root: Path, say: Callable[[str], None] = print) -> None:
    """Remember that the demo ran (``make run`` does not run it again), then say so."""
    (state_root / MARKER).write_text(datetime.now(UTC).isoformat() + "\n", encoding="utf-8")
    say("demo: done; the statistics show the demo cases")
