"""The identity provider's administrators learn every role and claim notes requires from
docs/identity.md, linked from the README, not from the code."""

from pathlib import Path

import pytest
from notes.adapters.identity import ALLOWED_ALGORITHMS, REQUIRED_CLAIMS
from notes.domain.identity import ROLES

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "identity.md"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_is_documented(role: str) -> None:
    assert f"| `{role}` |" in DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
def test_every_required_claim_is_documented(claim: str) -> None:
    assert f"| `{claim}` |" in DOC.read_text(encoding="utf-8")


def test_the_allowed_algorithms_are_documented_and_the_readme_links_the_page() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert all(f"`{alg}`" in text for alg in ALLOWED_ALGORITHMS)
    assert "(docs/identity.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
