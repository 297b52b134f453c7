"""The one place that knows both protobuf and domain types of the accounts service: wire enums in, views out."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from gongji.accounts.v1 import payment_service_pb2, person_pb2, pool_pb2, records_pb2, reservation_pb2
from gongji.common.v1 import common_pb2 as cpb
from services.accounts.domain.model import InsuranceType, Part, Relation, Source
from services.accounts.domain.records import StatementLines
from services.accounts.domain.reservation import Leg, RefundPart
from services.accounts.views import (
    BalanceView,
    MemberView,
    PersonalBalanceView,
    PersonView,
    PoolView,
    QuoteView,
    RecordView,
    ReservationView,
)
from services.common.credentials import CertType
from services.common.errors import DomainError
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


def cert_type(v: int) -> CertType | None:
    return _from_pb(cpb.MdtrtCertType, "MDTRT_CERT_TYPE_", CertType, v)


def public_id(value: int | None) -> str:
    """Public ids are decimal strings; empty when there is none."""
    return str(value) if value else ""


def person(view: PersonView) -> person_pb2.Person:
    p = view.person
    return person_pb2.Person(
        psn_no=p.psn_no,
        name_masked=view.name_masked,
        id_number_masked=view.id_number_masked,
        insurance_type="INSURANCE_TYPE_" + p.insurance_type.value,
        region_code=p.region_code,
        status="PERSON_STATUS_" + p.status.value,
        chronic_disease_benefit=p.chronic_disease_benefit,
        retired_cadre=p.retired_cadre,
        disabled_veteran_level=p.disabled_veteran_level,
        has_personal_account=p.has_personal_account,
        pool_id=public_id(view.pool_id),
        pool_role="POOL_ROLE_" + (view.pool_role.value if view.pool_role else "UNSPECIFIED"),
    )


def member(m: MemberView) -> pool_pb2.Member:
    return pool_pb2.Member(
        invitation_id=m.invitation_id,
        psn_no=m.psn_no,
        name_masked=m.name_masked,
        relation="RELATION_" + m.relation.value,
        status="MEMBER_STATUS_" + m.status,
        invited_at=ts(m.invited_at),
        invitation_expires_at=ts(m.invitation_expires_at),
        joined_at=ts(m.joined_at),
        accepted_by="ACCEPTOR_" + (m.accepted_by.value if m.accepted_by else "UNSPECIFIED"),
        guardian_name_masked=m.guardian_name_masked,
    )


def pool(p: PoolView) -> pool_pb2.Pool:
    return pool_pb2.Pool(
        pool_id=str(p.pool_id),
        creator_psn_no=p.creator_psn_no,
        status="POOL_STATUS_" + p.status,
        agreement_version=p.agreement_version,
        balance_fen=p.balance_fen,
        held_fen=p.held_fen,
        available_fen=p.balance_fen - p.held_fen,
        members=[member(m) for m in p.members],
        created_at=ts(p.created_at),
        dissolved_at=ts(p.dissolved_at),
        dissolution_reason=p.dissolution_reason,
        paused=p.paused,
    )


def leg(g: Leg) -> reservation_pb2.ReservationLeg:
    return reservation_pb2.ReservationLeg(
        source="FUNDING_SOURCE_" + g.source.value,
        pool_id=public_id(g.pool_id),
        reserved_fen=g.reserved_fen,
        debited_fen=g.debited_fen,
        refunded_fen=g.refunded_fen,
        shortfall_reason=g.shortfall_reason,
        part=part(g.part),
    )


def reservation(view: ReservationView) -> reservation_pb2.Reservation:
    r = view.reservation
    return reservation_pb2.Reservation(
        reservation_id=public_id(r.id),
        payer_psn_no=r.payer_psn_no,
        status="RESERVATION_STATUS_" + r.status.value,
        requested_fen=r.requested_fen,
        reserved_fen=r.reserved_fen,
        uncovered_fen=r.uncovered_fen,
        debited_fen=r.debited_fen,
        refunded_fen=r.refunded_fen,
        legs=[leg(g) for g in r.legs],
        expires_at=ts(r.expires_at),
        fixmedins_code=r.fixmedins_code,
        payer_personal_available_fen=view.payer_personal_available_fen,
        payer_pool_available_fen=view.payer_pool_available_fen,
    )


def reserved_by(method: str, response: bytes) -> str:
    """The reservation a Reserve made, from its stored response; empty for any other call (Fence's answer)."""
    if method != "Reserve":
        return ""
    return str(payment_service_pb2.ReserveResponse.FromString(response).reservation.reservation_id)


def refund_parts(view: ReservationView) -> list[reservation_pb2.RefundPart]:
    return [refund_part(p) for p in view.refund_parts]


def refund_part(p: RefundPart) -> reservation_pb2.RefundPart:
    return reservation_pb2.RefundPart(
        source="FUNDING_SOURCE_" + p.source.value,
        destination="REFUND_DESTINATION_" + p.destination.value,
        amount_fen=p.amount_fen,
        pool_id=public_id(p.pool_id),
        psn_no=p.psn_no,
        part=part(p.part),
    )


def quote_legs(q: QuoteView) -> list[reservation_pb2.ReservationLeg]:
    return [leg(g) for g in q.legs]


def balance(b: BalanceView | PersonalBalanceView | None) -> records_pb2.AccountBalance | None:
    if b is None:
        return None
    out = records_pb2.AccountBalance(balance_fen=b.balance_fen, held_fen=b.held_fen, available_fen=b.available_fen)
    if isinstance(b, PersonalBalanceView):
        out.current_year_fen, out.prior_years_fen = b.current_year.balance_fen, b.prior_years.balance_fen
    return out


def booked(b: BalanceView | PersonalBalanceView | None) -> records_pb2.AccountBalance | None:
    """A balance as booked at some moment (after a record, or as of a time): no holds, so held_fen and
    available_fen stay 0."""
    if b is None:
        return None
    out = records_pb2.AccountBalance(balance_fen=b.balance_fen)
    if isinstance(b, PersonalBalanceView):
        out.current_year_fen, out.prior_years_fen = b.current_year.balance_fen, b.prior_years.balance_fen
    return out


_PARTS = {Part.CURRENT: "ACCOUNT_PART_CURRENT_YEAR", Part.PRIOR: "ACCOUNT_PART_PRIOR_YEARS"}


def part(p: Part | None) -> str:
    return _PARTS[p] if p else "ACCOUNT_PART_UNSPECIFIED"


def record(r: RecordView) -> records_pb2.TransactionRecord:
    channel, _, actor = r.booked_by.partition(":")
    return records_pb2.TransactionRecord(
        channel=channel,
        actor=actor,
        journal_txn_id=str(r.journal_txn_id),
        kind="TRANSACTION_KIND_" + r.kind,
        booked_at=ts(r.booked_at),
        payer_psn_no=r.psn_no if r.kind in ("PAYMENT", "REFUND", "RESIDENT_PREMIUM") else "",
        beneficiary_psn_no=r.beneficiary_psn_no,
        premium_year=r.premium_year,
        fixmedins_code=r.fixmedins_code,
        reservation_id=public_id(r.reservation_id),
        total_fen=r.total_fen,
        description=r.description,
        split=[
            cpb.SourceAmount(
                source="FUNDING_SOURCE_" + line.source.value,
                amount_fen=line.amount_fen,
                pool_id=public_id(line.pool_id),
                part=part(line.part),
                psn_no=line.psn_no,
            )
            for line in r.split
            if line.source is not None
        ],
        personal_balance_after=booked(r.personal_after),
        pool_balance_after=booked(r.pool_after),
    )


def statement_lines(s: StatementLines) -> records_pb2.StatementLines:
    return records_pb2.StatementLines(**{f: getattr(s, f) for f in s.__dataclass_fields__})


def violation(err: DomainError) -> pool_pb2.Violation:
    return pool_pb2.Violation(reason=err.reason.name, message=err.message)
