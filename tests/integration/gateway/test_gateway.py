"""The gateway as outside systems meet it: real CloudEvents from the official SDK over HTTPS,
real subscribers checking signatures, the events on the real JetStream."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from cloudevents.core.bindings.http import to_binary, to_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent as SdkEvent
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.streams import EVENTS_STREAM
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from tests.data import events as contract
from tests.integration.gateway.conftest import Gateway, Subscriber, new_secret, subscribe, until
from tests.secure_bus import LiveBus

pytestmark = pytest.mark.integration
PORTAL = ["citizen portal"]
CONSENT = "dk.mediation.consent.given.v1"


def sdk_event(event: CloudEvent) -> SdkEvent:
    """The contract's event as the official SDK builds it."""
    document = json.loads(event.to_json())
    data = document.pop("data")
    document["time"] = event.time
    return SdkEvent(attributes=document, data=data)


async def stored(js: JetStreamContext, event: CloudEvent) -> bool:
    try:
        message = await js.get_last_msg(EVENTS_STREAM, event.nats_subject())
    except NotFoundError:
        return False
    return message.headers is not None and message.headers.get("Nats-Msg-Id") == str(event.id)


async def test_structured_binary_and_batch_are_stored_before_202(
    gateway: Gateway, js: JetStreamContext, unique_tenant: str
) -> None:
    token = gateway.token("portal", unique_tenant, PORTAL)
    async with gateway.client(token) as http:
        event = contract.consent_given(uuid4(), "p1", tenant=unique_tenant)
        message = to_structured(sdk_event(event), JSONFormat())
        answer = await http.post(
            f"/v1/{unique_tenant}/events", content=message.body, headers=message.headers
        )
        assert answer.status_code == 202, answer.text
        assert answer.json() == {"events": [{"id": str(event.id), "status": "stored"}]}
        assert await stored(js, event)  # already there when the answer came

        again = await http.post(
            f"/v1/{unique_tenant}/events", content=message.body, headers=message.headers
        )
        assert again.status_code == 409
        assert again.headers["content-type"] == "application/problem+json"

        binary = contract.consent_declined(uuid4(), "p2", tenant=unique_tenant)
        message = to_binary(sdk_event(binary), JSONFormat())
        answer = await http.post(
            f"/v1/{unique_tenant}/events", content=message.body, headers=message.headers
        )
        assert answer.status_code == 202, answer.text
        assert await stored(js, binary)

        batch = [
            contract.withdrew(uuid4(), "p1", tenant=unique_tenant),
            contract.consent_given(uuid4(), "p3", tenant=unique_tenant),
        ]
        body = "[" + ",".join(e.to_json().decode() for e in batch) + "]"
        answer = await http.post(
            f"/v1/{unique_tenant}/events",
            content=body,
            headers={"content-type": "application/cloudevents-batch+json"},
        )
        assert answer.status_code == 202, answer.text
        assert [e["status"] for e in answer.json()["events"]] == ["stored", "stored"]
        for item in batch:
            assert await stored(js, item)


async def test_invalid_input_names_the_field_and_reaches_no_bus(
    gateway: Gateway, js: JetStreamContext, unique_tenant: str
) -> None:
    token = gateway.token("portal", unique_tenant, PORTAL)
    good = contract.consent_given(uuid4(), "p1", tenant=unique_tenant)
    bad = json.loads(contract.consent_given(uuid4(), "p1", tenant=unique_tenant).to_json())
    bad["data"]["party_id"] = "Jens Hansen, jens@example.dk"  # personal, and no valid id
    body = json.dumps([json.loads(good.to_json()), bad])
    async with gateway.client(token) as http:
        answer = await http.post(
            f"/v1/{unique_tenant}/events",
            content=body,
            headers={"content-type": "application/cloudevents-batch+json"},
        )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert [e["field"] for e in problem["errors"]] == ["[1].data.party_id"]
    assert "Jens" not in answer.text
    assert "jens@example.dk" not in answer.text
    assert not await stored(js, good)  # a batch is taken whole or not at all

    async with gateway.client(token) as http:
        for content, kind in [
            (b"{not json", "application/cloudevents+json"),
            (b"{}", "text/plain"),
            (
                json.dumps({"specversion": "1.0", "type": "x"}).encode(),
                "application/cloudevents+json",
            ),
        ]:
            refused = await http.post(
                f"/v1/{unique_tenant}/events", content=content, headers={"content-type": kind}
            )
            assert refused.status_code in (400, 415, 422), refused.text
            assert refused.json()["code"]


