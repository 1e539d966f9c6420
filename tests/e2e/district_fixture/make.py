"""The district fixture: 25 community union stations (17 key stations), 12 of them with
records, every office workbook they hand the district written by LibreOffice, and
``expected.json``: every figure of the work summary as of 2023-05-31, 2023-03-31 and
2022-12-31, for the district and for each station, counted here from this file's own
plain data by the rules of SPEC.md ("How the work summary counts") — never by the app.

    python tests/e2e/district_fixture/make.py            # workbooks + expected.json
    python tests/e2e/district_fixture/make.py --expected-only

The data is deterministic (one seed); LibreOffice stamps its own metadata into the files,
so only their content is reproducible. The workbooks are committed: CI never installs
LibreOffice. ``tests/e2e/test_district_fixture.py`` checks that the committed workbooks
hold exactly the cells this script writes and that expected.json is current.

As of 2023-05-31 the district's figures are the seed report's (seed/000_….txt): key
stations visited 7 of 17, 240 enterprise visits, 270 workers served in labour disputes,
4 legal-service events with 420 migrant person-times, 79 hardship households on file, 18
of them visited and 79 insured, 8 training events against the year's target of 40.

What the data holds besides (the traps), and what the end-to-end test does with it, is
listed in ``TRAPS`` below and in docs/ARCHITECTURE.md ("The end-to-end district test").
No product code is imported here.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from office import CutNumber, DateCell, Money, Title, date_text  # noqa: E402

SEED = 20230531
D1, D2, D3 = date(2023, 5, 31), date(2023, 3, 31), date(2022, 12, 31)
AS_OF = (D1, D2, D3)

DISTRICT_ADMIN = "boss"
TRAINING_TARGET = 40

# code, name, street office, key station
STATIONS: list[tuple[str, str, str, bool]] = [
    ("KY01", "葵涌社区工联会", "葵涌办事处", True),
    ("KY02", "三溪社区工联会", "葵涌办事处", True),
    ("KY03", "土洋社区工联会", "葵涌办事处", True),
    ("KY04", "官湖社区工联会", "葵涌办事处", True),
    ("KY05", "坝光社区工联会", "葵涌办事处", True),
    ("KY06", "溪涌社区工联会", "葵涌办事处", True),
    ("KY07", "高源社区工联会", "葵涌办事处", True),
    ("KY08", "葵丰社区工联会", "葵涌办事处", False),
    ("KY09", "延安社区工联会", "葵涌办事处", False),
    ("DP01", "大鹏社区工联会", "大鹏办事处", True),
    ("DP02", "王母社区工联会", "大鹏办事处", True),
    ("DP03", "鹏城社区工联会", "大鹏办事处", True),
    ("DP04", "岭澳社区工联会", "大鹏办事处", True),
    ("DP05", "布新社区工联会", "大鹏办事处", True),
    ("DP06", "下沙社区工联会", "大鹏办事处", True),
    ("DP07", "水头社区工联会", "大鹏办事处", False),
    ("DP08", "岭南社区工联会", "大鹏办事处", False),
    ("NA01", "南澳社区工联会", "南澳办事处", True),
    ("NA02", "东山社区工联会", "南澳办事处", True),
    ("NA03", "西涌社区工联会", "南澳办事处", True),
    ("NA04", "新大社区工联会", "南澳办事处", True),
    ("NA05", "南隆社区工联会", "南澳办事处", False),
    ("NA06", "东渔社区工联会", "南澳办事处", False),
    ("NA07", "半天云社区工联会", "南澳办事处", False),
    ("NA08", "水头沙社区工联会", "南澳办事处", False),
]
NAME = {code: name for code, name, _, _ in STATIONS}
KEY = {code: key for code, _, _, key in STATIONS}

# The 12 stations with records: enterprise visits in 2023 up to D1 (disputes included),
# hardship files on record on D1, of them visited in 2023 up to D1, roster size; the
# format of each workbook; how dates and headers are written.
PLAN: dict[str, dict] = {
    "KY01": dict(visits=30, open=10, visited=3, members=44, dates="cell-iso", hv="A",
                 fmt=dict(members="xlsx", enterprises="xlsx", hardship="xlsx", ledger="xlsx",
                          visits="xlsx", events="xlsx")),
    "KY02": dict(visits=26, open=9, visited=2, members=40, dates="zh", hv="B",
                 fmt=dict(members="xls", enterprises="xls", hardship="xls", ledger="xls",
                          visits="xls", events="xls")),
    "KY03": dict(visits=24, open=8, visited=2, members=38, dates="cell-zh", hv="C",
                 fmt=dict(members="ods", enterprises="ods", hardship="ods", ledger="ods",
                          visits="ods", events="ods")),
    "KY05": dict(visits=22, open=8, visited=2, members=36, dates="dot", hv="A",
                 fmt=dict(members="xlsx", enterprises="ods", hardship="xls", ledger="xlsx",
                          visits="ods", events="xlsx")),
    "KY08": dict(visits=14, open=4, visited=1, members=22, dates="mixed", hv="B",
                 fmt=dict(members="xls", enterprises="xlsx", hardship="ods", ledger="xls",
                          visits="xlsx", events="ods")),
    "DP01": dict(visits=20, open=7, visited=2, members=34, dates="cell-slash", hv="C",
                 fmt=dict(members="ods", enterprises="xls", hardship="xlsx", ledger="ods",
                          visits="xls", events="xlsx")),
    "DP02": dict(visits=20, open=7, visited=1, members=32, dates="slash", hv="A",
                 fmt=dict(members="xlsx", enterprises="xlsx", hardship="xls", ledger="xls",
                          visits="ods", events="xls")),
    "DP03": dict(visits=18, open=6, visited=1, members=30, dates="mixed", hv="B",
                 fmt=dict(members="xls", enterprises="ods", hardship="ods", ledger="xlsx",
                          visits="xlsx", events="ods")),
    "DP07": dict(visits=14, open=4, visited=1, members=22, dates="cell-iso", hv="C",
                 fmt=dict(members="ods", enterprises="xlsx", hardship="xlsx", ledger="ods",
                          visits="xls", events="xlsx")),
    "NA01": dict(visits=18, open=6, visited=1, members=30, dates="zh", hv="A",
                 fmt=dict(members="xlsx", enterprises="xls", hardship="ods", ledger="xlsx",
                          visits="xlsx", events="xls")),
    "NA02": dict(visits=18, open=5, visited=1, members=28, dates="dot", hv="B",
                 fmt=dict(members="xls", enterprises="ods", hardship="xlsx", ledger="xls",
                          visits="ods", events="xlsx")),
    "NA05": dict(visits=16, open=5, visited=1, members=24, dates="cell-zh", hv="C",
                 fmt=dict(members="ods", enterprises="xlsx", hardship="xls", ledger="ods",
                          visits="xls", events="ods")),
}
RECORD_STATIONS = list(PLAN)

# Rows of a kind the end-to-end test names (expected.json: each file's "tagged" rows and,
# for entries, the figures that depend on them: "depends")
TAGS = {
    "sign_off_row": "the sign-off block at the foot of a hardship sheet (基层工会意见 … 盖章 …)",
    "entry_of_file_closed_by_sheet": "a ledger entry of a household whose file the hardship "
                                     "sheet closes (脱困日期/注销日期), dated while it was open",
    "warned_abnormal_without_flags": "an abnormal 经营状况 in a diary without 异常情况: "
                                     "imported (as 其他) with a warning on the row",
}
ENTRY_TAGS = ("entry_of_file_closed_by_sheet",)

SEED_FIGURES = {  # the seed report's figures as of D1 (district)
    "key_stations_visited": 7, "key_stations_total": 17, "enterprise_visits": 240,
    "dispute_workers_served": 270, "legal_events": 4, "legal_migrant_person_times": 420,
    "hardship_cases_open": 79, "hardship_cases_visited": 18, "hardship_cases_insured": 79,
    "training_events": 8,
}

TRAPS = """\
- 25 stations from the district's own sheet (district/stations.xlsx), 17 key; 12 with
  records; 13 stations without a record still get a report of their own
- the district's 站点调研 sheet (district/station-visits.xls): stations by code and by
  name; a visit in 2022, two in June 2023, one on D1, one to a non-key station, two to the
  same key station; one visit to a station the district does not know (rejected); one
  recorded by mistake and deleted by command; one with a mistyped date (2023-06-09)
  corrected by command to 2023-05-09
- every workbook: a merged title row, sometimes a second title line and a blank row,
  header synonyms and required-column asterisks; dates as real date cells (shown
  2023-03-05, 2023年3月5日 or 2023/3/5) and as text (2023年3月5日, 2023.03.05, 2023/3/5);
  .xlsx, .xls and .ods
