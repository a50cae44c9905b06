"""The caseworker's checklist travels with a request from the administration: intake, a
separate process on real NATS JetStream and a MongoDB-wire server, keeps it with the case and
answers it in ``get_case`` to the mediators who may see the case, never in the list."""

import json
from typing import Any
from uuid import uuid4

import pytest
from mediation_contracts.commands import CaseDetail, GetCase, ListCases
from nats.aio.client import Client
from nats.js import JetStreamContext
from pymongo.asynchronous.collection import AsyncCollection

from tests.data.events import (
    MEDIATOR,
    case_requested,
    caseworker_checklist,
    mediator_assigned,
    requested_with_checklist,
)
from tests.integration.bus import ask, asked, publish, wait_for
from tests.integration.service_process import ServiceProcess

pytestmark = pytest.mark.integration

OTHER_MEDIATOR = "mediator-9"


async def test_the_checklist_is_kept_and_shown_to_who_may_see_the_case(
    intake: ServiceProcess,
    js: JetStreamContext,
    nc: Client,
    cases: AsyncCollection[dict[str, Any]],
    unique_tenant: str,
) -> None:
    with_checklist = requested_with_checklist(uuid4(), tenant=unique_tenant)
    without = case_requested(unique_tenant, uuid4())
    await publish(js, with_checklist)
    await publish(js, without)

    async def detail(case_id: Any, viewer: str = MEDIATOR) -> CaseDetail | None:
        reply = await ask(nc, unique_tenant, "get_case", GetCase(case_id=case_id, viewer_id=viewer))
        return reply.case

    shown = await wait_for(lambda: detail(with_checklist.subject), what="the new case")
    assert shown.checklist == caseworker_checklist()
    assert shown.requester is not None
    assert shown.requester.kind == "administration"
    other = await wait_for(lambda: detail(without.subject), what="the case without checklist")
    assert other.checklist is None

    # As the contract's JSON: the codes, as the administration sent them.
    raw = await asked(
        nc, unique_tenant, "get_case", GetCase(case_id=with_checklist.subject, viewer_id=MEDIATOR)
    )
    sent = json.loads(with_checklist.to_json())["data"]["checklist"]
    assert json.loads(raw)["case"]["checklist"] == sent

    # Kept in intake's own record of the case; the list neither reads nor sends it.
    stored = await cases.find_one({"tenant": unique_tenant, "case_id": str(with_checklist.subject)})
    assert stored is not None
    assert stored["checklist"] == sent
    listed = await asked(nc, unique_tenant, "list_cases", ListCases(viewer_id=MEDIATOR))
    assert "checklist" not in listed.decode()
    assert len(json.loads(listed)["cases"]) == 2

    # Once a mediator took the case, another sees neither it nor its checklist.
    await publish(js, mediator_assigned(with_checklist.subject, tenant=unique_tenant))

    async def taken() -> bool:
        found = await detail(with_checklist.subject)
        return found is not None and found.mediator_id == MEDIATOR

    await wait_for(taken, what="the assignment")
    refused = await ask(
        nc,
        unique_tenant,
        "get_case",
        GetCase(case_id=with_checklist.subject, viewer_id=OTHER_MEDIATOR),
    )
    assert refused.error is not None
    assert (refused.ok, refused.error.code, refused.case) == (False, "not_your_case", None)
    mine = await detail(with_checklist.subject)
    assert mine is not None
    assert mine.checklist == caseworker_checklist()
