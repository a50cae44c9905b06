"""From a request to a booked mediation meeting, through events and commands only.

    uv run python docs/examples/walkthrough.py

Publishes what the mediator client would (the request, the assessment, the mediator, the
consent), then asks scheduling for free times and books the first. Run it beside `make run`:
it connects with the local stack's mediator-client certificate (``var/bus/principals/``), or
with ``NATS_URL``, ``NATS_CA_FILE``, ``NATS_CERT_FILE`` and ``NATS_KEY_FILE`` when set.
"""

import asyncio
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from mediation_contracts.access import MEDIATOR_CLIENT
from mediation_contracts.commands import BookMeeting, Reply, SuggestSlots, command_subject
from mediation_runtime.bus import BusCredentials, connect, tool_credentials
from nats.aio.client import Client

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
TENANT = "kk"
MEDIATOR = "mediator-1"


def event(kind: str, case_id: UUID, data: dict[str, Any]) -> bytes:
    from mediation_contracts.registry import event_class

    cls = event_class(f"dk.mediation.{kind}.v1")
    return cls.create(tenant=TENANT, case_id=case_id, source="/examples", data=data).to_json()


async def ask(nc: Client, command: str, request: Any) -> Reply:
    subject = command_subject(TENANT, "scheduling", command)
    response = await nc.request(subject, request.model_dump_json().encode(), timeout=10)
    return Reply.model_validate_json(response.data)


async def walkthrough(credentials: BusCredentials) -> Reply:
    nc = await connect(credentials, "walkthrough")
    js = nc.jetstream()
    case_id = uuid4()
    steps = [
        (
            "case.requested",
            {
                "requester": {"kind": "citizen", "party_id": "citizen-1", "consents": True},
                "parties": [
                    {
                        "party_id": "citizen-1",
                        "kind": "citizen",
                        "name": "Eksempel Borger",
                        "contact": {"email": "borger@example.dk", "language": "da"},
                    },
                    {
                        "party_id": "adm-1",
                        "kind": "administration",
                        "name": "Jobcenter Eksempel",
                        "contact": {"email": "jobcenter@example.dk", "language": "da"},
                    },
                ],
                "conflict_description": "Borgeren oplever at være blevet mødt uden respekt",
                "matter_reference": "SAG-2026-0042",
                "in_complaint_handling": False,
            },
        ),
        ("case.assessed", {"decision": "accepted", "assessed_by": MEDIATOR}),
        ("mediator.assigned", {"mediator_id": MEDIATOR}),
        ("consent.given", {"party_id": "adm-1"}),
    ]
    for kind, data in steps:
        subject = f"mediation.v1.{TENANT}.{kind}"
        await js.publish(subject, event(kind, case_id, data))
        print(f"published {subject}")

    suggest = SuggestSlots(case_id=case_id, kind="mediation", format="joint", count=3)
    for _ in range(100):  # until scheduling has seen the case become ready
        suggestions = await ask(nc, "suggest_slots", suggest)
        if suggestions.ok:
            break
        await asyncio.sleep(0.1)
    else:
        raise SystemExit(f"no suggestions: {suggestions.error}")
    assert suggestions.slots
    for slot in suggestions.slots:
        print(f"free: {slot.starts_at.astimezone(COPENHAGEN):%A %d %B %H:%M} {slot.room_ids}")

    booked = await ask(
        nc,
        "book_meeting",
        BookMeeting(
            command_id=uuid4(),
            case_id=case_id,
            kind="mediation",
            format="joint",
            starts_at=suggestions.slots[0].starts_at,
            requested_by=MEDIATOR,
        ),
    )
    print("booked:" if booked.ok else "refused:", booked.meeting or booked.error)
    await nc.close()
    return booked


if __name__ == "__main__":
    asyncio.run(walkthrough(tool_credentials(MEDIATOR_CLIENT)))
