"""The one place that knows both protobuf and domain types of the accounts service."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from gongji.accounts.v1 import accounts_pb2 as pb
from gongji.common.v1 import common_pb2 as cpb
from services.accounts.domain.model import InsuranceType, LifeEvent, PersonStatus, Relation, Source
from services.accounts.views import (
    BalanceView,
    LegView,
    MemberView,
    PersonView,
    PoolView,
    RecordView,
    RefundPartView,
    ReservationView,
)
from services.common.errors import DomainError, Validator
from services.common.wire import ts

E = TypeVar("E", bound=StrEnum)


def _from_pb(pb_enum: EnumTypeWrapper, prefix: str, domain_enum: type[E], value: int) -> E | None:
    """A wire enum value as the domain enum; None for UNSPECIFIED or a value this build does not know."""
    if not value or value not in pb_enum.values():
        return None
    return domain_enum(pb_enum.Name(value).removeprefix(prefix))


def insurance_type(v: int) -> InsuranceType | None:
    return _from_pb(cpb.InsuranceType, "INSURANCE_TYPE_", InsuranceType, v)


def relation(v: int) -> Relation | None:
    return _from_pb(cpb.Relation, "RELATION_", Relation, v)


def source(v: int) -> Source | None:
    return _from_pb(cpb.FundingSource, "FUNDING_SOURCE_", Source, v)


def life_event(v: int) -> LifeEvent | None:
    return _from_pb(pb.LifeEventType, "LIFE_EVENT_TYPE_", LifeEvent, v)


def relation_pb(r: Relation) -> str:
    return "RELATION_" + r.value


def source_pb(s: Source) -> str:
    return "FUNDING_SOURCE_" + s.value


def person_status_pb(s: PersonStatus) -> str:
    return "PERSON_STATUS_" + s.value


def parse_id(v: Validator, value: str, field: str, required: bool = True) -> int | None:
    """Public ids are decimal strings of positive integers."""
    if not value and not required:
        return None
    v.check(value.isdigit() and 0 < len(value) <= 18 and int(value) > 0, field, "required: a decimal id")
    return int(value) if value.isdigit() and 0 < len(value) <= 18 else None


def person_pb(view: PersonView) -> pb.Person:
    p = view.person
    return pb.Person(
        psn_no=p.psn_no, name_masked=view.name_masked, id_number_masked=view.id_number_masked,
        insurance_type="INSURANCE_TYPE_" + p.insurance_type.value,
        region_code=p.region_code, status=person_status_pb(p.status),
        chronic_disease_benefit=p.chronic_disease_benefit, retired_cadre=p.retired_cadre,
        disabled_veteran_level=p.disabled_veteran_level, has_personal_account=p.has_personal_account,
        pool_id=str(view.pool_id) if view.pool_id else "",
        pool_role="POOL_ROLE_" + (view.pool_role or "UNSPECIFIED"))


def member_pb(m: MemberView) -> pb.Member:
    return pb.Member(invitation_id=str(m.invitation_id), psn_no=m.psn_no, name_masked=m.name_masked,
                     relation=relation_pb(m.relation), status="MEMBER_STATUS_" + m.status,
                     invited_at=ts(m.invited_at), invitation_expires_at=ts(m.invitation_expires_at),
                     joined_at=ts(m.joined_at))


def pool_pb(p: PoolView) -> pb.Pool:
    return pb.Pool(pool_id=str(p.pool_id), creator_psn_no=p.creator_psn_no,
                   status="POOL_STATUS_" + p.status, agreement_version=p.agreement_version,
                   balance_fen=p.balance_fen, held_fen=p.held_fen, available_fen=p.balance_fen - p.held_fen,
                   members=[member_pb(m) for m in p.members], created_at=ts(p.created_at),
                   dissolved_at=ts(p.dissolved_at), dissolution_reason=p.dissolution_reason)


def leg_pb(leg: LegView) -> pb.ReservationLeg:
    return pb.ReservationLeg(source=source_pb(leg.source), pool_id=str(leg.pool_id) if leg.pool_id else "",
                             reserved_fen=leg.reserved_fen, debited_fen=leg.debited_fen,
                             refunded_fen=leg.refunded_fen, shortfall_reason=leg.shortfall_reason)


def reservation_pb(r: ReservationView) -> pb.Reservation:
    return pb.Reservation(
        reservation_id=str(r.reservation_id), payer_psn_no=r.payer_psn_no,
        status="RESERVATION_STATUS_" + r.status, requested_fen=r.requested_fen,
        reserved_fen=r.reserved_fen, uncovered_fen=r.requested_fen - r.reserved_fen, debited_fen=r.debited_fen,
        refunded_fen=r.refunded_fen, legs=[leg_pb(leg) for leg in r.legs], expires_at=ts(r.expires_at),
        fixmedins_code=r.fixmedins_code, payer_personal_available_fen=r.payer_personal_available_fen,
        payer_pool_available_fen=r.payer_pool_available_fen)


def refund_part_pb(p: RefundPartView) -> pb.RefundPart:
    return pb.RefundPart(source=source_pb(p.source),
                         destination="REFUND_DESTINATION_" + p.destination,
                         amount_fen=p.amount_fen)


def balance_pb(b: BalanceView | None) -> pb.AccountBalance | None:
    if b is None:
        return None
    return pb.AccountBalance(balance_fen=b.balance_fen, held_fen=b.held_fen, available_fen=b.available_fen)


def record_pb(r: RecordView) -> pb.TransactionRecord:
    return pb.TransactionRecord(
        journal_txn_id=str(r.journal_txn_id), kind="TRANSACTION_KIND_" + r.kind,
        booked_at=ts(r.booked_at), payer_psn_no=r.psn_no if r.kind in ("PAYMENT", "REFUND") else "",
        fixmedins_code=r.fixmedins_code, reservation_id=str(r.reservation_id) if r.reservation_id else "",
        total_fen=r.total_fen, description=r.description,
        split=[cpb.SourceAmount(source=source_pb(s), amount_fen=amount,
                                pool_id=str(r.pool_id) if s is Source.FAMILY_POOL and r.pool_id else "")
               for s, amount in r.split])


def violation_pb(err: DomainError) -> pb.Violation:
    return pb.Violation(reason=err.reason, message=err.message)
