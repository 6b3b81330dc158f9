"""The cases keyring: client_ref as a keyed HMAC, and per-client keys that shred cleanly."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from pydantic import SecretStr

from pilar_cases.domain import PersonalData
from pilar_cases.keyring import Keyring, Unreadable, decode_key
from pilar_cases.settings import DEV_ONLY_MASTER_KEY, CasesSettings

NIK = "3371011508900001"
PERSON = PersonalData(nik=NIK, display_name="Siti Aminah", birth_date=date(1990, 8, 15))


def keyring(ref_key: bytes = b"ref-key") -> Keyring:
    return Keyring(client_ref_key=ref_key, master_key=b"m" * 32, master_key_id="t1")


def test_client_ref_is_stable_keyed_and_does_not_contain_the_nik() -> None:
    ref = keyring().client_ref(NIK)
    assert ref == keyring().client_ref(NIK)
    assert len(ref) == 64
    assert NIK not in ref
    assert ref != keyring(b"other-key").client_ref(NIK)


def test_personal_data_round_trips_under_its_own_key_and_hides_in_repr() -> None:
    ring, ref = keyring(), "ab" * 32
    key = ring.new_data_key()
    sealed = ring.seal(key, ref, PERSON.to_bytes())
    assert b"Siti" not in sealed
    assert NIK.encode() not in sealed
    opened = PersonalData.from_bytes(
        ring.unseal(ring.unwrap(ring.wrap(key, ref), ref), ref, sealed)
    )
    assert opened == PERSON
    assert "Siti" not in repr(PERSON)
    assert NIK not in repr(PERSON)


def test_without_the_clients_own_key_the_data_is_unreadable() -> None:
    ring, ref = keyring(), "ab" * 32
    sealed = ring.seal(ring.new_data_key(), ref, PERSON.to_bytes())
    with pytest.raises(Unreadable):
        ring.unseal(ring.new_data_key(), ref, sealed)


def test_a_key_wrapped_for_one_client_does_not_open_for_another() -> None:
    ring = keyring()
    wrapped = ring.wrap(ring.new_data_key(), "ab" * 32)
    with pytest.raises(Unreadable):
        ring.unwrap(wrapped, "cd" * 32)


def test_master_key_must_be_256_bits_and_dev_keys_are_flagged() -> None:
    assert len(decode_key(DEV_ONLY_MASTER_KEY)) == 32
    with pytest.raises(ValueError, match="32 bytes"):
        decode_key(base64.urlsafe_b64encode(b"short").decode())
    dev = CasesSettings(master_key=SecretStr(DEV_ONLY_MASTER_KEY))
    assert dev.uses_dev_keys
    real = base64.urlsafe_b64encode(b"r" * 32).decode()
    own = CasesSettings(client_ref_key=SecretStr("k" * 40), master_key=SecretStr(real))
    assert not own.uses_dev_keys
    assert own.keyring().client_ref(NIK) != dev.keyring().client_ref(NIK)
