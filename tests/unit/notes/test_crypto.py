"""Encryption at rest (notes/adapters/crypto.py): a summary decrypts only with its own case's
key, its own associated data and the right master key; nothing readable is left in what is
stored."""

import base64
import os

import pytest
from notes.adapters.crypto import DecryptionFailed, InvalidMasterKey, Keyring

TEXT = "Aftale: kommunen ringer borgeren op inden fredag. Næste møde 12. maj."
AAD = b"mediation-notes|kk|case-1|summary-1"


@pytest.fixture
def keyring() -> Keyring:
    return Keyring(os.urandom(32))


def test_a_summary_decrypts_to_its_text(keyring: Keyring) -> None:
    key = keyring.new_data_key()
    blob = keyring.encrypt(key, TEXT, AAD)
    assert keyring.decrypt(key, blob, AAD) == TEXT


def test_an_empty_text_round_trips(keyring: Keyring) -> None:
    key = keyring.new_data_key()
    assert keyring.decrypt(key, keyring.encrypt(key, "", AAD), AAD) == ""


def test_nothing_readable_is_stored(keyring: Keyring) -> None:
    key = keyring.new_data_key()
    blob = keyring.encrypt(key, TEXT, AAD)
    plain = TEXT.encode()
    assert plain not in blob
    assert b"kommunen" not in blob
    assert AAD not in blob
    assert len(blob) == 1 + 12 + len(plain) + 16


def test_the_same_text_encrypts_differently_each_time(keyring: Keyring) -> None:
    key = keyring.new_data_key()
    assert keyring.encrypt(key, TEXT, AAD) != keyring.encrypt(key, TEXT, AAD)


def test_every_wrapped_data_key_is_new(keyring: Keyring) -> None:
    keys = {keyring.new_data_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(key) == 1 + 12 + 32 + 16 and key[:1] == b"\x01" for key in keys)


def test_a_blob_moved_to_another_case_or_summary_does_not_decrypt(keyring: Keyring) -> None:
    key = keyring.new_data_key()
    blob = keyring.encrypt(key, TEXT, AAD)
    for other in (
        b"mediation-notes|kk|case-2|summary-1",
        b"mediation-notes|kk|case-1|summary-2",
        b"mediation-notes|aarhus|case-1|summary-1",
        b"",
    ):
        with pytest.raises(DecryptionFailed):
            keyring.decrypt(key, blob, other)


def test_another_cases_key_does_not_decrypt(keyring: Keyring) -> None:
    blob = keyring.encrypt(keyring.new_data_key(), TEXT, AAD)
    with pytest.raises(DecryptionFailed):
        keyring.decrypt(keyring.new_data_key(), blob, AAD)


def test_another_master_key_does_not_unwrap(keyring: Keyring) -> None:
    key = keyring.new_data_key()
    blob = keyring.encrypt(key, TEXT, AAD)
    other = Keyring(os.urandom(32))
    with pytest.raises(DecryptionFailed):
        other.decrypt(key, blob, AAD)
    with pytest.raises(DecryptionFailed):
        other.encrypt(key, TEXT, AAD)


@pytest.mark.parametrize("position", [0, 1, 12, 13, -1])
def test_a_tampered_blob_does_not_decrypt(keyring: Keyring, position: int) -> None:
    key = keyring.new_data_key()
    blob = bytearray(keyring.encrypt(key, TEXT, AAD))
    blob[position] ^= 0x01
    with pytest.raises(DecryptionFailed):
        keyring.decrypt(key, bytes(blob), AAD)


@pytest.mark.parametrize("position", [0, 1, 13, -1])
def test_a_tampered_wrapped_key_does_not_unwrap(keyring: Keyring, position: int) -> None:
    key = bytearray(keyring.new_data_key())
    blob = keyring.encrypt(bytes(key), TEXT, AAD)
    key[position] ^= 0x01
    with pytest.raises(DecryptionFailed):
        keyring.decrypt(bytes(key), blob, AAD)


@pytest.mark.parametrize("length", [0, 1, 13, 28])
def test_a_truncated_blob_does_not_decrypt(keyring: Keyring, length: int) -> None:
    key = keyring.new_data_key()
    blob = keyring.encrypt(key, TEXT, AAD)
    with pytest.raises(DecryptionFailed):
        keyring.decrypt(key, blob[:length], AAD)


def test_a_wrapped_key_is_not_a_summary_and_back(keyring: Keyring) -> None:
    """Each is bound to its purpose: one cannot be passed off as the other."""
    key = keyring.new_data_key()
    blob = keyring.encrypt(key, TEXT, AAD)
    with pytest.raises(DecryptionFailed):
        keyring.decrypt(blob, blob, AAD)
    with pytest.raises(DecryptionFailed):
        keyring.decrypt(key, key, b"mediation-notes|data-key|v1")


def test_errors_never_carry_text_or_keys(keyring: Keyring) -> None:
    master = os.urandom(32)
    keyring = Keyring(master)
    key = keyring.new_data_key()
    blob = keyring.encrypt(key, TEXT, AAD)
    with pytest.raises(DecryptionFailed) as failed:
        keyring.decrypt(key, blob, b"elsewhere")
    error = failed.value
    rendered = str(error) + repr(error) + repr(error.args)
    assert "kommunen" not in rendered
    assert master.hex() not in rendered
    assert key.hex() not in rendered
    assert error.__cause__ is None
    assert error.__suppress_context__
    assert master.hex() not in repr(keyring)
    assert str(master) not in repr(keyring)


def test_the_master_key_is_read_from_base64() -> None:
    master = os.urandom(32)
    keyring = Keyring.from_base64(base64.b64encode(master).decode() + "\n")
    other = Keyring(master)
    key = keyring.new_data_key()
    assert other.decrypt(key, keyring.encrypt(key, TEXT, AAD), AAD) == TEXT


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(base64.b64encode(os.urandom(16)).decode(), id="16 bytes"),
        pytest.param(base64.b64encode(os.urandom(31)).decode(), id="31 bytes"),
        pytest.param(base64.b64encode(os.urandom(33)).decode(), id="33 bytes"),
        pytest.param("", id="empty"),
    ],
)
def test_a_master_key_of_the_wrong_length_is_refused(text: str) -> None:
    with pytest.raises(InvalidMasterKey, match="32 bytes"):
        Keyring.from_base64(text)


@pytest.mark.parametrize("text", ["not base64!", "abc", "ÆØÅ"])
def test_a_master_key_that_is_not_base64_is_refused(text: str) -> None:
    with pytest.raises(InvalidMasterKey, match="base64") as refused:
        Keyring.from_base64(text)
    assert text not in str(refused.value)


def test_a_raw_master_key_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(InvalidMasterKey, match="got 16"):
        Keyring(os.urandom(16))
    assert issubclass(InvalidMasterKey, ValueError)
