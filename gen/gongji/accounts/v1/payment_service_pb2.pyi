from gongji.accounts.v1 import reservation_pb2 as _reservation_pb2
from gongji.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Credential(_message.Message):
    __slots__ = ("mdtrt_cert_type", "mdtrt_cert_no")
    MDTRT_CERT_TYPE_FIELD_NUMBER: _ClassVar[int]
    MDTRT_CERT_NO_FIELD_NUMBER: _ClassVar[int]
    mdtrt_cert_type: _common_pb2.MdtrtCertType
    mdtrt_cert_no: str
    def __init__(self, mdtrt_cert_type: _Optional[_Union[_common_pb2.MdtrtCertType, str]] = ..., mdtrt_cert_no: _Optional[str] = ...) -> None: ...

class ReserveRequest(_message.Message):
    __slots__ = ("request_id", "payer_psn_no", "amount_fen", "sources", "hold_ttl_seconds", "all_or_nothing", "debit_immediately", "fixmedins_code", "description", "credential", "mdtrtarea_admvs")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PAYER_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    HOLD_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ALL_OR_NOTHING_FIELD_NUMBER: _ClassVar[int]
    DEBIT_IMMEDIATELY_FIELD_NUMBER: _ClassVar[int]
    FIXMEDINS_CODE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    MDTRTAREA_ADMVS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    payer_psn_no: str
    amount_fen: int
    sources: _containers.RepeatedScalarFieldContainer[_common_pb2.FundingSource]
    hold_ttl_seconds: int
    all_or_nothing: bool
    debit_immediately: bool
    fixmedins_code: str
    description: str
    credential: Credential
    mdtrtarea_admvs: str
    def __init__(self, request_id: _Optional[str] = ..., payer_psn_no: _Optional[str] = ..., amount_fen: _Optional[int] = ..., sources: _Optional[_Iterable[_Union[_common_pb2.FundingSource, str]]] = ..., hold_ttl_seconds: _Optional[int] = ..., all_or_nothing: _Optional[bool] = ..., debit_immediately: _Optional[bool] = ..., fixmedins_code: _Optional[str] = ..., description: _Optional[str] = ..., credential: _Optional[_Union[Credential, _Mapping]] = ..., mdtrtarea_admvs: _Optional[str] = ...) -> None: ...

class ReserveResponse(_message.Message):
    __slots__ = ("reservation",)
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    reservation: _reservation_pb2.Reservation
    def __init__(self, reservation: _Optional[_Union[_reservation_pb2.Reservation, _Mapping]] = ...) -> None: ...

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
    reservation: _reservation_pb2.Reservation
    def __init__(self, reservation: _Optional[_Union[_reservation_pb2.Reservation, _Mapping]] = ...) -> None: ...

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
    reservation: _reservation_pb2.Reservation
    def __init__(self, reservation: _Optional[_Union[_reservation_pb2.Reservation, _Mapping]] = ...) -> None: ...

