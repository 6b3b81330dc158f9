"""Bulk writes of victim registration: one statement per table and chunk, not one per row."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases.domain import Case, ClientKind, PersonalData
from pilar_cases.keyring import Keyring
from pilar_cases.store.cases import case_values
from pilar_cases.store.clients import Clients
from pilar_cases.store.tables import CaseRow, ClientRow


async def cases_of_disaster(
    session: AsyncSession, disaster_id: UUID, client_refs: Collection[str]
) -> dict[str, UUID]:
    """The case id of each of these clients in the disaster, for those who have one."""
    if not client_refs:
        return {}
    query = select(CaseRow.client_ref, CaseRow.id).where(
        CaseRow.disaster_id == disaster_id, CaseRow.client_ref.in_(list(client_refs))
    )
    return {row.client_ref: row.id for row in (await session.execute(query)).all()}


async def keep_clients(
    session: AsyncSession,
    keyring: Keyring,
    clients: list[tuple[str, ClientKind, PersonalData]],
    now: datetime,
) -> None:
    """Seal each client's personal data; new clients in bulk, known ones one by one."""
    unique = {ref: (kind, personal) for ref, kind, personal in clients}
    if not unique:
        return
    query = select(ClientRow.client_ref).where(ClientRow.client_ref.in_(list(unique)))
    known = set((await session.execute(query)).scalars())
    for ref in known:  # a client with cases elsewhere keeps the key it has
        kind, personal = unique.pop(ref)
        await Clients(session, keyring).keep(ref, kind, personal, now)
    new = [(ref, kind, personal) for ref, (kind, personal) in unique.items()]
    await Clients(session, keyring).add_new(new, now)


async def add_cases(session: AsyncSession, cases: list[Case]) -> None:
    """Insert newly opened cases in one statement."""
    if cases:
        await session.execute(insert(CaseRow), [case_values(case) for case in cases])
