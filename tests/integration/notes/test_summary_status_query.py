"""The ``summary_status`` query, through the running notes service on real NATS and a
MongoDB-wire server: it tells the case's staff what the commands would allow them now and whose
wishes are still missing, never content, and refuses everyone else as the commands do."""

import pytest
from mediation_contracts.commands import (
    SummaryState,
)
from mediation_contracts.events import (
    SummaryConsentGiven,
)
from mediation_devstack.dev_identity import DevIdentity
from nats.aio.client import Client
from nats.js import JetStreamContext

from tests.data.events import (
    NOTE_TAKER,
    SECOND_CITIZEN,
    case_requested,
    summary_consent_given,
)
from tests.data.scenario import Scenario
from tests.integration.bus import publish
from tests.integration.notes.people import SECRET, Caller, case_with_summary, code
from tests.integration.service_process import ServiceProcess
from tests.proofs import Prover

pytestmark = pytest.mark.integration


async def test_the_state_follows_the_case_and_matches_what_the_commands_allow(
    notes: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    identity_provider: DevIdentity,
    prove: Prover,
) -> None:
    case = Scenario.new()
    mint = identity_provider.mint
    mediator = Caller(nc, case, mint(case.mediator, "mediator", case.tenant))
    note_taker = Caller(nc, case, mint(NOTE_TAKER, "note_taker", case.tenant))
    for event in (case.request(), prove(case.assign(note_taker=NOTE_TAKER))):
        await publish(js, event)

    # Before the citizen asked for a summary: nothing may be written, the citizen is missing.
    before = await mediator.state_when(
        lambda s: s.summary_consent_missing == [case.citizen], what="notes' view of the case"
    )
    assert before == SummaryState(
        allowed=["audit"],
        summary_consented=[],
        summary_consent_missing=[case.citizen],
        sharing_agreed=[],
        sharing_missing=sorted([case.administration, case.citizen]),
        summary_count=0,
        shared=False,
        destroyed=False,
    )
    assert code(await mediator.write()) == "no_summary_consent"
    assert (await note_taker.state()).allowed == []

    # The citizen's wish: now the case's staff may write.
    await publish(js, case.summary_consent())
    consented = await mediator.state_when(
        lambda s: "write" in s.allowed, what="the citizen's wish for a summary"
    )
    assert (consented.summary_consented, consented.summary_consent_missing) == (
        [case.citizen],
        [],
    )
    assert consented.allowed == ["write", "audit"]
    assert (await note_taker.state()).allowed == ["write"]

    # A summary exists: it may be read; sharing still needs both parties' agreement.
    assert (await mediator.write()).ok
    written = await mediator.state()
    assert written.allowed == ["write", "read", "audit"]
    assert (written.summary_count, written.shared) == (1, False)
    assert (await note_taker.state()).allowed == ["write", "read"]
    assert (await mediator.read()).ok
    assert code(await mediator.share()) == "not_all_parties_agreed"

    # One party agreed: still no sharing, and the status says who is missing.
    await publish(js, case.agree_to_share(case.citizen))
    one = await mediator.state_when(
        lambda s: s.sharing_agreed == [case.citizen], what="the citizen's agreement to share"
    )
    assert one.sharing_missing == [case.administration]
    assert "share" not in one.allowed
    assert code(await mediator.share()) == "not_all_parties_agreed"

    # Every party agreed: the mediator may share, and does.
    await publish(js, case.agree_to_share(case.administration))
    both = await mediator.state_when(
        lambda s: "share" in s.allowed, what="every party's agreement to share"
    )
    assert (both.sharing_agreed, both.sharing_missing) == (
        sorted([case.administration, case.citizen]),
        [],
    )
    assert "share" not in (await note_taker.state()).allowed
    assert (await mediator.share()).ok
    shared = await mediator.state()
    assert (shared.summary_count, shared.shared, shared.destroyed) == (1, True, False)

    # Never content: not in any status reply, raw as it went over the wire.
    replies = mediator.raw_status_replies + note_taker.raw_status_replies
    assert replies
    for raw in replies:
        assert SECRET.encode() not in raw
        assert SECRET[:20].encode() not in raw
    assert SECRET not in notes.logs()


async def test_everyone_else_is_refused_as_by_the_other_notes_commands(
    notes: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    identity_provider: DevIdentity,
    prove: Prover,
) -> None:
    case, mediator = await case_with_summary(js, nc, identity_provider, prove)
    mint = identity_provider.mint
    trail_before = await mediator.audit()
    assert trail_before.audit is not None

    others = {
        "another mediator": (mint("mediator-99", "mediator", case.tenant), "not_a_member"),
        "citizen party": (mint(case.citizen, "citizen", case.tenant), "role_may_not"),
        "administration party": (mint("staff-31", "administration", case.tenant), "role_may_not"),
        "companion": (mint("companion-1", "companion", case.tenant), "role_may_not"),
        "caseworker": (mint("caseworker-5", "caseworker", case.tenant), "role_may_not"),
        "another tenant's token": (mint(case.mediator, "mediator", "other-town"), "invalid_token"),
        "garbage token": ("not-a-token", "invalid_token"),
    }
    for name, (token, expected) in others.items():
        caller = Caller(nc, case, token)
        reply = await caller.status()
        assert (reply.ok, reply.summary_state, code(reply)) == (False, None, expected), name
        assert reply.error is not None
        assert reply.error.message_da, name
        assert reply.error.message_en, name
        assert SECRET.encode() not in caller.raw_status_replies[0], name
        if expected in ("not_a_member", "invalid_token"):
            # The very refusal the other notes commands give such a caller.
            assert code(await caller.write()) == expected, name

    # Status queries, allowed or refused, are not in the audit trail (they open no summary);
    # the refused write attempts above are.
    trail_after = await mediator.audit()
    assert trail_after.audit is not None
    new = [entry for entry in trail_after.audit if entry not in trail_before.audit]
    assert {(e.subject, e.action, e.allowed) for e in new} == {
        ("mediator-99", "write", False),
        ("unverified", "write", False),
        (case.mediator, "audit", True),
    }


async def test_a_family_case_lists_the_citizen_whose_wish_is_still_missing(
    notes: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    identity_provider: DevIdentity,
    prove: Prover,
) -> None:
    case = Scenario.new()
    second = SECOND_CITIZEN
    request = case_requested(case.tenant, case.case_id, case_kind="family")

    def wish(party_id: str) -> SummaryConsentGiven:
        return summary_consent_given(
            case.case_id, party_id, recorded_by=case.mediator, tenant=case.tenant
        )

    mediator = Caller(nc, case, identity_provider.mint(case.mediator, "mediator", case.tenant))
    for event in (request, prove(case.assign()), wish(second)):
        await publish(js, event)
    one = await mediator.state_when(
        lambda s: s.summary_consented == [second], what="the second citizen's wish"
    )
    assert one.summary_consent_missing == [case.citizen]
    assert "write" not in one.allowed
    assert code(await mediator.write()) == "no_summary_consent"

    await publish(js, wish(case.citizen))
    both = await mediator.state_when(lambda s: "write" in s.allowed, what="both citizens' wish")
    assert (both.summary_consented, both.summary_consent_missing) == (
        sorted([case.citizen, second]),
        [],
    )
    assert (await mediator.write()).ok
