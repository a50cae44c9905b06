"""The retention period after a case closed: once it has run out, the summaries are gone for
every command at once, whenever the sweep that destroys the key comes round."""

from collections.abc import Iterator

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from notes.dev_identity import DevIdentity

from tests.integration.bus import publish, wait_for
from tests.integration.notes.conftest import notes_process
from tests.integration.notes.test_summary_status_query import NOTE_TAKER, SECRET, Caller, code
from tests.integration.scenario import Scenario
from tests.integration.service_process import ServiceProcess

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def notes(
    nats_url: str,
    mongodb_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    identity_provider: DevIdentity,
    master_key: str,
) -> Iterator[ServiceProcess]:
    """Retention two seconds; the sweep that destroys keys runs only at start, then hourly."""
    process = notes_process(
        nats_url,
        mongodb_url,
        tmp_path_factory.mktemp("notes-retention") / "log",
        identity_provider,
        master_key,
        NOTES_RETENTION="PT2S",
        NOTES_RETENTION_SWEEP_SECONDS="3600",
    )
    process.start()
    yield process
    process.stop()


async def test_once_retention_ran_out_every_command_refuses_before_the_sweep_came(
    notes: ServiceProcess, js: JetStreamContext, nc: Client, identity_provider: DevIdentity
) -> None:
    case = Scenario.new()
    mint = identity_provider.mint
    mediator = Caller(nc, case, mint(case.mediator, "mediator", case.tenant))
    note_taker = Caller(nc, case, mint(NOTE_TAKER, "note_taker", case.tenant))
    for event in (case.request(), case.assign(note_taker=NOTE_TAKER), case.summary_consent()):
        await publish(js, event)
    await mediator.state_when(lambda s: "write" in s.allowed, what="notes' view of the case")
    assert (await mediator.write()).ok
    for party in (case.citizen, case.administration):
        await publish(js, case.agree_to_share(party))
    await mediator.state_when(lambda s: "share" in s.allowed, what="every party's agreement")

    await publish(js, case.closed())

    async def read_refused() -> str | None:
        reply = await mediator.read()
        return code(reply) if not reply.ok else None

    assert await wait_for(read_refused, what="reading refused after retention") == "destroyed"
    assert code(await note_taker.read()) == "destroyed"
    assert code(await mediator.write()) == "destroyed"
    assert code(await mediator.share()) == "destroyed"
    state = await mediator.state()
    assert (state.allowed, state.summary_count, state.shared, state.destroyed) == (
        ["audit"],
        0,
        False,
        True,
    )
    trail = await mediator.audit()
    assert trail.audit is not None, "the mediator can still see who accessed the case"
    assert [(e.action, e.reason) for e in trail.audit if e.action == "read"][-2:] == [
        ("read", "destroyed"),
        ("read", "destroyed"),
    ]
    assert SECRET not in notes.logs()
