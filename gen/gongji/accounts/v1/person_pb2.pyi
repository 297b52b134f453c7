from gongji.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PoolRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POOL_ROLE_UNSPECIFIED: _ClassVar[PoolRole]
    POOL_ROLE_CREATOR: _ClassVar[PoolRole]
    POOL_ROLE_MEMBER: _ClassVar[PoolRole]
POOL_ROLE_UNSPECIFIED: PoolRole
POOL_ROLE_CREATOR: PoolRole
POOL_ROLE_MEMBER: PoolRole

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

class Identity(_message.Message):
    __slots__ = ("name", "id_number")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    name: str
    id_number: str
    def __init__(self, name: _Optional[str] = ..., id_number: _Optional[str] = ...) -> None: ...
