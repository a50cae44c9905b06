"""The clustered deployment (deploy/compose) as an operator starts it, with locally built
images: every replica becomes healthy, a mediator takes a case from request to close through
the published port of either client replica, and while cases arrive one NATS node and one
replica of each service are killed, and nothing is lost, duplicated or dead-lettered.
"""

import asyncio
import re
import secrets
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.chromium import launched_chromium
from tests.browser.test_journey import ADMINISTRATION, CITIZEN, flash, record_consent
from tests.browser.test_journey import register_case as fill_in_request
from tests.containers.cluster import JOBS, Cluster
from tests.faults.system import EXPECTED_PER_CASE, Figures, Workload, _outputs, check
from tests.integration.bus import read_stream

pytestmark = [pytest.mark.containers, pytest.mark.timeout(900)]

PASSWORD = "container-test-password"


@pytest.fixture(scope="module")
def tenant() -> str:
    return f"c-{secrets.token_hex(4)}"


@pytest.fixture(scope="module")
def running(cluster: Cluster, tenant: str) -> Cluster:
    """Up as README, Deploy says: init, a mediator added with the tools, up; then healthy."""
    cluster.init()
    cluster.add_mediator("mediator1", "mediator-1", tenant, PASSWORD)
    cluster.up()
    cluster.wait_healthy()
    return cluster


async def test_every_replica_becomes_healthy_and_the_streams_have_three_replicas(
    running: Cluster,
) -> None:
    assert running.healthy() == []
    for job in JOBS:
        state = running.state(job)
        assert state.get("Status") == "exited", (job, state)
        assert state.get("ExitCode") == 0, (job, state)
    connection = await running.bus.connect()
    try:
        info = await connection.jetstream().stream_info("MEDIATION")
        assert info.config.num_replicas == 3
        assert info.cluster is not None
        assert len(info.cluster.replicas or []) == 2  # besides the leader
    finally:
        await connection.close()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with launched_chromium() as launched:
        yield launched


async def test_a_mediator_takes_a_case_from_request_to_close_on_either_client_replica(
    running: Cluster, browser: Browser
) -> None:
    first = f"http://127.0.0.1:{running.ports['CLIENT_PORT_1']}"
    second = f"http://127.0.0.1:{running.ports['CLIENT_PORT_2']}"
    context = await browser.new_context(locale="da-DK")
    context.set_default_timeout(20_000)
    page = await context.new_page()
    reference = f"SAG-{secrets.token_hex(3).upper()}"
    try:
        await sign_in(page, first)
        await fill_in_request(page, reference)
        await flash(page, "Anmodningen er registreret.")
        await page.get_by_role("button", name="Tag sagen").click()
        await flash(page, "Du har taget sagen.")
        assess = page.locator("#assess")
        await assess.get_by_label("Egnet til mægling", exact=True).check()
        await assess.get_by_role("button", name="Registrér vurderingen").click()
        await flash(page, "Vurderingen er registreret.")

        # The other replica serves the same session and the same case.
        await page.goto(page.url.replace(first, second))
        await expect(page.get_by_role("heading", level=1)).to_have_text(reference)
        await record_consent(page, CITIZEN)
        await record_consent(page, ADMINISTRATION)
        await expect(page.locator("#case-status")).to_have_text("Klar til mæglingsmøde")

        # The mediation will not take place after all: close it without a meeting.
        await page.get_by_text("Afslut sagen uden mæglingsmøde").click()
        close = page.locator("#close")
        await close.get_by_label("Ingen aftale", exact=True).check()
        contact = close.get_by_role("group", name="Kontaktperson fremover")
        await contact.get_by_label("Navn").fill("Anne Andersen")
        await contact.get_by_label("Enhed").fill("Jobcenter Nord, borgerservice")
        await contact.get_by_label("E-mail").fill("anne@example.dk")
        await close.get_by_role("button", name="Afslut sagen").click()
        await flash(page, "Sagen er afsluttet.")
        await expect(page.locator("#case-status")).to_have_text("Afsluttet")

        await page.goto(f"{first}/cases?status=closed")
        await expect(page.get_by_role("link", name=reference)).to_be_visible()
    finally:
        await context.close()


async def sign_in(page: Page, url: str) -> None:
    await page.goto(f"{url}/login")
    await page.get_by_label("Brugernavn").fill("mediator1")
    await page.get_by_label("Adgangskode").fill(PASSWORD)
    await page.get_by_role("button", name="Log ind").click()
    await page.get_by_role("heading", name="Sager", exact=True).wait_for()
    assert re.search(r"/cases", page.url)


KILLED = ("nats-1", "intake-1", "scheduling-1", "notes-1", "notifications-1")


async def test_nothing_is_lost_when_a_nats_node_and_a_replica_of_each_service_die(
    running: Cluster,
) -> None:
    """The fault suite's workload, through the published ports: each case a request, an
    assessment, a proven assignment and both consents. A third of the way in, one NATS node
    (the one the workload publishes to first) and one replica of every service get SIGKILL."""
    figures = Figures("kill -9 nats-1 and one replica of each service (cluster)")
    workload = Workload(running, cases=20)  # type: ignore[arg-type]
    publishing = asyncio.create_task(workload.run(per_second=10))
    try:
        await _until(lambda: len(workload.accepted) >= 30, timeout=60, what="30 events accepted")
        await asyncio.to_thread(running.kill, *KILLED)
        await publishing
        result = await check(running, workload, figures, timeout=240)  # type: ignore[arg-type]
    finally:
        if not publishing.done():
            publishing.cancel()
    assert result.events == 100
    if (result.lost, result.duplicated, result.dead_lettered) != (0, 0, 0):
        cases = [str(s.case_id) for s in workload.scenarios]
        raise AssertionError(f"{result}\n{await _off_by_case(running, workload.tenant, cases)}")
    assert "all services running and answering" in result.notes

    # The killed ones come back and rejoin: NATS catches up its replicas, all are healthy.
    await asyncio.to_thread(running.start, *KILLED)
    await asyncio.to_thread(running.wait_healthy)
    connection = await running.bus.connect()
    try:
        events = await read_stream(
            connection.jetstream(), "MEDIATION", f"mediation.v1.{workload.tenant}.case.requested"
        )
        assert len(events) == 20
    finally:
        await connection.close()


async def _off_by_case(cluster: Cluster, tenant: str, cases: list[str]) -> str:
    """Which outputs of which cases are missing or repeated, for the failure message."""
    connection = await cluster.bus.connect()
    try:
        outputs = await _outputs(connection, tenant)
    finally:
        await connection.close()
    off = [
        f"{kind} x{count} for case {case}"
        for kind, expected in EXPECTED_PER_CASE.items()
        for case in cases
        if (count := outputs[kind][case]) != expected
    ]
    off += [f"notification x{n} for {key}" for key, n in outputs["notification"].items() if n > 1]
    return "\n".join(off) or "every case's events once; the difference is in mails or cases"


async def _until(condition: object, *, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.1)
