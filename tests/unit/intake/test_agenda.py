"""The agenda from the pre-meetings (intake/domain/case.py, ``Case.record_topics``): the
case's mediator records each party's topics once the case is accepted; the newest record of a
party's topics replaces the earlier ones; the agenda is every party's agreed topics; the
timeline says who recorded whose topics and whether the party agreed them, never the topics."""

import copy
from collections.abc import Callable
from datetime import timedelta

import pytest
from intake.adapters.case_repository import LIST_PROJECTION, _case_from, _state_of
from intake.domain.case import Case, Status
from intake.queries import detail
from mediation_contracts.commands import AgendaItem

from tests.data.events import (
    ADMINISTRATION,
    ADMINISTRATION_TOPICS,
    CITIZEN,
    CITIZEN_TOPICS,
    MEDIATOR,
    at,
    topics_recorded,
)
from tests.unit.intake.test_case_lifecycle import (
    ENDED,
    OTHER_STAFF,
    STRANGER,
    accepted_case,
    assert_refused,
    ready_case,
    requested_case,
    stage_id,
)


@pytest.mark.parametrize("stage", [accepted_case, ready_case], ids=stage_id)
def test_the_mediator_records_a_partys_topics_once_the_case_is_accepted(
    stage: Callable[[], Case],
) -> None:
    case = stage()
    status = case.status
    recorded = topics_recorded(case.case_id, CITIZEN, [" Tonen i brevene ", "Ventetiden"])
    assert case.handle(recorded) == []
    [topics] = detail(case, MEDIATOR).topics
    assert (topics.party_id, topics.topics) == (CITIZEN, ["Tonen i brevene", "Ventetiden"])
    assert (topics.agreed_by_party, topics.share_with_other_parties) == (True, False)
    assert (topics.recorded_by, topics.recorded_at) == (MEDIATOR, recorded.time)
    assert case.status is status


def test_the_agenda_is_every_partys_agreed_topics_in_the_parties_order() -> None:
    case = ready_case()
    case.handle(topics_recorded(case.case_id, ADMINISTRATION, ADMINISTRATION_TOPICS, shared=True))
    case.handle(topics_recorded(case.case_id, CITIZEN, CITIZEN_TOPICS))
    shown = detail(case, MEDIATOR)
    assert [t.party_id for t in shown.topics] == [CITIZEN, ADMINISTRATION]
    assert shown.agenda == [
        *(AgendaItem(party_id=CITIZEN, topic=topic) for topic in CITIZEN_TOPICS),
        *(AgendaItem(party_id=ADMINISTRATION, topic=topic) for topic in ADMINISTRATION_TOPICS),
    ]


def test_topics_the_party_has_not_agreed_are_shown_but_not_on_the_agenda() -> None:
    case = accepted_case()
    case.handle(topics_recorded(case.case_id, CITIZEN, CITIZEN_TOPICS, agreed=False))
    shown = detail(case, MEDIATOR)
    assert [t.topics for t in shown.topics] == [list(CITIZEN_TOPICS)]
    assert shown.topics[0].agreed_by_party is False
    assert shown.agenda == []


def test_a_new_record_replaces_the_partys_topics_whole_and_an_empty_one_removes_them() -> None:
    case = accepted_case()
    first = topics_recorded(case.case_id, CITIZEN, CITIZEN_TOPICS)
    case.handle(first)
    second = at(topics_recorded(case.case_id, CITIZEN, ["Kun dette"]), first.time + timedelta(1))
    case.handle(second)
    assert [item.topic for item in case.agenda()] == ["Kun dette"]
    removed = at(topics_recorded(case.case_id, CITIZEN, []), second.time + timedelta(1))
    case.handle(removed)
    assert detail(case, MEDIATOR).topics == []
    assert case.agenda() == []


def test_the_newest_record_wins_whatever_the_order_they_arrive_in() -> None:
    case = accepted_case()
    older = topics_recorded(case.case_id, CITIZEN, ["Det gamle emne"])
    newer = at(topics_recorded(case.case_id, CITIZEN, ["Det nye emne"]), older.time + timedelta(1))
    case.handle(newer)
    before = copy.deepcopy(case.timeline)
    assert case.handle(older) == []
    assert [item.topic for item in case.agenda()] == ["Det nye emne"]
    assert case.timeline == before


def test_the_timeline_says_who_recorded_whose_topics_and_never_the_topics() -> None:
    case = accepted_case()
    case.handle(topics_recorded(case.case_id, CITIZEN, CITIZEN_TOPICS, agreed=False))
    case.handle(topics_recorded(case.case_id, CITIZEN, CITIZEN_TOPICS, shared=True))
    not_yet, agreed = case.timeline[-2:]
    assert (not_yet.type, not_yet.actor_id, not_yet.party_id, not_yet.code) == (
        "dk.mediation.party.topics_recorded.v1",
        MEDIATOR,
        CITIZEN,
        "not_agreed",
    )
    assert (agreed.actor_id, agreed.party_id, agreed.code) == (MEDIATOR, CITIZEN, "agreed")
    shown = "".join(entry.model_dump_json() for entry in case.timeline)
    assert not any(topic in shown for topic in CITIZEN_TOPICS)
    assert not any(topic in repr(case) for topic in CITIZEN_TOPICS)


def test_the_same_topics_again_change_nothing_and_add_nothing_to_the_timeline() -> None:
    case = accepted_case()
    case.handle(topics_recorded(case.case_id))
    before = copy.deepcopy(case.timeline)
    assert case.handle(topics_recorded(case.case_id)) == []
    assert case.timeline == before


@pytest.mark.parametrize("recorded_by", [OTHER_STAFF, CITIZEN])
def test_only_the_cases_mediator_records_topics(recorded_by: str) -> None:
    case = accepted_case()
    event = topics_recorded(case.case_id, recorded_by=recorded_by)
    assert_refused(case, event)
    with pytest.raises(Exception, match="only the case's mediator records a party's topics"):
        case.handle(event)


def test_topics_of_someone_who_is_not_a_party_are_refused() -> None:
    case = accepted_case()
    assert_refused(case, topics_recorded(case.case_id, STRANGER))


def test_topics_wait_for_the_acceptance() -> None:
    case = requested_case()
    assert_refused(case, topics_recorded(case.case_id))
    assert "record_topics" not in case.actions_for(MEDIATOR)


@pytest.mark.parametrize("ended", ENDED, ids=stage_id)
def test_an_ended_case_keeps_its_topics_as_they_were(ended: Callable[[], Case]) -> None:
    case = ended()
    assert_refused(case, topics_recorded(case.case_id))
    assert "record_topics" not in case.actions_for(MEDIATOR)


def test_recording_topics_is_offered_to_the_cases_mediator_only() -> None:
    case = accepted_case()
    assert "record_topics" in case.actions_for(MEDIATOR)
    assert "record_topics" not in case.actions_for(OTHER_STAFF)
    assert case.status is Status.ACCEPTED


def test_topics_survive_the_repository_round_trip_and_stay_out_of_lists() -> None:
    case = accepted_case()
    case.handle(topics_recorded(case.case_id, ADMINISTRATION, ADMINISTRATION_TOPICS, shared=True))
    stored = _state_of(case)
    again = _case_from({**stored, "created_at": case.requested_at})
    assert again.party_topics == case.party_topics
    assert again.people_changed == case.people_changed
    assert LIST_PROJECTION["party_topics"] == 0
    old = {key: value for key, value in stored.items() if key != "party_topics"}
    assert _case_from({**old, "created_at": case.requested_at}).party_topics == []
