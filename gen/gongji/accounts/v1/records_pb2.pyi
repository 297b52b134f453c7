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

class TransactionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSACTION_KIND_UNSPECIFIED: _ClassVar[TransactionKind]
    TRANSACTION_KIND_CONTRIBUTION: _ClassVar[TransactionKind]
    TRANSACTION_KIND_POOL_TRANSFER: _ClassVar[TransactionKind]
    TRANSACTION_KIND_PAYMENT: _ClassVar[TransactionKind]
    TRANSACTION_KIND_REFUND: _ClassVar[TransactionKind]
    TRANSACTION_KIND_POOL_RETURN: _ClassVar[TransactionKind]
    TRANSACTION_KIND_RESIDENT_PREMIUM: _ClassVar[TransactionKind]
    TRANSACTION_KIND_CLEARING_PAYOUT: _ClassVar[TransactionKind]
    TRANSACTION_KIND_REFUND_REVERSAL: _ClassVar[TransactionKind]
    TRANSACTION_KIND_ROLLOVER: _ClassVar[TransactionKind]
TRANSACTION_KIND_UNSPECIFIED: TransactionKind
TRANSACTION_KIND_CONTRIBUTION: TransactionKind
TRANSACTION_KIND_POOL_TRANSFER: TransactionKind
TRANSACTION_KIND_PAYMENT: TransactionKind
TRANSACTION_KIND_REFUND: TransactionKind
TRANSACTION_KIND_POOL_RETURN: TransactionKind
TRANSACTION_KIND_RESIDENT_PREMIUM: TransactionKind
TRANSACTION_KIND_CLEARING_PAYOUT: TransactionKind
TRANSACTION_KIND_REFUND_REVERSAL: TransactionKind
TRANSACTION_KIND_ROLLOVER: TransactionKind

class AccountBalance(_message.Message):
    __slots__ = ("balance_fen", "held_fen", "available_fen", "current_year_fen", "prior_years_fen")
    BALANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    HELD_FEN_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FEN_FIELD_NUMBER: _ClassVar[int]
    CURRENT_YEAR_FEN_FIELD_NUMBER: _ClassVar[int]
    PRIOR_YEARS_FEN_FIELD_NUMBER: _ClassVar[int]
    balance_fen: int
    held_fen: int
    available_fen: int
    current_year_fen: int
    prior_years_fen: int
    def __init__(self, balance_fen: _Optional[int] = ..., held_fen: _Optional[int] = ..., available_fen: _Optional[int] = ..., current_year_fen: _Optional[int] = ..., prior_years_fen: _Optional[int] = ...) -> None: ...

class TransactionRecord(_message.Message):
    __slots__ = ("journal_txn_id", "kind", "booked_at", "payer_psn_no", "fixmedins_code", "reservation_id", "total_fen", "split", "description", "channel", "actor", "personal_balance_after", "pool_balance_after", "beneficiary_psn_no", "premium_year")
    JOURNAL_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    BOOKED_AT_FIELD_NUMBER: _ClassVar[int]
    PAYER_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    FIXMEDINS_CODE_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FEN_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    PERSONAL_BALANCE_AFTER_FIELD_NUMBER: _ClassVar[int]
    POOL_BALANCE_AFTER_FIELD_NUMBER: _ClassVar[int]
    BENEFICIARY_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    PREMIUM_YEAR_FIELD_NUMBER: _ClassVar[int]
    journal_txn_id: str
    kind: TransactionKind
    booked_at: _timestamp_pb2.Timestamp
    payer_psn_no: str
    fixmedins_code: str
    reservation_id: str
    total_fen: int
    split: _containers.RepeatedCompositeFieldContainer[_common_pb2.SourceAmount]
    description: str
    channel: str
    actor: str
    personal_balance_after: AccountBalance
    pool_balance_after: AccountBalance
    beneficiary_psn_no: str
    premium_year: int
    def __init__(self, journal_txn_id: _Optional[str] = ..., kind: _Optional[_Union[TransactionKind, str]] = ..., booked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., payer_psn_no: _Optional[str] = ..., fixmedins_code: _Optional[str] = ..., reservation_id: _Optional[str] = ..., total_fen: _Optional[int] = ..., split: _Optional[_Iterable[_Union[_common_pb2.SourceAmount, _Mapping]]] = ..., description: _Optional[str] = ..., channel: _Optional[str] = ..., actor: _Optional[str] = ..., personal_balance_after: _Optional[_Union[AccountBalance, _Mapping]] = ..., pool_balance_after: _Optional[_Union[AccountBalance, _Mapping]] = ..., beneficiary_psn_no: _Optional[str] = ..., premium_year: _Optional[int] = ...) -> None: ...

class StatementLines(_message.Message):
    __slots__ = ("opening_fen", "contributions_fen", "payments_fen", "transfers_to_pool_fen", "refunds_fen", "premiums_fen", "rollover_fen", "pool_returns_fen", "closing_fen")
    OPENING_FEN_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTIONS_FEN_FIELD_NUMBER: _ClassVar[int]
    PAYMENTS_FEN_FIELD_NUMBER: _ClassVar[int]
    TRANSFERS_TO_POOL_FEN_FIELD_NUMBER: _ClassVar[int]
    REFUNDS_FEN_FIELD_NUMBER: _ClassVar[int]
    PREMIUMS_FEN_FIELD_NUMBER: _ClassVar[int]
    ROLLOVER_FEN_FIELD_NUMBER: _ClassVar[int]
    POOL_RETURNS_FEN_FIELD_NUMBER: _ClassVar[int]
    CLOSING_FEN_FIELD_NUMBER: _ClassVar[int]
    opening_fen: int
    contributions_fen: int
    payments_fen: int
    transfers_to_pool_fen: int
    refunds_fen: int
    premiums_fen: int
    rollover_fen: int
    pool_returns_fen: int
    closing_fen: int
    def __init__(self, opening_fen: _Optional[int] = ..., contributions_fen: _Optional[int] = ..., payments_fen: _Optional[int] = ..., transfers_to_pool_fen: _Optional[int] = ..., refunds_fen: _Optional[int] = ..., premiums_fen: _Optional[int] = ..., rollover_fen: _Optional[int] = ..., pool_returns_fen: _Optional[int] = ..., closing_fen: _Optional[int] = ...) -> None: ...
