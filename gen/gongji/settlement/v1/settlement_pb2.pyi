import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SettlementStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SETTLEMENT_STATUS_UNSPECIFIED: _ClassVar[SettlementStatus]
    SETTLEMENT_STATUS_PENDING: _ClassVar[SettlementStatus]
    SETTLEMENT_STATUS_AUTHORIZED: _ClassVar[SettlementStatus]
    SETTLEMENT_STATUS_COMPLETED: _ClassVar[SettlementStatus]
    SETTLEMENT_STATUS_DECLINED: _ClassVar[SettlementStatus]
    SETTLEMENT_STATUS_VOIDED: _ClassVar[SettlementStatus]
    SETTLEMENT_STATUS_EXPIRED: _ClassVar[SettlementStatus]
    SETTLEMENT_STATUS_REVERSED: _ClassVar[SettlementStatus]

class MdtrtCertType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MDTRT_CERT_TYPE_UNSPECIFIED: _ClassVar[MdtrtCertType]
    MDTRT_CERT_TYPE_ELECTRONIC_CREDENTIAL: _ClassVar[MdtrtCertType]
    MDTRT_CERT_TYPE_ID_CARD: _ClassVar[MdtrtCertType]
    MDTRT_CERT_TYPE_SOCIAL_SECURITY_CARD: _ClassVar[MdtrtCertType]

class SettlementKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SETTLEMENT_KIND_UNSPECIFIED: _ClassVar[SettlementKind]
    SETTLEMENT_KIND_SALE: _ClassVar[SettlementKind]
    SETTLEMENT_KIND_AUTHORIZATION: _ClassVar[SettlementKind]
    SETTLEMENT_KIND_TOMBSTONE: _ClassVar[SettlementKind]

class PaySource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAY_SOURCE_UNSPECIFIED: _ClassVar[PaySource]
    PAY_SOURCE_PERSONAL_ACCOUNT: _ClassVar[PaySource]
    PAY_SOURCE_FAMILY_POOL: _ClassVar[PaySource]
    PAY_SOURCE_CASH: _ClassVar[PaySource]

