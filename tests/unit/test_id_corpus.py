"""A corpus of real-shaped ID numbers — retired area codes, codes newer than their holders,
X and x, old 15-digit numbers, full-width digits, spaces and hyphens, numbers Excel cut,
impossible dates — checked with python-stdnum as the oracle for the check character.

Every number is taken exactly when its check character is the oracle's, refused with a
message that never names the character that would pass when it is not; the only area
warnings are for a code that never existed or one retired before the holder was born."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from stdnum.cn import ric

from station_app.domain.validation import (
    ValidationError,
    _area_table,
    _scan_areas,
    parse_id_number,
)
from station_app.exchange import import_cells

TODAY = date(2025, 6, 30)


def _oracle(first17: str) -> str:
    return ric.calc_check_digit(first17 + "0")  # stdnum wants the full length


def _corpus(n: int = 503, seed: int = 13) -> list[tuple[str, int]]:
    """(17 digits, birth year): area codes as stations meet them — Shenzhen's, ones newer
    than their holders, retired ones (before and after their holders' births), others of
    the table at random."""
    rng = random.Random(seed)
    table = _area_table()
    every = sorted(_scan_areas(table._text))
    retired = [c for c in every if (a := table.get(c)) and a.last_year is not None]
    common = ["440303", "440304", "440305", "440306", "440307", "440308", "310115",
              "510104", "110105", "110103", "110104", "320501"]
    out = []
    while len(out) < n:
        pick = rng.random()
        area = (rng.choice(common) if pick < 0.5 else rng.choice(retired) if pick < 0.75
                else rng.choice(every))
        born = date(1930, 1, 1) + timedelta(days=rng.randrange(33_000))
        if born > TODAY:
            continue
        out.append((f"{area}{born:%Y%m%d}{rng.randrange(1000):03d}", born.year))
    return out


CORPUS = _corpus()


def _forms(number: str) -> list[str]:
    full = "".join(chr(ord(c) + 0xFEE0) for c in number)
    return [number, number.lower(), full, f" {number[:6]} {number[6:14]} {number[14:]} ",
            f"{number[:6]}-{number[6:14]}-{number[14:]}"]


def test_the_corpus_is_real_shaped():
    xs = sum(1 for body, _y in CORPUS if _oracle(body) == "X")
    assert len(CORPUS) == 503 and 20 < xs < 80  # about one in eleven ends in X
    retired = [b for b, _y in CORPUS if (a := _area_table().get(b[:6])) and a.last_year]
    assert len(retired) > 100


def test_every_number_with_the_oracles_check_character_is_taken_as_it_is():
    for body, year in CORPUS:
        number = body + _oracle(body)
        for form in _forms(number):
            got = parse_id_number(form, today=TODAY)
            assert got.number == number, form
            assert got.birth_date.year == year
            assert got.gender == ("M" if int(body[16]) % 2 else "F")


def test_every_other_check_character_is_refused_without_naming_the_right_one():
    rng = random.Random(5)
    for body, _year in CORPUS:
        right = _oracle(body)
        wrong = rng.choice([c for c in "0123456789Xx" if c.upper() != right])
        with pytest.raises(ValidationError) as exc:
            parse_id_number(body + wrong, today=TODAY)
        (err,) = exc.value.errors
        assert err.code == "id.checksum" and err.params == {"found": wrong.upper()}
        assert "应为" not in err.message("zh") and "should be" not in err.message("en")


def test_a_typo_in_the_first_17_digits_is_caught_by_the_check_character():
    rng = random.Random(7)
    caught = 0
    for body, _year in CORPUS:
        number = body + _oracle(body)
        i = rng.randrange(17)
        typo = number[:i] + str((int(number[i]) + rng.randrange(1, 10)) % 10) + number[i + 1:]
        try:
            parse_id_number(typo, today=TODAY)
        except ValidationError as exc:
            caught += 1
            assert exc.codes[0] in ("id.checksum", "id.birth_invalid", "id.birth_future",
                                          "id.birth_too_old")
        else:  # ISO 7064 MOD 11-2 catches every single-digit substitution
            raise AssertionError(f"{typo} taken")
    assert caught == len(CORPUS)


def test_old_15_digit_numbers_get_the_oracles_check_character():
    for body, year in CORPUS:
        if not 1900 <= year <= 1999:
            continue
        old = body[:6] + body[8:]
        got = parse_id_number(old, today=TODAY)
        assert got.number == body + _oracle(body) and got.upgraded_from_15


def test_numbers_excel_cut_are_never_taken():
    for body, _year in CORPUS[:100]:
        number = body + _oracle(body)
        for cell in (float(number[:17] + ("0" if number[17] == "X" else number[17])),
                     float(number[:15] + "000"), f"{float(body):.5E}",
                     import_cells.carried_back(float(number[:15] + "000"))):
            with pytest.raises(ValidationError) as exc:
                import_cells.as_id_number(cell)
            assert exc.value.codes == ["import.id_excel_number"]


def test_impossible_birth_dates_are_refused():
    for body, _year in CORPUS[:100]:
        bad = body[:10] + "0230" + body[14:]
        with pytest.raises(ValidationError) as exc:
            parse_id_number(bad + _oracle(bad), today=TODAY)
        assert exc.value.codes == ["id.birth_invalid"]


def test_area_warnings_only_where_they_mean_something():
    table = _area_table()
    warned = 0
    for body, year in CORPUS:
        got = parse_id_number(body + _oracle(body), today=TODAY)
        area = table.get(body[:6])
        if area is None:
            expected = ["id.area_unknown"]
        elif area.last_year is not None and year > area.last_year:
            expected = ["id.area_retired"]
        else:
            expected = []
        assert [w.code for w in got.warnings] == expected, (body, area)
        warned += bool(expected)
    assert warned < len(CORPUS) // 4
    # codes newer than their holders, and retired codes held by those born before
    for number in ("44030719600101123", "44030619700101123", "31011519500101123",
                   "51010419700101123", "11010319800101123", "11010420100101123"):
        assert parse_id_number(number + _oracle(number), today=TODAY).warnings == ()


def test_the_creation_years_held_for_shenzhens_districts():
    """宝安区 (440306) and 龙岗区 (440307) were set up in 1992-93 (approved November 1992,
    in office January 1993); the table says 1992. No warning depends on the year a code
    was created any more, so the difference changes nothing."""
    table = _area_table()
    for code in ("440306", "440307"):
        assert table.get(code).first_year in (1992, 1993) and table.get(code).last_year is None
