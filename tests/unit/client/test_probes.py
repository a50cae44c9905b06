"""Container probes of the client: alive while it answers, ready while NATS is reachable."""

from fastapi.testclient import TestClient

from tests.unit.client.fakes import FakeBus


def test_alive_without_signing_in(browser: TestClient) -> None:
    answer = browser.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "alive"}


def test_ready_follows_the_bus(browser: TestClient, bus: FakeBus) -> None:
    assert browser.get("/readyz").status_code == 200
    bus.down = True
    answer = browser.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["nats"] is False
    assert answer.headers["cache-control"] == "no-store"
