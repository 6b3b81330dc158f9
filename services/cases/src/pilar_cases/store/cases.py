"""Repository of cases: explicit mapping between rows and the domain."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import ColumnElement, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases.domain import Assessment, Case, CaseStatus, ClientKind, Consent, RiskLevel, Stage
from pilar_cases.store.tables import CaseRow
from pilar_contracts.events.fields import Urgency
from pilar_kit.auth import region_within

CASES = CaseRow.metadata.tables[CaseRow.__tablename__]
# Built once: every intake runs both, and a statement object remembers its cache key
_ADD = CASES.insert()
_OF_CLIENT = (
    select(CASES.c.id, CASES.c.region)
    .where(CASES.c.client_ref == bindparam("client_ref"))
    .order_by(CASES.c.opened_at, CASES.c.id)
)


@dataclass(frozen=True)
class CaseSearch:
    """What an operator asks of the case list: a region (within theirs), filters and a page."""

    region: str
    stage: str | None = None
    status: str | None = None
    pmks_category: str | None = None
    urgency: str | None = None
    disaster_id: UUID | None = None
    after: UUID | None = None  # the cursor: list what comes after it, i.e. older cases
    limit: int = 50


class ConcurrentChange(RuntimeError):  # noqa: N818
    """Another transaction changed the record first (optimistic concurrency)."""


def case_of(row: CaseRow) -> Case:
    """Map a case row to the domain."""
    return Case(
        id=row.id,
        client_ref=row.client_ref,
        client_kind=ClientKind(row.client_kind),
        pmks_category=row.pmks_category,
        region=row.region,
        urgency=Urgency(row.urgency),
        consent=Consent(row.consent_given, row.consent_by, row.consent_at),
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        stage=Stage(row.stage),
        status=CaseStatus(row.status),
        disaster_id=row.disaster_id,
        outcome=row.outcome,
        closed_at=row.closed_at,
        assessment=_assessment_of(row),
        version=row.version,
    )


def _assessment_of(row: CaseRow) -> Assessment | None:
    if row.risk_level is None or row.assessed_by is None or row.assessed_at is None:
        return None
    needs = tuple(str(need) for need in row.needs or ())
    return Assessment(needs, RiskLevel(row.risk_level), row.assessed_by, row.assessed_at)


def _mutable(case: Case) -> dict[str, object]:
    assessment = case.assessment
    return {
        "needs": list(assessment.needs) if assessment else None,
        "risk_level": assessment.risk_level.value if assessment else None,
        "assessed_by": assessment.assessed_by if assessment else None,
        "assessed_at": assessment.assessed_at if assessment else None,
        "stage": case.stage.value,
        "status": case.status.value,
        "consent_given": case.consent.given,
        "consent_by": case.consent.recorded_by,
        "consent_at": case.consent.recorded_at,
        "outcome": case.outcome,
        "closed_at": case.closed_at,
    }


def case_values(case: Case) -> dict[str, object]:
    """The column values of a newly opened case."""
    return {
        "id": case.id,
        "client_ref": case.client_ref,
        "client_kind": case.client_kind.value,
        "pmks_category": case.pmks_category,
        "region": case.region,
        "urgency": case.urgency.value,
        "disaster_id": case.disaster_id,
        "opened_by": case.opened_by,
        "opened_at": case.opened_at,
        "version": case.version,
        **_mutable(case),
    }


class Cases:
    """Cases in one session (one unit of work)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, case_id: UUID) -> Case | None:
        """Load a case, or None."""
        row = await self.session.get(CaseRow, case_id)
        return case_of(row) if row else None

    async def of_client(self, client_ref: str) -> list[tuple[UUID, str]]:
        """Every case of a client, as (case id, region), oldest first."""
        rows = await self.session.execute(_OF_CLIENT, {"client_ref": client_ref})
        return [(row.id, row.region) for row in rows.all()]

    async def add(self, case: Case) -> None:
        """Insert a newly opened case (a plain INSERT: no unit-of-work flush, no ORM bulk path)."""
        await self.session.execute(_ADD, [case_values(case)])

    async def save(self, case: Case) -> None:
        """Write the mutable state; refuse if someone changed the case since it was loaded."""
        result = await self.session.execute(
            update(CaseRow)
            .where(CaseRow.id == case.id, CaseRow.version == case.version)
            .values(**_mutable(case), version=case.version + 1)
        )
        if getattr(result, "rowcount", 0) != 1:
            raise ConcurrentChange(case.id)

    async def page(self, search: CaseSearch) -> list[Case]:
        """One page of cases, newest first (ids are time-ordered UUIDv7)."""
        query = (
            select(CaseRow)
            .where(*_conditions(search))
            .order_by(CaseRow.id.desc())
            .limit(search.limit)
        )
        return [case_of(row) for row in (await self.session.execute(query)).scalars()]


def _conditions(search: CaseSearch) -> list[ColumnElement[bool]]:
    conditions = [region_within(CaseRow.region, search.region)]
    for column, value in (
        (CaseRow.stage, search.stage),
        (CaseRow.status, search.status),
        (CaseRow.pmks_category, search.pmks_category),
        (CaseRow.urgency, search.urgency),
        (CaseRow.disaster_id, search.disaster_id),
    ):
        if value is not None:
            conditions.append(column == value)
    if search.after is not None:
        conditions.append(CaseRow.id < search.after)  # newest first: older ids come after
    return conditions
