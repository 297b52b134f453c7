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
RESERVATION_STATUS_UNSPECIFIED: ReservationStatus
RESERVATION_STATUS_HELD: ReservationStatus
RESERVATION_STATUS_DEBITED: ReservationStatus
RESERVATION_STATUS_RELEASED: ReservationStatus
RESERVATION_STATUS_EXPIRED: ReservationStatus
REFUND_DESTINATION_UNSPECIFIED: RefundDestination
REFUND_DESTINATION_PERSONAL_ACCOUNT: RefundDestination
REFUND_DESTINATION_FAMILY_POOL: RefundDestination
REFUND_DESTINATION_CREATOR_PERSONAL_ACCOUNT: RefundDestination

class ReservationLeg(_message.Message):
    __slots__ = ("source", "pool_id", "reserved_fen", "debited_fen", "refunded_fen", "shortfall_reason", "part")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FEN_FIELD_NUMBER: _ClassVar[int]
    DEBITED_FEN_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FEN_FIELD_NUMBER: _ClassVar[int]
    SHORTFALL_REASON_FIELD_NUMBER: _ClassVar[int]
    PART_FIELD_NUMBER: _ClassVar[int]
    source: _common_pb2.FundingSource
    pool_id: str
    reserved_fen: int
    debited_fen: int
    refunded_fen: int
    shortfall_reason: str
    part: _common_pb2.AccountPart
    def __init__(self, source: _Optional[_Union[_common_pb2.FundingSource, str]] = ..., pool_id: _Optional[str] = ..., reserved_fen: _Optional[int] = ..., debited_fen: _Optional[int] = ..., refunded_fen: _Optional[int] = ..., shortfall_reason: _Optional[str] = ..., part: _Optional[_Union[_common_pb2.AccountPart, str]] = ...) -> None: ...

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

class RefundPart(_message.Message):
    __slots__ = ("source", "destination", "amount_fen", "part", "pool_id", "psn_no")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    PART_FIELD_NUMBER: _ClassVar[int]
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    source: _common_pb2.FundingSource
    destination: RefundDestination
    amount_fen: int
    part: _common_pb2.AccountPart
    pool_id: str
    psn_no: str
    def __init__(self, source: _Optional[_Union[_common_pb2.FundingSource, str]] = ..., destination: _Optional[_Union[RefundDestination, str]] = ..., amount_fen: _Optional[int] = ..., part: _Optional[_Union[_common_pb2.AccountPart, str]] = ..., pool_id: _Optional[str] = ..., psn_no: _Optional[str] = ...) -> None: ...