- rosters: joined in 2022, in 2023 before D1, on D1, after D1 (2023-06, 2024), join date
  unknown; migrant workers (是/√/否/blank); an ID number typed into a number cell (lost
  digits: rejected); the same person twice in one roster (the second rejected); the same
  person (ID number) active at KY03 and NA01 (once at the district); a member of KY02
  moved to DP03 by `district-server transfer`, the member's id found by `station-admin
  member find` (not a leaving for the district; KY02's 转出); two household heads not on
  their station's roster (registered by the hardship import, join date unknown); leavings
  in the rosters' status columns (KY01: 会员状态 + 状态日期, 退会 in 2023 and 去世 in 2022;
  DP01: 退会日期 / 去世日期, one after D1; NA05: 状态 + 转出日期, a move out of the district)
  and one 退会 without its date (rejected); leavings by `station-admin member status`
  (去世 and 退会 on D1 by 身份证号 or by the id `member find NAME` prints, 退会 after D1)
- hardship files: registered on D1, after D1; exited and cancelled by the sheet's
  脱困日期/注销日期 before D2, between D2 and D1, after D1, in 2022; one exited on D1 by
  `station-admin case exit` (not on file on D1), one cancelled by `station-admin case
  cancel`; KY05's sheet imported twice, the second time with the closing dates added;
  level written in 困难类别 (深度困难职工) and the cause in 主要致困原因, or both columns
- ledgers: 入户走访 in 2022, 2023 before and after D2, after D1; 医疗互助保障 bought in the
  October-December window (covering next year), in 2023 for 2023, with an explicit
  保障年度; entries of households whose files were closed later; a totals row (合计) and a
  signature row; amounts as numbers, ￥ text and 元 text; KY08's ledger in two files (2022,
  2023); 冲正 rows: a negative amount reversing the one entry of that kind and amount
  (KY02), a 入户走访 reversed by a row whose 备注 names which of two (DP02: not visited
  in 2023), one that could reverse either of two purchases (NA01: rejected); a 2023 visit
  reversed by `station-admin ledger reverse` on 2023-03-20 (KY01: not visited on D2,
  visited again in April); a row for a person who is not a member of the station
  (rejected)
- visit diaries: 劳资纠纷处置 visits whose 涉及职工人数 are the workers served, one sheet with
  an explicit 服务职工人数 column; disputes in 2022 and June 2023; 涉及职工人数 on a routine
  visit; an abnormal 经营状况 in a sheet without 异常情况; the same visit twice in one
  diary (skipped); a visit to an enterprise the station never registered (rejected);
  enterprises shared by two stations (one credit code); two enterprises watch-listed by
  the district with `watch list --date` (March and April 2023; one named by its credit
  code, one by the id `station-admin enterprise find` prints), visited as such from then
- events: 法律服务 with migrant person-times, one on D1, one in 2022, one after D1; 提素
  written 提素活动 / 职工提素, one listed twice (skipped); 普惠, 两送, 其他; an event whose
  migrant person-times exceed its person-times (rejected)
"""


# --------------------------------------------------------------------------- numbers


def id_check(body17: str) -> str:
    s = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(body17))
    v = (12 - s % 11) % 11
    return "X" if v == 10 else str(v)


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_W = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_check(body17: str) -> str:
    s = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(body17, _CREDIT_W, strict=True))
    return _CREDIT_CHARS[(31 - s % 31) % 31]


def org_code(rng: random.Random) -> str:
    digits = "".join(str(rng.randrange(10)) for _ in range(8))
    s = sum(int(c) * w for c, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    c = 11 - s % 11
    return digits + ("X" if c == 10 else "0" if c == 11 else str(c))


SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
            "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺"
            "顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华文辉玉兰志强海燕红梅国庆"
         "春生丽娟小红晓东建国永红金凤德明宏伟淑珍凤英志刚春花玉珍家豪子涵梓萱浩然欣怡宇轩")
LOCAL_AREAS = ("440303", "440304", "440305")
MIGRANT_AREAS = ("510321", "430421")
INDUSTRIES = ("制造业", "批发和零售业", "住宿和餐饮业", "建筑业", "交通运输业", "旅游业", "渔业")
ENT_WORDS = ("鹏达", "海滨", "金沙", "南澳湾", "葵新", "东部华", "溪涌", "鹏润", "坝光", "三溪",
             "海韵", "兴达", "宏远", "恒通", "瑞丰", "天成", "华盛", "利民", "新港", "滨海",
             "嘉禾", "富源", "长盛", "联合", "永安", "汇通", "博达", "信诚", "广源", "鑫盛")
ENT_KINDS = ("实业有限公司", "物流有限公司", "电子科技有限公司", "酒店管理有限公司", "建筑工程有限公司",
             "旅游发展有限公司", "水产有限公司", "五金制品厂", "食品有限公司", "塑胶制品有限公司")
VISITORS = ("张丽", "王强", "陈静", "刘洋", "黄敏", "周杰", "吴娟", "徐涛")
FINDINGS_OK = ("生产经营正常，职工队伍稳定", "了解企业用工情况，宣传工会政策", "企业运转正常，无劳资隐患",
               "走访车间，听取职工意见", "检查工会阵地建设情况")


@dataclass
class Person:
    station: str
    name: str
    id_number: str
    gender: str  # 男/女
    birth: date
    phone: str
    ethnicity: str
    employer: str | None
    join: date | None
    card_no: str
    migrant: bool
    notes: str | None = None
    in_roster: bool = True
    # a leaving (left | deceased | transferred) with its date, recorded by the roster's
    # status columns ("roster") or by `station-admin member status` ("command")
    status: str | None = None
    status_date: date | None = None
    status_by: str | None = None
    status_reason: str | None = None
    found_by: str | None = None  # the command finds the member by "id_number" or "name"


@dataclass
class Enterprise:
    name: str
    credit_code: str | None
    address: str
    industry: str
    headcount: int
    union: bool
    chair: str | None
    contact: str
    phone: str
    watch: date | None = None  # listed by the district (`watch list --date`) on this day
    watch_by: str = "credit_code"  # the command names it by its credit code, or by the id
    # `station-admin enterprise find NAME` prints ("name")


@dataclass
class Case:
    station: str
    person: Person
    registered: date
    category: str  # label
    level: str  # label
    household: int
    income: int  # yuan per month per capita
    cause: str
    closed: tuple[str, date, str] | None = None  # (exited|cancelled, date, reason)
    closed_by: str | None = None  # sheet | sheet-v2 | command
    key: str = ""


@dataclass
class Entry:
    case: Case
    day: date
    kind: str  # label
    amount: float
    funding: str = "市总工会帮扶资金"
    note: str | None = None
    cover_year: int | None = None  # written in 保障年度
    outcome: tuple = ("ok",)
    person: Person | None = None  # rows for someone without a file here
    tag: str | None = None  # see TAGS
    reverses: Entry | None = None  # a 冲正 row of the sheet: the entry it reverses
    # reversed: on this date, by the sheet's 冲正 row ("sheet") or `station-admin ledger
    # reverse` ("command", with its reason)
    reversed_on: date | None = None
    reversed_by: str | None = None
    reverse_reason: str | None = None


@dataclass
class Visit:
    day: date
    ent: Enterprise | None
    kind: str  # label
    visitors: str
    status: str = "正常"
    flags: str | None = None
    involved: int | None = None
    served: int | None = None  # an explicit 服务职工人数 column
    findings: str = ""
    actions: str | None = None
    follow_up: date | None = None
    outcome: tuple = ("ok",)
    ent_name: str | None = None  # for an enterprise the station never registered
    tag: str | None = None  # see TAGS


@dataclass
class Event:
    day: date
    kind: str  # code
    kind_text: str  # as written in the sheet
    title: str
    place: str
    person_times: int
    migrants: int
    notes: str | None = None
    outcome: tuple = ("ok",)


@dataclass
class StationVisit:
    day: date
    station: str  # code
    written: str  # as the sheet names the station: code or name
    visitors: str
    findings: str
    actions: str | None = None
    outcome: tuple = ("ok",)
    fix: dict | None = None  # a correction by command: {"date": ...} or {"delete": True}


@dataclass
class StationData:
    code: str
    members: list[Person] = field(default_factory=list)
    roster_bad: list[tuple[int, list, tuple]] = field(default_factory=list)
    enterprises: list[Enterprise] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


# --------------------------------------------------------------------------- the world


class World:
    """Every record of the district as its offices keep them (the plain data)."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.ids: set[str] = set()
        self.names: set[str] = set()
        self.codes: set[str] = set()
        self.stations: dict[str, StationData] = {c: StationData(c) for c in RECORD_STATIONS}
        self.station_visits: list[StationVisit] = []
        self.transfer: dict | None = None
        self.shared: list[Enterprise] = []

    # -- people and enterprises

    def name(self) -> str:
        while True:
            n = self.rng.choice(SURNAMES) + "".join(
                self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
            if n not in self.names:
                self.names.add(n)
                return n

    def id_number(self, birth: date, male: bool, migrant: bool) -> str:
        area = self.rng.choice(MIGRANT_AREAS if migrant else LOCAL_AREAS)
        while True:
            seq = self.rng.randrange(100) * 10 + self.rng.choice(
                (1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
            body = f"{area}{birth:%Y%m%d}{seq:03d}"
            number = body + id_check(body)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def phone(self) -> str:
        return "1" + self.rng.choice("3578") + "".join(str(self.rng.randrange(10))
                                                         for _ in range(9))

    def person(self, station: str, *, join: date | None, migrant: bool | None = None,
               employer: str | None = None, birth_years=(1966, 2000)) -> Person:
        rng = self.rng
        male = rng.random() < 0.55
        migrant = rng.random() < 0.3 if migrant is None else migrant
        birth = date(rng.randrange(*birth_years), rng.randrange(1, 13), rng.randrange(1, 29))
        ethnicity = "汉" if rng.random() < 0.9 else rng.choice(("壮", "瑶", "苗", "土家"))
        p = Person(station, self.name(), self.id_number(birth, male, migrant),
                   "男" if male else "女", birth, self.phone(), ethnicity, employer, join,
                   "", migrant)
        return p

    def enterprise(self, station: str, *, coded: bool = True) -> Enterprise:
        rng = self.rng
        while True:
            if coded:
                name = f"深圳市{rng.choice(ENT_WORDS)}{rng.choice(ENT_KINDS)}"
            else:
                name = f"{rng.choice(SURNAMES)}记{rng.choice(('五金店', '海鲜酒家', '渔具行', '士多店'))}"
            if name not in self.names:
                self.names.add(name)
                break
        code = None
        if coded:
            while True:
                body = "91440300" + org_code(rng)
                code = body + credit_check(body)
                if code not in self.codes:
                    self.codes.add(code)
                    break
        return Enterprise(name, code, f"深圳市大鹏新区{NAME[station][:2]}社区{rng.randrange(1, 300)}号",
                          rng.choice(INDUSTRIES), rng.randrange(8, 600), rng.random() < 0.7,
                          self.name() if rng.random() < 0.7 else None, self.name(), self.phone())


def _rand_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _weekday(rng: random.Random, start: date, end: date) -> date:
    while True:
        d = _rand_day(rng, start, end)
        if d.weekday() < 5:
            return d


def cover_year(day: date, explicit: int | None) -> int:
    """SPEC: medical mutual aid enrols from 20 October for next calendar year's cover."""
    if explicit is not None:
        return explicit
    return day.year + (1 if (day.month, day.day) >= (10, 20) else 0)


