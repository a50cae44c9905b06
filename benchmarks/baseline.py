"""The same-work baselines of ``make bench``: per service, a plain nats-py + PyMongo program
doing the **same database operations and publishes per event** as the service, so that the
service's throughput divided by its baseline's measures our overhead (FastStream, pydantic,
the delivery middleware, logging, the domain code), not the database's.

``python -m benchmarks.baseline <service>`` runs as that service's principal (its
certificate in ``NATS_*``, ``MONGODB_URL``), with the same durable consumer (name, filters,
settings) as the service: one pull loop handling up to ``event_workers`` messages at once,
one case's one at a time, like the service's subscriber, with the same standing pull of up
to 64 messages (``mediation_runtime.pulling``). It differs only where a plain program
would: it decodes JSON into dicts (no models), publishes events it builds as JSON, and
relays a commit's events within the commit (the service's relay task, woken by the commit,
does the same steps beside it).

**The operations mirror the runtime step for step. When one of these modules changes its
database operations, change the matching function here in the same commit:**

- :mod:`mediation_runtime.documents` -> :class:`Versioned`: ``change()`` decides first on
  the head found by ``_id``; after a conflict on ``latest()`` = find the head by ``_id`` +
  probe-find the next change record by ``_id`` (installing it, and any after it, when
  found). A no-change decision on the first read probes once for a newer version.
  ``change(held=head)`` (a delivery's outcome, on the head its claim wrote) decides on that
  head without reading it; the loop as above when that version exists.
  ``commit()`` = insert the change record (a duplicate key means another writer won: read
  and decide again), then install it: insert the outbox marker when the record has events,
  then insert the head (version 1) or replace it by ``_id`` (the writer read the version
  before), then relay the record's events while probe-finding the next change record by
  ``_id`` (installing it when found: when not written by this commit, a head's version is
  read by ``_id`` first and only an older one replaced).
- :mod:`mediation_runtime.outbox` -> :meth:`Versioned.relay`: the record just committed
  comes from memory; the previous version's marker is looked up only when this relay did
  not publish that version itself; publish each event with ``Nats-Msg-Id`` = event id,
  update the record ``pending: false``, delete the marker.
- the services' handlers, for the events of the benchmark's workload (request, assessment,
  assignment, both parties' consent, and what intake answers):

  - intake (``intake.handlers``): every event is ``change()`` of the case in ``cases``;
    a request commits two ``ConsentRequested``, the last missing piece (here the second
    consent) commits ``CaseReadyForScheduling``; an event whose case is not there yet is
    redelivered after the service's retry delays (0.25 s, 0.5 s, 1 s, ...; the service also
    holds it while its request consumer is behind, which this leaves out).
  - scheduling (``scheduling.handlers.when_case_event_update_view``,
    ``mediation_runtime.views.ViewStore.apply``): ``change()`` of the case view in
    ``case_views``, no events.
  - notes (``notes.handlers.when_case_event_update_view``): ``change()`` of the case in
    ``cases``, no events (the assignment's proof is not checked: that is notes' own work).
  - notifications (``notifications.handlers.when_event_notify``): ``change()`` of the
    contacts view in ``contacts``; for a consent request to a reachable person a new
    delivery (``change()`` in ``notifications``) handed to the one delivery worker, which
    does what ``deliver_due`` does: claims the deliveries it was handed (up to 20) by a
    commit of each one's lease on the head just written, and with room left, once per
    poll (5 s) or after a full one, the ``claim_due`` query (same filter; put off to a
    claim at once after these when it had some, unless two polls late) and a commit of
    each found one's lease; then ``NOTIFICATIONS_DELIVERY_CONCURRENCY``
    (4) at a time one SMTP connection per mail (aiosmtplib) and ``finish``: ``change()``
    with ``NotificationSent``, relayed; again at once while a claim comes back full; for
    an unreachable person ``add_unreachable``: ``change()`` of a failed delivery with
    ``NotificationFailed``, relayed.
"""

