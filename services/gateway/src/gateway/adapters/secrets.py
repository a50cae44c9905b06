"""The subscriptions' signing secrets, encrypted at rest with ``GATEWAY_SECRET_KEY``.

A copy of the database (a backup, a replica's disk) then holds no secret a stranger could sign
webhooks with. AES-256-GCM with a random nonce per secret and the subscription's id as
associated data, so a sealed secret moved to another subscription does not open.
"""

import base64
import binascii
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32


class SecretUnreadable(Exception):
    """The sealed secret does not open with this key (another key, or altered)."""


class SecretBox:
    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"GATEWAY_SECRET_KEY must be base64 of {KEY_BYTES} bytes")
        self._cipher = AESGCM(key)

    @classmethod
    def from_setting(cls, value: str) -> "SecretBox":
        try:
            key = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"GATEWAY_SECRET_KEY must be base64 of {KEY_BYTES} bytes") from None
        return cls(key)

    def seal(self, secret: str, subscription: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._cipher.encrypt(nonce, secret.encode(), subscription.encode())
        return f"{VERSION}:" + base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str, subscription: str) -> str:
        version, _, payload = sealed.partition(":")
        if version != VERSION:
            raise SecretUnreadable("not a sealed secret")
        try:
            raw = base64.b64decode(payload, validate=True)
            opened = self._cipher.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], subscription.encode()
            )
        except (binascii.Error, ValueError, InvalidTag):
            raise SecretUnreadable("the secret does not open with this key") from None
        return opened.decode()
