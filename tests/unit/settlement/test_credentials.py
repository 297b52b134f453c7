"""The payer's credential in settlement's use cases: it goes to accounts with every reserve and quote, another
person's ID card is a decline that is stored, moves nothing and is answered to every retry; the credential is part
of the request; the intent keeps its type, keyed hash and masked number, never the number; an undo never needs it."""

from __future__ import annotations

import dataclasses

from services.common.credentials import CertType, Credential
from services.common.errors import Reason
from services.common.personal_data import keyed_hash
from services.settlement.domain.model import Status
from services.settlement.usecases.deps import CrashPoint
from tests.unit.settlement.fakes import Crashed
from tests.unit.settlement.world import CREDENTIAL_KEY, World, fails, split

CARD = Credential(CertType.SOCIAL_SECURITY_CARD, "A12345678")
QR = Credential(CertType.ELECTRONIC_CREDENTIAL, "ecToken-0123456789abcdef")


async def test_the_payers_own_credential_goes_to_accounts_with_the_reserve(w: World) -> None:
    payer = w.payer()
    paid = await w.settle(payer, 4_000)
    (method, (call,), _) = w.accounts.outcomes[f"stl-{paid.id}-reserve"]
    assert method == "Reserve" and call.credential == w.card(payer)


async def test_another_persons_id_card_is_declined_stored_and_answered_to_every_retry(w: World) -> None:
    payer, other = w.payer(), w.payer()
    request = w.pos_id()
    for _ in range(2):
        assert await fails(w.settle(payer, 4_000, request, credential=w.card(other))) is Reason.CREDENTIAL_MISMATCH
    got = await w.get(request)
    assert (got.status, got.decline_reason) == (Status.DECLINED, "CREDENTIAL_MISMATCH")
    assert w.accounts.count("Reserve") == 1  # the retry is answered from the stored decline
    assert w.accounts.of(payer) == [] and (w.own(payer).balance_fen, w.pool(payer).balance_fen) == (10_000, 60_000)
    # A decline stays declined: the same pos_txn_id with the payer's own card is another request.
    assert await fails(w.settle(payer, 4_000, request)) is Reason.REQUEST_ID_REUSED

    auth = w.pos_id()
    assert await fails(w.authorize(payer, 4_000, auth, credential=w.card(other))) is Reason.CREDENTIAL_MISMATCH
    assert (await w.get(auth)).status is Status.DECLINED and w.own(payer).held_fen == 0
    assert await fails(w.pre_settle(payer, 4_000, credential=w.card(other))) is Reason.CREDENTIAL_MISMATCH


async def test_a_card_or_electronic_credential_pays_on_its_format(w: World) -> None:
    payer = w.payer(own_fen=10_000)
    assert split(await w.settle(payer, 4_000, credential=CARD)) == (4_000, 0, 0)
    auth = await w.authorize(payer, 3_000, credential=QR)
    assert (auth.status, w.own(payer).held_fen) == (Status.AUTHORIZED, 3_000)
    assert (await w.pre_settle(payer, 1_000, credential=CARD)).split.acct_pay_fen == 1_000


async def test_the_credential_is_part_of_the_request(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    first = await w.settle(payer, 4_000, request)
    assert await fails(w.settle(payer, 4_000, request, credential=CARD)) is Reason.REQUEST_ID_REUSED
    assert await fails(w.settle(payer, 4_000, request, credential=w.card(w.payer()))) is Reason.REQUEST_ID_REUSED
    assert (await w.settle(payer, 4_000, request)).id == first.id
    assert w.own(payer).balance_fen == 6_000 and w.accounts.count("Reserve") == 1


async def test_the_intent_keeps_the_type_the_keyed_hash_and_the_masked_number_never_the_number(w: World) -> None:
    payer = w.payer()
    number = w.card(payer).cert_no
    for s in (await w.settle(payer, 1_000), await w.authorize(payer, 1_000, credential=CARD)):
        stored = await w.store.get(s.id)
        cert_no = number if stored.cert_type is CertType.ID_CARD else CARD.cert_no
        assert stored.cert_no_hash == keyed_hash(CREDENTIAL_KEY, cert_no)
        assert stored.cert_no_masked.endswith(cert_no[-4:]) and set(stored.cert_no_masked[:-4]) == {"*"}
        assert cert_no not in str(dataclasses.asdict(stored))
    assert [s.cert_type for s in w.store.t.settlements.values()] == [CertType.ID_CARD, CertType.SOCIAL_SECURITY_CARD]


async def test_a_retry_after_no_answer_reserves_with_the_retrys_credential(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    w.accounts.on("Reserve", unreachable=True)
    assert await fails(w.settle(payer, 4_000, request, credential=CARD)) is Reason.ACCOUNTS_UNAVAILABLE
    paid = await w.settle(payer, 4_000, request, credential=CARD)  # the POS retries: same request, same card
    assert paid.status is Status.COMPLETED and w.accounts.outcomes[f"stl-{paid.id}-reserve"][1][0].credential == CARD


async def test_an_undo_of_a_payment_nobody_heard_of_needs_no_credential(w: World) -> None:
    payer = w.payer()
    request = w.pos_id()
    try:
        await w.settle(payer, 4_000, request, deps=w.crashing(CrashPoint.AFTER_RESERVE))
    except Crashed:
        pass
    assert w.own(payer).balance_fen == 6_000  # paid at accounts; settlement died before it wrote so
    assert await w.recover() == 1
    undone = await w.get(request)
    assert undone.status is Status.VOIDED and w.own(payer).balance_fen == 10_000
    assert w.accounts.count("Reserve") == 1  # found through the fence, not by asking the reserve again
