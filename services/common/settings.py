"""Settings read once from the environment, each default written once: on the field of the settings dataclass."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self, cast

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class Env:
    """How the environment sets one field: the variable, how its text is read, and `unset`, the value when the
    variable is not set, only where a running service needs another value than the field's default (which is what
    code that builds the settings itself, like the in-process tests, gets)."""

    var: str
    parse: Callable[[str], Any] = str
    unset: Any = UNSET
    hint: str = ""  # said when a required variable (the field has no default) is missing


class EnvSettings:
    """Base of a frozen settings dataclass: `ENV` maps its fields to their variables; `from_env` fills every field
    whose variable is set and leaves the others at their defaults."""

    ENV: ClassVar[Mapping[str, Env]] = {}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        environ = os.environ if environ is None else environ
        fields = {f.name: f for f in dataclasses.fields(cast("type[DataclassInstance]", cls))}
        unknown = set(cls.ENV) - set(fields)
        if unknown:
            raise TypeError(f"{cls.__qualname__}.ENV names no such field: {sorted(unknown)}")
        values: dict[str, Any] = {}
        for name, spec in cls.ENV.items():
            raw = environ.get(spec.var)
            required = (
                fields[name].default is dataclasses.MISSING
                and fields[name].default_factory is dataclasses.MISSING
                and spec.unset is UNSET
            )
            if required and not raw:
                raise SystemExit(f"{spec.var} is not set" + (f" ({spec.hint})" if spec.hint else ""))
            if raw is not None:
                values[name] = _parse(spec, raw)
            elif spec.unset is not UNSET:
                values[name] = spec.unset
        return cls(**values)

    @classmethod
    def env_var(cls, field: str) -> str:
        """The environment variable that sets `field` (to name it in a message)."""
        return cls.ENV[field].var


def _parse(spec: Env, raw: str) -> Any:
    try:
        return spec.parse(raw)
    except ValueError as exc:
        raise SystemExit(f"{spec.var}={raw!r}: {exc}") from None
