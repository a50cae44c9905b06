"""Refusals are Danish first, so the Danish text says at least what the English one says:
every placeholder, id and time in ``message_en`` is also in ``message_da``."""

import re
from collections.abc import Iterator

import pytest
from insights import refusals as insights_refusals
from intake import refusals as intake_refusals
from mediation_contracts.commands import Refusal, Reply
from mediation_runtime.delivery import UNAVAILABLE
from notes import refusals as notes_refusals
from scheduling import handlers as scheduling_handlers
from scheduling import refusals as scheduling_refusals
from scheduling.domain.errors import BookingRefused, ImpossibleTransition

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# Ids, times, counts: any token with a digit in it (e.g. a case id, 2026-03-03 10:00, m-1).
FACT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+-]*[0-9][A-Za-z0-9._:@+-]*")

CASE = "3f2b8c1e-6a41-4e55-9d4e-0b7f6c1d2a90"
DETAIL = f"mediator-7 is in another meeting at 2026-03-03 10:00 (case {CASE})"
TEXT_TABLES = {
    "intake": intake_refusals.TEXTS,
    "notes": notes_refusals.TEXTS,
    "scheduling": scheduling_refusals.TEXTS,
    "insights": insights_refusals.TEXTS,
}


def every_refusal() -> Iterator[tuple[str, Refusal]]:
    for service, texts in TEXT_TABLES.items():
        for code in texts:
            error = Reply.refused(code, texts).error
            assert error is not None
            yield f"{service}.{code}", error
    # What scheduling answers: the domain's ids and times added to the code's text.
    for code in scheduling_refusals.TEXTS:
        reply = scheduling_handlers.refused(BookingRefused(code, DETAIL))  # type: ignore[arg-type]
        assert reply.error is not None
        yield f"scheduling.{code}+detail", reply.error
    reply = scheduling_handlers.refused(ImpossibleTransition("meeting_held", DETAIL))
    assert reply.error is not None
    yield "scheduling.transition", reply.error
    fallback = Reply.refused("no_such_code", {}).error
    assert fallback is not None
    yield "fallback", fallback
    yield "unavailable", UNAVAILABLE


REFUSALS = list(every_refusal())


@pytest.mark.parametrize(("name", "refusal"), REFUSALS, ids=[name for name, _ in REFUSALS])
def test_the_danish_text_carries_every_placeholder_id_and_time_of_the_english(
    name: str, refusal: Refusal
) -> None:
    for pattern in (PLACEHOLDER, FACT):
        missing = set(pattern.findall(refusal.message_en)) - set(
            pattern.findall(refusal.message_da)
        )
        assert not missing, f"{name}: message_da lacks {sorted(missing)}"
