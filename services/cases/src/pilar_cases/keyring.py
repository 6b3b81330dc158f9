"""Keys of the cases service: the client_ref HMAC and per-client data keys (crypto-shredding).

Each client's personal data is sealed with AES-256-GCM under a data key of its own; that data key is
stored only wrapped (AES-GCM) under the master key. Deleting the wrapped key makes every copy of the
sealed data unreadable that does not also hold the key: with the keys in a database of their own
(``key_database``, see ``store/keys.py``), every backup of the cases database. The client_ref binds
both as associated data, so a sealed blob or wrapped key copied onto another client does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

_NONCE_BYTES = 12
_KEY_BYTES = 32


class Unreadable(Exception):  # noqa: N818  the data is shredded or was tampered with
    """Sealed data that cannot be opened with the key at hand."""


def decode_key(encoded: str) -> bytes:
    """Decode a base64 (URL-safe) 256-bit key from settings; refuse any other length."""
    key = base64.urlsafe_b64decode(encoded.encode())
    if len(key) != _KEY_BYTES:
        raise ValueError("the master key must be 32 bytes, base64-encoded")
    return key


def _seal(key: bytes, plaintext: bytes, context: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def _open(key: bytes, sealed: bytes, context: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], context)
    except (InvalidTag, ValueError):
        raise Unreadable("sealed data cannot be opened") from None


class Keyring:
    """The service's secrets, what it does with them, and where the clients' keys are kept."""

    def __init__(
        self,
        *,
        client_ref_key: bytes,
        master_key: bytes,
        master_key_id: str,
        key_database: AsyncEngine | None = None,
    ) -> None:
        if len(master_key) != _KEY_BYTES:
            raise ValueError("the master key must be 32 bytes")
        self._ref_key, self._master = client_ref_key, master_key
        self.master_key_id = master_key_id
        self.key_database = key_database  # None: the keys live beside the data

    def client_ref(self, normalised_nik: str) -> str:
        """The pseudonymous name of a client: HMAC-SHA256 of the NIK, hex."""
        return hmac.new(self._ref_key, normalised_nik.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def new_data_key() -> bytes:
        """A fresh 256-bit data key for one client."""
        return AESGCM.generate_key(bit_length=256)

    def wrap(self, data_key: bytes, client_ref: str) -> bytes:
        """Encrypt a client's data key under the master key."""
        return _seal(self._master, data_key, b"key:" + client_ref.encode())

    def unwrap(self, wrapped: bytes, client_ref: str) -> bytes:
        """Decrypt a client's data key; Unreadable if it was not wrapped for this client."""
        return _open(self._master, wrapped, b"key:" + client_ref.encode())

    @staticmethod
    def seal(data_key: bytes, client_ref: str, plaintext: bytes) -> bytes:
        """Encrypt a client's personal data under its data key."""
        return _seal(data_key, plaintext, b"data:" + client_ref.encode())

    @staticmethod
    def unseal(data_key: bytes, client_ref: str, sealed: bytes) -> bytes:
        """Decrypt a client's personal data; Unreadable with any other key."""
        return _open(data_key, sealed, b"data:" + client_ref.encode())
