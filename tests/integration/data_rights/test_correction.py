"""A correction (GDPR art. 16) across the running system: the mediator corrects a citizen's
e-mail address while the case is open (``PartyDetailsCorrected``); intake and notifications
apply it before the next message, which goes to the new address only (real SMTP), and the
data protection office's access report shows the corrected details."""

import asyncio
import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from mediation_contracts.commands import PersonalDataRequest
from mediation_contracts.events import ContactDetails
from mediation_runtime import data_rights
from nats.aio.client import Client
from nats.js import JetStreamContext

from tests.data.events import details_corrected
from tests.data.scenario import Scenario
from tests.integration.bus import publish, wait_for
from tests.integration.notifications.smtp_server import Recorder
from tests.integration.notifications.test_notifications_flow import (
    MEETING_START,
    mails_to,
    meeting,
    people,
)
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus


def emails_of(records: list[dict[str, Any]]) -> set[str]:
    """The e-mail addresses in a service's party records of the person."""
    found = set()
    for record in records:
        contact = record["data"].get("contact")
        if isinstance(contact, dict) and contact.get("email"):
            found.add(contact["email"])
        if isinstance(record["data"].get("email"), str):
            found.add(record["data"]["email"])
    return found


async def test_a_correction_reaches_notifications_before_the_next_message(
    services: dict[str, ServiceProcess],
    js: JetStreamContext,
    dpo: Client,
    unique_tenant: str,
    mailbox: Recorder,
) -> None:
    case = Scenario(tenant=unique_tenant)
    old, new = f"karen-{unique_tenant}@example.dk", f"karen.ny-{unique_tenant}@example.dk"
    await publish(js, people(case, old, f"enhed-{unique_tenant}@example.dk"))
    await publish(js, case.assess("accepted"))
    await publish(js, case.assign())
    first = meeting(case)
    await publish(js, first)
    await wait_for(mails_to(mailbox, old, 1), what="the first invitation, to the old address")  # type: ignore[arg-type]
    before = len(mailbox.to(old))

    # The citizen tells the office the address is wrong; the case's mediator corrects it, and
    # the next booking follows at once (no waiting for the correction to be applied).
    await publish(
        js,
        details_corrected(
            case.case_id,
            case.citizen,
            name="Karen Østergaard",
            contact=ContactDetails(email=new),
            changed_by=case.mediator,
            tenant=unique_tenant,
        ),
    )
    await publish(js, meeting(case, MEETING_START + timedelta(days=7)))
    [invitation] = await wait_for(
        mails_to(mailbox, new, 1), what="the next one, to the new address"
    )  # type: ignore[arg-type]
    assert new in str(invitation["To"])
    assert len(mailbox.to(old)) == before, "nothing more went to the old address"

    # Every service that holds contact details now holds the new address as the person's.
    async def corrected() -> dict[str, Any] | None:
        request = PersonalDataRequest(
            request_id=uuid4(), party_id=case.citizen, requested_by="dpo-1"
        )
        document = await data_rights.access(dpo, unique_tenant, request, timeout=10)
        intake = emails_of(document["services"]["intake"]["records"])
        return document if new in intake and old not in intake else None

    document = await wait_for(corrected, what="intake holds the corrected address")
    assert document["missing"] == {}
    assert new in emails_of(document["services"]["notifications"]["records"])
    for service in ("scheduling", "notes", "insights"):  # they hold no contact details at all
        assert emails_of(document["services"][service]["records"]) == set(), service
    for process in services.values():
        assert new not in process.logs(), process.service


async def run_tool(bus: LiveBus, principal: str, out: Path, *argv: list[str]) -> dict[str, Any]:
    """``python -m mediation_runtime.data_rights ...`` as ``principal``: its JSON receipt."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mediation_runtime.data_rights",
        *(word for words in argv for word in words),
        "--out",
        str(out),
        "--timeout",
        "60",
        env={**os.environ, **bus.env(principal)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode == 0, stderr.decode()[-2000:]
    written = Path(stdout.decode().splitlines()[0])
    receipt: dict[str, Any] = json.loads(await asyncio.to_thread(written.read_text))
    return receipt


async def test_the_data_protection_office_corrects_a_closed_case(
    services: dict[str, ServiceProcess],
    js: JetStreamContext,
    bus: LiveBus,
    dpo: Client,
    unique_tenant: str,
    mailbox: Recorder,
    tmp_path: Path,
) -> None:
    """After the close no mediator corrects anything; the office does, in the closed case
    only (the open one is its mediator's), and the messages already sent stay as sent."""
    closed, still_open = Scenario(tenant=unique_tenant), Scenario(tenant=unique_tenant)
    old, new = f"karen-{unique_tenant}@example.dk", f"karen.ny-{unique_tenant}@example.dk"
    for case in (closed, still_open):
        await publish(js, people(case, old, f"enhed-{unique_tenant}@example.dk"))
        await publish(js, case.assess("accepted"))
    await publish(js, closed.withdraw(closed.citizen, "party"))

    async def closed_and_told() -> bool:
        request = PersonalDataRequest(
            request_id=uuid4(), party_id=closed.citizen, requested_by="dpo-1"
        )
        document = await data_rights.access(dpo, unique_tenant, request, timeout=10)
        intake = document["services"].get("intake") or {"closed_cases": []}
        return str(closed.case_id) in intake["closed_cases"] and len(mailbox.to(old)) >= 1

    await wait_for(closed_and_told, what="the case closed at intake and its closing told")
    # As the office runs it (README "Data protection"): the command line, its receipt.
    receipt = await run_tool(
        bus,
        f"{unique_tenant}-dpo"[:60],
        tmp_path / "data-rights",
        ["correct", "--tenant", unique_tenant, "--party-id", closed.citizen],
        ["--requested-by", "dpo-1", "--name", "Karen Østergaard Holm", "--email", new],
    )
    assert receipt["missing"] == {}
    assert receipt["case_ids"] == [str(closed.case_id)]
    assert receipt["open_cases"] == [str(still_open.case_id)]
    assert set(receipt["services"]) == {"intake", "notifications"}
    assert "Berigtigelse" in data_rights.correction_report_da(receipt)

    request = PersonalDataRequest(request_id=uuid4(), party_id=closed.citizen, requested_by="d")
    document = await data_rights.access(dpo, unique_tenant, request, timeout=10)

    def of_case(service: str, case: Scenario) -> list[dict[str, Any]]:
        records = document["services"][service]["records"]
        return [r for r in records if r["case_id"] == str(case.case_id)]

    for service in ("intake", "notifications"):
        # The person's current records in the closed case hold the new details ...
        current = [r for r in of_case(service, closed) if r["kind"] != "notifications"]
        assert new in emails_of(current), service
        assert old not in emails_of(current), service
        assert any(r["data"].get("name") == "Karen Østergaard Holm" for r in current), service
        # ... and the open case is left to its mediator.
        assert new not in emails_of(of_case(service, still_open)), service
    # What was sent went to the old address, and says so still.
    sent = [r for r in of_case("notifications", closed) if r["kind"] == "notifications"]
    assert sent
    assert old in json.dumps(sent)
