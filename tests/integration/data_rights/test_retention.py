"""Retention across the running system: once a case has been closed longer than the
services keep personal data (here seconds: ``INTAKE_RETENTION``,
``NOTIFICATIONS_CONTACT_RETENTION``), no name or address of it is left in any database
(the messages sent included) or stream message, while a case of the same person still open
keeps them."""

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from mediation_contracts.access import MEDIATOR_CLIENT
from mediation_contracts.commands import GetCase, ListCases
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.personal_data import ERASED
from nats.js import JetStreamContext

from tests.data.scenario import (
    CITIZEN_EMAIL,
    CITIZEN_NAME,
    CITIZEN_PHONE,
    COMPANION_NAME,
    DESCRIPTION,
    FOLLOW_UP_NAME,
    Scenario,
)
from tests.integration.bus import ask, events_of, publish, wait_for
from tests.integration.data_rights.scan import left_in_databases, left_in_streams
from tests.integration.notifications.conftest import live_channels
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

PERSONAL = (CITIZEN_NAME, CITIZEN_EMAIL, CITIZEN_PHONE, COMPANION_NAME, DESCRIPTION, FOLLOW_UP_NAME)
# Seconds instead of months; the streams keep their usual age limit (which may not be below
# a day), so it is the sweep that must take the case's events off them.
SHORT = {"MEDIATION_EVENTS_MAX_AGE": "P30D"}


@pytest.fixture(scope="module")
def short_retention(
    bus: LiveBus,
    mongodb_url: str,
    smtp_server: Controller,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, ServiceProcess]]:
    logs = tmp_path_factory.mktemp("retention-logs")
    channels = {
        f"NOTIFICATIONS_{name.upper()}": v for name, v in live_channels(smtp_server.port).items()
    }
    processes = {
        "intake": ServiceProcess(
            "intake",
            bus,
            mongodb_url,
            logs / "intake.log",
            **SHORT,
            # Longer than notifications': the close must reach notifications (and its
            # message go out) before intake takes the case's events off the stream.
            INTAKE_RETENTION="PT10S",
            INTAKE_RETENTION_SWEEP_SECONDS="0.5",
        ),
        "notifications": ServiceProcess(
            "notifications",
            bus,
            mongodb_url,
            logs / "notifications.log",
            **SHORT,
            **channels,
            NOTIFICATIONS_CONTACT_RETENTION="PT3S",
            NOTIFICATIONS_RETENTION_SWEEP_SECONDS="0.5",
            NOTIFICATIONS_WORKER_POLL_SECONDS="0.2",
        ),
    }
    for process in processes.values():
        process.start()
    yield processes
    for process in processes.values():
        process.stop()


async def test_a_closed_case_keeps_no_name_or_address_after_its_retention(
    short_retention: dict[str, ServiceProcess],
    bus: LiveBus,
    js: JetStreamContext,
    unique_tenant: str,
    mongodb_url: str,
) -> None:
    closed, still_open = Scenario(tenant=unique_tenant), Scenario(tenant=unique_tenant)
    for case in (closed, still_open):
        await publish(js, case.request())
        await publish(js, case.assess("accepted"))
    await publish(js, closed.assign())
    await publish(js, closed.consent(closed.administration))
    case_id = str(closed.case_id)

    async def ready() -> bool:
        client = create_mongo_client(mongodb_url)
        try:
            head = await client["mediation_intake"]["cases"].find_one(
                {"_id": f"{unique_tenant}:{case_id}"}, {"status": 1}
            )
        finally:
            await client.close()
        return head is not None and head["status"] == "ready_for_scheduling"

    await wait_for(ready, what="the case ready for scheduling")
    # The mediation ends with an agreement: the case closes, with a follow-up contact.
    await publish(js, closed.outcome("agreement"))

    async def told_of_closing() -> bool:
        # (By its type: the close itself may have left the stream already, with the
        # case's other personal events, when the retention is this short.)
        sent = await events_of(js, unique_tenant, "notification.sent")
        return any(
            e["subject"] == case_id and e["data"]["trigger"].endswith(".case.closed.v1")
            for e in sent
        )

    # The close is told (a message with the citizen's name, to her address) ...
    await wait_for(told_of_closing, what="the closing message sent")
    # ... and once the retention has run out, nothing of the case names anybody.

    async def erased() -> bool:
        return (
            await left_in_databases(mongodb_url, case_id, PERSONAL) == []
            and await left_in_streams(js, case_id, PERSONAL) == []
        )

    await wait_for(erased, what="the closed case's names and addresses erased", timeout=60)

    # Ids and codes stay (the case is still there, closed, for statistics and audit) ...
    client = create_mongo_client(mongodb_url)
    try:
        cases = client["mediation_intake"]["cases"]
        head = await cases.find_one({"_id": f"{unique_tenant}:{closed.case_id}"})
        assert head is not None
        assert head["status"] == "closed"
        assert head["outcome"] == "agreement"
        # ... and the open case of the same person keeps her details.
        kept = await cases.find_one({"_id": f"{unique_tenant}:{still_open.case_id}"})
        assert kept is not None
        assert kept["party_details"][0]["name"] == CITIZEN_NAME
    finally:
        await client.close()
    assert await left_in_databases(mongodb_url, str(still_open.case_id), (CITIZEN_NAME,)) != []
    # The mediator still finds the closed case in their list and opens it: names read
    # [slettet], addresses are empty.
    client_connection = await bus.connect(MEDIATOR_CLIENT)
    try:
        listing = await ask(
            client_connection, unique_tenant, "list_cases", ListCases(viewer_id=closed.mediator)
        )
        assert listing.ok, listing.error
        listed = [c for c in listing.cases or [] if c.case_id == closed.case_id]
        assert [p.name for p in listed[0].parties] == [ERASED, ERASED]
        opened = await ask(
            client_connection,
            unique_tenant,
            "get_case",
            GetCase(case_id=closed.case_id, viewer_id=closed.mediator),
        )
        assert opened.ok, opened.error
        assert opened.case is not None
        citizen = opened.case.parties[0]
        assert citizen.name == ERASED
        assert citizen.contact is None or (citizen.contact.email, citizen.contact.phone) == (
            None,
            None,
        )
    finally:
        await client_connection.close()
    for process in short_retention.values():
        assert [n for n in PERSONAL if n in process.logs()] == [], process.service
