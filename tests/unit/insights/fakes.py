"""Insights' handlers on their real repositories over the in-memory store, with a clock the
test moves."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from insights.adapters.cases import InsightsCases
from insights.adapters.evaluations import Evaluations
from insights.handlers import Insights, when_case_event_record_it
from insights.settings import InsightsSettings
from mediation_contracts.envelope import CloudEvent

from tests.unit.runtime.memory_store import MemoryDatabase

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class World:
    db: MemoryDatabase = field(default_factory=MemoryDatabase)
    clock: Clock = field(default_factory=Clock)
    settings: InsightsSettings = field(
        default_factory=lambda: InsightsSettings(
            nats_url="nats://localhost:4222", mongodb_url="mongodb://localhost"
        )
    )
    insights: Insights = field(init=False)

    def __post_init__(self) -> None:
        self.insights = Insights(
            settings=self.settings,
            cases=InsightsCases(self.db.documents("cases")),
            evaluations=Evaluations(self.db),  # type: ignore[arg-type]
            clock=self.clock,
            shuffle=lambda items: items.reverse(),
        )

    async def apply(self, *events: CloudEvent) -> None:
        for event in events:
            await when_case_event_record_it(event, self.insights)

    def published(self, kind: str = "") -> list[dict[str, Any]]:
        """The events committed to the outbox (``kind`` e.g. ``evaluation.requested``)."""
        return [
            json.loads(entry["payload"])
            for entry in self.db.outbox("cases")
            if entry["subject"].endswith(kind)
        ]

    def tokens(self) -> list[str]:
        return [event["data"]["link_token"] for event in self.published("evaluation.requested")]

    def stored_text(self) -> str:
        """Everything insights stored but its outbox records (the bus's copy of its events)."""
        snapshot = {
            name: docs for name, docs in self.db.snapshot().items() if not name.endswith("_changes")
        }
        return json.dumps(snapshot, default=str)
