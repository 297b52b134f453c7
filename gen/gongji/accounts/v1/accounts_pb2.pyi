import datetime

from gongji.common.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PoolRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POOL_ROLE_UNSPECIFIED: _ClassVar[PoolRole]
    POOL_ROLE_CREATOR: _ClassVar[PoolRole]
    POOL_ROLE_MEMBER: _ClassVar[PoolRole]

class LifeEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIFE_EVENT_TYPE_UNSPECIFIED: _ClassVar[LifeEventType]
    LIFE_EVENT_TYPE_CHRONIC_DISEASE_BENEFIT_GRANTED: _ClassVar[LifeEventType]
    LIFE_EVENT_TYPE_INSURANCE_ENDED: _ClassVar[LifeEventType]
    LIFE_EVENT_TYPE_REGION_CHANGED: _ClassVar[LifeEventType]
    LIFE_EVENT_TYPE_RETIRED_CADRE_GRANTED: _ClassVar[LifeEventType]
    LIFE_EVENT_TYPE_DISABLED_VETERAN_GRANTED: _ClassVar[LifeEventType]
    LIFE_EVENT_TYPE_DIED: _ClassVar[LifeEventType]

class PoolStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POOL_STATUS_UNSPECIFIED: _ClassVar[PoolStatus]
    POOL_STATUS_ACTIVE: _ClassVar[PoolStatus]
    POOL_STATUS_DISSOLVED: _ClassVar[PoolStatus]

class MemberStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMBER_STATUS_UNSPECIFIED: _ClassVar[MemberStatus]
    MEMBER_STATUS_INVITED: _ClassVar[MemberStatus]
    MEMBER_STATUS_ACTIVE: _ClassVar[MemberStatus]
    MEMBER_STATUS_DECLINED: _ClassVar[MemberStatus]
    MEMBER_STATUS_REMOVED: _ClassVar[MemberStatus]
    MEMBER_STATUS_LEFT: _ClassVar[MemberStatus]
    MEMBER_STATUS_EXPIRED: _ClassVar[MemberStatus]

class EligibilityAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ELIGIBILITY_ACTION_UNSPECIFIED: _ClassVar[EligibilityAction]
    ELIGIBILITY_ACTION_CREATE_POOL: _ClassVar[EligibilityAction]
    ELIGIBILITY_ACTION_BIND_MEMBER: _ClassVar[EligibilityAction]
    ELIGIBILITY_ACTION_TRANSFER: _ClassVar[EligibilityAction]

class ReservationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESERVATION_STATUS_UNSPECIFIED: _ClassVar[ReservationStatus]
    RESERVATION_STATUS_HELD: _ClassVar[ReservationStatus]
    RESERVATION_STATUS_DEBITED: _ClassVar[ReservationStatus]
    RESERVATION_STATUS_RELEASED: _ClassVar[ReservationStatus]
    RESERVATION_STATUS_EXPIRED: _ClassVar[ReservationStatus]

