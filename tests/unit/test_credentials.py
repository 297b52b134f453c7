"""The payer's credential (mdtrt_cert_type, mdtrt_cert_no): the format of each type's number, how a number is
normalised and masked, reading one from untrusted fields, and accounts' match of an ID card against the payer."""

from __future__ import annotations

import pytest

from gongji.common.v1 import common_pb2
from gongji.settlement.v1 import settlement_pb2
from services.accounts.domain import identity
from services.common import credentials
from services.common.credentials import CertType, Credential
from services.common.errors import DomainError, InvalidArgument, Reason
from services.common.parsing import Fields, parse_with

ID_P0001 = "630102198001010019"  # README's payer P0001
ID_P0002 = "630102201001010013"
KEY = b"test-key"

WELL_FORMED = [
    (CertType.ID_CARD, ID_P0001),
    (CertType.ID_CARD, "11010519491231002X"),
    (CertType.ID_CARD, "11010519491231002x"),  # a lower-case check digit reads as X
    (CertType.ID_CARD, " 11010519491231002X "),  # as RegisterPerson: surrounding blanks are dropped
    (CertType.SOCIAL_SECURITY_CARD, "A12345678"),  # the third-generation card's 9-character number
    (CertType.SOCIAL_SECURITY_CARD, "630100D15600000505"),  # a longer provincial number
    (CertType.SOCIAL_SECURITY_CARD, ID_P0001),  # the card's social-security number is the ID number
    (CertType.SOCIAL_SECURITY_CARD, "9" * 20),
    (CertType.ELECTRONIC_CREDENTIAL, "ecT0ken-0123456789"),
    (CertType.ELECTRONIC_CREDENTIAL, "x" * 16),
    (CertType.ELECTRONIC_CREDENTIAL, "~" * 512),
    (CertType.ELECTRONIC_CREDENTIAL, "1#" + "AbC/+=_-.:;!?{}" * 3),
]

MALFORMED = [
    (CertType.ID_CARD, ""),
    (CertType.ID_CARD, "630102198001010018"),  # wrong check digit
    (CertType.ID_CARD, "630102198002300011"),  # 30 February
    (CertType.ID_CARD, "A12345678"),
    (CertType.SOCIAL_SECURITY_CARD, ""),
    (CertType.SOCIAL_SECURITY_CARD, "A1234567"),  # 8: too short
    (CertType.SOCIAL_SECURITY_CARD, "9" * 21),  # too long
    (CertType.SOCIAL_SECURITY_CARD, "a12345678"),  # lower case
    (CertType.SOCIAL_SECURITY_CARD, "A1234 5678"),
    (CertType.SOCIAL_SECURITY_CARD, "A-12345678"),
    (CertType.SOCIAL_SECURITY_CARD, "Ａ12345678"),  # a full-width letter
    (CertType.ELECTRONIC_CREDENTIAL, ""),
    (CertType.ELECTRONIC_CREDENTIAL, "x" * 15),  # too short for a token
    (CertType.ELECTRONIC_CREDENTIAL, "x" * 513),
    (CertType.ELECTRONIC_CREDENTIAL, "token with spaces in it"),
    (CertType.ELECTRONIC_CREDENTIAL, "ecToken0123456789\n"),  # a scanner's line break is not part of it
    (CertType.ELECTRONIC_CREDENTIAL, "医保电子凭证0123456789abcdef"),  # not ASCII
    (CertType.ELECTRONIC_CREDENTIAL, "ecToken\x000123456789"),
]


def test_both_wire_enums_number_the_types_by_their_national_codes() -> None:
    """The POS's enum (settlement.proto keeps its contract self-contained) and accounts' are the same list."""
    codes = {CertType.ELECTRONIC_CREDENTIAL: 1, CertType.ID_CARD: 2, CertType.SOCIAL_SECURITY_CARD: 3}
    expected = {"MDTRT_CERT_TYPE_UNSPECIFIED": 0} | {f"MDTRT_CERT_TYPE_{t.value}": n for t, n in codes.items()}
    assert set(codes) == set(CertType)
    assert dict(common_pb2.MdtrtCertType.items()) == dict(settlement_pb2.MdtrtCertType.items()) == expected


@pytest.mark.parametrize(("cert_type", "cert_no"), WELL_FORMED)
def test_well_formed_numbers(cert_type: CertType, cert_no: str) -> None:
    assert credentials.is_well_formed(cert_type, cert_no)


@pytest.mark.parametrize(("cert_type", "cert_no"), MALFORMED)
def test_malformed_numbers(cert_type: CertType, cert_no: str) -> None:
    assert not credentials.is_well_formed(cert_type, cert_no)