import asyncio
import contextlib
import json
import os
import random
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import aiosmtplib
from mediation_contracts.streams import EVENTS_STREAM, events_consumer
from mediation_contracts.subjects import subscription_subject
from mediation_runtime.bus import NatsSettings, connect
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.pulling import StandingPull
from mediation_runtime.settings import ServiceSettings
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]
READY_MARKER = "baseline consuming"

# The (aggregate, event) pairs each service consumes in the benchmark's workload.
CONSUMES: dict[str, tuple[tuple[str, str], ...]] = {
    "intake": (
        ("case", "requested"),
        ("case", "assessed"),
        ("mediator", "assigned"),
        ("consent", "given"),
    ),
    "scheduling": (
        ("case", "requested"),
        ("case", "assessed"),
        ("mediator", "assigned"),
        ("consent", "given"),
        ("case", "ready_for_scheduling"),
    ),
    "notes": (("case", "requested"), ("mediator", "assigned")),
    "notifications": (("case", "requested"), ("consent", "requested")),
}
DATABASES = {
    "intake": ("mediation_intake", "cases"),
    "scheduling": ("mediation_scheduling", "case_views"),
    "notes": ("mediation_notes", "cases"),
    "notifications": ("mediation_notifications", "notifications"),
}
RETRY_DELAYS: list[float] = ServiceSettings.model_fields["retry_delays"].default
WORKERS = int(
    os.environ.get("BENCH_EVENT_WORKERS", ServiceSettings.model_fields["event_workers"].default)
)
MAX_ATTEMPTS = 8  # documents.MAX_ATTEMPTS
MAX_DELIVER = 8 + 10  # ServiceSettings.max_deliveries + delivery.SERVER_DELIVERY_SLACK


class NotYet(Exception):
    """The event's case is not there yet: redeliver it later."""


class Conflict(Exception):
    """Another writer committed this version first."""


def change_id(key: str, version: int) -> str:
    return f"{key}@{version:010d}"  # documents.change_id


def now() -> datetime:
    return datetime.now(UTC)