class RefundDestination(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REFUND_DESTINATION_UNSPECIFIED: _ClassVar[RefundDestination]
    REFUND_DESTINATION_PERSONAL_ACCOUNT: _ClassVar[RefundDestination]
    REFUND_DESTINATION_FAMILY_POOL: _ClassVar[RefundDestination]
    REFUND_DESTINATION_CREATOR_PERSONAL_ACCOUNT: _ClassVar[RefundDestination]

class TransactionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSACTION_KIND_UNSPECIFIED: _ClassVar[TransactionKind]
    TRANSACTION_KIND_CONTRIBUTION: _ClassVar[TransactionKind]
    TRANSACTION_KIND_POOL_TRANSFER: _ClassVar[TransactionKind]
    TRANSACTION_KIND_PAYMENT: _ClassVar[TransactionKind]
    TRANSACTION_KIND_REFUND: _ClassVar[TransactionKind]
    TRANSACTION_KIND_POOL_RETURN: _ClassVar[TransactionKind]
    TRANSACTION_KIND_RESIDENT_PREMIUM: _ClassVar[TransactionKind]
POOL_ROLE_UNSPECIFIED: PoolRole
POOL_ROLE_CREATOR: PoolRole
POOL_ROLE_MEMBER: PoolRole
LIFE_EVENT_TYPE_UNSPECIFIED: LifeEventType
LIFE_EVENT_TYPE_CHRONIC_DISEASE_BENEFIT_GRANTED: LifeEventType
LIFE_EVENT_TYPE_INSURANCE_ENDED: LifeEventType
LIFE_EVENT_TYPE_REGION_CHANGED: LifeEventType
LIFE_EVENT_TYPE_RETIRED_CADRE_GRANTED: LifeEventType
LIFE_EVENT_TYPE_DISABLED_VETERAN_GRANTED: LifeEventType
LIFE_EVENT_TYPE_DIED: LifeEventType
POOL_STATUS_UNSPECIFIED: PoolStatus
POOL_STATUS_ACTIVE: PoolStatus
POOL_STATUS_DISSOLVED: PoolStatus
MEMBER_STATUS_UNSPECIFIED: MemberStatus
MEMBER_STATUS_INVITED: MemberStatus
MEMBER_STATUS_ACTIVE: MemberStatus
MEMBER_STATUS_DECLINED: MemberStatus
MEMBER_STATUS_REMOVED: MemberStatus
MEMBER_STATUS_LEFT: MemberStatus
MEMBER_STATUS_EXPIRED: MemberStatus
ELIGIBILITY_ACTION_UNSPECIFIED: EligibilityAction
ELIGIBILITY_ACTION_CREATE_POOL: EligibilityAction
ELIGIBILITY_ACTION_BIND_MEMBER: EligibilityAction
ELIGIBILITY_ACTION_TRANSFER: EligibilityAction
RESERVATION_STATUS_UNSPECIFIED: ReservationStatus
RESERVATION_STATUS_HELD: ReservationStatus
RESERVATION_STATUS_DEBITED: ReservationStatus
RESERVATION_STATUS_RELEASED: ReservationStatus
RESERVATION_STATUS_EXPIRED: ReservationStatus
REFUND_DESTINATION_UNSPECIFIED: RefundDestination
REFUND_DESTINATION_PERSONAL_ACCOUNT: RefundDestination
REFUND_DESTINATION_FAMILY_POOL: RefundDestination
REFUND_DESTINATION_CREATOR_PERSONAL_ACCOUNT: RefundDestination
TRANSACTION_KIND_UNSPECIFIED: TransactionKind
TRANSACTION_KIND_CONTRIBUTION: TransactionKind
TRANSACTION_KIND_POOL_TRANSFER: TransactionKind
TRANSACTION_KIND_PAYMENT: TransactionKind
TRANSACTION_KIND_REFUND: TransactionKind
TRANSACTION_KIND_POOL_RETURN: TransactionKind
TRANSACTION_KIND_RESIDENT_PREMIUM: TransactionKind

class Person(_message.Message):
    __slots__ = ("psn_no", "name_masked", "id_number_masked", "insurance_type", "region_code", "status", "chronic_disease_benefit", "retired_cadre", "disabled_veteran_level", "has_personal_account", "pool_id", "pool_role")
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    NAME_MASKED_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_MASKED_FIELD_NUMBER: _ClassVar[int]
    INSURANCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CHRONIC_DISEASE_BENEFIT_FIELD_NUMBER: _ClassVar[int]
    RETIRED_CADRE_FIELD_NUMBER: _ClassVar[int]
    DISABLED_VETERAN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    HAS_PERSONAL_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    POOL_ROLE_FIELD_NUMBER: _ClassVar[int]
    psn_no: str
    name_masked: str
    id_number_masked: str
    insurance_type: _common_pb2.InsuranceType
    region_code: str
    status: _common_pb2.PersonStatus
    chronic_disease_benefit: bool
    retired_cadre: bool
    disabled_veteran_level: int
    has_personal_account: bool
    pool_id: str
    pool_role: PoolRole
    def __init__(self, psn_no: _Optional[str] = ..., name_masked: _Optional[str] = ..., id_number_masked: _Optional[str] = ..., insurance_type: _Optional[_Union[_common_pb2.InsuranceType, str]] = ..., region_code: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.PersonStatus, str]] = ..., chronic_disease_benefit: _Optional[bool] = ..., retired_cadre: _Optional[bool] = ..., disabled_veteran_level: _Optional[int] = ..., has_personal_account: _Optional[bool] = ..., pool_id: _Optional[str] = ..., pool_role: _Optional[_Union[PoolRole, str]] = ...) -> None: ...

