"""One parser per accounts request: reads every field, returns the frozen command of domain/commands.py, or raises
InvalidArgument listing every bad field at once."""

from __future__ import annotations

import datetime as dt
import re

from gongji.accounts.v1 import family_service_pb2 as family
from gongji.accounts.v1 import ledger_service_pb2 as ledger
from gongji.accounts.v1 import payment_service_pb2 as payment
from gongji.accounts.v1 import registry_service_pb2 as registry
from services.accounts.domain import commands as cmd
from services.accounts.domain.identity import is_valid_id_number
from services.accounts.domain.model import VETERAN_LEVELS, Acceptor, Change, LifeEvent, Person, PersonStatus, Source
from services.accounts.transport import convert as cv
from services.common import credentials
from services.common.credentials import Credential
from services.common.parsing import Fields

REGION = re.compile(r"^[0-9]{6}$")
BATCH_ITEMS = 64  # the most calls in one Batch (payment_service.proto): one group commit's (transport/batch.py)
SOURCES = "required: PERSONAL_ACCOUNT and/or FAMILY_POOL, each at most once, in the order to use them"

# ---------------------------------------------------------------- registry


def _id_number(f: Fields, value: str, field: str) -> str:
    f.check(is_valid_id_number(value), field, "must be an 18-character ID number with a valid check digit")
    return value


def register_person(r: registry.RegisterPersonRequest) -> cmd.RegisterPerson:
    f = Fields()
    f.request_id(r.request_id)
    person = Person(
        psn_no=f.psn_no(r.psn_no),
        insurance_type=f.required(
            cv.insurance_type(r.insurance_type), "insurance_type", "required: EMPLOYEE or RESIDENT"
        ),
        region_code=f.matches(r.region_code, REGION, "region_code", "required: 6 digits, e.g. 630100"),
        status=PersonStatus.ACTIVE,
        chronic_disease_benefit=r.chronic_disease_benefit,
        retired_cadre=r.retired_cadre,
        disabled_veteran_level=f.in_range(
            r.disabled_veteran_level, 0, VETERAN_LEVELS.stop - 1, "disabled_veteran_level", "0 (none) or 1..10"
        ),
    )
    return f.done(
        cmd.RegisterPerson(person, f.text(r.name, "name", 64, required=True), _id_number(f, r.id_number, "id_number"))
    )


_EVENTS = {
    "chronic_disease_benefit_granted": LifeEvent.CHRONIC_DISEASE_BENEFIT_GRANTED,
    "chronic_disease_benefit_revoked": LifeEvent.CHRONIC_DISEASE_BENEFIT_REVOKED,
    "insurance_ended": LifeEvent.INSURANCE_ENDED,
    "insurance_suspended": LifeEvent.INSURANCE_SUSPENDED,
    "insurance_resumed": LifeEvent.INSURANCE_RESUMED,
    "insurance_type_changed": LifeEvent.INSURANCE_TYPE_CHANGED,
    "region_changed": LifeEvent.REGION_CHANGED,
    "retired_cadre_granted": LifeEvent.RETIRED_CADRE_GRANTED,
    "retired_cadre_revoked": LifeEvent.RETIRED_CADRE_REVOKED,
    "disabled_veteran_granted": LifeEvent.DISABLED_VETERAN_GRANTED,
    "disabled_veteran_revoked": LifeEvent.DISABLED_VETERAN_REVOKED,
    "died": LifeEvent.DIED,
}


def record_life_event(r: registry.RecordLifeEventRequest) -> cmd.RecordLifeEvent:
    f = Fields()
    f.request_id(r.request_id)
    which = f.which(r.WhichOneof("event"), "event")
    change = Change(_EVENTS.get(which, LifeEvent.DIED))
    if which == "region_changed":
        region = f.matches(
            r.region_changed.new_region_code, REGION, "region_changed.new_region_code", "required: 6 digits"
        )
        change = Change(change.event, new_region_code=region)
    elif which == "disabled_veteran_granted":
        level = f.in_range(
            r.disabled_veteran_granted.level,
            VETERAN_LEVELS.start,
            VETERAN_LEVELS.stop - 1,
            "disabled_veteran_granted.level",
            "required: 1..10",
        )
        change = Change(change.event, veteran_level=level)
    elif which == "insurance_type_changed":
        new_type = f.required(
            cv.insurance_type(r.insurance_type_changed.new_insurance_type),
            "insurance_type_changed.new_insurance_type",
            "required: EMPLOYEE or RESIDENT",
        )
        change = Change(change.event, new_insurance_type=new_type)
    return f.done(cmd.RecordLifeEvent(f.psn_no(r.psn_no), change))


