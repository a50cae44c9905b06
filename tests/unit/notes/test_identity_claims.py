"""Notes reads a municipality's provider's tokens through a claim mapping: the person from
another claim (Entra ID's ``oid``), the role from a list such as ``groups`` through a table,
the municipality fixed for the configured issuer. Whatever the mapping, a token yields exactly
one role of notes' or is refused, and nothing is taken on a claim's word that the mapping does
not name."""

import json
from pathlib import Path
from typing import Any

import pytest
from mediation_devstack.dev_identity import DevIdentity
from notes.adapters.identity import (
    ClaimMapping,
    IdentityConfigurationError,
    InvalidToken,
    TokenVerifier,
)
from notes.domain.identity import Identity
from notes.settings import NotesSettings

from tests.unit.notes.test_identity import AUDIENCE, TENANT, claims, refusal

GROUPS = ClaimMapping(
    subject_claim="oid",
    role_claim="groups",
    roles={"maeglere": "mediator", "referenter": "note_taker"},
    tenant="kk",
)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> DevIdentity:
    return DevIdentity.create(tmp_path_factory.mktemp("dev-identity"))


@pytest.fixture(scope="module")
def by_groups(dev: DevIdentity) -> TokenVerifier:
    return TokenVerifier(dev.jwks(), audience=AUDIENCE, issuer=dev.issuer, claims=GROUPS)


def provider_claims(dev: DevIdentity, **changes: Any) -> dict[str, Any]:
    """What a provider without custom claims sends: no role, no tenant, groups, an oid."""
    return claims(
        dev, role=None, tenant=None, sub="pairwise-123", oid="staff-7", groups=["alle", "maeglere"]
    ) | {name: value for name, value in changes.items()}


def test_the_person_role_and_municipality_come_from_the_mapped_claims(
    dev: DevIdentity, by_groups: TokenVerifier
) -> None:
    token = dev.sign(provider_claims(dev))
    assert by_groups.verify(token, TENANT) == Identity("staff-7", "mediator", TENANT)


def test_a_single_group_as_a_string_maps_too(dev: DevIdentity, by_groups: TokenVerifier) -> None:
    token = dev.sign(provider_claims(dev, groups="referenter"))
    assert by_groups.verify(token, TENANT).role == "note_taker"


@pytest.mark.parametrize(
    ("groups", "reason"),
    [
        (["alle"], "unknown_role"),
        ([], "unknown_role"),
        (["maeglere", "referenter"], "ambiguous_role"),
        ("mediator", "unknown_role"),  # a role's own name is no group in the table
        ([["maeglere"]], "unknown_role"),
        ({"maeglere": True}, "unknown_role"),
    ],
)
def test_anything_but_exactly_one_mapped_role_is_refused(
    dev: DevIdentity, by_groups: TokenVerifier, groups: object, reason: str
) -> None:
    assert refusal(by_groups, dev.sign(provider_claims(dev, groups=groups))).reason == reason


def test_a_role_or_tenant_claim_outside_the_mapping_is_not_taken(
    dev: DevIdentity, by_groups: TokenVerifier
) -> None:
    """A token saying ``role: mediator`` and ``tenant: aarhus`` changes nothing: the mapping
    reads groups, and the issuer's municipality is kk."""
    token = dev.sign(provider_claims(dev, groups=["alle"], role="mediator", tenant="aarhus"))
    assert refusal(by_groups, token).reason == "unknown_role"
    token = dev.sign(provider_claims(dev, tenant="aarhus"))
    assert by_groups.verify(token, TENANT).tenant == TENANT
    assert refusal(by_groups, token, tenant="aarhus").reason == "wrong_tenant"


@pytest.mark.parametrize("claim", ["oid", "groups", "exp", "aud"])
def test_the_mapped_claims_are_required(
    dev: DevIdentity, by_groups: TokenVerifier, claim: str
) -> None:
    invalid = refusal(by_groups, dev.sign(provider_claims(dev, **{claim: None})))
    assert (invalid.reason, invalid.claim) == ("missing_claim", claim)


def test_a_fixed_municipality_needs_the_issuer(dev: DevIdentity) -> None:
    with pytest.raises(IdentityConfigurationError, match="issuer"):
        TokenVerifier(dev.jwks(), audience=AUDIENCE, claims=GROUPS)


@pytest.mark.parametrize(
    "mapping",
    [
        {"roles": {"maeglere": "admin"}},
        {"roles": {}},
        {"roles": {"": "mediator"}},
        {"role_claim": "has space"},
        {"subject_claim": ""},
        {"tenant": "Not A Slug"},
    ],
)
def test_an_unusable_mapping_fails_at_start(mapping: dict[str, Any]) -> None:
    with pytest.raises(IdentityConfigurationError):
        ClaimMapping(**mapping)


def test_the_settings_build_the_mapping(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NOTES_MASTER_KEY", "x")
    monkeypatch.setenv("NOTES_TOKEN_SUBJECT_CLAIM", "oid")
    monkeypatch.setenv("NOTES_TOKEN_ROLE_CLAIM", "groups")
    monkeypatch.setenv("NOTES_TOKEN_ROLES", json.dumps({"maeglere": "mediator"}))
    monkeypatch.setenv("NOTES_TOKEN_TENANT", "kk")
    mapping = NotesSettings().token_claims()
    assert mapping == ClaimMapping(
        subject_claim="oid", role_claim="groups", roles={"maeglere": "mediator"}, tenant="kk"
    )
    assert mapping.required == ("exp", "aud", "oid", "groups")


def test_without_a_mapping_the_token_must_say_role_and_tenant_itself(
    dev: DevIdentity,
) -> None:
    """The default, as before: ``role`` one string naming a role, ``tenant`` a claim."""
    verifier = TokenVerifier(dev.jwks(), audience=AUDIENCE, issuer=dev.issuer)
    assert refusal(verifier, dev.sign(claims(dev, role=["mediator"]))).reason == "unknown_role"
    assert isinstance(refusal(verifier, dev.sign(claims(dev, tenant=None))), InvalidToken)
