"""A person's data in a service's database: found for access, erased on request or retention.

Every service keeps its per-case records in versioned collections (heads, their change
records and outbox markers, :mod:`mediation_runtime.documents`) and a few of its own; views
and meetings are stored as JSON text inside a document. So a person is found by *value*:
each stored document is walked, JSON text inside it included, and a part of it names the
person when one of its own fields is the person's party id (or a contact address they gave).
That one rule covers every collection a service has now or adds later, history included,
without a second description of each schema that could drift from it.

- **Access** (:func:`find_person`) returns, per document of the person's cases, the smallest
  parts that name them: a party record, a timeline entry, a participant, a recipient, an
  audit entry. The rest of the document (other people, note ciphertext) is not returned.
- **Erasure** (:func:`erase_values`) rewrites every document of the given cases, in every
  collection (change records and outbox payloads too), replacing each occurrence of the
  person's names and addresses with :data:`ERASED`. Ids and codes stay, so statistics, audit
  trails and the events' order stay consistent.

Both read each collection once: data-rights requests are rare, and a scan keeps them right
for every record, where an index per field would have to be kept in step with every schema.
"""

import json
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import structlog
from mediation_contracts.commands import (
    Correction,
    CorrectPerson,
    ErasePerson,
    Erasure,
    KeptCase,
    PersonalData,
    PersonalDataRequest,
    PersonalRecord,
    PersonRequest,
    Reply,
)
from pymongo.asynchronous.database import AsyncDatabase

from mediation_runtime.documents import Decision, VersionedDocuments, fields_of
from mediation_runtime.service import ServiceCommands

log = structlog.get_logger("mediation.personal_data")

ERASED = "[slettet]"
"""What an erased name or address reads as, in every record and event."""

Document = dict[str, Any]
OWN_DETAILS = frozenset({"contact", "companion", "recipient"})
"""Nested parts of a person's record that are theirs: how to reach them, who they bring."""
_MIN_VALUE = 3  # shorter "names" would erase parts of unrelated words


def _parsed(text: str) -> Any | None:
    """JSON text stored inside a document (a view, a meeting, an event payload), or None."""
    if text[:1] not in ("{", "["):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def leaves(value: Any) -> Iterator[str]:
    """Every string in ``value``, JSON text inside it walked as well."""
    if isinstance(value, str):
        yield value
        inner = _parsed(value)
        if inner is not None:
            yield from leaves(inner)
    elif isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from leaves(item)


def parts_naming(value: Any, needles: frozenset[str]) -> Iterator[Document]:
    """The records in ``value`` about the person: a dict with a field of its own equal to
    one of ``needles`` (their id or address), with its plain fields and the person's own
    nested details (:data:`OWN_DETAILS`); a dict keyed by their id gives its entry. Lists
    and other nested records are searched on, never returned whole: they hold other people.
    A list of ids naming the person (e.g. who consented) gives ``{"<field>": [<id>]}``."""
    if isinstance(value, str):
        inner = _parsed(value)
        if inner is not None:
            yield from parts_naming(inner, needles)
    elif isinstance(value, dict):
        if any(isinstance(item, str) and item in needles for item in value.values()):
            yield {
                key: _plain(item)
                for key, item in value.items()
                if not isinstance(item, dict | list | tuple) or key in OWN_DETAILS
            }
        for key, item in value.items():
            if isinstance(item, dict | list | tuple) and key in OWN_DETAILS:
                continue
            if key in needles and isinstance(item, dict):
                yield {"id": key, **_plain(item)}
            elif isinstance(item, list) and (
                named := needles.intersection(i for i in item if isinstance(i, str))
            ):
                yield {key: sorted(named)}
            else:
                yield from parts_naming(item, needles)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from parts_naming(item, needles)


def _plain(value: Any) -> Any:
    """A stored value as JSON can carry it (times as text, bytes left out)."""
    if isinstance(value, bytes):
        return "[binary]"
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