class Versioned:
    """``mediation_runtime.documents.VersionedDocuments`` and the relay of
    ``mediation_runtime.outbox``, as the plain sequence of PyMongo calls they make."""

    def __init__(self, database: AsyncDatabase[Document], name: str, js: JetStreamContext):
        self.heads = database[name]
        self.changes = database[f"{name}_changes"]
        self.markers = database[f"{name}_outbox"]
        self.js = js
        self.published: set[str] = set()

    async def latest(self, key: str) -> Document | None:
        head = await self.heads.find_one({"_id": key})
        version = 0 if head is None else int(head["version"])
        ahead = await self.changes.find_one({"_id": change_id(key, version + 1)})
        return head if ahead is None else await self.install(ahead)

    async def commit(
        self, key: str, head: Document | None, document: Document, events: list[Document]
    ) -> None:
        version = 1 if head is None else int(head["version"]) + 1
        entries = [
            {"id": e["id"], "subject": subject_of(e), "payload": json.dumps(e).encode()}
            for e in events
        ]
        record = {
            "_id": change_id(key, version),
            "key": key,
            "version": version,
            "document": document,
            "outbox": entries,
            "pending": bool(entries),
            "at": now(),
        }
        try:
            await self.changes.insert_one(record)
        except DuplicateKeyError:
            raise Conflict(key) from None
        await self.write_head(record, replaces=version - 1)
        if entries:  # the service's relay task publishes while its writer looks ahead
            await asyncio.gather(self.relay(record), self.install_ahead(record))
        else:
            await self.install_ahead(record)

    async def behind(self, key: str, head: Document | None) -> bool:
        version = 0 if head is None else int(head["version"])
        found = await self.changes.find_one({"_id": change_id(key, version + 1)}, {"_id": 1})
        return found is not None

    async def install(self, record: Document) -> Document:
        await self.write_head(record)
        return await self.install_ahead(record)

    async def install_ahead(self, record: Document) -> Document:
        while (
            ahead := await self.changes.find_one(
                {"_id": change_id(record["key"], int(record["version"]) + 1)}
            )
        ) is not None:
            record = ahead
            await self.write_head(record)
        return {**record["document"], "_id": record["key"], "version": record["version"]}

    async def write_head(self, record: Document, replaces: int | None = None) -> None:
        if record["pending"]:
            with contextlib.suppress(DuplicateKeyError):
                await self.markers.insert_one(
                    {"_id": record["_id"], "key": record["key"], "at": record["at"]}
                )
        head = {**record["document"], "_id": record["key"], "version": record["version"]}
        if record["version"] == 1:
            try:
                await self.heads.insert_one(head)
                return
            except DuplicateKeyError:
                replaces = None
        if replaces is None:
            current = await self.heads.find_one({"_id": record["key"]}, {"version": 1})
            replaces = None if current is None else current["version"]
        if replaces is not None and replaces < record["version"]:
            await self.heads.replace_one({"_id": record["key"]}, head)

    async def change(
        self,
        key: str,
        decide: Callable[[Document | None], Awaitable[tuple[Any, Document | None, list[Document]]]],
        held: Document | None = None,
    ) -> Any:
        """``documents.VersionedDocuments.change``: read, decide, commit (which relays its
        events); again on a conflict. ``held`` (the head this writer wrote last): commit the
        next version without reading first; the loop when that decides no change or the
        version exists."""
        if held is not None:
            with contextlib.suppress(NotYet, Conflict):
                result, document, events = await decide(held)
                if document is not None:
                    await self.commit(key, held, document, events)
                    return result
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                await asyncio.sleep(random.uniform(0, min(0.5, 0.005 * 2**attempt)))  # noqa: S311
            head = await (self.heads.find_one({"_id": key}) if attempt == 0 else self.latest(key))
            result, document, events = await decide(head)
            if document is None:
                if attempt == 0 and await self.behind(key, head):
                    continue
                return result
            try:
                await self.commit(key, head, document, events)
            except Conflict:
                continue
            return result
        raise Conflict(key)

    async def relay(self, record: Document) -> None:
        """``outbox.OutboxRelay.relay_record`` with the record from memory."""
        key, _, version = record["_id"].rpartition("@")
        due: list[Document | str] = [record]
        earlier = int(version) - 1
        while (
            earlier > 0
            and change_id(key, earlier) not in self.published
            and await self.markers.find_one({"_id": change_id(key, earlier)}, {"_id": 1})
        ):
            due.insert(0, change_id(key, earlier))
            earlier -= 1
        for item in due:
            found = (
                item
                if isinstance(item, dict)
                else await self.changes.find_one({"_id": item}, {"outbox": 1, "pending": 1})
            )
            rid = item["_id"] if isinstance(item, dict) else item
            if found is not None and found["pending"]:
                for entry in found["outbox"]:
                    await self.js.publish(
                        entry["subject"], entry["payload"], headers={"Nats-Msg-Id": entry["id"]}
                    )
                await self.changes.update_one({"_id": rid}, {"$set": {"pending": False}})
            await self.markers.delete_one({"_id": rid})
            self.published.add(rid)


# --- events as plain JSON ---------------------------------------------------------------


def subject_of(event: Document) -> str:
    return f"mediation.v1.{event['tenant']}.{kind_of(event)}"


def answer(cause: Document, aggregate: str, name: str, source: str, data: Document) -> Document:
    """A CloudEvent answering ``cause``: its conversation, caused by it."""
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "type": f"dk.mediation.{aggregate}.{name}.v1",
        "time": now().isoformat(),
        "subject": cause["subject"],
        "datacontenttype": "application/json",
        "tenant": cause["tenant"],
        "correlationid": cause.get("correlationid") or cause["id"],
        "causationid": cause["id"],
        "data": data,
    }