class AcctUsedFlag(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCT_USED_FLAG_UNSPECIFIED: _ClassVar[AcctUsedFlag]
    ACCT_USED_FLAG_OWN_THEN_POOL: _ClassVar[AcctUsedFlag]
    ACCT_USED_FLAG_OWN_ONLY: _ClassVar[AcctUsedFlag]
    ACCT_USED_FLAG_NONE: _ClassVar[AcctUsedFlag]

class ReconcileItemKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECONCILE_ITEM_KIND_UNSPECIFIED: _ClassVar[ReconcileItemKind]
    RECONCILE_ITEM_KIND_PAYMENT: _ClassVar[ReconcileItemKind]
    RECONCILE_ITEM_KIND_REFUND: _ClassVar[ReconcileItemKind]
    RECONCILE_ITEM_KIND_REVERSAL: _ClassVar[ReconcileItemKind]

class ReconcileRowResult(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECONCILE_ROW_RESULT_UNSPECIFIED: _ClassVar[ReconcileRowResult]
    RECONCILE_ROW_RESULT_MATCH: _ClassVar[ReconcileRowResult]
    RECONCILE_ROW_RESULT_MISSING_HERE: _ClassVar[ReconcileRowResult]
    RECONCILE_ROW_RESULT_MISSING_THERE: _ClassVar[ReconcileRowResult]
    RECONCILE_ROW_RESULT_AMOUNT_DIFFERS: _ClassVar[ReconcileRowResult]
SETTLEMENT_STATUS_UNSPECIFIED: SettlementStatus
SETTLEMENT_STATUS_PENDING: SettlementStatus
SETTLEMENT_STATUS_AUTHORIZED: SettlementStatus
SETTLEMENT_STATUS_COMPLETED: SettlementStatus
SETTLEMENT_STATUS_DECLINED: SettlementStatus
SETTLEMENT_STATUS_VOIDED: SettlementStatus
SETTLEMENT_STATUS_EXPIRED: SettlementStatus
SETTLEMENT_STATUS_REVERSED: SettlementStatus
MDTRT_CERT_TYPE_UNSPECIFIED: MdtrtCertType
MDTRT_CERT_TYPE_ELECTRONIC_CREDENTIAL: MdtrtCertType
MDTRT_CERT_TYPE_ID_CARD: MdtrtCertType
MDTRT_CERT_TYPE_SOCIAL_SECURITY_CARD: MdtrtCertType
SETTLEMENT_KIND_UNSPECIFIED: SettlementKind
SETTLEMENT_KIND_SALE: SettlementKind
SETTLEMENT_KIND_AUTHORIZATION: SettlementKind
SETTLEMENT_KIND_TOMBSTONE: SettlementKind
PAY_SOURCE_UNSPECIFIED: PaySource
PAY_SOURCE_PERSONAL_ACCOUNT: PaySource
PAY_SOURCE_FAMILY_POOL: PaySource
PAY_SOURCE_CASH: PaySource
ACCT_USED_FLAG_UNSPECIFIED: AcctUsedFlag
ACCT_USED_FLAG_OWN_THEN_POOL: AcctUsedFlag
ACCT_USED_FLAG_OWN_ONLY: AcctUsedFlag
ACCT_USED_FLAG_NONE: AcctUsedFlag
RECONCILE_ITEM_KIND_UNSPECIFIED: ReconcileItemKind
RECONCILE_ITEM_KIND_PAYMENT: ReconcileItemKind
RECONCILE_ITEM_KIND_REFUND: ReconcileItemKind
RECONCILE_ITEM_KIND_REVERSAL: ReconcileItemKind
RECONCILE_ROW_RESULT_UNSPECIFIED: ReconcileRowResult
RECONCILE_ROW_RESULT_MATCH: ReconcileRowResult
RECONCILE_ROW_RESULT_MISSING_HERE: ReconcileRowResult
RECONCILE_ROW_RESULT_MISSING_THERE: ReconcileRowResult
RECONCILE_ROW_RESULT_AMOUNT_DIFFERS: ReconcileRowResult

class Visit(_message.Message):
    __slots__ = ("mdtrt_id", "setl_id", "insutype", "med_type", "medfee_sumamt_fen", "fund_pay_sumamt_fen", "insuplc_admdvs", "mdtrtarea_admvs")
    MDTRT_ID_FIELD_NUMBER: _ClassVar[int]
    SETL_ID_FIELD_NUMBER: _ClassVar[int]
    INSUTYPE_FIELD_NUMBER: _ClassVar[int]
    MED_TYPE_FIELD_NUMBER: _ClassVar[int]
    MEDFEE_SUMAMT_FEN_FIELD_NUMBER: _ClassVar[int]
    FUND_PAY_SUMAMT_FEN_FIELD_NUMBER: _ClassVar[int]
    INSUPLC_ADMDVS_FIELD_NUMBER: _ClassVar[int]
    MDTRTAREA_ADMVS_FIELD_NUMBER: _ClassVar[int]
    mdtrt_id: str
    setl_id: str
    insutype: str
    med_type: str
    medfee_sumamt_fen: int
    fund_pay_sumamt_fen: int
    insuplc_admdvs: str
    mdtrtarea_admvs: str
    def __init__(self, mdtrt_id: _Optional[str] = ..., setl_id: _Optional[str] = ..., insutype: _Optional[str] = ..., med_type: _Optional[str] = ..., medfee_sumamt_fen: _Optional[int] = ..., fund_pay_sumamt_fen: _Optional[int] = ..., insuplc_admdvs: _Optional[str] = ..., mdtrtarea_admvs: _Optional[str] = ...) -> None: ...

class Shortfall(_message.Message):
    __slots__ = ("source", "reason", "message", "message_zh")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ZH_FIELD_NUMBER: _ClassVar[int]
    source: PaySource
    reason: str
    message: str
    message_zh: str
    def __init__(self, source: _Optional[_Union[PaySource, str]] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., message_zh: _Optional[str] = ...) -> None: ...

class Split(_message.Message):
    __slots__ = ("acct_pay_fen", "acct_mulaid_pay_fen", "psn_cash_pay_fen", "shortfalls")
    ACCT_PAY_FEN_FIELD_NUMBER: _ClassVar[int]
    ACCT_MULAID_PAY_FEN_FIELD_NUMBER: _ClassVar[int]
    PSN_CASH_PAY_FEN_FIELD_NUMBER: _ClassVar[int]
    SHORTFALLS_FIELD_NUMBER: _ClassVar[int]
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int
    shortfalls: _containers.RepeatedCompositeFieldContainer[Shortfall]
    def __init__(self, acct_pay_fen: _Optional[int] = ..., acct_mulaid_pay_fen: _Optional[int] = ..., psn_cash_pay_fen: _Optional[int] = ..., shortfalls: _Optional[_Iterable[_Union[Shortfall, _Mapping]]] = ...) -> None: ...

class RefundRecord(_message.Message):
    __slots__ = ("refund_pos_txn_id", "amount_fen", "acct_refund_fen", "acct_mulaid_refund_fen", "completed", "created_at", "psn_cash_refund_fen", "creator_acct_refund_fen", "whole_bill", "reversed")
    REFUND_POS_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    ACCT_REFUND_FEN_FIELD_NUMBER: _ClassVar[int]
    ACCT_MULAID_REFUND_FEN_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PSN_CASH_REFUND_FEN_FIELD_NUMBER: _ClassVar[int]
    CREATOR_ACCT_REFUND_FEN_FIELD_NUMBER: _ClassVar[int]
    WHOLE_BILL_FIELD_NUMBER: _ClassVar[int]
    REVERSED_FIELD_NUMBER: _ClassVar[int]
    refund_pos_txn_id: str
    amount_fen: int
    acct_refund_fen: int
    acct_mulaid_refund_fen: int
    completed: bool
    created_at: _timestamp_pb2.Timestamp
    psn_cash_refund_fen: int
    creator_acct_refund_fen: int
    whole_bill: bool
    reversed: bool
    def __init__(self, refund_pos_txn_id: _Optional[str] = ..., amount_fen: _Optional[int] = ..., acct_refund_fen: _Optional[int] = ..., acct_mulaid_refund_fen: _Optional[int] = ..., completed: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., psn_cash_refund_fen: _Optional[int] = ..., creator_acct_refund_fen: _Optional[int] = ..., whole_bill: _Optional[bool] = ..., reversed: _Optional[bool] = ...) -> None: ...

class Settlement(_message.Message):
    __slots__ = ("settlement_id", "pos_txn_id", "fixmedins_code", "payer_psn_no", "kind", "status", "amount_fen", "authorized_fen", "split", "refunded_fen", "refunds", "balc_fen", "pool_balc_fen", "decline_reason", "decline_message", "expires_at", "created_at", "updated_at", "description", "mdtrt_cert_type", "mdtrt_cert_no_masked", "created_by", "updated_by", "visit", "acct_used_flag", "capture_pos_txn_id")
    SETTLEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    POS_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    FIXMEDINS_CODE_FIELD_NUMBER: _ClassVar[int]
    PAYER_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZED_FEN_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FEN_FIELD_NUMBER: _ClassVar[int]
    REFUNDS_FIELD_NUMBER: _ClassVar[int]
    BALC_FEN_FIELD_NUMBER: _ClassVar[int]
    POOL_BALC_FEN_FIELD_NUMBER: _ClassVar[int]
    DECLINE_REASON_FIELD_NUMBER: _ClassVar[int]
    DECLINE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    MDTRT_CERT_TYPE_FIELD_NUMBER: _ClassVar[int]
    MDTRT_CERT_NO_MASKED_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    VISIT_FIELD_NUMBER: _ClassVar[int]
    ACCT_USED_FLAG_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_POS_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    settlement_id: str
    pos_txn_id: str
    fixmedins_code: str
    payer_psn_no: str
    kind: SettlementKind
    status: SettlementStatus
    amount_fen: int
    authorized_fen: int
    split: Split
    refunded_fen: int
    refunds: _containers.RepeatedCompositeFieldContainer[RefundRecord]
    balc_fen: int
    pool_balc_fen: int
    decline_reason: str
    decline_message: str
    expires_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    description: str
    mdtrt_cert_type: MdtrtCertType
    mdtrt_cert_no_masked: str
    created_by: str
    updated_by: str
    visit: Visit
    acct_used_flag: AcctUsedFlag
    capture_pos_txn_id: str
    def __init__(self, settlement_id: _Optional[str] = ..., pos_txn_id: _Optional[str] = ..., fixmedins_code: _Optional[str] = ..., payer_psn_no: _Optional[str] = ..., kind: _Optional[_Union[SettlementKind, str]] = ..., status: _Optional[_Union[SettlementStatus, str]] = ..., amount_fen: _Optional[int] = ..., authorized_fen: _Optional[int] = ..., split: _Optional[_Union[Split, _Mapping]] = ..., refunded_fen: _Optional[int] = ..., refunds: _Optional[_Iterable[_Union[RefundRecord, _Mapping]]] = ..., balc_fen: _Optional[int] = ..., pool_balc_fen: _Optional[int] = ..., decline_reason: _Optional[str] = ..., decline_message: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., mdtrt_cert_type: _Optional[_Union[MdtrtCertType, str]] = ..., mdtrt_cert_no_masked: _Optional[str] = ..., created_by: _Optional[str] = ..., updated_by: _Optional[str] = ..., visit: _Optional[_Union[Visit, _Mapping]] = ..., acct_used_flag: _Optional[_Union[AcctUsedFlag, str]] = ..., capture_pos_txn_id: _Optional[str] = ...) -> None: ...

class PreSettleRequest(_message.Message):
    __slots__ = ("payer_psn_no", "amount_fen", "mdtrt_cert_type", "mdtrt_cert_no", "visit", "acct_used_flag")
    PAYER_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    MDTRT_CERT_TYPE_FIELD_NUMBER: _ClassVar[int]
    MDTRT_CERT_NO_FIELD_NUMBER: _ClassVar[int]
    VISIT_FIELD_NUMBER: _ClassVar[int]
    ACCT_USED_FLAG_FIELD_NUMBER: _ClassVar[int]
    payer_psn_no: str
    amount_fen: int
    mdtrt_cert_type: MdtrtCertType
    mdtrt_cert_no: str
    visit: Visit
    acct_used_flag: AcctUsedFlag
    def __init__(self, payer_psn_no: _Optional[str] = ..., amount_fen: _Optional[int] = ..., mdtrt_cert_type: _Optional[_Union[MdtrtCertType, str]] = ..., mdtrt_cert_no: _Optional[str] = ..., visit: _Optional[_Union[Visit, _Mapping]] = ..., acct_used_flag: _Optional[_Union[AcctUsedFlag, str]] = ...) -> None: ...

class PreSettleResponse(_message.Message):
    __slots__ = ("split", "balc_fen", "pool_balc_fen")
    SPLIT_FIELD_NUMBER: _ClassVar[int]
    BALC_FEN_FIELD_NUMBER: _ClassVar[int]
    POOL_BALC_FEN_FIELD_NUMBER: _ClassVar[int]
    split: Split
    balc_fen: int
    pool_balc_fen: int
    def __init__(self, split: _Optional[_Union[Split, _Mapping]] = ..., balc_fen: _Optional[int] = ..., pool_balc_fen: _Optional[int] = ...) -> None: ...

class SettleRequest(_message.Message):
    __slots__ = ("pos_txn_id", "payer_psn_no", "amount_fen", "description", "mdtrt_cert_type", "mdtrt_cert_no", "visit", "acct_used_flag")
    POS_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    PAYER_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    MDTRT_CERT_TYPE_FIELD_NUMBER: _ClassVar[int]
    MDTRT_CERT_NO_FIELD_NUMBER: _ClassVar[int]
    VISIT_FIELD_NUMBER: _ClassVar[int]
    ACCT_USED_FLAG_FIELD_NUMBER: _ClassVar[int]
    pos_txn_id: str
    payer_psn_no: str
    amount_fen: int
    description: str
    mdtrt_cert_type: MdtrtCertType
    mdtrt_cert_no: str
    visit: Visit
    acct_used_flag: AcctUsedFlag
    def __init__(self, pos_txn_id: _Optional[str] = ..., payer_psn_no: _Optional[str] = ..., amount_fen: _Optional[int] = ..., description: _Optional[str] = ..., mdtrt_cert_type: _Optional[_Union[MdtrtCertType, str]] = ..., mdtrt_cert_no: _Optional[str] = ..., visit: _Optional[_Union[Visit, _Mapping]] = ..., acct_used_flag: _Optional[_Union[AcctUsedFlag, str]] = ...) -> None: ...

class SettleResponse(_message.Message):
    __slots__ = ("settlement",)
    SETTLEMENT_FIELD_NUMBER: _ClassVar[int]
    settlement: Settlement
    def __init__(self, settlement: _Optional[_Union[Settlement, _Mapping]] = ...) -> None: ...

class AuthorizeRequest(_message.Message):
    __slots__ = ("pos_txn_id", "payer_psn_no", "amount_fen", "hold_ttl_seconds", "description", "mdtrt_cert_type", "mdtrt_cert_no", "visit", "acct_used_flag")
    POS_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    PAYER_PSN_NO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    HOLD_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    MDTRT_CERT_TYPE_FIELD_NUMBER: _ClassVar[int]
    MDTRT_CERT_NO_FIELD_NUMBER: _ClassVar[int]
    VISIT_FIELD_NUMBER: _ClassVar[int]
    ACCT_USED_FLAG_FIELD_NUMBER: _ClassVar[int]
    pos_txn_id: str
    payer_psn_no: str
    amount_fen: int
    hold_ttl_seconds: int
    description: str
    mdtrt_cert_type: MdtrtCertType
    mdtrt_cert_no: str
    visit: Visit
    acct_used_flag: AcctUsedFlag
    def __init__(self, pos_txn_id: _Optional[str] = ..., payer_psn_no: _Optional[str] = ..., amount_fen: _Optional[int] = ..., hold_ttl_seconds: _Optional[int] = ..., description: _Optional[str] = ..., mdtrt_cert_type: _Optional[_Union[MdtrtCertType, str]] = ..., mdtrt_cert_no: _Optional[str] = ..., visit: _Optional[_Union[Visit, _Mapping]] = ..., acct_used_flag: _Optional[_Union[AcctUsedFlag, str]] = ...) -> None: ...

class AuthorizeResponse(_message.Message):
    __slots__ = ("settlement",)
    SETTLEMENT_FIELD_NUMBER: _ClassVar[int]
    settlement: Settlement
    def __init__(self, settlement: _Optional[_Union[Settlement, _Mapping]] = ...) -> None: ...

class CaptureRequest(_message.Message):
    __slots__ = ("settlement_id", "pos_txn_id", "amount_fen", "capture_pos_txn_id")
    SETTLEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    POS_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_POS_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    settlement_id: str
    pos_txn_id: str
    amount_fen: int
    capture_pos_txn_id: str
    def __init__(self, settlement_id: _Optional[str] = ..., pos_txn_id: _Optional[str] = ..., amount_fen: _Optional[int] = ..., capture_pos_txn_id: _Optional[str] = ...) -> None: ...

class CaptureResponse(_message.Message):
    __slots__ = ("settlement",)
    SETTLEMENT_FIELD_NUMBER: _ClassVar[int]
    settlement: Settlement
    def __init__(self, settlement: _Optional[_Union[Settlement, _Mapping]] = ...) -> None: ...

class VoidRequest(_message.Message):
    __slots__ = ("settlement_id", "pos_txn_id")
    SETTLEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    POS_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    settlement_id: str
    pos_txn_id: str
    def __init__(self, settlement_id: _Optional[str] = ..., pos_txn_id: _Optional[str] = ...) -> None: ...

class VoidResponse(_message.Message):
    __slots__ = ("settlement",)
    SETTLEMENT_FIELD_NUMBER: _ClassVar[int]
    settlement: Settlement
    def __init__(self, settlement: _Optional[_Union[Settlement, _Mapping]] = ...) -> None: ...

class RefundRequest(_message.Message):
    __slots__ = ("refund_pos_txn_id", "settlement_id", "pos_txn_id", "amount_fen", "psn_cash_refund_fen", "whole_bill")
    REFUND_POS_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    SETTLEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    POS_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    PSN_CASH_REFUND_FEN_FIELD_NUMBER: _ClassVar[int]
    WHOLE_BILL_FIELD_NUMBER: _ClassVar[int]
    refund_pos_txn_id: str
    settlement_id: str
    pos_txn_id: str
    amount_fen: int
    psn_cash_refund_fen: int
    whole_bill: bool
    def __init__(self, refund_pos_txn_id: _Optional[str] = ..., settlement_id: _Optional[str] = ..., pos_txn_id: _Optional[str] = ..., amount_fen: _Optional[int] = ..., psn_cash_refund_fen: _Optional[int] = ..., whole_bill: _Optional[bool] = ...) -> None: ...

class RefundResponse(_message.Message):
    __slots__ = ("settlement", "refund")
    SETTLEMENT_FIELD_NUMBER: _ClassVar[int]
    REFUND_FIELD_NUMBER: _ClassVar[int]
    settlement: Settlement
    refund: RefundRecord
    def __init__(self, settlement: _Optional[_Union[Settlement, _Mapping]] = ..., refund: _Optional[_Union[RefundRecord, _Mapping]] = ...) -> None: ...

class ReverseRequest(_message.Message):
    __slots__ = ("pos_txn_id",)
    POS_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    pos_txn_id: str
    def __init__(self, pos_txn_id: _Optional[str] = ...) -> None: ...

class ReverseResponse(_message.Message):
    __slots__ = ("settlement",)
    SETTLEMENT_FIELD_NUMBER: _ClassVar[int]
    settlement: Settlement
    def __init__(self, settlement: _Optional[_Union[Settlement, _Mapping]] = ...) -> None: ...

class GetSettlementRequest(_message.Message):
    __slots__ = ("settlement_id", "pos_txn_id")
    SETTLEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    POS_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    settlement_id: str
    pos_txn_id: str
    def __init__(self, settlement_id: _Optional[str] = ..., pos_txn_id: _Optional[str] = ...) -> None: ...

class GetSettlementResponse(_message.Message):
    __slots__ = ("settlement",)
    SETTLEMENT_FIELD_NUMBER: _ClassVar[int]
    settlement: Settlement
    def __init__(self, settlement: _Optional[_Union[Settlement, _Mapping]] = ...) -> None: ...

class ListSettlementsRequest(_message.Message):
    __slots__ = ("period_start", "period_end", "page_size", "page_token", "mdtrt_id")
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MDTRT_ID_FIELD_NUMBER: _ClassVar[int]
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    mdtrt_id: str
    def __init__(self, period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., mdtrt_id: _Optional[str] = ...) -> None: ...

class ListSettlementsResponse(_message.Message):
    __slots__ = ("settlements", "next_page_token")
    SETTLEMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    settlements: _containers.RepeatedCompositeFieldContainer[Settlement]
    next_page_token: str
    def __init__(self, settlements: _Optional[_Iterable[_Union[Settlement, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ReconcileTotals(_message.Message):
    __slots__ = ("count", "amount_fen", "acct_pay_fen", "acct_mulaid_pay_fen", "psn_cash_pay_fen", "refund_count", "refund_fen", "acct_refund_fen", "acct_mulaid_refund_fen", "psn_cash_refund_fen", "mulaid_count")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    ACCT_PAY_FEN_FIELD_NUMBER: _ClassVar[int]
    ACCT_MULAID_PAY_FEN_FIELD_NUMBER: _ClassVar[int]
    PSN_CASH_PAY_FEN_FIELD_NUMBER: _ClassVar[int]
    REFUND_COUNT_FIELD_NUMBER: _ClassVar[int]
    REFUND_FEN_FIELD_NUMBER: _ClassVar[int]
    ACCT_REFUND_FEN_FIELD_NUMBER: _ClassVar[int]
    ACCT_MULAID_REFUND_FEN_FIELD_NUMBER: _ClassVar[int]
    PSN_CASH_REFUND_FEN_FIELD_NUMBER: _ClassVar[int]
    MULAID_COUNT_FIELD_NUMBER: _ClassVar[int]
    count: int
    amount_fen: int
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int
    refund_count: int
    refund_fen: int
    acct_refund_fen: int
    acct_mulaid_refund_fen: int
    psn_cash_refund_fen: int
    mulaid_count: int
    def __init__(self, count: _Optional[int] = ..., amount_fen: _Optional[int] = ..., acct_pay_fen: _Optional[int] = ..., acct_mulaid_pay_fen: _Optional[int] = ..., psn_cash_pay_fen: _Optional[int] = ..., refund_count: _Optional[int] = ..., refund_fen: _Optional[int] = ..., acct_refund_fen: _Optional[int] = ..., acct_mulaid_refund_fen: _Optional[int] = ..., psn_cash_refund_fen: _Optional[int] = ..., mulaid_count: _Optional[int] = ...) -> None: ...

class ReconcileItem(_message.Message):
    __slots__ = ("pos_txn_id", "acct_pay_fen", "acct_mulaid_pay_fen", "psn_cash_pay_fen", "kind")
    POS_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    ACCT_PAY_FEN_FIELD_NUMBER: _ClassVar[int]
    ACCT_MULAID_PAY_FEN_FIELD_NUMBER: _ClassVar[int]
    PSN_CASH_PAY_FEN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    pos_txn_id: str
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int
    kind: ReconcileItemKind
    def __init__(self, pos_txn_id: _Optional[str] = ..., acct_pay_fen: _Optional[int] = ..., acct_mulaid_pay_fen: _Optional[int] = ..., psn_cash_pay_fen: _Optional[int] = ..., kind: _Optional[_Union[ReconcileItemKind, str]] = ...) -> None: ...

class ReconcileRow(_message.Message):
    __slots__ = ("pos_txn_id", "result", "theirs", "ours")
    POS_TXN_ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    THEIRS_FIELD_NUMBER: _ClassVar[int]
    OURS_FIELD_NUMBER: _ClassVar[int]
    pos_txn_id: str
    result: ReconcileRowResult
    theirs: ReconcileItem
    ours: ReconcileItem
    def __init__(self, pos_txn_id: _Optional[str] = ..., result: _Optional[_Union[ReconcileRowResult, str]] = ..., theirs: _Optional[_Union[ReconcileItem, _Mapping]] = ..., ours: _Optional[_Union[ReconcileItem, _Mapping]] = ...) -> None: ...

class ReconcileRequest(_message.Message):
    __slots__ = ("period_start", "period_end", "totals", "items", "insutype", "clr_type")
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    INSUTYPE_FIELD_NUMBER: _ClassVar[int]
    CLR_TYPE_FIELD_NUMBER: _ClassVar[int]
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    totals: ReconcileTotals
    items: _containers.RepeatedCompositeFieldContainer[ReconcileItem]
    insutype: str
    clr_type: str
    def __init__(self, period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., totals: _Optional[_Union[ReconcileTotals, _Mapping]] = ..., items: _Optional[_Iterable[_Union[ReconcileItem, _Mapping]]] = ..., insutype: _Optional[str] = ..., clr_type: _Optional[str] = ...) -> None: ...

class ReconcileResponse(_message.Message):
    __slots__ = ("balanced", "ours", "differing_totals", "rows", "matched_rows", "by_type")
    BALANCED_FIELD_NUMBER: _ClassVar[int]
    OURS_FIELD_NUMBER: _ClassVar[int]
    DIFFERING_TOTALS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    MATCHED_ROWS_FIELD_NUMBER: _ClassVar[int]
    BY_TYPE_FIELD_NUMBER: _ClassVar[int]
    balanced: bool
    ours: ReconcileTotals
    differing_totals: _containers.RepeatedScalarFieldContainer[str]
    rows: _containers.RepeatedCompositeFieldContainer[ReconcileRow]
    matched_rows: int
    by_type: _containers.RepeatedCompositeFieldContainer[TypeTotals]
    def __init__(self, balanced: _Optional[bool] = ..., ours: _Optional[_Union[ReconcileTotals, _Mapping]] = ..., differing_totals: _Optional[_Iterable[str]] = ..., rows: _Optional[_Iterable[_Union[ReconcileRow, _Mapping]]] = ..., matched_rows: _Optional[int] = ..., by_type: _Optional[_Iterable[_Union[TypeTotals, _Mapping]]] = ...) -> None: ...

class TypeTotals(_message.Message):
    __slots__ = ("insutype", "clr_type", "totals")
    INSUTYPE_FIELD_NUMBER: _ClassVar[int]
    CLR_TYPE_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    insutype: str
    clr_type: str
    totals: ReconcileTotals
    def __init__(self, insutype: _Optional[str] = ..., clr_type: _Optional[str] = ..., totals: _Optional[_Union[ReconcileTotals, _Mapping]] = ...) -> None: ...

class DetailFileRequest(_message.Message):
    __slots__ = ("period_start", "period_end")
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    def __init__(self, period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DetailFileResponse(_message.Message):
    __slots__ = ("row", "summary")
    ROW_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    row: DetailRow
    summary: DetailSummary
    def __init__(self, row: _Optional[_Union[DetailRow, _Mapping]] = ..., summary: _Optional[_Union[DetailSummary, _Mapping]] = ...) -> None: ...

class DetailRow(_message.Message):
    __slots__ = ("item", "settlement_id", "mdtrt_id", "setl_id", "insutype", "clr_type", "completed_at", "line")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    SETTLEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    MDTRT_ID_FIELD_NUMBER: _ClassVar[int]
    SETL_ID_FIELD_NUMBER: _ClassVar[int]
    INSUTYPE_FIELD_NUMBER: _ClassVar[int]
    CLR_TYPE_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    item: ReconcileItem
    settlement_id: str
    mdtrt_id: str
    setl_id: str
    insutype: str
    clr_type: str
    completed_at: _timestamp_pb2.Timestamp
    line: str
    def __init__(self, item: _Optional[_Union[ReconcileItem, _Mapping]] = ..., settlement_id: _Optional[str] = ..., mdtrt_id: _Optional[str] = ..., setl_id: _Optional[str] = ..., insutype: _Optional[str] = ..., clr_type: _Optional[str] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., line: _Optional[str] = ...) -> None: ...

class DetailSummary(_message.Message):
    __slots__ = ("row_count", "sha256")
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    row_count: int
    sha256: str
    def __init__(self, row_count: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class ClosePeriodRequest(_message.Message):
    __slots__ = ("period_end",)
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    period_end: _timestamp_pb2.Timestamp
    def __init__(self, period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ClearingPeriod(_message.Message):
    __slots__ = ("period_id", "period_start", "period_end", "acct_pay_fen", "acct_mulaid_pay_fen", "acct_refund_fen", "acct_mulaid_refund_fen", "owed_fen", "paid_out", "closed_at", "closed_by")
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    ACCT_PAY_FEN_FIELD_NUMBER: _ClassVar[int]
    ACCT_MULAID_PAY_FEN_FIELD_NUMBER: _ClassVar[int]
    ACCT_REFUND_FEN_FIELD_NUMBER: _ClassVar[int]
    ACCT_MULAID_REFUND_FEN_FIELD_NUMBER: _ClassVar[int]
    OWED_FEN_FIELD_NUMBER: _ClassVar[int]
    PAID_OUT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_BY_FIELD_NUMBER: _ClassVar[int]
    period_id: str
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    acct_refund_fen: int
    acct_mulaid_refund_fen: int
    owed_fen: int
    paid_out: bool
    closed_at: _timestamp_pb2.Timestamp
    closed_by: str
    def __init__(self, period_id: _Optional[str] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., acct_pay_fen: _Optional[int] = ..., acct_mulaid_pay_fen: _Optional[int] = ..., acct_refund_fen: _Optional[int] = ..., acct_mulaid_refund_fen: _Optional[int] = ..., owed_fen: _Optional[int] = ..., paid_out: _Optional[bool] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_by: _Optional[str] = ...) -> None: ...

class ClosePeriodResponse(_message.Message):
    __slots__ = ("period",)
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    period: ClearingPeriod
    def __init__(self, period: _Optional[_Union[ClearingPeriod, _Mapping]] = ...) -> None: ...
