"""Preparing one spreadsheet cell for the services' parsers.

The parsers in ``domain.validation`` already read what clerks type (full-width digits,
stray spaces, every date form, 是/否 √/× Y/N 1/0, Excel serial dates). What a sheet adds
is typed cells: a phone or card number stored as the number 13800138000.0, a date cell
as ``datetime``, and ID numbers that Excel turned into numbers and so lost their last
digits — those are caught here, never imported wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from station_app.domain.validation import (
    FieldError,
    ValidationError,
    normalize_text,
    parse_id_number,
    register_messages,
)

register_messages({
    "import.id_excel_number": (
        "Excel 把这个身份证号码存成了数字，最后几位已经丢失（{shown}）：请把这一列设置为“文本”格式后重新输入号码",
        "Excel stored this ID number as a number and lost its last digits ({shown}); format "
        "the column as text and type the number again",
    ),
    "import.number_lost_digits": (
        "Excel 把这个号码存成了数字，最后几位已经丢失（{shown}）：请把这一列设置为“文本”格式后重新输入",
        "Excel stored this number as a number and lost its last digits ({shown}); format the "
        "column as text and type it again",
    ),
})

_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS), None)
HAS_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
#: what a cell holding only these is blank of: white space (full-width and no-break
#: included) and invisible characters
BLANK = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
         "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000" + _INVISIBLE_CHARS)
# "4.40305E+17", "4,40305E+17", "4.40305199001011e17": a number shown in scientific notation
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]+)?[eE][+]?[0-9]{1,2}")
# Excel keeps 15 significant digits; anything longer in a number cell was cut.
EXCEL_DIGITS = 15


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip(BLANK)
    return False


def _visible(text: str) -> str:
    return text.translate(_INVISIBLE) if HAS_INVISIBLE.search(text) else text


def _number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def as_text(value: Any) -> Any:
    """A cell for a text field: numbers without ".0", dates as YYYY-MM-DD, booleans as
    是/否, zero-width characters removed (the parser then normalises spaces and width)."""
    if isinstance(value, str):
        return _visible(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return _number_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return None
    return str(value)


# a number in a date cell that reads as a year (2023) or a year and month (2023.05): as an
# Excel serial it would be a day of 1905
_YEARS = (1900, 2101)


def as_date(value: Any) -> Any:
    """Dates, datetimes and serial numbers go to ``parse_date`` as they are; a time or a
    duration (a cell formatted as time) as text, which it then refuses. A number that
    reads as a year (2023, 2023.05) is not taken for a serial (a day of 1905): it goes as
    the text it shows, which a date refuses and a year-month field reads."""
    if isinstance(value, time | timedelta):
        return str(value)
    if isinstance(value, str):
        return _visible(value)
    if isinstance(value, float | int) and not isinstance(value, bool) \
            and _YEARS[0] <= value < _YEARS[1]:
        return _number_text(value)
    return value


# 2023.05, 2023-5, 2023/05, 2023年5月, 2023年05月份, 202305: a year and a month
_MONTH = re.compile(r"([0-9]{4}) ?(?:[-/.年] ?([0-9]{1,2}) ?(?:月份?)?|([0-9]{2}))")


def as_month(value: Any) -> Any:
    """A cell of a year-month field (入会年月): a year and a month ("2023.05",
    "2023年05月", "202305") is the first of that month; a full date is that date; anything
    else goes to ``parse_date``, which explains. 2023.1 in a number cell is not read:
    Excel keeps 2023.10 as 2023.1, so January and October look the same."""
    number = isinstance(value, float | int) and not isinstance(value, bool)
    value = as_date(value)
    if not isinstance(value, str):
        return value
    m = _MONTH.fullmatch(normalize_text(value))
    if m is None:
        return value
    month = int(m.group(2) or m.group(3))
    if not 1 <= month <= 12 or (number and m.group(2) is not None and len(m.group(2)) == 1):
        return value
    return date(int(m.group(1)), month, 1)


def as_amount(value: Any) -> Any:
    """A cell of an amount: a number within a millionth of a fen of a whole fen is that
    amount — what a formula's binary arithmetic leaves (300.29999999999995 where Excel
    shows 300.3) — as an exact Decimal; anything else goes to ``parse_amount_fen`` as it
    is, which refuses a real third decimal."""
    if isinstance(value, float) and math.isfinite(value):
        fen = value * 100
        whole = round(fen)
        if whole != fen and abs(fen - whole) < 1e-6:
            return Decimal(whole) / 100
    return value


def as_count(value: Any) -> Any:
    """A cell of a whole number: a formula's 2.9999999999999996 is 3."""
    if isinstance(value, float) and math.isfinite(value):
        whole = round(value)
        if whole != value and abs(value - whole) < 1e-9 * max(1.0, abs(value)):
            return whole
    return value