class RegisterPersonRequest(_message.Message):
    __slots__ = ("request_id", "psn_no", "name", "id_number", "insurance_type", "region_code", "chronic_disease_benefit", "retired_cadre", "disabled_veteran_level")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    INSURANCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    CHRONIC_DISEASE_BENEFIT_FIELD_NUMBER: _ClassVar[int]
    RETIRED_CADRE_FIELD_NUMBER: _ClassVar[int]
    DISABLED_VETERAN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    psn_no: str
    name: str
    id_number: str
    insurance_type: _common_pb2.InsuranceType
    region_code: str
    chronic_disease_benefit: bool
    retired_cadre: bool
    disabled_veteran_level: int
    def __init__(self, request_id: _Optional[str] = ..., psn_no: _Optional[str] = ..., name: _Optional[str] = ..., id_number: _Optional[str] = ..., insurance_type: _Optional[_Union[_common_pb2.InsuranceType, str]] = ..., region_code: _Optional[str] = ..., chronic_disease_benefit: _Optional[bool] = ..., retired_cadre: _Optional[bool] = ..., disabled_veteran_level: _Optional[int] = ...) -> None: ...

class RegisterPersonResponse(_message.Message):
    __slots__ = ("person",)
    PERSON_FIELD_NUMBER: _ClassVar[int]
    person: Person
    def __init__(self, person: _Optional[_Union[Person, _Mapping]] = ...) -> None: ...

class GetPersonRequest(_message.Message):
    __slots__ = ("psn_no",)
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    psn_no: str
    def __init__(self, psn_no: _Optional[str] = ...) -> None: ...

class GetPersonResponse(_message.Message):
    __slots__ = ("person",)
    PERSON_FIELD_NUMBER: _ClassVar[int]
    person: Person
    def __init__(self, person: _Optional[_Union[Person, _Mapping]] = ...) -> None: ...

class RecordLifeEventRequest(_message.Message):
    __slots__ = ("request_id", "psn_no", "event_type", "new_region_code", "disabled_veteran_level")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    NEW_REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    DISABLED_VETERAN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    psn_no: str
    event_type: LifeEventType
    new_region_code: str
    disabled_veteran_level: int
    def __init__(self, request_id: _Optional[str] = ..., psn_no: _Optional[str] = ..., event_type: _Optional[_Union[LifeEventType, str]] = ..., new_region_code: _Optional[str] = ..., disabled_veteran_level: _Optional[int] = ...) -> None: ...

class RecordLifeEventResponse(_message.Message):
    __slots__ = ("person", "dissolved_pool_id", "returned_fen", "left_pool_id")
    PERSON_FIELD_NUMBER: _ClassVar[int]
    DISSOLVED_POOL_ID_FIELD_NUMBER: _ClassVar[int]
    RETURNED_FEN_FIELD_NUMBER: _ClassVar[int]
    LEFT_POOL_ID_FIELD_NUMBER: _ClassVar[int]
    person: Person
    dissolved_pool_id: str
    returned_fen: int
    left_pool_id: str
    def __init__(self, person: _Optional[_Union[Person, _Mapping]] = ..., dissolved_pool_id: _Optional[str] = ..., returned_fen: _Optional[int] = ..., left_pool_id: _Optional[str] = ...) -> None: ...

class CreditPersonalAccountRequest(_message.Message):
    __slots__ = ("request_id", "psn_no", "amount_fen", "memo")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    psn_no: str
    amount_fen: int
    memo: str
    def __init__(self, request_id: _Optional[str] = ..., psn_no: _Optional[str] = ..., amount_fen: _Optional[int] = ..., memo: _Optional[str] = ...) -> None: ...

class CreditPersonalAccountResponse(_message.Message):
    __slots__ = ("balance_fen", "journal_txn_id")
    BALANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    JOURNAL_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    balance_fen: int
    journal_txn_id: str
    def __init__(self, balance_fen: _Optional[int] = ..., journal_txn_id: _Optional[str] = ...) -> None: ...

