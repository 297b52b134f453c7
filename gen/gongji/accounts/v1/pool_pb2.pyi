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

class Acceptor(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCEPTOR_UNSPECIFIED: _ClassVar[Acceptor]
    ACCEPTOR_MEMBER: _ClassVar[Acceptor]
    ACCEPTOR_GUARDIAN: _ClassVar[Acceptor]
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
ACCEPTOR_UNSPECIFIED: Acceptor
ACCEPTOR_MEMBER: Acceptor
ACCEPTOR_GUARDIAN: Acceptor

class Member(_message.Message):
    __slots__ = ("invitation_id", "psn_no", "name_masked", "relation", "status", "invited_at", "invitation_expires_at", "joined_at", "accepted_by", "guardian_name_masked")
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    PSN_NO_FIELD_NUMBER: _ClassVar[int]
    NAME_MASKED_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INVITED_AT_FIELD_NUMBER: _ClassVar[int]
    INVITATION_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_BY_FIELD_NUMBER: _ClassVar[int]
    GUARDIAN_NAME_MASKED_FIELD_NUMBER: _ClassVar[int]
    invitation_id: str
    psn_no: str
    name_masked: str
    relation: _common_pb2.Relation
    status: MemberStatus
    invited_at: _timestamp_pb2.Timestamp
    invitation_expires_at: _timestamp_pb2.Timestamp
    joined_at: _timestamp_pb2.Timestamp
    accepted_by: Acceptor
    guardian_name_masked: str
    def __init__(self, invitation_id: _Optional[str] = ..., psn_no: _Optional[str] = ..., name_masked: _Optional[str] = ..., relation: _Optional[_Union[_common_pb2.Relation, str]] = ..., status: _Optional[_Union[MemberStatus, str]] = ..., invited_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., invitation_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., joined_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., accepted_by: _Optional[_Union[Acceptor, str]] = ..., guardian_name_masked: _Optional[str] = ...) -> None: ...

class Pool(_message.Message):
    __slots__ = ("pool_id", "creator_psn_no", "status", "agreement_version", "balance_fen", "held_fen", "available_fen", "members", "created_at", "dissolved_at", "dissolution_reason", "paused")
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
    PAUSED_FIELD_NUMBER: _ClassVar[int]
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
    paused: bool
    def __init__(self, pool_id: _Optional[str] = ..., creator_psn_no: _Optional[str] = ..., status: _Optional[_Union[PoolStatus, str]] = ..., agreement_version: _Optional[str] = ..., balance_fen: _Optional[int] = ..., held_fen: _Optional[int] = ..., available_fen: _Optional[int] = ..., members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dissolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dissolution_reason: _Optional[str] = ..., paused: _Optional[bool] = ...) -> None: ...

class Violation(_message.Message):
    __slots__ = ("reason", "message")
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    reason: str
    message: str
    def __init__(self, reason: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...
