"""What an import understands: the kinds of sheet, their fields and the column headers
offices write for them (Chinese and English synonyms), and finding the header row.

Field names are the keys of the services' data dicts (``clean_member``,
``clean_enterprise``, ``clean_case``, ``add_entry``, ``clean_visit``, ``clean_event``),
plus a few the importer uses itself (``_seq`` 序号, checks like ``gender`` against the ID
number, ``contact_person`` kept in the notes). No Qt, no database here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from station_app.domain.validation import FIELD_LABELS

# Cell types: how a raw cell is prepared before the service's parser sees it.
TEXT, ID, CODE, PHONE, DATE, BOOL, INT, AMOUNT, CHOICE, IGNORE = (
    "text", "id", "code", "phone", "date", "bool", "int", "amount", "choice", "ignore")
# a date the sheets often give as a year and a month (入会年月: 2023.05, 2023年05月)
MONTH = "month"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class KindSpec:
    code: str
    label: tuple[str, str]
    fields: tuple[FieldSpec, ...]
    # a header row must map all of these to be taken for this kind
    required: tuple[str, ...]
    # service error field -> the data key (column) it is about, where they differ
    error_fields: Mapping[str, str] = field(default_factory=dict)
    # when the kind is guessed, one of these must be there too (a member roster with a
    # 家庭人口 column is not a hardship file)
    distinctive: tuple[str, ...] = ()

    def spec(self, name: str) -> FieldSpec | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def F(name: str, type_: str, *synonyms: str) -> FieldSpec:  # noqa: N802 - a table helper
    return FieldSpec(name, type_, synonyms)


SEQ = F("_seq", IGNORE, "序号", "编号", "行号", "no", "no.", "#", "序")

_MEMBER_PERSON = (
    F("name", TEXT, "姓名", "名字", "会员姓名", "职工姓名", "户主姓名", "name", "full name"),
    F("id_number", ID, "身份证号", "身份证号码", "公民身份号码", "公民身份证号码", "证件号码",
      "身份证", "身份证件号码", "身份证件号", "id number", "id no", "id card number",
      "id card no", "id_number"),
    F("phone", PHONE, "联系电话", "手机", "手机号", "手机号码", "电话", "电话号码", "联系方式",
      "phone", "mobile", "telephone", "tel", "phone number"),
    F("ethnicity", TEXT, "民族", "ethnicity", "ethnic group"),
    # checked against the ID number (which is what is stored)
    F("gender", TEXT, "性别", "gender", "sex"),
    F("birth_date", DATE, "出生日期", "出生年月", "出生年月日", "生日", "date of birth",
      "birth date", "dob"),
)

MEMBERS = KindSpec(
    "members", ("会员花名册", "member roster"),
    (
        SEQ, *_MEMBER_PERSON,
        F("employer_name", TEXT, "工作单位", "单位名称", "单位", "所在单位", "工作单位名称",
          "就业单位", "employer", "workplace"),
        F("join_date", MONTH, "入会时间", "入会日期", "入会年月", "join date", "date joined",
          "joined"),
        F("card_no", TEXT, "会员卡号", "会员证号", "会员证号码", "会员证编号", "会员卡号码",
          "card no", "member card no", "membership card number", "card number"),
        F("migrant_worker", BOOL, "是否农民工", "农民工", "是否为农民工", "migrant worker",
          "migrant"),
        F("notes", TEXT, "备注", "说明", "notes", "note", "remarks", "remark"),
        # leaving (optional): the status and its date, or a date column of its own
        F("status", CHOICE, "会员状态", "状态", "会籍状态", "在会状态", "member status",
          "status"),
        F("status_date", DATE, "状态日期", "状态变更日期", "离会日期", "离会时间",
          "status date"),
        F("left_date", DATE, "退会日期", "退会时间", "date left"),
        F("deceased_date", DATE, "去世日期", "去世时间", "死亡日期", "逝世日期",
          "date of death"),
        F("transferred_date", DATE, "转出日期", "转出时间", "date transferred"),
    ),
    required=("name", "id_number"),
)

ENTERPRISES = KindSpec(
    "enterprises", ("企业名单", "enterprise list"),
    (
        SEQ,
        F("name", TEXT, "企业名称", "单位名称", "企业", "名称", "公司名称", "企业全称",
          "enterprise", "enterprise name", "company", "company name", "name"),
        F("credit_code", CODE, "统一社会信用代码", "社会信用代码", "信用代码",
          "统一社会信用代码证号", "credit code", "unified social credit code", "uscc"),
        F("address", TEXT, "地址", "企业地址", "注册地址", "经营地址", "单位地址", "住所",
          "address"),
        F("industry", TEXT, "行业", "所属行业", "行业类别", "行业类型", "industry"),
        F("headcount", INT, "职工人数", "员工人数", "从业人数", "人数", "职工数",
          "在职职工人数", "headcount", "employees", "number of employees"),
        F("union_established", BOOL, "是否建会", "已建会", "建会情况", "是否已建会", "已建工会",
          "是否建立工会", "union established", "has union"),
        F("union_chair", TEXT, "工会主席", "工会主席姓名", "union chair"),
        F("contact_person", TEXT, "联系人", "企业联系人", "contact person", "contact"),
        F("contact_phone", PHONE, "联系电话", "电话", "联系方式", "手机", "联系人电话",
          "contact phone", "phone"),
        F("notes", TEXT, "备注", "说明", "notes", "note", "remarks"),
    ),
    required=("name",),
    error_fields={"enterprise_name": "name", "employee_count": "headcount"},
)

HARDSHIP = KindSpec(
    "hardship", ("困难职工档案", "hardship files"),
    (
        SEQ, *_MEMBER_PERSON,
        F("category", CHOICE, "困难类别", "致困类别", "困难原因类别", "category"),
        F("level", CHOICE, "困难程度", "困难级别", "困难等级", "困难职工类型", "level"),
        F("household_size", INT, "家庭人口", "家庭人口数", "家庭成员人数", "家庭人数",
          "household size"),
        F("monthly_income_per_capita_fen", AMOUNT, "人均收入", "家庭人均月收入", "人均月收入",
          "monthly income per capita"),
        F("own_monthly_income_fen", AMOUNT, "本人月收入", "个人月收入", "own monthly income"),
        F("household_annual_income_fen", AMOUNT, "家庭年总收入", "家庭年收入",
          "household annual income"),
        F("registered_date", DATE, "建档日期", "建档时间", "登记日期", "registered"),
        F("last_review_date", DATE, "年审日期", "最近年审日期", "复审日期", "last review"),
        # a closed file: 脱困 (exited) or 注销 (cancelled), each with its date and reason
        F("exit_date", DATE, "脱困日期", "脱困时间", "脱困年月", "脱困日", "exit date",
          "exited on"),
        F("exit_reason", TEXT, "脱困原因", "脱困理由", "脱困情况", "脱困说明", "exit reason"),
        F("cancel_date", DATE, "注销日期", "注销时间", "注销年月", "销档日期", "销档时间",
          "撤档日期", "cancel date", "cancellation date", "cancelled on"),
        F("cancel_reason", TEXT, "注销原因", "注销理由", "注销情况", "注销说明", "销档原因",
          "撤档原因", "cancel reason", "cancellation reason"),
        F("political_status", TEXT, "政治面貌", "political status"),
        F("health", TEXT, "健康状况", "health"),
        F("disability_category", TEXT, "残疾类别", "残疾类型", "disability"),
        F("model_worker_type", TEXT, "劳模类型", "model worker"),
        F("housing_type", TEXT, "住房类型", "住房情况", "housing"),
        F("employer_name", TEXT, "工作单位", "单位名称", "所在单位", "employer"),
        F("employer_nature", TEXT, "单位性质", "employer nature"),
        F("enterprise_status", TEXT, "企业状况", "企业状态", "enterprise status"),
        F("single_parent", BOOL, "是否单亲", "单亲", "single parent"),
        F("hukou_area", TEXT, "户口所在地区划", "户口所在地", "户籍所在地", "户籍地", "hukou"),
        F("medical_insurance", TEXT, "医保状况", "医疗保险", "医保情况", "medical insurance"),
        F("zero_employment", BOOL, "是否零就业家庭", "零就业家庭", "zero employment"),
        F("primary_cause", TEXT, "主要致困原因", "致困原因", "primary cause"),
        F("secondary_cause", TEXT, "次要致困原因", "secondary cause"),
        F("bank_name", TEXT, "开户银行", "开户行", "bank"),
        F("bank_account", CODE, "卡号", "银行卡号", "银行账号", "账号", "bank account"),
        F("filed_by", TEXT, "建档人", "filed by"),
        F("reviewed_by", TEXT, "审核人", "reviewed by"),
        F("entered_by", TEXT, "录入人", "entered by"),
        F("notes", TEXT, "备注", "notes", "remarks"),
    ),
    required=("name", "id_number", "household_size"),
    error_fields={"entry_date": "registered_date"},
    distinctive=("category", "level", "monthly_income_per_capita_fen",
                 "own_monthly_income_fen", "household_annual_income_fen", "registered_date",
                 "last_review_date", "primary_cause", "secondary_cause", "hukou_area",
                 "zero_employment", "exit_date", "cancel_date"),
)

LEDGER = KindSpec(
    "ledger", ("帮扶台账", "assistance ledger"),
    (
        SEQ,
        F("name", TEXT, "姓名", "户主姓名", "困难职工姓名", "name"),
        F("id_number", ID, "身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证",
          "id number", "id no"),
        F("_category", IGNORE, "困难类别"),
        F("entry_date", DATE, "帮扶日期", "帮扶时间", "发放日期", "慰问日期", "日期", "date"),
        F("kind", CHOICE, "帮扶类型", "帮扶形式", "帮扶方式", "帮扶项目", "帮扶内容", "类型",
          "kind"),
        F("amount", AMOUNT, "金额", "帮扶金额", "慰问金额", "发放金额", "金额元", "amount"),
        F("funding_source", TEXT, "资金来源", "经费来源", "funding source", "funding"),
        F("handled_by", TEXT, "经办人", "handled by", "handler"),
        F("beneficiary", TEXT, "受助学生", "受助学生姓名", "学生姓名", "beneficiary", "student"),
        F("cover_year", INT, "保障年度", "参保年度", "cover year"),
        F("note", TEXT, "备注", "说明", "note", "notes", "remarks"),
    ),
    required=("id_number", "entry_date", "kind"),
    error_fields={"handler": "handled_by", "year": "cover_year"},
)

VISITS = KindSpec(
    "visits", ("企业走访日志", "visit diary"),
    (
        SEQ,
        F("visit_date", DATE, "走访日期", "走访时间", "日期", "visit date", "date"),
        F("enterprise_name", TEXT, "企业名称", "走访企业", "单位名称", "企业", "enterprise",
          "enterprise name", "company"),
        F("credit_code", CODE, "统一社会信用代码", "社会信用代码", "信用代码", "credit code"),
        F("kind", CHOICE, "走访类型", "走访类别", "走访方式", "visit kind", "kind"),
        F("visitors", TEXT, "走访人", "走访人员", "visitors", "visited by"),
        F("operating_status", CHOICE, "经营状况", "经营状态", "operating status"),
        F("flags", TEXT, "异常情况", "异常类型", "findings flags", "flags"),
        F("workers_involved", INT, "涉及职工人数", "涉及人数", "涉及职工", "workers involved"),
        F("workers_served", INT, "服务职工人数", "服务职工人次", "服务职工", "服务人次",
          "workers served"),
        F("findings", TEXT, "走访情况", "走访内容", "发现问题", "情况", "findings"),
        F("actions", TEXT, "处理措施", "措施", "处理情况", "actions"),
        F("follow_up_due", DATE, "跟进期限", "跟进日期", "整改期限", "follow-up due",
          "follow up due"),
    ),
    required=("visit_date", "enterprise_name"),
    error_fields={"enterprise": "enterprise_name"},
)

EVENTS = KindSpec(
    "events", ("活动登记", "events"),
    (
        SEQ,
        F("event_date", DATE, "活动日期", "活动时间", "日期", "event date", "date"),
        F("kind", CHOICE, "活动类型", "活动类别", "类型", "类别", "event kind", "kind"),
        F("title", TEXT, "活动名称", "活动主题", "主题", "标题", "名称", "title", "name"),
        F("place", TEXT, "活动地点", "地点", "place", "location", "venue"),
        F("person_times", INT, "服务人次", "参与人次", "参加人次", "人次", "参加人数",
          "参与人数", "person-times", "person times", "participants"),
        F("migrant_person_times", INT, "农民工人次", "其中农民工", "其中农民工人次",
          "外来务工人员人次", "migrant person-times", "migrant workers"),
        F("notes", TEXT, "备注", "说明", "notes", "remarks"),
    ),
    required=("event_date", "title"),
    error_fields={"location": "place"},
)

KINDS: dict[str, KindSpec] = {k.code: k for k in
                              (MEMBERS, ENTERPRISES, HARDSHIP, LEDGER, VISITS, EVENTS)}

# --- the district's own sheets (imported into the district database only, e.g. by
# `district-server import`): its visits to the stations (站点调研) and the stations.
# A station is named by its code or by its name (either column, or both).
_STATION_CODE = ("社区工联会编码", "工联会编码", "站点编码", "编码", "站点代码", "社区工联会代码",
                 "代码", "station code", "code")
_STATION_NAME = ("社区工联会", "社区工联会名称", "工联会名称", "工联会", "站点名称", "站点",
                 "名称", "station name", "station", "name")

STATION_VISITS = KindSpec(
    "station_visits", ("站点调研记录", "station visits"),
    (
        SEQ,
        F("visit_date", DATE, "走访日期", "调研日期", "走访时间", "调研时间", "日期",
          "visit date", "date"),
        F("station_code", TEXT, *_STATION_CODE),
        F("station_name", TEXT, "调研站点", "走访站点", "调研对象", *_STATION_NAME),
        F("kind", CHOICE, "走访类型", "走访类别", "调研类型", "visit kind", "kind"),
        F("visitors", TEXT, "走访人", "走访人员", "调研人", "调研人员", "visitors",
          "visited by"),
        F("findings", TEXT, "走访情况", "调研情况", "走访内容", "调研内容", "发现问题", "情况",
          "findings"),
        F("actions", TEXT, "处理措施", "整改措施", "措施", "处理情况", "actions"),
        F("follow_up_due", DATE, "跟进期限", "跟进日期", "整改期限", "follow-up due",
          "follow up due"),
    ),
    # (the station may be named by either column: the import checks that one is there)
    required=("visit_date", "visitors"),
    error_fields={"target": "station_name", "visit": "station_name"},
)

STATIONS = KindSpec(
    "stations", ("社区工联会名单", "stations"),
    (
        SEQ,
        F("station_code", TEXT, *_STATION_CODE),
        F("station_name", TEXT, *_STATION_NAME),
        F("street", TEXT, "办事处", "所属办事处", "街道办事处", "街道办", "街道", "所属街道",
          "street office", "street"),
        F("is_key", BOOL, "是否重点推进", "重点推进", "重点推进社区工联会", "是否重点", "重点",
          "key station", "key"),
    ),
    required=("station_code", "station_name"),
)

KINDS.update({k.code: k for k in (STATION_VISITS, STATIONS)})
# the kinds only a district database takes (a station's import refuses them)
DISTRICT_KINDS = frozenset((STATION_VISITS.code, STATIONS.code))
FIELD_LABELS.setdefault("is_key", ("是否重点推进", "Key station"))



# --------------------------------------------------------------------------- headers

_BRACKETED = re.compile(r"[(\[{<（【〔［《].*?[)\]}>）】〕］》]")
_MARKS = re.compile(r"[*＊※★☆:：?？!！、,，;；。.\s_\-/\\|]+")


def normalize_header(value: Any) -> str:
    """A header cell as compared: NFKC, lower case, no marks (*), no parenthesised notes
    ("金额（元）" -> "金额", "身份证号*" -> "身份证号", "联系电话\\n(手机)" -> "联系电话")."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).lower()
    stripped = _BRACKETED.sub("", text)
    if _MARKS.sub("", stripped):  # a header that is all brackets keeps its inside
        text = stripped
    return _MARKS.sub("", text)


