"""The payer's credential at the counter (就诊凭证), as the national platform names it: `mdtrt_cert_type` and
`mdtrt_cert_no`. "钱可以共济，卡不能共用" — the money of a family pool can be shared, the card cannot: every charge and
every quote names the credential the payer presented.

The one place of the credential types and the format of each type's number, free of gRPC. Settlement checks the
format before it writes or asks anything (a malformed credential is INVALID_ARGUMENT and moves nothing); accounts
checks it again when it parses Reserve and Quote, and matches an ID card against the payer's registered ID number
(services/accounts/domain/identity.py: require_own_credential).

The types (wire enum gongji.common.v1.MdtrtCertType, numbered by the national code) and their numbers:

- ELECTRONIC_CREDENTIAL, code 01 (医保电子凭证): the QR code's payload, the token the national platform issues;
  16 to 512 visible ASCII characters (no spaces, no control characters).
- ID_CARD, code 02 (居民身份证): an 18-character GB 11643 number with a valid check digit.
- SOCIAL_SECURITY_CARD, code 03 (社会保障卡): 9 to 20 upper-case letters or digits.

The social-security card's number: the national card number printed on the third-generation card is 9 characters (a
letter and 8 digits, e.g. A12345678); older provincial cards carry longer numbers, and some counters key in the
card's social-security number, which is the holder's 18-character ID number. 9 to 20 upper-case letters and digits
admits all of them and nothing with spaces, punctuation or lower case. An ID number is compared as normalised
(surrounding blanks dropped, a lower-case check digit x read as X); the other numbers exactly as sent.

What can be verified: accounts holds every insured person's ID number as a keyed hash, so an ID card is matched
against the payer (a mismatch is CREDENTIAL_MISMATCH). It holds no register of social-security cards and cannot
resolve an electronic credential's token (that is the national platform's), so for those two types only the format
is checked: the number is recorded (settlement keeps its keyed hash) but not proved to be the payer's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from services.common.parsing import Fields
from services.common.personal_data import is_valid_id_number, normalize_id_number


class CertType(StrEnum):
    """mdtrt_cert_type; the wire enum gongji.common.v1.MdtrtCertType has the national code as its number."""

    ELECTRONIC_CREDENTIAL = "ELECTRONIC_CREDENTIAL"  # 医保电子凭证, national code 01
    ID_CARD = "ID_CARD"  # 居民身份证, national code 02
    SOCIAL_SECURITY_CARD = "SOCIAL_SECURITY_CARD"  # 社会保障卡, national code 03


SOCIAL_SECURITY_CARD_NO = re.compile(r"[0-9A-Z]{9,20}")
ELECTRONIC_CREDENTIAL_NO = re.compile(r"[\x21-\x7e]{16,512}")

FORMATS: dict[CertType, str] = {
    CertType.ELECTRONIC_CREDENTIAL: "for an electronic credential, its QR payload: 16 to 512 visible ASCII characters",
    CertType.ID_CARD: "for an ID card, an 18-character ID number with a valid check digit",
    CertType.SOCIAL_SECURITY_CARD: "for a social-security card, 9 to 20 upper-case letters or digits",
}
TYPES = "required: ELECTRONIC_CREDENTIAL (01), ID_CARD (02) or SOCIAL_SECURITY_CARD (03)"
MASK_KEEPS = 4  # characters a masked number shows: the last four (尾号)
MASK_STARS = 14  # at most this many stars before them, however long the number


def is_well_formed(cert_type: CertType, cert_no: str) -> bool:
    if cert_type is CertType.ID_CARD:
        return is_valid_id_number(cert_no)
    if cert_type is CertType.SOCIAL_SECURITY_CARD:
        return SOCIAL_SECURITY_CARD_NO.fullmatch(cert_no) is not None
    return ELECTRONIC_CREDENTIAL_NO.fullmatch(cert_no) is not None


def normalize(cert_type: CertType, cert_no: str) -> str:
    """The number as it is compared, hashed and sent on: an ID number normalised, any other exactly as given."""
    return normalize_id_number(cert_no) if cert_type is CertType.ID_CARD else cert_no


def mask(cert_no: str) -> str:
    """The last four characters behind stars, as a receipt shows a card (尾号): `**************0019`."""
    return "*" * min(max(len(cert_no) - MASK_KEEPS, 0), MASK_STARS) + cert_no[-MASK_KEEPS:]


@dataclass(frozen=True)
class Credential:
    """A well-formed credential, its number normalised. The number never shows in a repr (so never in a log line
    or an error message by accident); it is sent to accounts and, by settlement, stored only as a keyed hash."""

    cert_type: CertType
    cert_no: str = field(repr=False)

    @property
    def masked(self) -> str:
        return mask(self.cert_no)


def read(f: Fields, cert_type: CertType | None, cert_no: str, type_field: str, no_field: str) -> Credential:
    """Reads a required credential from untrusted fields: its type (None: missing or unknown) and number, each
    violation under its field's name."""
    f.required(cert_type, type_field, TYPES)
    if cert_type is None:
        f.check(bool(cert_no), no_field, "required")
        return Credential(CertType.ID_CARD, cert_no)  # a placeholder: f.done() never lets it out
    f.check(is_well_formed(cert_type, cert_no), no_field, "required: " + FORMATS[cert_type])
    return Credential(cert_type, normalize(cert_type, cert_no))
