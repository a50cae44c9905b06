from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.integration.notifications.smtp_server import Recorder, start_server
from tests.integration.service_process import ServiceProcess

BOUNCES = "bounces@example.dk"  # answered 550: refused for good
GREYLISTED = "greylisted@example.dk"  # answered 451: try again later, every time


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
    nats_url: str,
    mongodb_url: str,
    smtp_server: Controller,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServiceProcess]:
    """The service in live mode against the tests' SMTP server (SMS and Digital Post point at
    a closed port: nobody in these tests prefers them)."""
    log: Path = tmp_path_factory.mktemp("notifications") / "log"
    process = ServiceProcess(
        "notifications",
        nats_url,
        mongodb_url,
        log,
        NOTIFICATIONS_MODE="live",
        NOTIFICATIONS_SMTP_HOST="127.0.0.1",
        NOTIFICATIONS_SMTP_PORT=str(smtp_server.port),
        NOTIFICATIONS_SMTP_START_TLS="false",
        NOTIFICATIONS_SMTP_FROM_ADDRESS="borgerraadgiveren@kk.example.dk",
        NOTIFICATIONS_SMS_URL="http://127.0.0.1:9/sms",
        NOTIFICATIONS_SMS_TOKEN="unused",
        NOTIFICATIONS_SMS_SENDER_ID="Maegling",
        NOTIFICATIONS_DIGITAL_POST_URL="http://127.0.0.1:9/post",
        NOTIFICATIONS_DIGITAL_POST_TOKEN="unused",
        NOTIFICATIONS_DIGITAL_POST_SENDER_SYSTEM_ID="mediation",
        NOTIFICATIONS_DELIVERY_RETRY_DELAYS="[0.2, 0.3]",
        NOTIFICATIONS_WORKER_POLL_SECONDS="0.2",
    )
    process.start()
    yield process
    process.stop()