# --------------------------------------------------------------------------- building


def build() -> World:
    w = World()
    rng = w.rng
    # enterprises first (members work there); one enterprise registered by two stations
    for code, st in w.stations.items():
        n = 8 + rng.randrange(5)
        st.enterprises = [w.enterprise(code) for _ in range(n)]
        st.enterprises += [w.enterprise(code, coded=False) for _ in range(2)]
    shared = w.stations["KY01"].enterprises[0]
    w.stations["KY02"].enterprises.insert(3, shared)
    shared_dp = w.stations["DP01"].enterprises[1]
    w.stations["DP02"].enterprises.append(shared_dp)
    w.shared = [shared, shared_dp]
    w.stations["KY01"].enterprises[2].watch = date(2023, 3, 6)
    w.stations["DP02"].enterprises[0].watch = date(2023, 4, 17)
    w.stations["DP02"].enterprises[0].watch_by = "name"

    for code in RECORD_STATIONS:
        _members(w, code)
    _special_members(w)
    for code in RECORD_STATIONS:
        _hardship(w, code)
    for code in RECORD_STATIONS:
        _visits(w, code)
    _events(w)
    _station_visits(w)
    return w


def _join_date(rng: random.Random, birth: date) -> date | None:
    r = rng.random()
    if r < 0.05:
        return None
    if r < 0.62:
        start = max(date(2012, 1, 1), date(birth.year + 18, birth.month, 1))
        return _rand_day(rng, start, date(2021, 12, 31))
    if r < 0.77:
        return _rand_day(rng, date(2022, 1, 1), date(2022, 12, 31))
    if r < 0.93:
        return _rand_day(rng, date(2023, 1, 1), date(2023, 5, 30))
    return _rand_day(rng, date(2023, 6, 1), date(2024, 3, 31))


def _members(w: World, code: str) -> None:
    rng = w.rng
    st = w.stations[code]
    employers = [e.name for e in st.enterprises]
    for i in range(PLAN[code]["members"]):
        p = w.person(code, join=None, employer=rng.choice(employers + ["个体经营", None]))
        p.join = _join_date(rng, p.birth)
        p.card_no = f"{code}-{(p.join.year if p.join else 2015)}-{i + 1:04d}"
        if rng.random() < 0.1:
            p.notes = rng.choice(("党员", "工会积极分子", "退役军人"))
        st.members.append(p)
    # one member joined exactly on D1
    st.members[5].join = D1


def _special_members(w: World) -> None:
    # the same person active at KY03 and NA01 (registered by both; same join date)
    p = w.stations["KY03"].members[7]
    p.join, p.migrant = date(2021, 6, 1), True
    twin = Person("NA01", p.name, p.id_number, p.gender, p.birth, p.phone, p.ethnicity,
                  w.stations["NA01"].enterprises[0].name, p.join, "NA01-2021-0099", True)
    w.stations["NA01"].members.insert(9, twin)
    # a member of KY02 moved to DP03 by the district (district-server transfer)
    t = w.stations["KY02"].members[11]
    t.join, t.migrant = date(2019, 3, 1), False
    w.transfer = {"id_number": t.id_number, "name": t.name, "from": "KY02", "to": "DP03",
                  "date": date(2023, 2, 20)}
    # leavings: by the roster's status columns (STATUS_COLUMNS), and by `station-admin
    # member status` at the station, the member named by 身份证号 or by the id `member find
    # NAME` prints
    for code, i, status, day, by, reason, found in LEAVINGS:
        p = w.stations[code].members[i]
        p.join = date(2018, 9, 1)
        p.status, p.status_date, p.status_by = status, day, by
        p.status_reason, p.found_by = reason, found
    # KY01's roster: 退会 without its date (rejected)
    undated = w.person("KY01", join=date(2017, 3, 1))
    undated.status, undated.status_by = "left", "roster"
    w.stations["KY01"].roster_bad.append((12, [undated], ("rejected",
                                                          "import.status_needs_date")))
    # KY03's roster: an ID number typed into a number cell (lost digits)
    cut = w.person("KY03", join=date(2022, 4, 1))
    w.names.discard(cut.name)
    st = w.stations["KY03"]
    st.roster_bad.append((14, [cut], ("rejected", "import.id_excel_number")))
    # KY08's roster: the same person twice (the second row rejected)
    st8 = w.stations["KY08"]
    st8.roster_bad.append((9, [st8.members[2]], ("rejected", "member.duplicate_in_file")))


# station, roster index, status, date, recorded by, reason, the member found by
LEAVINGS = [
    ("KY01", 3, "left", date(2023, 3, 15), "roster", None, None),
    ("KY01", 4, "deceased", date(2022, 8, 2), "roster", None, None),
    ("DP01", 3, "left", date(2023, 4, 20), "roster", None, None),
    ("DP01", 4, "deceased", date(2023, 6, 10), "roster", None, None),
    ("NA05", 3, "transferred", date(2023, 1, 12), "roster", None, None),
    ("NA02", 3, "deceased", date(2023, 4, 8), "command", "病故", "id_number"),
    ("KY05", 3, "left", D1, "command", "本人申请退会", "name"),
    ("DP07", 3, "left", date(2023, 6, 20), "command", "调离本市", "id_number"),
]
# the roster's status columns of the stations that keep them (the others have none)
STATUS_COLUMNS = {"KY01": ("会员状态", "状态日期"), "DP01": ("退会日期", "去世日期"),
                  "NA05": ("状态", "转出日期")}
STATUS_WORD = {"left": "退会", "deceased": "去世", "transferred": "转出"}


def _case(w: World, code: str, person: Person, registered: date, **kw) -> Case:
    rng = w.rng
    cat = rng.choice(("因病", "因残", "子女教育", "失业", "单亲", "意外致困"))
    level = kw.pop("level", rng.choice(("深度困难", "相对困难")))
    causes = {"因病": "本人患慢性病长期治疗", "因残": "肢体残疾无法正常就业", "子女教育": "两个子女在读，学费负担重",
              "失业": "企业关停后失业", "单亲": "离异独自抚养子女", "意外致困": "家中遭遇火灾"}
    c = Case(code, person, registered, cat, level, rng.randrange(2, 6), rng.randrange(500, 1800),
             causes[cat], **kw)
    c.key = f"{code}:{person.id_number}"
    return c