ADDRESS_KEYS = frozenset({"email", "phone"})
"""Fields whose value must have an address's form (the contract's ``ContactDetails``): an
erased one becomes null, no address, since ``[slettet]`` is not an e-mail address or a phone
number and would leave the record unreadable (a mediator's case list, say)."""


def scrubbed(value: Any, values: Iterable[str]) -> Any:
    """``value`` with every occurrence of ``values`` replaced by :data:`ERASED` (an e-mail
    address or phone number field naming one: null), inside JSON text too (re-serialised
    compactly, as the services store it)."""
    ordered = sorted({v for v in values if len(v) >= _MIN_VALUE}, key=len, reverse=True)
    return _scrub(value, ordered)


def _scrub(value: Any, values: list[str], key: str = "") -> Any:
    if isinstance(value, str):
        inner = _parsed(value)
        if inner is not None:
            cleaned = _scrub(inner, values)
            return value if cleaned == inner else json.dumps(cleaned, separators=(",", ":"))
        if key in ADDRESS_KEYS and any(erased in value for erased in values):
            return None
        for erased in values:
            if erased in value:
                value = value.replace(erased, ERASED)
        return value
    if isinstance(value, dict):
        return {inner_key: _scrub(item, values, inner_key) for inner_key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, values) for item in value]
    return value


@dataclass
class Found:
    """What a scan found: by case id, the parts naming the person, with their collection."""

    parts: dict[str, list[tuple[str, Document]]] = field(default_factory=dict)


def case_of(document: Document, tenant: str) -> str | None:
    """The case a stored document belongs to: its key ``<tenant>:<case id>[…]``, its
    ``case_id``, or a change record's ``key``; None for a document of no one case."""
    for candidate in (document.get("key"), document.get("_id")):
        if isinstance(candidate, str) and candidate.startswith(f"{tenant}:"):
            return candidate[len(tenant) + 1 :].split("@", 1)[0].split(":", 1)[0]
    case_id = document.get("case_id")
    if isinstance(case_id, str) and document.get("tenant") == tenant:
        return case_id
    inner = document.get("document")  # a change record of a document keyed otherwise
    return case_of(inner, tenant) if isinstance(inner, dict) else None


def history(name: str) -> bool:
    """A versioned collection's change records and outbox markers: older copies of heads."""
    return name.endswith(("_changes", "_outbox"))


async def find_person(
    database: AsyncDatabase[Document], tenant: str, needles: frozenset[str]
) -> Found:
    """The parts of the tenant's current records (heads and the service's own collections,
    not history) that name the person, by case."""
    found = Found()
    for name in sorted(await database.list_collection_names()):
        if history(name) or name.startswith("system."):
            continue
        async for document in database[name].find({}):
            case_id = case_of(document, tenant)
            if case_id is None:
                continue
            parts = list(parts_naming(document, needles))
            if parts:
                found.parts.setdefault(case_id, []).extend((name, part) for part in parts)
    return found


async def values_naming(
    database: AsyncDatabase[Document], tenant: str, case_ids: set[str], needles: frozenset[str]
) -> set[str]:
    """The names and addresses the service holds for the person in ``case_ids``: the
    ``name``, ``email``, ``phone`` and ``address`` fields of the parts naming them."""
    found = await find_person(database, tenant, needles)
    values: set[str] = set()
    for case_id in case_ids:
        for _, part in found.parts.get(case_id, []):
            values.update(_personal_fields(part))
    return values


def _personal_fields(part: Any) -> Iterator[str]:
    if isinstance(part, dict):
        for key, item in part.items():
            if key in ("name", "email", "phone", "address") and isinstance(item, str):
                yield item
            elif key in ("contact", "recipient"):
                yield from _personal_fields(item)


