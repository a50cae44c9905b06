"""What operators count of notifications: sent and failed, by channel and failure code.

Into the service's registry (:mod:`mediation_runtime.metrics`), served at ``/metrics``. Codes
are the channels' machine codes (``smtp_550``, ``no_address``), never an address or a name.
"""

from prometheus_client import CollectorRegistry, Counter

from notifications.settings import SERVICE

OUTCOMES = ("sent", "failed", "retried")
"""Delivered; failed for good (a NotificationFailed event); failed this time, tried again."""


class NotificationMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.deliveries = Counter(
            "mediation_notifications",
            "Notification deliveries by channel and outcome (sent, failed, retried), with the "
            "failure's code (none when sent).",
            ["service", "channel", "outcome", "code"],
            registry=registry if registry is not None else CollectorRegistry(),
        )

    def record(self, channel: str, outcome: str, code: str = "none") -> None:
        self.deliveries.labels(SERVICE, channel, outcome, code).inc()