def _hardship(w: World, code: str) -> None:
    """Files and their ledger: the traps of the station first, then ordinary files so that
    the station's files on record on D1 and those visited come to its plan."""
    rng = w.rng
    st = w.stations[code]
    members = [m for m in st.members if m.join is None or m.join <= date(2023, 5, 1)]
    rng.shuffle(members)
    heads = iter(m for m in members if m.status is None and m.id_number not in
                 {w.transfer["id_number"], w.stations["KY03"].members[7].id_number})

    def ordinary(registered: date) -> Case:
        return _case(w, code, next(heads), registered)

    specials: list[Case] = []
    E = st.entries  # noqa: N806

    def insure(c: Case, day: date, **kw) -> None:
        E.append(Entry(c, day, kw.pop("kind", "医疗互助保障"), kw.pop("amount", 120.0), **kw))

    def home(c: Case, day: date, **kw) -> None:
        E.append(Entry(c, day, "入户走访", 0, **kw))

    if code == "KY01":  # exited on D1 by command: on record on D2, not on D1
        c = ordinary(date(2021, 4, 12))
        c.closed, c.closed_by = ("exited", D1, "家庭收入好转，已脱困"), "command"
        insure(c, date(2022, 11, 8))
        home(c, date(2023, 3, 14))
        specials.append(c)
        # visited only after D1
        c = ordinary(date(2020, 9, 1))
        insure(c, date(2022, 11, 9))
        home(c, date(2023, 6, 8))
        specials.append(c)
        # a visit recorded on the wrong household, reversed by `station-admin ledger
        # reverse` on 2023-03-20 (not visited on D2), visited again in April
        c = ordinary(date(2019, 5, 20))
        insure(c, date(2022, 11, 10))
        E.append(Entry(c, date(2023, 2, 10), "入户走访", 0, reversed_on=date(2023, 3, 20),
                       reversed_by="command", reverse_reason="误录：当日走访的是另一户"))
        home(c, date(2023, 4, 15))
        specials.append(c)
    if code == "KY02":  # registered on D1, insured that day
        c = ordinary(D1)
        insure(c, D1)
        specials.append(c)
    if code == "KY03":  # registered after D1; a household head not on the roster
        c = ordinary(date(2023, 6, 12))
        insure(c, date(2023, 6, 15))
        home(c, date(2023, 6, 20))
        specials.append(c)
        outsider = w.person(code, join=None, migrant=False)
        outsider.in_roster = False
        c = _case(w, code, outsider, date(2022, 3, 3))
        insure(c, date(2022, 12, 1))
        home(c, date(2023, 2, 22))
        specials.append(c)
    if code == "KY05":  # closings added to the sheet and imported again
        c = ordinary(date(2020, 5, 20))
        c.closed, c.closed_by = ("exited", date(2023, 3, 10), "子女就业，收入稳定"), "sheet-v2"
        insure(c, date(2022, 11, 15))
        home(c, date(2023, 1, 12))
        home(c, date(2022, 8, 3))
        specials.append(c)
        c = ordinary(date(2021, 8, 8))
        c.closed, c.closed_by = ("cancelled", date(2023, 6, 5), "户主迁出本市"), "sheet-v2"
        insure(c, date(2022, 12, 2))
        home(c, date(2023, 4, 19))
        specials.append(c)
    if code == "KY08":  # 保障年度 written out; a purchase before the window covering 2023
        c = ordinary(date(2022, 2, 14))
        insure(c, date(2022, 10, 15), cover_year=2023)
        specials.append(c)
    if code == "DP01":  # cancelled by command between D2 and D1
        c = ordinary(date(2023, 1, 5))
        c.closed, c.closed_by = ("cancelled", date(2023, 4, 3), "重复建档"), "command"
        insure(c, date(2023, 1, 10))
        specials.append(c)
    if code == "DP02":  # cancelled in the sheet before D2; visited only in 2022
        c = ordinary(date(2022, 6, 6))
        c.closed, c.closed_by = ("cancelled", date(2023, 1, 20), "信息录入错误，重复建档"), "sheet"
        insure(c, date(2022, 11, 20))
        specials.append(c)
        c = ordinary(date(2021, 3, 3))
        insure(c, date(2022, 11, 21))
        home(c, date(2022, 7, 7))
        # a visit of January recorded in error and reversed by the sheet's 冲正 row, which
        # names it (two visits of the household could be the one)
        wrong = Entry(c, date(2023, 1, 16), "入户走访", 0, reversed_on=date(2023, 2, 1),
                      reversed_by="sheet")
        E.append(wrong)
        E.append(Entry(c, date(2023, 2, 1), "入户走访", 0, note="冲正：1月16日误录，当日未入户",
                       reverses=wrong))
        specials.append(c)
    if code == "DP03":  # exited in 2022 in the sheet
        c = ordinary(date(2019, 10, 10))
        c.closed, c.closed_by = ("exited", date(2022, 9, 30), "再就业，收入稳定"), "sheet"
        insure(c, date(2021, 11, 2))
        home(c, date(2022, 3, 9))
        specials.append(c)
    if code == "DP07":  # a household head not on the roster (the hardship sheet says
        # nothing of 农民工: a member registered from it is not one)
        outsider = w.person(code, join=None, migrant=False)
        outsider.in_roster = False
        c = _case(w, code, outsider, date(2022, 9, 9))
        insure(c, date(2022, 10, 28))
        home(c, date(2023, 5, 5))
        specials.append(c)
    if code == "NA01":  # a 冲正 row that could reverse either of two purchases: rejected
        c = ordinary(date(2020, 6, 1))
        insure(c, date(2021, 11, 10))
        insure(c, date(2022, 11, 10))
        E.append(Entry(c, date(2023, 1, 5), "医疗互助保障", -120, note="重复购买",
                       outcome=("rejected", "import.reversal_ambiguous")))
        specials.append(c)
    if code == "NA02":  # closed in the sheet with entries from while the file was open
        c = ordinary(date(2020, 4, 4))
        c.closed, c.closed_by = ("exited", date(2023, 2, 15), "病愈复工"), "sheet"
        insure(c, date(2022, 11, 25))
        home(c, date(2022, 6, 21))
        home(c, date(2023, 1, 10))
        specials.append(c)
        c = ordinary(date(2021, 7, 7))
        c.closed, c.closed_by = ("cancelled", date(2023, 6, 5), "户主迁出本市"), "sheet"
        insure(c, date(2022, 11, 26))
        home(c, date(2023, 4, 11))
        specials.append(c)
    if code == "NA05":  # exited on D2 in the sheet
        c = ordinary(date(2022, 1, 18))
        c.closed, c.closed_by = ("exited", D2, "家庭成员就业"), "sheet"
        insure(c, date(2022, 11, 3))
        home(c, date(2023, 2, 2))
        specials.append(c)

    st.cases.extend(specials)
    plan_open, plan_visited = PLAN[code]["open"], PLAN[code]["visited"]
    open_now = [c for c in specials if on_record(c, D1)]
    visited_now = [c for c in open_now if visited(c, st.entries, D1)]
    n_open, n_visited = plan_open - len(open_now), plan_visited - len(visited_now)
    assert n_open >= n_visited >= 0, code
    for i in range(n_open):
        registered = _rand_day(rng, date(2018, 1, 1), date(2023, 5, 20))
        c = ordinary(registered)
        st.cases.append(c)
        if registered <= date(2022, 10, 19):
            insure(c, _rand_day(rng, date(2022, 10, 20), date(2022, 12, 20)))
        elif registered <= date(2022, 12, 20):
            insure(c, _rand_day(rng, registered, date(2022, 12, 20)))
        else:
            insure(c, _rand_day(rng, registered, min(registered + timedelta(days=10), D1)))
        if registered <= date(2021, 10, 1) and rng.random() < 0.5:
            insure(c, _rand_day(rng, date(2021, 10, 20), date(2021, 12, 20)))
        if i < n_visited:
            first = _rand_day(rng, max(registered, date(2023, 1, 3)), D1)
            home(c, first)
            again = _rand_day(rng, max(registered, date(2023, 1, 3)), D1)
            if rng.random() < 0.3 and again != first:
                home(c, again)
        elif rng.random() < 0.3 and registered < date(2022, 6, 1):
            home(c, _rand_day(rng, date(2022, 6, 1), date(2022, 12, 30)))
        if rng.random() < 0.5 and registered < date(2023, 1, 10):
            E.append(Entry(c, _rand_day(rng, date(2023, 1, 10), date(2023, 1, 20)), "送温暖",
                           rng.choice((300, 500, 800)), "区总工会春节慰问"))
    # a condolence payment reversed in the sheet: a 冲正 row with the negative amount
    if code == "KY02":
        c = st.cases[-1]
        wrong = Entry(c, date(2023, 1, 18), "慰问金", 800, "区总工会帮扶资金", "春节慰问",
                      reversed_on=date(2023, 2, 3), reversed_by="sheet")
        E.append(wrong)
        E.append(Entry(c, date(2023, 2, 3), "慰问金", -800, "区总工会帮扶资金",
                       "冲正：1月18日误录，应为500元", reverses=wrong))
        E.append(Entry(c, date(2023, 2, 3), "慰问金", 500, "区总工会帮扶资金", "春节慰问（更正）"))
    if code == "DP01":  # the same entry written twice: the import keeps one
        first = next(e for e in E if e.kind == "医疗互助保障" and e.day.year == 2022)
        E.append(Entry(first.case, first.day, first.kind, first.amount, first.funding,
                       outcome=("skipped",)))
    if code == "NA01":  # a household of another station written into this ledger
        stranger = w.person("NA02", join=None)
        E.append(Entry(st.cases[0], date(2023, 3, 3), "入户走访", 0, person=stranger,
                       outcome=("rejected", "import.member_unknown")))
    # heads not on the roster are members all the same (registered by the hardship import)
    for c in st.cases:
        if not c.person.in_roster and c.person not in st.members:
            st.members.append(c.person)
    for e in st.entries:
        if e.case.closed_by == "sheet" and e.person is None:
            e.tag = "entry_of_file_closed_by_sheet"
    st.entries.sort(key=lambda e: (e.day, e.case.person.name))


