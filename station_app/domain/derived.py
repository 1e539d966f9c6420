"""Values derived from a record to find and order it, stored beside it, never synced.

A member row carries two (revision 0013), each kept by the capture hook and the bulk
path wherever the row is written — at a station, and at the district for the rows it
receives — and left off the wire (``Syncable.derived_columns``): every database computes
them from the row itself.

- ``name_sort``: the name's pinyin sort key (``pinyin.sort_key``): lists and search hits
  sort by it (安 before 丁), through the index ``(name_sort, name, id, deleted)``.
- ``phone_tail``: the phone's digits reversed (``phone_tail``), so the last digits a
  clerk types ("…8000") are a prefix of it and an index range finds them, as the first
  digits are found on ``phone``.

No SQLAlchemy here; pypinyin's table is read only when a sort key is made.
"""

from __future__ import annotations

MEMBER_DERIVED = ("name_sort", "phone_tail")


def phone_tail(phone: str | None) -> str | None:
    """The digits of a stored phone number (``validation.parse_phone``'s forms) reversed,
    without an extension: "13800138000" → "00083100831", "0755-12345678-123" (area, number,
    extension) → "876543215570", "1234567-89" (a local number and its extension) →
    "7654321". None for no phone."""
    if not phone:
        return None
    if phone.isdigit():  # a mobile, a local number: the common case
        return phone[::-1]
    groups = phone.split("-")
    if len(groups) >= 2 and groups[0].startswith("0"):
        digits = groups[0] + groups[1]  # area code and number, the extension left out
    else:
        digits = groups[0]
    digits = "".join(ch for ch in digits if "0" <= ch <= "9")
    return digits[::-1] or None


def member_derived(name: str | None, phone: str | None) -> dict[str, str | None]:
    """The derived columns of a member with this name and phone."""
    return {"name_sort": _sort_key()(name), "phone_tail": phone_tail(phone)}


def _sort_key():
    """``pinyin.sort_key``, imported when first needed (the bulk path calls this per row)."""
    global _SORT_KEY
    if _SORT_KEY is None:
        from station_app.domain.pinyin import sort_key

        _SORT_KEY = sort_key
    return _SORT_KEY


_SORT_KEY = None