async def erase_values(
    database: AsyncDatabase[Document], tenant: str, case_ids: set[str], values: set[str]
) -> int:
    """Replace ``values`` in every document of ``case_ids``, in every collection, history
    included; returns how many documents were rewritten."""
    erasable = {v for v in values if len(v) >= _MIN_VALUE and v != ERASED}
    if not erasable or not case_ids:
        return 0
    changed = 0
    names = set(await database.list_collection_names())
    for name in sorted(names):
        if name.startswith("system."):
            continue
        collection = database[name]
        versioned = f"{name}_changes" in names
        async for document in collection.find({}):
            if case_of(document, tenant) not in case_ids:
                continue
            if versioned:
                changed += await _erase_head(database, name, document["_id"], erasable)
                continue
            cleaned = scrubbed(document, erasable)
            if cleaned != document:
                await collection.replace_one({"_id": document["_id"]}, cleaned)
                changed += 1
    return changed


async def _erase_head(
    database: AsyncDatabase[Document], name: str, key: Any, values: set[str]
) -> int:
    """A versioned document's head is erased as its next version: a writer that read it
    before (a worker about to record a delivery, say) then loses its commit and decides
    again on the erased one, instead of writing the names back."""

    def decide(head: Document | None) -> Decision[int]:
        if head is None:
            return Decision(0)
        fields = fields_of(head)
        cleaned = scrubbed(fields, values)
        return Decision(0) if cleaned == fields else Decision(1, cleaned)

    return await VersionedDocuments(database, name).change(key, decide)


PERSONAL_KEYS = frozenset({"name", "email", "phone", "address"})
"""Fields that hold a name or an address, wherever they are nested."""
CASE_TEXT_KEYS = frozenset({"conflict_description", "topics"})
"""Fields of a case in the parties' own words: gone with its names at the end of retention."""


def case_values(value: Any, key: str = "") -> Iterator[str]:
    """Every name and address in ``value`` (everyone's, JSON text inside walked too), and the
    parties' own words about the case (its description, their topics)."""
    if isinstance(value, str):
        if key in PERSONAL_KEYS or key in CASE_TEXT_KEYS:
            yield value
        inner = _parsed(value)
        if inner is not None:
            yield from case_values(inner)
    elif isinstance(value, dict):
        for inner_key, item in value.items():
            yield from case_values(item, inner_key)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from case_values(item, key)


async def erase_cases(database: AsyncDatabase[Document], tenant: str, case_ids: set[str]) -> int:
    """Retention: every name and address (everyone's) in every record of ``case_ids``, in
    every collection, history included, replaced by :data:`ERASED`, as an erasure does for
    one person; ids and codes stay. Returns how many documents were rewritten."""
    if not case_ids:
        return 0
    values: set[str] = set()
    for name in sorted(await database.list_collection_names()):
        if name.startswith("system."):
            continue
        async for document in database[name].find({}):
            if case_of(document, tenant) in case_ids:
                values.update(case_values(document))
    return await erase_values(database, tenant, case_ids, values)


# --- the commands every service answers (contract: DATA_RIGHTS_COMMANDS) -----------------

RecordOf = Callable[[str, str, Document], PersonalRecord | None]
"""A service's reading of one part naming the person: (collection, case id, part) to the
record it reports (None: leave it out, e.g. a copy another record already shows)."""
OpenCases = Callable[[str, set[str]], Awaitable[set[str]]]
"""Of the given case ids, those still open at the service (tenant, case ids)."""


def needles_of(request: PersonRequest) -> frozenset[str]:
    return frozenset({request.party_id, *request.contacts})


def plain_record(collection: str, case_id: str, part: Document) -> PersonalRecord:
    """A part as it is stored, labelled by its collection."""
    return PersonalRecord(kind=_kind(collection), case_id=UUID(case_id), data=part)


def _kind(collection: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in collection.lower())[:40] or "record"