async def test_who_may_send_what_for_whom(
    gateway: Gateway, js: JetStreamContext, unique_tenant: str
) -> None:
    event = contract.consent_given(uuid4(), "p1", tenant=unique_tenant)
    headers = {"content-type": "application/cloudevents+json"}
    path = f"/v1/{unique_tenant}/events"
    async with gateway.client() as anonymous:
        assert (
            await anonymous.post(path, content=event.to_json(), headers=headers)
        ).status_code == 401
    other = gateway.token("portal", "other-town", PORTAL)
    async with gateway.client(other) as http:
        answer = await http.post(path, content=event.to_json(), headers=headers)
        assert answer.status_code == 403
        assert answer.json()["code"] == "wrong_tenant"
    own = gateway.token("portal", unique_tenant, PORTAL)
    async with gateway.client(own) as http:
        moved = event.model_copy(update={"tenant": "other-town"})
        answer = await http.post(path, content=moved.to_json(), headers=headers)
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "tenant"
    case_system = gateway.token("esdh", unique_tenant, ["case systems"])
    async with gateway.client(case_system) as http:
        answer = await http.post(path, content=event.to_json(), headers=headers)
        assert answer.status_code == 403
        assert answer.json()["code"] == "type_not_allowed"
    forged = gateway.token("portal", unique_tenant, PORTAL, aud="someone-else")
    async with gateway.client(forged) as http:
        answer = await http.post(path, content=event.to_json(), headers=headers)
        assert answer.status_code == 401
        assert answer.json()["code"] == "token_wrong_audience"
    assert not await stored(js, event)


async def test_client_certificate_of_an_integration(
    gateway: Gateway, bus: LiveBus, unique_tenant: str, unique_suffix: str
) -> None:
    name = f"portal-{unique_suffix}"
    bus.access.add_integration(name, unique_tenant, PORTAL, consume=["consent.given"])
    credentials = bus.access.credentials_dir(name)
    async with gateway.client(cert=credentials) as http:
        answer = await http.get(f"/v1/{unique_tenant}/event-types")
        assert answer.status_code == 200, answer.text
        assert answer.json()["client"] == name
        assert CONSENT in answer.json()["may_hear"]
        assert (await http.get("/v1/other-town/event-types")).status_code == 403
    certificate = bus.access.entries()[name].certificates[0].id
    bus.access.revoke(name, certificate)
    async with gateway.client(cert=credentials) as http:
        assert (await http.get(f"/v1/{unique_tenant}/event-types")).status_code == 401


async def send(http, event: CloudEvent) -> None:  # type: ignore[no-untyped-def]
    answer = await http.post(
        f"/v1/{event.tenant}/events",
        content=event.to_json(),
        headers={"content-type": "application/cloudevents+json"},
    )
    assert answer.status_code == 202, answer.text


