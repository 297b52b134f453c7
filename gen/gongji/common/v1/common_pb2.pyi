from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InsuranceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INSURANCE_TYPE_UNSPECIFIED: _ClassVar[InsuranceType]
    INSURANCE_TYPE_EMPLOYEE: _ClassVar[InsuranceType]
    INSURANCE_TYPE_RESIDENT: _ClassVar[InsuranceType]

class PersonStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PERSON_STATUS_UNSPECIFIED: _ClassVar[PersonStatus]
    PERSON_STATUS_ACTIVE: _ClassVar[PersonStatus]
    PERSON_STATUS_SUSPENDED: _ClassVar[PersonStatus]
    PERSON_STATUS_EXITED: _ClassVar[PersonStatus]
    PERSON_STATUS_DECEASED: _ClassVar[PersonStatus]

class Relation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RELATION_UNSPECIFIED: _ClassVar[Relation]
    RELATION_SPOUSE: _ClassVar[Relation]
    RELATION_PARENT: _ClassVar[Relation]
    RELATION_CHILD: _ClassVar[Relation]
    RELATION_SIBLING: _ClassVar[Relation]
    RELATION_GRANDPARENT_PATERNAL: _ClassVar[Relation]
    RELATION_GRANDPARENT_MATERNAL: _ClassVar[Relation]
    RELATION_GRANDCHILD_PATERNAL: _ClassVar[Relation]
    RELATION_GRANDCHILD_MATERNAL: _ClassVar[Relation]

class FundingSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FUNDING_SOURCE_UNSPECIFIED: _ClassVar[FundingSource]
    FUNDING_SOURCE_PERSONAL_ACCOUNT: _ClassVar[FundingSource]
    FUNDING_SOURCE_FAMILY_POOL: _ClassVar[FundingSource]

class AccountPart(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCOUNT_PART_UNSPECIFIED: _ClassVar[AccountPart]
    ACCOUNT_PART_CURRENT_YEAR: _ClassVar[AccountPart]
    ACCOUNT_PART_PRIOR_YEARS: _ClassVar[AccountPart]

class MdtrtCertType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MDTRT_CERT_TYPE_UNSPECIFIED: _ClassVar[MdtrtCertType]
    MDTRT_CERT_TYPE_ELECTRONIC_CREDENTIAL: _ClassVar[MdtrtCertType]
    MDTRT_CERT_TYPE_ID_CARD: _ClassVar[MdtrtCertType]
    MDTRT_CERT_TYPE_SOCIAL_SECURITY_CARD: _ClassVar[MdtrtCertType]
INSURANCE_TYPE_UNSPECIFIED: InsuranceType
INSURANCE_TYPE_EMPLOYEE: InsuranceType
INSURANCE_TYPE_RESIDENT: InsuranceType
PERSON_STATUS_UNSPECIFIED: PersonStatus
PERSON_STATUS_ACTIVE: PersonStatus
PERSON_STATUS_SUSPENDED: PersonStatus
PERSON_STATUS_EXITED: PersonStatus
PERSON_STATUS_DECEASED: PersonStatus
RELATION_UNSPECIFIED: Relation
RELATION_SPOUSE: Relation
RELATION_PARENT: Relation
RELATION_CHILD: Relation
RELATION_SIBLING: Relation
RELATION_GRANDPARENT_PATERNAL: Relation
RELATION_GRANDPARENT_MATERNAL: Relation
RELATION_GRANDCHILD_PATERNAL: Relation
RELATION_GRANDCHILD_MATERNAL: Relation
FUNDING_SOURCE_UNSPECIFIED: FundingSource
FUNDING_SOURCE_PERSONAL_ACCOUNT: FundingSource
FUNDING_SOURCE_FAMILY_POOL: FundingSource
ACCOUNT_PART_UNSPECIFIED: AccountPart
ACCOUNT_PART_CURRENT_YEAR: AccountPart
ACCOUNT_PART_PRIOR_YEARS: AccountPart
MDTRT_CERT_TYPE_UNSPECIFIED: MdtrtCertType
MDTRT_CERT_TYPE_ELECTRONIC_CREDENTIAL: MdtrtCertType
MDTRT_CERT_TYPE_ID_CARD: MdtrtCertType
MDTRT_CERT_TYPE_SOCIAL_SECURITY_CARD: MdtrtCertType

class SourceAmount(_message.Message):
    __slots__ = ("source", "amount_fen", "pool_id", "part", "psn_no")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    PART_FIELD_NUMBER: _ClassVar[int]
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    source: FundingSource
    amount_fen: int
    pool_id: str
    part: AccountPart
    psn_no: str
    def __init__(self, source: _Optional[_Union[FundingSource, str]] = ..., amount_fen: _Optional[int] = ..., pool_id: _Optional[str] = ..., part: _Optional[_Union[AccountPart, str]] = ..., psn_no: _Optional[str] = ...) -> None: ...
