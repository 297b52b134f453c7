"""Who may call what on the accounts service: the roles, and each method's allowed roles (default deny). README's
"Security model" lists the same table; a test keeps every RPC of every accounts service in it."""

from __future__ import annotations

REGISTRY = "registry"  # the insurance registry's feed: people, life events, contributions
MEMBER_SERVICE = "member-service"  # the APP and the service counter: pools, invitations, transfers, premiums, queries
SETTLEMENT = "settlement"  # the settlement service, and nothing else, moves money for payments
AUDITOR = "auditor"  # read-only: ledger verification and records
ROLES = frozenset({REGISTRY, MEMBER_SERVICE, SETTLEMENT, AUDITOR})

_REGISTRY = "/gongji.accounts.v1.RegistryService/"
_FAMILY = "/gongji.accounts.v1.FamilyService/"
_PAYMENT = "/gongji.accounts.v1.PaymentService/"
_LEDGER = "/gongji.accounts.v1.LedgerService/"


def _allow(prefix: str, methods: str, *roles: str) -> dict[str, frozenset[str]]:
    return {prefix + m: frozenset(roles) for m in methods.split()}


ACCESS: dict[str, frozenset[str]] = {
    **_allow(_REGISTRY, "RegisterPerson RecordLifeEvent CreditPersonalAccount RollOverYear", REGISTRY),
    **_allow(
        _FAMILY,
        "CreatePool InviteMember AcceptInvitation DeclineInvitation RemoveMember DissolvePool "
        "TransferToPool PayResidentPremium",
        MEMBER_SERVICE,
    ),
    **_allow(
        _FAMILY,
        "GetPerson GetPool CheckEligibility GetBalances ListTransactions GetAnnualStatement",
        MEMBER_SERVICE,
        AUDITOR,
    ),
    **_allow(_PAYMENT, "Reserve Debit Release Batch Refund Quote Fence PayOutClearing ReverseRefund", SETTLEMENT),
    **_allow(_PAYMENT, "GetReservation", SETTLEMENT, AUDITOR),
    **_allow(_LEDGER, "VerifyLedger", AUDITOR),
}

# Who did it: the channel each role acts in, and the channels a role may say it acts for (x-gongji-on-behalf-of):
# the member service for the APP or the counter, the settlement service for an institution or its recovery worker.
OWN_CHANNEL = {
    REGISTRY: "REGISTRY_FEED",
    MEMBER_SERVICE: "MEMBER_SERVICE",
    SETTLEMENT: "SETTLEMENT",
    AUDITOR: "AUDITOR",
}
DELEGATED = {MEMBER_SERVICE: frozenset({"APP", "COUNTER"}), SETTLEMENT: frozenset({"INSTITUTION", "RECOVERY"})}
