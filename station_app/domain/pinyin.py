"""Pinyin search keys for member names, and normalisation of pinyin queries.

Members are found as-you-type by pinyin ("zs", "zhangs", "zhangsan" all find
张三).  Looking names up must not need pypinyin at query time, so the keys are
computed once when a member is written and stored in an indexed table
``member_name_keys(key, name)`` (one set per distinct name; members are then
found by name).  A search becomes a prefix range query::

    key >= :q AND key < :q_next      -- q_next = prefix_upper_bound(q)

This module computes those keys (:func:`search_keys`), turns what the user
typed into the prefix to look up (:func:`normalize_query`), and computes the
exclusive upper end of the range (:func:`prefix_upper_bound`).

pypinyin is imported lazily, inside the functions that need it, so importing
this module (and anything that only searches) stays cheap. Most names need only each
character's readings, which come from pypinyin's single-character table read as a data
file; pypinyin itself (with its phrase dictionary) is imported only for a name with more
than :data:`MAX_COMBINATIONS` reading combinations, whose phrase-context readings decide
which combinations are kept.

Key rules
---------
* A name is split into *syllables*: one per Chinese character (each with one
  or more candidate readings) and one per run of Latin letters.
* Every combination of readings (at most :data:`MAX_COMBINATIONS`, keeping the
  most likely ones) yields up to three keys:

  - the full spelling, syllables joined without tones or spaces ("zhangsan");
  - the initials, first letter of each syllable ("zs");
  - the initials with zh/ch/sh written out ("zhs"), when that differs.

* ü is written "v" ("lv" for 吕); a "u" spelling ("lu") is added as an extra
  candidate reading of the same character.
* The leading character(s) are read as a surname: compound surnames (欧阳,
  尉迟, 万俟 …) and single surnames with a special or preferred reading (曾
  zeng, 单 shan, 解 xie …) get that reading first, while pypinyin's own
  readings are kept as further candidates so that nothing is missed.
* Other characters: every reading pypinyin knows (heteronyms).  When a name
  has more than :data:`MAX_COMBINATIONS` combinations, the phrase-context
  reading of each character is put first and the combinations with the
  fewest departures from the preferred readings are kept.  (Below the cap all
  combinations are kept, so the order does not matter and the costly phrase
  lookup is skipped.)

Latin letters
-------------
Each maximal run of Latin letters is one syllable, lower-cased, with accents
removed ("É" -> "e") and full-width letters folded to ASCII.  So "Anna Li"
gives "annali" and "al"; "张Anna" gives "zhanganna" and "za".  Only the full
run counts as a syllable (no per-letter initials), which matches how Western
names are typed.  Everything else that is neither Chinese nor a Latin letter —
digits, spaces, punctuation, the middle dot in "阿依古丽·买买提" — is dropped
and separates runs.  Matching on the raw (Chinese) name is done elsewhere by
substring, so keys are plain ``[a-z]+`` strings only.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from functools import lru_cache
from itertools import product

__all__ = [
    "COMMON",
    "GIVEN",
    "MAX_COMBINATIONS",
    "OTHER",
    "normalize_query",
    "prefix_upper_bound",
    "ranked_keys",
    "search_keys",
    "sort_key",
    "sort_prefixes",
    "surname_length",
]

#: Upper bound on reading combinations considered per name.
MAX_COMBINATIONS = 16

# Compound surnames, longest-first matching.  Values: one reading per char.
_COMPOUND_SURNAMES: dict[str, tuple[str, ...]] = {
    "欧阳": ("ou", "yang"),
    "司马": ("si", "ma"),
    "上官": ("shang", "guan"),
    "诸葛": ("zhu", "ge"),
    "尉迟": ("yu", "chi"),
    "长孙": ("zhang", "sun"),
    "万俟": ("mo", "qi"),
    "单于": ("chan", "yu"),
    "令狐": ("ling", "hu"),
    "皇甫": ("huang", "fu"),
    "公孙": ("gong", "sun"),
    "慕容": ("mu", "rong"),
    "东方": ("dong", "fang"),
    "夏侯": ("xia", "hou"),
    "端木": ("duan", "mu"),
    "宇文": ("yu", "wen"),
    "独孤": ("du", "gu"),
    "南宫": ("nan", "gong"),
    "澹台": ("tan", "tai"),
    "呼延": ("hu", "yan"),
    "司徒": ("si", "tu"),
    "司空": ("si", "kong"),
    "司寇": ("si", "kou"),
    "闻人": ("wen", "ren"),
    "轩辕": ("xuan", "yuan"),
    "西门": ("xi", "men"),
    "东门": ("dong", "men"),
    "东郭": ("dong", "guo"),
    "申屠": ("shen", "tu"),
    "太史": ("tai", "shi"),
    "公冶": ("gong", "ye"),
    "公羊": ("gong", "yang"),
    "公良": ("gong", "liang"),
    "公西": ("gong", "xi"),
    "赫连": ("he", "lian"),
    "钟离": ("zhong", "li"),
    "宗政": ("zong", "zheng"),
    "濮阳": ("pu", "yang"),
    "淳于": ("chun", "yu"),
    "鲜于": ("xian", "yu"),
    "仲孙": ("zhong", "sun"),
    "颛孙": ("zhuan", "sun"),
    "羊舌": ("yang", "she"),
    "微生": ("wei", "sheng"),
    "拓跋": ("tuo", "ba"),
    "百里": ("bai", "li"),
    "梁丘": ("liang", "qiu"),
    "左丘": ("zuo", "qiu"),
    "闾丘": ("lv", "qiu"),
    "第五": ("di", "wu"),
    "乐正": ("yue", "zheng"),
    "亓官": ("qi", "guan"),
    "巫马": ("wu", "ma"),
    "谷梁": ("gu", "liang"),
    "宰父": ("zai", "fu"),
    "漆雕": ("qi", "diao"),
    "壤驷": ("rang", "si"),
    "子车": ("zi", "ju"),
    "段干": ("duan", "gan"),
    "夹谷": ("jia", "gu"),
    "完颜": ("wan", "yan"),
    "爱新觉罗": ("ai", "xin", "jue", "luo"),
}
_COMPOUND_MAX_LEN = max(len(k) for k in _COMPOUND_SURNAMES)

# Single-character surnames whose reading as a surname differs from the
# everyday reading, or which have several readings and pypinyin's default may
# not be the surname one.  Values: surname reading(s), most usual first.
_SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "曾": ("zeng",),
    "单": ("shan",),
    "解": ("xie",),
    "仇": ("qiu",),
    "区": ("ou",),
    "查": ("zha",),
    "朴": ("piao",),
    "覃": ("qin", "tan"),
    "员": ("yun",),
    "盖": ("ge", "gai"),
    "缪": ("miao",),
    "召": ("shao",),
    "秘": ("bi",),
    "乐": ("yue", "le"),
    "华": ("hua",),
    "任": ("ren",),
    "尉": ("yu", "wei"),
    "繁": ("po",),
    "宓": ("mi", "fu"),
    "祭": ("zhai",),
    "句": ("gou",),
    "翟": ("zhai", "di"),
    "种": ("chong",),
    "那": ("na",),
    "阚": ("kan",),
    "眭": ("sui",),
    "郇": ("huan", "xun"),
    "洗": ("xian",),
    "冼": ("xian",),
    "折": ("she",),
    "柏": ("bai",),
    "藏": ("zang",),
    "黑": ("he",),
    "隗": ("wei", "kui"),
    "沈": ("shen",),
    "石": ("shi",),
    "朝": ("chao",),
    "重": ("chong",),
    "车": ("che",),
    "都": ("du",),
    "薄": ("bo",),
    "蔺": ("lin",),
    "殷": ("yin",),
    "过": ("guo",),
    "谌": ("chen", "shen"),
    "苏": ("su",),
    "长": ("chang",),
    "卜": ("bu",),
    "贲": ("ben", "bi"),
    "费": ("fei", "bi"),
    "佘": ("she",),
    "逄": ("pang",),
    "能": ("nai",),
    "六": ("lu",),
    "陆": ("lu",),
    "牟": ("mou", "mu"),
    "莘": ("shen", "xin"),
    "啜": ("chuai",),
    "乜": ("nie",),
    "隽": ("juan",),
    "相": ("xiang",),
    "行": ("xing", "hang"),
    "粘": ("nian",),
    "角": ("jue",),
    "曲": ("qu",),
    "炅": ("gui", "jiong"),
    "厍": ("she",),
    "訾": ("zi",),
    "万": ("wan",),
    "叶": ("ye",),
    "贾": ("jia",),
    "奇": ("qi", "ji"),
    "鲜": ("xian",),
    "强": ("qiang",),
    "宁": ("ning",),
    "燕": ("yan",),
    "应": ("ying",),
    "盛": ("sheng",),
    "纪": ("ji",),
    "干": ("gan",),
    "和": ("he",),
    "将": ("jiang",),
    "便": ("pian",),
    "红": ("hong",),
    "参": ("shen", "can"),
    "蕃": ("pi", "fan"),
    "适": ("kuo", "shi"),
}

_RETROFLEX = ("zh", "ch", "sh")


def _is_han(ch: str) -> bool:
    """True for characters pypinyin may give a reading for (CJK ideographs)."""
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF  # CJK Unified Ideographs
        or 0x3400 <= cp <= 0x4DBF  # Extension A
        or 0x20000 <= cp <= 0x3134F  # Extensions B-G
        or 0xF900 <= cp <= 0xFAFF  # Compatibility Ideographs
        or 0x2F800 <= cp <= 0x2FA1F  # Compatibility Supplement
        or cp == 0x3007  # 〇
    )


def _fold_latin(ch: str) -> str:
    """Lower-case ASCII letters for a Latin character ("" if it is not one).

    Full-width forms are folded, accents dropped (é -> e), ü -> u.
    """
    if "a" <= ch <= "z":
        return ch
    if "A" <= ch <= "Z":
        return ch.lower()
    if ord(ch) < 0x80 or _is_han(ch):
        return ""
    out = []
    for c in unicodedata.normalize("NFKD", ch):
        c = c.lower()
        if "a" <= c <= "z":
            out.append(c)
    return "".join(out)


def _ascii_reading(reading: str) -> str:
    """A toneless pypinyin reading reduced to [a-z] ('ê' -> 'e')."""
    if reading.isascii():
        r = reading.lower()
    else:
        r = "".join(c for c in unicodedata.normalize("NFKD", reading.lower()) if c.isascii())
    return r if r.isalpha() and r.isascii() else ""


def _add(readings: list[str], reading: str) -> None:
    """Append reading (and its ü-as-u spelling) unless already present."""
    reading = _ascii_reading(reading)
    if not reading:
        return
    if reading not in readings:
        readings.append(reading)
    if "v" in reading:
        alt = reading.replace("v", "u")
        if alt not in readings:
            readings.append(alt)


# pypinyin's style NORMAL writes ü as "v" (with or without a tone mark); the rest of a
# reading loses its tone marks in ``_ascii_reading``.
_U_UMLAUT = str.maketrans(dict.fromkeys("üǖǘǚǜ", "v"))


class _CharTable:
    """pypinyin's single-character dictionary (``pinyin_dict.json``: code point -> its
    readings with tone marks, usual first), read as text without importing pypinyin,
    whose package loads its phrase dictionary (about 60 % of its import time) up front.
    A name's characters are looked up in the text; after many look-ups (a big import)
    the whole file is parsed once."""

    PARSE_AFTER = 400

    def __init__(self, text: str):
        self._text = text
        self._lookups = 0
        self._all: dict[int, str] | None = None

    def readings(self, ch: str) -> list[str] | None:
        """The readings with tone marks, None for a character pypinyin cannot read."""
        cp = ord(ch)
        if self._all is None:
            self._lookups += 1
            if self._lookups > self.PARSE_AFTER:
                import json

                self._all = {int(k): v for k, v in json.loads(self._text).items()}
        if self._all is not None:
            found = self._all.get(cp)
        else:
            key = f'\n"{cp}": "'
            at = self._text.find(key)
            if at < 0:
                return None
            start = at + len(key)
            found = self._text[start:self._text.index('"', start)]
        return found.split(",") if found is not None else None


@lru_cache(maxsize=1)
def _char_table() -> _CharTable | None:
    """The table, or None when pypinyin's data file is not where it is expected (then
    pypinyin itself answers)."""
    from importlib.util import find_spec
    from pathlib import Path

    try:
        spec = find_spec("pypinyin")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder, "pinyin_dict.json")
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if text.startswith("{\n"):  # one "code": "readings" pair a line
                return _CharTable(text)
    return None


@lru_cache(maxsize=32768)
def _char_readings(ch: str) -> tuple[str, ...]:
    """All toneless readings pypinyin knows for one character, usual first — what
    ``pypinyin.pinyin(ch, style=Style.NORMAL, heteronym=True)`` gives (a test compares
    every character), from the single-character table alone."""
    table = _char_table()
    if table is None:
        return _pypinyin_readings(ch)
    out: list[str] = []
    for r in table.readings(ch) or ():
        _add(out, r.translate(_U_UMLAUT))
    return tuple(out)


def _pypinyin_readings(ch: str) -> tuple[str, ...]:
    """The same readings from pypinyin itself."""
    from pypinyin import Style, pinyin

    out: list[str] = []
    for group in pinyin(ch, style=Style.NORMAL, heteronym=True, errors=lambda _: None):
        for r in group:
            _add(out, r)
    return tuple(out)


@lru_cache(maxsize=4096)
def _context_readings(run: str) -> tuple[str, ...] | None:
    """Phrase-aware default reading for each character of a Han run.

    None when pypinyin's output does not line up one-to-one with the run.
    """
    from pypinyin import Style, lazy_pinyin

    result = lazy_pinyin(run, style=Style.NORMAL, errors=lambda chars: [""] * len(chars))
    if len(result) != len(run):
        return None
    return tuple(result)


def _tokens(name: str) -> list[tuple[bool, str]]:
    """A name's runs in order: (is_han, text). Anything neither Han nor Latin ends the
    current run and is otherwise dropped; Latin runs are folded to lower-case ASCII."""
    tokens: list[tuple[bool, str]] = []
    run: list[str] = []
    run_is_han = False
    for ch in name:
        if _is_han(ch):
            is_han, text = True, ch
        else:
            is_han, text = False, _fold_latin(ch)
        if not text or (run and is_han != run_is_han):
            if run:
                tokens.append((run_is_han, "".join(run)))
                run = []
        if text:
            run.append(text)
            run_is_han = is_han
    if run:
        tokens.append((run_is_han, "".join(run)))
    return tokens


def _surname_readings(text: str) -> list[tuple[str, ...]]:
    """For the Han run a name starts with: the surname readings of each of its characters
    (a compound surname's, then a single surname's special reading; () for the others)."""
    surname: list[tuple[str, ...]] = [()] * len(text)
    for length in range(min(_COMPOUND_MAX_LEN, len(text)), 1, -1):
        compound = _COMPOUND_SURNAMES.get(text[:length])
        if compound is not None:
            for i, r in enumerate(compound):
                surname[i] = (r,)
            break
    single = _SURNAME_READINGS.get(text[0])
    if single is not None:
        surname[0] = surname[0] + single
    return surname


def _syllables(name: str, with_context: bool, *, surname: bool = True
               ) -> list[tuple[str, ...]]:
    """Split a name into syllables, each a tuple of candidate readings.

    With ``with_context`` pypinyin's phrase-aware reading of each Han run is
    moved to the front of each character's readings (after surname
    readings).  It only changes the order, which matters only when the number
    of combinations exceeds the cap, so callers skip it otherwise (it is the
    expensive part). ``surname=False``: the text is not read as starting with a
    surname (a given name on its own).
    """
    syllables: list[tuple[str, ...]] = []
    for index, (is_han, text) in enumerate(_tokens(name)):
        if not is_han:
            syllables.append((text,))
            continue
        context = _context_readings(text) if with_context else None
        # Surname readings apply only when the name starts with this run.
        first: list[tuple[str, ...]] = (
            _surname_readings(text) if index == 0 and surname else [()] * len(text))
        for i, ch in enumerate(text):
            if not first[i] and context is None:  # the common case: the table's readings
                base = _char_readings(ch)
                if base:
                    syllables.append(base)
                continue
            readings: list[str] = []
            for r in first[i]:
                _add(readings, r)
            if context is not None and context[i]:
                _add(readings, context[i])
            for r in _char_readings(ch):
                _add(readings, r)
            if readings:  # characters pypinyin cannot read are dropped
                syllables.append(tuple(readings))
    return syllables


def _combination_count(syllables: list[tuple[str, ...]]) -> int:
    total = 1
    for s in syllables:
        total *= len(s)
    return total


def _best_combinations(syllables: list[tuple[str, ...]], limit: int) -> list[tuple[str, ...]]:
    """Up to ``limit`` reading combinations, most likely first.

    Candidates are ranked by the sum of the readings' positions in their
    syllable's list (0 = most likely), ties broken lexicographically, so one
    deviation anywhere beats two deviations.
    """
    if _combination_count(syllables) <= limit:
        return list(product(*syllables))

    sizes = [len(s) for s in syllables]
    start = (0,) * len(syllables)
    heap = [(0, start)]
    seen = {start}
    picked: list[tuple[str, ...]] = []
    while heap and len(picked) < limit:
        cost, idx = heapq.heappop(heap)
        picked.append(tuple(s[i] for s, i in zip(syllables, idx, strict=True)))
        for pos, i in enumerate(idx):
            if i + 1 < sizes[pos]:
                nxt = idx[:pos] + (i + 1,) + idx[pos + 1 :]
                if nxt not in seen:
                    seen.add(nxt)
                    heapq.heappush(heap, (cost + 1, nxt))
    return picked


def search_keys(name: str | None) -> list[str]:
    """Sorted, de-duplicated ASCII search keys for a member's name.

    See the module docstring for the rules.  ``search_keys("张三")`` returns
    ``["zhangsan", "zhs", "zs"]``.  Empty or None names give ``[]``.
    """
    if not name:
        return []
    return list(_search_keys(name))


@lru_cache(maxsize=16384)
def _search_keys(name: str) -> tuple[str, ...]:
    # names repeat (a roster of 100,000 has ~40,000 distinct ones): an import or a sync
    # batch computes each once
    return _all_keys(name, _syllables(name, with_context=False))


def _all_keys(name: str, syllables: list[tuple[str, ...]]) -> tuple[str, ...]:
    """``search_keys`` of a name whose syllables (without phrase context) are given."""
    if not syllables:
        return ()
    if _combination_count(syllables) > MAX_COMBINATIONS:
        syllables = _syllables(name, with_context=True)
    keys: set[str] = set()
    for combo in _best_combinations(syllables, MAX_COMBINATIONS):
        keys.add("".join(combo))
        keys.add("".join(s[0] for s in combo))
        keys.add("".join(s[:2] if s.startswith(_RETROFLEX) else s[0] for s in combo))
    return tuple(sorted(keys))


def _combo_keys(combo: tuple[str, ...], *, initials: bool = True) -> set[str]:
    """The full spelling of one reading combination, and (``initials``) its initials with
    and without zh/ch/sh written out."""
    keys = {"".join(combo)}
    if initials:
        keys.add("".join(s[0] for s in combo))
        keys.add("".join(s[:2] if s.startswith(_RETROFLEX) else s[0] for s in combo))
    return keys


#: Key ranks (``member_name_keys.rank``), best first: a search lists the members whose
#: name matches by a better rank first.
COMMON, GIVEN, OTHER = 0, 1, 2


def surname_length(name: str) -> int:
    """How many characters of ``name`` are its surname: a compound surname's (欧阳, 爱新觉罗
    …) or 1, for a name that starts with a Chinese character; 0 otherwise."""
    if not name or not _is_han(name[0]):
        return 0
    for length in range(min(_COMPOUND_MAX_LEN, len(name)), 1, -1):
        if name[:length] in _COMPOUND_SURNAMES:
            return length
    return 1


def ranked_keys(name: str | None) -> list[tuple[str, int]]:
    """The search keys of a name, each with its rank, sorted by key:

    - ``COMMON``: the usual reading — each character's first reading in pypinyin's table,
      a surname's own first (曾 zeng, 单 shan): full spelling and initials ("zhangsan",
      "zs", "zhs" for 张三);
    - ``GIVEN``: the given name alone (the name without its surname), in the usual
      reading: full spelling, and the initials when it has two syllables or more
      ("xiaoming", "xm" for 王小明);
    - ``OTHER``: every other key of ``search_keys`` (rarer readings: 曾 ceng, 俊 shun …).

    A key both ways keeps its better rank.
    """
    if not name:
        return []
    return list(_ranked_keys(name))


@lru_cache(maxsize=16384)
def _ranked_keys(name: str) -> tuple[tuple[str, int], ...]:
    syllables = _syllables(name, with_context=False)
    if not syllables:
        return ()
    ranks = dict.fromkeys(_combo_keys(tuple(s[0] for s in syllables)), COMMON)
    cut = surname_length(name)
    if cut and len(name) > cut:
        if len(syllables) == len(name) and _ALL_HAN.fullmatch(name):
            given = syllables[cut:]  # (surname readings only ever apply before ``cut``)
        else:
            given = _syllables(name[cut:], with_context=False, surname=False)
        if given:
            for key in _combo_keys(tuple(s[0] for s in given), initials=len(given) > 1):
                ranks.setdefault(key, GIVEN)
    for key in _all_keys(name, syllables):
        ranks.setdefault(key, OTHER)
    return tuple(sorted(ranks.items()))


# --------------------------------------------------------------------------- sort keys

# combining tone marks (after NFD) -> tone number; no mark: the neutral tone, 5
_TONE_OF_MARK = {"\u0304": "1", "\u0301": "2", "\u030c": "3", "\u0300": "4"}
LATIN_TONE = "6"  # a run of Latin letters sorts after the same spelling in Chinese
SORT_END = "0"  # ends the pinyin part of a sort key (before every letter and tone)


def _tone(marked: str) -> str:
    for ch in unicodedata.normalize("NFD", marked):
        tone = _TONE_OF_MARK.get(ch)
        if tone:
            return tone
    return "5"


@lru_cache(maxsize=32768)
def _toned_readings(ch: str) -> tuple[tuple[str, str], ...]:
    """(toneless reading, tone digit) of each reading of one character, usual first."""
    table = _char_table()
    if table is not None:
        marked = table.readings(ch) or []
    else:
        from pypinyin import Style, pinyin

        marked = [r for group in pinyin(ch, style=Style.TONE, heteronym=True,
                                        errors=lambda _: None) for r in group]
    out = []
    for r in marked:
        plain = _ascii_reading(r.translate(_U_UMLAUT))
        if plain:
            out.append((plain, _tone(r)))
    return tuple(out)


def sort_key(name: str | None) -> str:
    """The key a list of names sorts by: pinyin order (安 before 丁 before 张), then
    tone, then the characters themselves.

    Each syllable is its usual reading (the first reading of ``ranked_keys``'s
    ``COMMON`` keys, a surname's own) followed by its tone digit 1–5 (a run of Latin
    letters: the run and ``LATIN_TONE``), so a shorter syllable sorts first (an before
    ang); then ``SORT_END`` and the name's code points, six hex digits each, so that
    names sounding alike keep apart and each name has one key of its own. Only ASCII
    letters and digits: the same order under SQLite's binary collation and PostgreSQL's
    usual ones. ``sort_key("张三")`` is ``"zhang1san10005f20004e09"``.
    """
    if not name:
        return SORT_END
    return _sort_key(name)


_ALL_HAN = re.compile(
    "[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
    "\U0002f800-\U0002fa1f]+")


@lru_cache(maxsize=32768)
def _char_sort(ch: str) -> tuple[str, str]:
    """One Chinese character's part of a sort key (its usual reading and tone, "" when
    pypinyin cannot read it) and its code point's."""
    toned = _toned_readings(ch)
    return (toned[0][0] + toned[0][1] if toned else ""), f"{ord(ch):06x}"