def kind_of(event: Document) -> str:
    """``case.requested`` from ``dk.mediation.case.requested.v1``."""
    return ".".join(event["type"].split(".")[2:4])


# --- what each service does per event -------------------------------------------------------


Handler = Callable[[Document], Awaitable[None]]
CLAIM_BATCH = 20  # notifications.handlers.CLAIM_BATCH
FRESH_LIMIT = 1000  # notifications.adapters.deliveries.FRESH_LIMIT
POLL_SECONDS = 5.0  # NOTIFICATIONS_WORKER_POLL_SECONDS' default
DELIVERY_CONCURRENCY = int(os.environ.get("NOTIFICATIONS_DELIVERY_CONCURRENCY", "4"))
WORKERS_RUNNING: set[asyncio.Task[None]] = set()


def intake(docs: Versioned) -> Handler:
    source = "/mediation/intake"

    async def handle(event: Document) -> None:
        kind, eid = kind_of(event), event["id"]

        async def decide(head: Document | None) -> tuple[Any, Document | None, list[Document]]:
            if kind == "case.requested":
                if head is not None:
                    return None, None, []
                data = event["data"]
                parties = [{"party_id": p["party_id"], "kind": p["kind"]} for p in data["parties"]]
                consented = [data["requester"]["party_id"]] if data["requester"]["consents"] else []
                outgoing = [
                    answer(
                        event,
                        "consent",
                        "requested",
                        source,
                        {"party_id": p["party_id"], "party_kind": p["kind"]},
                    )
                    for p in parties
                    if p["party_id"] not in consented
                ]
                document = {
                    "tenant": event["tenant"],
                    "case_id": event["subject"],
                    "status": "requested",
                    "parties": parties,
                    "consented": consented,
                    "mediator_id": None,
                    "requested_at": event["time"],
                    "requester": data["requester"],
                    "party_details": data["parties"],
                    "conflict_description": data.get("conflict_description"),
                    "matter_reference": data.get("matter_reference"),
                    "checklist": data.get("checklist"),
                    "timeline": [{"event_id": eid, "type": event["type"], "at": event["time"]}]
                    + [{"event_id": e["id"], "type": e["type"], "at": e["time"]} for e in outgoing],
                    "applied": [eid],
                    "created_at": now(),
                    "updated_at": now(),
                }
                return None, document, outgoing
            if head is None:
                raise NotYet(event["subject"])
            if eid in head["applied"]:
                return None, None, []
            document = {k: v for k, v in head.items() if k not in ("_id", "version")}
            data = event["data"]
            if kind == "case.assessed":
                document["status"] = data["decision"]
                document["assessment"] = data
            elif kind == "mediator.assigned":
                document["mediator_id"] = data["mediator_id"]
            elif kind == "consent.given":
                document["consented"] = sorted({*document["consented"], data["party_id"]})
            outgoing = []
            if (
                document["status"] == "accepted"
                and document["mediator_id"] is not None
                and set(document["consented"]) == {p["party_id"] for p in document["parties"]}
            ):
                document["status"] = "ready_for_scheduling"
                outgoing.append(
                    answer(
                        event,
                        "case",
                        "ready_for_scheduling",
                        source,
                        {
                            "party_ids": sorted(p["party_id"] for p in document["parties"]),
                            "mediator_id": document["mediator_id"],
                        },
                    )
                )
            document["timeline"] = [
                *document["timeline"],
                {"event_id": eid, "type": event["type"], "at": event["time"]},
            ]
            document["applied"] = [*document["applied"], eid]
            document["updated_at"] = now()
            return None, document, outgoing

        await docs.change(f"{event['tenant']}:{event['subject']}", decide)

    return handle


