"""A municipality names its rooms in the policy; plain room ids keep working."""

import pytest
from pydantic import ValidationError
from scheduling.domain.policy import SchedulingPolicy


def test_rooms_may_carry_the_names_people_know_them_by() -> None:
    policy = SchedulingPolicy.model_validate(
        {"rooms": [{"id": "moede-1", "name": "Mødelokale Øst"}, "moede-2", {"id": "moede-3"}]}
    )
    assert policy.rooms == ("moede-1", "moede-2", "moede-3")
    assert policy.room_names == {"moede-1": "Mødelokale Øst"}


def test_plain_room_ids_have_no_names() -> None:
    policy = SchedulingPolicy.model_validate({"rooms": ["moede-1", "moede-2"]})
    assert policy.rooms == ("moede-1", "moede-2")
    assert policy.room_names == {}


def test_a_name_for_a_room_that_is_not_listed_is_refused() -> None:
    with pytest.raises(ValidationError, match="not in rooms"):
        SchedulingPolicy.model_validate({"rooms": ["moede-1"], "room_names": {"x": "X"}})
