"""From domain verdicts to HTTP answers: 404, 409 or 422 with what was wrong."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, status

from pilar_kit.http import Rejected
from pilar_registry.domain import RegistryRuleBroken
from pilar_registry.store import ConcurrentChange
from pilar_registry.usecases import Refused

CONFLICTS = {"already_verified", "already_revoked", "same_operator", "deceased", "already_answered"}
NOT_FOUND = "PSKS tidak ditemukan"
INSTITUTION_NOT_FOUND = "Lembaga tidak ditemukan"


@contextmanager
def answered(not_found: str = NOT_FOUND) -> Iterator[None]:
    """Turn what the use cases refuse into clear 4xx answers."""
    try:
        yield
    except Refused as refused:
        details: dict[str, object] = {
            "findings": [{"code": f.code, "message": f.message} for f in refused.findings]
        }
        if refused.conflict_with:
            details["existing_id"] = str(refused.conflict_with)
        code = 409 if refused.conflict_with else 422
        raise Rejected(str(refused), code=refused.code, status=code, **details) from None
    except RegistryRuleBroken as broken:
        code = 409 if broken.code in CONFLICTS else 422
        raise Rejected(str(broken), code=broken.code, status=code) from None
    except ConcurrentChange:
        raise Rejected("Data PSKS berubah bersamaan; ulangi", code="conflict", status=409) from None
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, not_found) from None
