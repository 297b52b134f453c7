"""gRPC servicer of gongji.accounts.v1.AccountsService: validates input, runs one use case in one transaction."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeAlias, TypeVar

import grpc
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gongji.accounts.v1 import accounts_pb2 as pb
from gongji.accounts.v1 import accounts_pb2_grpc
from services.accounts.domain.identity import is_valid_id_number
from services.accounts.domain.model import Person, PersonStatus, Source
from services.accounts.transport import convert as cv
from services.accounts.usecases import ledger, payments, pools, registry
from services.accounts.usecases.env import Env
from services.common.errors import MAX_FEN, Validator
from services.common.grpc_errors import rpc
from services.common.idempotency import IdempotentRunner

M = TypeVar("M", bound=Message)
Ctx: TypeAlias = grpc.aio.ServicerContext

_PSN_NO = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_REGION = re.compile(r"^[0-9]{6}$")
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


def _psn(v: Validator, value: str, field: str = "psn_no") -> None:
    v.check(bool(_PSN_NO.match(value)), field, "required: 1-40 letters, digits, '-' or '_'")


def _id_number(v: Validator, value: str, field: str) -> None:
    v.check(is_valid_id_number(value), field, "must be an 18-character ID number with a valid check digit")


def _sources(v: Validator, values: Iterable[int]) -> list[Source]:
    sources = [cv.source(s) for s in values]
    v.check(bool(sources) and None not in sources and len(set(sources)) == len(sources), "sources",
            "required: PERSONAL_ACCOUNT and/or FAMILY_POOL, each at most once, in the order to use them")
    return [s for s in sources if s is not None]


class AccountsServicer(accounts_pb2_grpc.AccountsServiceServicer):
    def __init__(self, engine: AsyncEngine, env: Env) -> None:
        self.engine = engine
        self.env = env
        self.idempotent = IdempotentRunner(engine, "accounts.idempotency_keys")

    async def _write(self, method: str, request: Message, response_type: type[M],
                     work: Callable[[AsyncConnection], Awaitable[M]]) -> M:
        return await self.idempotent.run(method, request, response_type, work)

    async def _read(self, work: Callable[[AsyncConnection], Awaitable[M]]) -> M:
        async with self.engine.connect() as conn, conn.begin():
            return await work(conn)

    # ------------------------------------------------------------ registry

    @rpc
    async def RegisterPerson(self, request: pb.RegisterPersonRequest, context: Ctx) -> pb.RegisterPersonResponse:
        v = Validator()
        v.request_id(request.request_id)
        _psn(v, request.psn_no)
        v.check(0 < len(request.name.strip()) <= 64, "name", "required, at most 64 characters")
        _id_number(v, request.id_number, "id_number")
        itype = cv.insurance_type(request.insurance_type)
        v.check(itype is not None, "insurance_type", "required: EMPLOYEE or RESIDENT")
        v.check(bool(_REGION.match(request.region_code)), "region_code", "required: 6 digits, e.g. 630100")
        v.check(0 <= request.disabled_veteran_level <= 6, "disabled_veteran_level", "0 (none) or 1..6")
        v.done()
        assert itype is not None
        person = Person(request.psn_no, itype, request.region_code, PersonStatus.ACTIVE,
                        request.chronic_disease_benefit, request.retired_cadre, request.disabled_veteran_level)

        async def work(conn: AsyncConnection) -> pb.RegisterPersonResponse:
            view = await registry.register_person(conn, self.env, person, request.name, request.id_number)
            return pb.RegisterPersonResponse(person=cv.person_pb(view))

        return await self._write("RegisterPerson", request, pb.RegisterPersonResponse, work)

    @rpc
    async def GetPerson(self, request: pb.GetPersonRequest, context: Ctx) -> pb.GetPersonResponse:
        v = Validator()
        _psn(v, request.psn_no)
        v.done()

        async def work(conn: AsyncConnection) -> pb.GetPersonResponse:
            return pb.GetPersonResponse(person=cv.person_pb(await registry.get_person(conn, request.psn_no)))

        return await self._read(work)

    @rpc
    async def RecordLifeEvent(self, request: pb.RecordLifeEventRequest, context: Ctx) -> pb.RecordLifeEventResponse:
        v = Validator()
        v.request_id(request.request_id)
        _psn(v, request.psn_no)
        event = cv.life_event(request.event_type)
        v.check(event is not None, "event_type", "required")
        if event is not None and event.value == "REGION_CHANGED":
            v.check(bool(_REGION.match(request.new_region_code)), "new_region_code", "required: 6 digits")
        if event is not None and event.value == "DISABLED_VETERAN_GRANTED":
            v.check(1 <= request.disabled_veteran_level <= 6, "disabled_veteran_level", "required: 1..6")
        v.done()
        assert event is not None

        async def work(conn: AsyncConnection) -> pb.RecordLifeEventResponse:
            out = await registry.record_life_event(conn, self.env, request.psn_no, event, request.new_region_code,
                                                   request.disabled_veteran_level)
            return pb.RecordLifeEventResponse(
                person=cv.person_pb(out.person),
                dissolved_pool_id=str(out.dissolved_pool_id) if out.dissolved_pool_id else "",
                returned_fen=out.returned_fen, left_pool_id=str(out.left_pool_id) if out.left_pool_id else "")

        return await self._write("RecordLifeEvent", request, pb.RecordLifeEventResponse, work)

    @rpc
    async def CreditPersonalAccount(self, request: pb.CreditPersonalAccountRequest,
                                    context: Ctx) -> pb.CreditPersonalAccountResponse:
        v = Validator()
        v.request_id(request.request_id)
        _psn(v, request.psn_no)
        v.positive_fen(request.amount_fen)
        v.check(len(request.memo) <= 200, "memo", "at most 200 characters")
        v.done()

        async def work(conn: AsyncConnection) -> pb.CreditPersonalAccountResponse:
            balance, txn = await registry.credit_personal_account(conn, request.psn_no, request.amount_fen,
                                                                  request.memo)
            return pb.CreditPersonalAccountResponse(balance_fen=balance, journal_txn_id=str(txn))

        return await self._write("CreditPersonalAccount", request, pb.CreditPersonalAccountResponse, work)

    # ------------------------------------------------------------ family pool

    @rpc
    async def CreatePool(self, request: pb.CreatePoolRequest, context: Ctx) -> pb.CreatePoolResponse:
        v = Validator()
        v.request_id(request.request_id)
        _psn(v, request.creator_psn_no, "creator_psn_no")
        v.check(0 < len(request.agreement_version) <= 32, "agreement_version",
                "required: the version of the commitment agreement the creator accepted")
        v.done()

        async def work(conn: AsyncConnection) -> pb.CreatePoolResponse:
            pool = await pools.create_pool(conn, self.env, request.creator_psn_no, request.agreement_version)
            return pb.CreatePoolResponse(pool=cv.pool_pb(pool))

        return await self._write("CreatePool", request, pb.CreatePoolResponse, work)

    @rpc
    async def InviteMember(self, request: pb.InviteMemberRequest, context: Ctx) -> pb.InviteMemberResponse:
        v = Validator()
        v.request_id(request.request_id)
        pool_id = cv.parse_id(v, request.pool_id, "pool_id")
        v.check(0 < len(request.member_name.strip()) <= 64, "member_name", "required")
        _id_number(v, request.member_id_number, "member_id_number")
        relation = cv.relation(request.relation)
        v.check(relation is not None, "relation", "required")
        v.done()
        assert pool_id is not None and relation is not None

        async def work(conn: AsyncConnection) -> pb.InviteMemberResponse:
            invitation = await pools.invite_member(conn, self.env, pool_id, request.member_name,
                                                   request.member_id_number, relation)
            return pb.InviteMemberResponse(invitation=cv.member_pb(invitation))

        return await self._write("InviteMember", request, pb.InviteMemberResponse, work)

    @rpc
    async def AcceptInvitation(self, request: pb.AcceptInvitationRequest,
                               context: Ctx) -> pb.AcceptInvitationResponse:
        v = Validator()
        v.request_id(request.request_id)
        invitation_id = cv.parse_id(v, request.invitation_id, "invitation_id")
        v.done()
        assert invitation_id is not None

        async def work(conn: AsyncConnection) -> pb.AcceptInvitationResponse:
            pool = await pools.accept_invitation(conn, self.env, invitation_id)
            return pb.AcceptInvitationResponse(pool=cv.pool_pb(pool))

        return await self._write("AcceptInvitation", request, pb.AcceptInvitationResponse, work)

    @rpc
    async def DeclineInvitation(self, request: pb.DeclineInvitationRequest,
                                context: Ctx) -> pb.DeclineInvitationResponse:
        v = Validator()
        v.request_id(request.request_id)
        invitation_id = cv.parse_id(v, request.invitation_id, "invitation_id")
        v.done()
        assert invitation_id is not None

        async def work(conn: AsyncConnection) -> pb.DeclineInvitationResponse:
            member = await pools.decline_invitation(conn, invitation_id)
            return pb.DeclineInvitationResponse(invitation=cv.member_pb(member))

        return await self._write("DeclineInvitation", request, pb.DeclineInvitationResponse, work)

    @rpc
    async def RemoveMember(self, request: pb.RemoveMemberRequest, context: Ctx) -> pb.RemoveMemberResponse:
        v = Validator()
        v.request_id(request.request_id)
        pool_id = cv.parse_id(v, request.pool_id, "pool_id")
        _psn(v, request.member_psn_no, "member_psn_no")
        v.done()
        assert pool_id is not None

        async def work(conn: AsyncConnection) -> pb.RemoveMemberResponse:
            return pb.RemoveMemberResponse(
                pool=cv.pool_pb(await pools.remove_member(conn, pool_id, request.member_psn_no)))

        return await self._write("RemoveMember", request, pb.RemoveMemberResponse, work)

    @rpc
    async def DissolvePool(self, request: pb.DissolvePoolRequest, context: Ctx) -> pb.DissolvePoolResponse:
        v = Validator()
        v.request_id(request.request_id)
        pool_id = cv.parse_id(v, request.pool_id, "pool_id")
        v.done()
        assert pool_id is not None

        async def work(conn: AsyncConnection) -> pb.DissolvePoolResponse:
            pool, returned = await pools.dissolve_pool(conn, pool_id)
            return pb.DissolvePoolResponse(pool=cv.pool_pb(pool), returned_fen=returned)

        return await self._write("DissolvePool", request, pb.DissolvePoolResponse, work)

    @rpc
    async def TransferToPool(self, request: pb.TransferToPoolRequest, context: Ctx) -> pb.TransferToPoolResponse:
        v = Validator()
        v.request_id(request.request_id)
        pool_id = cv.parse_id(v, request.pool_id, "pool_id")
        v.positive_fen(request.amount_fen)
        v.done()
        assert pool_id is not None

        async def work(conn: AsyncConnection) -> pb.TransferToPoolResponse:
            pool_balance, creator_balance, txn = await pools.transfer_to_pool(conn, self.env, pool_id,
                                                                              request.amount_fen)
            return pb.TransferToPoolResponse(pool_balance_fen=pool_balance, creator_balance_fen=creator_balance,
                                             journal_txn_id=str(txn))

        return await self._write("TransferToPool", request, pb.TransferToPoolResponse, work)

    @rpc
    async def GetPool(self, request: pb.GetPoolRequest, context: Ctx) -> pb.GetPoolResponse:
        v = Validator()
        pool_id = cv.parse_id(v, request.pool_id, "pool_id", required=False)
        if pool_id is None:
            _psn(v, request.psn_no)
        v.done()

        async def work(conn: AsyncConnection) -> pb.GetPoolResponse:
            return pb.GetPoolResponse(pool=cv.pool_pb(await pools.get_pool(conn, pool_id, request.psn_no)))

        return await self._read(work)

    @rpc
    async def CheckEligibility(self, request: pb.CheckEligibilityRequest,
                               context: Ctx) -> pb.CheckEligibilityResponse:
        v = Validator()
        action = pb.EligibilityAction.Name(request.action).removeprefix("ELIGIBILITY_ACTION_") \
            if request.action in pb.EligibilityAction.values() and request.action else ""
        v.check(bool(action), "action", "required")
        _psn(v, request.creator_psn_no, "creator_psn_no")
        relation = cv.relation(request.relation)
        if action == "BIND_MEMBER":
            v.check(bool(request.member_name.strip()), "member_name", "required")
            _id_number(v, request.member_id_number, "member_id_number")
            v.check(relation is not None, "relation", "required")
        if action == "TRANSFER":
            v.positive_fen(request.amount_fen)
        v.done()

        async def work(conn: AsyncConnection) -> pb.CheckEligibilityResponse:
            found = await pools.check_eligibility(conn, self.env, action, request.creator_psn_no,
                                                  request.member_name, request.member_id_number, relation,
                                                  request.amount_fen)
            return pb.CheckEligibilityResponse(eligible=not found, violations=[cv.violation_pb(e) for e in found])

        return await self._read(work)

    # ------------------------------------------------------------ money for settlement

    @rpc
    async def Reserve(self, request: pb.ReserveRequest, context: Ctx) -> pb.ReserveResponse:
        v = Validator()
        v.request_id(request.request_id)
        _psn(v, request.payer_psn_no, "payer_psn_no")
        v.positive_fen(request.amount_fen)
        sources = _sources(v, request.sources)
        v.check(request.hold_ttl_seconds >= 0, "hold_ttl_seconds", "must not be negative")
        v.check(len(request.fixmedins_code) <= 32, "fixmedins_code", "at most 32 characters")
        v.check(len(request.description) <= 200, "description", "at most 200 characters")
        v.done()

        async def work(conn: AsyncConnection) -> pb.ReserveResponse:
            r = await payments.reserve(conn, self.env, request.payer_psn_no, request.amount_fen,
                                       sources,
                                       hold_ttl_seconds=request.hold_ttl_seconds,
                                       all_or_nothing=request.all_or_nothing,
                                       debit_immediately=request.debit_immediately,
                                       fixmedins_code=request.fixmedins_code, description=request.description)
            return pb.ReserveResponse(reservation=cv.reservation_pb(r))

        return await self._write("Reserve", request, pb.ReserveResponse, work)

    @rpc
    async def Debit(self, request: pb.DebitRequest, context: Ctx) -> pb.DebitResponse:
        v = Validator()
        v.request_id(request.request_id)
        reservation_id = cv.parse_id(v, request.reservation_id, "reservation_id")
        v.check(0 <= request.amount_fen <= MAX_FEN, "amount_fen", "must not be negative")
        v.done()
        assert reservation_id is not None

        async def work(conn: AsyncConnection) -> pb.DebitResponse:
            r = await payments.debit(conn, self.env, reservation_id, request.amount_fen)
            return pb.DebitResponse(reservation=cv.reservation_pb(r))

        return await self._write("Debit", request, pb.DebitResponse, work)

    @rpc
    async def Release(self, request: pb.ReleaseRequest, context: Ctx) -> pb.ReleaseResponse:
        v = Validator()
        v.request_id(request.request_id)
        reservation_id = cv.parse_id(v, request.reservation_id, "reservation_id")
        v.done()
        assert reservation_id is not None

        async def work(conn: AsyncConnection) -> pb.ReleaseResponse:
            r = await payments.release(conn, self.env, reservation_id)
            return pb.ReleaseResponse(reservation=cv.reservation_pb(r))

        return await self._write("Release", request, pb.ReleaseResponse, work)

    @rpc
    async def Refund(self, request: pb.RefundRequest, context: Ctx) -> pb.RefundResponse:
        v = Validator()
        v.request_id(request.request_id)
        reservation_id = cv.parse_id(v, request.reservation_id, "reservation_id")
        v.positive_fen(request.amount_fen)
        v.done()
        assert reservation_id is not None

        async def work(conn: AsyncConnection) -> pb.RefundResponse:
            r, parts = await payments.refund(conn, reservation_id, request.amount_fen)
            return pb.RefundResponse(reservation=cv.reservation_pb(r), parts=[cv.refund_part_pb(p) for p in parts])

        return await self._write("Refund", request, pb.RefundResponse, work)

    @rpc
    async def GetReservation(self, request: pb.GetReservationRequest, context: Ctx) -> pb.GetReservationResponse:
        v = Validator()
        reservation_id = cv.parse_id(v, request.reservation_id, "reservation_id")
        v.done()
        assert reservation_id is not None

        async def work(conn: AsyncConnection) -> pb.GetReservationResponse:
            r = await payments.get_reservation(conn, reservation_id)
            return pb.GetReservationResponse(reservation=cv.reservation_pb(r))

        return await self._read(work)

    @rpc
    async def Quote(self, request: pb.QuoteRequest, context: Ctx) -> pb.QuoteResponse:
        v = Validator()
        _psn(v, request.payer_psn_no, "payer_psn_no")
        v.positive_fen(request.amount_fen)
        sources = _sources(v, request.sources)
        v.done()

        async def work(conn: AsyncConnection) -> pb.QuoteResponse:
            q = await payments.quote(conn, request.payer_psn_no, request.amount_fen, sources)
            return pb.QuoteResponse(legs=[cv.leg_pb(leg) for leg in q.legs],
                                    uncovered_fen=q.requested_fen - q.reserved_fen,
                                    payer_personal_available_fen=q.payer_personal_available_fen,
                                    payer_pool_available_fen=q.payer_pool_available_fen)

        return await self._read(work)

    @rpc
    async def Fence(self, request: pb.FenceRequest, context: Ctx) -> pb.FenceResponse:
        v = Validator()
        v.request_id(request.request_id)
        v.done()
        state = await self.idempotent.fence(request.request_id)
        return pb.FenceResponse(already_executed=state == "executed", already_failed=state == "failed")

    # ------------------------------------------------------------ queries and ledger

    @rpc
    async def GetBalances(self, request: pb.GetBalancesRequest, context: Ctx) -> pb.GetBalancesResponse:
        v = Validator()
        _psn(v, request.psn_no)
        v.done()

        async def work(conn: AsyncConnection) -> pb.GetBalancesResponse:
            b = await payments.get_balances(conn, request.psn_no)
            return pb.GetBalancesResponse(psn_no=b.psn_no, personal=cv.balance_pb(b.personal),
                                          pool_id=str(b.pool_id) if b.pool_id else "", pool=cv.balance_pb(b.pool))

        return await self._read(work)

    @rpc
    async def ListTransactions(self, request: pb.ListTransactionsRequest,
                               context: Ctx) -> pb.ListTransactionsResponse:
        v = Validator()
        pool_id = cv.parse_id(v, request.pool_id, "pool_id", required=False)
        if pool_id is None:
            _psn(v, request.psn_no)
        v.check(0 <= request.page_size <= MAX_PAGE_SIZE, "page_size", f"0..{MAX_PAGE_SIZE}")
        before = cv.parse_id(v, request.page_token, "page_token", required=False)
        v.done()

        async def work(conn: AsyncConnection) -> pb.ListTransactionsResponse:
            rows, next_before = await ledger.list_records(conn, request.psn_no, pool_id, before,
                                                          request.page_size or DEFAULT_PAGE_SIZE)
            return pb.ListTransactionsResponse(records=[cv.record_pb(r) for r in rows],
                                               next_page_token=str(next_before) if next_before else "")

        return await self._read(work)

    @rpc
    async def PayResidentPremium(self, request: pb.PayResidentPremiumRequest,
                                 context: Ctx) -> pb.PayResidentPremiumResponse:
        v = Validator()
        v.request_id(request.request_id)
        _psn(v, request.payer_psn_no, "payer_psn_no")
        _psn(v, request.beneficiary_psn_no, "beneficiary_psn_no")
        relation = cv.relation(request.relation)
        v.check(relation is not None, "relation", "required")
        v.positive_fen(request.amount_fen)
        v.check(2000 <= request.premium_year <= 2100, "premium_year", "required, e.g. 2027")
        v.done()
        assert relation is not None

        async def work(conn: AsyncConnection) -> pb.PayResidentPremiumResponse:
            balance, txn = await ledger.pay_resident_premium(conn, self.env, request.payer_psn_no,
                                                             request.beneficiary_psn_no, relation,
                                                             request.amount_fen, request.premium_year)
            return pb.PayResidentPremiumResponse(payer_balance_fen=balance, journal_txn_id=str(txn))

        return await self._write("PayResidentPremium", request, pb.PayResidentPremiumResponse, work)

    @rpc
    async def VerifyLedger(self, request: pb.VerifyLedgerRequest, context: Ctx) -> pb.VerifyLedgerResponse:
        async def work(conn: AsyncConnection) -> pb.VerifyLedgerResponse:
            report = await ledger.verify(conn)
            return pb.VerifyLedgerResponse(ok=not report.problems, problems=report.problems,
                                           accounts_checked=report.accounts_checked,
                                           transactions_checked=report.transactions_checked)

        return await self._read(work)
