"""The gateway's copies of events as a data-rights request meets them: the shared by-value
scan (mediation_runtime.personal_data) finds a person inside a delivery's ``body`` (the
CloudEvent as JSON text) and erasure rewrites it there. A small in-memory stand-in for the
database; tests/integration/data_rights runs the same against the real gateway and FerretDB."""

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

from gateway.adapters.store import Store
from mediation_contracts.commands import ErasePerson, PersonalDataRequest
from mediation_runtime.personal_data import ERASED, erase_person, personal_data
from pymongo.errors import DuplicateKeyError

from tests.data.scenario import CITIZEN_EMAIL, CITIZEN_NAME, CITIZEN_PHONE, Scenario

Document = dict[str, Any]


def _matches(document: Document, query: Document) -> bool:
    for key, wanted in query.items():
        if isinstance(wanted, dict) and "$exists" in wanted:
            if (key in document) != wanted["$exists"]:
                return False
        elif document.get(key) != wanted:
            return False
    return True


class Collection:
    def __init__(self) -> None:
        self.documents: list[Document] = []

    async def insert_one(self, document: Document) -> None:
        if any(d["_id"] == document["_id"] for d in self.documents):
            raise DuplicateKeyError("duplicate _id")
        self.documents.append(json.loads(json.dumps(document, default=str)))

    async def _find(self, query: Document) -> AsyncIterator[Document]:
        for document in list(self.documents):
            if _matches(document, query):
                yield dict(document)

    def find(self, query: Document, *_: Any) -> AsyncIterator[Document]:
        return self._find(query)

    async def replace_one(self, query: Document, document: Document) -> None:
        for index, stored in enumerate(self.documents):
            if _matches(stored, query):
                self.documents[index] = document
                return

    async def update_one(self, query: Document, update: Document) -> None:
        for stored in self.documents:
            if _matches(stored, query):
                stored.update(update["$set"])
                return


class Database:
    def __init__(self) -> None:
        self.collections: dict[str, Collection] = {}

    def __getitem__(self, name: str) -> Collection:
        return self.collections.setdefault(name, Collection())

    async def list_collection_names(self) -> list[str]:
        return list(self.collections)


async def queued(store: Store, subscription: str, event: Any) -> None:
    assert await store.queue(
        subscription,
        str(event.id),
        event.type,
        event.to_json().decode(),
        tenant=event.tenant,
        case_id=str(event.subject),
    )


async def test_a_person_inside_a_deliverys_event_body_is_found_and_erased() -> None:
    database: Any = Database()
    store = Store(database)
    await store.add_subscription("s-1", "kk", "esdh", "https://esdh.kk.dk/hook", [], "x", {})
    mine, other = Scenario(tenant="kk"), Scenario(tenant="kk")
    await queued(store, "s-1", mine.request())
    await queued(store, "s-1", mine.withdraw(mine.citizen, "party"))
    await queued(store, "s-1", other.request())
    who = PersonalDataRequest(
        request_id=uuid4(), party_id=mine.citizen, contacts=[CITIZEN_EMAIL], requested_by="d"
    )

    found = await personal_data(database, "gateway", "kk", who, retention="P7D")
    # Both cases name the person (the same citizen id); each record is the part about them.
    assert {str(c) for c in found.cases} == {str(mine.case_id), str(other.case_id)}
    parts = [r.data for r in found.records if str(r.case_id) == str(mine.case_id)]
    party = next(p for p in parts if p.get("name") == CITIZEN_NAME)
    assert (party["contact"]["email"], party["contact"]["phone"]) == (CITIZEN_EMAIL, CITIZEN_PHONE)
    assert any(p.get("participant_id") == mine.citizen for p in parts)  # the withdrawal
    assert not any(p.get("name") == "Jobcenter" for p in parts)  # another party's data
    assert {r.kind for r in found.records} == {"deliveries"}

    erasure = await erase_person(
        database,
        "gateway",
        "kk",
        ErasePerson(
            request_id=uuid4(),
            party_id=mine.citizen,
            contacts=[CITIZEN_EMAIL],
            requested_by="d",
            case_ids=[mine.case_id],
        ),
    )
    assert erasure.erased_cases == [mine.case_id]
    assert erasure.documents_changed == 1  # the request's copy; the withdrawal has ids only
    bodies = {
        d["case_id"]: json.loads(d["body"])
        for d in database["deliveries"].documents
        if d["type"] == "dk.mediation.case.requested.v1"
    }
    erased = json.dumps(bodies[str(mine.case_id)], ensure_ascii=False)
    for value in (CITIZEN_NAME, CITIZEN_EMAIL, CITIZEN_PHONE):
        assert value not in erased
    citizen = bodies[str(mine.case_id)]["data"]["parties"][0]
    assert citizen["name"] == ERASED
    assert citizen["party_id"] == mine.citizen  # ids stay: the copy still says which case
    # Only the requested case: the other case's copy is as it was sent.
    assert CITIZEN_NAME in json.dumps(bodies[str(other.case_id)], ensure_ascii=False)
    # The subscription (its owner, URL, sealed secret) is no one's personal data.
    assert database["subscriptions"].documents[0]["callback_url"] == "https://esdh.kk.dk/hook"


async def test_a_delivery_queued_before_it_carried_its_case_is_labelled_and_then_found() -> None:
    database: Any = Database()
    store = Store(database)
    case = Scenario(tenant="kk")
    event = case.request()
    await database["deliveries"].insert_one(  # as an earlier version stored it
        {"_id": f"s-1:{event.id}", "subscription": "s-1", "body": event.to_json().decode()}
    )
    who = PersonalDataRequest(request_id=uuid4(), party_id=case.citizen, requested_by="d")
    assert (await personal_data(database, "gateway", "kk", who, retention="P7D")).cases == []

    assert await store.label_cases() == 1
    found = await personal_data(database, "gateway", "kk", who, retention="P7D")
    assert found.cases == [case.case_id]
    assert await store.label_cases() == 0  # once
    assert (await personal_data(database, "gateway", "aarhus", who, retention="P7D")).cases == []
