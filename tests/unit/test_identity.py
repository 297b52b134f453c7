"""National ID numbers (GB 11643-1999): check digit, format, birth date; masking and keyed hashing of personal data."""

from __future__ import annotations

import pytest

from services.accounts.domain import identity


def _by_hand(first17: str) -> str:
    """The standard's algorithm, written out independently: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
    sum mod 11 indexes "10X98765432"."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


def test_check_digit_of_the_published_example_is_x() -> None:
    assert identity.check_digit("11010519491231002") == "X"
    assert identity.is_valid_id_number("11010519491231002X")


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),  # GB 11643's published example: sum 167, 167 % 11 = 2
        ("63010219800101001", "9"),  # sum 157, 157 % 11 = 3
        ("44052418800101001", "4"),  # sum 195, 195 % 11 = 8
        ("63010020000229123", _by_hand("63010020000229123")),
    ],
)
def test_check_digit_matches_the_standard(first17: str, expected: str) -> None:
    assert identity.check_digit(first17) == expected == _by_hand(first17)
    assert identity.is_valid_id_number(first17 + expected)


def test_every_remainder_maps_to_its_character() -> None:
    # Vary the last sequence digit (weight 2) and the one before (weight 4) to hit all 11 remainders.
    seen = {}
    for a in range(10):
        for b in range(10):
            first17 = f"630102198001010{a}{b}"
            seen[_by_hand(first17)] = identity.check_digit(first17)
    assert len(seen) == 11 and all(k == v for k, v in seen.items())


def test_lowercase_x_is_accepted_and_surrounding_blanks_ignored() -> None:
    assert identity.is_valid_id_number("11010519491231002x")
    assert identity.is_valid_id_number(" 11010519491231002X ")
    assert identity.normalize_id_number(" 11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1101051949123100",  # 16 characters
        "110105194912310021X",  # 19 characters
        "110105491231002",  # the old 15-digit form is not accepted
        "01010519491231002X",  # region may not start with 0
        "1101051949123100XX",  # X only as the check character
        "11010519491231002Y",
        "110105 9491231002X",
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits
        "1１010519491231002X",  # one full-width digit: int() reads it, so only the format can refuse it
        "11010519491231002٣",  # an Arabic-Indic digit as check character
    ],
)
def test_malformed_numbers_are_rejected(value: str) -> None:
    assert not identity.is_valid_id_number(value)


@pytest.mark.parametrize(
    "birth",
    [
        "19491331",  # month 13
        "19490001",  # month 0
        "19491200",  # day 0
        "19491232",  # day 32
        "17991231",  # 18th century
        "21000101",  # 22nd century
        "19490230",  # 30 February
        "19490229",  # 29 February in a common year
        "19490431",  # 31 April
    ],
)
def test_impossible_birth_dates_are_rejected_even_with_a_matching_check_digit(birth: str) -> None:
    first17 = f"110105{birth}002"
    assert not identity.is_valid_id_number(first17 + identity.check_digit(first17))


def test_leap_day_in_a_leap_year_is_a_valid_birth_date() -> None:
    first17 = "11010519480229002"
    assert identity.is_valid_id_number(first17 + identity.check_digit(first17))


def test_a_wrong_check_digit_is_rejected() -> None:
    for wrong in "0123456789":
        assert not identity.is_valid_id_number("11010519491231002" + wrong)
    assert not identity.is_valid_id_number("630102198001010010")  # correct is 9


def test_id_numbers_are_masked_keeping_first_six_and_last_four() -> None:
    assert identity.mask_id_number("11010519491231002X") == "110105********002X"
    assert identity.mask_id_number("11010519491231002x") == "110105********002X"
    masked = identity.mask_id_number("630102198001010019")
    assert masked == "630102********0019" and "19800101" not in masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("王", "王*"),  # a single character still hides something
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧***"),
        (" 李四 ", "李*"),
    ],
)
def test_names_are_masked_keeping_the_first_character(name: str, masked: str) -> None:
    assert identity.mask_name(name) == masked


def test_names_are_normalized_before_hashing() -> None:
    assert identity.normalize_name(" 张三 ") == "张三"
    assert identity.normalize_name("Ａｂｃ") == "Abc"  # full-width letters (NFKC)


def test_keyed_hash_depends_on_the_key_and_the_value() -> None:
    value = "11010519491231002X"
    a, b = identity.keyed_hash(b"key-one", value), identity.keyed_hash(b"key-two", value)
    assert a != b
    assert a == identity.keyed_hash(b"key-one", value)  # deterministic: lookups by hash work
    assert a != identity.keyed_hash(b"key-one", "11010519491231003X")
    assert len(a) == 32 and value.encode() not in a  # SHA-256 sized, not the clear value
