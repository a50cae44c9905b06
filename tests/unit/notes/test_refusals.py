"""Every refusal notes can give is explained in Danish and English, not a bare code."""

import pytest
from notes.refusals import TEXTS, refused

# Codes the access policy, the summary rules and the handlers give to a person.
CODES = [
    "invalid_token",
    "other_tenant",
    "not_a_member",
    "role_may_not",
    "no_summary_consent",
    "not_shared",
    "not_all_parties_agreed",
    "no_summary",
    "destroyed",
    "summary_empty",
    "summary_too_long",
    "unreadable",
]


@pytest.mark.parametrize("code", CODES)
def test_every_refusal_code_has_danish_and_english_text(code: str) -> None:
    reply = refused(code)
    assert code in TEXTS
    assert reply.error is not None
    assert (reply.error.message_da, reply.error.message_en) == TEXTS[code]