def view_of(docs: Versioned, extra: Callable[[Document], Document]) -> Handler:
    """A case view built from events (scheduling's ``case_views``, notes' ``cases``)."""

    async def handle(event: Document) -> None:
        async def decide(head: Document | None) -> tuple[Any, Document | None, list[Document]]:
            if head is not None and event["id"] in head["applied"]:
                return None, None, []
            view = {} if head is None else json.loads(head["view"])
            view.setdefault("events", []).append({"type": event["type"], "data": event["data"]})
            document = {
                "tenant": event["tenant"],
                "case_id": event["subject"],
                "view": json.dumps(view),
                "applied": [*(head["applied"] if head else []), event["id"]],
                **extra(view),
            }
            return None, document, []

        await docs.change(f"{event['tenant']}:{event['subject']}", decide)

    return handle


def notes_fields(view: Document) -> Document:
    return {
        "closed_at": None,
        "data_key": None,
        "summaries": [],
        "destroyed_because": None,
        "destroyed_at": None,
        "commands": [],
    }


def notifications(database: AsyncDatabase[Document], js: JetStreamContext) -> Handler:
    source = "/mediation/notifications"
    contacts = Versioned(database, "contacts", js)
    deliveries = Versioned(database, "notifications", js)
    smtp_port = int(os.environ["BENCH_SMTP_PORT"])

    async def created(delivery_id: str, document: Document, events: list[Document]) -> bool:
        async def decide(head: Document | None) -> tuple[Any, Document | None, list[Document]]:
            if head is not None:
                return False, None, []
            return True, document, events

        return bool(await deliveries.change(delivery_id, decide))

    fresh: dict[str, Document] = {}
    queried: dict[str, Any] = {"at": None, "again": True, "deferred": False}

    async def deliver_due() -> int:
        moment = now()
        found = [fresh.pop(key) for key in list(fresh)[:CLAIM_BATCH]]
        elapsed = None if queried["at"] is None else (moment - queried["at"]).total_seconds()

        def query_due(every: float) -> bool:
            return queried["again"] or elapsed is None or not 0 <= elapsed < every

        query = len(found) < CLAIM_BATCH and query_due(POLL_SECONDS)
        queried["deferred"] = query and bool(found) and not query_due(2 * POLL_SECONDS)
        if query and not queried["deferred"]:
            queried["at"] = moment
            cursor = deliveries.heads.find(
                {
                    "kind": "delivery",
                    "state": "pending",
                    "next_attempt_at": {"$lte": moment},
                    "lease_until": {"$lte": moment},
                }
            ).limit(CLAIM_BATCH)
            more = [delivery async for delivery in cursor]
            queried["again"] = len(more) == CLAIM_BATCH
            known = {delivery["_id"] for delivery in found}
            for delivery in more:
                fresh.pop(delivery["_id"], None)
                if delivery["_id"] not in known and len(found) < CLAIM_BATCH:
                    found.append(delivery)
        claimed = []
        for delivery in found:
            fields = {k: v for k, v in delivery.items() if k not in ("_id", "version")}
            leased = {**fields, "lease_until": moment + timedelta(minutes=2)}
            try:
                await deliveries.commit(delivery["_id"], delivery, leased, [])
            except Conflict:
                await deliveries.latest(delivery["_id"])
                continue
            claimed.append({**leased, "_id": delivery["_id"], "version": delivery["version"] + 1})
        for start in range(0, len(claimed), DELIVERY_CONCURRENCY):
            batch = claimed[start : start + DELIVERY_CONCURRENCY]
            await asyncio.gather(*(send(delivery) for delivery in batch))
        return len(claimed)

    async def send(delivery: Document) -> None:
        message = EmailMessage()
        message["From"] = "borgerraadgiveren@kk.example.dk"
        message["To"] = delivery["address"]
        message["Subject"] = "Vil du deltage i konfliktmægling?"
        message.set_content(delivery["message"])
        await aiosmtplib.send(message, hostname="127.0.0.1", port=smtp_port, timeout=10)
        cause = {
            "id": delivery["causation_id"],
            "correlationid": delivery["correlation_id"],
            "subject": delivery["case_id"],
            "tenant": delivery["tenant"],
        }
        sent = answer(
            cause,
            "notification",
            "sent",
            source,
            {
                "notification_id": delivery["_id"],
                "recipient_id": delivery["recipient_id"],
                "channel": "email",
                "trigger": delivery["trigger"],
                "trigger_event_id": delivery["trigger_id"],
            },
        )

        async def finish(
            head: Document | None, sent: Document = sent
        ) -> tuple[Any, Document | None, list[Document]]:
            assert head is not None
            fields = {k: v for k, v in head.items() if k not in ("_id", "version")}
            return None, {**fields, "state": "sent", "attempts": 1, "sent_at": now()}, [sent]

        await deliveries.change(delivery["_id"], finish, held=delivery)

    async def handle(event: Document) -> None:
        kind, key = kind_of(event), f"{event['tenant']}:{event['subject']}"

        async def apply(head: Document | None) -> tuple[Any, Document | None, list[Document]]:
            view = {"people": {}, "requested": False} if head is None else json.loads(head["view"])
            if head is not None and event["id"] in head["applied"]:
                return view, None, []
            if kind == "case.requested":
                view["requested"] = True
                for party in event["data"]["parties"]:
                    view["people"][party["party_id"]] = {
                        "kind": party["kind"],
                        "name": party["name"],
                        "email": (party.get("contact") or {}).get("email"),
                    }
            else:
                view.setdefault("consent_asked", []).append(event["data"]["party_id"])
            document = {
                "tenant": event["tenant"],
                "view": json.dumps(view),
                "applied": [*(head["applied"] if head else []), event["id"]],
                "retain_until": None,
                "forgotten": False,
            }
            return view, document, []

        view = await contacts.change(key, apply)
        if not view["requested"]:
            raise NotYet(event["subject"])
        if kind != "consent.requested":
            return
        person_id = event["data"]["party_id"]
        person = view["people"].get(person_id)
        moment = now()
        base = {
            "kind": "delivery",
            "tenant": event["tenant"],
            "case_id": event["subject"],
            "trigger": event["type"],
            "trigger_id": event["id"],
            "recipient_id": person_id,
        }
        if person is None or person["email"] is None:
            failed = answer(
                event,
                "notification",
                "failed",
                source,
                {
                    "notification_id": f"{event['id']}:{person_id}:unreachable",
                    "recipient_id": person_id,
                    "channel": "email",
                    "trigger": event["type"],
                    "trigger_event_id": event["id"],
                    "reason_code": "no_address",
                },
            )
            document = {**base, "state": "failed", "failure": "no_address", "failed_at": moment}
            await created(f"{event['id']}:{person_id}:unreachable", document, [failed])
            return
        text = (
            f"Kære {person['name']}\n\nDu er blevet bedt om at deltage i konfliktmægling. "
            "Deltagelse er frivillig. Svar venligst Borgerrådgiveren.\n\nMed venlig hilsen\n"
            "Borgerrådgiveren, Rådhuspladsen 1, 1550 København V, +45 33 66 33 66\n"
        )
        document = {
            **base,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": moment,
            "lease_until": moment,
            "channel": "email",
            "address": person["email"],
            "message": text,
            "correlation_id": event.get("correlationid") or event["id"],
            "causation_id": event["id"],
        }
        delivery_id = f"{event['id']}:{person_id}:email"
        if await created(delivery_id, document, []):
            if len(fresh) < FRESH_LIMIT:
                fresh[delivery_id] = {**document, "_id": delivery_id, "version": 1}
            else:
                queried["again"] = True
            due.set()

    async def deliverer() -> None:
        """The service's delivery worker: woken by a new delivery (or each poll), it
        claims and sends until a claim comes back short."""
        while True:
            while await deliver_due() == CLAIM_BATCH or queried["deferred"]:
                pass
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(due.wait(), timeout=POLL_SECONDS)
            due.clear()

    due = asyncio.Event()
    WORKERS_RUNNING.add(asyncio.create_task(deliverer()))
    return handle