async def personal_data(
    database: AsyncDatabase[Document],
    service: str,
    tenant: str,
    request: PersonalDataRequest,
    *,
    retention: str,
    record_of: RecordOf = plain_record,
    open_cases: OpenCases | None = None,
) -> PersonalData:
    found = await find_person(database, tenant, needles_of(request))
    records = [
        record
        for case_id, parts in sorted(found.parts.items())
        for collection, part in parts
        if (record := record_of(collection, case_id, part)) is not None
    ]
    cases = sorted(found.parts)
    still_open = await open_cases(tenant, set(cases)) if open_cases else set()
    return PersonalData(
        service=service,
        party_id=request.party_id,
        cases=[UUID(c) for c in cases],
        closed_cases=[UUID(c) for c in cases if open_cases and c not in still_open],
        records=records,
        retention=retention,
    )


async def erase_person(
    database: AsyncDatabase[Document],
    service: str,
    tenant: str,
    request: ErasePerson,
    *,
    open_cases: OpenCases | None = None,
) -> Erasure:
    """Erase the person from the requested cases the service does not hold open; the
    names and addresses erased are those given and those the service holds itself."""
    wanted = {str(case_id) for case_id in request.case_ids}
    still_open = await open_cases(tenant, wanted) if open_cases else set()
    erasable = wanted - still_open
    values = set(request.values) | set(request.contacts)
    values |= await values_naming(database, tenant, erasable, needles_of(request))
    changed = await erase_values(database, tenant, erasable, values)
    return Erasure(
        service=service,
        erased_cases=sorted(UUID(c) for c in erasable),
        kept=[KeptCase(case_id=UUID(c), reason="case_open") for c in sorted(still_open)],
        documents_changed=changed,
    )


PERSON_ID_KEYS = ("party_id", "person_id")
CONTACT_FIELDS = frozenset({"email", "phone", "preferred_channel", "language"})
Correctable = Callable[[str, Document], bool]
"""Whether a current record (collection, document) may be corrected: a service leaves out
the records of what it has done (a message sent stays as sent)."""


def corrected(value: Any, party_id: str, name: str, contact: Document) -> Any:
    """``value`` with the person's own records (a dict whose ``party_id`` or ``person_id``
    is theirs) holding ``name`` and ``contact``: a nested ``contact`` whole, or its fields
    where they are kept flat. A companion inside is another person; an erased or forgotten
    record (name ``[slettet]`` or empty) stays as it is."""
    if isinstance(value, str):
        inner = _parsed(value)
        if inner is None:
            return value
        fixed = corrected(inner, party_id, name, contact)
        return value if fixed == inner else json.dumps(fixed, separators=(",", ":"))
    if isinstance(value, list):
        return [corrected(item, party_id, name, contact) for item in value]
    if not isinstance(value, dict):
        return value
    kept_name = value.get("name")
    mine = (
        any(value.get(key) == party_id for key in PERSON_ID_KEYS)
        and isinstance(kept_name, str)
        and kept_name not in ("", ERASED)
    )
    result: Document = {}
    for key, item in value.items():
        if mine and key == "name":
            result[key] = name
        elif mine and key == "contact" and isinstance(item, dict):
            result[key] = contact
        elif mine and key in CONTACT_FIELDS:
            result[key] = contact.get(key)
        elif key == "companion":
            result[key] = item
        else:
            result[key] = corrected(item, party_id, name, contact)
    return result


async def correct_values(
    database: AsyncDatabase[Document],
    tenant: str,
    case_ids: set[str],
    request: CorrectPerson,
    correctable: Correctable,
) -> int:
    """Correct the person's current records (heads, not history) of ``case_ids``; returns how
    many documents were rewritten. A record forgotten by retention is not filled again."""
    contact = request.contact.model_dump(mode="json", exclude_none=True)
    changed = 0
    names = set(await database.list_collection_names())
    for name in sorted(names):
        if history(name) or name.startswith("system."):
            continue
        async for document in database[name].find({}):
            if case_of(document, tenant) not in case_ids or document.get("forgotten") is True:
                continue
            if not correctable(name, document):
                continue
            fields = fields_of(document) if f"{name}_changes" in names else document
            if corrected(fields, request.party_id, request.name, contact) == fields:
                continue
            if f"{name}_changes" not in names:
                fixed = corrected(document, request.party_id, request.name, contact)
                await database[name].replace_one({"_id": document["_id"]}, fixed)
                changed += 1
                continue

            def decide(head: Document | None) -> Decision[int]:
                if head is None or head.get("forgotten") is True:
                    return Decision(0)
                current = fields_of(head)
                fixed = corrected(current, request.party_id, request.name, contact)
                return Decision(0) if fixed == current else Decision(1, fixed)

            changed += await VersionedDocuments(database, name).change(document["_id"], decide)
    return changed


