"""The shared reading of a person's records (data rights): what a correction rewrites and
what retention erases, on records shaped as intake and notifications store them."""

import json

from mediation_contracts.events import Party
from mediation_runtime.personal_data import ERASED, case_values, corrected, scrubbed

NEW = {"email": "karen.ny@example.dk", "language": "da", "preferred_channel": "email"}


def test_a_correction_rewrites_the_persons_own_records_only() -> None:
    head = {
        "party_details": [
            {
                "party_id": "p-1",
                "name": "Karen",
                "contact": {"email": "old@example.dk", "phone": "+45 11 11 11 11"},
                "companion": {"companion_id": "c-1", "name": "Poul", "party_id": "p-1"},
            },
            {"party_id": "p-2", "name": "Jobcenter", "contact": {"email": "jc@example.dk"}},
        ],
        "requester": {"party_id": "p-1", "kind": "citizen"},
    }
    fixed = corrected(head, "p-1", "Karen Holm", NEW)
    karen, unit = fixed["party_details"]
    assert karen["name"] == "Karen Holm"
    assert karen["contact"] == NEW  # whole: the old phone is gone with the old details
    assert karen["companion"]["name"] == "Poul"  # a companion is a person of their own
    assert unit == head["party_details"][1]
    assert fixed["requester"] == head["requester"]


def test_a_correction_reaches_flat_records_inside_stored_json() -> None:
    people = {"p-1": {"person_id": "p-1", "name": "Karen", "email": "old@example.dk"}}
    view = json.dumps({"people": people, "tenant": "kk"})
    fixed = json.loads(corrected({"view": view}, "p-1", "Karen Holm", NEW)["view"])
    assert fixed["people"]["p-1"]["name"] == "Karen Holm"
    assert fixed["people"]["p-1"]["email"] == "karen.ny@example.dk"


def test_an_erased_or_forgotten_record_is_not_filled_again() -> None:
    erased = {"party_id": "p-1", "name": ERASED, "contact": {"email": ERASED}}
    forgotten = {"person_id": "p-1", "name": "", "email": None}
    assert corrected(erased, "p-1", "Karen Holm", NEW) == erased
    assert corrected(forgotten, "p-1", "Karen Holm", NEW) == forgotten


def test_retention_finds_every_name_address_and_the_parties_own_words() -> None:
    head = {
        "conflict_description": "Borgeren føler sig overhørt",
        "party_topics": [{"party_id": "p-1", "topics": ["Sagsbehandlingstid", "Tonen"]}],
        "follow_up_contact": {"name": "Ingrid", "unit": "Jobcentret"},
        "view": json.dumps({"people": {"p-1": {"name": "Karen", "phone": "+45 11 11 11 11"}}}),
        "status": "closed",
    }
    assert set(case_values(head)) == {
        "Borgeren føler sig overhørt",
        "Sagsbehandlingstid",
        "Tonen",
        "Ingrid",
        "Karen",
        "+45 11 11 11 11",
    }


def test_an_erased_party_is_still_a_valid_record() -> None:
    """Names read ``[slettet]``; an e-mail address or phone number, which must have an
    address's form, is left empty: the case stays readable (the mediator's list loads it)."""
    party = {
        "party_id": "p-1",
        "kind": "citizen",
        "name": "Karen Østergaard",
        "contact": {"email": "karen@example.dk", "phone": "+45 11 11 11 11"},
        "companion": {
            "companion_id": "c-1",
            "name": "Poul",
            "contact": {"phone": "+45 22 22 22 22"},
        },
    }
    view = json.dumps({"people": {"p-1": party}})
    values = set(case_values({"party": party}))
    erased = scrubbed({"party": party, "view": view}, values)
    assert erased["party"]["name"] == ERASED
    assert erased["party"]["contact"] == {"email": None, "phone": None}
    assert erased["party"]["companion"]["contact"] == {"phone": None}
    assert json.loads(erased["view"])["people"]["p-1"] == erased["party"]  # inside JSON text too
    Party.model_validate(erased["party"])  # no ValidationError