def _visits(w: World, code: str) -> None:
    rng = w.rng
    st = w.stations[code]
    ents = [e for e in st.enterprises]
    special: list[Visit] = []
    if code == "DP01":
        for day, n in ((date(2023, 3, 20), 45), (date(2023, 4, 25), 38), (date(2023, 5, 16), 52)):
            special.append(Visit(day, ents[2], "劳资纠纷处置", "王强、陈静", "异常", "欠薪、搬迁", n,
                                 findings="企业搬迁，职工要求结清工资及补偿",
                                 actions="协调劳动部门，引导职工依法维权", follow_up=day + timedelta(7)))
        special.append(Visit(date(2022, 12, 8), ents[3], "劳资纠纷处置", "王强", "异常", "欠薪", 20,
                             findings="拖欠两个月工资"))
    if code == "DP02":
        for day, n in ((date(2023, 4, 28), 60), (date(2023, 5, 19), 40)):
            special.append(Visit(day, ents[1], "劳资纠纷处置", "黄敏、周杰", "异常", "搬迁、裁员", n,
                                 findings="企业整体搬迁，涉及解除劳动合同",
                                 actions="参与调解，提供法律咨询"))
        special.append(Visit(date(2023, 6, 6), ents[1], "劳资纠纷处置", "黄敏", "异常", "搬迁", 25,
                             findings="搬迁后续补偿"))
        special.append(Visit(date(2023, 3, 2), None, "日常走访", "周杰", ent_name="深圳市大鹏鸿福水产有限公司",
                             findings="了解用工情况", outcome=("rejected", "import.enterprise_unknown")))
    if code == "DP03":
        special.append(Visit(date(2023, 5, 24), ents[0], "劳资纠纷处置", "吴娟、徐涛", "异常", "欠薪", 50,
                             served=35, findings="部分职工工资未按时发放", actions="督促企业限期支付"))
    if code == "KY03":
        special.append(Visit(date(2023, 5, 12), ents[1], "日常走访", "张丽", involved=30,
                             findings="新招职工30人，宣传入会"))
    if code == "NA05":  # no 异常情况 column in this diary
        special.append(Visit(date(2023, 4, 13), ents[0], "日常走访", "刘洋", "异常", None, 12,
                             findings="订单减少，部分停工", tag="warned_abnormal_without_flags"))
    if code == "KY01":  # the same visit twice in the diary
        dup = Visit(date(2023, 2, 9), ents[4], "日常走访", "张丽、王强", findings="走访车间")
        special += [dup, Visit(dup.day, dup.ent, dup.kind, dup.visitors, findings=dup.findings,
                               outcome=("skipped",))]
    counted = sum(1 for v in special if v.outcome == ("ok",) and date(2023, 1, 1) <= v.day <= D1)
    n = PLAN[code]["visits"] - counted
    taken = {(v.ent.name if v.ent else v.ent_name, v.day, v.kind) for v in special}
    plain: list[Visit] = []

    def add(start: date, end: date, k: int) -> None:
        while k:
            ent = rng.choice(ents)
            day = _weekday(rng, start, end)
            # a watch-list visit once the enterprise is on the list
            kind = "重点监管走访" if ent.watch and ent.watch <= day and rng.random() < 0.5 \
                else rng.choice(("日常走访", "日常走访", "日常走访", "工伤探视"))
            if (ent.name, day, kind) in taken:
                continue
            taken.add((ent.name, day, kind))
            abnormal = code != "NA05" and rng.random() < 0.08
            plain.append(Visit(day, ent, kind, "、".join(rng.sample(VISITORS, 2)),
                               "异常" if abnormal else "正常",
                               rng.choice(("欠缴社保", "停产减产", "欠薪")) if abnormal else None,
                               rng.randrange(3, 40) if abnormal else None,
                               findings="发现经营异常，已登记跟进" if abnormal
                               else rng.choice(FINDINGS_OK),
                               follow_up=day + timedelta(days=14) if abnormal else None))
            k -= 1

    add(date(2023, 1, 3), D1, n)
    add(date(2022, 11, 1), date(2022, 12, 30), 3 + rng.randrange(3))
    add(date(2023, 6, 1), date(2023, 6, 30), 2 + rng.randrange(3))
    st.visits = sorted(special + plain, key=lambda v: v.day)
    # keep the two rows of the duplicate next to each other, the first one first
    if code == "KY01":
        i = next(i for i, v in enumerate(st.visits) if v.outcome == ("skipped",))
        j = next(i for i, v in enumerate(st.visits) if v is special[-2])
        st.visits.insert(j + 1, st.visits.pop(i))


def _events(w: World) -> None:
    S = w.stations  # noqa: N806

    def ev(code, day, kind, text, title, pt, mig=0, **kw):
        S[code].events.append(Event(day, kind, text, title, kw.pop("place", NAME[code] + "活动室"),
                                    pt, mig, **kw))

    # 法律服务: four in 2023 up to D1 with 420 migrant person-times, one on D1
    ev("KY01", date(2023, 3, 15), "legal", "法律服务", "送法进企业 农民工公益法律服务", 150, 120,
       place="鹏达工业园")
    ev("DP01", date(2023, 4, 22), "legal", "法律服务", "劳动合同法宣讲暨法律咨询", 130, 100)
    ev("NA01", date(2023, 5, 10), "legal", "法律服务", "农民工讨薪法律援助咨询日", 110, 95)
    ev("DP02", D1, "legal", "法律服务", "“法律服务进社区”公益活动", 140, 105)
    ev("KY02", date(2022, 12, 10), "legal", "法律服务", "年末农民工工资支付法律宣传", 90, 80)
    ev("NA02", date(2023, 6, 15), "legal", "法律服务", "夏季法律服务月", 100, 90)
    # 提素: eight in 2023 up to D1
    ev("KY01", date(2023, 2, 18), "training", "提素", "职工技能提升培训（电工）", 45)
    ev("KY02", date(2023, 3, 11), "training", "提素活动", "安全生产知识培训", 60, 20)
    ev("KY03", date(2023, 4, 8), "training", "提素", "职工素质教育讲座", 38)
    ev("DP01", date(2023, 3, 25), "training", "提素", "电商直播技能培训", 52, 10)
    ev("DP01", date(2023, 5, 13), "training", "提素", "职工心理健康讲座", 40)
    ev("DP02", date(2023, 4, 15), "training", "提素", "消防安全培训", 70, 30)
    ev("NA01", date(2023, 5, 20), "training", "提素", "渔业安全生产培训", 55, 25)
    ev("NA05", date(2023, 1, 14), "training", "职工提素", "新春职工素质提升课堂", 35)
    ev("KY05", date(2022, 11, 19), "training", "提素", "冬季安全生产培训", 48)
    ev("DP03", date(2023, 6, 10), "training", "提素", "职工技能竞赛培训", 66)
    # the first training of KY01 written twice (the second row skipped)
    ev("KY01", date(2023, 2, 18), "training", "提素", "职工技能提升培训（电工）", 45,
       outcome=("skipped",))
    # 普惠 and the rest
    ev("KY01", date(2023, 5, 1), "inclusive", "普惠", "五一劳动节职工普惠观影", 200, 60)
    ev("NA01", date(2023, 1, 20), "inclusive", "普惠", "新春普惠送年货", 300, 120)
    ev("DP07", date(2023, 4, 30), "inclusive", "普惠", "职工普惠体检", 150, 40)
    ev("KY08", date(2023, 6, 18), "inclusive", "普惠", "端午普惠活动", 120, 30)
    ev("KY02", date(2023, 1, 15), "campaign", "两送", "冬送温暖慰问一线职工", 80, 50)
    ev("DP03", date(2022, 12, 28), "campaign", "两送", "岁末送温暖", 60, 40)
    ev("KY05", date(2023, 3, 8), "other", "其他", "三八妇女节女职工活动", 45)
    ev("NA02", date(2023, 2, 25), "inclusive", "普惠", "元宵节游园会", 180, 70)
    ev("KY03", date(2023, 4, 20), "inclusive", "普惠", "普惠观影", 50, 80,
       outcome=("rejected", "event.migrants_exceed"))
    for st in S.values():
        st.events.sort(key=lambda e: e.day)


def _station_visits(w: World) -> None:
    def sv(day, code, *, by_name=False, visitors="区总工会 李明、赵敏", findings=None, **kw):
        w.station_visits.append(StationVisit(
            day, code, NAME.get(code, code) if by_name else code, visitors,
            findings or "实地调研社区工联会阵地建设、工作队伍和运行机制", **kw))

    sv(date(2022, 11, 20), "KY01")
    sv(date(2023, 1, 12), "KY01")
    sv(date(2023, 2, 8), "KY02", by_name=True)
    sv(date(2023, 3, 1), "KY01", findings="回访：职工之家建设进度")
    sv(date(2023, 3, 15), "DP01")
    sv(date(2023, 4, 6), "DP07", by_name=True)
    sv(date(2023, 4, 6), "DP08", findings="非重点站点：了解职工服务站运行情况")
    sv(date(2023, 4, 12), "KY07", fix={"delete": True},
       findings="（误录：本次为葵涌办事处总工会调研，非区总工会站点调研）")
    sv(date(2023, 4, 18), "NA01", by_name=True)
    sv(date(2023, 6, 9), "NA03", fix={"date": date(2023, 5, 9)},
       findings="西涌社区工联会实地调研（日期误写为6月9日）")
    sv(date(2023, 5, 22), "KY05")
    sv(date(2023, 5, 31), "DP06", by_name=True)
    sv(date(2023, 6, 8), "DP02")
    sv(date(2023, 6, 20), "NA04", by_name=True)
    w.station_visits.append(StationVisit(date(2023, 5, 18), "?", "鹏城东社区工联会",
                                         "区总工会 李明", "调研新建站点筹备情况",
                                         outcome=("rejected", "unknown_station")))
    w.station_visits.sort(key=lambda v: v.day)


# --------------------------------------------------------------------------- SPEC rules


def on_record(c: Case, d: date) -> bool:
    """SPEC: registered on or before D, not exited or cancelled on or before D."""
    return c.registered <= d and not (c.closed is not None and c.closed[1] <= d)


def counts(e: Entry, d: date, without: frozenset = frozenset()) -> bool:
    """An entry of the ledger that counts on D (not a rejected row; SPEC: a reversed entry
    and its reversal count for nothing — from the reversal's date on; ``without``: leave
    out these tags)."""
    return (e.outcome == ("ok",) and e.person is None and e.tag not in without
            and e.reverses is None and not (e.reversed_on is not None and e.reversed_on <= d))


def visited(c: Case, entries: list[Entry], d: date, without: frozenset = frozenset()) -> bool:
    return any(counts(e, d, without) and e.case is c and e.kind == "入户走访"
               and date(d.year, 1, 1) <= e.day <= d for e in entries)


def insured(c: Case, entries: list[Entry], d: date, without: frozenset = frozenset()) -> bool:
    return any(counts(e, d, without) and e.case is c and e.kind == "医疗互助保障" and e.day <= d
               and cover_year(e.day, e.cover_year) == d.year for e in entries)