async def correct_person(
    database: AsyncDatabase[Document],
    service: str,
    tenant: str,
    request: CorrectPerson,
    *,
    open_cases: OpenCases | None = None,
    correctable: Correctable = lambda _name, _document: True,
) -> Correction:
    """Correct the person in the requested cases the service does not hold open."""
    wanted = {str(case_id) for case_id in request.case_ids}
    still_open = await open_cases(tenant, wanted) if open_cases else set()
    correcting = wanted - still_open
    changed = await correct_values(database, tenant, correcting, request, correctable)
    return Correction(
        service=service,
        corrected_cases=sorted(UUID(c) for c in correcting),
        kept=[KeptCase(case_id=UUID(c), reason="case_open") for c in sorted(still_open)],
        documents_changed=changed,
    )


def serve_data_rights(
    commands: ServiceCommands,
    database: AsyncDatabase[Document],
    *,
    retention: str,
    record_of: RecordOf = plain_record,
    open_cases: OpenCases | None = None,
    erase_events: Callable[[str, set[str]], Awaitable[int]] | None = None,
    correctable: Correctable | None = None,
) -> None:
    """Answer the data-rights commands of the contract for one service (call it before
    ``commands.serve``). ``retention`` says in Danish how long the service keeps personal
    data; ``erase_events`` (intake only) erases the cases' events from the streams too;
    ``correctable`` (the services that keep contact details: ``correct_person``) says which
    current records a correction may rewrite."""
    service = commands.service

    async def access(request: PersonalDataRequest, tenant: str) -> Reply:
        log.info("personal_data_requested", request_id=str(request.request_id), tenant=tenant)
        found = await personal_data(
            database,
            service,
            tenant,
            request,
            retention=retention,
            record_of=record_of,
            open_cases=open_cases,
        )
        return Reply(ok=True, personal_data=found)

    async def erase(request: ErasePerson, tenant: str) -> Reply:
        log.info("erasure_requested", request_id=str(request.request_id), tenant=tenant)
        erasure = await erase_person(database, service, tenant, request, open_cases=open_cases)
        if erase_events is not None and erasure.erased_cases:
            deleted = await erase_events(tenant, {str(c) for c in erasure.erased_cases})
            erasure = erasure.model_copy(update={"stream_messages_deleted": deleted})
        log.info(
            "person_erased",
            request_id=str(request.request_id),
            cases=len(erasure.erased_cases),
            kept=len(erasure.kept),
            documents=erasure.documents_changed,
            stream_messages=erasure.stream_messages_deleted,
        )
        return Reply(ok=True, erasure=erasure)

    async def correct(request: CorrectPerson, tenant: str) -> Reply:
        log.info("correction_requested", request_id=str(request.request_id), tenant=tenant)
        correction = await correct_person(
            database,
            service,
            tenant,
            request,
            open_cases=open_cases,
            correctable=correctable or (lambda _name, _document: True),
        )
        log.info(
            "person_corrected",
            request_id=str(request.request_id),
            cases=len(correction.corrected_cases),
            kept=len(correction.kept),
            documents=correction.documents_changed,
        )
        return Reply(ok=True, correction=correction)

    commands.answer("personal_data", access, workers=1)
    commands.answer("erase_person", erase, workers=1)
    if correctable is not None:
        commands.answer("correct_person", correct, workers=1)
