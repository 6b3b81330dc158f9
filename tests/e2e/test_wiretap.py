"""The personal-data scan of the end-to-end proof catches what it must and only that."""

from __future__ import annotations

import pytest

from tests.e2e.wiretap import Seen, leaks

SECRETS = ["Siti Aminah", "Jl. Pahlawan 12"]


def _message(body: str, **headers: str) -> Seen:
    return Seen("core", "pilar.cases.case.opened.v1.33.71", headers, body.encode())


@pytest.mark.parametrize(
    "body",
    [
        '{"display_name": "SITI AMINAH"}',
        '{"address": "Jl. Pahlawan 12"}',
        '{"note": "3371015508900007"}',
        '{"phone": "+6281234567890"}',
        '{"phone": "081234567890"}',
        '{"phone": "0812-3456-7890"}',
    ],
)
def test_personal_data_in_a_body_is_a_leak(body: str) -> None:
    assert leaks([_message(body)], SECRETS) != []


def test_a_secret_in_a_header_is_a_leak() -> None:
    assert leaks([_message("{}", **{"X-Debug": "Siti Aminah"})], SECRETS) != []


def test_ids_hashes_traces_and_numbers_are_not_leaks() -> None:
    body = (
        '{"case_id": "0193f3a0-0000-7000-8000-000000000001",'
        ' "client_ref": "1234567890123456789012345678901234567890123456789012345678901234",'
        ' "time": "2026-11-24T21:57:42.081234+00:00", "hours": 0.0812345678, "region": "33.71"}'
    )
    trace = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    assert leaks([_message(body, **trace)], SECRETS) == []


def test_a_trace_whose_span_id_is_all_digits_is_not_a_leak() -> None:
    trace = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-7443701837066674-01"}
    assert leaks([_message("{}", **trace)], SECRETS) == []


def test_a_uuid_whose_groups_look_like_a_phone_number_is_not_a_leak() -> None:
    body = '{"notification_id": "019ab3c4-0855-7095-8123-456789abcdef"}'
    assert leaks([_message(body)], SECRETS) == []


def test_a_phone_number_next_to_a_uuid_is_still_a_leak() -> None:
    body = '{"id": "019ab3c4-0855-7095-8123-456789abcdef", "note": "0855-7095-8123"}'
    assert leaks([_message(body)], SECRETS) != []


def test_a_nik_dressed_as_a_trace_header_is_still_a_leak() -> None:
    assert leaks([_message("{}", traceparent="3371015508900007")], SECRETS) != []