async def test_signed_delivery_retries_after_the_subscriber_died_and_replay(
    gateway: Gateway, subscriber: Subscriber, unique_tenant: str
) -> None:
    token = gateway.token("portal", unique_tenant, PORTAL, consume=["consent.given"])
    async with gateway.client(token) as http:
        subscription = await subscribe(http, unique_tenant, subscriber, [CONSENT])
        first = contract.consent_given(uuid4(), "p1", tenant=unique_tenant)
        await send(http, first)
        await until(lambda: str(first.id) in subscriber.app.events, "first delivered")
        assert subscriber.app.refused == 0  # signature checked and good

        await subscriber.stop()  # the subscriber dies
        second = contract.consent_given(uuid4(), "p1", tenant=unique_tenant)
        await send(http, second)

        async def retried() -> bool:
            doc = await gateway_delivery(gateway, subscription, second)
            return doc is not None and doc["attempts"] >= 2 and doc["state"] == "pending"

        await until(retried, "failed attempts recorded, a retry due")
        await subscriber.start()  # back: the retry reaches it
        await until(lambda: str(second.id) in subscriber.app.events, "second delivered")

        since = datetime.now(UTC) - timedelta(minutes=5)
        before = subscriber.attempts.count(str(first.id))
        answer = await http.post(
            f"/v1/{unique_tenant}/subscriptions/{subscription}/replays",
            json={"since": since.isoformat()},
        )
        assert answer.status_code == 202, answer.text
        replay = answer.json()["id"]

        async def replayed() -> bool:
            state = await http.get(
                f"/v1/{unique_tenant}/subscriptions/{subscription}/replays/{replay}"
            )
            return bool(state.json()["state"] == "done") and (
                subscriber.attempts.count(str(first.id)) > before
            )

        await until(replayed, "first event delivered again by the replay")


async def gateway_delivery(gateway: Gateway, subscription: str, event: CloudEvent):  # type: ignore[no-untyped-def]
    from mediation_runtime.mongo import create_mongo_client

    client = create_mongo_client(gateway.env["MONGODB_URL"])
    try:
        return await client["mediation_gateway"]["deliveries"].find_one(
            {"_id": f"{subscription}:{event.id}"}
        )
    finally:
        await client.close()


async def test_dead_letters_and_redelivery(
    gateway: Gateway, subscriber: Subscriber, unique_tenant: str
) -> None:
    token = gateway.token("portal", unique_tenant, PORTAL, consume=["consent.given"])
    wrong = Subscriber(new_secret())  # signs with another secret: the subscriber refuses
    wrong.url = subscriber.url
    async with gateway.client(token) as http:
        subscription = await subscribe(http, unique_tenant, wrong, [CONSENT])
        event = contract.consent_given(uuid4(), "p1", tenant=unique_tenant)
        await send(http, event)
        path = f"/v1/{unique_tenant}/subscriptions/{subscription}/dead-letters"

        async def dead() -> bool:
            letters = (await http.get(path)).json()
            return [d["event_id"] for d in letters] == [str(event.id)]

        await until(dead, "dead-lettered after the retries")
        letter = (await http.get(path)).json()[0]
        assert letter["attempts"] == 5
        assert letter["last_error"] == "http_401"
        assert subscriber.app.refused == 5

        subscriber.app.webhook = type(subscriber.app.webhook)(wrong.secret)  # fixed
        answer = await http.post(f"{path}/redeliver", json={})
        assert answer.json() == {"queued": 1}
        await until(lambda: str(event.id) in subscriber.app.events, "redelivered")
        assert (await http.get(path)).json() == []


async def test_a_hanging_subscriber_delays_no_other(
    gateway: Gateway, subscriber: Subscriber, unique_tenant: str
) -> None:
    slow = Subscriber(new_secret())
    slow.hold = asyncio.Event()  # answers only when the test lets it
    await slow.start()
    try:
        token = gateway.token("portal", unique_tenant, PORTAL, consume=["consent.given"])
        async with gateway.client(token) as http:
            await subscribe(http, unique_tenant, slow, [CONSENT])
            await subscribe(http, unique_tenant, subscriber, [CONSENT])
            events = [contract.consent_given(uuid4(), "p1", tenant=unique_tenant) for _ in range(3)]
            for event in events:
                await send(http, event)
            await until(lambda: len(slow.attempts) >= 1, "the slow one is being delivered to")
            await until(
                lambda: all(str(e.id) in subscriber.app.events for e in events),
                "the other got everything while the slow one hangs",
            )
            assert not slow.app.events
    finally:
        slow.hold.set()
        await slow.stop()