def test_only_an_id_number_is_normalised() -> None:
    assert credentials.normalize(CertType.ID_CARD, " 11010519491231002x") == "11010519491231002X"
    assert credentials.normalize(CertType.SOCIAL_SECURITY_CARD, "A12345678") == "A12345678"
    assert credentials.normalize(CertType.ELECTRONIC_CREDENTIAL, "abcDEF0123456789") == "abcDEF0123456789"


def test_a_masked_number_shows_its_last_four_behind_at_most_fourteen_stars() -> None:
    assert credentials.mask(ID_P0001) == "**************0019"
    assert credentials.mask("A12345678") == "*****5678"
    assert credentials.mask("t" * 508 + "WXYZ") == "*" * 14 + "WXYZ"
    assert Credential(CertType.ID_CARD, ID_P0001).masked == "**************0019"


def test_the_number_never_shows_in_a_repr() -> None:
    c = Credential(CertType.ID_CARD, ID_P0001)
    assert ID_P0001 not in repr(c) and ID_P0001 not in str(c) and "ID_CARD" in repr(c)


def _read(cert_type: CertType | None, cert_no: str) -> Credential:
    return parse_with(lambda f: credentials.read(f, cert_type, cert_no, "mdtrt_cert_type", "mdtrt_cert_no"))


def _violations(cert_type: CertType | None, cert_no: str) -> dict[str, str]:
    with pytest.raises(InvalidArgument) as err:
        _read(cert_type, cert_no)
    return {v.field: v.description for v in err.value.violations}


def test_reading_a_credential_normalises_it() -> None:
    assert _read(CertType.ID_CARD, "11010519491231002x") == Credential(CertType.ID_CARD, "11010519491231002X")
    assert _read(CertType.SOCIAL_SECURITY_CARD, "A12345678") == Credential(CertType.SOCIAL_SECURITY_CARD, "A12345678")


def test_a_missing_or_malformed_credential_names_its_fields() -> None:
    assert set(_violations(None, "")) == {"mdtrt_cert_type", "mdtrt_cert_no"}
    assert set(_violations(None, ID_P0001)) == {"mdtrt_cert_type"}  # no type: the number cannot be judged
    assert _violations(CertType.ID_CARD, "") == {
        "mdtrt_cert_no": "required: for an ID card, an 18-character ID number with a valid check digit"
    }
    assert "9 to 20 upper-case letters or digits" in _violations(CertType.SOCIAL_SECURITY_CARD, "a1")["mdtrt_cert_no"]
    assert "16 to 512 visible ASCII" in _violations(CertType.ELECTRONIC_CREDENTIAL, "short")["mdtrt_cert_no"]
    assert ID_P0001[:-1] + "8" not in str(_violations(CertType.ID_CARD, ID_P0001[:-1] + "8"))  # never echoed back


def test_read_collects_with_the_other_fields_of_a_request() -> None:
    def build(f: Fields) -> tuple[str, Credential]:
        return f.psn_no(""), credentials.read(f, CertType.ID_CARD, "bad", "c.type", "c.no")

    with pytest.raises(InvalidArgument) as err:
        parse_with(build)
    assert [v.field for v in err.value.violations] == ["psn_no", "c.no"]


# ---------------------------------------------------------------- accounts: the card is not shared


def _registered(id_number: str) -> bytes:
    return identity.keyed_hash(KEY, identity.normalize_id_number(id_number))


def test_the_payers_own_id_card_passes() -> None:
    identity.require_own_credential(Credential(CertType.ID_CARD, ID_P0001), "P0001", _registered(ID_P0001), KEY)
    x = "11010519491231002X"
    identity.require_own_credential(Credential(CertType.ID_CARD, x), "P9", _registered(x.lower()), KEY)


def test_another_persons_id_card_is_a_mismatch_that_names_no_number() -> None:
    with pytest.raises(DomainError) as err:
        identity.require_own_credential(Credential(CertType.ID_CARD, ID_P0002), "P0001", _registered(ID_P0001), KEY)
    assert err.value.reason is Reason.CREDENTIAL_MISMATCH
    assert err.value.metadata == {"psn_no": "P0001", "mdtrt_cert_type": "ID_CARD"}
    assert ID_P0002 not in err.value.message and ID_P0001 not in err.value.message
    with pytest.raises(DomainError):  # the same number under another key is another hash
        identity.require_own_credential(Credential(CertType.ID_CARD, ID_P0001), "P0001", _registered(ID_P0001), b"k2")


@pytest.mark.parametrize(
    "credential",
    [Credential(CertType.SOCIAL_SECURITY_CARD, "A12345678"), Credential(CertType.ELECTRONIC_CREDENTIAL, "t" * 32)],
)
def test_a_card_or_electronic_credential_cannot_be_matched_so_it_passes(credential: Credential) -> None:
    identity.require_own_credential(credential, "P0001", _registered(ID_P0001), KEY)
