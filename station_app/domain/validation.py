"""Checking and normalising what people type (or import from spreadsheets).

Every parser here takes a raw value, cleans it up and either returns the clean value or
raises :class:`ValidationError` carrying one or more :class:`FieldError` objects.  A
``FieldError`` holds a message *id* (a key of :data:`MESSAGES`) plus parameters, so the
same error can be shown in Chinese or English and tested without comparing prose.

Conventions:

* Parsers accept ``field=`` so the error names the form field it came from.
* Messages say what is wrong *and* what would be right.
* Nothing here imports Qt or SQLAlchemy; only the standard library and python-stdnum.
* Warnings (for example an identity-card area code this program does not know) never
  raise; they travel on the returned value or in :class:`ErrorCollector.warnings`.
"""

from __future__ import annotations

import contextvars
import functools
import operator
import re
import string
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

__all__ = [
    "MESSAGES",
    "FIELD_LABELS",
    "Localized",
    "FieldError",
    "ValidationError",
    "ErrorCollector",
    "register_messages",
    "field_label",
    "normalize_text",
    "IdNumber",
    "id_check_char",
    "parse_id_number",
    "credit_code_check_char",
    "parse_credit_code",
    "parse_phone",
    "parse_name",
    "parse_text",
    "parse_amount_fen",
    "format_fen",
    "parse_date",
    "excel_serial_to_date",
    "parse_int",
    "parse_bool",
    "mask_id_number",
    "parse_choice",
    "CREDIT_CODE_ALPHABET",
    "PROVINCE_CODES",
]


# --------------------------------------------------------------------------------------
# Message catalogue
# --------------------------------------------------------------------------------------

#: code -> (zh_CN text, en text).  Texts are ``str.format`` templates over the error's
#: params.  Both texts of one code must use the same placeholders (the tests check this).
MESSAGES: dict[str, tuple[str, str]] = {
    # generic, for callers that build their own errors with ErrorCollector.add
    "field.required": ("此项必填", "this field is required"),
    # resident identity card number (GB 11643-1999)
    "id.required": (
        "请填写身份证号码（18 位，最后一位可以是 X）",
        "enter the ID card number (18 characters, the last may be X)",
    ),
    "id.length": (
        "身份证号码应为 18 位（旧证 15 位），这里是 {length} 位",
        "an ID card number has 18 characters (15 on old cards), this one has {length}",
    ),
    "id.chars": (
        "第 {position} 位“{char}”不允许：身份证号码前 17 位只能是数字，最后一位是数字或 X",
        "character {position} (“{char}”) is not allowed: the first 17 characters of an ID "
        "card number are digits and the last is a digit or X",
    ),
    "id.birth_invalid": (
        "出生日期部分（第 7–14 位）“{value}”不是真实的日期，应为 YYYYMMDD 形式的实际日期",
        "the birth date part (characters 7-14) “{value}” is not a real date; it should be "
        "an actual date written YYYYMMDD",
    ),
    "id.birth_future": (
        "出生日期部分（第 7–14 位）为 {birth_date}，晚于今天（{today}），应为今天或以前的日期",
        "the birth date part (characters 7-14) is {birth_date}, after today ({today}); it "
        "should be today or earlier",
    ),
    "id.birth_too_old": (
        "出生日期部分（第 7–14 位）为 {birth_date}，早于 1900-01-01，应为 1900 年以后的日期",
        "the birth date part (characters 7-14) is {birth_date}, before 1900-01-01; it "
        "should be 1900 or later",
    ),
    # Never which character would pass: a typo in the first 17 characters changes the
    # check character, so "fixing" the last one would store a wrong number.
    "id.checksum": (
        "校验位（第 18 位“{found}”）与前 17 位对不上：号码中某一位可能抄错了，请对照身份证逐位核对整个号码",
        "the check character (character 18, “{found}”) does not match the first 17: a "
        "character of the number was probably mistyped; check the whole number against "
        "the card",
    ),
    "id.area_unknown": (
        "地区码（前 6 位）{code} 不在已知的行政区划代码中，请核对",
        "the area code (first 6 digits) {code} is not a known administrative division "
        "code; please check it",
    ),
    "id.area_retired": (
        "地区码 {code}（{name}）在 {year} 年以后已停用，而号码的出生年份是 {birth_year}：出生时已不可能用这个"
        "地区码，请对照身份证核对号码",
        "area code {code} ({name}) was retired after {year}, but the number's year of birth "
        "is {birth_year}: nobody born then got this code; check the number against the card",
    ),
    # unified social credit code (GB 32100-2015)
    "credit.required": (
        "请填写统一社会信用代码（18 位）",
        "enter the unified social credit code (18 characters)",
    ),
    "credit.length": (
        "统一社会信用代码应为 18 位，这里是 {length} 位",
        "a unified social credit code has 18 characters, this one has {length}",
    ),
    "credit.chars": (
        "第 {position} 位“{char}”不允许：统一社会信用代码只用数字和大写字母，不用 I、O、S、V、Z",
        "character {position} (“{char}”) is not allowed: a unified social credit code uses "
        "digits and capital letters except I, O, S, V and Z",
    ),
    "credit.checksum": (
        "校验码（第 18 位“{found}”）与前 17 位对不上：代码中某一位可能抄错了，请对照营业执照逐位核对整个代码",
        "the check character (character 18, “{found}”) does not match the first 17: a "
        "character of the code was probably mistyped; check the whole code against the "
        "business licence",
    ),
    # phone numbers
    "phone.required": (
        "请填写电话号码",
        "enter a phone number",
    ),
    "phone.invalid": (
        "“{value}”不是有效的电话号码：应为以 13–19 开头的 11 位手机号，或 0755-12345678 这样的固话",
        "“{value}” is not a valid phone number: use an 11-digit mobile starting 13-19 or "
        "a landline like 0755-12345678",
    ),
    # names
    "name.required": ("请填写姓名", "enter a name"),
    "name.too_long": (
        "姓名太长：最多 {max_len} 个字，这里有 {length} 个",
        "the name is too long: at most {max_len} characters, this one has {length}",
    ),
    "name.chars": (
        "姓名中不能有“{char}”：只能用汉字、字母、空格、间隔号（·）、连字符和撇号",
        "a name cannot contain “{char}”: use Chinese characters, letters, spaces, the "
        "middle dot (·), hyphens and apostrophes",
    ),
    # free text
    "text.required": ("此项必填，请填写内容", "this field is required; enter some text"),
    "text.too_long": (
        "内容太长：最多 {max_len} 个字，这里有 {length} 个",
        "the text is too long: at most {max_len} characters, this one has {length}",
    ),
    # money
    "amount.required": ("请填写金额（元）", "enter an amount (in yuan)"),
    "amount.invalid": (
        "“{value}”不是金额：请填写数字，例如 1234.50 或 ￥200",
        "“{value}” is not an amount: enter a number such as 1234.50 or ¥200",
    ),
    "amount.precision": (
        "金额“{value}”精确到分即可：最多两位小数",
        "the amount “{value}” has too many decimals: use at most two (fen)",
    ),
    "amount.negative": (
        "金额不能为负数（{value}），请填写 0 或以上",
        "the amount cannot be negative ({value}); enter 0 or more",
    ),
    "amount.zero": (
        "金额不能为 0，请填写大于 0 的金额",
        "the amount cannot be 0; enter an amount above 0",
    ),
    "amount.too_large": (
        "金额 {value} 元过大：最多 {max_yuan} 元，请核对是否多输了位数",
        "the amount {value} yuan is too large: at most {max_yuan} yuan; check for extra digits",
    ),
    # dates
    "date.required": ("请填写日期", "enter a date"),
    "date.invalid": (
        "无法识别日期“{value}”：请写成 2023-05-03、2023/5/3、2023.5.3、2023年5月3日 或 20230503",
        "cannot read the date “{value}”: write it as 2023-05-03, 2023/5/3, 2023.5.3, "
        "2023年5月3日 or 20230503",
    ),
    "date.not_real": (
        "“{value}”不是真实存在的日期，请核对月份和日",
        "“{value}” is not a real calendar date; check the month and day",
    ),
    "date.future": (
        "日期 {value} 晚于今天（{today}），应为今天或以前",
        "the date {value} is after today ({today}); it should be today or earlier",
    ),
    "date.too_old": (
        "日期 {value} 太早，应在 {min_year} 年或以后",
        "the date {value} is too early; it should be in {min_year} or later",
    ),
    # whole numbers
    "int.required": ("请填写数字", "enter a number"),
    "int.invalid": (
        "“{value}”不是整数，请填写不带小数的数字",
        "“{value}” is not a whole number; enter a number without decimals",
    ),
    "int.range": (
        "{value} 超出范围：{bounds}",
        "{value} is out of range: {bounds}",
    ),
    # yes / no
    "bool.invalid": (
        "“{value}”无法理解为是或否：请填写 是/否、√/×、Y/N 或 1/0",
        "cannot read “{value}” as yes or no: use yes/no, Y/N, 1/0, 是/否 or √/×",
    ),
    # one of a list
    "choice.required": (
        "请选择一项：{choices}",
        "choose one of: {choices}",
    ),
    "choice.invalid": (
        "“{value}”不是可选项，应为以下之一：{choices}",
        "“{value}” is not one of the options; use one of: {choices}",
    ),
}
#: The codes defined here; other modules add theirs with ``register_messages``.
CORE_MESSAGE_CODES = frozenset(MESSAGES)


