"""Cases with its clients' data keys in a database apart: an erasure reaches the backups.

A backup of the cases database is modelled by what it holds of the two tables that matter: the
sealed personal data (``clients``) and any wrapped data keys (``client_keys``), read before the
erasure. With the keys apart such a backup holds no key, and once the key database has lost the
client's key nothing opens the backup's copy; with the keys beside the data it still opens.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from pilar_cases.app import create_app
from pilar_cases.domain import PersonalData
from pilar_cases.keyring import Keyring, Unreadable
from pilar_cases.settings import CasesSettings
from pilar_cases.store import Base, ClientKeyRow, ClientRow
from pilar_kit.db import create_engine, session_factory
from pilar_kit.natsserver import NatsServer
from pilar_kit.runtime import Runtime
from tests.api.cases_harness import (
    MAGELANG,
    NAME,
    NIK,
    PHONE,
    Service,
    case_body,
    cases,
    cases_settings,
    open_case,
)
from tests.api.harness import serving
from tests.api.test_cases_victims import flood, post, victim
from tests.conftest import fresh_postgres_database

pytestmark = pytest.mark.integration
__all__ = ["cases"]
REASON = {"reason": "pemutakhiran data oleh pekerja sosial"}
KEYRING = CasesSettings().keyring()  # the services under test run on the same (development) keys


@dataclass(frozen=True)
class Backup:
    """What a backup of the cases database holds of one client."""

    sealed: bytes
    wrapped_key: bytes | None


@pytest.fixture
async def key_database_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """A key database of the same kind as the cases database, apart from it."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'cases-keys.db'}"
        return
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def apart(
    database_url: str, key_database_url: str, nats_server: NatsServer, tmp_path: Path
) -> AsyncIterator[Service]:
    """The cases service with its keys in the key database."""
    settings = cases_settings(
        database_url, nats_server.url, tmp_path, key_database_url=key_database_url
    )
    async with serving(create_app, settings) as running:
        yield running


async def backup_of(runtime: Runtime, client_ref: str) -> Backup:
    """Read what a backup of the cases database would hold of a client."""
    async with runtime.transaction() as session:
        sealed = (await session.get(ClientRow, client_ref)).sealed  # type: ignore[union-attr]
        key = await session.get(ClientKeyRow, client_ref)
    return Backup(sealed, key.wrapped_key if key else None)


async def keys_in(url: str) -> int:
    """How many client keys a key database holds."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            count = await session.execute(select(func.count()).select_from(ClientKeyRow))
            return int(count.scalar_one())
    finally:
        await engine.dispose()


def opened(keyring: Keyring, backup: Backup, client_ref: str) -> PersonalData:
    """Open a backup's copy of a client's data with the key the backup holds."""
    if backup.wrapped_key is None:
        raise Unreadable("the backup holds no key")
    key = keyring.unwrap(backup.wrapped_key, client_ref)
    return PersonalData.from_bytes(Keyring.unseal(key, client_ref, backup.sealed))


async def _erase(http: httpx.AsyncClient, client_ref: str) -> None:
    url = f"/clients/{client_ref}/personal-data"
    assert (await http.delete(url, params=REASON, headers=MAGELANG)).status_code == 204


async def test_keys_live_only_in_the_key_database(apart: Service, key_database_url: str) -> None:
    http, runtime = apart
    case = await open_case(http)
    assert (await backup_of(runtime, case["client_ref"])).wrapped_key is None
    assert await keys_in(key_database_url) == 1
    read = await http.get(f"/cases/{case['id']}", params=REASON, headers=MAGELANG)
    assert read.json()["personal"]["display_name"] == NAME
    assert read.json()["personal"]["nik"] == NIK


async def test_an_erasure_leaves_a_backup_of_the_cases_database_unreadable(
    apart: Service, key_database_url: str
) -> None:
    http, runtime = apart
    case = await open_case(http)
    ref = case["client_ref"]
    backup = await backup_of(runtime, ref)
    await _erase(http, ref)
    assert await keys_in(key_database_url) == 0
    with pytest.raises(Unreadable):
        opened(KEYRING, backup, ref)
    assert NAME.encode() not in backup.sealed
    assert NIK.encode() not in backup.sealed
    read = await http.get(f"/cases/{case['id']}", params=REASON, headers=MAGELANG)
    assert read.json()["personal_erased"] is True


async def test_a_client_taken_in_again_after_an_erasure_gets_a_new_key(
    apart: Service, key_database_url: str
) -> None:
    http, _ = apart
    first = await open_case(http)
    await _erase(http, first["client_ref"])
    again = await open_case(http, pmks_category="PMKS-09")
    assert again["client_ref"] == first["client_ref"]
    assert await keys_in(key_database_url) == 1
    read = await http.get(f"/cases/{again['id']}", params=REASON, headers=MAGELANG)
    assert read.json()["personal"]["display_name"] == NAME


async def test_with_the_keys_beside_the_data_a_backup_still_opens(cases: Service) -> None:
    http, runtime = cases
    case = await open_case(http)
    ref = case["client_ref"]
    backup = await backup_of(runtime, ref)
    await _erase(http, ref)
    assert opened(KEYRING, backup, ref).display_name == NAME  # hence the key database


async def test_victims_registered_in_bulk_get_their_keys_in_the_key_database(
    apart: Service, key_database_url: str
) -> None:
    http, _ = apart
    disaster_id = await flood(http)
    result = await post(http, disaster_id, [victim(n) for n in range(1, 4)])
    assert len(result["cases"]) == 3
    assert await keys_in(key_database_url) == 3
    first = result["cases"][0]["case_id"]
    read = await http.get(f"/cases/{first}", params=REASON, headers=MAGELANG)
    assert read.json()["personal"]["display_name"] == "Korban Banjir 1"


async def _every_row(runtime: Runtime) -> str:
    """Every row of every table of the cases database, as text."""
    async with runtime.transaction() as session:
        rows = [
            str(row)
            for table in Base.metadata.sorted_tables
            for row in (await session.execute(select(table))).all()
        ]
    return "\n".join(rows)


async def test_after_an_erasure_no_table_or_file_holds_the_clients_identity(
    apart: Service, database_url: str, tmp_path: Path
) -> None:
    http, runtime = apart
    case = await open_case(http)
    read = await http.get(f"/cases/{case['id']}", params=REASON, headers=MAGELANG)
    assert read.json()["personal"]["phone"] == PHONE
    await _erase(http, case["client_ref"])
    plain = [NIK, NAME, PHONE, case_body()["kk"], case_body()["address"]]
    everything = await _every_row(runtime)
    assert case["client_ref"] in everything  # the scan does read the rows
    assert [p for p in plain if p in everything] == []
    if database_url.startswith("sqlite"):  # the files themselves, write-ahead logs included
        for path in tmp_path.glob("*.db*"):
            raw = path.read_bytes()
            assert [p for p in plain if p.encode() in raw] == [], path.name