async def test_municipalities_are_apart(
    gateway: Gateway, subscriber: Subscriber, unique_tenant: str
) -> None:
    other = f"{unique_tenant}-b"
    mine = gateway.token("portal", unique_tenant, PORTAL, consume=["consent.given"])
    theirs = gateway.token("portal-b", other, PORTAL, consume=["consent.given"])
    async with gateway.client(mine) as http, gateway.client(theirs) as their_http:
        subscription = await subscribe(http, unique_tenant, subscriber, [CONSENT])
        foreign = contract.consent_given(uuid4(), "p1", tenant=other)
        await send(their_http, foreign)
        own = contract.consent_given(uuid4(), "p1", tenant=unique_tenant)
        await send(http, own)
        await until(lambda: str(own.id) in subscriber.app.events, "own event delivered")
        assert str(foreign.id) not in subscriber.app.events
        # Another municipality's client sees nothing of the subscription.
        assert (
            await their_http.get(f"/v1/{unique_tenant}/subscriptions/{subscription}")
        ).status_code == 403
        assert (
            await their_http.get(f"/v1/{other}/subscriptions/{subscription}")
        ).status_code == 404
        # Personal events only where the contract allows: a case system may not hear requests.
        system = gateway.token("esdh", unique_tenant, ["case systems"])
    async with gateway.client(system) as esdh:
        answer = await esdh.post(
            f"/v1/{unique_tenant}/subscriptions",
            json={
                "callback_url": subscriber.url,
                "types": ["dk.mediation.case.requested.v1"],
                "secret": new_secret(),
            },
        )
        assert answer.status_code == 403
        assert answer.json()["code"] == "type_not_allowed"


async def test_signing_secrets_are_sealed_at_rest(
    gateway: Gateway, subscriber: Subscriber, unique_tenant: str
) -> None:
    token = gateway.token("portal", unique_tenant, PORTAL, consume=["consent.given"])
    async with gateway.client(token) as http:
        subscription = await subscribe(http, unique_tenant, subscriber, [CONSENT])
        event = contract.consent_given(uuid4(), "p1", tenant=unique_tenant)
        await send(http, event)
        await until(lambda: str(event.id) in subscriber.app.events, "delivered, signed")
    assert subscriber.app.refused == 0
    stored_secret = (await gateway_subscription(gateway, subscription))["secret"]
    assert stored_secret.startswith("v1:")
    assert subscriber.secret.removeprefix("whsec_") not in stored_secret


async def test_a_revoked_integration_stops_receiving_its_subscription(
    gateway: Gateway, bus: LiveBus, subscriber: Subscriber, unique_tenant: str, unique_suffix: str
) -> None:
    """Permission is checked again before each delivery: after `bus_access revoke`, nothing
    more goes out; the delivery is a dead letter saying why."""
    name = f"esdh-{unique_suffix}"
    bus.access.add_integration(name, unique_tenant, PORTAL, consume=["consent.given"])
    sender = gateway.token("portal", unique_tenant, PORTAL)
    async with (
        gateway.client(cert=bus.access.credentials_dir(name)) as own,
        gateway.client(sender) as portal,
    ):
        subscription = await subscribe(own, unique_tenant, subscriber, [CONSENT])
        before = contract.consent_given(uuid4(), "p1", tenant=unique_tenant)
        await send(portal, before)
        await until(lambda: str(before.id) in subscriber.app.events, "delivered while allowed")

        bus.access.revoke(name, bus.access.entries()[name].certificates[0].id)
        after = contract.consent_given(uuid4(), "p1", tenant=unique_tenant)
        await send(portal, after)

        async def refused() -> bool:
            doc = await gateway_delivery(gateway, subscription, after)
            return doc is not None and doc["state"] == "dead"

        await until(refused, "the delivery refused after the revocation")
    doc = await gateway_delivery(gateway, subscription, after)
    assert doc["last_error"] == "not_allowed:revoked_certificate"
    assert str(after.id) not in subscriber.attempts


async def gateway_subscription(gateway: Gateway, subscription: str):  # type: ignore[no-untyped-def]
    from mediation_runtime.mongo import create_mongo_client

    client = create_mongo_client(gateway.env["MONGODB_URL"])
    try:
        return await client["mediation_gateway"]["subscriptions"].find_one({"_id": subscription})
    finally:
        await client.close()