@dataclass
class MemberRow:
    station: str
    id_number: str
    join: date | None
    status: str
    status_date: date | None
    migrant: bool


def member_rows(w: World) -> list[MemberRow]:
    """The members' rows the district holds once every roster is imported and the
    transfer made (a transfer marks the source row 转出 and makes a new row at the
    destination with the member's own join date and flags)."""
    rows = []
    for st in w.stations.values():
        for p in st.members:
            rows.append(MemberRow(st.code, p.id_number, p.join, p.status or "active",
                                  p.status_date, p.migrant))
    t = w.transfer
    src = next(r for r in rows if r.id_number == t["id_number"] and r.station == t["from"])
    src.status, src.status_date = "transferred", t["date"]
    rows.append(MemberRow(t["to"], src.id_number, src.join, "active", None, src.migrant))
    return rows


def _on_roll(r: MemberRow, d: date) -> bool:
    return (r.join is None or r.join <= d) and not (
        r.status != "active" and r.status_date is not None and r.status_date <= d)


def figures(w: World, d: date, scope: str | None,
            without: frozenset = frozenset()) -> dict[str, int]:
    """Every figure for a station (code) or the district (None) as of D, by SPEC
    (``without``: as if the ledger entries of these tags were not there)."""
    y1 = date(d.year, 1, 1)

    def mine(code: str) -> bool:
        return scope is None or code == scope

    def in_year(day: date) -> bool:
        return y1 <= day <= d

    out: dict[str, int] = {}
    keys = [c for c, _, _, k in STATIONS if k and mine(c)]
    out["key_stations_total"] = len(keys)
    seen = {sv.station for sv in recorded_station_visits(w) if in_year(sv.day)}
    out["key_stations_visited"] = sum(1 for c in keys if c in seen)
    visits = [(code, v) for code, st in w.stations.items() if mine(code)
              for v in st.visits if v.outcome == ("ok",) and in_year(v.day)]
    out["enterprise_visits"] = len(visits)
    out["enterprise_visits_watchlisted"] = sum(
        1 for _, v in visits if v.ent.watch is not None and v.ent.watch <= v.day)
    out["dispute_workers_served"] = sum(
        (v.served if v.served is not None else v.involved or 0)
        for _, v in visits if v.kind == "劳资纠纷处置")
    events = [e for code, st in w.stations.items() if mine(code) for e in st.events
              if e.outcome == ("ok",) and in_year(e.day)]

    def ev(kind: str) -> list[Event]:
        return [e for e in events if e.kind == kind]

    out["legal_events"] = len(ev("legal"))
    out["legal_migrant_person_times"] = sum(e.migrants for e in ev("legal"))
    out["training_events"] = len(ev("training"))
    out["training_person_times"] = sum(e.person_times for e in ev("training"))
    out["inclusive_events"] = len(ev("inclusive"))
    out["inclusive_person_times"] = sum(e.person_times for e in ev("inclusive"))
    cases = [(c, st.entries) for code, st in w.stations.items() if mine(code)
             for c in st.cases if on_record(c, d)]
    out["hardship_cases_open"] = len(cases)
    out["hardship_cases_visited"] = sum(1 for c, es in cases if visited(c, es, d, without))
    out["hardship_cases_insured"] = sum(1 for c, es in cases if insured(c, es, d, without))
    # membership: persons (distinct ID numbers; across stations once at the district)
    rows = [r for r in member_rows(w) if mine(r.station)]
    all_rows = member_rows(w)
    out["members_on_roll"] = len({r.id_number for r in rows if _on_roll(r, d)})
    out["members_joined"] = len({r.id_number for r in rows
                                 if r.join is not None and in_year(r.join)})
    out["members_left"] = len({r.id_number for r in rows if r.status == "left"
                               and in_year(r.status_date)})
    out["members_deceased"] = len({r.id_number for r in rows if r.status == "deceased"
                                   and in_year(r.status_date)})

    def moved_within(r: MemberRow) -> bool:
        return any(o.id_number == r.id_number and o.station != r.station
                   and (o.join is None or o.join <= d) for o in all_rows)

    out["members_transferred_out"] = len({
        r.id_number for r in rows if r.status == "transferred" and in_year(r.status_date)
        and (scope is not None or not moved_within(r))})
    out["members_migrant"] = len({r.id_number for r in rows if _on_roll(r, d) and r.migrant})
    return out


def recorded_station_visits(w: World) -> list[StationVisit]:
    """The district's station visits once imported and corrected."""
    out = []
    for sv in w.station_visits:
        if sv.outcome != ("ok",):
            continue
        if sv.fix and sv.fix.get("delete"):
            continue
        day = sv.fix["date"] if sv.fix and "date" in sv.fix else sv.day
        out.append(StationVisit(day, sv.station, sv.written, sv.visitors, sv.findings))
    return out


# --------------------------------------------------------------------------- workbooks


def _date(d: date | None, style: str, i: int):
    """A date cell the station's way: a real date (shown three ways) or text."""
    if d is None:
        return None
    if style == "mixed":
        style = ("cell-iso", "zh", "dot", "cell-zh", "slash")[i % 5]
    if style.startswith("cell-"):
        return DateCell(d, style[5:])
    return date_text(d, style)


class Sheet:
    """Rows of one sheet, each data row with what the import should make of it."""

    def __init__(self, name: str, headers: list[str]) -> None:
        self.name = name
        self.width = len(headers)
        self.headers = headers
        self.rows: list[list] = []
        self.outcomes: dict[int, tuple] = {}
        self.tags: dict[int, str] = {}

    def title(self, text: str) -> None:
        self.rows.append([Title(text, self.width)])

    def line(self, cells: list) -> None:
        self.rows.append(cells)

    def blank(self) -> None:
        self.rows.append([])

    def header(self) -> None:
        self.rows.append(list(self.headers))

    def data(self, cells: list, outcome: tuple = ("ok",), tag: str | None = None) -> None:
        self.rows.append(cells)
        self.outcomes[len(self.rows)] = outcome
        if tag:
            self.tags[len(self.rows)] = tag

    def ignored(self, cells: list, tag: str | None = None) -> None:
        self.data(cells, ("ignored",), tag)

    def summary(self) -> dict:
        o = list(self.outcomes.values())
        return {"imported": sum(1 for x in o if x == ("ok",)),
                "closed": sum(1 for x in o if x == ("closed",)),
                "skipped": sum(1 for x in o if x == ("skipped",)),
                "ignored": sum(1 for x in o if x == ("ignored",)),
                "rejected": [{"row": r, "reason": x[1]} for r, x in sorted(self.outcomes.items())
                             if x[0] == "rejected"],
                "tagged": [{"row": r, "tag": t, "outcome": self.outcomes[r][0]}
                           for r, t in sorted(self.tags.items())]}


def _head(sheet: Sheet, code: str, what: str, *, second: bool, blank: bool) -> None:
    sheet.title(f"{NAME[code]}{what}")
    if second:
        sheet.line([f"填报单位：{NAME[code]}", None, None, None, "填报日期：2023年6月5日"])
    if blank:
        sheet.blank()
    sheet.header()


def _variant(code: str) -> int:
    return RECORD_STATIONS.index(code) % 3


def roster_sheet(w: World, code: str) -> Sheet:
    st = w.stations[code]
    v = _variant(code)
    headers = [
        ["序号", "姓名", "性别", "民族", "公民身份号码", "出生日期", "联系电话", "工作单位", "入会时间",
         "会员证号", "是否农民工", "备注"],
        ["序号", "姓名*", "性别", "民族", "身份证号码*", "出生年月", "联系方式", "工作单位", "入会日期",
         "会员证号", "农民工", "备注"],
        ["序号", "*姓名", "性别", "民族", "*身份证号", "出生日期", "手机号码", "所在单位", "入会时间",
         "会员卡号", "是否农民工", "备注"],
    ][v] + list(STATUS_COLUMNS.get(code, ()))
    s = Sheet("会员花名册", headers)
    _head(s, code, "会员花名册（截至2023年6月）", second=v == 1, blank=v == 2)
    style = PLAN[code]["dates"]
    roster = [p for p in st.members if p.in_roster]
    bad = {pos: (people, outcome) for pos, people, outcome in st.roster_bad}
    n = 0
    for i, p in enumerate(roster):
        if i in bad:
            people, outcome = bad[i]
            for q in people:
                n += 1
                idn = CutNumber(q.id_number[:17] + "0") if outcome[1] == "import.id_excel_number" \
                    else q.id_number
                s.data(_roster_cells(q, n, idn, style, code, n), outcome)
        if i == 20 and v == 0:
            s.blank()  # a blank row in the middle
        n += 1
        phone = int(p.phone) if code == "DP02" and i % 4 == 0 else p.phone  # a number cell
        s.data(_roster_cells(p, n, p.id_number, style, code, i, phone))
    if v == 1:
        s.ignored(["制表人：王芳", None, None, None, "审核人：李强"])
    return s


def _roster_cells(p: Person, n: int, idn, style: str, code: str, i: int, phone=None) -> list:
    if code == "DP07":
        migrant = "√" if p.migrant else None
    elif code == "KY05":
        migrant = "是" if p.migrant else None
    else:
        migrant = "是" if p.migrant else "否"
    return [n, p.name, p.gender, p.ethnicity, idn, _date(p.birth, style, i),
            p.phone if phone is None else phone, p.employer, _date(p.join, style, i + 1),
            p.card_no, migrant, p.notes] + _status_cells(p, code, style, i)


