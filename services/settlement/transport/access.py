"""Who may call the settlement service: designated institutions, each as itself. The institution code is the
caller's identity — its client certificate's commonName, or the name its token is configured with — never a field
of the request."""

from __future__ import annotations

from gongji.settlement.v1 import settlement_pb2
from services.common.security import Caller, Identities
from services.settlement.config import INSTITUTION, Settings

SERVICE = settlement_pb2.DESCRIPTOR.services_by_name["SettlementService"]
ACCESS: dict[str, frozenset[str]] = {
    f"/{SERVICE.full_name}/{m.name}": frozenset({INSTITUTION}) for m in SERVICE.methods
}


def identities(settings: Settings) -> Identities:
    return Identities(
        certificates={code: INSTITUTION for code in settings.institutions},
        tokens={digest: Caller(code, INSTITUTION) for digest, code in settings.tokens.items()},
    )
