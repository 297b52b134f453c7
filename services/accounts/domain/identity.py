"""National ID numbers (GB 11643-1999) and names: validation, masking and keyed hashing.

Only the keyed hash and a masked form are stored, so neither the database nor the logs hold them in clear. The ID
number's check and the keyed hash live in services/common/personal_data.py (settlement checks ID-card credentials
too) and are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import hmac
import unicodedata

from services.common.credentials import CertType, Credential
from services.common.errors import DomainError, Reason
from services.common.personal_data import check_digit as check_digit
from services.common.personal_data import is_valid_id_number as is_valid_id_number
from services.common.personal_data import keyed_hash as keyed_hash
from services.common.personal_data import normalize_id_number as normalize_id_number


def normalize_name(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def mask_id_number(value: str) -> str:
    v = normalize_id_number(value)
    return v[:6] + "*" * (len(v) - 10) + v[-4:]


def mask_name(value: str) -> str:
    v = normalize_name(value)
    return v[:1] + "*" * max(len(v) - 1, 1)


def birth_date(id_number: str) -> dt.date:
    """The birth date an ID number carries (digits 7-14); the number must be valid."""
    v = normalize_id_number(id_number)
    return dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))


def age_on(born: dt.date, day: dt.date) -> int:
    """Full years of age on `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


ADULT_AGE = 18  # 完全民事行为能力: a member younger than this may be represented by a guardian


def require_own_credential(credential: Credential, psn_no: str, id_number_hash: bytes, key: bytes) -> None:
    """ "钱可以共济，卡不能共用": an ID card presented for a payment must be the payer's own, compared by keyed hash
    with the ID number the registry gave. Accounts holds no register of social-security cards or electronic
    credentials, so those are checked for their format only (when the request is parsed)."""
    if credential.cert_type is not CertType.ID_CARD:
        return
    presented = keyed_hash(key, normalize_id_number(credential.cert_no))
    if not hmac.compare_digest(presented, id_number_hash):
        raise DomainError(
            Reason.CREDENTIAL_MISMATCH, metadata={"psn_no": psn_no, "mdtrt_cert_type": credential.cert_type.value}
        )