def _synonym_tables(kind: KindSpec) -> tuple[dict[str, str], list[tuple[str, str]]]:
    exact: dict[str, str] = {}
    for f in kind.fields:
        for syn in (f.name, *f.synonyms):
            exact.setdefault(normalize_header(syn), f.name)
    # containment ("会员身份证号" holds "身份证号"): longest synonym first, 3+ characters
    # so that short generic words (日期, 人数, 名称) only ever match exactly
    contains = sorted(((s, f) for s, f in exact.items() if len(s) >= 3),
                      key=lambda sf: -len(sf[0]))
    return exact, contains


_TABLES = {code: _synonym_tables(kind) for code, kind in KINDS.items()}


def map_headers(cells: Sequence[Any], kind: KindSpec) -> dict[int, str]:
    """{column index: field} for one header row: exact synonyms first, then a header that
    contains a known synonym; each field at most once (the leftmost column wins)."""
    exact, contains = _TABLES[kind.code]
    norm = [normalize_header(c) for c in cells]
    mapping: dict[int, str] = {}
    used: set[str] = set()
    for col, h in enumerate(norm):
        f = exact.get(h) if h else None
        if f is not None and f not in used:
            mapping[col] = f
            used.add(f)
    for col, h in enumerate(norm):
        if not h or col in mapping:
            continue
        for syn, f in contains:
            if syn in h and f not in used:
                mapping[col] = f
                used.add(f)
                break
    return mapping


