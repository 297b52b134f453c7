"""The accounts service's four gRPC services, one per kind of caller. Every RPC reads parse → call → convert."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection as Tx
from sqlalchemy.ext.asyncio import AsyncEngine

from gongji.accounts.v1 import family_service_pb2 as family
from gongji.accounts.v1 import (
    family_service_pb2_grpc,
    ledger_service_pb2_grpc,
    payment_service_pb2_grpc,
    registry_service_pb2_grpc,
)
from gongji.accounts.v1 import ledger_service_pb2 as ledger
from gongji.accounts.v1 import payment_service_pb2 as payment
from gongji.accounts.v1 import registry_service_pb2 as registry
from services.accounts.domain import commands as cmd
from services.accounts.transport import convert as cv
from services.accounts.transport import parse
from services.accounts.transport.access import DELEGATED, OWN_CHANNEL
from services.accounts.transport.batch import ChangeBatches, GroupCommit, Item, ReserveBatches
from services.accounts.transport.handlers import Handlers, by_payer, by_reservation, read, write
from services.accounts.usecases import clearing, payments, pools
from services.accounts.usecases import ledger as ledger_uc
from services.accounts.usecases import registry as registry_uc
from services.accounts.usecases.env import Env
from services.common.actors import ON_BEHALF_OF
from services.common.auth import actor
from services.common.errors import DomainError, InvalidArgument
from services.common.observability import watch_batches
from services.common.rpc import Ctx, guarded, rpc
from services.common.wire import ts

C = TypeVar("C")  # a batched request's parsed command
M = TypeVar("M", bound=Message)


class RegistryServicer(Handlers, registry_service_pb2_grpc.RegistryServiceServicer):
    """The insurance registry's feed: people, life events, contributions."""

    @write(parse.register_person)
    async def RegisterPerson(self, c: cmd.RegisterPerson, tx: Tx) -> registry.RegisterPersonResponse:
        return registry.RegisterPersonResponse(person=cv.person(await registry_uc.register_person(tx, self.env, c)))

    @write(parse.record_life_event)
    async def RecordLifeEvent(self, c: cmd.RecordLifeEvent, tx: Tx) -> registry.RecordLifeEventResponse:
        out = await registry_uc.record_life_event(tx, self.env, c)
        return registry.RecordLifeEventResponse(
            person=cv.person(out.person),
            returned_fen=out.returned_fen,
            dissolved_pool_id=cv.public_id(out.dissolved_pool_id),
            left_pool_id=cv.public_id(out.left_pool_id),
        )

    @write(parse.credit_personal_account)
    async def CreditPersonalAccount(
        self, c: cmd.CreditPersonalAccount, tx: Tx
    ) -> registry.CreditPersonalAccountResponse:
        out = await registry_uc.credit_personal_account(tx, self.env, c)
        return registry.CreditPersonalAccountResponse(
            balance_fen=out.balance_fen, journal_txn_id=str(out.journal_txn_id)
        )

    @write(parse.roll_over_year)
    async def RollOverYear(self, c: cmd.RollOverYear, tx: Tx) -> registry.RollOverYearResponse:
        out = await registry_uc.roll_over_year(tx, self.env, c)
        return registry.RollOverYearResponse(
            year=c.year, rolled_accounts=out.accounts, moved_fen=out.moved_fen, remaining_accounts=out.remaining
        )


