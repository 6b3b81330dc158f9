"""Reading personal data (always audited), erasing it (crypto-shredding), and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases.domain import Case, PersonalData, Referral, personal
from pilar_cases.domain.audit import AuditAction, AuditEntry
from pilar_cases.keyring import Keyring
from pilar_cases.store import Cases, Clients, Referrals, record
from pilar_cases.usecases.events import announce_many
from pilar_cases.usecases.scope import case_in_scope
from pilar_kit.auth import Principal
from pilar_kit.outbox import Outbox


@dataclass(frozen=True)
class CaseRead:
    """A case and, when a reason was given, its client's personal data (None once erased)."""

    case: Case
    referrals: list[Referral]
    personal: PersonalData | None = None
    personal_requested: bool = False


def audit_entry(
    action: AuditAction,
    who: Principal,
    now: datetime,
    reason: str,
    *,
    case_id: UUID | None = None,
    client_ref: str | None = None,
) -> AuditEntry:
    """An audit row for an act of ``who``."""
    return AuditEntry(
        action=action,
        actor=who.subject,
        role=who.role.value,
        at=now,
        reason=reason,
        case_id=case_id,
        client_ref=client_ref,
    )


async def read_case(
    session: AsyncSession,
    keyring: Keyring,
    *,
    case_id: UUID,
    who: Principal,
    reason: str | None,
    now: datetime,
) -> CaseRead:
    """Read a case; with a reason, also its client's personal data, writing an audit row."""
    case = await case_in_scope(session, case_id, who)
    referrals = await Referrals(session).of_case(case.id)
    if reason is None:
        return CaseRead(case, referrals)
    entry = audit_entry(AuditAction.READ_PERSONAL, who, now, reason, case_id=case.id)
    await record(session, entry)
    personal = await Clients(session, keyring).read(case.client_ref)
    return CaseRead(case, referrals, personal, personal_requested=True)


async def erase_personal_data(
    session: AsyncSession,
    keyring: Keyring,
    outbox: Outbox,
    *,
    client_ref: str,
    who: Principal,
    reason: str,
    now: datetime,
) -> None:
    """Shred a client's personal data; only an operator with one of its cases in scope may."""
    regions = [region for _, region in await Cases(session).of_client(client_ref)]
    if not any(who.can_access_region(region) for region in regions):
        raise LookupError(client_ref)  # 404: never confirm a client beyond one's region
    if await Clients(session, keyring).erase(client_ref, now):
        event = personal.erased(client_ref, now)
        staged = [(r, f"client/{client_ref}", event) for r in personal.erasure_regions(regions)]
        await announce_many(session, outbox, staged)
    entry = audit_entry(AuditAction.ERASE_PERSONAL, who, now, reason, client_ref=client_ref)
    await record(session, entry)
