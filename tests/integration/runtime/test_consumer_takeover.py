"""A service's one consumer (``<service>-events``) takes over from the per-event-type
consumers of earlier versions: it starts where all of them had got to, so an upgrade neither
skips an event nor replays the stream, and the old consumers are gone."""

import pytest
from mediation_contracts.events import CaseRequested, ConsentGiven
from mediation_contracts.streams import EVENTS_STREAM, consumer_name, events_consumer
from mediation_contracts.subjects import subscription_subject
from mediation_runtime.delivery import DeliveryPolicy, apply_consumer_configs
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from tests.data.scenario import Scenario

pytestmark = pytest.mark.integration


async def test_the_new_consumer_starts_where_the_old_ones_had_all_got_to(
    js: JetStreamContext, unique_suffix: str
) -> None:
    service = f"upgraded{unique_suffix}"  # a service of its own: real ones keep their consumers
    requests = [Scenario.new().request() for _ in range(3)]
    sequences = [
        (await js.publish(e.nats_subject(), e.to_json(), headers={"Nats-Msg-Id": str(e.id)})).seq
        for e in requests
    ]
    # The old request consumer had acknowledged the first two requests, not the third; the
    # old consent consumer had nothing to do (no consent published since it started).
    old_requests = consumer_name(service, "case", "requested")
    old_consents = consumer_name(service, "consent", "given")
    await js.add_consumer(
        EVENTS_STREAM,
        ConsumerConfig(
            durable_name=old_requests,
            filter_subject=subscription_subject("case", "requested"),
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=sequences[0],
        ),
    )
    pulled = await js.pull_subscribe_bind(old_requests, EVENTS_STREAM)
    for message in await pulled.fetch(2, timeout=5):
        await message.ack_sync()
    await pulled.unsubscribe()
    await js.add_consumer(
        EVENTS_STREAM,
        ConsumerConfig(
            durable_name=old_consents,
            filter_subject=subscription_subject("consent", "given"),
            deliver_policy=DeliverPolicy.NEW,
        ),
    )

    policy = DeliveryPolicy(service, (1.0,), None)  # type: ignore[arg-type]
    name = events_consumer(service)
    policy.consumers.append(
        ConsumerConfig(
            name=name,
            durable_name=name,
            filter_subjects=[
                subscription_subject(e.aggregate, e.event) for e in (CaseRequested, ConsentGiven)
            ],
        )
    )
    policy.legacy_consumers.extend([old_requests, old_consents])
    try:
        await apply_consumer_configs(js, policy)

        taken_over = await js.pull_subscribe_bind(name, EVENTS_STREAM)
        [first] = await taken_over.fetch(1, timeout=5)
        assert first.metadata.sequence.stream == sequences[2], "the unacknowledged request first"
        for old in (old_requests, old_consents):
            with pytest.raises(NotFoundError):
                await js.consumer_info(EVENTS_STREAM, old)

        # The next start finds the consumer and keeps where it started (NATS refuses to change it).
        await apply_consumer_configs(js, policy)
        info = await js.consumer_info(EVENTS_STREAM, name)
        assert info.config.opt_start_seq == sequences[2]
    finally:
        await js.delete_consumer(EVENTS_STREAM, name)


async def test_a_consumer_without_predecessors_starts_at_the_beginning(
    js: JetStreamContext, unique_suffix: str
) -> None:
    service = f"fresh{unique_suffix}"
    name = events_consumer(service)
    policy = DeliveryPolicy(service, (1.0,), None)  # type: ignore[arg-type]
    policy.consumers.append(
        ConsumerConfig(
            name=name,
            durable_name=name,
            filter_subjects=[subscription_subject("case", "requested")],
        )
    )
    policy.legacy_consumers.append(consumer_name(service, "case", "requested"))
    try:
        await apply_consumer_configs(js, policy)
        info = await js.consumer_info(EVENTS_STREAM, name)
        assert info.config.deliver_policy == DeliverPolicy.ALL
    finally:
        await js.delete_consumer(EVENTS_STREAM, name)
