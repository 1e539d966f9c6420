"""Realistic demo data for a station (zh_CN): members with valid ID numbers, enterprises
with valid credit codes, a watch list, hardship files with ledgers, a year of enterprise
visits, events and targets (and the district's stations as reference data). No 站点调研:
visits to stations are the district's work, recorded in the district database. Deterministic for a seed; everything goes through the services (the
members and enterprises through their bulk paths), so the data obeys every rule.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from station_app.domain.actor import SYSTEM_DEMO, Actor
from station_app.domain.ids import enterprise_id_for
from station_app.domain.models import Enterprise
from station_app.domain.services import enterprises, events, hardship, members, stations, visits
from station_app.domain.services.enterprises import clean_enterprise
from station_app.domain.validation import credit_code_check_char, id_check_char
from station_app.storage.capture import bulk_insert
from station_app.storage.database import Database

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚"
    "邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐单解仇区查朴"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕建国志强文斌海波"
    "晓东鹏飞俊杰子轩梓涵浩然欣怡雨萱宇航思远佳琪嘉怡博文一鸣诗涵梦琪晨阳泽宇家豪雅婷长江乐乐"
)
ETHNICITIES = ["汉"] * 46 + ["壮", "苗", "土家", "瑶", "回", "满", "彝", "侗", "布依", "畲"]
# County-level area codes in force for the birth years used (Shenzhen and migrants' homes).
AREAS = (
    ["440303", "440304", "440305", "440306", "440307", "440308"] * 3
    + ["430104", "430524", "450102", "450821", "360102", "360731", "510104", "511321",
       "420102", "421122", "411302", "441581", "445122", "441423", "350583", "522121"]
)
PHONE_PREFIX = ["135", "136", "137", "138", "139", "150", "151", "158", "159", "186", "187",
                "188", "189", "177", "199", "166", "130", "131", "132", "155"]
INDUSTRIES = ["电子", "精密制造", "物流", "食品", "建筑工程", "服装", "塑胶", "五金", "酒店",
              "餐饮", "旅游", "海产", "医疗器械", "新能源", "环保科技", "印刷包装"]
ENTERPRISE_WORDS = ["鹏城", "葵涌", "大鹏", "南澳", "海湾", "金沙", "东涌", "溪涌", "坝光",
                    "新能", "华南", "粤海", "宏达", "信达", "永兴", "恒通", "盛世", "百川",
                    "嘉信", "同创", "立新", "中联", "瑞丰", "启航"]
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CASE_CAUSES = ["本人患病", "家人患病", "子女上学", "失业", "残疾", "单亲抚养", "意外事故"]


@dataclass
class DemoResult:
    members: int
    enterprises: int
    watch_listed: int
    cases: int
    ledger_entries: int
    visits: int
    events: int


def _id_number(rng: random.Random, birth: date) -> str:
    body = f"{rng.choice(AREAS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + id_check_char(body)


def _name(rng: random.Random) -> str:
    n = 1 if rng.random() < 0.3 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(n))


def _credit_code(rng: random.Random) -> str:
    body = "91440300" + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + credit_code_check_char(body)


def _between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days + 1)))


def build_demo(
    db: Database, *, members_count: int = 1000, seed: int = 1, today: date | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> DemoResult:
    """Fill a station database (set up with ``init_station``) with demo data."""
    rng = random.Random(seed)
    today = today or date.today()
    year_ago = today - timedelta(days=364)
    actor = Actor("demo", "station_admin", None, "演示数据")
    district = SYSTEM_DEMO  # the district's reference data, as a pull brings it

    # Enterprises (bulk path, same validation)
    n_ent = min(20_000, max(20, members_count // 50))
    progress(f"enterprises: {n_ent}")
    ent_rows, codes = [], set()
    while len(ent_rows) < n_ent:
        code = _credit_code(rng)
        if code in codes:
            continue
        codes.add(code)
        name = (f"深圳市{rng.choice(ENTERPRISE_WORDS)}{rng.choice(ENTERPRISE_WORDS)}"
                f"{rng.choice(INDUSTRIES)}有限公司")
        values = clean_enterprise({
            "name": name if rng.random() < 0.97 else name.replace("有限公司", "厂"),
            "credit_code": code, "industry": rng.choice(INDUSTRIES),
            "headcount": rng.choice([8, 15, 30, 60, 120, 250, 600, 1500]),
            "union_established": rng.random() < 0.6,
            "address": f"深圳市大鹏新区{rng.choice(ENTERPRISE_WORDS)}路{rng.randrange(1, 300)}号",
        })
        values["id"] = enterprise_id_for(code)
        values["area_station_id"] = db.station_id
        ent_rows.append(values)
    with db.session(actor) as s:
        enterprise_ids = bulk_insert(s, Enterprise, ent_rows)

    # Members (bulk path)
    progress(f"members: {members_count}")

    def member_rows():
        seen: set[str] = set()
        for i in range(members_count):
            birth = _between(rng, date(1962, 1, 1), date(2004, 12, 31))
            idn = _id_number(rng, birth)
            while idn in seen:
                idn = _id_number(rng, birth)
            seen.add(idn)
            emp = rng.random()
            yield {
                "name": _name(rng),
                "id_number": idn,
                "ethnicity": rng.choice(ETHNICITIES),
                "phone": (rng.choice(PHONE_PREFIX) + f"{rng.randrange(10**8):08d}")
                if rng.random() < 0.92 else None,
                "employer_id": enterprise_ids[rng.randrange(len(enterprise_ids))]
                if emp < 0.8 else None,
                "employer_name": None if emp < 0.8 else "个体/灵活就业",
                "card_no": f"{i + 1:07d}",
                "join_date": _between(rng, max(birth + timedelta(days=18 * 366),
                                               date(2005, 1, 1)), today),
                "migrant_worker": rng.random() < 0.45,
            }

    with db.session(actor) as s:
        result = members.bulk_register_members(s, member_rows())
    member_ids = result.inserted

    # Other stations of the district and key-station flags: reference data, as a station
    # holds it after a pull (a station never sends stations; the district owns them)
    with db.session(district) as s:
        stations.set_station(s, db.state()["station_code"], is_key=True, street="葵涌办事处")
        for i in range(1, 25):
            stations.upsert_station(
                s, f"DP{i:02d}", f"{rng.choice(ENTERPRISE_WORDS)}社区工联会",
                street=rng.choice(["葵涌办事处", "大鹏办事处", "南澳办事处"]), is_key=i <= 16)
        for metric, value in (("training_events", 40), ("key_stations_visited", 17),
                              ("hardship_cases_visited", 79), ("hardship_cases_insured", 79),
                              ("legal_events", 4), ("inclusive_events", 20),
                              ("enterprise_visits", 104)):
            stations.set_target(s, today.year, metric, value)

    # Watch list
    progress("watch list, visits")
    n_watch = max(2, n_ent // 40)
    watched = rng.sample(enterprise_ids, min(n_watch, len(enterprise_ids)))
    listed_on: dict[str, tuple[date, date | None]] = {}
    with db.session(actor) as s:
        for eid in watched:
            on = _between(rng, year_ago - timedelta(days=60), year_ago + timedelta(days=20))
            enterprises.list_on_watch(
                s, eid, rng.choice(["欠薪隐患", "经营异常，停产减产", "拟搬迁", "欠缴社保"]), on)
            listed_on[eid] = (on, None)
    unlisted = watched[: max(1, len(watched) // 5)]
    with db.session(district) as s:
        for eid in unlisted:
            off = _between(rng, year_ago + timedelta(days=30), today)
            enterprises.unlist_from_watch(s, eid, "隐患已消除", off)
            listed_on[eid] = (listed_on[eid][0], off)

    def listed(eid: str, day: date) -> bool:
        on, off = listed_on[eid]
        return on <= day and (off is None or day < off)

    # Visits: a year of weeks, mostly meeting the quota
    n_visits = 0
    monday = year_ago - timedelta(days=year_ago.weekday())
    visitors = ["王芳", "李强", "陈静", "刘洋"]
    with db.session(actor) as s:
        while monday <= today:
            week_end = min(monday + timedelta(days=6), today)
            listed_now = {eid for eid in watched if listed(eid, week_end)}
            targets_ = list(listed_now) if rng.random() < 0.85 else []
            quota = rng.choice([1, 2, 2, 3, 3, 4])
            targets_ += rng.sample(enterprise_ids, quota)
            for eid in targets_:
                d = _between(rng, monday, week_end)
                abnormal = rng.random() < 0.06
                kind = ("watch" if eid in listed_now else
                        "dispute" if rng.random() < 0.05 else
                        "injury" if rng.random() < 0.03 else "routine")
                visits.record_visit(s, {
                    "visit_date": d, "enterprise_id": eid, "kind": kind,
                    "visitors": "、".join(rng.sample(visitors, 2)),
                    "workers_served": rng.randrange(5, 60) if kind == "dispute"
                    else rng.randrange(0, 10),
                    "operating_status": "abnormal" if abnormal else "normal",
                    "flags": [rng.choice(["wage_arrears", "production_cut", "relocation",
                                          "layoffs", "social_insurance_arrears"])]
                    if abnormal else [],
                    "workers_involved": rng.randrange(5, 200) if abnormal else None,
                    "findings": "企业生产经营正常，劳动关系稳定" if not abnormal
                    else "发现异常情况，已登记跟进",
                    "actions": "宣传工会政策" if not abnormal else "联合劳动部门约谈企业负责人",
                    "follow_up_due": d + timedelta(days=14) if abnormal else None,
                })
                n_visits += 1
            monday += timedelta(days=7)
    # (no 站点调研: visits to stations are the district's work, recorded at the district)

    # Hardship files and the ledger
    progress("hardship files, ledger")
    n_cases = min(len(member_ids), max(10, members_count // 800))
    n_entries = 0
    with db.session(actor) as s:
        for mid in rng.sample(member_ids, n_cases):
            registered = _between(rng, today - timedelta(days=900), today - timedelta(days=20))
            case = hardship.open_case(s, mid, {
                "category": rng.choice(["illness", "disability", "education", "unemployment",
                                        "single_parent", "accident", "other"]),
                "level": rng.choice(["deep", "relative", "relative", "accident"]),
                "household_size": rng.randrange(1, 6),
                "registered_date": registered,
                "monthly_income_per_capita_fen": str(rng.randrange(600, 2400)),
                "primary_cause": rng.choice(CASE_CAUSES),
                "housing_type": rng.choice(["租房", "自有住房", "公租房"]),
                "medical_insurance": rng.choice(["职工医保", "居民医保"]),
                "filed_by": "王芳",
            })
            hardship.add_household_member(s, case.id, {"name": _name(rng), "relation": "spouse",
                                                       "age": rng.randrange(25, 60)})
            for _ in range(rng.randrange(0, 6)):
                kind = rng.choice(["home_visit", "home_visit", "condolence", "winter", "summer",
                                   "medical_mutual_aid", "education_aid"])
                d = _between(rng, registered, today)
                data = {"kind": kind, "entry_date": d, "funding_source": "区总工会帮扶资金"}
                if kind == "condolence":
                    data["amount"] = rng.choice(["500", "800", "1000", "2000"])
                elif kind in ("winter", "summer"):
                    data["amount"] = rng.choice(["200", "300", "500"])
                elif kind == "medical_mutual_aid":
                    data["amount"] = "80"
                elif kind == "education_aid":
                    data["amount"] = rng.choice(["1000", "2000", "3000"])
                    data["beneficiary"] = _name(rng)
                entry = hardship.add_entry(s, case.id, data)
                n_entries += 1
                if data.get("amount") and rng.random() < 0.04:
                    hardship.reverse_entry(s, entry.id, "金额录入错误", on=d)
                    n_entries += 1

    # Events over the year
    progress("events")
    n_events = 0
    with db.session(actor) as s:
        for kind, per_year, title in (("training", 36, "送权益保障到基层提素活动"),
                                      ("legal", 6, "农民工公益法律服务行动"),
                                      ("inclusive", 24, "职工普惠服务进社区"),
                                      ("campaign", 4, "夏送清凉慰问"),
                                      ("other", 4, "职工之家开放日")):
            for _ in range(per_year):
                persons = rng.randrange(20, 150)
                events.record_event(s, {
                    "kind": kind, "event_date": _between(rng, year_ago, today),
                    "title": title, "place": "葵涌社区职工之家",
                    "person_times": persons,
                    "migrant_person_times": rng.randrange(0, persons + 1),
                })
                n_events += 1
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    return DemoResult(len(member_ids), n_ent, len(watched) - len(unlisted), n_cases,
                      n_entries, n_visits, n_events)
