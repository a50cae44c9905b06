"""The streams get their age and size limits on a real, secured nats-server, also when they
already exist without them (issue 11 point 5)."""

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from mediation_contracts.streams import ADVISORIES_STREAM, DLQ_STREAM, EVENTS_STREAM, STREAMS
from mediation_runtime.streams import StreamSettings, ensure_streams
from nats.js.api import DiscardPolicy, StreamConfig

from tests.secure_bus import LiveBus

DAY = timedelta(days=1).total_seconds()


async def configs(bus: LiveBus) -> dict[str, StreamConfig]:
    nc = await bus.connect()
    try:
        js = nc.jetstream()
        return {spec.name: (await js.stream_info(spec.name)).config for spec in STREAMS}
    finally:
        await nc.close()


@pytest.fixture
async def unlimited_streams(bus: LiveBus) -> AsyncIterator[None]:
    """The streams as they were made before they had limits; the defaults again afterwards
    (the streams are shared by the session's tests)."""
    nc = await bus.connect()
    try:
        js = nc.jetstream()
        for config in (await configs(bus)).values():
            unlimited = replace(config, max_age=0, max_bytes=-1, discard=DiscardPolicy.OLD)
            await js.update_stream(unlimited)
    finally:
        await nc.close()
    assert {c.max_age for c in (await configs(bus)).values()} == {0}
    yield
    await ensure_streams(bus.credentials(), settings=StreamSettings())


async def test_existing_streams_get_the_configured_limits(
    bus: LiveBus, unlimited_streams: None
) -> None:
    settings = StreamSettings(
        events_max_age=timedelta(days=20),
        dlq_max_age=timedelta(days=10),
        dlq_max_bytes=512 * 1024**2,
    )
    await ensure_streams(bus.credentials(), settings=settings)

    found = await configs(bus)
    assert found[EVENTS_STREAM].max_age == 20 * DAY
    assert found[EVENTS_STREAM].max_bytes == 10 * 1024**3
    assert found[EVENTS_STREAM].discard == DiscardPolicy.NEW
    assert found[EVENTS_STREAM].duplicate_window == 120
    assert found[DLQ_STREAM].max_age == 10 * DAY
    assert found[DLQ_STREAM].max_bytes == 512 * 1024**2
    assert found[DLQ_STREAM].discard == DiscardPolicy.OLD
    assert found[ADVISORIES_STREAM].max_age == 20 * DAY
    assert found[ADVISORIES_STREAM].max_bytes == 100 * 1024**2


async def test_a_service_applies_the_default_limits_at_start(
    bus: LiveBus, unlimited_streams: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As every service does at start: its own certificate, the limits from the environment."""
    for name in ("MEDIATION_EVENTS_MAX_AGE", "MEDIATION_DLQ_MAX_AGE", "NOTES_RETENTION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NOTIFICATIONS_CONTACT_RETENTION", "P21D")

    await ensure_streams(bus.credentials("intake"))

    found = await configs(bus)
    assert {name: config.max_age for name, config in found.items()} == {
        EVENTS_STREAM: 21 * DAY,
        DLQ_STREAM: 21 * DAY,
        ADVISORIES_STREAM: 21 * DAY,
    }
