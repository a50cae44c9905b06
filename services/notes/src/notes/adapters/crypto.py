"""Encryption at rest with crypto-shredding (envelope encryption, AES-256-GCM). No I/O.

Each case has its own random 256-bit data key. It is stored only *wrapped*: encrypted under
the master key from configuration, which never lies in the database. A summary is encrypted
under its case's data key, with associated data (AAD) naming its tenant, case and summary, so
a ciphertext moved to another case or summary no longer decrypts. Destroying a case's wrapped
data key destroys every summary of the case for good: that is crypto-shredding.

Wire formats (both start with a format version byte so they can change later)::

    wrapped data key = 0x01 | 12-byte nonce | AES-256-GCM(master key, data key, AAD=label)
    summary blob     = 0x01 | 12-byte nonce | AES-256-GCM(data key, UTF-8 text, AAD=caller's)

Nonces are random (``os.urandom``); a data key encrypts only the few summaries of one case,
far below the limit for random 96-bit nonces. Unwrapped data keys exist only in local
variables of this module. Errors never carry plaintext or key material.
"""

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
FORMAT_V1 = b"\x01"
# Binds wrapped keys to their purpose: a wrapped key is never accepted as a summary, and back.
_WRAP_AAD = b"mediation-notes|data-key|v1"


class InvalidMasterKey(ValueError):
    """The configured master key is not base64 of exactly 32 bytes."""


class DecryptionFailed(Exception):
    """A wrapped key or ciphertext could not be decrypted: wrong key, wrong AAD, tampered or
    truncated. Deliberately says nothing more."""


class Keyring:
    """Wraps data keys under the master key and encrypts summaries under a wrapped data key."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != KEY_BYTES:
            raise InvalidMasterKey(
                f"the master key must be {KEY_BYTES} bytes (AES-256), got {len(master_key)}"
            )
        self._master = AESGCM(master_key)

    @classmethod
    def from_base64(cls, text: str) -> "Keyring":
        """From configuration, e.g. ``NOTES_MASTER_KEY``; make one with
        ``python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'``."""
        try:
            master_key = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidMasterKey(
                f"the master key must be base64 of {KEY_BYTES} random bytes; it is not valid base64"
            ) from None
        return cls(master_key)

    def __repr__(self) -> str:
        return "Keyring(<master key hidden>)"

    def new_data_key(self) -> bytes:
        """A fresh random data key for one case, wrapped: safe to store next to the case."""
        data_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT_V1 + nonce + self._master.encrypt(nonce, data_key, _WRAP_AAD)

    def encrypt(self, wrapped_key: bytes, plaintext: str, aad: bytes) -> bytes:
        """Encrypt ``plaintext`` under the case's data key, bound to ``aad``."""
        cipher = AESGCM(self._unwrap(wrapped_key))
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT_V1 + nonce + cipher.encrypt(nonce, plaintext.encode("utf-8"), aad)

    def decrypt(self, wrapped_key: bytes, blob: bytes, aad: bytes) -> str:
        """The plaintext of ``blob``; raises :class:`DecryptionFailed` unless the key, the blob
        and ``aad`` are exactly those it was encrypted with."""
        cipher = AESGCM(self._unwrap(wrapped_key))
        nonce, ciphertext = _split(blob, "summary")
        try:
            return cipher.decrypt(nonce, ciphertext, aad).decode("utf-8")
        except (InvalidTag, UnicodeDecodeError):
            raise DecryptionFailed("the summary could not be decrypted") from None

    def _unwrap(self, wrapped_key: bytes) -> bytes:
        nonce, ciphertext = _split(wrapped_key, "data key")
        try:
            data_key = self._master.decrypt(nonce, ciphertext, _WRAP_AAD)
        except InvalidTag:
            raise DecryptionFailed("the data key could not be unwrapped") from None
        if len(data_key) != KEY_BYTES:
            raise DecryptionFailed("the data key could not be unwrapped")
        return data_key


def _split(blob: bytes, what: str) -> tuple[bytes, bytes]:
    """(nonce, ciphertext with tag) of a v1 blob."""
    if len(blob) < 1 + NONCE_BYTES + TAG_BYTES or blob[:1] != FORMAT_V1:
        raise DecryptionFailed(f"the {what} is not in a known format")
    return blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
