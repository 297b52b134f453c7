"""gRPC servicer of gongji.settlement.v1.SettlementService: parse → call → convert. The institution comes from the
auth interceptor, and the POS's remaining deadline goes down to every call to accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import grpc

from gongji.settlement.v1 import settlement_pb2 as pb
from gongji.settlement.v1 import settlement_pb2_grpc
from services.common.actors import acting_as
from services.common.auth import caller
from services.common.errors import DomainError, Reason
from services.common.rpc import Ctx, abort_for, rpc
from services.settlement.domain import commands as cmd
from services.settlement.domain.reconcile import checksum
from services.settlement.transport import convert as cv
from services.settlement.transport import parse
from services.settlement.usecases import authorization, clearing, pay, query, refund, reverse
from services.settlement.usecases.deps import Call, Deps

# What we keep of the POS's deadline for our own bookkeeping after the last call to accounts.
DEADLINE_MARGIN_S = 0.2


def _call(context: Ctx) -> Call:
    """The calling institution, for a call that never reaches accounts. What it writes is recorded as done by the
    institution."""
    institution = caller().identity
    acting_as.set(f"INSTITUTION:{institution}")
    return Call(institution)


class SettlementServicer(settlement_pb2_grpc.SettlementServiceServicer):  # type: ignore[misc]
    """`max_wait_s`: the longest one call waits for accounts, whatever the POS's deadline (and without one);
    `min_wait_s`: a call whose deadline leaves less than this for accounts is refused before anything is written
    (DEADLINE_TOO_SHORT)."""

    def __init__(self, deps: Deps, max_wait_s: float = 30.0, min_wait_s: float = 0.1) -> None:
        self.deps = deps
        self.max_wait_s = max_wait_s
        self.min_wait_s = min_wait_s

    def _paying(self, context: Ctx) -> Call:
        """The calling institution, and how long this call may wait for accounts: what is left of the POS's deadline
        less our margin, at most `max_wait_s`. What is not worth starting is refused here, with nothing written."""
        call = _call(context)
        remaining = context.time_remaining()
        budget = self.max_wait_s if remaining is None else min(remaining - DEADLINE_MARGIN_S, self.max_wait_s)
        if budget < self.min_wait_s:
            raise DomainError(
                Reason.DEADLINE_TOO_SHORT,
                f"(give it at least {self.min_wait_s + DEADLINE_MARGIN_S:.1f} s)",
            )
        return Call(call.institution, budget)

    @rpc(parse.pre_settle)
    async def PreSettle(self, c: cmd.PreSettle, context: Ctx) -> pb.PreSettleResponse:
        q = await query.pre_settle(self.deps, c, self._paying(context))
        return pb.PreSettleResponse(split=cv.split_pb(q.split), balc_fen=q.balc_fen, pool_balc_fen=q.pool_balc_fen)

    @rpc(parse.settle)
    async def Settle(self, c: cmd.Pay, context: Ctx) -> pb.SettleResponse:
        return pb.SettleResponse(settlement=cv.settlement_pb(await pay.pay(self.deps, c, self._paying(context))))

    @rpc(parse.authorize)
    async def Authorize(self, c: cmd.Pay, context: Ctx) -> pb.AuthorizeResponse:
        return pb.AuthorizeResponse(settlement=cv.settlement_pb(await pay.pay(self.deps, c, self._paying(context))))

    @rpc(parse.capture)
    async def Capture(self, c: cmd.Capture, context: Ctx) -> pb.CaptureResponse:
        s = await authorization.capture(self.deps, c, self._paying(context))
        return pb.CaptureResponse(settlement=cv.settlement_pb(s))

    @rpc(parse.settlement_ref)
    async def Void(self, c: cmd.SettlementRef, context: Ctx) -> pb.VoidResponse:
        return pb.VoidResponse(
            settlement=cv.settlement_pb(await authorization.void(self.deps, c, self._paying(context)))
        )

    @rpc(parse.refund)
    async def Refund(self, c: cmd.Refund, context: Ctx) -> pb.RefundResponse:
        s, made = await refund.refund(self.deps, c, self._paying(context))
        return pb.RefundResponse(settlement=cv.settlement_pb(s), refund=cv.refund_pb(made))

    @rpc(parse.reverse)
    async def Reverse(self, c: cmd.Reverse, context: Ctx) -> pb.ReverseResponse:
        return pb.ReverseResponse(
            settlement=cv.settlement_pb(await reverse.reverse(self.deps, c, self._paying(context)))
        )

    @rpc(parse.settlement_ref)
    async def GetSettlement(self, c: cmd.SettlementRef, context: Ctx) -> pb.GetSettlementResponse:
        return pb.GetSettlementResponse(settlement=cv.settlement_pb(await query.get(self.deps, c, _call(context))))

    @rpc(parse.list_settlements)
    async def ListSettlements(self, c: cmd.ListSettlements, context: Ctx) -> pb.ListSettlementsResponse:
        page = await query.list_settlements(self.deps, c, _call(context))
        last = page.settlements[-1] if page.more else None
        token = parse.page_token(last.created_at, last.id) if last is not None and last.created_at else ""
        return pb.ListSettlementsResponse(
            settlements=[cv.settlement_pb(s) for s in page.settlements], next_page_token=token
        )

    @rpc(parse.reconcile)
    async def Reconcile(self, c: cmd.Reconcile, context: Ctx) -> pb.ReconcileResponse:
        out = await query.reconcile(self.deps, c, _call(context))
        return pb.ReconcileResponse(
            balanced=out.balanced,
            ours=cv.totals_pb(out.ours),
            differing_totals=out.differing,
            rows=[cv.row_pb(r) for r in out.rows],
            matched_rows=out.matched,
            by_type=[cv.type_totals_pb(t) for t in out.by_type],
        )

    async def DetailFile(self, request: pb.DetailFileRequest, context: Ctx) -> AsyncIterator[pb.DetailFileResponse]:
        """Streams the rows, then the summary: row count and the SHA-256 of the rows' lines (3202's file). Errors
        become statuses before the first row, as every unary RPC's do."""
        try:
            rows = await query.detail_file(self.deps, parse.detail_file(request), _call(context))
        except grpc.aio.AbortError:
            raise
        except Exception as exc:  # noqa: BLE001 - the client must never see a stack trace
            await abort_for(exc, "DetailFile", context)
            raise AssertionError("unreachable") from exc
        for row in rows:
            yield pb.DetailFileResponse(row=cv.detail_row_pb(row))
        summary = pb.DetailSummary(row_count=len(rows), sha256=checksum(r.line for r in rows))
        yield pb.DetailFileResponse(summary=summary)

    @rpc(parse.close_period)
    async def ClosePeriod(self, c: dt.datetime, context: Ctx) -> pb.ClosePeriodResponse:
        return pb.ClosePeriodResponse(
            period=cv.period_pb(await clearing.close_period(self.deps, c, self._paying(context)))
        )
