"""What ``make bench`` feeds the system: cases of one tenant as a municipal system sends them,
and, for one service measured alone, what the services before it would have said.

Each case is the fault suite's (``tests/faults/system.py``): a request in which the citizen
has not consented yet, an accepted assessment, a proven assignment and both parties'
consent. Intake answers with two ``ConsentRequested`` and one ``CaseReadyForScheduling``;
notifications mails the citizen (``NotificationSent``) and cannot reach the administration
(``NotificationFailed``, no address).
"""

import base64
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseReadyForScheduling,
    CaseReadyForSchedulingData,
    ConsentRequested,
    ConsentRequestedData,
)
from mediation_devstack.dev_identity import DevIdentity
from notes.adapters.proof_keys import make_key_pair

from tests.data.scenario import Scenario
from tests.proofs import Prover

EXTERNAL_PER_CASE = 5
# What each service consumes of the flow (its own consumers): external events and the
# answers of the services before it.
INPUTS = {
    "intake": (
        "case.requested",
        "case.assessed",
        "mediator.assigned",
        "consent.given",
    ),
    "scheduling": (
        "case.requested",
        "case.assessed",
        "mediator.assigned",
        "consent.given",
        "case.ready_for_scheduling",
    ),
    "notes": ("case.requested", "mediator.assigned"),
    "notifications": ("case.requested", "consent.requested"),
}
# What each service's drain must have put on the stream, per case.
OUTPUTS = {
    "intake": {"consent.requested": 2, "case.ready_for_scheduling": 1},
    "scheduling": {},
    "notes": {},
    "notifications": {"notification.sent": 1, "notification.failed": 1},
}
FLOW_OUTPUTS = {**OUTPUTS["intake"], **OUTPUTS["notifications"]}
INTAKE_SOURCE = "/mediation/intake"


def kind(event: CloudEvent) -> str:
    return f"{event.aggregate}.{event.event}"


@dataclass
class Secrets:
    """Notes' keys and the development identity that proves assignments to it."""

    base: Path
    master_key: str = field(
        default_factory=lambda: base64.b64encode(secrets.token_bytes(32)).decode()
    )

    def __post_init__(self) -> None:
        self.identity = DevIdentity.create(self.base / "identity")
        self.proof_key, public_key = make_key_pair(self.base / "proof")
        self.prove = Prover(self.identity, public_key)

    def notes_env(self) -> dict[str, str]:
        return {
            "NOTES_MASTER_KEY": self.master_key,
            "NOTES_JWKS_FILE": str(self.identity.jwks_path),
            "NOTES_TOKEN_ISSUER": self.identity.issuer,
            "NOTES_PROOF_KEY_FILE": str(self.proof_key),
        }


@dataclass
class Case:
    scenario: Scenario
    external: list[CloudEvent]
    # What intake would answer: for a service measured without intake running.
    upstream: list[CloudEvent]


def cases(count: int, prove: Prover, tenant: str | None = None) -> list[Case]:
    tenant = tenant or f"b-{secrets.token_hex(4)}"
    made = []
    for _ in range(count):
        scenario = Scenario(tenant=tenant)
        request = scenario.request(requester_consents=False)
        external: list[CloudEvent] = [
            request,
            scenario.assess("accepted"),
            prove(scenario.assign()),
            scenario.consent(scenario.citizen),
            scenario.consent(scenario.administration),
        ]
        asked = [
            ConsentRequested.create(
                tenant=tenant,
                case_id=scenario.case_id,
                source=INTAKE_SOURCE,
                data=ConsentRequestedData(party_id=party, party_kind=party_kind),
                cause=request,
            )
            for party, party_kind in (
                (scenario.citizen, "citizen"),
                (scenario.administration, "administration"),
            )
        ]
        ready = CaseReadyForScheduling.create(
            tenant=tenant,
            case_id=scenario.case_id,
            source=INTAKE_SOURCE,
            data=CaseReadyForSchedulingData(
                party_ids=sorted([scenario.citizen, scenario.administration]),
                mediator_id=scenario.mediator,
            ),
            cause=external[-1],
        )
        made.append(Case(scenario, external, [*asked, ready]))
    return made


def backlog(made: list[Case], service: str | None) -> list[CloudEvent]:
    """The events one service consumes (``None``: the external events, for the whole flow),
    case after case in the order a municipal system would send them."""
    if service is None:
        return [event for case in made for event in case.external]
    wanted = INPUTS[service]
    return [
        event
        for case in made
        for event in (*case.external, *case.upstream)
        if kind(event) in wanted
    ]