# --- the consumers ------------------------------------------------------------------------


async def subscribe(
    js: JetStreamContext, service: str, consumed: tuple[tuple[str, str], ...], inbox: str
) -> JetStreamContext.PullSubscription:
    """The service's one durable pull consumer (``delivery.event_subscriber``)."""
    name = events_consumer(service)
    config = ConsumerConfig(
        name=name,
        durable_name=name,
        filter_subjects=[subscription_subject(aggregate, event) for aggregate, event in consumed],
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        max_deliver=MAX_DELIVER,
        ack_wait=30,
    )
    await js.add_consumer(EVENTS_STREAM, config)
    return await js.pull_subscribe_bind(
        durable=name, stream=EVENTS_STREAM, inbox_prefix=f"{inbox}.".encode()
    )


LANES: dict[str, tuple[asyncio.Lock, list[int]]] = {}
"""One case's lock and how many hold or await it, like the service's
``DeliveryPolicy.lanes``."""


async def consume(subscription: JetStreamContext.PullSubscription, handle: Handler) -> None:
    """Up to ``WORKERS`` messages at once, one case's one at a time in arrival order, as a
    service's subscriber does (``event_workers``, ``delivery.Lanes``)."""
    workers = asyncio.Semaphore(WORKERS)
    lanes = LANES
    running: set[asyncio.Task[None]] = set()

    async def in_lane(message: Msg, key: str) -> None:
        lock, holders = lanes[key]
        try:
            async with lock:
                await handle_one(message, handle)
        finally:
            workers.release()
            holders[0] -= 1
            if not holders[0]:
                del lanes[key]

    pull = StandingPull(subscription)  # as the services' event loops pull
    while True:
        message = await pull.next()
        await workers.acquire()
        event = json.loads(message.data)
        key = f"{event.get('tenant')}:{event.get('subject')}"
        lanes.setdefault(key, (asyncio.Lock(), [0]))[1][0] += 1
        task = asyncio.create_task(in_lane(message, key))
        running.add(task)
        task.add_done_callback(running.discard)