def credit_personal_account(r: registry.CreditPersonalAccountRequest) -> cmd.CreditPersonalAccount:
    f = Fields()
    f.request_id(r.request_id)
    return f.done(cmd.CreditPersonalAccount(f.psn_no(r.psn_no), f.fen(r.amount_fen), f.text(r.memo, "memo", 200)))


def roll_over_year(r: registry.RollOverYearRequest) -> cmd.RollOverYear:
    f = Fields()
    f.request_id(r.request_id)
    return f.done(
        cmd.RollOverYear(
            f.in_range(r.year, 2000, 2100, "year", "required, e.g. 2027"),
            f.in_range(r.max_accounts, 0, 10_000_000, "max_accounts", "0 (all) to 10,000,000"),
        )
    )


# ---------------------------------------------------------------- family pools


def person_ref(r: family.GetPersonRequest) -> cmd.PersonRef:
    f = Fields()
    return f.done(cmd.PersonRef(f.psn_no(r.psn_no)))


def get_balances(r: family.GetBalancesRequest) -> cmd.BalancesQuery:
    f = Fields()
    as_of = f.timestamp(r.as_of, "as_of") if r.HasField("as_of") else None
    return f.done(cmd.BalancesQuery(f.psn_no(r.psn_no), as_of))


def annual_statement(r: family.GetAnnualStatementRequest) -> cmd.AnnualStatement:
    f = Fields()
    return f.done(
        cmd.AnnualStatement(f.psn_no(r.psn_no), f.in_range(r.year, 2000, 2100, "year", "required, e.g. 2026"))
    )


def create_pool(r: family.CreatePoolRequest) -> cmd.CreatePool:
    f = Fields()
    f.request_id(r.request_id)
    return f.done(
        cmd.CreatePool(
            f.psn_no(r.creator_psn_no, "creator_psn_no"),
            f.text(r.agreement_version, "agreement_version", 32, required=True),
        )
    )


def invite_member(r: family.InviteMemberRequest) -> cmd.InviteMember:
    f = Fields()
    f.request_id(r.request_id)
    return f.done(
        cmd.InviteMember(
            f.id(r.pool_id, "pool_id"),
            f.text(r.member_name, "member_name", 64, required=True),
            _id_number(f, r.member_id_number, "member_id_number"),
            f.required(cv.relation(r.relation), "relation"),
        )
    )


INVITATION_ID = re.compile(r"[0-9a-f]{32}")


def _invitation_id(f: Fields, value: str) -> str:
    return f.matches(value, INVITATION_ID, "invitation_id", "required: the invitation id InviteMember returned")


def invitation_ref(r: family.DeclineInvitationRequest) -> cmd.InvitationRef:
    f = Fields()
    f.request_id(r.request_id)
    return f.done(cmd.InvitationRef(_invitation_id(f, r.invitation_id)))


_ACCEPTORS = {"member": Acceptor.MEMBER, "guardian": Acceptor.GUARDIAN}


def accept_invitation(r: family.AcceptInvitationRequest) -> cmd.AcceptInvitation:
    f = Fields()
    f.request_id(r.request_id)
    which = f.which(r.WhichOneof("acceptor"), "acceptor")
    who = r.guardian if which == "guardian" else r.member
    return f.done(
        cmd.AcceptInvitation(
            _invitation_id(f, r.invitation_id),
            _ACCEPTORS.get(which, Acceptor.MEMBER),
            f.text(who.name, f"{which}.name", 64, required=True) if which else "",
            _id_number(f, who.id_number, f"{which}.id_number") if which else "",
        )
    )


