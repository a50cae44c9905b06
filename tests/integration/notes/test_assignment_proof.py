"""Notes grants nobody access on the word of an event: a ``MediatorAssigned`` without a valid
proof of who made it, published by anyone who may publish on the bus, gives the person it names
nothing, even with their own valid token. Through the running notes service, on real NATS and a
MongoDB-wire server."""

import json

import pytest
from mediation_contracts.commands import Reply
from mediation_contracts.events import MediatorAssigned
from mediation_contracts.streams import DLQ_STREAM
from mediation_devstack.dev_identity import DevIdentity
from nats.aio.client import Client
from nats.js import JetStreamContext

from tests.integration.bus import StoredMessage, events_of, publish, read_stream, wait_for
from tests.integration.notes.people import SECRET, Caller, case_with_summary
from tests.integration.service_process import ServiceProcess
from tests.proofs import Prover, with_proof

pytestmark = pytest.mark.integration

INTRUDER = "mediator-66"  # a real mediator of the municipality, not of this case


async def logged(service: ServiceProcess, event: str, event_id: str) -> bool:
    """``service`` logged ``event`` about the event with this id."""
    for line in service.logs().splitlines():
        if event in line and event_id in line:
            entry = json.loads(line)
            if (entry.get("event"), entry.get("event_id")) == (event, event_id):
                return True
    return False


def refusal(reply: Reply) -> str | None:
    return reply.error.code if reply.error is not None else None


async def notes_dead_letter(js: JetStreamContext, event: MediatorAssigned) -> StoredMessage:
    """Notes' dead letter of ``event``, once notes has refused it."""

    async def find() -> StoredMessage | None:
        letters = await read_stream(js, DLQ_STREAM, "mediation.dlq.notes")
        return next((m for m in letters if str(event.id).encode() in m.data), None)

    return await wait_for(find, what=f"notes' dead letter of {event.id}")


async def test_an_assignment_without_proof_gives_the_person_it_names_nothing(
    notes: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    identity_provider: DevIdentity,
    prove: Prover,
) -> None:
    case, mediator = await case_with_summary(js, nc, identity_provider, prove)
    intruder = Caller(nc, case, identity_provider.mint(INTRUDER, "mediator", case.tenant))
    helper = Caller(nc, case, identity_provider.mint("notetaker-9", "note_taker", case.tenant))

    forged = case.assign(note_taker="notetaker-9", mediator=INTRUDER)
    await publish(js, forged)

    letter = await notes_dead_letter(js, forged)
    reason = letter.headers["Mediation-Dead-Letter-Reason"]
    assert reason == "assignment not proven, grants nothing: proof missing"
    assert refusal(await intruder.read()) == "not_a_member"
    assert refusal(await intruder.write()) == "not_a_member"
    assert refusal(await helper.read()) == "not_a_member"
    reply = await mediator.read()
    assert reply.summaries is not None
    assert [s.text for s in reply.summaries] == [SECRET]


async def test_a_mediator_cannot_prove_taking_someone_elses_case(
    notes: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    identity_provider: DevIdentity,
    prove: Prover,
) -> None:
    """The intruder's own valid token proves who they are, not that they may take the case."""
    case, mediator = await case_with_summary(js, nc, identity_provider, prove)
    intruder_token = identity_provider.mint(INTRUDER, "mediator", case.tenant)
    taken = case.assign(mediator=INTRUDER)
    await publish(js, prove(taken, token=intruder_token))

    letter = await notes_dead_letter(js, taken)
    assert letter.headers["Mediation-Dead-Letter-Reason"] == (
        f"assignment not proven, grants nothing: actor {INTRUDER} (mediator) may not: "
        "not_the_mediator"
    )
    assert intruder_token.encode() not in letter.data
    for part in intruder_token.split("."):
        assert part not in notes.logs()
    assert refusal(await Caller(nc, case, intruder_token).read()) == "not_a_member"
    assert (await mediator.read()).ok


async def test_a_genuine_proof_moved_to_another_event_proves_nothing(
    notes: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    identity_provider: DevIdentity,
    prove: Prover,
) -> None:
    """Someone who reads the stream copies the proof of the mediator's genuine assignment
    into an event that makes the intruder the note-taker."""
    case, mediator = await case_with_summary(js, nc, identity_provider, prove)
    [genuine] = await events_of(js, case.tenant, "mediator.assigned")
    copied = with_proof(case.assign(note_taker=INTRUDER), genuine["data"]["proof"])
    await publish(js, copied)

    letter = await notes_dead_letter(js, copied)
    assert letter.headers["Mediation-Dead-Letter-Reason"] == (
        "assignment not proven, grants nothing: proof not_for_this_event:event_id"
    )
    intruder = Caller(nc, case, identity_provider.mint(INTRUDER, "mediator", case.tenant))
    assert refusal(await intruder.read()) == "not_a_member"
    assert (await mediator.read()).ok


async def test_the_mediator_hands_the_case_over_with_a_proof(
    notes: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    identity_provider: DevIdentity,
    prove: Prover,
) -> None:
    """The normal path still works: the case's mediator hands it to a colleague, proven."""
    case, mediator = await case_with_summary(js, nc, identity_provider, prove)
    colleague = Caller(nc, case, identity_provider.mint("mediator-2", "mediator", case.tenant))
    handover = case.assign(mediator="mediator-2")
    await publish(js, prove(handover, by=case.mediator))

    async def colleague_reads() -> Reply | None:
        reply = await colleague.read()
        return reply if reply.ok else None

    reply = await wait_for(colleague_reads, what="the colleague's access")
    assert reply.summaries is not None
    assert [s.text for s in reply.summaries] == [SECRET]
    assert refusal(await mediator.read()) == "not_a_member"

    # The first assignment, replayed from the stream with its genuine proof, changes nothing.
    [taken, _] = await read_stream(js, "MEDIATION", f"mediation.v1.{case.tenant}.mediator.*")
    await publish(js, taken.data, taken.subject)
    replayed = taken.json()["id"]
    await wait_for(lambda: logged(notes, "duplicate_ignored", replayed), what="the replay")
    assert (await colleague.read()).ok
    assert refusal(await mediator.read()) == "not_a_member"
