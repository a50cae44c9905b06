"""NATS_URL as operators write it: one server, or a cluster's nodes."""

import pytest
from mediation_runtime.bus import BusCredentials, NatsSettings


def test_one_server() -> None:
    options = BusCredentials("tls://127.0.0.1:4222").connect_options("intake")
    assert options["servers"] == ["tls://127.0.0.1:4222"]


def test_a_clusters_nodes_separated_by_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATS_URL", "tls://nats-1:4222, tls://nats-2:4222,tls://nats-3:4222")
    credentials = NatsSettings().bus_credentials()
    assert credentials.connect_options("intake")["servers"] == [
        "tls://nats-1:4222",
        "tls://nats-2:4222",
        "tls://nats-3:4222",
    ]