def _surname_syllable(ch: str, reading: str) -> str:
    """A surname character read ``reading`` (toneless), with the tone of that reading."""
    reading = _ascii_reading(reading)
    return reading + next((t for r, t in _toned_readings(ch) if r == reading), "5")


@lru_cache(maxsize=65536)
def _sort_key(name: str) -> str:
    if _ALL_HAN.fullmatch(name):  # most names: every character read on its own
        chars = [_char_sort(ch) for ch in name]
        syllables = [c[0] for c in chars]
        for i, readings in enumerate(_surname_readings(name)):
            if readings:
                syllables[i] = _surname_syllable(name[i], readings[0])
        return "".join(syllables) + SORT_END + "".join(c[1] for c in chars)
    return _sort_key_general(name)


def _sort_key_general(name: str) -> str:
    """``sort_key`` for any name (Latin letters, punctuation, digits among the
    characters)."""
    parts: list[str] = []
    for index, (is_han, text) in enumerate(_tokens(name)):
        if not is_han:
            parts.append(text + LATIN_TONE)
            continue
        first = _surname_readings(text) if index == 0 else [()] * len(text)
        for i, ch in enumerate(text):
            syllable = (_surname_syllable(ch, first[i][0]) if first[i]
                        else _char_sort(ch)[0])
            if syllable:  # (a character pypinyin cannot read: its code point decides)
                parts.append(syllable)
    parts.append(SORT_END)
    parts.extend(f"{ord(ch):06x}" for ch in name)
    return "".join(parts)


