"""gRPC servicer of gongji.settlement.v1.SettlementService: validates, takes the institution from the auth
interceptor, and hands the POS's remaining deadline down to every call to accounts."""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import TypeAlias

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from gongji.settlement.v1 import settlement_pb2 as pb
from gongji.settlement.v1 import settlement_pb2_grpc
from services.common.errors import MAX_FEN, Validator
from services.common.grpc_errors import rpc
from services.settlement.domain.model import Kind
from services.settlement.service import SettlementService
from services.settlement.transport import convert as cv
from services.settlement.transport.auth import current_institution

Ctx: TypeAlias = grpc.aio.ServicerContext

_POS_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_PSN_NO = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_SETTLEMENT_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_PAGE_SIZE = 200
MAX_PERIOD = dt.timedelta(days=31)
MAX_ITEMS = 10_000
# What we keep of the POS's deadline for our own bookkeeping after the last call to accounts.
DEADLINE_MARGIN_S = 0.2


def _budget(context: Ctx) -> float | None:
    remaining = context.time_remaining()
    return None if remaining is None else max(remaining - DEADLINE_MARGIN_S, 0.05)


def _pos(v: Validator, value: str, field: str = "pos_txn_id") -> None:
    v.check(bool(_POS_ID.match(value)), field, "required: 1-64 letters, digits or - _ . :")


def _payer(v: Validator, value: str) -> None:
    v.check(bool(_PSN_NO.match(value)), "payer_psn_no", "required: the patient's person number")


def _which(v: Validator, settlement_id: str, pos_txn_id: str) -> None:
    if settlement_id:
        v.check(bool(_SETTLEMENT_ID.match(settlement_id)), "settlement_id", "a settlement id as returned")
    else:
        _pos(v, pos_txn_id)


def _period(v: Validator, start: Timestamp, end: Timestamp) -> tuple[dt.datetime, dt.datetime]:
    s, e = start.ToDatetime(dt.UTC), end.ToDatetime(dt.UTC)
    v.check(start.ByteSize() > 0 and end.ByteSize() > 0 and s < e, "period_end",
            "period_start and period_end are required, start before end")
    v.check(e - s <= MAX_PERIOD, "period_end", "a period is at most 31 days")
    return s, e


