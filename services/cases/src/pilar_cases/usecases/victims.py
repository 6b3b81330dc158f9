"""Bulk registration of disaster victims (PMKS-21/22): check every row, register the good ones.

Checking is pure and happens before any transaction; registering runs one chunk per
transaction with bulk inserts. The same NIK posted again for the same disaster finds the case
it already has (one case per client and disaster), so a list can safely be posted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from pilar_cases import domain
from pilar_cases.domain import Case, Intake, PersonalData
from pilar_cases.domain.disasters import Disaster
from pilar_cases.keyring import Keyring
from pilar_cases.store import victims as store
from pilar_cases.usecases.events import announce_many
from pilar_cases.usecases.intake import identity_findings, intake_findings
from pilar_contracts.events.cases import CaseOpened
from pilar_contracts.events.fields import DisasterStatus
from pilar_contracts.reference.catalogue import hazard
from pilar_kit.auth import Principal
from pilar_kit.outbox import Outbox

VICTIM_CATEGORIES = frozenset({"PMKS-21", "PMKS-22"})


@dataclass(frozen=True)
class Victim:
    """One row that passed every check, with its position in what was posted."""

    index: int
    intake: Intake
    personal: PersonalData


@dataclass(frozen=True)
class Rejection:
    """A row refused: where it was (index from 0; CSV line from 1, header included) and why."""

    index: int
    line: int | None
    code: str
    message: str


@dataclass(frozen=True)
class Registered:
    """The case of a row: just opened (``created``) or found from an earlier post."""

    index: int
    case_id: UUID
    client_ref: str
    created: bool


def default_category(disaster: Disaster) -> str | None:
    """PMKS-22 for a social disaster, PMKS-21 for a natural one, None when the hazard is neither."""
    category = hazard(disaster.hazard).category
    return {"alam": "PMKS-21", "sosial": "PMKS-22"}.get(category or "")


def ensure_open(disaster: Disaster) -> None:
    """Refuse victims once the emergency status has ended."""
    if disaster.status is DisasterStatus.CLOSED:
        raise domain.CaseRuleBroken(
            "disaster_closed", "Status darurat bencana ini sudah berakhir; pendaftaran ditutup"
        )


def check_victim(
    victim: Victim, disaster: Disaster, who: Principal, today: date
) -> tuple[str, str] | None:
    """The first rule a victim row breaks, as (code, message), or None when it may go in."""
    intake, personal = victim.intake, victim.personal
    if intake.pmks_category not in VICTIM_CATEGORIES:
        return ("category_not_victim", "Korban bencana hanya PMKS-21 atau PMKS-22")
    errors, _ = identity_findings(personal, today)
    errors += intake_findings(intake)
    if errors:
        return (errors[0].code, errors[0].message)
    if not disaster.affects(intake.region):
        return ("region_outside_disaster", f"Wilayah {intake.region} tidak terdampak bencana ini")
    if not who.can_access_region(intake.region):
        return ("outside_scope", "Wilayah di luar kewenangan Anda")
    return None


async def register_chunk(
    session: AsyncSession,
    outbox: Outbox,
    keyring: Keyring,
    *,
    victims: list[Victim],
    disaster: Disaster,
    who: Principal,
    now: datetime,
) -> list[Registered]:
    """Register one chunk in the caller's transaction: new cases in bulk, known ones found."""
    refs = [keyring.client_ref(v.personal.nik) for v in victims]
    known = await store.cases_of_disaster(session, disaster.id, set(refs))
    results: list[Registered] = []
    opened: list[tuple[Case, CaseOpened, Victim]] = []
    for victim, ref in zip(victims, refs, strict=True):
        created = ref not in known
        if created:
            case, event = domain.open_case(
                victim.intake, case_id=uuid7(), client_ref=ref, by=who.subject, now=now
            )
            known[ref] = case.id
            opened.append((case, event, victim))
        results.append(Registered(victim.index, known[ref], ref, created=created))
    clients = [(c.client_ref, v.intake.client_kind, v.personal) for c, _, v in opened]
    await store.keep_clients(session, keyring, clients, now)
    await store.add_cases(session, [case for case, _, _ in opened])
    staged = [(c.region, f"case/{c.id}", event) for c, event, _ in opened]
    await announce_many(session, outbox, staged)
    return results
