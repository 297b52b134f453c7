"""gRPC servicer of gongji.settlement.v1.SettlementService: parse → call → convert. The institution comes from the
auth interceptor, and the POS's remaining deadline goes down to every call to accounts."""

from __future__ import annotations

from gongji.settlement.v1 import settlement_pb2 as pb
from gongji.settlement.v1 import settlement_pb2_grpc
from services.common.rpc import Ctx, rpc
from services.settlement.domain import commands as cmd
from services.settlement.service import SettlementService
from services.settlement.transport import convert as cv
from services.settlement.transport import parse
from services.settlement.transport.auth import current_institution

# What we keep of the POS's deadline for our own bookkeeping after the last call to accounts.
DEADLINE_MARGIN_S = 0.2


def _budget(context: Ctx) -> float | None:
    remaining = context.time_remaining()
    return None if remaining is None else max(remaining - DEADLINE_MARGIN_S, 0.05)


class SettlementServicer(settlement_pb2_grpc.SettlementServiceServicer):  # type: ignore[misc]
    def __init__(self, service: SettlementService) -> None:
        self.service = service

    @rpc(parse.pre_settle)
    async def PreSettle(self, c: cmd.PreSettle, context: Ctx) -> pb.PreSettleResponse:
        split, balc, pool_balc = await self.service.pre_settle(c.payer_psn_no, c.amount_fen, _budget(context))
        return pb.PreSettleResponse(split=cv.split_pb(split), balc_fen=balc, pool_balc_fen=pool_balc)

    @rpc(parse.settle)
    async def Settle(self, c: cmd.Pay, context: Ctx) -> pb.SettleResponse:
        s = await self.service.start(current_institution(), c, _budget(context))
        return pb.SettleResponse(settlement=cv.settlement_pb(s))

    @rpc(parse.authorize)
    async def Authorize(self, c: cmd.Pay, context: Ctx) -> pb.AuthorizeResponse:
        s = await self.service.start(current_institution(), c, _budget(context))
        return pb.AuthorizeResponse(settlement=cv.settlement_pb(s))

    @rpc(parse.capture)
    async def Capture(self, c: cmd.Capture, context: Ctx) -> pb.CaptureResponse:
        s = await self.service.capture(current_institution(), c.settlement.settlement_id, c.settlement.pos_txn_id,
                                       c.amount_fen, _budget(context))
        return pb.CaptureResponse(settlement=cv.settlement_pb(s))

    @rpc(parse.settlement_ref)
    async def Void(self, c: cmd.SettlementRef, context: Ctx) -> pb.VoidResponse:
        s = await self.service.void(current_institution(), c.settlement_id, c.pos_txn_id, _budget(context))
        return pb.VoidResponse(settlement=cv.settlement_pb(s))

    @rpc(parse.refund)
    async def Refund(self, c: cmd.Refund, context: Ctx) -> pb.RefundResponse:
        s, refund = await self.service.refund(current_institution(), c.settlement.settlement_id,
                                              c.settlement.pos_txn_id, c.refund_pos_txn_id, c.amount_fen,
                                              _budget(context))
        return pb.RefundResponse(settlement=cv.settlement_pb(s), refund=cv.refund_pb(refund))

    @rpc(parse.reverse)
    async def Reverse(self, c: cmd.Reverse, context: Ctx) -> pb.ReverseResponse:
        s = await self.service.reverse(current_institution(), c.pos_txn_id, _budget(context))
        return pb.ReverseResponse(settlement=cv.settlement_pb(s))

    @rpc(parse.settlement_ref)
    async def GetSettlement(self, c: cmd.SettlementRef, context: Ctx) -> pb.GetSettlementResponse:
        s = await self.service.find(current_institution(), c.settlement_id, c.pos_txn_id)
        return pb.GetSettlementResponse(settlement=cv.settlement_pb(s))

    @rpc(parse.list_settlements)
    async def ListSettlements(self, c: cmd.ListSettlements, context: Ctx) -> pb.ListSettlementsResponse:
        found = await self.service.list_settlements(current_institution(), c.period.start, c.period.end, c.after,
                                                    c.page_size + 1)
        page = found[:c.page_size]
        last = page[-1] if len(found) > c.page_size else None
        token = parse.page_token(last.created_at, last.id) if last is not None and last.created_at else ""
        return pb.ListSettlementsResponse(settlements=[cv.settlement_pb(s) for s in page], next_page_token=token)

    @rpc(parse.reconcile)
    async def Reconcile(self, c: cmd.Reconcile, context: Ctx) -> pb.ReconcileResponse:
        out = await self.service.reconcile(current_institution(), c.period.start, c.period.end, c.theirs,
                                           list(c.items) if c.items is not None else None)
        return pb.ReconcileResponse(balanced=out.balanced, ours=cv.totals_pb(out.ours),
                                    differing_totals=out.differing, rows=[cv.row_pb(r) for r in out.rows],
                                    matched_rows=out.matched)
