"""A citizen's data rights across the running system: access from every service, erasure
that leaves no name or address in any database, stream or log the system controls."""

import json
from typing import Any
from uuid import uuid4

from mediation_contracts.commands import PersonalDataRequest
from mediation_runtime import data_rights
from mediation_runtime.mongo import create_mongo_client
from nats.aio.client import Client
from nats.js import JetStreamContext

from tests.data.scenario import CITIZEN_EMAIL, CITIZEN_NAME, CITIZEN_PHONE, Scenario
from tests.integration.bus import publish, wait_for
from tests.integration.data_rights.conftest import Gateway, Subscriber
from tests.integration.data_rights.scan import HOLDERS, left_in_databases, left_in_streams
from tests.integration.service_process import ServiceProcess

PERSONAL = (CITIZEN_NAME, CITIZEN_EMAIL, CITIZEN_PHONE)


async def two_cases(
    js: JetStreamContext, tenant: str, case_system: Subscriber, *, close_first: bool
) -> list[Scenario]:
    """The same citizen in two cases of ``tenant``: the first closed (when asked), the
    second open. The citizen's consent (and withdrawal) reach the municipality's case
    system through the gateway, which keeps its copies: returns once they were delivered."""
    cases = [Scenario(tenant=tenant), Scenario(tenant=tenant)]
    heard = []
    for case in cases:
        await publish(js, case.request())
        await publish(js, case.assess("accepted"))
        heard.append(case.consent(case.citizen))
        await publish(js, heard[-1])
    if close_first:
        heard.append(cases[0].withdraw(cases[0].citizen, "party"))
        await publish(js, heard[-1])

    async def delivered() -> bool:
        return all(str(event.id) in case_system.app.events for event in heard)

    await wait_for(delivered, what="the case system got the citizen's events through the gateway")
    assert case_system.app.refused == 0
    return cases


async def answered(dpo: Client, tenant: str, party_id: str) -> dict[str, Any]:
    request = PersonalDataRequest(
        request_id=uuid4(), party_id=party_id, contacts=[CITIZEN_EMAIL], requested_by="dpo-1"
    )
    return await data_rights.access(dpo, tenant, request, timeout=10)


async def test_access_collects_both_cases_from_every_service(
    services: dict[str, ServiceProcess],
    js: JetStreamContext,
    dpo: Client,
    unique_tenant: str,
    case_system: Subscriber,
) -> None:
    cases = await two_cases(js, unique_tenant, case_system, close_first=False)
    wanted = {str(case.case_id) for case in cases}

    async def complete() -> dict[str, Any] | None:
        document = await answered(dpo, unique_tenant, cases[0].citizen)
        holding = {s for s, d in document["services"].items() if wanted <= set(d["cases"])}
        return document if {"intake", "notes", "notifications", "gateway"} <= holding else None

    document = await wait_for(
        complete, what="intake, notes, notifications and the gateway hold both cases"
    )
    assert document["missing"] == {}
    assert set(document["services"]) == set(HOLDERS)  # every service answered its part
    intake_records = document["services"]["intake"]["records"]
    assert any(r["data"].get("name") == CITIZEN_NAME for r in intake_records)
    # Only the citizen's own part: never the other party's details.
    assert not any(r["data"].get("name") == "Jobcenter" for r in intake_records)
    # The gateway's copies of the events it sent the case system, found inside their body.
    gateway = document["services"]["gateway"]
    copies = [r for r in gateway["records"] if r["kind"] == "deliveries"]
    assert {r["case_id"] for r in copies} == wanted
    assert all(r["data"]["party_id"] == cases[0].citizen for r in copies)
    assert "GATEWAY_DELIVERED_RETENTION_SECONDS" in gateway["retention"]
    report = data_rights.access_report_da(document)
    assert CITIZEN_NAME in report
    assert "Hændelser til andre systemer (gateway)" in report
    assert "Alle tjenester svarede" in report


async def test_a_service_that_does_not_answer_is_reported_missing(
    services: dict[str, ServiceProcess], dpo: Client, unique_tenant: str
) -> None:
    request = PersonalDataRequest(request_id=uuid4(), party_id="p-x", requested_by="dpo-1")
    answers = await data_rights.ask_all(
        dpo, unique_tenant, "personal_data", request, timeout=5, services=(*HOLDERS, "archive")
    )
    assert set(answers.results) == set(HOLDERS)
    assert set(answers.missing) == {"archive"}  # never answered: reported, not hidden


async def test_erasure_leaves_no_name_or_address_anywhere(
    services: dict[str, ServiceProcess],
    js: JetStreamContext,
    dpo: Client,
    unique_tenant: str,
    mongodb_url: str,
    case_system: Subscriber,
) -> None:
    [closed, still_open] = await two_cases(js, unique_tenant, case_system, close_first=True)

    async def closed_at_intake() -> bool:
        document = await answered(dpo, unique_tenant, closed.citizen)
        intake = document["services"].get("intake") or {"closed_cases": []}
        return (
            str(closed.case_id) in intake["closed_cases"]
            and str(still_open.case_id) in document["services"]["notifications"]["cases"]
        )

    await wait_for(closed_at_intake, what="the withdrawn case closed at intake")
    receipt = await data_rights.erase(
        dpo, unique_tenant, closed.citizen, [CITIZEN_EMAIL], "dpo-1", timeout=120
    )
    assert receipt["missing"] == {}
    assert receipt["case_ids"] == [str(closed.case_id)]
    assert receipt["open_cases"] == [str(still_open.case_id)]
    assert receipt["services"]["intake"]["stream_messages_deleted"] >= 1
    assert set(receipt["services"]) == set(HOLDERS)  # the gateway erased its copies too
    assert receipt["services"]["gateway"]["erased_cases"] == [str(closed.case_id)]

    # Every database, every collection, every stream message: the closed case's records
    # name nobody any more.
    assert await left_in_databases(mongodb_url, str(closed.case_id), PERSONAL) == []
    assert await left_in_streams(js, str(closed.case_id), PERSONAL) == []
    # The open case still has them: erasure waits for its close.
    client = create_mongo_client(mongodb_url)
    try:
        # The scan above read the gateway's copies of the closed case: they are still there
        # (ids stay), only names and addresses go.
        copies = client["mediation_gateway"]["deliveries"]
        assert await copies.count_documents({"case_id": str(closed.case_id)}) == 2
        head = await client["mediation_intake"]["cases"].find_one(
            {"_id": f"{unique_tenant}:{still_open.case_id}"}
        )
        assert CITIZEN_NAME in json.dumps(head, default=str, ensure_ascii=False)
    finally:
        await client.close()

    # The services' logs never held them at all.
    for process in services.values():
        assert [n for n in PERSONAL if n in process.logs()] == [], process.service


async def test_a_gateway_that_does_not_answer_is_reported_missing(
    services: dict[str, ServiceProcess], gateway: Gateway, dpo: Client, unique_tenant: str
) -> None:
    """Last in this module: the gateway is stopped, then started again."""
    gateway.stop()
    try:
        request = PersonalDataRequest(request_id=uuid4(), party_id="p-x", requested_by="dpo-1")
        document = await data_rights.access(dpo, unique_tenant, request, timeout=3)
        assert set(document["missing"]) == {"gateway"}  # reported, never left out
        assert set(document["services"]) == set(HOLDERS) - {"gateway"}
        report = data_rights.access_report_da(document)
        assert "Tjenester uden svar" in report
        assert "Hændelser til andre systemer (gateway)" in report
    finally:
        gateway.start()
