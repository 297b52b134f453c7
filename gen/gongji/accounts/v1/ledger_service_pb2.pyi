from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

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
