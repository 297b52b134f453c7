import datetime

from gongji.accounts.v1 import person_pb2 as _person_pb2
from gongji.accounts.v1 import pool_pb2 as _pool_pb2
from gongji.accounts.v1 import records_pb2 as _records_pb2
from gongji.common.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetPersonRequest(_message.Message):
    __slots__ = ("psn_no",)
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    psn_no: str
    def __init__(self, psn_no: _Optional[str] = ...) -> None: ...

class GetPersonResponse(_message.Message):
    __slots__ = ("person",)
    PERSON_FIELD_NUMBER: _ClassVar[int]
    person: _person_pb2.Person
    def __init__(self, person: _Optional[_Union[_person_pb2.Person, _Mapping]] = ...) -> None: ...

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
    pool: _pool_pb2.Pool
    def __init__(self, pool: _Optional[_Union[_pool_pb2.Pool, _Mapping]] = ...) -> None: ...

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
    invitation: _pool_pb2.Member
    def __init__(self, invitation: _Optional[_Union[_pool_pb2.Member, _Mapping]] = ...) -> None: ...

class AcceptInvitationRequest(_message.Message):
    __slots__ = ("request_id", "invitation_id", "member", "guardian")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    GUARDIAN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    invitation_id: str
    member: _person_pb2.Identity
    guardian: _person_pb2.Identity
    def __init__(self, request_id: _Optional[str] = ..., invitation_id: _Optional[str] = ..., member: _Optional[_Union[_person_pb2.Identity, _Mapping]] = ..., guardian: _Optional[_Union[_person_pb2.Identity, _Mapping]] = ...) -> None: ...

class AcceptInvitationResponse(_message.Message):
    __slots__ = ("pool",)
    POOL_FIELD_NUMBER: _ClassVar[int]
    pool: _pool_pb2.Pool
    def __init__(self, pool: _Optional[_Union[_pool_pb2.Pool, _Mapping]] = ...) -> None: ...

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
    invitation: _pool_pb2.Member
    def __init__(self, invitation: _Optional[_Union[_pool_pb2.Member, _Mapping]] = ...) -> None: ...

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
    pool: _pool_pb2.Pool
    def __init__(self, pool: _Optional[_Union[_pool_pb2.Pool, _Mapping]] = ...) -> None: ...

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
    pool: _pool_pb2.Pool
    returned_fen: int
    def __init__(self, pool: _Optional[_Union[_pool_pb2.Pool, _Mapping]] = ..., returned_fen: _Optional[int] = ...) -> None: ...

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
    pool: _pool_pb2.Pool
    def __init__(self, pool: _Optional[_Union[_pool_pb2.Pool, _Mapping]] = ...) -> None: ...

class CheckEligibilityRequest(_message.Message):
    __slots__ = ("creator_psn_no", "create_pool", "bind_member", "transfer", "on_date")
    class CreatePool(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class BindMember(_message.Message):
        __slots__ = ("member_name", "member_id_number", "relation")
        MEMBER_NAME_FIELD_NUMBER: _ClassVar[int]
        MEMBER_ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
        RELATION_FIELD_NUMBER: _ClassVar[int]
        member_name: str
        member_id_number: str
        relation: _common_pb2.Relation
        def __init__(self, member_name: _Optional[str] = ..., member_id_number: _Optional[str] = ..., relation: _Optional[_Union[_common_pb2.Relation, str]] = ...) -> None: ...
    class Transfer(_message.Message):
        __slots__ = ("amount_fen",)
        AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
        amount_fen: int
        def __init__(self, amount_fen: _Optional[int] = ...) -> None: ...
    CREATOR_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    CREATE_POOL_FIELD_NUMBER: _ClassVar[int]
    BIND_MEMBER_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    ON_DATE_FIELD_NUMBER: _ClassVar[int]
    creator_psn_no: str
    create_pool: CheckEligibilityRequest.CreatePool
    bind_member: CheckEligibilityRequest.BindMember
    transfer: CheckEligibilityRequest.Transfer
    on_date: str
    def __init__(self, creator_psn_no: _Optional[str] = ..., create_pool: _Optional[_Union[CheckEligibilityRequest.CreatePool, _Mapping]] = ..., bind_member: _Optional[_Union[CheckEligibilityRequest.BindMember, _Mapping]] = ..., transfer: _Optional[_Union[CheckEligibilityRequest.Transfer, _Mapping]] = ..., on_date: _Optional[str] = ...) -> None: ...

class CheckEligibilityResponse(_message.Message):
    __slots__ = ("eligible", "violations")
    ELIGIBLE_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    eligible: bool
    violations: _containers.RepeatedCompositeFieldContainer[_pool_pb2.Violation]
    def __init__(self, eligible: _Optional[bool] = ..., violations: _Optional[_Iterable[_Union[_pool_pb2.Violation, _Mapping]]] = ...) -> None: ...

class GetBalancesRequest(_message.Message):
    __slots__ = ("psn_no", "as_of")
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    psn_no: str
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, psn_no: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetBalancesResponse(_message.Message):
    __slots__ = ("psn_no", "personal", "pool_id", "pool")
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    PERSONAL_FIELD_NUMBER: _ClassVar[int]
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    POOL_FIELD_NUMBER: _ClassVar[int]
    psn_no: str
    personal: _records_pb2.AccountBalance
    pool_id: str
    pool: _records_pb2.AccountBalance
    def __init__(self, psn_no: _Optional[str] = ..., personal: _Optional[_Union[_records_pb2.AccountBalance, _Mapping]] = ..., pool_id: _Optional[str] = ..., pool: _Optional[_Union[_records_pb2.AccountBalance, _Mapping]] = ...) -> None: ...

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
    records: _containers.RepeatedCompositeFieldContainer[_records_pb2.TransactionRecord]
    next_page_token: str
    def __init__(self, records: _Optional[_Iterable[_Union[_records_pb2.TransactionRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetAnnualStatementRequest(_message.Message):
    __slots__ = ("psn_no", "year")
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    psn_no: str
    year: int
    def __init__(self, psn_no: _Optional[str] = ..., year: _Optional[int] = ...) -> None: ...

class GetAnnualStatementResponse(_message.Message):
    __slots__ = ("psn_no", "year", "period_start", "period_end", "current_year", "prior_years", "total")
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CURRENT_YEAR_FIELD_NUMBER: _ClassVar[int]
    PRIOR_YEARS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    psn_no: str
    year: int
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    current_year: _records_pb2.StatementLines
    prior_years: _records_pb2.StatementLines
    total: _records_pb2.StatementLines
    def __init__(self, psn_no: _Optional[str] = ..., year: _Optional[int] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., current_year: _Optional[_Union[_records_pb2.StatementLines, _Mapping]] = ..., prior_years: _Optional[_Union[_records_pb2.StatementLines, _Mapping]] = ..., total: _Optional[_Union[_records_pb2.StatementLines, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("payer_balance_fen", "journal_txn_id", "amount_fen")
    PAYER_BALANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    JOURNAL_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    payer_balance_fen: int
    journal_txn_id: str
    amount_fen: int
    def __init__(self, payer_balance_fen: _Optional[int] = ..., journal_txn_id: _Optional[str] = ..., amount_fen: _Optional[int] = ...) -> None: ...
