"""People acting on a case through notes' documented commands, each with a signed token;
shared by the notes integration tests."""

from collections.abc import Callable
from uuid import uuid4

from mediation_contracts.commands import (
    AuditTrail,
    ReadSummaries,
    Reply,
    ShareSummary,
    SummaryState,
    SummaryStatus,
    WriteSummary,
)
from mediation_devstack.dev_identity import DevIdentity
from nats.aio.client import Client
from nats.js import JetStreamContext
from pydantic import BaseModel

from tests.data.events import NOTE_TAKER
from tests.data.scenario import Scenario
from tests.integration.bus import asked, documented_reply, publish, wait_for
from tests.proofs import Prover

SECRET = "Aftale: Jobcentret ringer til borgeren hver fredag kl. 10 om sagens fremdrift"


class Caller:
    """One person with a signed token, acting on one case; keeps every raw status reply."""

    def __init__(self, nc: Client, case: Scenario, token: str) -> None:
        self.nc, self.case, self.token = nc, case, token
        self.raw_status_replies: list[bytes] = []

    async def ask(self, command: str, request: BaseModel) -> Reply:
        raw = await asked(self.nc, self.case.tenant, command, request)
        if command == "summary_status":
            self.raw_status_replies.append(raw)
        return documented_reply("notes", command, raw)

    async def status(self) -> Reply:
        return await self.ask(
            "summary_status", SummaryStatus(case_id=self.case.case_id, token=self.token)
        )

    async def state(self) -> SummaryState:
        reply = await self.status()
        assert reply.ok, reply.error
        assert reply.summary_state is not None
        return reply.summary_state

    async def state_when(self, check: Callable[[SummaryState], bool], *, what: str) -> SummaryState:
        """The state once ``check`` holds (the case's events reach notes asynchronously)."""

        async def probe() -> SummaryState | None:
            state = (await self.status()).summary_state
            return state if state is not None and check(state) else None

        state = await wait_for(probe, what=what)
        assert state is not None
        return state

    async def write(self, text: str = SECRET) -> Reply:
        command = WriteSummary(
            command_id=uuid4(), case_id=self.case.case_id, token=self.token, text=text
        )
        return await self.ask("write_summary", command)

    async def read(self) -> Reply:
        return await self.ask(
            "read_summaries", ReadSummaries(case_id=self.case.case_id, token=self.token)
        )

    async def share(self) -> Reply:
        command = ShareSummary(command_id=uuid4(), case_id=self.case.case_id, token=self.token)
        return await self.ask("share_summary", command)

    async def audit(self) -> Reply:
        return await self.ask(
            "audit_trail", AuditTrail(case_id=self.case.case_id, token=self.token)
        )


def code(reply: Reply) -> str | None:
    return reply.error.code if reply.error is not None else None


async def case_with_summary(
    js: JetStreamContext, nc: Client, identity_provider: DevIdentity, prove: Prover
) -> tuple[Scenario, Caller]:
    """A new case its mediator took (proven) with a note-taker, the citizen's wish and one
    summary written by the mediator; returns the case and the mediator."""
    case = Scenario.new()
    mediator = Caller(nc, case, identity_provider.mint(case.mediator, "mediator", case.tenant))
    for event in (
        case.request(),
        prove(case.assign(note_taker=NOTE_TAKER)),
        case.summary_consent(),
    ):
        await publish(js, event)
    await mediator.state_when(lambda s: "write" in s.allowed, what="notes' view of the case")
    assert (await mediator.write()).ok
    return case, mediator