class FamilyServicer(Handlers, family_service_pb2_grpc.FamilyServiceServicer):
    """What the insured and the service counter do: pools, bindings, transfers, premiums, balances, records."""

    @read(parse.person_ref)
    async def GetPerson(self, c: cmd.PersonRef, tx: Tx) -> family.GetPersonResponse:
        return family.GetPersonResponse(person=cv.person(await registry_uc.get_person(tx, c)))

    @write(parse.create_pool)
    async def CreatePool(self, c: cmd.CreatePool, tx: Tx) -> family.CreatePoolResponse:
        return family.CreatePoolResponse(pool=cv.pool(await pools.create_pool(tx, self.env, c)))

    @write(parse.invite_member)
    async def InviteMember(self, c: cmd.InviteMember, tx: Tx) -> family.InviteMemberResponse:
        return family.InviteMemberResponse(invitation=cv.member(await pools.invite_member(tx, self.env, c)))

    @write(parse.accept_invitation)
    async def AcceptInvitation(self, c: cmd.AcceptInvitation, tx: Tx) -> family.AcceptInvitationResponse:
        return family.AcceptInvitationResponse(pool=cv.pool(await pools.accept_invitation(tx, self.env, c)))

    @write(parse.invitation_ref)
    async def DeclineInvitation(self, c: cmd.InvitationRef, tx: Tx) -> family.DeclineInvitationResponse:
        return family.DeclineInvitationResponse(invitation=cv.member(await pools.decline_invitation(tx, c)))

    @write(parse.remove_member)
    async def RemoveMember(self, c: cmd.RemoveMember, tx: Tx) -> family.RemoveMemberResponse:
        return family.RemoveMemberResponse(pool=cv.pool(await pools.remove_member(tx, c)))

    @write(parse.dissolve_pool)
    async def DissolvePool(self, c: cmd.DissolvePool, tx: Tx) -> family.DissolvePoolResponse:
        pool, returned = await pools.dissolve_pool(tx, self.env, c)
        return family.DissolvePoolResponse(pool=cv.pool(pool), returned_fen=returned)

    @write(parse.transfer_to_pool)
    async def TransferToPool(self, c: cmd.TransferToPool, tx: Tx) -> family.TransferToPoolResponse:
        out = await pools.transfer_to_pool(tx, self.env, c)
        return family.TransferToPoolResponse(
            pool_balance_fen=out.pool_balance_fen,
            creator_balance_fen=out.creator_balance_fen,
            journal_txn_id=str(out.journal_txn_id),
        )

    @read(parse.get_pool)
    async def GetPool(self, c: cmd.PoolRef, tx: Tx) -> family.GetPoolResponse:
        return family.GetPoolResponse(pool=cv.pool(await pools.get_pool(tx, c)))

    @read(parse.check_eligibility)
    async def CheckEligibility(self, c: cmd.CheckEligibility, tx: Tx) -> family.CheckEligibilityResponse:
        found = await pools.check_eligibility(tx, self.env, c)
        return family.CheckEligibilityResponse(eligible=not found, violations=[cv.violation(e) for e in found])

    @read(parse.get_balances)
    async def GetBalances(self, c: cmd.BalancesQuery, tx: Tx) -> family.GetBalancesResponse:
        if c.as_of is not None:
            b = await ledger_uc.balances_as_of(tx, c)
            return family.GetBalancesResponse(
                psn_no=b.psn_no, personal=cv.booked(b.personal), pool_id=cv.public_id(b.pool_id), pool=cv.booked(b.pool)
            )
        b = await payments.get_balances(tx, self.env, cmd.PersonRef(c.psn_no))
        return family.GetBalancesResponse(
            psn_no=b.psn_no, personal=cv.balance(b.personal), pool_id=cv.public_id(b.pool_id), pool=cv.balance(b.pool)
        )

    @read(parse.list_transactions)
    async def ListTransactions(self, c: cmd.ListTransactions, tx: Tx) -> family.ListTransactionsResponse:
        rows, before = await ledger_uc.list_records(tx, c)
        return family.ListTransactionsResponse(
            records=[cv.record(r) for r in rows], next_page_token=cv.public_id(before)
        )

    @read(parse.annual_statement)
    async def GetAnnualStatement(self, c: cmd.AnnualStatement, tx: Tx) -> family.GetAnnualStatementResponse:
        s = await ledger_uc.annual_statement(tx, c)
        return family.GetAnnualStatementResponse(
            psn_no=s.psn_no,
            year=s.year,
            period_start=ts(s.period_start),
            period_end=ts(s.period_end),
            current_year=cv.statement_lines(s.current_year),
            prior_years=cv.statement_lines(s.prior_years),
            total=cv.statement_lines(s.total),
        )

    @write(parse.pay_resident_premium)
    async def PayResidentPremium(self, c: cmd.PayResidentPremium, tx: Tx) -> family.PayResidentPremiumResponse:
        out = await ledger_uc.pay_resident_premium(tx, self.env, c)
        return family.PayResidentPremiumResponse(
            payer_balance_fen=out.payer_balance_fen, journal_txn_id=str(out.journal_txn_id), amount_fen=out.amount_fen
        )