def sort_prefixes(text: str) -> list[str] | None:
    """The sort-key prefixes of every name that starts with ``text`` (a few: a compound
    surname such as 万俟 reads its first character otherwise than 万 alone), or None when
    ``text`` holds anything but Chinese characters pypinyin reads (then no prefix is
    known)."""
    if not text or not all(_is_han(ch) and _toned_readings(ch) for ch in text):
        return None
    found = {_sort_key(text).partition(SORT_END)[0]}
    for compound in _COMPOUND_SURNAMES:
        if compound != text and compound.startswith(text):
            found.add(_sort_key(compound).partition(SORT_END)[0][:_pinyin_len(compound,
                                                                               len(text))])
    return sorted(found)


def _pinyin_len(compound: str, chars: int) -> int:
    """The length of the pinyin part of ``compound``'s sort key for its first ``chars``
    characters."""
    readings = _COMPOUND_SURNAMES[compound][:chars]
    return sum(len(r) + 1 for r in readings)


_APOSTROPHES = frozenset("'\u2018\u2019\u02bc\u2032\uff07`")


def normalize_query(q: str | None) -> str | None:
    """The key prefix to search for when ``q`` looks like pinyin, else None.

    Accepted: Latin letters (full-width folded to ASCII, case ignored), spaces
    and apostrophes, which are removed.  ü/Ü becomes "v".  Anything else
    (Chinese, digits, punctuation) means "not a pinyin query" -> None.

    >>> normalize_query("zhang s")
    'zhangs'
    >>> normalize_query("张三") is None
    True
    """
    if not q:
        return None
    out: list[str] = []
    for ch in q:
        if ch in "üÜ":
            out.append("v")
            continue
        if ch in _APOSTROPHES or ch.isspace():
            continue
        c = unicodedata.normalize("NFKC", ch)
        if len(c) == 1 and c.isascii() and c.isalpha():
            out.append(c.lower())
        elif c in _APOSTROPHES or c.isspace():
            continue
        else:
            return None
    return "".join(out) or None


def prefix_upper_bound(prefix: str) -> str:
    """Smallest string greater than every string that starts with ``prefix``.

    Used as the exclusive upper end of the range ``key >= prefix AND key <
    bound``.  The last character is incremented ("zs" -> "zt"); trailing
    U+10FFFF characters (which cannot be incremented) are dropped first.
    Surrogate code points are skipped so the result stays encodable.

    Raises ValueError for an empty prefix (every string matches it) or one
    made only of U+10FFFF.
    """
    stripped = prefix.rstrip("\U0010ffff")
    if not stripped:
        raise ValueError("no upper bound exists for this prefix")
    cp = ord(stripped[-1]) + 1
    if 0xD800 <= cp <= 0xDFFF:
        cp = 0xE000
    return stripped[:-1] + chr(cp)