def register_messages(messages: Mapping[str, tuple[str, str]]) -> None:
    """Add message codes from another module.

    Re-registering a code with identical texts is harmless; changing an existing code's
    texts is an error, so two modules cannot silently fight over one id.
    """
    for code, texts in messages.items():
        if len(texts) != 2 or not all(isinstance(t, str) and t for t in texts):
            raise ValueError(f"message {code!r} needs a (zh, en) pair of non-empty texts")
        old = MESSAGES.get(code)
        if old is not None and tuple(old) != tuple(texts):
            raise ValueError(f"message code {code!r} is already registered with other texts")
        MESSAGES[code] = (texts[0], texts[1])


#: field name -> (zh label, en label), used by ValidationError.messages().
# a record of each table as people name it (zh, en): the dashboard's recent activity, the
# to-do list, the audit log page
TABLE_NOUNS: dict[str, tuple[str, str]] = {
    "members": ("会员", "member"), "enterprises": ("企业", "enterprise"),
    "watch_list_entries": ("重点监管记录", "watch-list entry"),
    "hardship_cases": ("困难职工档案", "hardship file"),
    "household_members": ("家庭成员", "household member"),
    "ledger_entries": ("帮扶记录", "ledger entry"), "visits": ("走访记录", "visit"),
    "events": ("活动", "event"), "event_members": ("活动参加人", "event attendance"),
    "signoffs": ("审核签署", "sign-off"), "signed_reports": ("签署的工作报告", "signed report"),
    "case_upper_signoffs": ("上级工会审核意见", "upper union's sign-off"),
    "stations": ("站点", "station"), "targets": ("年度目标", "target"),
    "users": ("用户", "user"), "local_state": ("本机设置", "local settings"),
    "export_records": ("导出记录", "export record"),
}

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "name": ("姓名", "Name"),
    "id_number": ("身份证号码", "ID card number"),
    "credit_code": ("统一社会信用代码", "Unified social credit code"),
    "phone": ("电话", "Phone"),
    "mobile": ("手机号码", "Mobile phone"),
    "contact_phone": ("联系电话", "Contact phone"),
    "contact_person": ("联系人", "Contact person"),
    "email": ("电子邮箱", "Email"),
    "address": ("地址", "Address"),
    "amount": ("金额", "Amount"),
    "date": ("日期", "Date"),
    "birth_date": ("出生日期", "Date of birth"),
    "gender": ("性别", "Gender"),
    "ethnicity": ("民族", "Ethnicity"),
    "education": ("文化程度", "Education"),
    "political_status": ("政治面貌", "Political status"),
    "hukou": ("户籍", "Household registration"),
    "employer": ("工作单位", "Employer"),
    "position": ("职务", "Position"),
    "occupation": ("职业", "Occupation"),
    "join_date": ("入会日期", "Date joined"),
    "leave_date": ("离会日期", "Date left"),
    "member_no": ("会员编号", "Member number"),
    "card_no": ("会员卡号", "Membership card number"),
    "status": ("状态", "Status"),
    "status_date": ("状态日期", "Status date"),
    "category": ("类别", "Category"),
    "level": ("级别", "Level"),
    "household_size": ("家庭人口", "Household size"),
    "kind": ("类型", "Kind"),
    "title": ("标题", "Title"),
    "content": ("内容", "Content"),
    "description": ("说明", "Description"),
    "note": ("备注", "Note"),
    "notes": ("备注", "Notes"),
    "location": ("地点", "Location"),
    "organizer": ("组织者", "Organizer"),
    "event_date": ("活动日期", "Event date"),
    "start_date": ("开始日期", "Start date"),
    "end_date": ("结束日期", "End date"),
    "visit_date": ("走访日期", "Visit date"),
    "visitors": ("走访人员", "Visitors"),
    "workers_served": ("服务职工数", "Workers served"),
    "participants": ("参加人数", "Participants"),
    "person_times": ("服务人次", "Person-times"),
    "migrant_person_times": ("服务外来务工人员人次", "Migrant-worker person-times"),
    "target": ("目标", "Target"),
    "enterprise": ("企业", "Enterprise"),
    "enterprise_name": ("企业名称", "Enterprise name"),
    "legal_representative": ("法定代表人", "Legal representative"),
    "employee_count": ("职工人数", "Number of employees"),
    "industry": ("行业", "Industry"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "role": ("角色", "Role"),
    "station_code": ("站点编码", "Station code"),
    "station_name": ("站点名称", "Station name"),
    "district": ("区", "District"),
    "street": ("街道", "Sub-district"),
    "community": ("社区", "Community"),
    "year": ("年度", "Year"),
    "month": ("月份", "Month"),
    "quarter": ("季度", "Quarter"),
    "metric": ("指标", "Metric"),
    "value": ("数值", "Value"),
    "reason": ("原因", "Reason"),
    "exit_date": ("脱困日期", "Exit date"),
    "exit_reason": ("脱困原因", "Exit reason"),
    "cancel_date": ("注销日期", "Cancellation date"),
    "cancel_reason": ("注销原因", "Cancellation reason"),
    "entry_date": ("登记日期", "Entry date"),
    "case": ("个案", "Case"),
    "case_no": ("案件编号", "Case number"),
    "member": ("会员", "Member"),
    "handler": ("经办人", "Handled by"),
    "result": ("处理结果", "Outcome"),
    "payment_date": ("发放日期", "Payment date"),
    "payee": ("收款人", "Payee"),
    "bank_account": ("银行账号", "Bank account"),
    "age": ("年龄", "Age"),
    "count": ("数量", "Count"),
    "file": ("文件", "File"),
    "row": ("行", "Row"),
}

