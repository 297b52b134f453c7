"""A database error logged by a service never carries the values of its statement: not its parameters (the engine
hides them), not the row a constraint refused, not a value PostgreSQL could not read (the log formatter keeps an
exception's traceback, type, SQLSTATE, constraint and statement, never its message)."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.logs import JsonFormatter
from services.common.rpc import abort_for
from tools.kit import id_number

NAME = "欧阳娜娜"
ID_NUMBER = id_number("630104")
PLANTED = f"{NAME} {ID_NUMBER}"
ID_SHAPED = re.compile(r"\d{17}[\dX]")


async def _error(engine: AsyncEngine, statement: str) -> DBAPIError:
    async with engine.connect() as conn:
        try:
            await conn.execute(
                text("CREATE TEMP TABLE notes (note text CONSTRAINT short_notes CHECK (length(note) < 5))")
            )
            await conn.execute(text(statement), {"note": PLANTED})
        except DBAPIError as err:
            return err
    raise AssertionError("the statement succeeded")


def _logged(err: BaseException) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("services.common.rpc")
    log.addHandler(handler)
    try:
        log.error("unhandled error in %s", "CreditPersonalAccount", exc_info=err, extra={"error_ref": "abc"})
    finally:
        log.removeHandler(handler)
    return out.getvalue()


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        ("INSERT INTO notes (note) VALUES (:note)", "CheckViolationError"),  # DETAIL: Failing row contains (…)
        ("SELECT CAST(CAST(:note AS text) AS bigint)", "InvalidTextRepresentationError"),  # PostgreSQL's message
        ("SELECT CAST(:note AS bigint)", "DataError"),  # asyncpg's own message, even in SQLAlchemy's text
    ],
)
async def test_a_database_error_is_logged_without_the_values_it_carries(
    engine: AsyncEngine, statement: str, error: str
) -> None:
    err = await _error(engine, statement)
    assert "parameters hidden" in str(err)  # the engine hides its parameters...
    assert NAME in str(err.orig.__cause__)  # ...but the database driver's own text repeats the value
    line = _logged(err)
    record = json.loads(line)
    assert NAME not in line and ID_NUMBER not in line and not ID_SHAPED.search(line)
    assert error in record["exc"] and "sqlstate=" in record["exc"]  # what happened, where, and in which statement
    assert "statement=" + " ".join(statement.split()).replace(":note", "$1") in record["exc"]
    if error == "CheckViolationError":
        assert "constraint_name=short_notes" in record["exc"]


async def test_a_value_error_that_repeats_its_input_is_logged_without_it() -> None:
    try:
        int(PLANTED)
    except ValueError as err:
        line = _logged(err)
    assert NAME not in line and ID_NUMBER not in line
    assert "ValueError [message not logged]" in line and "int(PLANTED)" in line  # the type, and where


async def test_abort_for_logs_an_unexpected_database_error_with_a_reference_and_no_values(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    err = await _error(engine, "INSERT INTO notes (note) VALUES (:note)")

    class Context:
        status: object = None

        async def abort_with_status(self, status: object) -> None:
            self.status = status
            raise RuntimeError("aborted")

    context = Context()
    with caplog.at_level(logging.ERROR, logger="services.common.rpc"), pytest.raises(RuntimeError):
        await abort_for(err, "CreditPersonalAccount", context)  # type: ignore[arg-type]
    (record,) = [r for r in caplog.records if r.name == "services.common.rpc"]
    line = JsonFormatter().format(record)
    assert json.loads(line)["error_ref"] in str(getattr(context.status, "details", ""))
    assert NAME not in line and ID_NUMBER not in line