def _lost(field: str, code: str, shown: str) -> ValidationError:
    return ValidationError([FieldError(field, code, {"shown": shown})])


def _shown(value: float | int) -> str:
    """How Excel shows the number in a General cell (4.40305E+17)."""
    if isinstance(value, float) and not value.is_integer():
        return repr(value)
    n = int(value)
    if len(str(abs(n))) <= 11:
        return str(n)
    return f"{n:.5E}"


def as_id_number(value: Any, field: str = "id_number") -> Any:
    """A cell for an ID number (GB 11643). Raises ``import.id_excel_number`` when Excel
    has turned the number into a number: a float with more than 15 digits (Excel keeps
    15, so an 18-digit ID has lost its last three), scientific notation typed or pasted
    as text, or an exact integer cell whose digits fail the check. A 15-digit old number
    fits in Excel's precision and is taken as its digits."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float | int):
        if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
            raise _lost(field, "import.id_excel_number", _shown(value))
        digits = str(abs(int(value)))
        if len(digits) <= EXCEL_DIGITS:
            return digits
        if isinstance(value, float):
            raise _lost(field, "import.id_excel_number", _shown(value))
        try:  # an exact integer (written by a program, not typed into Excel)
            parse_id_number(digits)
        except ValidationError:
            raise _lost(field, "import.id_excel_number", _shown(value)) from None
        return digits
    if isinstance(value, str):
        text = _visible(value)
        if ("E" in text or "e" in text) and _SCIENTIFIC.fullmatch(
                normalize_text(text).replace(" ", "")):
            raise _lost(field, "import.id_excel_number", normalize_text(text))
        return text
    return as_text(value)


def as_code(value: Any, field: str) -> Any:
    """A cell for a long code kept as text (credit code, bank account): a number cell
    longer than Excel's 15 digits has lost digits."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
            raise _lost(field, "import.number_lost_digits", _shown(value))
        digits = str(abs(int(value)))
        if len(digits) > EXCEL_DIGITS and isinstance(value, float):
            raise _lost(field, "import.number_lost_digits", _shown(value))
        return digits
    if isinstance(value, str):
        text = _visible(value)
        if ("E" in text or "e" in text) and _SCIENTIFIC.fullmatch(
                normalize_text(text).replace(" ", "")):
            raise _lost(field, "import.number_lost_digits", normalize_text(text))
        return text
    return as_text(value)


def carried_back(value: Any) -> Any:
    """A cell of an ID number, code or phone column as the error workbook writes it back:
    as text, what the clerk typed. A number Excel cut (more than its 15 digits, or not
    whole) is written in the scientific form Excel shows, with every digit Excel kept
    ("4.40307198810206E+17"), never as the digits of the float: those
    ("440307198810206016") look like a real number and one in eleven even passes the
    check character. The import refuses that form again, with the explanation."""
    if isinstance(value, bool) or not isinstance(value, float | int):
        return value
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return repr(value)
    if value.is_integer():
        digits = str(abs(int(value)))
        if len(digits) <= EXCEL_DIGITS:
            return str(int(value))
        return f"{value:.{EXCEL_DIGITS - 1}E}"
    return repr(value)


def looks_cut_id(value: Any) -> bool:
    """Text of 16-18 digits ending in 000: what an ID number looks like after a trip
    through a number cell (for explaining a failed check character)."""
    s = normalize_text(value).replace(" ", "") if isinstance(value, str) else ""
    return 16 <= len(s) <= 18 and s.isdigit() and s.endswith("000")


_SUFFIXES = ("职工", "家庭", "户", "类")


def loose_choice(value: Any, choices: Mapping[str, tuple[str, str]]) -> Any:
    """Sheet wording of a choice made exact where it is unambiguous: "深度困难职工" ->
    "深度困难", "医疗互助" -> "医疗互助保障", "金秋助学金" -> "金秋助学". Anything else is
    returned unchanged, for the service's parser to accept or explain."""
    s = normalize_text(as_text(value))
    if not s:
        return value
    key = s.casefold()
    labels = {code: (normalize_text(zh).casefold(), en.casefold())
              for code, (zh, en) in choices.items()}
    for code, (zh, en) in labels.items():
        if key in (code.casefold(), zh, en):
            return s
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            trimmed = key[: -len(suffix)]
            for code, (zh, _en) in labels.items():
                if trimmed == zh:
                    return choices[code][0]
    if len(key) >= 2:
        hits = [code for code, (zh, _en) in labels.items() if key in zh or zh in key]
        if len(hits) == 1:
            return choices[hits[0]][0]
    return s
