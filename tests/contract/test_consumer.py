"""Consumer contract: the exact calls settlement makes to accounts, checked against the real accounts service.

Settlement's client declares what it sets, reads and handles (CONSUMER_CONTRACT). Here the real client runs against
the real accounts server through a recording interceptor: the fields it actually sets must be the declared ones, the
declared fields must exist in the accounts contract, the fields it reads must come back filled, every reason it
acts on must be one accounts really gives, and what the client makes of each answer must depend on the declared
fields alone. Neither side can drift alone.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

from gongji.accounts.v1 import payment_service_pb2
from services.accounts import app as accounts_app
from services.common.credentials import CertType, Credential
from services.settlement.clients.accounts import CONSUMER_CONTRACT, AccountsClient
from services.settlement.clients.answers import ANSWERS
from services.settlement.domain.accounts import AccountsDeclined, HoldStatus, Parts, RefundOutcome, ReserveCall
from services.settlement.domain.model import ACCOUNT_SOURCES, Shortfall, Source
from tests import processes
from tools import kit
from tools.kit import Family, rid
from tools.kit import accounts_v1 as apb

# The one accounts service settlement may call: a deployment can allow settlement this service and no other.
SERVICE = payment_service_pb2.DESCRIPTOR.services_by_name["PaymentService"]


class Recorder(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    def __init__(self) -> None:
        self.sets: dict[str, set[str]] = defaultdict(set)
        self.responses: dict[str, list[Message]] = defaultdict(list)
        self.services: set[str] = set()

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Message) -> Any:
        path = details.method.decode() if isinstance(details.method, bytes) else details.method
        service, _, method = path.strip("/").rpartition("/")
        self.services.add(service)
        self.sets[method] |= {field.name for field, _ in request.ListFields()}
        call = await continuation(details, request)
        try:
            self.responses[method].append(await call)
        except grpc.aio.AioRpcError:
            pass
        return call


def _has_path(descriptor: Descriptor, path: str) -> bool:
    head, _, rest = path.partition(".")
    field = descriptor.fields_by_name.get(head)
    if field is None:
        return False
    return not rest or (field.message_type is not None and _has_path(field.message_type, rest))


def _filled(message: Message, path: str) -> bool:
    head, _, rest = path.partition(".")
    value = getattr(message, head)
    if not rest:
        return bool(value) if not isinstance(value, Message) else value.ByteSize() > 0
    items = value if hasattr(value, "__len__") and not isinstance(value, Message) else [value]
    return any(_filled(item, rest) for item in items)


def _only(message: Message, paths: set[str]) -> Message:
    """A copy of `message` with nothing but the fields on the dotted `paths`."""
    out = type(message)()
    for field, value in message.ListFields():
        rest = {tail for head, _, tail in (p.partition(".") for p in paths) if head == field.name}
        repeated = field.is_repeated
        if not rest:
            continue
        if "" in rest and repeated:
            getattr(out, field.name).extend(value)
        elif "" in rest and field.message_type is not None:
            getattr(out, field.name).CopyFrom(value)
        elif "" in rest:
            setattr(out, field.name, value)
        elif repeated:
            getattr(out, field.name).extend(_only(item, rest) for item in value)
        else:
            getattr(out, field.name).CopyFrom(_only(value, rest))
    return out


def test_declared_fields_exist_in_the_accounts_contract() -> None:
    for method, use in CONSUMER_CONTRACT.items():
        rpc = SERVICE.methods_by_name[method]
        for field in use.sets:
            assert _has_path(rpc.input_type, field), f"{method} request has no field {field}"
        for field in use.reads:
            assert _has_path(rpc.output_type, field), f"{method} response has no field {field}"


@pytest.fixture
async def client(accounts_server: accounts_app.AccountsApp) -> Any:
    recorder = Recorder()
    # As settlement calls accounts: mutual TLS with its own certificate.
    channel = kit.channel(f"127.0.0.1:{accounts_server.server.port}", processes.pki(), "settlement", [recorder])
    yield AccountsClient(channel, timeout_s=2, attempts=2), recorder
    await channel.close()


async def test_the_calls_settlement_makes_work_against_the_real_accounts(client, accounts) -> None:  # type: ignore[no-untyped-def]
    accounts_client, recorder = client
    f = Family(accounts)
    creator = await f.person(credit_fen=100_000)
    member = await f.person(credit_fen=12_000)
    pool_id = await f.create_pool(creator, transfer_fen=50_000)
    await f.bind(pool_id, member)
    reasons: set[str] = set()

    async def declined(call: Any) -> None:
        with pytest.raises(AccountsDeclined) as err:
            await call
        reasons.add(err.value.reason)

    card = Credential(CertType.ID_CARD, member.id_number)  # the member's own
    someone_elses = Credential(CertType.ID_CARD, creator.id_number)
    quote = await accounts_client.quote(member.psn_no, 10_000, card, ACCOUNT_SOURCES)
    assert (quote.reserved.own_fen, quote.reserved.pool_fen, quote.payer.own_available_fen) == (10_000, 0, 12_000)
    # Only the sources asked, each saying why it gave less than was still needed.
    own_only = await accounts_client.quote(member.psn_no, 20_000, card, (Source.PERSONAL_ACCOUNT,))
    assert own_only.reserved == Parts(12_000, 0)
    assert own_only.shortfalls == (Shortfall(Source.PERSONAL_ACCOUNT, "INSUFFICIENT_FUNDS"),)
    # At a Golmud hospital (Haixi): the Xining family's pool does not pay, and says why.
    far = await accounts_client.quote(member.psn_no, 20_000, card, ACCOUNT_SOURCES, visit_region="632801")
    assert far.reserved == Parts(12_000, 0)
    assert far.shortfalls[-1] == Shortfall(Source.FAMILY_POOL, "VISIT_OUTSIDE_REGION")
    paid_request = rid()
    paid = await accounts_client.reserve(
        ReserveCall(
            paid_request,
            member.psn_no,
            10_000,
            card,
            debit_immediately=True,
            fixmedins_code="H1",
            description="pharmacy",
            visit_region="630102",  # a Xining district: in the family's coordinating region
        )
    )
    assert (paid.debited.own_fen, paid.debited.pool_fen, paid.payer.own_available_fen) == (10_000, 0, 2_000)
    mixed = await accounts_client.reserve(
        ReserveCall(rid(), member.psn_no, 5_000, card, debit_immediately=True, fixmedins_code="H1")
    )
    assert (mixed.debited, mixed.payer.pool_available_fen) == (Parts(2_000, 3_000), 47_000)
    assert mixed.shortfalls == (Shortfall(Source.PERSONAL_ACCOUNT, "INSUFFICIENT_FUNDS"),)
    assert await accounts_client.refund(rid(), mixed.reservation_id, 4_000) == RefundOutcome(1_000, 3_000)
    assert await accounts_client.refund(rid(), paid.reservation_id, 3_000) == RefundOutcome(3_000, 0)
    await declined(accounts_client.refund(rid(), paid.reservation_id, 10_000))
    # A clearing payout: at most what the institution's clearing holds (H1's: at least 6000 from the payments above).
    held_after = await accounts_client.pay_out_clearing(rid(), "H1", "a closed period", 1)
    assert held_after >= 5_999
    await declined(accounts_client.pay_out_clearing(rid(), "H1", "a closed period", held_after + 1))
    held = await accounts_client.reserve(
        ReserveCall(
            rid(),
            member.psn_no,
            3_000,
            card,
            debit_immediately=False,
            hold_ttl_seconds=60,
            fixmedins_code="H1",
            description="deposit",
        )
    )
    assert held.reserved == Parts(3_000, 0) and held.expires_at is not None
    captured = await accounts_client.debit(rid(), held.reservation_id, 2_000)
    assert (captured.debited, captured.payer.own_available_fen) == (Parts(2_000, 0), 2_000)
    await declined(accounts_client.release(rid(), held.reservation_id))
    await declined(accounts_client.debit(rid(), held.reservation_id, 1))
    state = await accounts_client.get_reservation(paid.reservation_id)
    assert (state.status, state.debited_fen, state.unrefunded_fen) == (HoldStatus.DEBITED, 10_000, 7_000)
    short = await accounts_client.reserve(
        ReserveCall(rid(), member.psn_no, 1_000, card, debit_immediately=False, hold_ttl_seconds=1, fixmedins_code="H1")
    )
    await accounts_client.release(rid(), short.reservation_id)
    expiring = await accounts_client.reserve(
        ReserveCall(rid(), member.psn_no, 1_000, card, debit_immediately=False, hold_ttl_seconds=1, fixmedins_code="H1")
    )
    await asyncio.sleep(1.2)
    await declined(accounts_client.debit(rid(), expiring.reservation_id, 1))
    await declined(
        accounts_client.reserve(ReserveCall(rid(), "NOBODY", 1, card, debit_immediately=True, fixmedins_code="H1"))
    )
    barred = rid()
    assert not (await accounts_client.fence(barred)).already_executed
    await declined(
        accounts_client.reserve(
            ReserveCall(barred, member.psn_no, 1, card, debit_immediately=True, fixmedins_code="H1")
        )
    )
    # A refund taken back (its reversal): at most what was refunded, and only while the money is there.
    await accounts_client.reverse_refund(rid(), mixed.reservation_id, 1_000, 1_000)
    assert (await accounts_client.get_reservation(mixed.reservation_id)).unrefunded_fen == 3_000
    await declined(accounts_client.reverse_refund(rid(), mixed.reservation_id, 5_000, 0))
    # Calls asked at the same moment travel as one Batch, each answered as alone.
    own = Credential(CertType.ID_CARD, creator.id_number)
    to_debit = await accounts_client.reserve(ReserveCall(rid(), creator.psn_no, 2_000, own, False, 60))
    to_release = await accounts_client.reserve(ReserveCall(rid(), creator.psn_no, 500, own, False, 60))
    other = await f.person(credit_fen=5_000)
    at_once = await asyncio.gather(
        accounts_client.reserve(ReserveCall(rid(), creator.psn_no, 1_000, own, False, 60)),
        accounts_client.reserve(
            ReserveCall(
                rid(),
                other.psn_no,
                8_000,
                Credential(CertType.ID_CARD, other.id_number),
                sources=(Source.PERSONAL_ACCOUNT,),
                debit_immediately=True,
            )
        ),
        accounts_client.debit(rid(), to_debit.reservation_id, 1_500),
        accounts_client.release(rid(), to_release.reservation_id),
    )
    sent = accounts_client.batcher
    assert sent.batches == sent.items - 3  # each call before them alone, the four in one
    assert at_once[0].reserved == Parts(1_000, 0) and at_once[0].expires_at is not None
    assert at_once[1].debited == Parts(5_000, 0)
    assert at_once[1].shortfalls == (Shortfall(Source.PERSONAL_ACCOUNT, "INSUFFICIENT_FUNDS"),)
    assert at_once[2].debited == Parts(1_500, 0) and at_once[3] == HoldStatus.RELEASED
    fenced = await accounts_client.fence(paid_request)
    assert fenced.already_executed and fenced.reservation_id == paid.reservation_id
    await accounts.RecordLifeEvent(
        apb.RecordLifeEventRequest(request_id=rid(), psn_no=member.psn_no, insurance_ended={})
    )
    await declined(accounts_client.quote(member.psn_no, 1, someone_elses, ACCOUNT_SOURCES))
    await declined(
        accounts_client.reserve(
            ReserveCall(rid(), member.psn_no, 1, someone_elses, debit_immediately=True, fixmedins_code="H1")
        )
    )
    await declined(accounts_client.quote(member.psn_no, 1, card, ACCOUNT_SOURCES))

    assert recorder.services == {SERVICE.full_name}
    for method, use in CONSUMER_CONTRACT.items():
        assert recorder.sets[method] == set(use.sets), f"settlement sets other {method} fields than declared"
        for field in use.reads:
            assert any(_filled(r, field) for r in recorder.responses[method]), f"{method}.{field} never filled"
        for response in recorder.responses[method]:
            declared_only = _only(response, set(use.reads))
            assert ANSWERS[method](declared_only) == ANSWERS[method](response), f"{method}: reads undeclared fields"
    handled = set().union(*(use.reasons for use in CONSUMER_CONTRACT.values()))
    assert handled <= reasons, f"reasons settlement handles but accounts never gave: {handled - reasons}"