# More fields the services, the import and the sync review name (kept beside the
# others, so every message and every conflict names its field in the user's language)
_MORE_LABELS = {
    "employer_name": ("工作单位", "Employer"),
    "migrant_worker": ("是否农民工", "Migrant worker"),
    "union_established": ("是否建会", "Union established"),
    "union_chair": ("工会主席", "Union chair"),
    "contact_person": ("联系人", "Contact person"),
    "monthly_income_per_capita_fen": ("人均收入", "Income per capita"),
    "own_monthly_income_fen": ("本人月收入", "Own monthly income"),
    "household_annual_income_fen": ("家庭年总收入", "Household annual income"),
    "registered_date": ("建档日期", "Date registered"),
    "last_review_date": ("年审日期", "Last review"),
    "health": ("健康状况", "Health"),
    "disability_category": ("残疾类别", "Disability"),
    "model_worker_type": ("劳模类型", "Model-worker type"),
    "housing_type": ("住房类型", "Housing"),
    "employer_nature": ("单位性质", "Employer type"),
    "enterprise_status": ("企业状况", "Enterprise status"),
    "single_parent": ("是否单亲", "Single parent"),
    "hukou_area": ("户口所在地", "Household registration area"),
    "medical_insurance": ("医保状况", "Medical insurance"),
    "zero_employment": ("是否零就业家庭", "Zero-employment household"),
    "primary_cause": ("主要致困原因", "Main cause"),
    "secondary_cause": ("次要致困原因", "Secondary cause"),
    "bank_name": ("开户银行", "Bank"),
    "filed_by": ("建档人", "Filed by"),
    "reviewed_by": ("审核人", "Reviewed by"),
    "entered_by": ("录入人", "Entered by"),
    "funding_source": ("资金来源", "Funding source"),
    "handled_by": ("经办人", "Handled by"),
    "beneficiary": ("受助学生", "Student"),
    "cover_year": ("保障年度", "Cover year"),
    "place": ("地点", "Place"),
    "operating_status": ("经营状况", "Operating status"),
    "flags": ("异常情况", "Abnormal findings"),
    "workers_involved": ("涉及职工人数", "Workers involved"),
    "findings": ("走访情况", "Findings"),
    "actions": ("处理措施", "Actions"),
    "follow_up_due": ("跟进期限", "Follow-up due"),
    "headcount": ("职工人数", "Number of employees"),
    "left_date": ("退会日期", "Date left"),
    "deceased_date": ("去世日期", "Date of death"),
    "transferred_date": ("转出日期", "Date transferred"),
    "_seq": ("序号", "No."),
}
for _k, _v in _MORE_LABELS.items():
    FIELD_LABELS.setdefault(_k, _v)
FIELD_LABELS.setdefault("area_station_id", ("所属站点", "Station area"))


def _lang_index(lang: str | None) -> int:
    """0 for Chinese (the default), 1 for English ("en", "en_US", "en-GB", ...)."""
    return 1 if lang and lang.lower().startswith("en") else 0


def field_label(field_name: str, lang: str = "zh") -> str:
    """The display label of a field; falls back to the last dotted part, then the name."""
    labels = FIELD_LABELS.get(field_name)
    if labels is None and "." in field_name:
        labels = FIELD_LABELS.get(field_name.rsplit(".", 1)[1])
    if labels is None:
        return field_name
    return labels[_lang_index(lang)]


class Localized(NamedTuple):
    """A message parameter whose text differs by language (for example a list of labels)."""

    zh: str
    en: str

    def __str__(self) -> str:  # when formatted without a language, Chinese wins
        return self.zh


class _Params(dict):
    """Format mapping: resolves Localized values, keeps unknown placeholders visible."""

    def __init__(self, params: Mapping[str, Any], idx: int):
        super().__init__(params)
        self._idx = idx

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        if isinstance(value, Localized):
            return value[self._idx]
        return value

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class FieldError:
    """One problem with one field, as a message id plus parameters.

    ``params`` takes part in equality but not in the hash, so errors stay hashable even
    though the params are a dict (equal errors still hash equal).
    """

    field: str
    code: str
    params: dict = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        # own copy: the caller's dict can change afterwards without touching the error
        object.__setattr__(self, "params", dict(self.params))

    def message(self, lang: str = "zh") -> str:
        idx = _lang_index(lang)
        texts = MESSAGES.get(self.code)
        if texts is None:  # unknown code: still show something useful instead of crashing
            detail = ", ".join(f"{k}={v}" for k, v in self.params.items())
            return f"{self.code} ({detail})" if detail else self.code
        try:
            return texts[idx].format_map(_Params(self.params, idx))
        except (ValueError, IndexError, AttributeError):  # malformed template or spec
            return texts[idx]


class ValidationError(ValueError):
    """One or more field errors, raised together."""

    def __init__(self, errors: Iterable[FieldError] | FieldError):
        if isinstance(errors, FieldError):
            errors = [errors]
        self.errors: list[FieldError] = list(errors)
        super().__init__(self.errors)

    def messages(self, lang: str = "zh") -> list[str]:
        sep = ": " if _lang_index(lang) else "："
        return [f"{field_label(e.field, lang)}{sep}{e.message(lang)}" for e in self.errors]

    def by_field(self) -> dict[str, list[FieldError]]:
        out: dict[str, list[FieldError]] = {}
        for e in self.errors:
            out.setdefault(e.field, []).append(e)
        return out

    @property
    def codes(self) -> list[str]:
        return [e.code for e in self.errors]

    def __str__(self) -> str:
        return "; ".join(self.messages("zh"))

    def __reduce__(self):  # keep pickling (e.g. across processes) working
        return (type(self), (self.errors,))


