"""The notes service's confidentiality rules, through its documented commands, on real NATS
and a MongoDB-wire server, with tokens signed by a (development) identity provider."""

import time
from typing import Any

import bson
import pytest
from mediation_contracts.commands import (
    Reply,
)
from mediation_devstack.dev_identity import DevIdentity
from mediation_runtime.mongo import create_mongo_client
from nats.aio.client import Client
from nats.js import JetStreamContext

from tests.data.events import NOTE_TAKER
from tests.data.scenario import Scenario
from tests.integration.bus import events_of, publish, read_stream, wait_for
from tests.integration.notes.people import SECRET, Caller
from tests.integration.service_process import ServiceProcess
from tests.proofs import Prover
from tests.secure_bus import LiveBus

pytestmark = pytest.mark.integration


def callers(nc: Client, case: Scenario, idp: DevIdentity) -> dict[str, Caller]:
    people = {
        "mediator of the case": (case.mediator, "mediator", case.tenant),
        "another mediator": ("mediator-99", "mediator", case.tenant),
        "note-taker": (NOTE_TAKER, "note_taker", case.tenant),
        "citizen party": (case.citizen, "citizen", case.tenant),
        "administration party": ("staff-31", "administration", case.tenant),
        "administration, not representative": ("staff-77", "administration", case.tenant),
        "companion": ("companion-1", "companion", case.tenant),
        "caseworker": ("caseworker-5", "caseworker", case.tenant),
        "operator": ("operator-1", "operator", case.tenant),
        "another tenant's mediator": (case.mediator, "mediator", "other-town"),
    }
    return {
        name: Caller(nc, case, idp.mint(subject, role, tenant))
        for name, (subject, role, tenant) in people.items()
    }


async def open_case(
    js: JetStreamContext, case: Scenario, prove: Prover, *, consent: bool = True
) -> None:
    """Requested, taken by its mediator (with a note-taker, proven), the citizen's wish."""
    events = [case.request(), prove(case.assign(note_taker=NOTE_TAKER))]
    if consent:
        events.append(case.summary_consent())
    for event in events:
        await publish(js, event)


async def writes_allowed(caller: Caller) -> Reply | None:
    reply = await caller.write()
    return reply if reply.ok else None


EXPECTED = {
    # role: (write, read, share, read after share, audit)
    "mediator of the case": (True, True, True, True, True),
    "another mediator": (False, False, False, False, False),
    "note-taker": (True, True, False, True, False),
    "citizen party": (False, False, False, True, False),
    "administration party": (False, False, False, True, False),
    "administration, not representative": (False, False, False, False, False),
    "companion": (False, False, False, False, False),
    "caseworker": (False, False, False, False, False),
    "operator": (False, False, False, False, False),
    "another tenant's mediator": (False, False, False, False, False),
}


async def test_every_role_times_every_action(
    notes: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    identity_provider: DevIdentity,
    prove: Prover,
) -> None:
    case = Scenario.new()
    people = callers(nc, case, identity_provider)
    await open_case(js, case, prove)
    await wait_for(lambda: writes_allowed(people["mediator of the case"]), what="notes' view")
    for party in (case.citizen, case.administration):
        await publish(js, case.agree_to_share(party))

    results: dict[str, list[bool]] = {name: [] for name in people}
    for name, caller in people.items():
        results[name].append((await caller.write()).ok)
    for name, caller in people.items():
        results[name].append((await caller.read()).ok)
    sharers = [name for name in people if name != "mediator of the case"]
    for name in [*sharers, "mediator of the case"]:  # everyone else tries first
        reply = (
            await wait_for_agreement(people[name])
            if name == "mediator of the case"
            else (await people[name].share())
        )
        results[name].append(reply.ok)
    for name, caller in people.items():
        results[name].append((await caller.read()).ok)
    for name, caller in people.items():
        results[name].append((await caller.audit()).ok)

    assert {name: tuple(row) for name, row in results.items()} == EXPECTED
    shared = await people["citizen party"].read()
    assert shared.summaries is not None
    assert SECRET in {summary.text for summary in shared.summaries}
    trail = await people["mediator of the case"].audit()
    assert trail.audit is not None
    denied = {(e.subject, e.action) for e in trail.audit if not e.allowed}
    assert ("companion-1", "read") in denied
    assert ("unverified", "write") in denied  # the other tenant's token is refused and audited


async def wait_for_agreement(mediator: Caller) -> Reply:
    """Sharing needs both parties' agreement, which arrives as events: wait until it counts."""

    async def shared() -> Reply | None:
        reply = await mediator.share()
        return reply if reply.ok else None

    return await wait_for(shared, what="both parties' agreement to share")