async def handle_one(message: Msg, handle: Handler) -> None:
    try:
        await handle(json.loads(message.data))
    except NotYet:
        deliveries = message.metadata.num_delivered or 1
        await message.nak(delay=RETRY_DELAYS[min(deliveries, len(RETRY_DELAYS)) - 1])
        return
    await message.ack()


async def run(service: str) -> None:
    credentials = NatsSettings().bus_credentials()
    connection: Client = await connect(credentials, f"{service}-baseline")
    js = connection.jetstream()
    mongo = create_mongo_client(os.environ["MONGODB_URL"])
    database_name, collection = DATABASES[service]
    database = mongo[database_name]
    docs = Versioned(database, collection, js)
    makers: dict[str, Callable[[], Handler]] = {
        "intake": lambda: intake(docs),
        "scheduling": lambda: view_of(docs, lambda _: {}),
        "notes": lambda: view_of(docs, notes_fields),
        "notifications": lambda: notifications(database, js),
    }
    handle = makers[service]()
    inbox = credentials.connect_options(service).get("inbox_prefix", "_INBOX")
    subscription = await subscribe(js, service, CONSUMES[service], inbox)
    tasks = [asyncio.create_task(consume(subscription, handle))]
    print(READY_MARKER, flush=True)
    try:
        await asyncio.gather(*tasks)
    finally:
        await mongo.close()
        await connection.close()


def main() -> None:
    service = sys.argv[1]
    if service not in CONSUMES:
        raise SystemExit(f"usage: python -m benchmarks.baseline {{{','.join(CONSUMES)}}}")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(service))


if __name__ == "__main__":
    main()