def _fail(field_name: str, code: str, **params: Any) -> ValidationError:
    return ValidationError([FieldError(field_name, code, params)])


# results that never carry warnings (ErrorCollector.check skips looking for them)
_PLAIN_RESULTS = frozenset({str, int, bool, float, date, datetime, Decimal})


class ErrorCollector:
    """Gather several field errors, then raise one ValidationError.

    >>> c = ErrorCollector()
    >>> name = c.check("name", parse_name, raw_name)
    >>> born = c.check("birth_date", parse_date, raw_date, not_future=True)
    >>> c.raise_if_any()
    """

    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.warnings: list[FieldError] = []

    def check(self, field: str, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Call ``fn``; on ValidationError record its errors under ``field`` and return None.

        If the result carries ``warnings`` (like :class:`IdNumber`) they are recorded
        under ``field`` too.
        """
        try:
            result = fn(*args, **kwargs)
        except ValidationError as exc:
            self.errors.extend(replace(e, field=field) for e in exc.errors)
            return None
        if result is None or result.__class__ in _PLAIN_RESULTS:
            return result
        warnings = getattr(result, "warnings", None)
        if isinstance(warnings, tuple | list):
            self.warnings.extend(
                w if w.field == field else replace(w, field=field)  # (replace is slow)
                for w in warnings if isinstance(w, FieldError)
            )
        return result

    def add(self, field: str, code: str, **params: Any) -> None:
        self.errors.append(FieldError(field, code, params))

    def warn(self, field: str, code: str, **params: Any) -> None:
        self.warnings.append(FieldError(field, code, params))

    def extend(self, errors: Iterable[FieldError]) -> None:
        self.errors.extend(errors)

    @property
    def ok(self) -> bool:
        return not self.errors

    def __bool__(self) -> bool:  # truthy when there is something to report
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(list(self.errors))


# --------------------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------------------

_WIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE[0x3000] = 0x20  # ideographic space
_WIDTH_TABLE[0x00A0] = 0x20  # no-break space


# the characters _WIDTH_TABLE changes: most text has none, and translate() is the slow part
_NEEDS_WIDTH = re.compile("[\uff01-\uff5e\u3000\u00a0]")
# Free text (findings, notes, reasons) keeps Chinese punctuation as the clerk wrote it —
# "子女就业，家庭收入好转" stays so, "（补录）" too: only full-width letters, digits and
# spaces become half-width there
_FREE_WIDTH_TABLE = {cp: to for cp, to in _WIDTH_TABLE.items()
                     if chr(to).isalnum() or to == 0x20}
_FREE_NEEDS_WIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000\u00a0]")


# --------------------------------------------------------------------------------------
# Today
# --------------------------------------------------------------------------------------

# Inside ``any_timezone_today()``: "not in the future" is judged by the latest calendar
# date anywhere on Earth (UTC+14), not this computer's — the district checks rows stations
# made on their own dates, and a server running on UTC is a day behind a station in the
# morning.
_LATEST_DATE: contextvars.ContextVar[date | None] = contextvars.ContextVar(
    "latest_date", default=None)
_LATEST_ZONE = timezone(timedelta(hours=14))


def current_date() -> date:
    """Today, for "not in the future" (see ``any_timezone_today``)."""
    return _LATEST_DATE.get() or date.today()


@contextmanager
def any_timezone_today():
    """Within this block, today is the latest date anywhere as the block begins (the
    district's checks of what stations made)."""
    token = _LATEST_DATE.set(datetime.now(_LATEST_ZONE).date())
    try:
        yield
    finally:
        _LATEST_DATE.reset(token)


def is_blank(value: Any) -> bool:
    """Nothing typed: None, or only white space (full-width included)."""
    if value is None:
        return True
    text = value if isinstance(value, str) else str(value)
    # the width table maps white space to a space and everything else to non-space, so
    # "normalises to nothing" is "empty or all white space"
    return not text or text.isspace()


def normalize_text(value: Any) -> str:
    """Half-width ASCII, single inner spaces, no outer whitespace.  None -> ""."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text.isascii() and _NEEDS_WIDTH.search(text) is not None:
        text = text.translate(_WIDTH_TABLE)
    # str.split() with no argument splits on every Unicode whitespace run and drops the
    # ends, which is exactly "strip and collapse".
    return " ".join(text.split())


def normalize_free_text(value: Any) -> str:
    """As ``normalize_text``, but Chinese (full-width) punctuation is kept: free text is
    stored as it was written."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text.isascii() and _FREE_NEEDS_WIDTH.search(text) is not None:
        text = text.translate(_FREE_WIDTH_TABLE)
    return " ".join(text.split())


# --------------------------------------------------------------------------------------
# Resident identity card number (GB 11643-1999)
# --------------------------------------------------------------------------------------

#: Province-level codes (GB/T 2260 first two digits); 83 is Taiwan residents' permits.
PROVINCE_CODES: frozenset[str] = frozenset(
    [str(c) for c in range(11, 16)]
    + [str(c) for c in range(21, 24)]
    + [str(c) for c in range(31, 38)]
    + [str(c) for c in range(41, 47)]
    + [str(c) for c in range(50, 55)]
    + [str(c) for c in range(61, 66)]
    + ["71", "81", "82", "83"]
)
# Residence permits for Hong Kong, Macao and Taiwan residents (issued since 2018) use
# these fixed area codes; their creation year in the division table says nothing.
_PERMIT_AREAS = frozenset({"710000", "810000", "820000", "830000"})

_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_WEIGHTS_48 = 48 * sum(_ID_WEIGHTS)
_ID_CHECK = "10X98765432"
_ID_STRIP = str.maketrans("", "", " -\u2010\u2011\u2012\u2013\u2014")
_DIGITS = frozenset("0123456789")


class _Area(NamedTuple):
    first_year: int | None  # None: no start recorded (existed before the data begins)
    last_year: int | None  # None: still in use
    first_name: str
    last_name: str


@dataclass(frozen=True, slots=True)
class IdNumber:
    number: str
    birth_date: date
    gender: str
    area_code: str
    upgraded_from_15: bool
    warnings: tuple[FieldError, ...] = ()

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


def id_check_char(first17: str) -> str:
    """GB 11643-1999 (ISO 7064 MOD 11-2) check character for the first 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("need exactly 17 ASCII digits")
    # the bytes are the digits' codes (48 + digit): sum in C, then take the 48s away
    total = sum(map(operator.mul, _ID_WEIGHTS, first17.encode("ascii"))) - _ID_WEIGHTS_48
    return _ID_CHECK[total % 11]


_LOC_ENTRY = re.compile(r"^(?:\[([0-9]*)-([0-9]*)\])?(.*)$")


def _parse_county(value: str) -> _Area:
    firsts: list[int | None] = []
    lasts: list[int | None] = []
    names: list[str] = []
    for part in value.split(","):
        m = _LOC_ENTRY.match(part.strip())
        assert m is not None  # the pattern matches any string
        start, end, name = m.groups()
        firsts.append(int(start) if start else None)
        lasts.append(int(end) if end else None)
        names.append(name)
    first = None if None in firsts else min(y for y in firsts if y is not None)
    last = None if None in lasts else max(y for y in lasts if y is not None)
    return _Area(first, last, names[0], names[-1])


class _AreaTable:
    """6-digit area code -> ``_Area`` over the text of ``cn/loc.dat``. An import of ten
    rows asks for a few codes of the ~7,000: each is found in the text (its province's
    line, then the county's line in that province's block); the whole file is scanned
    once only when a code is not found that way, or after many look-ups. A county's
    years are parsed when its code is first asked for."""

    SCAN_AFTER = 64

    def __init__(self, text: str):
        self._text = "\n" + text
        self._all: dict[str, str] | None = None
        self._lookups = 0
        self._parsed: dict[str, _Area | None] = {}

    def _scan(self) -> dict[str, str]:
        if self._all is None:
            self._all = _scan_areas(self._text)
        return self._all

    def _find(self, code: str) -> str | None:
        """The county value of a code found the quick way (a two-level file: the
        province's line at the margin, the county's four digits indented two), else
        None — the code is then looked up in the scanned file."""
        text = self._text
        at = text.find(f"\n{code[:2]} ")
        if at < 0:
            return None
        end = at + 1
        while True:  # the province's block ends at the next line at the margin
            end = text.find("\n", end + 1)
            if end < 0 or (end + 1 < len(text) and not text[end + 1].isspace()):
                break
        block = text[at:end] if end >= 0 else text[at:]
        line_at = block.find(f"\n  {code[2:]} ")
        if line_at < 0:
            return None
        line_end = block.find("\n", line_at + 1)
        props = block[line_at + 8:line_end if line_end >= 0 else len(block)]
        key = props.find('county="')
        if key < 0 or (key > 0 and not props[key - 1].isspace()):
            return None
        start = key + len('county="')
        return props[start:props.index('"', start)]

    def _value(self, code: str) -> str | None:
        if self._all is None and self._lookups < self.SCAN_AFTER:
            self._lookups += 1
            found = self._find(code)
            if found is not None:
                return found
        return self._scan().get(code)

    def __bool__(self) -> bool:  # without scanning: is there a file at all?
        return len(self._text) > 1

    def __len__(self) -> int:
        return len(self._scan())

    def get(self, code: str) -> _Area | None:
        if code not in self._parsed:
            value = self._value(code)
            self._parsed[code] = None if value is None else _parse_county(value)
        return self._parsed[code]

    def __getitem__(self, code: str) -> _Area:
        area = self.get(code)
        if area is None:
            raise KeyError(code)
        return area


def _stdnum_data(name: str) -> str | None:
    """A data file of python-stdnum, read without importing the package (its
    ``__init__`` costs more than reading the file)."""
    try:
        from importlib.util import find_spec

        spec = find_spec("stdnum")
        for folder in (spec.submodule_search_locations or []) if spec else []:
            path = Path(folder, name)
            if path.is_file():
                return path.read_text(encoding="utf-8")
        from importlib.resources import files

        return files("stdnum").joinpath(name).read_text(encoding="utf-8")
    except Exception:
        return None


@functools.cache
def _area_table() -> _AreaTable:
    """6-digit area code -> validity years, from python-stdnum's ``cn/loc.dat``.

    stdnum stores the GB/T 2260 codes (taken from Wikipedia) as a two-level prefix file:
    a province line (``11 province="北京市"``) followed by indented 4-digit suffixes
    with ``county="..."``.  A county value may carry its years of use, e.g.
    ``[-2010]崇文区`` or ``[1982-1999]昌平县,[2000-]...`` (inclusive years).  Returns an
    empty table when the data cannot be read; callers then skip the 6-digit checks.
    The file is read as text; codes are looked up in it (``_AreaTable``).
    """
    raw = _stdnum_data("cn/loc.dat")
    if raw is None:  # stdnum missing or packaged differently: no area checks
        return _AreaTable("")
    return _AreaTable(raw)


def _scan_areas(raw: str) -> dict[str, str]:
    """Every 6-digit code of ``loc.dat`` -> its county value (unparsed), with plain string
    operations over the prefix file's lines."""
    table: dict[str, str] = {}
    stack: list[tuple[int, str]] = []  # (indent, prefix so far)
    for line in raw.splitlines():
        body = line.lstrip()
        if not body or body[0] == "#":
            continue
        indent = len(line) - len(body)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else ""
        token, _, props = body.partition(" ")
        if "-" in token:  # numdb allows ranges; loc.dat does not use them today
            low, high = token.split("-", 1)
            prefixes = [str(n).zfill(len(low)) for n in range(int(low), int(high) + 1)]
        else:
            prefixes = [token]
        at = props.find('county="')
        if at >= 0 and (at == 0 or props[at - 1].isspace()):
            start = at + len('county="')
            county = props[start:props.index('"', start)]
            for p in prefixes:
                if len(parent) + len(p) == 6:
                    table[parent + p] = county
        stack.append((indent, parent + prefixes[0]))
    return table


@functools.lru_cache(maxsize=8192)  # a roster repeats a few areas and birth years: an import asks 100,000 times
def _area_warnings(area: str, birth_year: int, field_name: str) -> tuple[FieldError, ...]:
    if area[0] == "9":
        # Foreigners' permanent residence cards (2023 format): "9", the issuing
        # province's two digits, then a nationality code; nothing more to look up.
        if area[1:3] in PROVINCE_CODES:
            return ()
        return (FieldError(field_name, "id.area_unknown", {"code": area}),)
    if area[:2] not in PROVINCE_CODES:
        return (FieldError(field_name, "id.area_unknown", {"code": area}),)
    if area in _PERMIT_AREAS:
        return ()
    table = _area_table()
    if not table:
        return ()
    info = table.get(area)
    if info is None:
        return (FieldError(field_name, "id.area_unknown", {"code": area}),)
    # A code created after the holder was born is held legitimately (a number is given
    # where a person is registered, and 440307 龙岗, 310115 浦东, 510104 锦江 hold people
    # born long before them); so is a retired one by people born while it was in use.
    # Only a code retired before the holder was born cannot be right.
    if info.last_year is not None and birth_year > info.last_year:
        return (FieldError(field_name, "id.area_retired", {
            "code": area, "name": info.last_name, "year": info.last_year,
            "birth_year": birth_year}),)
    return ()


def _bad_char_position(text: str, allowed: Callable[[int, str], bool]) -> tuple[int, str]:
    for i, ch in enumerate(text):
        if not allowed(i, ch):
            return i + 1, _show_char(ch)
    return 0, ""  # pragma: no cover - only called when something is wrong


def _show_char(ch: str) -> str:
    if ch.isprintable() and not ch.isspace():
        return ch
    return f"U+{ord(ch):04X}"


def parse_id_number(value: Any, *, field: str = "id_number", today: date | None = None) -> IdNumber:
    """Check a resident identity card number and read birth date, gender and area.

    Accepts 18-character numbers and old 15-digit ones (upgraded to 18).  Spaces,
    hyphens and full-width digits are tolerated and a lower-case x is accepted.
    """
    s = normalize_text(value).translate(_ID_STRIP).upper()
    if not s:
        raise _fail(field, "id.required")
    n = len(s)
    if n == 18:
        if not (s[:17].isdigit() and s.isascii() and (s[17] in _DIGITS or s[17] == "X")):
            pos, ch = _bad_char_position(s, lambda i, c: c in _DIGITS or (i == 17 and c == "X"))
            raise _fail(field, "id.chars", position=pos, char=ch)
        number17 = s[:17]
        found = s[17]
        upgraded = False
    elif n == 15:
        if not (s.isdigit() and s.isascii()):
            pos, ch = _bad_char_position(s, lambda i, c: c in _DIGITS)
            raise _fail(field, "id.chars", position=pos, char=ch)
        number17 = s[:6] + "19" + s[6:]
        found = None
        upgraded = True
    else:
        raise _fail(field, "id.length", length=n)

    year = int(number17[6:10])
    try:
        born = date(year, int(number17[10:12]), int(number17[12:14]))
    except ValueError:
        raise _fail(field, "id.birth_invalid", value=number17[6:14]) from None
    if year < 1900:
        raise _fail(field, "id.birth_too_old", birth_date=born.isoformat())
    if today is None:
        today = current_date()
    if born > today:
        raise _fail(field, "id.birth_future", birth_date=born.isoformat(), today=today.isoformat())

    expected = id_check_char(number17)
    if found is not None and found != expected:
        raise _fail(field, "id.checksum", found=found)

    area = number17[:6]
    return IdNumber(
        number=number17 + expected,
        birth_date=born,
        gender="M" if (ord(number17[16]) - 48) % 2 else "F",
        area_code=area,
        upgraded_from_15=upgraded,
        warnings=_area_warnings(area, year, field),
    )


def mask_id_number(number: str) -> str:
    """An ID number as lists, prints and a clerk's exports show it: the first 6 characters
    (the area) and the last 4, the birth date and sequence hidden (``440305********1234``);
    a short or odd value (10 characters or fewer) wholly masked."""
    s = normalize_text(number).replace(" ", "")
    if len(s) <= 10:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


# --------------------------------------------------------------------------------------
# Unified social credit code (GB 32100-2015)
# --------------------------------------------------------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_INDEX = {ch: i for i, ch in enumerate(CREDIT_CODE_ALPHABET)}
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def credit_code_check_char(first17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters of a credit code."""
    if len(first17) != 17:
        raise ValueError("need exactly 17 characters")
    try:
        total = sum(w * _CREDIT_INDEX[ch] for w, ch in zip(_CREDIT_WEIGHTS, first17, strict=True))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not used in credit codes") from None
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(value: Any, *, field: str = "credit_code") -> str:
    s = normalize_text(value).replace(" ", "").upper()
    if not s:
        raise _fail(field, "credit.required")
    if len(s) != 18:
        raise _fail(field, "credit.length", length=len(s))
    for i, ch in enumerate(s):
        if ch not in _CREDIT_INDEX:
            raise _fail(field, "credit.chars", position=i + 1, char=_show_char(ch))
    expected = credit_code_check_char(s[:17])
    if s[17] != expected:
        raise _fail(field, "credit.checksum", found=s[17])
    return s


# --------------------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_PHONE_EXT = re.compile(r"^(.*?)\s*(?:转|分机|ext\.?|x|#)\s*([0-9]{1,6})$", re.IGNORECASE)
_PHONE_BODY = re.compile(r"[0-9\s()\-]+")
_COUNTRY = re.compile(r"^(?:\+\s*86|0086|\(\s*\+?\s*86\s*\))[\s\-]*")


def _split_landline(digits: str) -> tuple[str, str] | None:
    """(area code, local number) for a digit string starting with 0, else None."""
    if len(digits) < 3 or digits[0] != "0":
        return None
    if digits.startswith("010") or digits[1] == "2":
        area_len = 3
    elif digits[1] in "3456789":
        area_len = 4
    else:
        return None
    local = digits[area_len:]
    if len(local) in (7, 8):
        return digits[:area_len], local
    return None


def parse_phone(value: Any, *, field: str = "phone") -> str:
    """A mobile as 11 digits, a landline as ``0AAA-NNNNNNNN[-EXT]``, a local number as digits."""
    if value.__class__ is str and len(value) == 11 and _MOBILE.fullmatch(value):
        return value  # the common case, already in its final form
    raw = normalize_text(value)
    if not raw:
        raise _fail(field, "phone.required")

    def invalid() -> ValidationError:
        return _fail(field, "phone.invalid", value=raw)

    text = raw
    ext = ""
    m = _PHONE_EXT.match(text)
    if m:
        text, ext = m.group(1), m.group(2)
    international = False
    m = _COUNTRY.match(text)
    if m:
        text = text[m.end() :]
        international = True
    if not text or not _PHONE_BODY.fullmatch(text):
        raise invalid()
    digits = "".join(ch for ch in text if ch in _DIGITS)

    if _MOBILE.fullmatch(digits):
        if ext:
            raise invalid()
        return digits
    if international and digits and digits[0] != "0":
        digits = "0" + digits  # +86 755 ... drops the trunk 0

    parts = _split_landline(digits)
    if parts is None and not ext:
        # "0755-12345678-123": the last hyphen group may be an extension
        groups = [g for g in re.split(r"[\s\-()]+", text) if g]
        if len(groups) >= 2 and len(groups[-1]) <= 6 and "-" in text:
            head = "".join(groups[:-1])
            alt = _split_landline("0" + head if international and head[:1] != "0" else head)
            if alt is not None:
                parts, ext = alt, groups[-1]
            elif len(head) in (7, 8) and head[0] != "0" and not international:
                return f"{head}-{groups[-1]}"
    if parts is not None:
        area, local = parts
        return f"{area}-{local}-{ext}" if ext else f"{area}-{local}"
    if not international and len(digits) in (7, 8) and digits[0] != "0":
        return f"{digits}-{ext}" if ext else digits
    raise invalid()


# --------------------------------------------------------------------------------------
# Names and free text
# --------------------------------------------------------------------------------------

_MIDDLE_DOTS = str.maketrans(
    {c: "·" for c in "\u2022\u30fb\uff65\u2027\u2219\u22c5\u0387\u16eb\u2e31"}
    | {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"}
)
_CJK = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
    "\U00020000-\U0002a6df\U0002a700-\U0002ebef\U00030000-\U0003134f"
)
_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_DOT_SPACE = re.compile(r" ?· ?")


@functools.cache
def _name_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    """(allowed character, has a letter, space between CJK, full stop between CJK):
    compiled when a name is not plain Chinese characters (their character classes cost
    about 8 ms to compile, at every start otherwise)."""
    return (re.compile(f"[{_CJK}{_LATIN} ·'\\-]"), re.compile(f"[{_CJK}{_LATIN}]"),
            re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])"),
            re.compile(f"(?<=[{_CJK}]) ?\\. ?(?=[{_CJK}])"))


_PLAIN_CJK_NAME = re.compile(f"[{_CJK}]+")


def parse_name(value: Any, *, field: str = "name", max_len: int = 50) -> str:
    """A person's (or organisation contact's) name.

    Middle-dot look-alikes become "·" (as in 买买提·艾力), a full stop between two Chinese
    characters too, and spaces between Chinese characters are dropped ("王 芳" -> "王芳",
    the padding people use to line up two-character names).
    """
    if value.__class__ is str and len(value) <= max_len and _PLAIN_CJK_NAME.fullmatch(value):
        return value  # the common case: Chinese characters only, nothing to change
    s = normalize_text(value)
    if not s:
        raise _fail(field, "name.required")
    name_ok, has_letter, cjk_space, cjk_period = _name_patterns()
    s = s.translate(_MIDDLE_DOTS)
    s = cjk_period.sub("·", s)
    s = _DOT_SPACE.sub("·", s)
    s = cjk_space.sub("", s)
    for ch in s:
        if not name_ok.match(ch):
            raise _fail(field, "name.chars", char=_show_char(ch))
    if not has_letter.search(s):
        raise _fail(field, "name.chars", char=_show_char(s[0]))
    if len(s) > max_len:
        raise _fail(field, "name.too_long", max_len=max_len, length=len(s))
    return s


# C0 and C1 control characters other than white space (tab, line feeds …, which the
# normalisation turns into single spaces): never part of what a person means, and a NUL
# cannot even be stored in PostgreSQL.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def parse_text(
    value: Any,
    *,
    field: str,
    required: bool = False,
    max_len: int = 500,
    multiline: bool = False,
    half_width: bool = False,
) -> str | None:
    """Free text, normalised; "" becomes None unless ``required``. Chinese punctuation is
    kept as written, unless ``half_width`` (a name other records are matched by, such as
    an enterprise's: its brackets and commas made half-width like the rest).

    With ``multiline=True`` each line is normalised on its own and line breaks are kept
    (runs of blank lines collapse to one). Control characters (pasted along with the
    text, invisible) are dropped.
    """
    if isinstance(value, str) and not value.isprintable() and _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    if multiline and value is not None:
        lines = [normalize_free_text(line) for line in str(value).splitlines()]
        kept: list[str] = []
        for line in lines:
            if line or (kept and kept[-1]):
                kept.append(line)
        s = "\n".join(kept).strip("\n")
    else:
        s = normalize_text(value) if half_width else normalize_free_text(value)
    if not s:
        if required:
            raise _fail(field, "text.required")
        return None
    if len(s) > max_len:
        raise _fail(field, "text.too_long", max_len=max_len, length=len(s))
    return s


# --------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------

_AMOUNT_NOISE = re.compile(r"人民币|RMB|CNY|[￥¥元]", re.IGNORECASE)
_AMOUNT = re.compile(r"([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(万?)")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?万?")


def _decimal_from(value: Any, field_name: str, shown: str) -> Decimal:
    if isinstance(value, bool):
        raise _fail(field_name, "amount.invalid", value=shown)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _fail(field_name, "amount.invalid", value=shown)
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _fail(field_name, "amount.invalid", value=shown)
        return Decimal(repr(value))  # the shortest text that round-trips, not binary noise
    s = normalize_text(value).replace("\u2212", "-")
    s = _AMOUNT_NOISE.sub("", s).replace(" ", "")
    if "," in s:
        if not _GROUPED.fullmatch(s):
            raise _fail(field_name, "amount.invalid", value=shown)
        s = s.replace(",", "")
    m = _AMOUNT.fullmatch(s)
    if m is None:
        raise _fail(field_name, "amount.invalid", value=shown)
    sign, number, wan = m.groups()
    d = Decimal(number)
    if wan:  # 万 = 10 000; shift the exponent so no context rounding can happen
        t = d.as_tuple()
        assert isinstance(t.exponent, int)
        d = Decimal((t.sign, t.digits, t.exponent + 4))
    return -d if sign == "-" else d


def _exact_fen(d: Decimal) -> int | None:
    """Whole fen for ``d`` if it has at most two significant decimals, else None.

    Works on the digit tuple, so no context rounding can hide a third decimal.
    """
    sign, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    coeff = 0
    for dig in digits:
        coeff = coeff * 10 + dig
    if coeff == 0:
        return 0
    while exponent < -2 and coeff % 10 == 0:
        coeff //= 10
        exponent += 1
    if exponent < -2:
        return None
    fen = coeff * 10 ** (exponent + 2)
    return -fen if sign else fen


def parse_amount_fen(
    value: Any,
    *,
    field: str = "amount",
    allow_negative: bool = False,
    allow_zero: bool = False,
    max_yuan: int | Decimal = 10_000_000,
) -> int:
    """An amount in yuan (text, int yuan, Decimal or float) as exact integer fen.

    Accepts "1,234.50", "￥200", "200元", "1.5万", full-width digits; never uses float
    arithmetic.
    """
    if value is None or (isinstance(value, str) and not normalize_text(value)):
        raise _fail(field, "amount.required")
    shown = normalize_text(value)
    d = _decimal_from(value, field, shown)
    if d < 0 and not allow_negative:
        raise _fail(field, "amount.negative", value=shown)
    if d == 0 and not allow_zero:
        raise _fail(field, "amount.zero", value=shown)
    if abs(d) > max_yuan:
        raise _fail(field, "amount.too_large", value=shown, max_yuan=str(max_yuan))
    fen = _exact_fen(d)
    if fen is None:
        raise _fail(field, "amount.precision", value=shown)
    return fen


def format_fen(fen: int, *, grouping: bool = False) -> str:
    """123450 -> "1234.50" (or "1,234.50" with grouping); -5 -> "-0.05"."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    whole = f"{yuan:,}" if grouping else str(yuan)
    return f"{sign}{whole}.{cents:02d}"


# --------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------

_TIME_TAIL = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
_DATE_SEP = re.compile(
    r"([0-9]{4}) ?[-/.年] ?([0-9]{1,2}) ?[-/.月] ?([0-9]{1,2}) ?日?" + _TIME_TAIL
)
_DATE_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_SERIAL_TEXT = re.compile(r"[0-9]{5}(?:\.[0-9]+)?")
EXCEL_SERIAL_RANGE = (1, 80_000)  # 1900-01-01 .. 2119-01-09
_COMPACT_NUMBER = (1000_01_01, 9999_12_31)  # a number written YYYYMMDD


def excel_serial_to_date(serial: int | float) -> date | None:
    """Excel 1900 date system serial -> date; None for Excel's fictitious 1900-02-29 (60).

    Raises ValueError outside :data:`EXCEL_SERIAL_RANGE`.  A fractional part (time of
    day) is dropped.
    """
    whole = int(serial)
    lo, hi = EXCEL_SERIAL_RANGE
    if not lo <= whole <= hi:
        raise ValueError("serial out of range")
    if whole == 60:
        return None
    if whole < 60:
        return date(1899, 12, 31) + timedelta(days=whole)
    return date(1899, 12, 30) + timedelta(days=whole)


def parse_date(
    value: Any,
    *,
    field: str = "date",
    not_future: bool = False,
    today: date | None = None,
    min_year: int = 1900,
) -> date:
    if value is None:
        raise _fail(field, "date.required")
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    elif isinstance(value, bool):
        raise _fail(field, "date.invalid", value=str(value))
    elif isinstance(value, int | float | Decimal):
        if _COMPACT_NUMBER[0] <= value <= _COMPACT_NUMBER[1] and value == int(value):
            # 20230503 typed into a number cell: far beyond any serial, so YYYYMMDD
            return parse_date(str(int(value)), field=field, not_future=not_future,
                              today=today, min_year=min_year)
        d = _date_from_serial(value, field, normalize_text(value))
    else:
        s = normalize_text(value)
        if not s:
            raise _fail(field, "date.required")
        m = _DATE_SEP.fullmatch(s) or _DATE_COMPACT.fullmatch(s)
        if m is not None:
            try:
                d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise _fail(field, "date.not_real", value=s) from None
        elif _SERIAL_TEXT.fullmatch(s):  # a serial that went through text (CSV export)
            d = _date_from_serial(Decimal(s), field, s)
        else:
            raise _fail(field, "date.invalid", value=s)
    if d.year < min_year:
        raise _fail(field, "date.too_old", value=d.isoformat(), min_year=min_year)
    if not_future:
        if today is None:
            today = current_date()
        if d > today:
            raise _fail(field, "date.future", value=d.isoformat(), today=today.isoformat())
    return d


def _date_from_serial(value: int | float | Decimal, field_name: str, shown: str) -> date:
    try:
        if value != value:  # NaN
            raise ValueError
        d = excel_serial_to_date(value)
    except (ValueError, OverflowError, InvalidOperation):
        raise _fail(field_name, "date.invalid", value=shown) from None
    if d is None:
        raise _fail(field_name, "date.not_real", value="1900-02-29")
    return d


# --------------------------------------------------------------------------------------
# Whole numbers, yes/no, choices
# --------------------------------------------------------------------------------------

_INT_TEXT = re.compile(r"[+-]?[0-9]+(?:\.0*)?")
_INT_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+")
_COUNT_UNITS = re.compile(r"(?:人次|人|次|户|个|名|家|岁|年|天|元)$")


def _bounds_text(min_value: int | None, max_value: int | None) -> Localized:
    if min_value is not None and max_value is not None:
        return Localized(
            f"应在 {min_value} 到 {max_value} 之间", f"it should be from {min_value} to {max_value}"
        )
    if min_value is not None:
        return Localized(f"应不小于 {min_value}", f"it should be at least {min_value}")
    return Localized(f"应不大于 {max_value}", f"it should be at most {max_value}")


def parse_int(
    value: Any,
    *,
    field: str,
    min_value: int | None = None,
    max_value: int | None = None,
    required: bool = True,
) -> int | None:
    """A whole number from int, integral float/Decimal or text ("1,234", "12人", "3.0")."""
    shown = normalize_text(value)
    if value is None or (isinstance(value, str) and not shown):
        if required:
            raise _fail(field, "int.required")
        return None
    if isinstance(value, bool):
        raise _fail(field, "int.invalid", value=shown)
    if isinstance(value, int):
        n = value
    elif isinstance(value, float | Decimal):
        try:
            if value != value or value % 1 != 0:
                raise ValueError
            n = int(value)
        except (ValueError, OverflowError, InvalidOperation):
            raise _fail(field, "int.invalid", value=shown) from None
    else:
        s = _COUNT_UNITS.sub("", shown.replace("\u2212", "-")).replace(" ", "")
        if _INT_GROUPED.fullmatch(s):
            s = s.replace(",", "")
        if not _INT_TEXT.fullmatch(s) or len(s) > 40:
            raise _fail(field, "int.invalid", value=shown)
        n = int(s.split(".", 1)[0])
    if (min_value is not None and n < min_value) or (max_value is not None and n > max_value):
        raise _fail(field, "int.range", value=n, bounds=_bounds_text(min_value, max_value))
    return n


_TRUE_WORDS = frozenset({"是", "√", "✓", "✔", "y", "yes", "true", "1", "有", "t"})
_FALSE_WORDS = frozenset({"否", "×", "✗", "✘", "n", "no", "false", "0", "无", "", "f"})


def parse_bool(value: Any, *, field: str) -> bool:
    """Yes/no from the many ways spreadsheets write it; blank means no."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float | Decimal) and value in (0, 1):
        return bool(value)
    if value.__class__ is str:  # the words are normalised already: "是", "否", "√", "y" …
        if value in _TRUE_WORDS:
            return True
        if value in _FALSE_WORDS:
            return False
    s = normalize_text(value).lower()
    if s in _TRUE_WORDS:
        return True
    if s in _FALSE_WORDS:
        return False
    raise _fail(field, "bool.invalid", value=normalize_text(value))


def parse_choice(
    value: Any,
    *,
    field: str,
    choices: Mapping[str, tuple[str, str]],
    required: bool = True,
) -> str | None:
    """One code of ``choices`` (code -> (zh label, en label)), matched by code or label.

    Matching ignores case and surrounding/inner extra spaces.  Empty input raises
    "choice.required" (or returns None when ``required=False``).
    """
    if value.__class__ is str and value in choices:  # a code as stored: the common case
        return value
    s = normalize_text(value)
    options = Localized(
        "、".join(zh for zh, _ in choices.values()), ", ".join(en for _, en in choices.values())
    )
    if not s:
        if required:
            raise _fail(field, "choice.required", choices=options)
        return None
    if s in choices:
        return s
    key = s.casefold()
    for code, (zh, en) in choices.items():
        if (
            key == code.casefold()
            or key == normalize_text(zh).casefold()
            or (key == normalize_text(en).casefold())
        ):
            return code
    raise _fail(field, "choice.invalid", value=s, choices=options)


def message_placeholders(code: str) -> tuple[set[str], set[str]]:
    """Placeholder names used by the zh and en texts of a message code."""
    zh, en = MESSAGES[code]
    fmt = string.Formatter()
    return (
        {name for _, name, _, _ in fmt.parse(zh) if name},
        {name for _, name, _, _ in fmt.parse(en) if name},
    )
