"""Intake: open a case for a client, sealing their personal data and spotting repeat clients."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from pilar_cases import domain
from pilar_cases.domain import Case, CaseRuleBroken, Intake, PersonalData
from pilar_cases.keyring import Keyring
from pilar_cases.store import Cases, Clients
from pilar_cases.store.disasters import Disasters
from pilar_cases.store.victims import cases_of_disaster
from pilar_cases.usecases.events import announce
from pilar_contracts.identity import check_kk, check_nik
from pilar_contracts.reference.catalogue import pmks_category
from pilar_contracts.reference.regions import region_exists
from pilar_kit.auth import Principal
from pilar_kit.outbox import Outbox


@dataclass(frozen=True)
class Finding:
    """A broken rule (refusal) or a doubt (warning), for operators."""

    code: str
    message: str


class Refused(CaseRuleBroken):
    """An intake refused with every finding (HTTP 422)."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(findings[0].code, findings[0].message)
        self.findings = findings


@dataclass(frozen=True)
class Opened:
    """A new case, with warnings and the client's other cases the operator may see."""

    case: Case
    warnings: list[Finding] = field(default_factory=list)
    earlier_case_ids: list[UUID] = field(default_factory=list)


def intake_findings(intake: Intake) -> list[Finding]:
    findings = []
    if len(intake.region) < len("00.00") or not region_exists(intake.region):
        message = f"Kode wilayah {intake.region} tidak dikenal atau kurang rinci"
        findings.append(Finding("region_unknown", message))
    units = pmks_category(intake.pmks_category).units
    if not domain.kind_fits(intake.client_kind, units):
        message = f"{intake.pmks_category} berlaku untuk {', '.join(units)}, bukan klien jenis ini"
        findings.append(Finding("client_kind_mismatch", message))
    return findings


def identity_findings(personal: PersonalData, today: date) -> tuple[list[Finding], list[Finding]]:
    """NIK and KK: hard rules refuse, soft rules warn (DOMAIN.md 4)."""
    nik = check_nik(personal.nik, today=today, birth_date=personal.birth_date, sex=personal.sex)
    errors = [Finding(f.code, f.message) for f in nik.errors]
    warnings = [Finding(f.code, f.message) for f in nik.warnings]
    if personal.kk is not None:
        kk = check_kk(personal.kk, today=today)
        errors += [Finding(f"kk_{f.code}", f.message) for f in kk.errors]
        warnings += [Finding(f"kk_{f.code}", f.message) for f in kk.warnings]
    return errors, warnings


def _repeat_client(
    earlier: list[tuple[UUID, str]], who: Principal
) -> tuple[list[Finding], list[UUID]]:
    """Warn about the client's earlier cases; name only those within the operator's region."""
    if not earlier:
        return [], []
    visible = [case_id for case_id, region in earlier if who.can_access_region(region)]
    elsewhere = len(earlier) - len(visible)
    message = f"NIK ini sudah memiliki {len(earlier)} kasus ({elsewhere} di luar wilayah Anda)"
    return [Finding("client_known", message)], visible


async def _ensure_new_victim(session: AsyncSession, intake: Intake, client_ref: str) -> None:
    """A disaster victim names a known disaster that affects the region, once per client."""
    if intake.disaster_id is None:
        return
    disaster = await Disasters(session).get(intake.disaster_id)
    if disaster is None:
        raise Refused([Finding("disaster_unknown", "Bencana dengan id ini tidak dikenal")])
    if not disaster.affects(intake.region):
        message = f"Wilayah {intake.region} tidak terdampak bencana ini"
        raise Refused([Finding("region_outside_disaster", message)])
    known = await cases_of_disaster(session, disaster.id, {client_ref})
    if known:
        message = "Klien ini sudah terdaftar sebagai korban bencana ini"
        raise CaseRuleBroken("already_registered", message, case_id=str(known[client_ref]))


async def open_case(
    session: AsyncSession,
    outbox: Outbox,
    keyring: Keyring,
    *,
    intake: Intake,
    personal: PersonalData,
    who: Principal,
    now: datetime,
) -> Opened:
    """Open a case; refuse on hard rules, warn on soft rules and on a repeat client."""
    errors, warnings = identity_findings(personal, now.date())
    errors += intake_findings(intake)
    if errors:
        raise Refused(errors)
    client_ref = keyring.client_ref(personal.nik)
    await _ensure_new_victim(session, intake, client_ref)
    cases = Cases(session)
    earlier = await cases.of_client(client_ref)
    repeat, visible = _repeat_client(earlier, who)
    case, event = domain.open_case(
        intake, case_id=uuid7(), client_ref=client_ref, by=who.subject, now=now
    )
    clients = Clients(session, keyring)
    await clients.keep(client_ref, intake.client_kind, personal, now, known=bool(earlier))
    await cases.add(case)
    await announce(session, outbox, region=case.region, subject=f"case/{case.id}", events=[event])
    return Opened(case, warnings + repeat, visible)
