"""Tests for station_app.domain.validation: every rule, plus property tests."""

from __future__ import annotations

import io
import pickle
import re
import tokenize
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from station_app.domain import validation as v
from station_app.domain.validation import (
    FIELD_LABELS,
    MESSAGES,
    ErrorCollector,
    FieldError,
    IdNumber,
    ValidationError,
    credit_code_check_char,
    format_fen,
    id_check_char,
    mask_id_number,
    normalize_text,
    parse_amount_fen,
    parse_bool,
    parse_choice,
    parse_credit_code,
    parse_date,
    parse_id_number,
    parse_int,
    parse_name,
    parse_phone,
    parse_text,
)

try:  # the lead's tests/conftest.py may already have registered it
    settings.get_profile("ci")
except InvalidArgument:
    settings.register_profile("ci", max_examples=100, deadline=None, print_blob=True)

TODAY = date(2025, 6, 30)  # fixed "today" so the property tests do not depend on the clock


def codes_of(exc_info: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [e.code for e in exc_info.value.errors]


def only_error(exc_info: pytest.ExceptionInfo[ValidationError]) -> FieldError:
    assert len(exc_info.value.errors) == 1
    return exc_info.value.errors[0]


# --------------------------------------------------------------------------------------
# Oracles written independently of the module
# --------------------------------------------------------------------------------------


def oracle_id_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 in its recursive form (no weight table)."""
    p = 0
    for ch in first17:
        p = (p + int(ch)) * 2 % 11
    c = (12 - p) % 11
    return "X" if c == 10 else str(c)


CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def oracle_credit_check(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    value = 31 - total % 31
    return "0" if value == 31 else CREDIT_ALPHABET[value]


def to_fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


PROVINCES = sorted(v.PROVINCE_CODES)

province_codes = st.sampled_from(PROVINCES)
area_codes = st.builds(
    lambda p, rest: p + rest, province_codes, st.from_regex(r"[0-9]{4}", fullmatch=True)
)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(0, 999).map(lambda n: f"{n:03d}")


@st.composite
def valid_ids(draw):
    area = draw(area_codes)
    born = draw(birth_dates)
    seq = draw(sequences)
    first17 = area + born.strftime("%Y%m%d") + seq
    return first17 + oracle_id_check(first17), area, born, seq


credit_first17 = st.text(alphabet=CREDIT_ALPHABET, min_size=17, max_size=17)


# --------------------------------------------------------------------------------------
# normalize_text
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        (None, ""),
        ("", ""),
        ("  a  b\t\nc  ", "a b c"),
        ("\u3000张\u3000三\u3000", "张 三"),
        ("a\u00a0b", "a b"),
        ("ＡＢＣ１２３！～", "ABC123!~"),
        (123, "123"),
        ("（０７５５）", "(0755)"),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


@given(st.text())
def test_normalize_text_is_idempotent_and_tidy(s):
    once = normalize_text(s)
    assert normalize_text(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert not any(0xFF01 <= ord(c) <= 0xFF5E or c in "\u3000\u00a0" for c in once)


# --------------------------------------------------------------------------------------
# Identity card numbers
# --------------------------------------------------------------------------------------


def test_id_check_char_known_and_matches_oracles():
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44030519900101123") == oracle_id_check("44030519900101123")
    with pytest.raises(ValueError):
        id_check_char("1234")
    with pytest.raises(ValueError):
        id_check_char("1101051949123100A")


@given(st.from_regex(r"[0-9]{17}", fullmatch=True))
def test_id_check_char_agrees_with_oracles(first17):
    assert id_check_char(first17) == oracle_id_check(first17)
    try:
        from stdnum.cn import ric
    except ImportError:  # pragma: no cover
        return
    assert ric.calc_check_digit(first17 + "0") == id_check_char(first17)


@given(valid_ids())
def test_valid_id_parses_and_derives_fields(case):
    number, area, born, seq = case
    result = parse_id_number(number, today=TODAY)
    assert isinstance(result, IdNumber)
    assert result.number == number
    assert result.birth_date == born
    assert result.gender == ("M" if int(seq[2]) % 2 else "F")
    assert result.area_code == area
    assert result.upgraded_from_15 is False
    assert all(w.code.startswith("id.area_") for w in result.warnings)


@given(valid_ids(), st.data())
def test_any_single_character_change_is_rejected(case, data):
    number = case[0]
    pos = data.draw(st.integers(0, 17), label="position")
    allowed = "0123456789X" if pos == 17 else "0123456789"
    new = data.draw(st.sampled_from([c for c in allowed if c != number[pos]]), label="char")
    changed = number[:pos] + new + number[pos + 1 :]
    with pytest.raises(ValidationError) as exc:
        parse_id_number(changed, today=TODAY)
    assert codes_of(exc) == [exc.value.errors[0].code]
    assert exc.value.errors[0].code in {
        "id.checksum",
        "id.birth_invalid",
        "id.birth_future",
        "id.birth_too_old",
    }


@given(area_codes, st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), sequences)
def test_fifteen_digit_numbers_upgrade(area, born, seq):
    fifteen = area + born.strftime("%y%m%d") + seq
    first17 = area + born.strftime("%Y%m%d") + seq
    expected = first17 + oracle_id_check(first17)
    result = parse_id_number(fifteen, today=TODAY)
    assert result.number == expected
    assert result.upgraded_from_15 is True
    assert result.birth_date == born
    assert result.gender == ("M" if int(seq[2]) % 2 else "F")


@given(valid_ids(), st.data())
def test_fullwidth_spaces_hyphens_and_lower_x_normalize(case, data):
    number = case[0]
    pieces = []
    for ch in number.lower():
        if data.draw(st.booleans(), label="fullwidth"):
            ch = to_fullwidth(ch)
        pieces.append(ch)
        pieces.append(data.draw(st.sampled_from(["", "", " ", "-", "\u3000"]), label="sep"))
    messy = "".join(pieces)
    assert parse_id_number(messy, today=TODAY).number == number


def test_lower_case_x_accepted():
    assert parse_id_number("11010519491231002x", today=TODAY).number == "11010519491231002X"
    assert parse_id_number(" 110105 19491231 002x ", today=TODAY).gender == "F"


def with_check(first17: str) -> str:
    return first17 + oracle_id_check(first17)


def test_id_required_length_chars():
    for empty in (None, "", "   ", "\u3000"):
        with pytest.raises(ValidationError) as exc:
            parse_id_number(empty)
        assert codes_of(exc) == ["id.required"]
    with pytest.raises(ValidationError) as exc:
        parse_id_number("1101051949")
    err = only_error(exc)
    assert err.code == "id.length" and err.params["length"] == 10
    assert "10 位" in err.message() and "has 10" in err.message("en")

    with pytest.raises(ValidationError) as exc:
        parse_id_number("1101051949123100A2")
    err = only_error(exc)
    assert err.code == "id.chars" and err.params == {"position": 17, "char": "A"}
    with pytest.raises(ValidationError) as exc:
        parse_id_number("11010519491231002A")
    assert only_error(exc).params["position"] == 18
    with pytest.raises(ValidationError) as exc:
        parse_id_number("11010549123100X")  # X is not allowed in old 15-digit numbers
    assert codes_of(exc) == ["id.chars"]


def test_checksum_message_never_names_the_character_that_would_pass():
    """A typo in the first 17 characters changes the check character: a message naming
    the one that would pass invites a "fix" of the last character that stores a wrong
    number. It says which is there and to check the whole number against the card."""
    good = with_check("44030519900101123")
    wrong = "0" if good[-1] != "0" else "1"
    with pytest.raises(ValidationError) as exc:
        parse_id_number(good[:-1] + wrong, today=TODAY)
    err = only_error(exc)
    assert err.code == "id.checksum"
    assert err.params == {"found": wrong}
    zh, en = err.message("zh"), err.message("en")
    assert f"“{wrong}”" in zh and "对照身份证" in zh and "应为" not in zh
    assert f"“{wrong}”" in en and "against the card" in en and "should be" not in en


def test_birth_date_errors_name_the_birth_date_part():
    with pytest.raises(ValidationError) as exc:
        parse_id_number(with_check("44030520230230123"), today=TODAY)
    err = only_error(exc)
    assert err.code == "id.birth_invalid" and err.params["value"] == "20230230"
    assert "出生日期" in err.message() and "birth date" in err.message("en")

    with pytest.raises(ValidationError) as exc:
        parse_id_number(with_check("44030520250701123"), today=TODAY)
    err = only_error(exc)
    assert err.code == "id.birth_future"
    assert "出生日期" in err.message() and "2025-07-01" in err.message("en")
    # the same number is fine once its birth date has arrived
    parse_id_number(with_check("44030520250701123"), today=date(2025, 7, 1))

    with pytest.raises(ValidationError) as exc:
        parse_id_number(with_check("44030518991231123"), today=TODAY)
    assert codes_of(exc) == ["id.birth_too_old"]


def test_birth_date_checked_against_real_today_by_default():
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        parse_id_number(with_check("440305" + tomorrow.strftime("%Y%m%d") + "123"))
    assert codes_of(exc) == ["id.birth_future"]


def warning_codes(number: str) -> list[str]:
    return [w.code for w in parse_id_number(number, today=TODAY).warnings]


def test_area_data_comes_from_stdnum_with_years():
    table = v._area_table()
    assert len(table) > 3000
    assert table["110105"].first_year is None and table["110105"].last_year is None
    assert table["110103"].last_year == 2010  # 崇文区, merged in 2010
    assert table["110118"].first_year == 2015  # 密云区


def test_area_table_reads_every_county_of_the_file_as_a_full_parse_does():
    """The table is scanned with string operations and parsed per code when asked; a
    complete parse of every line (properties and all) gives the same areas."""
    import re
    from importlib.resources import files

    line_re = re.compile(r'^(\s*)(\S+)((?:\s+\w+="[^"]*")*)\s*$')
    prop_re = re.compile(r'(\w+)="([^"]*)"')
    full: dict[str, v._Area] = {}
    stack: list[tuple[int, str]] = []
    for line in files("stdnum").joinpath("cn/loc.dat").read_text("utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = line_re.match(line)
        assert m is not None, line
        indent = len(m.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else ""
        props = dict(prop_re.findall(m.group(3)))
        if len(parent + m.group(2)) == 6 and "county" in props:
            full[parent + m.group(2)] = v._parse_county(props["county"])
        stack.append((indent, parent + m.group(2)))
    raw = v._stdnum_data("cn/loc.dat")
    quick = v._AreaTable(raw)  # each code found in the text, never scanned
    quick.SCAN_AFTER = 10**6
    assert all(quick.get(code) == area for code, area in full.items())
    assert quick._all is None
    for absent in ("119999", "000000", "990105", "440399"):
        assert absent not in full and quick.get(absent) is None
    table = v._area_table()
    assert len(table) == len(full)
    assert all(table[code] == area for code, area in full.items())
    assert table.get("119999") is None
    assert not v._AreaTable("")


def test_known_current_area_has_no_warning():
    assert warning_codes(with_check("11010519900101123")) == []


def test_unknown_province_is_only_a_warning():
    result = parse_id_number(with_check("99010519900101123"), today=TODAY)
    assert [w.code for w in result.warnings] == ["id.area_unknown"]
    assert result.warnings[0].params["code"] == "990105"
    assert result.warnings[0].field == "id_number"


def test_unknown_county_is_only_a_warning_unlike_stdnum():
    number = with_check("11019919900101123")
    assert warning_codes(number) == ["id.area_unknown"]
    try:
        from stdnum.cn import ric
    except ImportError:  # pragma: no cover
        return
    # stdnum rejects it outright (stdnum 2.2 even raises KeyError here, not its own
    # ValidationError, because the province is known but the county is not)
    with pytest.raises(Exception):  # noqa: B017
        ric.validate(number)


def test_a_retired_area_is_held_by_those_born_before_it_was_retired():
    """SPEC: retired area codes stay valid for the people who hold them. Only a code
    retired before the holder was born cannot be right (崇文区 110103: until 2010)."""
    result = parse_id_number(with_check("11010319800101123"), today=TODAY)
    assert result.birth_date == date(1980, 1, 1) and result.warnings == ()
    assert warning_codes(with_check("11010320101231123")) == []
    result = parse_id_number(with_check("11010320110101123"), today=TODAY)
    (w,) = result.warnings
    assert w.code == "id.area_retired"
    assert w.params == {"code": "110103", "name": "崇文区", "year": 2010, "birth_year": 2011}
    assert "崇文区" in w.message() and "2011" in w.message("en")


def test_an_area_newer_than_the_holder_is_no_warning():
    """A number is given where a person is registered: districts created after their
    holders were born (440307 龙岗, 310115 浦东, 510104 锦江, 110118 密云区) are legitimate."""
    for number in ("44030719600101123", "31011519500101123", "51010419700101123",
                   "11011820000101123", "13060019500101123"):
        assert warning_codes(with_check(number)) == [], number


def test_special_area_codes():
    # Hong Kong / Macao / Taiwan residence permits and foreigners' permanent residence
    assert warning_codes(with_check("81000019800101123")) == []
    assert warning_codes(with_check("83000019800101123")) == []
    assert warning_codes(with_check("91115619800101123")) == []


def test_custom_field_name():
    with pytest.raises(ValidationError) as exc:
        parse_id_number("", field="members.id_number")
    assert exc.value.errors[0].field == "members.id_number"
    assert exc.value.messages()[0].startswith("身份证号码：")


def test_mask_id_number():
    assert mask_id_number("440305199001011234") == "440305********1234"
    assert mask_id_number("440305900101123") == "440305*****1123"
    assert mask_id_number("12345678") == "********"
    assert mask_id_number("") == ""


# --------------------------------------------------------------------------------------
# Unified social credit codes
# --------------------------------------------------------------------------------------


def test_credit_weights_are_powers_of_three():
    assert CREDIT_WEIGHTS == [pow(3, i, 31) for i in range(17)]
    assert len(CREDIT_ALPHABET) == 31 and not set("IOSVZ") & set(CREDIT_ALPHABET)


@given(credit_first17)
def test_valid_credit_codes_accepted(first17):
    code = first17 + oracle_credit_check(first17)
    assert credit_code_check_char(first17) == code[-1]
    assert parse_credit_code(code) == code
    assert parse_credit_code(" " + code.lower()[:9] + " " + code.lower()[9:]) == code
    try:
        from stdnum.cn import uscc
    except ImportError:  # pragma: no cover
        return
    assert uscc.calc_check_digit(first17) == code[-1]


@given(credit_first17, st.data())
def test_credit_code_single_change_rejected(first17, data):
    code = first17 + oracle_credit_check(first17)
    pos = data.draw(st.integers(0, 17), label="position")
    new = data.draw(st.sampled_from([c for c in CREDIT_ALPHABET if c != code[pos]]), label="char")
    with pytest.raises(ValidationError) as exc:
        parse_credit_code(code[:pos] + new + code[pos + 1 :])
    assert codes_of(exc) == ["credit.checksum"]


@pytest.mark.parametrize("bad", list("IOSVZ"))
def test_credit_code_unused_letters(bad):
    code = "91440300" + "MA5" + "ABCDEF"
    full = code + oracle_credit_check(code)
    with pytest.raises(ValidationError) as exc:
        parse_credit_code(full[:10] + bad + full[11:])
    err = only_error(exc)
    assert err.code == "credit.chars" and err.params == {"position": 11, "char": bad}
    assert "I、O、S、V、Z" in err.message() and "I, O, S, V and Z" in err.message("en")


@pytest.mark.parametrize("first", ["1", "5", "9", "A", "N", "Y"])
def test_credit_code_first_character_may_be_letter(first):
    first17 = first + "1440300MA5ABCDEF"
    code = first17 + oracle_credit_check(first17)
    assert parse_credit_code(code) == code


def test_credit_code_required_length_checksum_message():
    with pytest.raises(ValidationError) as exc:
        parse_credit_code("  ")
    assert codes_of(exc) == ["credit.required"]
    with pytest.raises(ValidationError) as exc:
        parse_credit_code("91440300MA5")
    assert only_error(exc).params == {"length": 11}
    first17 = "91440300MA5ABCDEF"
    right = oracle_credit_check(first17)
    wrong = "0" if right != "0" else "1"
    with pytest.raises(ValidationError) as exc:
        parse_credit_code(first17 + wrong)
    err = only_error(exc)
    assert err.params == {"found": wrong}
    assert "营业执照" in err.message() and "应为" not in err.message()
    with pytest.raises(ValueError):
        credit_code_check_char("I" * 17)


# --------------------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("１９９１２３４５６７８", "19912345678"),
        ("0755-12345678", "0755-12345678"),
        ("075512345678", "0755-12345678"),
        ("(0755) 1234567", "0755-1234567"),
        ("（０７５５）12345678", "0755-12345678"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("020 8765 4321", "020-87654321"),
        ("0755-12345678-123", "0755-12345678-123"),
        ("0755-12345678 转 8001", "0755-12345678-8001"),
        ("0755 12345678 ext. 12", "0755-12345678-12"),
        ("+86 755 12345678", "0755-12345678"),
        ("12345678", "12345678"),
        ("2345678", "2345678"),
    ],
)
def test_phone_valid(raw, expected):
    assert parse_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "12812345678",
        "1381234567",
        "138123456789",
        "abc",
        "0755-123",
        "0755123",
        "13812345678 转 1",
        "400-123-4567",
        "0155-12345678",
        "+86 0755",
    ],
)
def test_phone_invalid(raw):
    with pytest.raises(ValidationError) as exc:
        parse_phone(raw)
    err = only_error(exc)
    assert err.code == "phone.invalid"
    assert "11-digit mobile starting 13-19" in err.message("en")
    assert "0755-12345678" in err.message("en") and "0755-12345678" in err.message("zh")


def test_phone_required():
    with pytest.raises(ValidationError) as exc:
        parse_phone(" ")
    assert codes_of(exc) == ["phone.required"]


@given(st.sampled_from("3456789"), st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_any_mobile_accepted(second, rest):
    number = "1" + second + rest
    assert parse_phone(number) == number
    assert parse_phone(f"+86 {number[:3]}-{number[3:7]}-{number[7:]}") == number


# --------------------------------------------------------------------------------------
# Names and text
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("张三", "张三"),
        ("  王 芳 ", "王芳"),
        ("\u3000李\u3000四", "李四"),
        ("买买提·艾力", "买买提·艾力"),
        ("买买提•艾力", "买买提·艾力"),
        ("买买提・艾力", "买买提·艾力"),
        ("买买提.艾力", "买买提·艾力"),
        ("Anne-Marie O’Neil", "Anne-Marie O'Neil"),
        ("José  García", "José García"),
        ("欧阳 Lily", "欧阳 Lily"),
    ],
)
def test_name_valid(raw, expected):
    assert parse_name(raw) == expected


@pytest.mark.parametrize(
    "raw, char", [("张3", "3"), ("李\x00四", "U+0000"), ("王@", "@"), ("--", "-")]
)
def test_name_bad_chars(raw, char):
    with pytest.raises(ValidationError) as exc:
        parse_name(raw)
    err = only_error(exc)
    assert err.code == "name.chars" and err.params["char"] == char


def test_name_required_and_too_long():
    with pytest.raises(ValidationError) as exc:
        parse_name(None)
    assert codes_of(exc) == ["name.required"]
    with pytest.raises(ValidationError) as exc:
        parse_name("张" * 6, max_len=5)
    assert only_error(exc).params == {"max_len": 5, "length": 6}
    assert parse_name("张" * 5, max_len=5) == "张" * 5


def test_parse_text():
    assert parse_text("  hello   world ", field="note") == "hello world"
    assert parse_text("", field="note") is None
    assert parse_text(None, field="note") is None
    with pytest.raises(ValidationError) as exc:
        parse_text(" ", field="title", required=True)
    assert codes_of(exc) == ["text.required"]
    with pytest.raises(ValidationError) as exc:
        parse_text("x" * 11, field="title", max_len=10)
    assert only_error(exc).params == {"max_len": 10, "length": 11}
    assert parse_text("a  b\n\n\n c ", field="note", multiline=True) == "a b\n\nc"


# --------------------------------------------------------------------------------------
# Amounts
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, fen",
    [
        ("1,234.50", 123450),
        ("￥200", 20000),
        ("¥ 200.5", 20050),
        ("200元", 20000),
        ("人民币 88.8 元", 8880),
        ("１２３.４５", 12345),
        ("0.01", 1),
        (".5", 50),
        ("1.500", 150),
        ("1.5万", 1500000),
        (200, 20000),
        (Decimal("12.34"), 1234),
        (0.1, 10),
        (1234.5, 123450),
        ("10000000", 1_000_000_000),
    ],
)
def test_amount_valid(raw, fen):
    assert parse_amount_fen(raw) == fen


@pytest.mark.parametrize(
    "raw, code",
    [
        ("", "amount.required"),
        (None, "amount.required"),
        ("abc", "amount.invalid"),
        ("1,23", "amount.invalid"),
        ("1e5", "amount.invalid"),
        ("NaN", "amount.invalid"),
        (float("nan"), "amount.invalid"),
        (Decimal("Infinity"), "amount.invalid"),
        (True, "amount.invalid"),
        ("1.234", "amount.precision"),
        (0.1 + 0.2, "amount.precision"),
        ("1.0000000000000000000000000000001", "amount.precision"),
        ("-5", "amount.negative"),
        ("0", "amount.zero"),
        ("0.00", "amount.zero"),
        ("10000000.01", "amount.too_large"),
        ("1" + "0" * 40, "amount.too_large"),
    ],
)
def test_amount_invalid(raw, code):
    with pytest.raises(ValidationError) as exc:
        parse_amount_fen(raw)
    assert codes_of(exc) == [code]


def test_amount_options():
    assert parse_amount_fen("-5", allow_negative=True) == -500
    assert parse_amount_fen("0", allow_zero=True) == 0
    assert parse_amount_fen("500", max_yuan=500) == 50000
    with pytest.raises(ValidationError) as exc:
        parse_amount_fen("-600", allow_negative=True, max_yuan=500)
    assert codes_of(exc) == ["amount.too_large"]


def test_format_fen():
    assert format_fen(123450) == "1234.50"
    assert format_fen(-5) == "-0.05"
    assert format_fen(0) == "0.00"
    assert format_fen(123456789, grouping=True) == "1,234,567.89"


@given(st.integers(-1_000_000_000, 1_000_000_000))
def test_amount_round_trips_exactly(fen):
    text = format_fen(fen)
    assert parse_amount_fen(text, allow_negative=True, allow_zero=True) == fen
    assert format_fen(parse_amount_fen(text, allow_negative=True, allow_zero=True)) == text
    grouped = format_fen(fen, grouping=True)
    assert parse_amount_fen(grouped, allow_negative=True, allow_zero=True) == fen


@given(st.integers(1, 1_000_000_000))
def test_amount_from_float_repr_is_exact(fen):
    as_float = float(f"{fen // 100}.{fen % 100:02d}")
    assert parse_amount_fen(as_float) == fen


# --------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2023-05-03",
        "2023/5/3",
        "2023.5.3",
        "2023年5月3日",
        "2023 年 5 月 3 日",
        "20230503",
        "２０２３－０５－０３",
        "２０２３年５月３日",
        "2023-05-03 14:30:00",
        "2023-05-03T14:30",
        date(2023, 5, 3),
        datetime(2023, 5, 3, 23, 59),
        45049,
        45049.75,
        "45049",
    ],
)
def test_date_forms(raw):
    assert parse_date(raw) == date(2023, 5, 3)


@pytest.mark.parametrize(
    "serial, expected",
    [
        (1, date(1900, 1, 1)),
        (59, date(1900, 2, 28)),
        (61, date(1900, 3, 1)),
        (25569, date(1970, 1, 1)),
        (44927, date(2023, 1, 1)),
    ],
)
def test_excel_serial_anchors(serial, expected):
    assert parse_date(serial) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2119, 1, 1)))
def test_excel_serial_property(d):
    # independent anchors: serial 25569 is 1970-01-01; before 1900-03-01 Excel has no
    # fake leap day yet, so serial 1 is 1900-01-01
    if d >= date(1900, 3, 1):
        serial = 25569 + (d - date(1970, 1, 1)).days
    else:
        serial = 1 + (d - date(1900, 1, 1)).days
    assert parse_date(serial) == d
    assert parse_date(float(serial) + 0.5) == d


def test_excel_fake_leap_day_and_range():
    with pytest.raises(ValidationError) as exc:
        parse_date(60)
    assert codes_of(exc) == ["date.not_real"]
    for bad in (0, -1, 80001, float("nan"), float("inf")):
        with pytest.raises(ValidationError) as exc:
            parse_date(bad)
        assert codes_of(exc) == ["date.invalid"]


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)), st.data())
def test_date_text_forms_property(d, data):
    forms = [
        d.isoformat(),
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}.{d.month}.{d.day}",
        f"{d.year}年{d.month}月{d.day}日",
        d.strftime("%Y%m%d") if d.year >= 1000 else d.isoformat(),
    ]
    text = data.draw(st.sampled_from(forms))
    if data.draw(st.booleans()):
        text = to_fullwidth(text)
    assert parse_date(text) == d


@pytest.mark.parametrize("raw", ["2023-02-30", "2023/13/1", "20230230", "2023年4月31日"])
def test_date_not_real(raw):
    with pytest.raises(ValidationError) as exc:
        parse_date(raw)
    assert codes_of(exc) == ["date.not_real"]


@pytest.mark.parametrize("raw", ["yesterday", "5/3/2023", "2023-05", "2023", "2023-05-03x", True])
def test_date_invalid_lists_accepted_forms(raw):
    with pytest.raises(ValidationError) as exc:
        parse_date(raw)
    err = only_error(exc)
    assert err.code == "date.invalid"
    for form in ("2023-05-03", "2023/5/3", "2023.5.3", "2023年5月3日", "20230503"):
        assert form in err.message("zh") and form in err.message("en")


def test_date_required_future_too_old():
    for empty in (None, "", " "):
        with pytest.raises(ValidationError) as exc:
            parse_date(empty)
        assert codes_of(exc) == ["date.required"]
    assert parse_date("2025-07-01", today=TODAY) == date(2025, 7, 1)  # future is fine by default
    with pytest.raises(ValidationError) as exc:
        parse_date("2025-07-01", not_future=True, today=TODAY)
    assert codes_of(exc) == ["date.future"]
    assert parse_date("2025-06-30", not_future=True, today=TODAY) == TODAY
    with pytest.raises(ValidationError) as exc:
        parse_date("1899-12-31")
    assert codes_of(exc) == ["date.too_old"]
    with pytest.raises(ValidationError) as exc:
        parse_date("1999-12-31", min_year=2000)
    assert only_error(exc).params["min_year"] == 2000


# --------------------------------------------------------------------------------------
# Ints, bools, choices
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        (5, 5),
        ("12", 12),
        (" ＋７ ", 7),
        ("-3", -3),
        ("1,234", 1234),
        (3.0, 3),
        (Decimal("4"), 4),
        ("12人", 12),
        ("30 人次", 30),
        ("8.0", 8),
    ],
)
def test_int_valid(raw, expected):
    assert parse_int(raw, field="value") == expected


@pytest.mark.parametrize("raw", ["1.5", 2.5, "abc", "1,23", True, float("nan"), "1e3"])
def test_int_invalid(raw):
    with pytest.raises(ValidationError) as exc:
        parse_int(raw, field="value")
    assert codes_of(exc) == ["int.invalid"]


def test_int_required_and_range():
    with pytest.raises(ValidationError) as exc:
        parse_int("", field="year")
    assert codes_of(exc) == ["int.required"]
    assert parse_int("", field="year", required=False) is None
    assert parse_int(None, field="year", required=False) is None
    with pytest.raises(ValidationError) as exc:
        parse_int("1999", field="year", min_value=2000, max_value=2100)
    err = only_error(exc)
    assert err.code == "int.range"
    assert "2000" in err.message() and "2100" in err.message("en")
    with pytest.raises(ValidationError) as exc:
        parse_int(-1, field="household_size", min_value=0)
    assert "at least 0" in only_error(exc).message("en")
    with pytest.raises(ValidationError) as exc:
        parse_int(11, field="level", max_value=10)
    assert "at most 10" in only_error(exc).message("en")
    assert parse_int(10, field="level", min_value=10, max_value=10) == 10


@pytest.mark.parametrize(
    "raw", ["是", "√", "✓", "Y", "y", "yes", "YES", "true", "True", "1", "有", 1, True]
)
def test_bool_true(raw):
    assert parse_bool(raw, field="status") is True


@pytest.mark.parametrize(
    "raw", ["否", "×", "N", "n", "no", "false", "FALSE", "0", "无", "", None, 0, False]
)
def test_bool_false(raw):
    assert parse_bool(raw, field="status") is False


@pytest.mark.parametrize("raw", ["maybe", "2", 2, "是否"])
def test_bool_invalid(raw):
    with pytest.raises(ValidationError) as exc:
        parse_bool(raw, field="status")
    assert codes_of(exc) == ["bool.invalid"]


GENDERS = {"M": ("男", "Male"), "F": ("女", "Female")}


@pytest.mark.parametrize(
    "raw, code", [("M", "M"), ("f", "F"), ("女", "F"), ("male", "M"), (" FEMALE ", "F")]
)
def test_choice_valid(raw, code):
    assert parse_choice(raw, field="gender", choices=GENDERS) == code


def test_choice_invalid_lists_labels():
    with pytest.raises(ValidationError) as exc:
        parse_choice("未知", field="gender", choices=GENDERS)
    err = only_error(exc)
    assert err.code == "choice.invalid"
    assert "男、女" in err.message("zh")
    assert "Male, Female" in err.message("en")
    with pytest.raises(ValidationError) as exc:
        parse_choice("", field="gender", choices=GENDERS)
    assert codes_of(exc) == ["choice.required"]
    assert parse_choice("", field="gender", choices=GENDERS, required=False) is None


# --------------------------------------------------------------------------------------
# Errors, collector, messages
# --------------------------------------------------------------------------------------


def test_field_error_is_hashable_and_compares_params():
    a = FieldError("amount", "amount.too_large", {"value": "1", "max_yuan": "5"})
    b = FieldError("amount", "amount.too_large", {"value": "1", "max_yuan": "5"})
    c = FieldError("amount", "amount.too_large", {"value": "2", "max_yuan": "5"})
    assert a == b and hash(a) == hash(b) and a != c
    assert len({a, b, c}) == 2
    params = {"length": 3}
    d = FieldError("id_number", "id.length", params)
    params["length"] = 99
    assert d.params == {"length": 3}
    assert FieldError("x", "no.such.code", {"a": 1}).message() == "no.such.code (a=1)"


def test_validation_error_api():
    err = ValidationError(
        [
            FieldError("name", "name.required"),
            FieldError("phone", "phone.invalid", {"value": "123"}),
            FieldError("phone", "phone.required"),
        ]
    )
    assert isinstance(err, ValueError)
    assert err.messages("zh")[0] == "姓名：请填写姓名"
    assert err.messages("en")[0] == "Name: enter a name"
    assert str(err) == "; ".join(err.messages("zh"))
    assert list(err.by_field()) == ["name", "phone"]
    assert len(err.by_field()["phone"]) == 2
    again = pickle.loads(pickle.dumps(err))
    assert again.errors == err.errors
    single = ValidationError(FieldError("x_unlabelled", "field.required"))
    assert single.messages() == ["x_unlabelled：此项必填"]


def test_error_collector_gathers_several_errors():
    c = ErrorCollector()
    name = c.check("name", parse_name, "张三")
    phone = c.check("contact_phone", parse_phone, "12345")
    born = c.check("birth_date", parse_date, "2023-02-30")
    idn = c.check("id_number", parse_id_number, with_check("11010320110101123"), today=TODAY)
    c.add("status", "field.required")
    assert name == "张三" and phone is None and born is None
    assert isinstance(idn, IdNumber)
    assert [w.code for w in c.warnings] == ["id.area_retired"]
    assert bool(c) and not c.ok
    with pytest.raises(ValidationError) as exc:
        c.raise_if_any()
    errors = exc.value.errors
    assert [(e.field, e.code) for e in errors] == [
        ("contact_phone", "phone.invalid"),
        ("birth_date", "date.not_real"),
        ("status", "field.required"),
    ]
    msgs = exc.value.messages()
    assert msgs[0].startswith("联系电话：") and msgs[1].startswith("出生日期：")


def test_error_collector_without_errors_does_not_raise():
    c = ErrorCollector()
    assert c.check("amount", parse_amount_fen, "12.50") == 1250
    c.raise_if_any()
    assert c.ok and not c.errors and not c.warnings


def test_field_labels_cover_the_common_fields():
    for name in [
        "name",
        "id_number",
        "credit_code",
        "phone",
        "amount",
        "date",
        "birth_date",
        "gender",
        "ethnicity",
        "join_date",
        "status",
        "status_date",
        "category",
        "level",
        "household_size",
        "kind",
        "title",
        "event_date",
        "visit_date",
        "visitors",
        "workers_served",
        "person_times",
        "migrant_person_times",
        "target",
        "enterprise",
        "username",
        "password",
        "role",
        "station_code",
        "station_name",
        "year",
        "metric",
        "value",
        "reason",
        "entry_date",
        "case",
        "member",
    ]:
        zh, en = FIELD_LABELS[name]
        assert zh and en and re.search(r"[\u4e00-\u9fff]", zh)


def test_every_message_has_both_languages_with_same_placeholders():
    for code, texts in MESSAGES.items():
        assert len(texts) == 2, code
        zh, en = texts
        assert re.search(r"[\u4e00-\u9fff]", zh), code
        assert en and en != zh and re.match(r"[A-Za-z{“]", en), code
        zh_names, en_names = v.message_placeholders(code)
        assert zh_names == en_names, code


def module_codes() -> set[str]:
    """Every string literal in the module that looks like a message code."""
    source = Path(v.__file__).read_text(encoding="utf-8")
    found = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.STRING:
            text = tok.string.strip("\"'")
            if re.fullmatch(r"[a-z]+\.[a-z_]+", text):
                found.add(text)
    return found


def test_every_code_in_module_source_is_in_messages():
    codes = module_codes()
    assert "id.checksum" in codes and "amount.precision" in codes
    assert codes <= set(MESSAGES), codes - set(MESSAGES)


# One call per message code, so every message is exercised with real params.
EXERCISES = [
    lambda: ValidationError(FieldError("status", "field.required")),
    lambda: parse_id_number(""),
    lambda: parse_id_number("123"),
    lambda: parse_id_number("11010519491231002Y"),
    lambda: parse_id_number(with_check("11010520230230123")),
    lambda: parse_id_number(with_check("11010520300101123"), today=TODAY),
    lambda: parse_id_number(with_check("11010518000101123")),
    lambda: parse_id_number("110105199001011230"),
    lambda: parse_id_number(with_check("11019919900101123"), today=TODAY),
    lambda: parse_id_number(with_check("11010320110101123"), today=TODAY),
    lambda: parse_credit_code(""),
    lambda: parse_credit_code("91"),
    lambda: parse_credit_code("91440300MA5ABCDEFO"),
    lambda: parse_credit_code(
        "91440300MA5ABCDEF" + ("1" if oracle_credit_check("91440300MA5ABCDEF") != "1" else "2")
    ),
    lambda: parse_phone(""),
    lambda: parse_phone("123"),
    lambda: parse_name(""),
    lambda: parse_name("张" * 60),
    lambda: parse_name("张3"),
    lambda: parse_text("", field="title", required=True),
    lambda: parse_text("x" * 600, field="title"),
    lambda: parse_amount_fen(""),
    lambda: parse_amount_fen("abc"),
    lambda: parse_amount_fen("1.001"),
    lambda: parse_amount_fen("-1"),
    lambda: parse_amount_fen("0"),
    lambda: parse_amount_fen("99999999"),
    lambda: parse_date(""),
    lambda: parse_date("x"),
    lambda: parse_date("2023-02-30"),
    lambda: parse_date("2030-01-01", not_future=True, today=TODAY),
    lambda: parse_date("1800-01-01"),
    lambda: parse_int("", field="year"),
    lambda: parse_int("x", field="year"),
    lambda: parse_int(5, field="year", min_value=10, max_value=20),
    lambda: parse_bool("x", field="status"),
    lambda: parse_choice("", field="gender", choices=GENDERS),
    lambda: parse_choice("x", field="gender", choices=GENDERS),
]


def exercise_all() -> list[FieldError]:
    out: list[FieldError] = []
    for fn in EXERCISES:
        try:
            result = fn()
        except ValidationError as exc:
            out.extend(exc.errors)
            continue
        if isinstance(result, ValidationError):
            out.extend(result.errors)
        elif isinstance(result, IdNumber):
            out.extend(result.warnings)
    return out


def test_every_message_code_is_exercised_and_renders_in_both_languages():
    errors = exercise_all()
    # this module's own codes (services register more when they are imported)
    assert {e.code for e in errors} == set(v.CORE_MESSAGE_CODES)
    for e in errors:
        for lang in ("zh", "en", "zh_CN", "en_US"):
            text = e.message(lang)
            assert text and "{" not in text and "}" not in text, (e, lang)
        assert e.message("en") != e.message("zh")
        assert e.message("en_US") == e.message("en")
        label_zh = ValidationError([e]).messages("zh")[0]
        label_en = ValidationError([e]).messages("en")[0]
        assert "：" in label_zh and ": " in label_en


def test_register_messages():
    v.register_messages({"id.checksum": MESSAGES["id.checksum"]})  # same text: fine
    with pytest.raises(ValueError):
        v.register_messages({"id.checksum": ("别的", "other")})
    with pytest.raises(ValueError):
        v.register_messages({"tmp.code": ("只有中文",)})


def test_free_text_keeps_chinese_punctuation_names_do_not():
    """A reason, a finding, a note is stored as the clerk wrote it (a clerk's walk found
    "子女就业，家庭收入好转" printed as "子女就业,家庭收入好转"); full-width letters, digits
    and spaces still become half-width. An enterprise's name, which other sheets match
    it by, keeps being made half-width."""
    from station_app.domain.validation import parse_text

    assert parse_text("子女就业，家庭收入好转（补录）。", field="reason") == \
        "子女就业，家庭收入好转（补录）。"
    assert parse_text("ＡＢＣ１２３\u3000第二行", field="note") == "ABC123 第二行"
    assert parse_text("第一行；\n第二行：好", field="note", multiline=True) == "第一行；\n第二行：好"
    assert parse_text("葵涌制衣厂（深圳）有限公司", field="enterprise_name",
                      half_width=True) == "葵涌制衣厂(深圳)有限公司"