@dataclass(frozen=True)
class HeaderGuess:
    kind: KindSpec
    row: int  # 0-based index into the sheet's rows
    mapping: dict[int, str]
    score: int


def _score(mapping: Mapping[int, str], kind: KindSpec) -> int:
    return sum(1 for f in mapping.values() if kind.spec(f) and kind.spec(f).type != IGNORE)


HEADER_SCAN_ROWS = 20


def find_header(rows: Sequence[Sequence[Any]], kind: str | None = None,
                scan: int = HEADER_SCAN_ROWS) -> HeaderGuess | None:
    """The row (of the first ``scan``) that maps the most known headers, and its kind.

    Title rows (one merged cell), blank rows and notes above the header are passed over.
    With ``kind`` only that kind is tried; otherwise every kind, and the best wins (ties:
    the earlier row, then the order of ``KINDS``).
    """
    kinds = [KINDS[kind]] if kind else list(KINDS.values())
    best: HeaderGuess | None = None
    for i, row in enumerate(rows[:scan]):
        if sum(1 for c in row if normalize_header(c)) < 2:
            continue
        for k in kinds:
            mapping = map_headers(row, k)
            if not all(r in mapping.values() for r in k.required):
                continue
            if kind is None and k.distinctive and not any(
                    f in mapping.values() for f in k.distinctive):
                continue
            score = _score(mapping, k)
            if best is None or score > best.score:
                best = HeaderGuess(k, i, mapping, score)
    return best
