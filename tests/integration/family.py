"""Builds families through the real accounts API, the way an operator would."""

from __future__ import annotations

from dataclasses import dataclass

from gongji.accounts.v1 import accounts_pb2 as pb
from gongji.accounts.v1 import accounts_pb2_grpc
from gongji.common.v1 import common_pb2 as cpb
from tests.support import id_number, psn_no, rid

EMPLOYEE = cpb.INSURANCE_TYPE_EMPLOYEE
RESIDENT = cpb.INSURANCE_TYPE_RESIDENT
OWN = cpb.FUNDING_SOURCE_PERSONAL_ACCOUNT
POOL = cpb.FUNDING_SOURCE_FAMILY_POOL


@dataclass
class Insured:
    psn_no: str
    name: str
    id_number: str


class Family:
    def __init__(self, stub: accounts_pb2_grpc.AccountsServiceStub) -> None:
        self.stub = stub

    async def person(self, insurance: int = EMPLOYEE, region: str = "630100", credit_fen: int = 0,
                     **flags: object) -> Insured:
        who = Insured(psn_no(), "张三", id_number())
        await self.stub.RegisterPerson(pb.RegisterPersonRequest(
            request_id=rid(), psn_no=who.psn_no, name=who.name, id_number=who.id_number, insurance_type=insurance,
            region_code=region, **flags))
        if credit_fen:
            await self.credit(who, credit_fen)
        return who

    async def credit(self, who: Insured, amount_fen: int) -> int:
        out = await self.stub.CreditPersonalAccount(pb.CreditPersonalAccountRequest(
            request_id=rid(), psn_no=who.psn_no, amount_fen=amount_fen, memo="contribution"))
        return out.balance_fen

    async def create_pool(self, creator: Insured, transfer_fen: int = 0) -> str:
        pool = (await self.stub.CreatePool(pb.CreatePoolRequest(
            request_id=rid(), creator_psn_no=creator.psn_no, agreement_version="2024-12"))).pool
        if transfer_fen:
            await self.transfer(pool.pool_id, transfer_fen)
        return pool.pool_id

    async def transfer(self, pool_id: str, amount_fen: int) -> pb.TransferToPoolResponse:
        return await self.stub.TransferToPool(pb.TransferToPoolRequest(
            request_id=rid(), pool_id=pool_id, amount_fen=amount_fen))

    async def invite(self, pool_id: str, member: Insured, relation: int = cpb.RELATION_SPOUSE) -> str:
        out = await self.stub.InviteMember(pb.InviteMemberRequest(
            request_id=rid(), pool_id=pool_id, member_name=member.name, member_id_number=member.id_number,
            relation=relation))
        return out.invitation.invitation_id

    async def bind(self, pool_id: str, member: Insured, relation: int = cpb.RELATION_SPOUSE) -> pb.Pool:
        invitation_id = await self.invite(pool_id, member, relation)
        out = await self.stub.AcceptInvitation(pb.AcceptInvitationRequest(request_id=rid(),
                                                                          invitation_id=invitation_id))
        return out.pool

    async def balances(self, who: Insured) -> pb.GetBalancesResponse:
        return await self.stub.GetBalances(pb.GetBalancesRequest(psn_no=who.psn_no))

    async def own_balance(self, who: Insured) -> int:
        return (await self.balances(who)).personal.balance_fen

    async def pool_balance(self, pool_id: str) -> int:
        return (await self.stub.GetPool(pb.GetPoolRequest(pool_id=pool_id))).pool.balance_fen

    async def reserve(self, payer: Insured, amount_fen: int, sources: tuple[int, ...] = (OWN, POOL),
                      **kw: object) -> pb.Reservation:
        out = await self.stub.Reserve(pb.ReserveRequest(
            request_id=rid(), payer_psn_no=payer.psn_no, amount_fen=amount_fen, sources=list(sources),
            fixmedins_code="H63010000001", **kw))
        return out.reservation