def _status_cells(p: Person, code: str, style: str, i: int) -> list:
    """The roster's status columns (STATUS_COLUMNS) of a person: a leaving the roster
    records; a leaving by command is not in the roster (the member is 在会 there)."""
    columns = STATUS_COLUMNS.get(code)
    if columns is None:
        return []
    status = p.status if p.status_by == "roster" else None
    day = _date(p.status_date, style, i + 2) if status else None
    if columns[0] in ("会员状态", "状态"):  # the status, and its date in the other column
        word = STATUS_WORD[status] if status else ("在会" if columns[0] == "会员状态" else "正常")
        return [word, day]
    return [day if status == "left" else None, day if status == "deceased" else None]


def enterprise_sheet(w: World, code: str) -> Sheet:
    st = w.stations[code]
    v = _variant(code)
    headers = [["序号", "企业名称", "统一社会信用代码", "地址", "所属行业", "职工人数", "是否建会", "工会主席",
                "联系人", "联系电话"],
               ["序号", "企业名称*", "社会信用代码", "企业地址", "行业", "员工人数", "已建会", "工会主席",
                "联系人", "联系方式"],
               ["序号", "企业名称", "统一社会信用代码", "地址", "行业类别", "职工人数", "是否建会", "工会主席",
                "联系人", "联系电话"]][v]
    s = Sheet("企业名单", headers)
    _head(s, code, "辖区企业名单", second=False, blank=v == 1)
    for i, e in enumerate(st.enterprises):
        s.data([i + 1, e.name, e.credit_code, e.address, e.industry, e.headcount,
                "是" if e.union else "否", e.chair, e.contact, e.phone])
    return s


def hardship_sheet(w: World, code: str, *, closings: bool) -> Sheet:
    st = w.stations[code]
    hv = PLAN[code]["hv"]
    spec = ["困难类别", "姓名", "民族", "性别", "政治面貌", "身份证号", "健康状况", "残疾类别", "劳模类型",
            "住房类型", "工作单位", "单位性质", "企业状况", "是否单亲", "本人月收入", "家庭年总收入", "家庭人口",
            "人均收入", "户口所在地区划", "医保状况", "是否零就业家庭", "主要致困原因", "次要致困原因", "开户银行",
            "卡号", "建档人", "审核人", "录入人"]
    headers = ["序号", *spec, "建档日期"]
    if hv == "A":
        headers.insert(2, "困难程度")
    if hv == "C":
        headers[headers.index("身份证号")] = "身份证号码*"
        headers[headers.index("家庭人口")] = "家庭人口*"
    sheet_closings = closings and any(c.closed_by in ("sheet", "sheet-v2") for c in st.cases)
    if sheet_closings:
        headers += ["脱困时间" if code == "NA05" else "脱困日期", "脱困原因", "注销日期", "注销原因"]
    s = Sheet("困难职工档案", headers)
    _head(s, code, "困难职工档案表（2023年）", second=hv == "B", blank=hv == "C")
    style = PLAN[code]["dates"]
    col = {h: i for i, h in enumerate(headers)}
    for i, c in enumerate(st.cases):
        p = c.person
        row: list = [None] * len(headers)
        row[0] = i + 1
        if hv == "A":
            row[col["困难类别"]], row[col["困难程度"]] = c.category, c.level
            row[col["主要致困原因"]] = c.cause
        else:  # the union system's way: the level in 困难类别, the cause in 主要致困原因
            row[col["困难类别"]] = c.level + "职工"
            row[col["主要致困原因"]] = c.category
        row[col["姓名"]] = p.name
        row[col["民族"]] = p.ethnicity
        row[col["性别"]] = p.gender
        row[col["政治面貌"]] = "群众"
        row[col[[h for h in headers if h.startswith("身份证号")][0]]] = p.id_number
        row[col["健康状况"]] = "患病" if c.category == "因病" else "健康"
        row[col["残疾类别"]] = "肢体残疾" if c.category == "因残" else None
        row[col["住房类型"]] = "租房"
        row[col["工作单位"]] = p.employer
        row[col["单位性质"]] = "私营企业"
        row[col["企业状况"]] = "正常"
        row[col["是否单亲"]] = "是" if c.category == "单亲" else "否"
        row[col["本人月收入"]] = Money(float(c.income + 300))
        row[col["家庭年总收入"]] = Money(float(c.income * c.household * 12))
        row[col[[h for h in headers if h.startswith("家庭人口")][0]]] = c.household
        row[col["人均收入"]] = Money(float(c.income))
        row[col["户口所在地区划"]] = "广东省深圳市" if p.id_number.startswith("44") else "外省"
        row[col["医保状况"]] = "城镇职工医保"
        row[col["是否零就业家庭"]] = "否"
        row[col["开户银行"]] = "中国农业银行"
        row[col["卡号"]] = "6228480" + p.id_number[6:14] + "0" + p.id_number[14:17]
        row[col["建档人"]] = "王芳"
        row[col["审核人"]] = "李强"
        row[col["录入人"]] = "王芳"
        row[col["建档日期"]] = _date(c.registered, style, i)
        outcome: tuple = ("ok",)
        if sheet_closings and c.closed and c.closed_by in ("sheet", "sheet-v2"):
            what, day, why = c.closed
            prefix = "脱困" if what == "exited" else "注销"
            date_col = [h for h in headers if h.startswith(prefix) and h[2:] in ("日期", "时间")][0]
            row[col[date_col]] = _date(day, style, i + 1)
            row[col[prefix + "原因"]] = why
            if c.closed_by == "sheet-v2":
                outcome = ("closed",)
        elif closings and code == "KY05":
            outcome = ("skipped",)  # the second import: the file is there already
        s.data(row, outcome)
    s.ignored(["基层工会意见：同意建档", None, None, None, "（盖章）", None, None, "2023年6月5日"],
              tag="sign_off_row")
    return s


def household_sheet(w: World, code: str) -> list:
    """A second sheet of household members (not imported: the import takes the sheet whose
    headers fit best)."""
    rows: list = [[Title(f"{NAME[code]}困难职工家庭成员", 7)],
                  ["户主姓名", "姓名", "与户主关系", "身份证号", "年龄", "健康状况", "就学/就业情况"]]
    rng = random.Random(f"{SEED}:{code}:household")
    for c in w.stations[code].cases[:6]:
        rows.append([c.person.name, c.person.name[0] + rng.choice(GIVEN) + rng.choice(GIVEN),
                     "子女", None, rng.randrange(6, 18), "健康", "在读"])
    return rows


def ledger_sheet(w: World, code: str, entries: list[Entry], year_title: str) -> Sheet:
    v = _variant(code)
    headers = [["序号", "姓名", "身份证号", "困难类别", "帮扶日期", "帮扶类型", "金额（元）", "资金来源", "经办人",
                "备注"],
               ["序号", "姓名", "身份证号码", "困难类别", "帮扶时间", "帮扶项目", "金额(元)*", "资金来源", "经办人",
                "备注"],
               ["序号", "姓名*", "身份证号*", "困难类别", "帮扶日期*", "帮扶类型*", "金额（元）", "经费来源", "经办人",
                "备注"]][v]
    explicit = code == "KY08"
    if explicit:
        headers = headers[:7] + ["保障年度"] + headers[7:]
    s = Sheet("帮扶台账", headers)
    _head(s, code, f"困难职工帮扶台账（{year_title}）", second=v == 2, blank=v == 0)
    style = PLAN[code]["dates"]
    total = 0.0
    for i, e in enumerate(entries):
        p = e.person or e.case.person
        if code == "KY02":
            amount = f"￥{e.amount:.2f}" if e.amount else None
        elif code == "NA02":
            amount = f"{e.amount:g}元" if e.amount else None
        else:
            amount = Money(float(e.amount)) if e.amount else (0 if i % 2 else None)
        row = [i + 1, p.name, p.id_number, e.case.category, _date(e.day, style, i), e.kind,
               amount, e.funding, "王芳", e.note]
        if explicit:
            row = row[:7] + [e.cover_year] + row[7:]
        s.data(row, e.outcome, e.tag)
        if e.outcome == ("ok",):
            total += e.amount
    tail = ["合计", None, None, None, None, None, Money(total)]
    s.ignored(tail + [None] * (len(headers) - len(tail)))
    s.ignored(["经办人：王芳", None, None, None, "审核人：李强", None, None, None, "2023年6月5日"])
    return s


VISIT_HEADERS = ["走访日期", "企业名称", "统一社会信用代码", "走访类型", "走访人", "经营状况", "异常情况",
                 "涉及职工人数", "走访情况", "处理措施", "跟进期限"]


def visit_sheet(w: World, code: str) -> Sheet:
    st = w.stations[code]
    headers = list(VISIT_HEADERS)
    if code == "DP03":
        headers.insert(8, "服务职工人数")
    if code == "NA05":
        headers.remove("异常情况")
    if _variant(code) == 1:
        headers[0], headers[1] = "走访日期*", "企业名称*"
    s = Sheet("企业走访日志", headers)
    _head(s, code, "企业走访日志（2022年11月—2023年6月）", second=False, blank=_variant(code) == 2)
    style = PLAN[code]["dates"]
    col = {h.rstrip("*"): i for i, h in enumerate(headers)}
    for i, v in enumerate(st.visits):
        row: list = [None] * len(headers)
        row[col["走访日期"]] = _date(v.day, style, i)
        row[col["企业名称"]] = v.ent.name if v.ent else v.ent_name
        # a visit is named by its credit code where the diary has one, now and then by
        # the name alone
        row[col["统一社会信用代码"]] = v.ent.credit_code if v.ent and i % 5 else None
        row[col["走访类型"]] = v.kind
        row[col["走访人"]] = v.visitors
        row[col["经营状况"]] = v.status
        if "异常情况" in col:
            row[col["异常情况"]] = v.flags
        row[col["涉及职工人数"]] = v.involved
        if "服务职工人数" in col:
            row[col["服务职工人数"]] = v.served
        row[col["走访情况"]] = v.findings
        row[col["处理措施"]] = v.actions
        row[col["跟进期限"]] = _date(v.follow_up, style, i + 2)
        s.data(row, v.outcome, v.tag)
    s.ignored(["填表人：张丽", None, None, None, "审核人：王强"])
    return s