class RefundRequest(_message.Message):
    __slots__ = ("request_id", "reservation_id", "amount_fen")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    reservation_id: str
    amount_fen: int
    def __init__(self, request_id: _Optional[str] = ..., reservation_id: _Optional[str] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class RefundResponse(_message.Message):
    __slots__ = ("reservation", "parts")
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    reservation: _reservation_pb2.Reservation
    parts: _containers.RepeatedCompositeFieldContainer[_reservation_pb2.RefundPart]
    def __init__(self, reservation: _Optional[_Union[_reservation_pb2.Reservation, _Mapping]] = ..., parts: _Optional[_Iterable[_Union[_reservation_pb2.RefundPart, _Mapping]]] = ...) -> None: ...

class GetReservationRequest(_message.Message):
    __slots__ = ("reservation_id",)
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    reservation_id: str
    def __init__(self, reservation_id: _Optional[str] = ...) -> None: ...

class GetReservationResponse(_message.Message):
    __slots__ = ("reservation",)
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    reservation: _reservation_pb2.Reservation
    def __init__(self, reservation: _Optional[_Union[_reservation_pb2.Reservation, _Mapping]] = ...) -> None: ...

class QuoteRequest(_message.Message):
    __slots__ = ("payer_psn_no", "amount_fen", "sources", "credential", "mdtrtarea_admvs")
    PAYER_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    MDTRTAREA_ADMVS_FIELD_NUMBER: _ClassVar[int]
    payer_psn_no: str
    amount_fen: int
    sources: _containers.RepeatedScalarFieldContainer[_common_pb2.FundingSource]
    credential: Credential
    mdtrtarea_admvs: str
    def __init__(self, payer_psn_no: _Optional[str] = ..., amount_fen: _Optional[int] = ..., sources: _Optional[_Iterable[_Union[_common_pb2.FundingSource, str]]] = ..., credential: _Optional[_Union[Credential, _Mapping]] = ..., mdtrtarea_admvs: _Optional[str] = ...) -> None: ...

class QuoteResponse(_message.Message):
    __slots__ = ("legs", "uncovered_fen", "payer_personal_available_fen", "payer_pool_available_fen")
    LEGS_FIELD_NUMBER: _ClassVar[int]
    UNCOVERED_FEN_FIELD_NUMBER: _ClassVar[int]
    PAYER_PERSONAL_AVAILABLE_FEN_FIELD_NUMBER: _ClassVar[int]
    PAYER_POOL_AVAILABLE_FEN_FIELD_NUMBER: _ClassVar[int]
    legs: _containers.RepeatedCompositeFieldContainer[_reservation_pb2.ReservationLeg]
    uncovered_fen: int
    payer_personal_available_fen: int
    payer_pool_available_fen: int
    def __init__(self, legs: _Optional[_Iterable[_Union[_reservation_pb2.ReservationLeg, _Mapping]]] = ..., uncovered_fen: _Optional[int] = ..., payer_personal_available_fen: _Optional[int] = ..., payer_pool_available_fen: _Optional[int] = ...) -> None: ...

class FenceRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class FenceResponse(_message.Message):
    __slots__ = ("already_executed", "already_failed", "reservation_id")
    ALREADY_EXECUTED_FIELD_NUMBER: _ClassVar[int]
    ALREADY_FAILED_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    already_executed: bool
    already_failed: bool
    reservation_id: str
    def __init__(self, already_executed: _Optional[bool] = ..., already_failed: _Optional[bool] = ..., reservation_id: _Optional[str] = ...) -> None: ...

class PayOutClearingRequest(_message.Message):
    __slots__ = ("request_id", "fixmedins_code", "period", "amount_fen")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    FIXMEDINS_CODE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    fixmedins_code: str
    period: str
    amount_fen: int
    def __init__(self, request_id: _Optional[str] = ..., fixmedins_code: _Optional[str] = ..., period: _Optional[str] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class PayOutClearingResponse(_message.Message):
    __slots__ = ("journal_txn_id", "clearing_fen")
    JOURNAL_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    CLEARING_FEN_FIELD_NUMBER: _ClassVar[int]
    journal_txn_id: str
    clearing_fen: int
    def __init__(self, journal_txn_id: _Optional[str] = ..., clearing_fen: _Optional[int] = ...) -> None: ...

class ReverseRefundRequest(_message.Message):
    __slots__ = ("request_id", "reservation_id", "personal_account_fen", "family_pool_fen")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    PERSONAL_ACCOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    FAMILY_POOL_FEN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    reservation_id: str
    personal_account_fen: int
    family_pool_fen: int
    def __init__(self, request_id: _Optional[str] = ..., reservation_id: _Optional[str] = ..., personal_account_fen: _Optional[int] = ..., family_pool_fen: _Optional[int] = ...) -> None: ...

class ReverseRefundResponse(_message.Message):
    __slots__ = ("reservation", "parts")
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    reservation: _reservation_pb2.Reservation
    parts: _containers.RepeatedCompositeFieldContainer[_reservation_pb2.RefundPart]
    def __init__(self, reservation: _Optional[_Union[_reservation_pb2.Reservation, _Mapping]] = ..., parts: _Optional[_Iterable[_Union[_reservation_pb2.RefundPart, _Mapping]]] = ...) -> None: ...

class BatchRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[BatchItem]
    def __init__(self, items: _Optional[_Iterable[_Union[BatchItem, _Mapping]]] = ...) -> None: ...

class BatchItem(_message.Message):
    __slots__ = ("reserve", "debit", "release", "on_behalf_of")
    RESERVE_FIELD_NUMBER: _ClassVar[int]
    DEBIT_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    reserve: ReserveRequest
    debit: DebitRequest
    release: ReleaseRequest
    on_behalf_of: str
    def __init__(self, reserve: _Optional[_Union[ReserveRequest, _Mapping]] = ..., debit: _Optional[_Union[DebitRequest, _Mapping]] = ..., release: _Optional[_Union[ReleaseRequest, _Mapping]] = ..., on_behalf_of: _Optional[str] = ...) -> None: ...

class BatchResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BatchResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BatchResult, _Mapping]]] = ...) -> None: ...

class BatchResult(_message.Message):
    __slots__ = ("reserve", "debit", "release")
    RESERVE_FIELD_NUMBER: _ClassVar[int]
    DEBIT_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    reserve: ReserveResponse
    debit: DebitResponse
    release: ReleaseResponse
    def __init__(self, reserve: _Optional[_Union[ReserveResponse, _Mapping]] = ..., debit: _Optional[_Union[DebitResponse, _Mapping]] = ..., release: _Optional[_Union[ReleaseResponse, _Mapping]] = ...) -> None: ...
