"""Pinyin search keys, query normalisation and the prefix range bound."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station_app.domain.pinyin import (
    MAX_COMBINATIONS,
    normalize_query,
    prefix_upper_bound,
    search_keys,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def prefix_hit(name: str, typed: str) -> bool:
    """What the database range query does: any key starting with the query."""
    q = normalize_query(typed)
    assert q is not None
    hi = prefix_upper_bound(q)
    return any(q <= key < hi for key in search_keys(name))


# --- basic keys -------------------------------------------------------------


def test_zhang_san_keys() -> None:
    assert search_keys("张三") == ["zhangsan", "zhs", "zs"]


@pytest.mark.parametrize("typed", ["zs", "zhs", "zhangs", "zhangsan", "zhang s", "ZS", "zha"])
def test_zhang_san_found_by_prefix(typed: str) -> None:
    assert prefix_hit("张三", typed)


@pytest.mark.parametrize("typed", ["ls", "zhangsi", "zsa", "sz"])
def test_zhang_san_not_found_by_other_prefixes(typed: str) -> None:
    assert not prefix_hit("张三", typed)


def test_keys_are_sorted_unique_lowercase_ascii() -> None:
    for name in ["张三", "曾小明", "欧阳娜娜", "Anna Li", "阿依古丽·买买提", "吕布"]:
        keys = search_keys(name)
        assert keys == sorted(set(keys))
        assert all(k.isascii() and k.isalpha() and k.islower() for k in keys)


@pytest.mark.parametrize("name", ["", None, "   ", "123", "·", "-- !"])
def test_empty_or_no_letters(name: str | None) -> None:
    assert search_keys(name) == []


# --- surnames ---------------------------------------------------------------


def test_zeng_surname() -> None:
    keys = search_keys("曾小明")
    assert "zxm" in keys
    assert "zengxiaoming" in keys


def test_shan_surname_with_dan_fallback() -> None:
    keys = search_keys("单田芳")
    assert "stf" in keys
    assert "shantianfang" in keys
    assert "dantianfang" in keys  # pypinyin's everyday reading kept as well


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("解放", "xiefang", "xf"),
        ("仇英", "qiuying", "qy"),
        ("区志强", "ouzhiqiang", "ozq"),
        ("查良镛", "zhaliangyong", "zly"),
        ("朴槿惠", "piaojinhui", "pjh"),
        ("覃辉", "qinhui", "qh"),
        ("盖聂", "genie", "gn"),
        ("尉缭", "yuliao", "yl"),
    ],
)
def test_special_single_surnames(name: str, full: str, initials: str) -> None:
    keys = search_keys(name)
    assert full in keys
    assert initials in keys


def test_surname_reading_only_applies_to_first_character() -> None:
    # 曾 inside a given name keeps its ordinary readings too; as a surname it
    # must at least have zeng.  Here it is the second char of the given name.
    keys = search_keys("王曾")
    assert "wangceng" in keys
    assert "wangzeng" in keys


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("欧阳娜娜", "ouyangnana", "oynn"),
        ("司马光", "simaguang", "smg"),
        ("诸葛亮", "zhugeliang", "zgl"),
        ("上官婉儿", "shangguanwaner", "sgwe"),
        ("尉迟恭", "yuchigong", "ycg"),
        ("长孙无忌", "zhangsunwuji", "zswj"),
        ("万俟卨", "moqixie", "mqx"),
        ("单于", "chanyu", "cy"),
        ("令狐冲", "linghuchong", "lhc"),
        ("澹台灭明", "tantaimieming", "ttmm"),
    ],
)
def test_compound_surnames(name: str, full: str, initials: str) -> None:
    keys = search_keys(name)
    assert full in keys
    assert initials in keys


def test_compound_and_zh_initials() -> None:
    assert "zhgl" in search_keys("诸葛亮")
    assert "shgwe" in search_keys("上官婉儿")


# --- heteronyms and ü -------------------------------------------------------


def test_heteronym_in_given_name() -> None:
    keys = search_keys("张长江")
    assert "zhangchangjiang" in keys
    assert "zhangzhangjiang" in keys
    assert "zcj" in keys
    assert "zzj" in keys
    assert "zhchj" in keys


def test_heteronym_le_yue() -> None:
    keys = search_keys("李乐")
    assert "lile" in keys
    assert "liyue" in keys


def test_u_umlaut_as_v_and_u() -> None:
    keys = search_keys("吕")
    assert "lv" in keys
    assert "lu" in keys
    assert "l" in keys
    keys = search_keys("吕布")
    assert {"lvbu", "lubu", "lb"} <= set(keys)
    assert prefix_hit("吕布", "lüb")


def test_combination_cap() -> None:
    name = "长乐行重朝和长乐行重"  # every character has several readings
    keys = search_keys(name)
    assert 0 < len(keys) <= MAX_COMBINATIONS * 3
    # The most likely combination survives the cap: surname reading for the
    # first character, pypinyin's phrase-context reading for the rest.
    from pypinyin import Style, lazy_pinyin

    context = lazy_pinyin(name, style=Style.NORMAL)
    assert "chang" + "".join(context[1:]) in keys


def test_cap_keeps_default_reading_for_long_polyphonic_name() -> None:
    keys = search_keys("长长长长长长长长")
    assert len(keys) <= MAX_COMBINATIONS * 3
    assert "chang" * 8 in keys
    assert "c" * 8 in keys


# --- non-Chinese characters -------------------------------------------------


def test_latin_name() -> None:
    keys = search_keys("Anna Li")
    assert keys == ["al", "annali"]
    assert prefix_hit("Anna Li", "anna")


def test_mixed_latin_and_chinese() -> None:
    keys = search_keys("张Anna")
    assert "zhanganna" in keys
    assert "za" in keys


def test_fullwidth_and_accented_latin() -> None:
    assert "annali" in search_keys("ＡＮＮＡ　ＬＩ")
    assert "zoeli" in search_keys("Zoë 李")


def test_middle_dot_and_digits_dropped() -> None:
    keys = search_keys("阿依古丽·买买提")
    assert "ayigulimaimaiti" in keys
    assert "ayglmmt" in keys
    assert search_keys("张三2") == search_keys("张三")


# --- normalize_query --------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ZS", "zs"),
        ("zs", "zs"),
        ("zhang s", "zhangs"),
        ("  Zhang San ", "zhangsan"),
        ("xi'an", "xian"),
        ("xi’an", "xian"),
        ("ｚｈａｎｇ", "zhang"),
        ("ＺＳ", "zs"),
        ("lü", "lv"),
        ("LÜ", "lv"),
        ("张三", None),
        ("张s", None),
        ("1234", None),
        ("zs1", None),
        ("", None),
        ("   ", None),
        ("''", None),
        (None, None),
    ],
)
def test_normalize_query(typed: str | None, expected: str | None) -> None:
    assert normalize_query(typed) == expected


# --- prefix_upper_bound -----------------------------------------------------


def test_prefix_upper_bound_examples() -> None:
    assert prefix_upper_bound("zs") == "zt"
    assert prefix_upper_bound("a") == "b"
    assert prefix_upper_bound("z") == "{"
    with pytest.raises(ValueError):
        prefix_upper_bound("")


@given(
    prefix=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8),
    suffix=st.text(max_size=8),
)
def test_prefix_upper_bound_brackets_all_extensions(prefix: str, suffix: str) -> None:
    s = prefix + suffix
    assert prefix <= s < prefix_upper_bound(prefix)


@given(
    prefix=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6),
    other=st.text(alphabet="abcdefghijklmnopqrstuvwxyz{", max_size=8),
)
def test_prefix_upper_bound_is_tight(prefix: str, other: str) -> None:
    # Strings in [prefix, bound) are exactly those that start with prefix.
    inside = prefix <= other < prefix_upper_bound(prefix)
    assert inside == other.startswith(prefix)


# --- laziness ---------------------------------------------------------------


def test_import_does_not_load_pypinyin() -> None:
    code = (
        "import sys\n"
        "import station_app.domain.pinyin as p\n"
        "assert 'pypinyin' not in sys.modules, 'pypinyin imported eagerly'\n"
        "assert p.normalize_query('ZS') == 'zs'\n"
        "assert p.prefix_upper_bound('zs') == 'zt'\n"
        "assert 'pypinyin' not in sys.modules, 'query helpers need pypinyin'\n"
        # a person's name: each character's readings, from the single-character table
        "assert p.search_keys('张三') == ['zhangsan', 'zhs', 'zs']\n"
        "assert 'lvbu' in p.search_keys('吕布')\n"
        "assert 'pypinyin' not in sys.modules, 'a plain name loaded pypinyin'\n"
        # beyond the combination cap the phrase context decides: pypinyin then
        "p.search_keys('长乐行重朝和长乐行重')\n"
        "assert 'pypinyin' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_single_character_table_gives_what_pypinyin_gives_for_every_character() -> None:
    """The readings a name is keyed by come from pypinyin's data file without pypinyin's
    phrase dictionary; for every character it knows they are exactly pypinyin's own
    (looked up in the text, and after the table is parsed whole)."""
    import json

    from station_app.domain import pinyin as p

    table = p._char_table()
    assert table is not None, "pypinyin's pinyin_dict.json was not found"
    codes = [int(k) for k in json.loads(table._text)]
    assert len(codes) > 40_000
    fresh = p._CharTable(table._text)
    p._char_readings.cache_clear()
    try:
        for n, cp in enumerate(codes):
            ch = chr(cp)
            readings: list[str] = []
            for r in fresh.readings(ch) or ():
                p._add(readings, r.translate(p._U_UMLAUT))
            assert tuple(readings) == p._pypinyin_readings(ch), (hex(cp), n)
            if n == 10:
                assert fresh._all is None  # looked up in the text so far
        assert fresh._all is not None  # then parsed once
        for ch in ("a", "1", "\u3000", "\U0010ffff"):
            assert fresh.readings(ch) is None and p._pypinyin_readings(ch) == ()
    finally:
        p._char_readings.cache_clear()