class SettlementServicer(settlement_pb2_grpc.SettlementServiceServicer):  # type: ignore[misc]
    def __init__(self, service: SettlementService) -> None:
        self.service = service

    @rpc
    async def PreSettle(self, request: pb.PreSettleRequest, context: Ctx) -> pb.PreSettleResponse:
        v = Validator()
        _payer(v, request.payer_psn_no)
        v.positive_fen(request.amount_fen)
        v.done()
        split, balc, pool_balc = await self.service.pre_settle(request.payer_psn_no, request.amount_fen,
                                                                _budget(context))
        return pb.PreSettleResponse(split=cv.split_pb(split), balc_fen=balc, pool_balc_fen=pool_balc)

    @rpc
    async def Settle(self, request: pb.SettleRequest, context: Ctx) -> pb.SettleResponse:
        v = Validator()
        _pos(v, request.pos_txn_id)
        _payer(v, request.payer_psn_no)
        v.positive_fen(request.amount_fen)
        v.check(len(request.description) <= 200, "description", "at most 200 characters")
        v.done()
        s = await self.service.start(current_institution(), Kind.SALE, request.pos_txn_id, request.payer_psn_no,
                                     request.amount_fen, request.description, 0, _budget(context))
        return pb.SettleResponse(settlement=cv.settlement_pb(s))

    @rpc
    async def Authorize(self, request: pb.AuthorizeRequest, context: Ctx) -> pb.AuthorizeResponse:
        v = Validator()
        _pos(v, request.pos_txn_id)
        _payer(v, request.payer_psn_no)
        v.positive_fen(request.amount_fen)
        v.check(request.hold_ttl_seconds >= 0, "hold_ttl_seconds", "must not be negative")
        v.check(len(request.description) <= 200, "description", "at most 200 characters")
        v.done()
        s = await self.service.start(current_institution(), Kind.AUTHORIZATION, request.pos_txn_id,
                                     request.payer_psn_no, request.amount_fen, request.description,
                                     request.hold_ttl_seconds, _budget(context))
        return pb.AuthorizeResponse(settlement=cv.settlement_pb(s))

    @rpc
    async def Capture(self, request: pb.CaptureRequest, context: Ctx) -> pb.CaptureResponse:
        v = Validator()
        _which(v, request.settlement_id, request.pos_txn_id)
        v.check(0 <= request.amount_fen <= MAX_FEN, "amount_fen", "must not be negative")
        v.done()
        s = await self.service.capture(current_institution(), request.settlement_id, request.pos_txn_id,
                                       request.amount_fen, _budget(context))
        return pb.CaptureResponse(settlement=cv.settlement_pb(s))

    @rpc
    async def Void(self, request: pb.VoidRequest, context: Ctx) -> pb.VoidResponse:
        v = Validator()
        _which(v, request.settlement_id, request.pos_txn_id)
        v.done()
        s = await self.service.void(current_institution(), request.settlement_id, request.pos_txn_id,
                                    _budget(context))
        return pb.VoidResponse(settlement=cv.settlement_pb(s))

    @rpc
    async def Refund(self, request: pb.RefundRequest, context: Ctx) -> pb.RefundResponse:
        v = Validator()
        _pos(v, request.refund_pos_txn_id, "refund_pos_txn_id")
        _which(v, request.settlement_id, request.pos_txn_id)
        v.positive_fen(request.amount_fen)
        v.done()
        s, refund = await self.service.refund(current_institution(), request.settlement_id, request.pos_txn_id,
                                              request.refund_pos_txn_id, request.amount_fen, _budget(context))
        return pb.RefundResponse(settlement=cv.settlement_pb(s), refund=cv.refund_pb(refund))

    @rpc
    async def Reverse(self, request: pb.ReverseRequest, context: Ctx) -> pb.ReverseResponse:
        v = Validator()
        _pos(v, request.pos_txn_id)
        v.done()
        s = await self.service.reverse(current_institution(), request.pos_txn_id, _budget(context))
        return pb.ReverseResponse(settlement=cv.settlement_pb(s))

    @rpc
    async def GetSettlement(self, request: pb.GetSettlementRequest, context: Ctx) -> pb.GetSettlementResponse:
        v = Validator()
        _which(v, request.settlement_id, request.pos_txn_id)
        v.done()
        s = await self.service.find(current_institution(), request.settlement_id, request.pos_txn_id)
        return pb.GetSettlementResponse(settlement=cv.settlement_pb(s))

    @rpc
    async def ListSettlements(self, request: pb.ListSettlementsRequest,
                              context: Ctx) -> pb.ListSettlementsResponse:
        v = Validator()
        start, end = _period(v, request.period_start, request.period_end)
        v.check(0 <= request.page_size <= MAX_PAGE_SIZE, "page_size", f"0..{MAX_PAGE_SIZE}")
        after = _page_token(v, request.page_token)
        v.done()
        limit = request.page_size or 50
        found = await self.service.list_settlements(current_institution(), start, end, after, limit + 1)
        page = found[:limit]
        token = ""
        if len(found) > limit and page[-1].created_at is not None:
            token = base64.urlsafe_b64encode(f"{page[-1].created_at.isoformat()}|{page[-1].id}".encode()).decode()
        return pb.ListSettlementsResponse(settlements=[cv.settlement_pb(s) for s in page], next_page_token=token)

    @rpc
    async def Reconcile(self, request: pb.ReconcileRequest, context: Ctx) -> pb.ReconcileResponse:
        v = Validator()
        start, end = _period(v, request.period_start, request.period_end)
        v.check(len(request.items) <= MAX_ITEMS, "items", f"at most {MAX_ITEMS} rows")
        v.check(len({i.pos_txn_id for i in request.items}) == len(request.items), "items",
                "each pos_txn_id at most once")
        v.done()
        items = [cv.item(i) for i in request.items] if request.items else None
        out = await self.service.reconcile(current_institution(), start, end, cv.totals(request.totals), items)
        return pb.ReconcileResponse(balanced=out.balanced, ours=cv.totals_pb(out.ours),
                                    differing_totals=out.differing, rows=[cv.row_pb(r) for r in out.rows],
                                    matched_rows=out.matched)


def _page_token(v: Validator, token: str) -> tuple[dt.datetime, str] | None:
    if not token:
        return None
    try:
        when, _, sid = base64.urlsafe_b64decode(token.encode()).decode().partition("|")
        return dt.datetime.fromisoformat(when), sid
    except (ValueError, UnicodeDecodeError):
        v.check(False, "page_token", "not a token this service returned")
        return None