async def test_forged_expired_wrong_audience_wrong_tenant_and_unsigned_tokens_are_refused(
    notes: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    identity_provider: DevIdentity,
    prove: Prover,
    tmp_path: Any,
) -> None:
    case = Scenario.new()
    await open_case(js, case, prove)
    genuine = Caller(nc, case, identity_provider.mint(case.mediator, "mediator", case.tenant))
    await wait_for(lambda: writes_allowed(genuine), what="notes' view")
    impostor = DevIdentity.create(tmp_path / "impostor")
    unsigned = (
        ".".join(identity_provider.mint(case.mediator, "mediator", case.tenant).split(".")[:2])
        + "."
    )
    tokens = {
        "forged": impostor.mint(case.mediator, "mediator", case.tenant),
        "expired": identity_provider.sign(
            {
                "sub": case.mediator,
                "role": "mediator",
                "tenant": case.tenant,
                "aud": "mediation-notes",
                "iss": identity_provider.issuer,
                "iat": int(time.time()) - 3600,
                "exp": int(time.time()) - 600,
            }
        ),
        "wrong audience": identity_provider.mint(
            case.mediator, "mediator", case.tenant, audience="another-service"
        ),
        "wrong tenant": identity_provider.mint(case.mediator, "mediator", "other-town"),
        "unsigned": unsigned,
        "garbage": "not-a-token",
    }
    for kind, token in tokens.items():
        reply = await Caller(nc, case, token).read()
        assert reply.error is not None, kind
        assert reply.error.code == "invalid_token", kind
    assert (await genuine.read()).ok


async def test_no_plaintext_in_the_database_logs_or_dead_letters(
    notes: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    identity_provider: DevIdentity,
    prove: Prover,
    mongodb_url: str,
) -> None:
    case = Scenario.new()
    await open_case(js, case, prove)
    mediator = Caller(nc, case, identity_provider.mint(case.mediator, "mediator", case.tenant))
    written = await wait_for(lambda: writes_allowed(mediator), what="a written summary")
    assert written.summary_id
    recorded = await wait_for(
        lambda: events_of(js, case.tenant, "summary.recorded"), what="SummaryRecorded"
    )
    assert recorded[0]["data"]["summary_id"] == written.summary_id

    client = create_mongo_client(mongodb_url)
    try:
        database = client["mediation_notes"]
        names = await database.list_collection_names()
        documents = [d for name in names async for d in database[name].find()]
    finally:
        await client.close()
    assert documents, "the notes database holds the case"
    needle = SECRET.encode()
    for document in documents:
        assert needle not in bson.encode(document)
        assert SECRET[:20].encode() not in bson.encode(document)
    assert SECRET not in notes.logs()
    for letter in await read_stream(js, "MEDIATION_DLQ", "mediation.dlq.>"):
        assert needle not in letter.data
    for event in await read_stream(js, "MEDIATION", f"mediation.v1.{case.tenant}.>"):
        assert needle not in event.data


async def test_writing_before_consent_is_refused_and_consent_withdrawal_destroys_it(
    notes: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    identity_provider: DevIdentity,
    prove: Prover,
    bus: LiveBus,
    mongodb_url: str,
    tmp_path: Any,
    master_key: str,
) -> None:
    case = Scenario.new()
    await open_case(js, case, prove, consent=False)
    mediator = Caller(nc, case, identity_provider.mint(case.mediator, "mediator", case.tenant))
    refused = await wait_for(lambda: refusal(mediator, "no_summary_consent"), what="the case")
    assert "referat" in refused.message_da

    await publish(js, case.summary_consent())
    await wait_for(lambda: writes_allowed(mediator), what="writing after consent")
    await publish(js, case.withdraw_summary_consent())
    destroyed = await wait_for(
        lambda: events_of(js, case.tenant, "summary.destroyed"), what="SummaryDestroyed"
    )
    assert destroyed[0]["data"] == {"reason_code": "consent_withdrawn"}

    assert (await refusal(mediator, "destroyed", "read")) is not None
    # A restarted service has no way back to the content either.
    notes.stop()
    notes.start()
    assert (await refusal(mediator, "destroyed", "read")) is not None
    client = create_mongo_client(mongodb_url)
    try:
        document = await client["mediation_notes"]["cases"].find_one({"case_id": str(case.case_id)})
    finally:
        await client.close()
    assert document is not None
    assert document["data_key"] is None
    assert document["summaries"] == []


async def refusal(caller: Caller, code: str, action: str = "write") -> Any:
    reply = await (caller.write() if action == "write" else caller.read())
    return reply.error if reply.error is not None and reply.error.code == code else None


@pytest.mark.parametrize(
    ("ending", "reason"), [("withdrawal", "case_withdrawn"), ("retention", "retention_expired")]
)
async def test_case_withdrawal_and_retention_after_close_destroy_the_key(
    notes: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    identity_provider: DevIdentity,
    prove: Prover,
    ending: str,
    reason: str,
) -> None:
    case = Scenario.new()
    await open_case(js, case, prove)
    mediator = Caller(nc, case, identity_provider.mint(case.mediator, "mediator", case.tenant))
    await wait_for(lambda: writes_allowed(mediator), what="a written summary")

    ended = case.withdraw(case.citizen, by="party") if ending == "withdrawal" else case.closed()
    await publish(js, ended)

    destroyed = await wait_for(
        lambda: events_of(js, case.tenant, "summary.destroyed"), what="SummaryDestroyed"
    )
    assert destroyed[0]["data"] == {"reason_code": reason}
    # In the case's conversation, caused by the withdrawal or the close (retention ran out).
    assert (destroyed[0]["correlationid"], destroyed[0]["causationid"]) == (
        str(case.request_id),
        str(ended.id),
    )
    assert (await refusal(mediator, "destroyed", "read")) is not None
    trail = await mediator.audit()
    assert trail.ok, "the mediator can still see who accessed the case"
