"""Every refusal a person can meet is explained in Danish and English, not a bare code."""

from typing import get_args

import pytest
from scheduling.domain.errors import BookingCode, TransitionCode
from scheduling.refusals import TEXTS, refusal

CODES = [*get_args(BookingCode), *get_args(TransitionCode), "meeting_unknown"]


@pytest.mark.parametrize("code", CODES)
def test_every_refusal_code_has_danish_and_english_text(code: str) -> None:
    answer = refusal(code, "mediator-7 at 09:15")
    assert code in TEXTS
    assert answer.message_da.startswith(TEXTS[code][0])
    assert answer.message_en.startswith(TEXTS[code][1])
    for message in (answer.message_da, answer.message_en):
        assert "mediator-7 at 09:15" in message, "the detail helps whoever investigates"