def event_sheet(w: World, code: str) -> Sheet:
    st = w.stations[code]
    headers = ["序号", "活动日期", "活动类型", "活动名称", "活动地点", "服务人次", "其中农民工", "备注"]
    if _variant(code) == 2:
        headers[1], headers[3] = "活动时间*", "活动主题*"
    s = Sheet("活动登记", headers)
    _head(s, code, "活动登记表（2022—2023年）", second=_variant(code) == 1, blank=False)
    style = PLAN[code]["dates"]
    for i, e in enumerate(st.events):
        s.data([i + 1, _date(e.day, style, i), e.kind_text, e.title, e.place, e.person_times,
                e.migrants or None, e.notes], e.outcome)
    return s


def stations_sheet() -> Sheet:
    s = Sheet("社区工联会", ["编码", "名称", "办事处", "是否重点推进"])
    s.title("XX县区社区工联会一览表（2023年）")
    s.blank()
    s.header()
    for code, name, street, key in STATIONS:
        s.data([code, name, street, "是" if key else "否"])
    return s


def station_visits_sheet(w: World) -> Sheet:
    s = Sheet("站点调研", ["序号", "走访日期", "社区工联会编码", "社区工联会", "走访类型", "走访人",
                         "走访情况", "处理措施"])
    s.title("区总工会社区工联会站点调研记录（2022年11月—2023年6月）")
    s.header()
    for i, sv in enumerate(w.station_visits):
        # named by its code, by its name, or both
        code = None if sv.written != sv.station else sv.station
        name = sv.written if sv.written != sv.station else (NAME[sv.station] if i % 3 == 0
                                                            else None)
        s.data([i + 1, _date(sv.day, "mixed", i), code, name, "站点调研", sv.visitors,
                sv.findings, sv.actions], sv.outcome)
    s.ignored(["填表人：李明", None, None, None, "2023年6月30日"])
    return s


# --------------------------------------------------------------------------- the files


def station_files(w: World, code: str) -> list[tuple[str, str, list, dict]]:
    """(file name, kind, sheets, import summary) of a station, in import order."""
    fmt = PLAN[code]["fmt"]
    out = []

    def add(stem: str, kind: str, sheet: Sheet, extra: list | None = None) -> None:
        ext = fmt[kind if kind != "hardship-v2" else "hardship"]
        sheets = [(sheet.name, sheet.rows), *(extra or [])]
        out.append((f"{code}/{stem}.{ext}", kind, sheets, sheet.summary()))

    add("members", "members", roster_sheet(w, code))
    add("enterprises", "enterprises", enterprise_sheet(w, code))
    first_closings = code != "KY05"
    extra = [("家庭成员", household_sheet(w, code))] if code in ("KY01", "DP03") else None
    add("hardship", "hardship", hardship_sheet(w, code, closings=first_closings), extra)
    entries = w.stations[code].entries
    if code == "KY08":
        add("ledger-2022", "ledger", ledger_sheet(w, code, [e for e in entries if e.day.year < 2023],
                                                  "2022年"))
        add("ledger-2023", "ledger", ledger_sheet(w, code, [e for e in entries if e.day.year >= 2023],
                                                  "2023年"))
    else:
        add("ledger", "ledger", ledger_sheet(w, code, entries, "2021—2023年"))
    if code == "KY05":
        add("hardship-v2", "hardship-v2", hardship_sheet(w, code, closings=True))
    add("visits", "visits", visit_sheet(w, code))
    add("events", "events", event_sheet(w, code))
    return out


def district_files(w: World) -> list[tuple[str, str, list, dict]]:
    st = stations_sheet()
    sv = station_visits_sheet(w)
    return [("district/stations.xlsx", "stations", [(st.name, st.rows)], st.summary()),
            ("district/station-visits.xls", "station_visits", [(sv.name, sv.rows)],
             sv.summary())]


def corrections(w: World) -> list[dict]:
    """The corrections the test makes through the command lines after the imports, in
    this order (the stations' own first: their next sync file carries them)."""
    out: list[dict] = []
    for sv in w.station_visits:
        if sv.fix and sv.fix.get("delete"):
            out.append({"what": "delete station visit", "by": "district-server visit delete",
                        "station": sv.station, "date": sv.day.isoformat()})
        elif sv.fix:
            out.append({"what": "correct a station visit's date", "by": "district-server visit edit",
                        "station": sv.station, "date": sv.day.isoformat(),
                        "new_date": sv.fix["date"].isoformat()})
    for code, st in w.stations.items():
        for c in st.cases:
            if c.closed_by == "command":
                what, day, why = c.closed
                out.append({"what": f"case {'exit' if what == 'exited' else 'cancel'}",
                            "by": f"station-admin case {'exit' if what == 'exited' else 'cancel'}",
                            "station": code, "id_number": c.person.id_number,
                            "date": day.isoformat(), "reason": why})
    for code, st in w.stations.items():
        for p in st.members:
            if p.status_by == "command":
                out.append({"what": "member status", "by": "station-admin member status",
                            "station": code, "id_number": p.id_number, "name": p.name,
                            "found_by": p.found_by, "status": p.status,
                            "date": p.status_date.isoformat(), "reason": p.status_reason})
        for e in st.entries:
            if e.reversed_by == "command":
                out.append({"what": "ledger reverse", "by": "station-admin ledger reverse",
                            "station": code, "id_number": e.case.person.id_number,
                            "entry_date": e.day.isoformat(), "kind": e.kind,
                            "date": e.reversed_on.isoformat(), "reason": e.reverse_reason})
    t = w.transfer
    out.append({"what": "transfer", "by": "district-server transfer", "station": t["from"],
                "to": t["to"], "id_number": t["id_number"], "date": t["date"].isoformat(),
                "found_by": "station-admin member find"})
    for st in w.stations.values():
        for e in st.enterprises:
            if e.watch:
                out.append({"what": "watch list", "by": "district-server watch list",
                            "station": st.code, "credit_code": e.credit_code,
                            "name": e.name, "found_by": e.watch_by,
                            "date": e.watch.isoformat(),
                            "reason": "生产经营异常，列入劳资隐患重点监管"})
    return out


def expected(w: World) -> dict:
    scopes = [None] + [c for c, *_ in STATIONS]
    figs = {}
    for d in AS_OF:
        figs[d.isoformat()] = {(s or "district"): figures(w, d, s) for s in scopes}
    files = [{"path": path, "kind": kind, **summary}
             for path, kind, _, summary in district_files(w)]
    for code in RECORD_STATIONS:
        files += [{"path": path, "kind": kind, "station": code, **summary}
                  for path, kind, _, summary in station_files(w, code)]
    depends = {}
    for tag in ENTRY_TAGS:
        depends[tag] = [[d.isoformat(), s or "district", name]
                        for d in AS_OF for s in scopes
                        for name, value in figures(w, d, s, frozenset({tag})).items()
                        if value != figs[d.isoformat()][s or "district"][name]]
    d1 = figs[D1.isoformat()]["district"]
    for k, v in SEED_FIGURES.items():
        assert d1[k] == v, (k, d1[k], v)
    dp01 = figs[D1.isoformat()]["DP01"]["training_events"]
    return {
        "about": "made by tests/e2e/district_fixture/make.py; figures by SPEC.md's rules",
        "as_of": [d.isoformat() for d in AS_OF],
        "district_admin": DISTRICT_ADMIN,
        "stations": [{"code": c, "name": n, "street": s, "key": k, "records": c in PLAN}
                     for c, n, s, k in STATIONS],
        "targets": [
            {"year": 2023, "metric": "training_events", "value": TRAINING_TARGET,
             "station": None, "progress": d1["training_events"]},
            {"year": 2023, "metric": "key_stations_visited", "value": 17, "station": None,
             "progress": d1["key_stations_visited"]},
            {"year": 2023, "metric": "training_events", "value": 3, "station": "DP01",
             "progress": dp01},
        ],
        "files": files,
        "corrections": corrections(w),
        "tags": TAGS,
        "figures": figs,
        # the figures that count rows of these tags (they differ without those rows)
        "depends": depends,
    }


def workbooks(w: World) -> dict[Path, list]:
    books = {}
    for path, _kind, sheets, _ in district_files(w):
        books[HERE / path] = sheets
    for code in RECORD_STATIONS:
        for path, _kind, sheets, _ in station_files(w, code):
            books[HERE / path] = sheets
    return books


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--expected-only", action="store_true",
                   help="write expected.json only (no LibreOffice needed)")
    args = p.parse_args(argv)
    w = build()
    exp = expected(w)
    (HERE / "expected.json").write_text(
        json.dumps(exp, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if not args.expected_only:
        from office import write_workbooks

        write_workbooks(workbooks(build()))
    print("expected.json" + ("" if args.expected_only else f" and {len(exp['files'])} workbooks")
          + f" written in {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
