"""`python -m mediation_devstack run` (what `make run` starts): up, table, clean stop, failures."""

import asyncio
import contextlib
import json
import os
import re
import signal
import stat
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mediation_contracts.access import ADMIN, MEDIATOR_CLIENT, SERVICES
from mediation_contracts.commands import COMMANDS, DATA_HOLDERS, command_subject
from mediation_devstack.demo import CITIZEN as DEMO_CITIZEN
from mediation_devstack.demo import DEMO_TENANT, MARKER, run_demo
from mediation_devstack.ports import free_port, port_is_free
from mediation_devstack.processes import ManagedProcess, StartupError
from mediation_devstack.readiness import consumers_of, wait_until_serving
from mediation_runtime.bus import BusCredentials, connect

from tests.browser.stack import quick_meetings_policy
from tests.integration.bus import wait_for
from tests.secure_bus import LiveBus

pytestmark = pytest.mark.integration

READY_LINE = b"Local mediation stack is running"
ROOT = Path(__file__).resolve().parents[3]


async def start_runner(env: dict[str, str], *services: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mediation_devstack",
        "run",
        "--services",
        ",".join(services),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def read_until(process: asyncio.subprocess.Process, marker: bytes) -> bytes:
    assert process.stdout is not None
    seen = b""
    while marker not in seen:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        if not line:
            pytest.fail(f"runner ended before printing {marker!r}:\n{seen.decode()}")
        seen += line
    return seen


async def test_runs_servers_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    nats_port, mongo_port = free_port(), free_port()
    env = {
        **os.environ,
        "MEDIATION_STATE_DIR": str(tmp_path / "var"),
        "MEDIATION_NATS_PORT": str(nats_port),
        "MEDIATION_MONGO_PORT": str(mongo_port),
    }
    runner = await start_runner(env)
    try:
        table = await read_until(runner, READY_LINE) + await read_until(runner, b"Stop with")
    except BaseException:
        runner.kill()
        raise
    runner.send_signal(signal.SIGINT)
    rest, _ = await asyncio.wait_for(runner.communicate(), timeout=60)

    assert runner.returncode == 0, (table + rest).decode()
    assert f"tls://127.0.0.1:{nats_port}".encode() in table
    assert (tmp_path / "var" / "nats" / "jetstream").is_dir()
    assert (tmp_path / "var" / "bus" / "principals" / "intake" / "cert.pem").is_file()
    assert port_is_free(nats_port)
    if "MONGODB_URL" not in os.environ:
        assert f"mongodb://127.0.0.1:{mongo_port}/".encode() in table
        assert (tmp_path / "var" / "ferretdb").is_dir()
        assert port_is_free(mongo_port)
    assert not (tmp_path / "var" / "devstack.pid").exists()


async def test_a_service_that_exits_stops_the_stack_with_its_exit_code(
    tmp_path: Path, bus: LiveBus, mongodb_url: str
) -> None:
    env = {
        **os.environ,
        "MEDIATION_STATE_DIR": str(tmp_path / "var"),
        "NATS_URL": bus.url,
        "MEDIATION_BUS_DIR": str(bus.access.directory),
        "MONGODB_URL": mongodb_url,
    }
    runner = await start_runner(env, "no_such_service")
    output, _ = await asyncio.wait_for(runner.communicate(), timeout=60)

    assert runner.returncode == 1, output.decode()
    assert b"service 'no_such_service' exited with code 1" in output


async def test_starts_the_mediator_client_and_prints_its_address_and_demo_login(
    tmp_path: Path, bus: LiveBus, mongodb_url: str
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "MEDIATION_STATE_DIR": str(tmp_path / "var"),
        "NATS_URL": bus.url,
        "MEDIATION_BUS_DIR": str(bus.access.directory),
        "MONGODB_URL": mongodb_url,
        "MEDIATION_CLIENT_PORT": str(port),
    }
    runner = await start_runner(env, "notes", "mediator_client")
    try:
        table = (await read_until(runner, b"Stop with")).decode()
        assert f"http://localhost:{port}/" in table
        assert "mediator1 / " in table
        secrets = tmp_path / "var" / "dev-identity"
        assert (secrets / "mediator-users.json").is_file()
        # Notes' proof key pair: notes started with the private half, the client the public.
        assert stat.S_IMODE((secrets / "notes-proof-key.json").stat().st_mode) == 0o600
        assert (secrets / "notes-proof-key.public.json").is_file()

        login_page = await asyncio.wait_for(_first_answer(f"http://127.0.0.1:{port}/login"), 30)
        assert "Log ind" in login_page
    finally:
        runner.send_signal(signal.SIGINT)
        rest, _ = await asyncio.wait_for(runner.communicate(), timeout=60)
    assert runner.returncode == 0, rest.decode()
    assert b"mediator_client (exit 0)" in rest, rest.decode()  # a graceful stop
    assert b"notes (exit 0)" in rest, rest.decode()
    assert port_is_free(port)


async def _first_answer(url: str) -> str:
    """The page at ``url``, once the server answers (it may still be starting)."""
    while True:
        try:
            return await asyncio.to_thread(_get, url)
        except OSError:
            await asyncio.sleep(0.1)


async def access_as_printed(table: str, party_id: str, out: Path) -> dict[str, Any]:
    """Run the access command the table prints for the data protection office (its
    placeholders filled in), from the checkout as a reader would; its JSON report."""
    [line] = [ln for ln in table.splitlines() if "mediation_runtime.data_rights access" in ln]
    filled = line.replace("<party id>", party_id).replace("<staff id>", "dpo-test")
    words = filled.replace("var/data-rights", str(out)).split()
    settings = [w for w in words if re.fullmatch(r"[A-Z_]+=.*", w)]
    command = words[len(settings) :]
    process = await asyncio.create_subprocess_exec(
        *command,
        env={**os.environ, **dict(w.split("=", 1) for w in settings)},
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()
    written = Path(stdout.decode().splitlines()[0])
    report: dict[str, Any] = json.loads(await asyncio.to_thread(written.read_text))
    return report


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local http URL
        body: bytes = response.read()
        return body.decode()


async def test_reports_ready_only_when_every_service_consumes_and_answers(
    tmp_path: Path, mongodb_url: str
) -> None:
    """The moment the table appears, every durable consumer of every service exists and every
    command-serving service answers: nothing published then waits for a service to start."""
    env = {
        **os.environ,
        "MEDIATION_STATE_DIR": str(tmp_path / "var"),
        "MEDIATION_NATS_PORT": str(free_port()),
        "MONGODB_URL": mongodb_url,
        "MEDIATION_CLIENT_PORT": str(free_port()),
        "MEDIATION_DEMO": "0",
    }
    runner = await start_runner(env, *SERVICES, "mediator_client")
    try:
        table = (await read_until(runner, b"Stop with")).decode()
        url = next(w for w in table.split() if w.startswith("tls://"))
        admin = BusCredentials.in_directory(url, tmp_path / "var" / "bus" / "principals" / ADMIN)
        nc = await connect(admin, "readiness-test")
        try:
            js = nc.jetstream()
            for service in SERVICES:
                for stream, name in consumers_of(service):
                    info = await js.consumer_info(stream, name)  # raises if it does not exist
                    assert info.name == name
                for command in COMMANDS[service]:
                    # One request, no retry: no responders would raise at once.
                    subject = command_subject("kk", service, command)
                    answer = await nc.request(subject, b"{}", timeout=10)
                    assert b'"invalid_request"' in answer.data, (service, command)
        finally:
            await nc.close()
        # The table says where each service's metrics are, and they are there.
        for service in SERVICES:
            [metrics_url] = [
                words[1]
                for words in map(str.split, table.splitlines())
                if words[:1] == [service] and words[1:2] and words[1].endswith("/metrics")
            ]
            assert "mediation_service_ready" in await asyncio.to_thread(_get, metrics_url)
    finally:
        runner.send_signal(signal.SIGINT)
        rest, _ = await asyncio.wait_for(runner.communicate(), timeout=60)
    assert runner.returncode == 0, rest.decode()


async def test_a_fresh_stack_drives_the_demo_cases_and_the_statistics_show_them(
    tmp_path: Path, mongodb_url: str
) -> None:
    """`make run` on a fresh state directory: the demo cases go through the real services as
    the mediator client sends them, once, and insights' statistics count them (some as <5)."""
    env = {
        **os.environ,
        "MEDIATION_STATE_DIR": str(tmp_path / "var"),
        "MEDIATION_NATS_PORT": str(free_port()),
        "MONGODB_URL": mongodb_url,
        "MEDIATION_CLIENT_PORT": str(free_port()),
        # Meetings begin within a minute (as in the browser tests), so the demo ends soon.
        "SCHEDULING_TENANT_POLICIES": json.dumps({DEMO_TENANT: quick_meetings_policy()}),
        "MEDIATION_GATEWAY_PORT": str(free_port()),
    }
    # The gateway too: it keeps personal data, so the data protection office asks it as well.
    runner = await start_runner(env, *SERVICES, "gateway", "mediator_client")
    try:
        table = (await read_until(runner, b"Stop with")).decode()
        url = next(w for w in table.split() if w.startswith("tls://"))
        await asyncio.wait_for(read_until(runner, b"demo: done"), timeout=300)
        assert (tmp_path / "var" / MARKER).exists(), "done once: not again at the next start"
        assert runner.stdout is not None
        # The runner echoes every service's lines: keep reading them, or it blocks on a full pipe.
        draining = asyncio.create_task(runner.stdout.read())
        client = BusCredentials.in_directory(
            url, tmp_path / "var" / "bus" / "principals" / MEDIATOR_CLIENT
        )
        nc = await connect(client, "demo-test")
        try:
            month = datetime.now(UTC).strftime("%Y-%m")
            query = {"from_month": month, "to_month": month, "period": "month"}

            last: list[dict[str, Any]] = []

            def figures(total: dict[str, Any]) -> tuple[int, int, int, int]:
                meetings = total["meetings"]["mediation"]["phone"]
                outcomes = total["outcomes"]["agreement"]
                return total["requests"], total["acceptances"], meetings, outcomes

            async def counted_now() -> dict[str, Any]:
                subject = command_subject(DEMO_TENANT, "insights", "statistics")
                answer = await nc.request(subject, json.dumps(query).encode(), timeout=10)
                total: dict[str, Any] = json.loads(answer.data)["statistics"]["total"]
                return total

            async def counted() -> dict[str, Any] | None:
                total = await counted_now()
                last[:] = [total]
                # Counted from different events, each when it comes: a meeting can be held
                # after the fifth agreement was counted. Wait for all of them.
                return total if figures(total) == (11, 9, 7, 5) else None

            try:
                total = await wait_for(counted, what="the demo's cases counted")
            except AssertionError as error:
                raise AssertionError(f"{error}; last counted: {figures(last[0])}") from None
        finally:
            await nc.close()
        assert total["withdrawals"] == "<5"
        assert total["refusals"] == {"in_complaint_handling": "<5", "assessment_declined": "<5"}

        # The data protection office's command, as the table prints it, answers for the demo
        # citizen from every service and the gateway (README "Data protection").
        report = await access_as_printed(table, DEMO_CITIZEN, tmp_path / "data-rights")
        assert report["missing"] == {}
        assert set(report["services"]) == set(DATA_HOLDERS)
        assert len(report["services"]["intake"]["cases"]) == total["requests"]

        # The demo again, as a `make run` stopped before "demo: done" runs it at the next
        # start: the same ids, so it finishes at once and adds no case, meeting or outcome.
        var = tmp_path / "var"
        await run_demo(url, var / "bus", var / "dev-identity", say=lambda _: None, timeout=60)
        admin = await connect(
            BusCredentials.in_directory(url, var / "bus" / "principals" / ADMIN), "demo-admin"
        )
        try:

            async def all_handled() -> bool:
                js = admin.jetstream()
                for service in SERVICES:
                    for stream, consumer in consumers_of(service):
                        info = await js.consumer_info(stream, consumer)
                        if info.num_pending or info.num_ack_pending:
                            return False
                return True

            await wait_for(all_handled, what="the services to handle the demo's second run")
            nc = await connect(client, "demo-test")  # counted_now() asks with it
            try:
                assert figures(await counted_now()) == (11, 9, 7, 5)
            finally:
                await nc.close()
        finally:
            await admin.close()
        again = await access_as_printed(table, DEMO_CITIZEN, tmp_path / "data-rights-2")
        assert len(again["services"]["intake"]["cases"]) == total["requests"]
    finally:
        runner.send_signal(signal.SIGINT)
        await asyncio.wait_for(runner.wait(), timeout=60)
        with contextlib.suppress(NameError):
            draining.cancel()
    assert runner.returncode == 0


async def test_a_service_that_never_consumes_fails_start_up_naming_it(
    tmp_path: Path, bus: LiveBus
) -> None:
    # A process in intake's place that never connects: its consumers never get a pull.
    impostor = await ManagedProcess.start("intake", ["sleep", "120"], tmp_path / "intake.log")
    try:
        with pytest.raises(StartupError) as refused:
            await wait_until_serving([impostor], bus.credentials(), timeout=1)
    finally:
        await impostor.stop()
    message = str(refused.value)
    assert "service 'intake' did not become ready within 1 s" in message
    assert "intake-events" in message
    assert "does not answer its commands" in message


async def test_a_service_that_exits_while_starting_fails_start_up_naming_it(
    tmp_path: Path, bus: LiveBus
) -> None:
    quitter = await ManagedProcess.start("notes", ["sh", "-c", "exit 3"], tmp_path / "notes.log")
    try:
        with pytest.raises(StartupError, match="service 'notes' exited with code 3"):
            await wait_until_serving([quitter], bus.credentials(), timeout=60)
    finally:
        await quitter.stop()


async def test_starts_the_gateway_and_the_readmes_http_example_works_as_written(
    tmp_path: Path, mongodb_url: str
) -> None:
    """`make run` starts the HTTP gateway beside the services (HTTPS with a certificate of the
    bus's CA), prints its address and how to get a development token; the README's HTTP
    example (*Two ways in*) then stores the example event, run as written (only the state
    directory, the port and `uv run` differ)."""
    port = free_port()
    env = {
        **os.environ,
        "MEDIATION_STATE_DIR": str(tmp_path / "var"),
        "MEDIATION_NATS_PORT": str(free_port()),
        "MONGODB_URL": mongodb_url,
        "MEDIATION_GATEWAY_PORT": str(port),
    }
    runner = await start_runner(env, "intake", "gateway")
    try:
        table = (await read_until(runner, b"Stop with")).decode()
        assert f"https://localhost:{port}/v1/" in table
        assert "uv run python -m mediation_devstack.gateway token" in table
        example = readme_http_example()
        example = example.replace("var/", f"{tmp_path}/var/")
        example = example.replace("localhost:8090", f"localhost:{port}")
        example = example.replace("uv run python", sys.executable)
        shell = await asyncio.create_subprocess_exec(
            "bash",
            "-euo",
            "pipefail",
            "-c",
            example,
            env=env,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        output, errors = await asyncio.wait_for(shell.communicate(), timeout=60)
        assert shell.returncode == 0, (output + errors).decode()
        assert json.loads(output) == {
            "events": [{"id": "0b9a3c0e-6a57-4f43-9c2e-6f3f1f0e2a11", "status": "stored"}]
        }
    finally:
        runner.send_signal(signal.SIGINT)
        rest, _ = await asyncio.wait_for(runner.communicate(), timeout=60)
    assert runner.returncode == 0, rest.decode()
    assert b"gateway (exit 0)" in rest, rest.decode()
    assert port_is_free(port)


ROOT = Path(__file__).resolve().parents[3]


def readme_http_example() -> str:
    """The shell block of the README's *Two ways in* that talks to the gateway."""
    section = (ROOT / "README.md").read_text().split("### Two ways in: NATS or HTTP", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    assert "mediation_devstack.gateway token" in block
    return block