class PaymentServicer(Handlers, payment_service_pb2_grpc.PaymentServiceServicer):
    """Money for payments, as the settlement service uses it (rules 8 and 9)."""

    def __init__(self, engine: AsyncEngine, env: Env) -> None:
        super().__init__(engine, env)
        self.reserves = ReserveBatches(engine, env, self.idempotent)
        self.changes = ChangeBatches(engine, env, self.idempotent)
        watch_batches("accounts", {"reserve": self.reserves.batcher, "debit_release": self.changes.batcher})
        # A Batch's items by kind (the field of the item and of its result): their group commit, method and parser.
        self.kinds: dict[str, tuple[GroupCommit[Any], str, Callable[[Any], Any]]] = {
            "reserve": (self.reserves, "Reserve", parse.reserve),
            "debit": (self.changes, "Debit", parse.debit),
            "release": (self.changes, "Release", parse.reservation_ref),
        }

    @guarded
    async def Reserve(self, request: payment.ReserveRequest, context: Ctx) -> payment.ReserveResponse:
        """Group commit (transport/batch.py): the Reserves that arrive together share one transaction, each with
        its own outcome, stored under its own request id. Past the payer's gate, as every payment write."""
        c = parse.reserve(request)
        return await self._batched(self.reserves, by_payer(c), "Reserve", request, c, context, payment.ReserveResponse)

    @guarded
    async def Debit(self, request: payment.DebitRequest, context: Ctx) -> payment.DebitResponse:
        """Group commit with the Releases (transport/batch.py), past the reservation's gate."""
        c = parse.debit(request)
        return await self._batched(self.changes, by_reservation(c), "Debit", request, c, context, payment.DebitResponse)

    @guarded
    async def Release(self, request: payment.ReleaseRequest, context: Ctx) -> payment.ReleaseResponse:
        """Group commit with the Debits (transport/batch.py), past the reservation's gate."""
        c = parse.reservation_ref(request)
        return await self._batched(
            self.changes, by_reservation(c), "Release", request, c, context, payment.ReleaseResponse
        )

    async def _batched(
        self,
        batches: GroupCommit[C],
        key: str,
        method: str,
        request: Message,
        c: C,
        context: Ctx,
        response_type: type[M],
    ) -> M:
        """One request through its group commit, past its gate (the payer's, or the reservation's)."""
        who = actor(context.invocation_metadata(), OWN_CHANNEL, DELEGATED)
        async with self.gate.enter(key):
            return await batches.submit(method, request, c, who, response_type)

    @guarded
    async def Batch(self, request: payment.BatchRequest, context: Ctx) -> payment.BatchResponse:
        """Settlement's concurrent Reserves, Debits and Releases in one call: the Reserves one group commit, the
        Debits and Releases another, side by side, each item as it would run alone (its own request id, its own
        actor). Past no gate: the batch's own lock timeout keeps a row held elsewhere from holding it up, and what
        cannot run in it goes back unanswered, to be sent alone (through the gate)."""
        taken: dict[GroupCommit[Any], list[tuple[int, str, Item[Any]]]] = {self.reserves: [], self.changes: []}
        items = parse.batch(request)
        for place, item in enumerate(items):
            kind = item.WhichOneof("call")
            if kind is None:
                continue  # unanswered: alone, it is told it is empty
            batches, method, parser = self.kinds[kind]
            call = getattr(item, kind)
            who = actor(((ON_BEHALF_OF, item.on_behalf_of),), OWN_CHANNEL, DELEGATED)
            try:
                taken[batches].append((place, kind, batches.item(method, call, parser(call), who)))
            except (InvalidArgument, DomainError):
                continue  # unanswered: alone, it is told what is wrong with it
        answered = await asyncio.gather(*(b.formed([i for _, _, i in t]) for b, t in taken.items()))
        results = [payment.BatchResult() for _ in items]
        for kind_taken, answers in zip(taken.values(), answered, strict=True):
            for (place, kind, _), answer in zip(kind_taken, answers, strict=True):
                if answer is not None:
                    getattr(results[place], kind).CopyFrom(answer)
        return payment.BatchResponse(results=results)

    @write(parse.refund, by_reservation)
    async def Refund(self, c: cmd.Refund, tx: Tx) -> payment.RefundResponse:
        out = await payments.refund(tx, self.env, c)
        return payment.RefundResponse(reservation=cv.reservation(out), parts=cv.refund_parts(out))

    @read(parse.reservation_ref)
    async def GetReservation(self, c: cmd.ReservationRef, tx: Tx) -> payment.GetReservationResponse:
        return payment.GetReservationResponse(
            reservation=cv.reservation(await payments.get_reservation(tx, self.env, c))
        )

    @read(parse.quote)
    async def Quote(self, c: cmd.Quote, tx: Tx) -> payment.QuoteResponse:
        q = await payments.quote(tx, self.env, c)
        return payment.QuoteResponse(
            legs=cv.quote_legs(q),
            uncovered_fen=q.uncovered_fen,
            payer_personal_available_fen=q.payer_personal_available_fen,
            payer_pool_available_fen=q.payer_pool_available_fen,
        )

    @write(parse.pay_out_clearing)
    async def PayOutClearing(self, c: cmd.PayOutClearing, tx: Tx) -> payment.PayOutClearingResponse:
        out = await clearing.pay_out(tx, c)
        return payment.PayOutClearingResponse(journal_txn_id=str(out.journal_txn_id), clearing_fen=out.balance_fen)

    @write(parse.reverse_refund, by_reservation)
    async def ReverseRefund(self, c: cmd.ReverseRefund, tx: Tx) -> payment.ReverseRefundResponse:
        out = await clearing.reverse_refund(tx, self.env, c)
        return payment.ReverseRefundResponse(reservation=cv.reservation(out), parts=cv.refund_parts(out))

    @rpc(parse.fence)
    async def Fence(self, c: cmd.Fence, context: Ctx) -> payment.FenceResponse:
        found = await self.idempotent.fence(c.request_id)
        return payment.FenceResponse(
            already_executed=found.state == "executed",
            already_failed=found.state == "failed",
            reservation_id=cv.reserved_by(found.method, found.response),
        )


class LedgerServicer(Handlers, ledger_service_pb2_grpc.LedgerServiceServicer):
    """Read-only checks of the whole ledger, for auditors and operators."""

    @read(parse.no_arguments)
    async def VerifyLedger(self, c: cmd.NoArguments, tx: Tx) -> ledger.VerifyLedgerResponse:
        report = await ledger_uc.verify(tx)
        return ledger.VerifyLedgerResponse(
            ok=not report.problems,
            problems=report.problems,
            accounts_checked=report.accounts_checked,
            transactions_checked=report.transactions_checked,
        )