class Member(_message.Message):
    __slots__ = ("invitation_id", "psn_no", "name_masked", "relation", "status", "invited_at", "invitation_expires_at", "joined_at")
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    NAME_MASKED_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INVITED_AT_FIELD_NUMBER: _ClassVar[int]
    INVITATION_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    invitation_id: str
    psn_no: str
    name_masked: str
    relation: _common_pb2.Relation
    status: MemberStatus
    invited_at: _timestamp_pb2.Timestamp
    invitation_expires_at: _timestamp_pb2.Timestamp
    joined_at: _timestamp_pb2.Timestamp
    def __init__(self, invitation_id: _Optional[str] = ..., psn_no: _Optional[str] = ..., name_masked: _Optional[str] = ..., relation: _Optional[_Union[_common_pb2.Relation, str]] = ..., status: _Optional[_Union[MemberStatus, str]] = ..., invited_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., invitation_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., joined_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Pool(_message.Message):
    __slots__ = ("pool_id", "creator_psn_no", "status", "agreement_version", "balance_fen", "held_fen", "available_fen", "members", "created_at", "dissolved_at", "dissolution_reason")
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    CREATOR_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    HELD_FEN_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FEN_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DISSOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    DISSOLUTION_REASON_FIELD_NUMBER: _ClassVar[int]
    pool_id: str
    creator_psn_no: str
    status: PoolStatus
    agreement_version: str
    balance_fen: int
    held_fen: int
    available_fen: int
    members: _containers.RepeatedCompositeFieldContainer[Member]
    created_at: _timestamp_pb2.Timestamp
    dissolved_at: _timestamp_pb2.Timestamp
    dissolution_reason: str
    def __init__(self, pool_id: _Optional[str] = ..., creator_psn_no: _Optional[str] = ..., status: _Optional[_Union[PoolStatus, str]] = ..., agreement_version: _Optional[str] = ..., balance_fen: _Optional[int] = ..., held_fen: _Optional[int] = ..., available_fen: _Optional[int] = ..., members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dissolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dissolution_reason: _Optional[str] = ...) -> None: ...

class CreatePoolRequest(_message.Message):
    __slots__ = ("request_id", "creator_psn_no", "agreement_version")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CREATOR_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    creator_psn_no: str
    agreement_version: str
    def __init__(self, request_id: _Optional[str] = ..., creator_psn_no: _Optional[str] = ..., agreement_version: _Optional[str] = ...) -> None: ...

class CreatePoolResponse(_message.Message):
    __slots__ = ("pool",)
    POOL_FIELD_NUMBER: _ClassVar[int]
    pool: Pool
    def __init__(self, pool: _Optional[_Union[Pool, _Mapping]] = ...) -> None: ...

class InviteMemberRequest(_message.Message):
    __slots__ = ("request_id", "pool_id", "member_name", "member_id_number", "relation")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_NAME_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    pool_id: str
    member_name: str
    member_id_number: str
    relation: _common_pb2.Relation
    def __init__(self, request_id: _Optional[str] = ..., pool_id: _Optional[str] = ..., member_name: _Optional[str] = ..., member_id_number: _Optional[str] = ..., relation: _Optional[_Union[_common_pb2.Relation, str]] = ...) -> None: ...

class InviteMemberResponse(_message.Message):
    __slots__ = ("invitation",)
    INVITATION_FIELD_NUMBER: _ClassVar[int]
    invitation: Member
    def __init__(self, invitation: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class AcceptInvitationRequest(_message.Message):
    __slots__ = ("request_id", "invitation_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    invitation_id: str
    def __init__(self, request_id: _Optional[str] = ..., invitation_id: _Optional[str] = ...) -> None: ...

class AcceptInvitationResponse(_message.Message):
    __slots__ = ("pool",)
    POOL_FIELD_NUMBER: _ClassVar[int]
    pool: Pool
    def __init__(self, pool: _Optional[_Union[Pool, _Mapping]] = ...) -> None: ...

class DeclineInvitationRequest(_message.Message):
    __slots__ = ("request_id", "invitation_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    invitation_id: str
    def __init__(self, request_id: _Optional[str] = ..., invitation_id: _Optional[str] = ...) -> None: ...

class DeclineInvitationResponse(_message.Message):
    __slots__ = ("invitation",)
    INVITATION_FIELD_NUMBER: _ClassVar[int]
    invitation: Member
    def __init__(self, invitation: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class RemoveMemberRequest(_message.Message):
    __slots__ = ("request_id", "pool_id", "member_psn_no")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    pool_id: str
    member_psn_no: str
    def __init__(self, request_id: _Optional[str] = ..., pool_id: _Optional[str] = ..., member_psn_no: _Optional[str] = ...) -> None: ...

class RemoveMemberResponse(_message.Message):
    __slots__ = ("pool",)
    POOL_FIELD_NUMBER: _ClassVar[int]
    pool: Pool
    def __init__(self, pool: _Optional[_Union[Pool, _Mapping]] = ...) -> None: ...

class DissolvePoolRequest(_message.Message):
    __slots__ = ("request_id", "pool_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    pool_id: str
    def __init__(self, request_id: _Optional[str] = ..., pool_id: _Optional[str] = ...) -> None: ...

class DissolvePoolResponse(_message.Message):
    __slots__ = ("pool", "returned_fen")
    POOL_FIELD_NUMBER: _ClassVar[int]
    RETURNED_FEN_FIELD_NUMBER: _ClassVar[int]
    pool: Pool
    returned_fen: int
    def __init__(self, pool: _Optional[_Union[Pool, _Mapping]] = ..., returned_fen: _Optional[int] = ...) -> None: ...

class TransferToPoolRequest(_message.Message):
    __slots__ = ("request_id", "pool_id", "amount_fen")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    pool_id: str
    amount_fen: int
    def __init__(self, request_id: _Optional[str] = ..., pool_id: _Optional[str] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class TransferToPoolResponse(_message.Message):
    __slots__ = ("pool_balance_fen", "creator_balance_fen", "journal_txn_id")
    POOL_BALANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    CREATOR_BALANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    JOURNAL_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    pool_balance_fen: int
    creator_balance_fen: int
    journal_txn_id: str
    def __init__(self, pool_balance_fen: _Optional[int] = ..., creator_balance_fen: _Optional[int] = ..., journal_txn_id: _Optional[str] = ...) -> None: ...

class GetPoolRequest(_message.Message):
    __slots__ = ("pool_id", "psn_no")
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    pool_id: str
    psn_no: str
    def __init__(self, pool_id: _Optional[str] = ..., psn_no: _Optional[str] = ...) -> None: ...

class GetPoolResponse(_message.Message):
    __slots__ = ("pool",)
    POOL_FIELD_NUMBER: _ClassVar[int]
    pool: Pool
    def __init__(self, pool: _Optional[_Union[Pool, _Mapping]] = ...) -> None: ...

class CheckEligibilityRequest(_message.Message):
    __slots__ = ("action", "creator_psn_no", "member_name", "member_id_number", "relation", "amount_fen")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    CREATOR_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    MEMBER_NAME_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    action: EligibilityAction
    creator_psn_no: str
    member_name: str
    member_id_number: str
    relation: _common_pb2.Relation
    amount_fen: int
    def __init__(self, action: _Optional[_Union[EligibilityAction, str]] = ..., creator_psn_no: _Optional[str] = ..., member_name: _Optional[str] = ..., member_id_number: _Optional[str] = ..., relation: _Optional[_Union[_common_pb2.Relation, str]] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class Violation(_message.Message):
    __slots__ = ("reason", "message")
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    reason: str
    message: str
    def __init__(self, reason: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class CheckEligibilityResponse(_message.Message):
    __slots__ = ("eligible", "violations")
    ELIGIBLE_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    eligible: bool
    violations: _containers.RepeatedCompositeFieldContainer[Violation]
    def __init__(self, eligible: _Optional[bool] = ..., violations: _Optional[_Iterable[_Union[Violation, _Mapping]]] = ...) -> None: ...

class ReservationLeg(_message.Message):
    __slots__ = ("source", "pool_id", "reserved_fen", "debited_fen", "refunded_fen", "shortfall_reason")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FEN_FIELD_NUMBER: _ClassVar[int]
    DEBITED_FEN_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FEN_FIELD_NUMBER: _ClassVar[int]
    SHORTFALL_REASON_FIELD_NUMBER: _ClassVar[int]
    source: _common_pb2.FundingSource
    pool_id: str
    reserved_fen: int
    debited_fen: int
    refunded_fen: int
    shortfall_reason: str
    def __init__(self, source: _Optional[_Union[_common_pb2.FundingSource, str]] = ..., pool_id: _Optional[str] = ..., reserved_fen: _Optional[int] = ..., debited_fen: _Optional[int] = ..., refunded_fen: _Optional[int] = ..., shortfall_reason: _Optional[str] = ...) -> None: ...

class Reservation(_message.Message):
    __slots__ = ("reservation_id", "payer_psn_no", "status", "requested_fen", "reserved_fen", "uncovered_fen", "debited_fen", "refunded_fen", "legs", "expires_at", "fixmedins_code", "payer_personal_available_fen", "payer_pool_available_fen")
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    PAYER_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_FEN_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FEN_FIELD_NUMBER: _ClassVar[int]
    UNCOVERED_FEN_FIELD_NUMBER: _ClassVar[int]
    DEBITED_FEN_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FEN_FIELD_NUMBER: _ClassVar[int]
    LEGS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    FIXMEDINS_CODE_FIELD_NUMBER: _ClassVar[int]
    PAYER_PERSONAL_AVAILABLE_FEN_FIELD_NUMBER: _ClassVar[int]
    PAYER_POOL_AVAILABLE_FEN_FIELD_NUMBER: _ClassVar[int]
    reservation_id: str
    payer_psn_no: str
    status: ReservationStatus
    requested_fen: int
    reserved_fen: int
    uncovered_fen: int
    debited_fen: int
    refunded_fen: int
    legs: _containers.RepeatedCompositeFieldContainer[ReservationLeg]
    expires_at: _timestamp_pb2.Timestamp
    fixmedins_code: str
    payer_personal_available_fen: int
    payer_pool_available_fen: int
    def __init__(self, reservation_id: _Optional[str] = ..., payer_psn_no: _Optional[str] = ..., status: _Optional[_Union[ReservationStatus, str]] = ..., requested_fen: _Optional[int] = ..., reserved_fen: _Optional[int] = ..., uncovered_fen: _Optional[int] = ..., debited_fen: _Optional[int] = ..., refunded_fen: _Optional[int] = ..., legs: _Optional[_Iterable[_Union[ReservationLeg, _Mapping]]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fixmedins_code: _Optional[str] = ..., payer_personal_available_fen: _Optional[int] = ..., payer_pool_available_fen: _Optional[int] = ...) -> None: ...

class ReserveRequest(_message.Message):
    __slots__ = ("request_id", "payer_psn_no", "amount_fen", "sources", "hold_ttl_seconds", "all_or_nothing", "debit_immediately", "fixmedins_code", "description")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PAYER_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    HOLD_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ALL_OR_NOTHING_FIELD_NUMBER: _ClassVar[int]
    DEBIT_IMMEDIATELY_FIELD_NUMBER: _ClassVar[int]
    FIXMEDINS_CODE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    payer_psn_no: str
    amount_fen: int
    sources: _containers.RepeatedScalarFieldContainer[_common_pb2.FundingSource]
    hold_ttl_seconds: int
    all_or_nothing: bool
    debit_immediately: bool
    fixmedins_code: str
    description: str
    def __init__(self, request_id: _Optional[str] = ..., payer_psn_no: _Optional[str] = ..., amount_fen: _Optional[int] = ..., sources: _Optional[_Iterable[_Union[_common_pb2.FundingSource, str]]] = ..., hold_ttl_seconds: _Optional[int] = ..., all_or_nothing: _Optional[bool] = ..., debit_immediately: _Optional[bool] = ..., fixmedins_code: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ReserveResponse(_message.Message):
    __slots__ = ("reservation",)
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    reservation: Reservation
    def __init__(self, reservation: _Optional[_Union[Reservation, _Mapping]] = ...) -> None: ...

class DebitRequest(_message.Message):
    __slots__ = ("request_id", "reservation_id", "amount_fen")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    reservation_id: str
    amount_fen: int
    def __init__(self, request_id: _Optional[str] = ..., reservation_id: _Optional[str] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class DebitResponse(_message.Message):
    __slots__ = ("reservation",)
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    reservation: Reservation
    def __init__(self, reservation: _Optional[_Union[Reservation, _Mapping]] = ...) -> None: ...

class ReleaseRequest(_message.Message):
    __slots__ = ("request_id", "reservation_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    reservation_id: str
    def __init__(self, request_id: _Optional[str] = ..., reservation_id: _Optional[str] = ...) -> None: ...

class ReleaseResponse(_message.Message):
    __slots__ = ("reservation",)
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    reservation: Reservation
    def __init__(self, reservation: _Optional[_Union[Reservation, _Mapping]] = ...) -> None: ...

class RefundRequest(_message.Message):
    __slots__ = ("request_id", "reservation_id", "amount_fen")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    reservation_id: str
    amount_fen: int
    def __init__(self, request_id: _Optional[str] = ..., reservation_id: _Optional[str] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class RefundPart(_message.Message):
    __slots__ = ("source", "destination", "amount_fen")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    source: _common_pb2.FundingSource
    destination: RefundDestination
    amount_fen: int
    def __init__(self, source: _Optional[_Union[_common_pb2.FundingSource, str]] = ..., destination: _Optional[_Union[RefundDestination, str]] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class RefundResponse(_message.Message):
    __slots__ = ("reservation", "parts")
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    reservation: Reservation
    parts: _containers.RepeatedCompositeFieldContainer[RefundPart]
    def __init__(self, reservation: _Optional[_Union[Reservation, _Mapping]] = ..., parts: _Optional[_Iterable[_Union[RefundPart, _Mapping]]] = ...) -> None: ...

class GetReservationRequest(_message.Message):
    __slots__ = ("reservation_id",)
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    reservation_id: str
    def __init__(self, reservation_id: _Optional[str] = ...) -> None: ...

class GetReservationResponse(_message.Message):
    __slots__ = ("reservation",)
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    reservation: Reservation
    def __init__(self, reservation: _Optional[_Union[Reservation, _Mapping]] = ...) -> None: ...

class QuoteRequest(_message.Message):
    __slots__ = ("payer_psn_no", "amount_fen", "sources")
    PAYER_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    payer_psn_no: str
    amount_fen: int
    sources: _containers.RepeatedScalarFieldContainer[_common_pb2.FundingSource]
    def __init__(self, payer_psn_no: _Optional[str] = ..., amount_fen: _Optional[int] = ..., sources: _Optional[_Iterable[_Union[_common_pb2.FundingSource, str]]] = ...) -> None: ...

class QuoteResponse(_message.Message):
    __slots__ = ("legs", "uncovered_fen", "payer_personal_available_fen", "payer_pool_available_fen")
    LEGS_FIELD_NUMBER: _ClassVar[int]
    UNCOVERED_FEN_FIELD_NUMBER: _ClassVar[int]
    PAYER_PERSONAL_AVAILABLE_FEN_FIELD_NUMBER: _ClassVar[int]
    PAYER_POOL_AVAILABLE_FEN_FIELD_NUMBER: _ClassVar[int]
    legs: _containers.RepeatedCompositeFieldContainer[ReservationLeg]
    uncovered_fen: int
    payer_personal_available_fen: int
    payer_pool_available_fen: int
    def __init__(self, legs: _Optional[_Iterable[_Union[ReservationLeg, _Mapping]]] = ..., uncovered_fen: _Optional[int] = ..., payer_personal_available_fen: _Optional[int] = ..., payer_pool_available_fen: _Optional[int] = ...) -> None: ...

class FenceRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class FenceResponse(_message.Message):
    __slots__ = ("already_executed", "already_failed")
    ALREADY_EXECUTED_FIELD_NUMBER: _ClassVar[int]
    ALREADY_FAILED_FIELD_NUMBER: _ClassVar[int]
    already_executed: bool
    already_failed: bool
    def __init__(self, already_executed: _Optional[bool] = ..., already_failed: _Optional[bool] = ...) -> None: ...

class GetBalancesRequest(_message.Message):
    __slots__ = ("psn_no",)
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    psn_no: str
    def __init__(self, psn_no: _Optional[str] = ...) -> None: ...

class AccountBalance(_message.Message):
    __slots__ = ("balance_fen", "held_fen", "available_fen")
    BALANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    HELD_FEN_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FEN_FIELD_NUMBER: _ClassVar[int]
    balance_fen: int
    held_fen: int
    available_fen: int
    def __init__(self, balance_fen: _Optional[int] = ..., held_fen: _Optional[int] = ..., available_fen: _Optional[int] = ...) -> None: ...

class GetBalancesResponse(_message.Message):
    __slots__ = ("psn_no", "personal", "pool_id", "pool")
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    PERSONAL_FIELD_NUMBER: _ClassVar[int]
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    POOL_FIELD_NUMBER: _ClassVar[int]
    psn_no: str
    personal: AccountBalance
    pool_id: str
    pool: AccountBalance
    def __init__(self, psn_no: _Optional[str] = ..., personal: _Optional[_Union[AccountBalance, _Mapping]] = ..., pool_id: _Optional[str] = ..., pool: _Optional[_Union[AccountBalance, _Mapping]] = ...) -> None: ...

class TransactionRecord(_message.Message):
    __slots__ = ("journal_txn_id", "kind", "booked_at", "payer_psn_no", "fixmedins_code", "reservation_id", "total_fen", "split", "description")
    JOURNAL_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    BOOKED_AT_FIELD_NUMBER: _ClassVar[int]
    PAYER_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    FIXMEDINS_CODE_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FEN_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    journal_txn_id: str
    kind: TransactionKind
    booked_at: _timestamp_pb2.Timestamp
    payer_psn_no: str
    fixmedins_code: str
    reservation_id: str
    total_fen: int
    split: _containers.RepeatedCompositeFieldContainer[_common_pb2.SourceAmount]
    description: str
    def __init__(self, journal_txn_id: _Optional[str] = ..., kind: _Optional[_Union[TransactionKind, str]] = ..., booked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., payer_psn_no: _Optional[str] = ..., fixmedins_code: _Optional[str] = ..., reservation_id: _Optional[str] = ..., total_fen: _Optional[int] = ..., split: _Optional[_Iterable[_Union[_common_pb2.SourceAmount, _Mapping]]] = ..., description: _Optional[str] = ...) -> None: ...

class ListTransactionsRequest(_message.Message):
    __slots__ = ("psn_no", "pool_id", "page_size", "page_token")
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    psn_no: str
    pool_id: str
    page_size: int
    page_token: str
    def __init__(self, psn_no: _Optional[str] = ..., pool_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTransactionsResponse(_message.Message):
    __slots__ = ("records", "next_page_token")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[TransactionRecord]
    next_page_token: str
    def __init__(self, records: _Optional[_Iterable[_Union[TransactionRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class PayResidentPremiumRequest(_message.Message):
    __slots__ = ("request_id", "payer_psn_no", "beneficiary_psn_no", "relation", "amount_fen", "premium_year")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PAYER_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    BENEFICIARY_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    PREMIUM_YEAR_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    payer_psn_no: str
    beneficiary_psn_no: str
    relation: _common_pb2.Relation
    amount_fen: int
    premium_year: int
    def __init__(self, request_id: _Optional[str] = ..., payer_psn_no: _Optional[str] = ..., beneficiary_psn_no: _Optional[str] = ..., relation: _Optional[_Union[_common_pb2.Relation, str]] = ..., amount_fen: _Optional[int] = ..., premium_year: _Optional[int] = ...) -> None: ...

class PayResidentPremiumResponse(_message.Message):
    __slots__ = ("payer_balance_fen", "journal_txn_id")
    PAYER_BALANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    JOURNAL_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    payer_balance_fen: int
    journal_txn_id: str
    def __init__(self, payer_balance_fen: _Optional[int] = ..., journal_txn_id: _Optional[str] = ...) -> None: ...

class VerifyLedgerRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VerifyLedgerResponse(_message.Message):
    __slots__ = ("ok", "problems", "accounts_checked", "transactions_checked")
    OK_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    problems: _containers.RepeatedScalarFieldContainer[str]
    accounts_checked: int
    transactions_checked: int
    def __init__(self, ok: _Optional[bool] = ..., problems: _Optional[_Iterable[str]] = ..., accounts_checked: _Optional[int] = ..., transactions_checked: _Optional[int] = ...) -> None: ...