def remove_member(r: family.RemoveMemberRequest) -> cmd.RemoveMember:
    f = Fields()
    f.request_id(r.request_id)
    return f.done(cmd.RemoveMember(f.id(r.pool_id, "pool_id"), f.psn_no(r.member_psn_no, "member_psn_no")))


def dissolve_pool(r: family.DissolvePoolRequest) -> cmd.DissolvePool:
    f = Fields()
    f.request_id(r.request_id)
    return f.done(cmd.DissolvePool(f.id(r.pool_id, "pool_id")))


def transfer_to_pool(r: family.TransferToPoolRequest) -> cmd.TransferToPool:
    f = Fields()
    f.request_id(r.request_id)
    return f.done(cmd.TransferToPool(f.id(r.pool_id, "pool_id"), f.fen(r.amount_fen)))


def _pool_ref(f: Fields, which: str | None, pool_id: str, psn_no: str, field: str) -> cmd.PoolRef:
    """A required oneof of pool_id and psn_no."""
    chosen = f.which(which, field)
    if chosen == "pool_id":
        return cmd.PoolRef(pool_id=f.id(pool_id, "pool_id"))
    return cmd.PoolRef(psn_no=f.psn_no(psn_no) if chosen else "")


def get_pool(r: family.GetPoolRequest) -> cmd.PoolRef:
    f = Fields()
    return f.done(_pool_ref(f, r.WhichOneof("pool"), r.pool_id, r.psn_no, "pool"))


def check_eligibility(r: family.CheckEligibilityRequest) -> cmd.CheckEligibility:
    f = Fields()
    creator = f.psn_no(r.creator_psn_no, "creator_psn_no")
    which = f.which(r.WhichOneof("action"), "action")
    action: cmd.CreatePoolCheck | cmd.BindMemberCheck | cmd.TransferCheck = cmd.CreatePoolCheck()
    if which == "bind_member":
        b = r.bind_member
        action = cmd.BindMemberCheck(
            f.text(b.member_name, "bind_member.member_name", 64, required=True),
            _id_number(f, b.member_id_number, "bind_member.member_id_number"),
            f.required(cv.relation(b.relation), "bind_member.relation"),
        )
    elif which == "transfer":
        action = cmd.TransferCheck(f.fen(r.transfer.amount_fen, "transfer.amount_fen"))
    return f.done(cmd.CheckEligibility(creator, action, _day(f, r.on_date, "on_date") if r.on_date else None))


DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(f: Fields, value: str, field: str) -> dt.date | None:
    """A calendar day, YYYY-MM-DD, in the years policy can speak of (2000 to 2100)."""
    day = None
    if DAY.fullmatch(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            day = None
    f.check(day is not None and 2000 <= day.year <= 2100, field, "a day as YYYY-MM-DD (years 2000 to 2100), or empty")
    return day


def list_transactions(r: family.ListTransactionsRequest) -> cmd.ListTransactions:
    f = Fields()
    owner = _pool_ref(f, r.WhichOneof("owner"), r.pool_id, r.psn_no, "owner")
    before = f.id(r.page_token, "page_token") if r.page_token else None
    return f.done(cmd.ListTransactions(owner, before, f.page_size(r.page_size)))


def pay_resident_premium(r: family.PayResidentPremiumRequest) -> cmd.PayResidentPremium:
    f = Fields()
    f.request_id(r.request_id)
    return f.done(
        cmd.PayResidentPremium(
            f.psn_no(r.payer_psn_no, "payer_psn_no"),
            f.psn_no(r.beneficiary_psn_no, "beneficiary_psn_no"),
            f.required(cv.relation(r.relation), "relation"),
            f.fen(r.amount_fen, zero_ok=True),  # 0: the standard
            f.in_range(r.premium_year, 2000, 2100, "premium_year", "required, e.g. 2027"),
        )
    )


# ---------------------------------------------------------------- payments


def _sources(f: Fields, values: list[int]) -> tuple[Source, ...]:
    return tuple(f.each([cv.source(s) for s in values], "sources", SOURCES))


def _credential(f: Fields, c: payment.Credential) -> Credential:
    return credentials.read(
        f, cv.cert_type(c.mdtrt_cert_type), c.mdtrt_cert_no, "credential.mdtrt_cert_type", "credential.mdtrt_cert_no"
    )


def reserve(r: payment.ReserveRequest) -> cmd.Reserve:
    f = Fields()
    f.request_id(r.request_id)
    return f.done(
        cmd.Reserve(
            f.psn_no(r.payer_psn_no, "payer_psn_no"),
            f.fen(r.amount_fen),
            _sources(f, list(r.sources)),
            _credential(f, r.credential),
            f.in_range(r.hold_ttl_seconds, 0, 2**31 - 1, "hold_ttl_seconds", "must not be negative"),
            r.all_or_nothing,
            r.debit_immediately,
            f.text(r.fixmedins_code, "fixmedins_code", 32),
            f.text(r.description, "description", 200),
            _visit_region(f, r.mdtrtarea_admvs),
        )
    )


def _visit_region(f: Fields, value: str) -> str:
    if value:
        f.matches(value, REGION, "mdtrtarea_admvs", "6 digits, e.g. 630102, or empty")
    return value


def quote(r: payment.QuoteRequest) -> cmd.Quote:
    f = Fields()
    return f.done(
        cmd.Quote(
            f.psn_no(r.payer_psn_no, "payer_psn_no"),
            f.fen(r.amount_fen),
            _sources(f, list(r.sources)),
            _credential(f, r.credential),
            _visit_region(f, r.mdtrtarea_admvs),
        )
    )


def reservation_ref(r: payment.ReleaseRequest | payment.GetReservationRequest) -> cmd.ReservationRef:
    f = Fields()
    if isinstance(r, payment.ReleaseRequest):
        f.request_id(r.request_id)
    return f.done(cmd.ReservationRef(f.id(r.reservation_id, "reservation_id")))


def debit(r: payment.DebitRequest) -> cmd.Debit:
    f = Fields()
    f.request_id(r.request_id)
    return f.done(cmd.Debit(f.id(r.reservation_id, "reservation_id"), f.fen(r.amount_fen, zero_ok=True)))


def batch(r: payment.BatchRequest) -> list[payment.BatchItem]:
    f = Fields()
    f.check(0 < len(r.items) <= BATCH_ITEMS, "items", f"required: 1 to {BATCH_ITEMS} calls")
    return f.done(list(r.items))


def refund(r: payment.RefundRequest) -> cmd.Refund:
    f = Fields()
    f.request_id(r.request_id)
    return f.done(cmd.Refund(f.id(r.reservation_id, "reservation_id"), f.fen(r.amount_fen)))


def fence(r: payment.FenceRequest) -> cmd.Fence:
    f = Fields()
    return f.done(cmd.Fence(f.request_id(r.request_id)))


def reverse_refund(r: payment.ReverseRefundRequest) -> cmd.ReverseRefund:
    f = Fields()
    f.request_id(r.request_id)
    own = f.fen(r.personal_account_fen, "personal_account_fen", zero_ok=True)
    pool = f.fen(r.family_pool_fen, "family_pool_fen", zero_ok=True)
    f.check(own + pool > 0, "personal_account_fen", "required: personal_account_fen and/or family_pool_fen positive")
    return f.done(cmd.ReverseRefund(f.id(r.reservation_id, "reservation_id"), own, pool))


INSTITUTION = re.compile(r"^[A-Za-z0-9]{1,32}$")


def pay_out_clearing(r: payment.PayOutClearingRequest) -> cmd.PayOutClearing:
    f = Fields()
    f.request_id(r.request_id)
    return f.done(
        cmd.PayOutClearing(
            f.matches(r.fixmedins_code, INSTITUTION, "fixmedins_code", "required: 1-32 letters or digits"),
            f.text(r.period, "period", 64, required=True),
            f.fen(r.amount_fen),
        )
    )


def no_arguments(r: ledger.VerifyLedgerRequest) -> cmd.NoArguments:
    return cmd.NoArguments()
