from gongji.accounts.v1 import person_pb2 as _person_pb2
from gongji.common.v1 import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

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
    person: _person_pb2.Person
    def __init__(self, person: _Optional[_Union[_person_pb2.Person, _Mapping]] = ...) -> None: ...

class RecordLifeEventRequest(_message.Message):
    __slots__ = ("request_id", "psn_no", "chronic_disease_benefit_granted", "insurance_ended", "region_changed", "retired_cadre_granted", "disabled_veteran_granted", "died", "insurance_suspended", "insurance_resumed", "insurance_type_changed", "chronic_disease_benefit_revoked", "retired_cadre_revoked", "disabled_veteran_revoked")
    class ChronicDiseaseBenefitGranted(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class InsuranceEnded(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class RegionChanged(_message.Message):
        __slots__ = ("new_region_code",)
        NEW_REGION_CODE_FIELD_NUMBER: _ClassVar[int]
        new_region_code: str
        def __init__(self, new_region_code: _Optional[str] = ...) -> None: ...
    class RetiredCadreGranted(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class DisabledVeteranGranted(_message.Message):
        __slots__ = ("level",)
        LEVEL_FIELD_NUMBER: _ClassVar[int]
        level: int
        def __init__(self, level: _Optional[int] = ...) -> None: ...
    class Died(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class InsuranceSuspended(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class InsuranceResumed(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class InsuranceTypeChanged(_message.Message):
        __slots__ = ("new_insurance_type",)
        NEW_INSURANCE_TYPE_FIELD_NUMBER: _ClassVar[int]
        new_insurance_type: _common_pb2.InsuranceType
        def __init__(self, new_insurance_type: _Optional[_Union[_common_pb2.InsuranceType, str]] = ...) -> None: ...
    class ChronicDiseaseBenefitRevoked(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class RetiredCadreRevoked(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class DisabledVeteranRevoked(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    CHRONIC_DISEASE_BENEFIT_GRANTED_FIELD_NUMBER: _ClassVar[int]
    INSURANCE_ENDED_FIELD_NUMBER: _ClassVar[int]
    REGION_CHANGED_FIELD_NUMBER: _ClassVar[int]
    RETIRED_CADRE_GRANTED_FIELD_NUMBER: _ClassVar[int]
    DISABLED_VETERAN_GRANTED_FIELD_NUMBER: _ClassVar[int]
    DIED_FIELD_NUMBER: _ClassVar[int]
    INSURANCE_SUSPENDED_FIELD_NUMBER: _ClassVar[int]
    INSURANCE_RESUMED_FIELD_NUMBER: _ClassVar[int]
    INSURANCE_TYPE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    CHRONIC_DISEASE_BENEFIT_REVOKED_FIELD_NUMBER: _ClassVar[int]
    RETIRED_CADRE_REVOKED_FIELD_NUMBER: _ClassVar[int]
    DISABLED_VETERAN_REVOKED_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    psn_no: str
    chronic_disease_benefit_granted: RecordLifeEventRequest.ChronicDiseaseBenefitGranted
    insurance_ended: RecordLifeEventRequest.InsuranceEnded
    region_changed: RecordLifeEventRequest.RegionChanged
    retired_cadre_granted: RecordLifeEventRequest.RetiredCadreGranted
    disabled_veteran_granted: RecordLifeEventRequest.DisabledVeteranGranted
    died: RecordLifeEventRequest.Died
    insurance_suspended: RecordLifeEventRequest.InsuranceSuspended
    insurance_resumed: RecordLifeEventRequest.InsuranceResumed
    insurance_type_changed: RecordLifeEventRequest.InsuranceTypeChanged
    chronic_disease_benefit_revoked: RecordLifeEventRequest.ChronicDiseaseBenefitRevoked
    retired_cadre_revoked: RecordLifeEventRequest.RetiredCadreRevoked
    disabled_veteran_revoked: RecordLifeEventRequest.DisabledVeteranRevoked
    def __init__(self, request_id: _Optional[str] = ..., psn_no: _Optional[str] = ..., chronic_disease_benefit_granted: _Optional[_Union[RecordLifeEventRequest.ChronicDiseaseBenefitGranted, _Mapping]] = ..., insurance_ended: _Optional[_Union[RecordLifeEventRequest.InsuranceEnded, _Mapping]] = ..., region_changed: _Optional[_Union[RecordLifeEventRequest.RegionChanged, _Mapping]] = ..., retired_cadre_granted: _Optional[_Union[RecordLifeEventRequest.RetiredCadreGranted, _Mapping]] = ..., disabled_veteran_granted: _Optional[_Union[RecordLifeEventRequest.DisabledVeteranGranted, _Mapping]] = ..., died: _Optional[_Union[RecordLifeEventRequest.Died, _Mapping]] = ..., insurance_suspended: _Optional[_Union[RecordLifeEventRequest.InsuranceSuspended, _Mapping]] = ..., insurance_resumed: _Optional[_Union[RecordLifeEventRequest.InsuranceResumed, _Mapping]] = ..., insurance_type_changed: _Optional[_Union[RecordLifeEventRequest.InsuranceTypeChanged, _Mapping]] = ..., chronic_disease_benefit_revoked: _Optional[_Union[RecordLifeEventRequest.ChronicDiseaseBenefitRevoked, _Mapping]] = ..., retired_cadre_revoked: _Optional[_Union[RecordLifeEventRequest.RetiredCadreRevoked, _Mapping]] = ..., disabled_veteran_revoked: _Optional[_Union[RecordLifeEventRequest.DisabledVeteranRevoked, _Mapping]] = ...) -> None: ...

class RecordLifeEventResponse(_message.Message):
    __slots__ = ("person", "dissolved_pool_id", "returned_fen", "left_pool_id")
    PERSON_FIELD_NUMBER: _ClassVar[int]
    DISSOLVED_POOL_ID_FIELD_NUMBER: _ClassVar[int]
    RETURNED_FEN_FIELD_NUMBER: _ClassVar[int]
    LEFT_POOL_ID_FIELD_NUMBER: _ClassVar[int]
    person: _person_pb2.Person
    dissolved_pool_id: str
    returned_fen: int
    left_pool_id: str
    def __init__(self, person: _Optional[_Union[_person_pb2.Person, _Mapping]] = ..., dissolved_pool_id: _Optional[str] = ..., returned_fen: _Optional[int] = ..., left_pool_id: _Optional[str] = ...) -> None: ...

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

class RollOverYearRequest(_message.Message):
    __slots__ = ("request_id", "year", "max_accounts")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    MAX_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    year: int
    max_accounts: int
    def __init__(self, request_id: _Optional[str] = ..., year: _Optional[int] = ..., max_accounts: _Optional[int] = ...) -> None: ...

class RollOverYearResponse(_message.Message):
    __slots__ = ("year", "rolled_accounts", "moved_fen", "remaining_accounts")
    YEAR_FIELD_NUMBER: _ClassVar[int]
    ROLLED_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    MOVED_FEN_FIELD_NUMBER: _ClassVar[int]
    REMAINING_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    year: int
    rolled_accounts: int
    moved_fen: int
    remaining_accounts: int
    def __init__(self, year: _Optional[int] = ..., rolled_accounts: _Optional[int] = ..., moved_fen: _Optional[int] = ..., remaining_accounts: _Optional[int] = ...) -> None: ...
