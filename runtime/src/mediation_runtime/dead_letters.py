"""Operator tool: list a service's dead letters, and replay one once its cause is fixed.

    python -m mediation_runtime.dead_letters list intake
    python -m mediation_runtime.dead_letters replay intake 42
    python -m mediation_runtime.dead_letters replay-all intake --reason "gave up" \
        --since 2026-11-26T08:00 --until 2026-11-26T10:00 [--dry-run]

It connects as the operators' admin: ``NATS_URL`` with ``NATS_CA_FILE``, ``NATS_CERT_FILE`` and
``NATS_KEY_FILE``, or, beside a running `make run`, the local stack's admin certificate.

Listing shows ids, subjects and reasons, never the message bodies (they may hold personal
data). Replaying republishes the original bytes to the original subject; the event keeps its
id, so a replay of something already applied changes nothing.
"""

import argparse
import asyncio
from datetime import UTC, datetime
from typing import Any

from mediation_contracts.streams import (
    DLQ_DELIVERIES_HEADER,
    DLQ_OMITTED_HEADER,
    DLQ_ORIGINAL_SEQUENCE_HEADER,
    DLQ_ORIGINAL_SUBJECT_HEADER,
    DLQ_REASON_HEADER,
    DLQ_STREAM,
    EVENTS_STREAM,
    dlq_subject,
)
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from mediation_runtime.bus import BusConfigError, BusCredentials, connect, tool_credentials


async def read_stream(js: JetStreamContext, stream: str, subject: str) -> list[Msg]:
    """Every message now stored in ``stream`` under ``subject`` (wildcards allowed), in order."""
    info = await js.stream_info(stream, subjects_filter=subject)
    stored = sum((info.state.subjects or {}).values())
    if stored == 0:
        return []
    sub = await js.subscribe(
        subject, stream=stream, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
    )
    try:
        return [await sub.next_msg(timeout=5) for _ in range(stored)]
    finally:
        await sub.unsubscribe()


async def list_dead_letters(credentials: BusCredentials, service: str) -> list[dict[str, Any]]:
    connection = await connect(credentials, "dead-letters")
    try:
        messages = await read_stream(connection.jetstream(), DLQ_STREAM, dlq_subject(service))
    finally:
        await connection.close()
    return [
        {
            "dlq_seq": msg.metadata.sequence.stream,
            "time": msg.metadata.timestamp,
            "original_subject": (msg.headers or {}).get(DLQ_ORIGINAL_SUBJECT_HEADER),
            "original_seq": (msg.headers or {}).get(DLQ_ORIGINAL_SEQUENCE_HEADER),
            "deliveries": (msg.headers or {}).get(DLQ_DELIVERIES_HEADER),
            "reason": (msg.headers or {}).get(DLQ_REASON_HEADER),
        }
        for msg in messages
    ]


async def replay(credentials: BusCredentials, service: str, dlq_seq: int) -> str:
    connection = await connect(credentials, "dead-letters")
    try:
        js = connection.jetstream()
        letter = await js.get_msg(DLQ_STREAM, seq=dlq_seq)
        if letter.subject != dlq_subject(service):
            raise SystemExit(f"dead letter {dlq_seq} belongs to {letter.subject}, not {service}")
        return await _republish(js, letter.headers or {}, letter.data or b"")
    finally:
        await connection.close()


async def replay_matching(
    credentials: BusCredentials,
    service: str,
    *,
    reason: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    dry_run: bool = False,
) -> list[int]:
    """Republish every dead letter of ``service`` whose reason contains ``reason`` and that was
    dead-lettered in [since, until); the dlq_seq of each (only listed when ``dry_run``)."""
    connection = await connect(credentials, "dead-letters")
    replayed: list[int] = []
    try:
        js = connection.jetstream()
        for msg in await read_stream(js, DLQ_STREAM, dlq_subject(service)):
            headers = msg.headers or {}
            at = msg.metadata.timestamp
            if reason.lower() not in headers.get(DLQ_REASON_HEADER, "").lower():
                continue
            if (since and at < since) or (until and at >= until):
                continue
            if not dry_run:
                await _republish(js, headers, msg.data or b"")
            replayed.append(msg.metadata.sequence.stream)
    finally:
        await connection.close()
    return replayed


async def _republish(js: JetStreamContext, headers: dict[str, str], body: bytes) -> str:
    """The original bytes to the original subject; a letter whose body was too large to copy
    is replayed from the events stream, where the original still is."""
    subject = headers[DLQ_ORIGINAL_SUBJECT_HEADER]
    if DLQ_OMITTED_HEADER in headers:
        original = await js.get_msg(EVENTS_STREAM, seq=int(headers[DLQ_ORIGINAL_SEQUENCE_HEADER]))
        body = original.data or b""
    await js.publish(subject, body)
    return subject


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description="Inspect and replay dead letters.")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="dead letters of a service, oldest first")
    listing.add_argument("service")
    again = commands.add_parser("replay", help="republish one dead letter to its subject")
    again.add_argument("service")
    again.add_argument("dlq_seq", type=int)
    bulk = commands.add_parser(
        "replay-all", help="republish every dead letter of a service that matches, oldest first"
    )
    bulk.add_argument("service")
    bulk.add_argument("--reason", default="", help="only letters whose reason contains this")
    bulk.add_argument("--since", type=_utc, help="dead-lettered at or after (ISO 8601)")
    bulk.add_argument("--until", type=_utc, help="dead-lettered before (ISO 8601)")
    bulk.add_argument("--dry-run", action="store_true", help="list what would be replayed")
    args = parser.parse_args()
    try:
        credentials = tool_credentials()
    except BusConfigError as error:
        raise SystemExit(f"error: {error}") from None
    try:
        run(args, credentials)
    except (OSError, NatsError) as error:
        raise SystemExit(f"error: cannot reach NATS at {credentials.url}: {error!r}") from None


def run(args: argparse.Namespace, credentials: BusCredentials) -> None:
    if args.command == "list":
        letters = asyncio.run(list_dead_letters(credentials, args.service))
        for letter in letters:
            print(
                f"{letter['dlq_seq']:>6}  {letter['time']:%Y-%m-%d %H:%M:%S}  "
                f"{letter['original_subject']}  ({letter['deliveries']} deliveries)  "
                f"{letter['reason']}"
            )
        print(f"{len(letters)} dead letter(s) for {args.service}")
    elif args.command == "replay-all":
        matched = asyncio.run(
            replay_matching(
                credentials,
                args.service,
                reason=args.reason,
                since=args.since,
                until=args.until,
                dry_run=args.dry_run,
            )
        )
        verb = "would replay" if args.dry_run else "replayed"
        print(f"{verb} {len(matched)} dead letter(s) of {args.service}: {matched}")
    else:
        subject = asyncio.run(replay(credentials, args.service, args.dlq_seq))
        print(f"replayed dead letter {args.dlq_seq} to {subject}")


if __name__ == "__main__":
    main()
