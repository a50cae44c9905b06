"""Delivers queued events to subscribers: one worker per subscription, so a slow or failing
subscriber delays nobody else.

Each worker takes its subscription's due deliveries in order (oldest first), claims each
attempt (exactly one replica makes it), sends it, and records the outcome: delivered, or the
next attempt's time from the retry schedule, or, after the last, dead (the subscription's
dead letters). Everything is in the database, so a restart loses nothing: a worker picks up
where any replica left off. Workers wake when this replica queued something for them, and
otherwise look every ``poll_seconds`` (for other replicas' work and due retries).
"""

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import structlog

from gateway.adapters.secrets import SecretBox, SecretUnreadable
from gateway.adapters.store import Store
from gateway.adapters.webhooks import Outcome, send
from gateway.domain.retries import RetrySchedule
from gateway.grants import Grants

log = structlog.get_logger("gateway.dispatcher")
BATCH = 20


class Dispatcher:
    def __init__(
        self,
        store: Store,
        schedule: RetrySchedule,
        *,
        box: SecretBox,
        grants: Grants,
        allow_private: bool,
        timeout_seconds: float,
        lease_seconds: float,
        poll_seconds: float,
    ) -> None:
        self.store = store
        self.schedule = schedule
        self.box = box
        self.grants = grants
        self.allow_private = allow_private
        self.timeout_seconds = timeout_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._wake: dict[str, asyncio.Event] = {}

    def wake(self, subscription: str) -> None:
        if (event := self._wake.get(subscription)) is not None:
            event.set()

    async def run_forever(self) -> None:
        """Keep one worker per subscription in the database."""
        try:
            while True:
                try:
                    await self.sync()
                except Exception as error:  # the database away: try again next round
                    log.warning("dispatcher_sync_failed", error_type=type(error).__name__)
                await asyncio.sleep(self.poll_seconds)
        finally:
            await self.stop()

    async def sync(self) -> None:
        wanted = await self.store.subscription_ids()
        for gone in set(self._workers) - wanted:
            self._workers.pop(gone).cancel()
            self._wake.pop(gone, None)
        for new in wanted - set(self._workers):
            self._wake[new] = asyncio.Event()
            self._workers[new] = asyncio.create_task(self._work(new), name=f"deliver-{new}")

    async def stop(self) -> None:
        for task in self._workers.values():
            task.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        self._workers.clear()

    async def _work(self, subscription: str) -> None:
        wake = self._wake[subscription]
        timeout = httpx2.Timeout(self.timeout_seconds)
        # A client of its own: a subscriber that holds connections cannot starve another's.
        async with httpx2.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            while True:
                try:
                    worked = await self._round(subscription, client)
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    log.warning(
                        "delivery_round_failed",
                        subscription=subscription,
                        error_type=type(error).__name__,
                    )
                    worked = False
                if worked:
                    continue
                await self._sleep(subscription, wake)

    async def _sleep(self, subscription: str, wake: asyncio.Event) -> None:
        pause = self.poll_seconds
        with contextlib.suppress(Exception):
            due = await self.store.next_due(subscription)
            if due is not None:
                pause = min(pause, max(0.0, (due - datetime.now(UTC)).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=pause)
        wake.clear()

    async def _round(self, subscription: str, client: httpx2.AsyncClient) -> bool:
        """Attempt what is due now; True if anything was due."""
        target = await self.store.subscription_by_id(subscription)
        if target is None:
            return False
        due = await self.store.due(subscription, datetime.now(UTC), BATCH)
        for delivery in due:
            await self._attempt(target, delivery, client)
        return bool(due)

    async def _attempt(
        self, target: dict[str, Any], delivery: dict[str, Any], client: httpx2.AsyncClient
    ) -> None:
        if not await self.store.claim(delivery, self.lease):
            return
        refusal = self.grants.refusal(target, delivery["type"])
        if refusal is not None:
            # Its owner lost the permission: nothing is sent; a dead letter says why.
            await self.store.record(delivery, state="dead", due_at=None, status=None, error=refusal)
            log.warning(
                "webhook_not_allowed",
                subscription=target["_id"],
                tenant=target["tenant"],
                event_id=delivery["event_id"],
                error=refusal,
            )
            return
        try:
            secret = self.box.open(target["secret"], target["_id"])
        except SecretUnreadable:
            log.error("subscription_secret_unreadable", subscription=target["_id"])
            outcome = Outcome(False, None, "secret_unreadable")
        else:
            outcome = await send(
                client,
                target["callback_url"],
                secret,
                delivery["event_id"],
                delivery["body"],
                allow_private=self.allow_private,
            )
        bound = log.bind(
            subscription=target["_id"],
            tenant=target["tenant"],
            event_id=delivery["event_id"],
            attempt=delivery["attempts"] + 1,
            status=outcome.status,
        )
        if outcome.delivered:
            await self.store.record(
                delivery, state="delivered", due_at=None, status=outcome.status, error=None
            )
            bound.info("webhook_delivered")
            return
        made = delivery["attempts"] + 1 - delivery.get("round_start", 0)
        next_due = self.schedule.next_due(made, datetime.now(UTC))
        if next_due is None:
            await self.store.record(
                delivery, state="dead", due_at=None, status=outcome.status, error=outcome.error
            )
            bound.warning("webhook_dead_lettered", error=outcome.error)
            return
        await self.store.record(
            delivery, state="pending", due_at=next_due, status=outcome.status, error=outcome.error
        )
        bound.info("webhook_retry_scheduled", error=outcome.error, due_at=next_due.isoformat())
