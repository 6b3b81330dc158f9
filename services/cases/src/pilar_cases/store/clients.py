"""Sealed personal data of clients, each under its own wrapped data key (crypto-shredding)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases.domain import ClientKind, PersonalData
from pilar_cases.keyring import Keyring, Unreadable
from pilar_cases.store.keys import ClientKeys, KeysApart, KeysBeside, WrappedKey
from pilar_cases.store.tables import ClientRow

CLIENTS = ClientRow.metadata.tables[ClientRow.__tablename__]
_ADD_CLIENTS = CLIENTS.insert()  # built once, cache key kept


class Clients:
    """Clients' personal data in one session; plaintext exists only in memory, never in a row."""

    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self.session, self.keyring = session, keyring
        apart = keyring.key_database
        self.keys: ClientKeys = KeysApart(apart) if apart else KeysBeside(session)

    def _wrapped(self, client_ref: str, key: bytes, now: datetime) -> WrappedKey:
        """A client's data key, wrapped under the master key, as the key store keeps it."""
        wrapped = self.keyring.wrap(key, client_ref)
        return (client_ref, wrapped, self.keyring.master_key_id, now)

    async def _data_key(self, client_ref: str, now: datetime) -> bytes:
        """The data key of a known client, made again when an erasure destroyed it."""
        wrapped = await self.keys.get(client_ref)
        if wrapped is not None:
            return self.keyring.unwrap(wrapped, client_ref)
        key = self.keyring.new_data_key()
        await self.keys.add([self._wrapped(client_ref, key, now)])
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

        Two plain INSERTs (the keys, then the clients they open): no unit-of-work flush and no
        ORM bulk path, as the rows are not read back in this transaction.
        """
        rows, keys = [], []
        for ref, kind, personal in clients:
            key = self.keyring.new_data_key()
            sealed = self.keyring.seal(key, ref, personal.to_bytes())
            rows.append(
                {"client_ref": ref, "kind": kind.value, "sealed": sealed, "updated_at": now}
            )
            keys.append(self._wrapped(ref, key, now))
        if rows:
            await self.keys.add(keys)  # apart, committed first: no sealed data without its key
            await self.session.execute(_ADD_CLIENTS, rows)

    async def read(self, client_ref: str) -> PersonalData | None:
        """Open a client's personal data; None once erased (its key is gone)."""
        row = await self.session.get(ClientRow, client_ref)
        wrapped = await self.keys.get(client_ref) if row is not None else None
        if row is None or wrapped is None:
            return None
        try:
            key = self.keyring.unwrap(wrapped, client_ref)
            return PersonalData.from_bytes(self.keyring.unseal(key, client_ref, row.sealed))
        except Unreadable:
            return None

    async def erase(self, client_ref: str, now: datetime) -> bool:
        """Shred a client's personal data by deleting its key; False if it was already erased.

        With the keys apart the key is gone for good before this transaction commits; should
        the transaction fail, erasing again still records and announces the erasure.
        """
        row = await self.session.get(ClientRow, client_ref)
        if row is None:
            return False
        deleted = await self.keys.delete(client_ref)
        first = deleted or row.erased_at is None
        row.erased_at = now
        await self.session.flush()
        return first
