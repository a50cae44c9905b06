from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.integration.notifications.smtp_server import Recorder, start_server
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

BOUNCES = "bounces@example.dk"  # answered 550: refused for good
GREYLISTED = "greylisted@example.dk"  # answered 451: try again later, every time
EVALUATION_URL = "https://maegling.kk.example/evaluering"  # live mode wants a public one


def live_channels(smtp_port: int) -> dict[str, str]:
    """Live mode against the tests' SMTP server. SMS and Digital Post point at a closed port:
    nobody in these tests prefers them, but live mode wants every channel configured (and an
    evaluation page that is not on localhost)."""
    return {
        "mode": "live",
        "smtp_host": "127.0.0.1",
        "smtp_port": str(smtp_port),
        "smtp_start_tls": "false",
        "smtp_from_address": "borgerraadgiveren@kk.example.dk",
        "sms_url": "http://127.0.0.1:9/sms",
        "sms_token": "unused",
        "sms_sender_id": "Maegling",
        "digital_post_url": "http://127.0.0.1:9/post",
        "digital_post_token": "unused",
        "digital_post_sender_system_id": "mediation",
        "evaluation_url": EVALUATION_URL,
    }


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[Controller]:
    recorder = Recorder()
    recorder.replies = {
        BOUNCES: "550 5.1.1 No such user",
        GREYLISTED: "451 4.7.1 Try again later",
    }
    controller = start_server(recorder)
    yield controller
    controller.stop()


@pytest.fixture(scope="module")
def mailbox(smtp_server: Controller) -> Recorder:
    recorder: Recorder = smtp_server.handler
    return recorder


@pytest.fixture(scope="module")
def notifications(
    bus: LiveBus,
    mongodb_url: str,
    smtp_server: Controller,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServiceProcess]:
    """The service in live mode against the tests' SMTP server."""
    log: Path = tmp_path_factory.mktemp("notifications") / "log"
    channels = {
        f"NOTIFICATIONS_{name.upper()}": v for name, v in live_channels(smtp_server.port).items()
    }
    process = ServiceProcess(
        "notifications",
        bus,
        mongodb_url,
        log,
        **channels,
        NOTIFICATIONS_DELIVERY_RETRY_DELAYS="[0.2, 0.3]",
        NOTIFICATIONS_WORKER_POLL_SECONDS="0.2",
    )
    process.start()
    yield process
    process.stop()
