"""Sealed personal data of clients, each under its own wrapped data key (crypto-shredding)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases.domain import ClientKind, PersonalData
from pilar_cases.keyring import Keyring, Unreadable
from pilar_cases.store.tables import ClientKeyRow, ClientRow

CLIENTS = ClientRow.metadata.tables[ClientRow.__tablename__]
CLIENT_KEYS = ClientKeyRow.metadata.tables[ClientKeyRow.__tablename__]
_ADD_CLIENTS, _ADD_KEYS = CLIENTS.insert(), CLIENT_KEYS.insert()  # built once, cache key kept


class Clients:
    """Clients' personal data in one session; plaintext exists only in memory, never in a row."""

    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self.session, self.keyring = session, keyring

    def _stage_key(self, client_ref: str, key: bytes, now: datetime) -> None:
        """Stage a client's data key, wrapped under the master key."""
        self.session.add(
            ClientKeyRow(
                client_ref=client_ref,
                wrapped_key=self.keyring.wrap(key, client_ref),
                master_key_id=self.keyring.master_key_id,
                created_at=now,
            )
        )

    async def _data_key(self, client_ref: str, now: datetime) -> bytes:
        """The data key of a known client, made again when an erasure destroyed it."""
        row = await self.session.get(ClientKeyRow, client_ref)
        if row is not None:
            return self.keyring.unwrap(row.wrapped_key, client_ref)
        key = self.keyring.new_data_key()
        self._stage_key(client_ref, key, now)
        return key

    async def keep(
        self,
        client_ref: str,
        kind: ClientKind,
        personal: PersonalData,
        now: datetime,
        *,
        known: bool = True,
    ) -> None:
        """Seal and stage the latest personal data of a client (written at the next flush).

        ``known=False`` when the caller knows the client has no case yet: a client row is only
        ever written with a case, so there is none to look up.
        """
        plain = personal.to_bytes()
        row = await self.session.get(ClientRow, client_ref) if known else None
        if row is None:  # a new client: no key can exist yet, so none is looked up
            await self.add_new([(client_ref, kind, personal)], now)
            return
        key = await self._data_key(client_ref, now)
        row.kind, row.updated_at, row.erased_at = kind.value, now, None
        row.sealed = self.keyring.seal(key, client_ref, plain)

    async def add_new(
        self, clients: list[tuple[str, ClientKind, PersonalData]], now: datetime
    ) -> None:
        """Insert clients not yet known, each sealed under a fresh data key of its own.

        Two plain INSERTs (clients, then the keys that refer to them): no unit-of-work flush and
        no ORM bulk path, as the rows are not read back in this transaction.
        """
        rows, keys = [], []
        for ref, kind, personal in clients:
            key = self.keyring.new_data_key()
            sealed = self.keyring.seal(key, ref, personal.to_bytes())
            rows.append(
                {"client_ref": ref, "kind": kind.value, "sealed": sealed, "updated_at": now}
            )
            keys.append(
                {
                    "client_ref": ref,
                    "wrapped_key": self.keyring.wrap(key, ref),
                    "master_key_id": self.keyring.master_key_id,
                    "created_at": now,
                }
            )
        if rows:
            await self.session.execute(_ADD_CLIENTS, rows)
            await self.session.execute(_ADD_KEYS, keys)

    async def read(self, client_ref: str) -> PersonalData | None:
        """Open a client's personal data; None once erased (its key is gone)."""
        row = await self.session.get(ClientRow, client_ref)
        key_row = await self.session.get(ClientKeyRow, client_ref)
        if row is None or key_row is None:
            return None
        try:
            key = self.keyring.unwrap(key_row.wrapped_key, client_ref)
            return PersonalData.from_bytes(self.keyring.unseal(key, client_ref, row.sealed))
        except Unreadable:
            return None

    async def erase(self, client_ref: str, now: datetime) -> bool:
        """Shred a client's personal data by deleting its key; False if there was no key."""
        row = await self.session.get(ClientRow, client_ref)
        if row is None:
            return False
        result = await self.session.execute(
            delete(ClientKeyRow).where(ClientKeyRow.client_ref == client_ref)
        )
        row.erased_at = now
        await self.session.flush()
        return bool(getattr(result, "rowcount", 0))
