"""The retention period after a case closed: once it has run out, the summaries are gone for
every command at once, whenever the sweep that destroys the key comes round."""

import pytest
from mediation_devstack.dev_identity import DevIdentity
from nats.aio.client import Client
from nats.js import JetStreamContext

from tests.data.events import NOTE_TAKER
from tests.integration.bus import publish, wait_for
from tests.integration.notes.people import (
    SECRET,
    Caller,
    case_with_summary,
    code,
)
from tests.integration.service_process import ServiceProcess
from tests.proofs import Prover

pytestmark = pytest.mark.integration

# Retention two seconds; the sweep that destroys keys runs at start, then only hourly.
NOTES_ENV = {"NOTES_RETENTION": "PT2S", "NOTES_RETENTION_SWEEP_SECONDS": "3600"}


async def test_once_retention_ran_out_every_command_refuses_before_the_sweep_came(
    notes: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    identity_provider: DevIdentity,
    prove: Prover,
) -> None:
    case, mediator = await case_with_summary(js, nc, identity_provider, prove)
    note_taker = Caller(nc, case, identity_provider.mint(NOTE_TAKER, "note_taker", case.tenant))
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
