"""Least exposure of personal information (个人信息保护法): who sees full ID numbers in what
leaves the app, the record of every export and print, and the audit log in words.

- **Full ID numbers** go out in exports (Excel) and printed or PDF case files only to
  those the permission table lets (``export.full_ids``: a station admin, and the district's
  roles at the district; the command lines act as the console's administrator). Anyone
  else (a clerk) gets them masked as ``mask_for_export`` does: the first 6 characters (the
  area) and the last 4, the rest ``*``. Error workbooks are excepted: they carry the
  clerk's own input back to be corrected (``exchange.xlsx_import``).
- **Every export and print** writes an ``ExportRecord`` (``record``): who (user name,
  display name, role), what (``WHAT``), how many rows, the file's name without its folder,
  whether ID numbers went out in full. A station's records are its own syncable rows, so
  they reach the district with the next sync (append-only, never deleted; the district
  checks them with ``clean_export_record``). The district's own stay at the district.
- **The audit log in words** (``audit_lines``): for a station admin the station's own
  records (logins and failed logins, locks and unlocks, password changes, users added,
  changes to records, exports and prints); at the district every station's exports and
  prints (a station filter) and the district's own records — newest first, read-only.

No Qt here, no sync.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from station_app.domain.choices import ROLE
from station_app.domain.models import AuditRecord, ExportRecord, Station
from station_app.domain.services.common import actor_of
from station_app.domain.services.corrections import at_district, may, own_station, permit
from station_app.domain.validation import (
    FIELD_LABELS,
    TABLE_NOUNS,
    ErrorCollector,
    FieldError,
    ValidationError,
    mask_id_number,
    normalize_text,
    register_messages,
)
from station_app.storage.capture import utc_now_text

# what was exported or printed: code -> (zh, en)
WHAT: dict[str, tuple[str, str]] = {
    "roster": ("会员名册", "member roster"),
    "ledger": ("帮扶台账", "hardship ledger"),
    "casefiles": ("困难职工档案表", "hardship files"),
    "case_file": ("困难职工档案表", "a hardship file"),
    "visits": ("走访日志", "visit diary"),
    "events": ("活动", "events"),
    "report": ("工作报表", "work report"),
    "errors": ("导入错误清单", "import error workbook"),
}
ACTIONS: dict[str, tuple[str, str]] = {"export": ("导出", "exported"),
                                       "print": ("打印", "printed")}

register_messages({
    "export.what_unknown": ("不是本软件的导出内容：{value}", "is not something the app exports: "
                                                     "{value}"),
    "export.file_has_folder": ("只记录文件名，不含文件夹", "holds the file's name only, no folder"),
    "export.rows_negative": ("行数不能为负数", "cannot be negative"),
    "export.at_malformed": ("不是本软件记录的时间（UTC）：{value}",
                            "is not a time as the app records it (UTC): {value}"),
})
FIELD_LABELS.setdefault("what", ("导出内容", "What"))
FIELD_LABELS.setdefault("row_count", ("行数", "Rows"))
FIELD_LABELS.setdefault("file_name", ("文件名", "File name"))
FIELD_LABELS.setdefault("at", ("时间", "Time"))
FIELD_LABELS.setdefault("actor", ("用户", "User"))
FIELD_LABELS.setdefault("action", ("操作", "Action"))
# the columns no form names but a change can touch: the audit log names them in words
for _key, _labels in {
    "actor_name": ("用户姓名", "User's name"), "actor_role": ("角色", "Role"),
    "full_ids": ("完整身份证号码", "Full ID numbers"),
    "scope_code": ("范围代码", "Scope code"), "scope_name": ("范围", "Scope"),
    "code": ("代码", "Code"), "scope_station_id": ("站点", "Station"),
    "display_name": ("显示名称", "Display name"), "password_hash": ("密码", "Password"),
    "active": ("启用", "Enabled"), "created_at": ("创建时间", "Created at"),
    "must_change_password": ("须在下次登录时修改密码", "Must change the password"),
    "employer_id": ("工作单位", "Employer"),
    "transferred_from_id": ("转入前的会员记录", "Member record transferred from"),
    "name_sort": ("姓名排序", "Name order"), "phone_tail": ("电话尾号", "Phone's last digits"),
    "enterprise_id": ("企业", "Enterprise"), "target_station_id": ("走访站点", "Station visited"),
    "recorded_by": ("记录人", "Recorded by"), "event_id": ("活动", "Event"),
    "member_id": ("会员", "Member"), "case_id": ("困难职工档案", "Hardship file"),
    "grassroots_signed_by": ("基层工会审核人", "Grassroots union signed by"),
    "grassroots_signed_date": ("基层工会审核日期", "Grassroots union signed on"),
    "upper_signed_by": ("上级工会审核人", "Upper union signed by"),
    "upper_signed_date": ("上级工会审核日期", "Upper union signed on"),
    "void_at": ("作废时间", "Voided at"), "void_reason": ("作废原因", "Reason voided"),
    "void_by": ("作废人账号", "Voided by (user name)"), "void_by_name": ("作废人", "Voided by"),
    "amount_fen": ("金额", "Amount"), "reverses_id": ("被冲正的记录", "Entry reversed"),
    "closed_date": ("关闭日期", "Closed on"), "is_key": ("是否重点推进", "Key station"),
    "key": ("设置项", "Setting"), "station_id": ("所属站点", "Station"),
}.items():
    FIELD_LABELS.setdefault(_key, _labels)


# --------------------------------------------------------------------------- ID numbers


def mask_for_export(number: str | None) -> str | None:
    """An ID number as a clerk's export or print shows it: as the lists show it
    (``validation.mask_id_number``: ``440305********1234``); empty stays empty."""
    if number is None or not normalize_text(number).strip():
        return number
    return mask_id_number(number)


def mask_account(number: str | None) -> str | None:
    """A bank account as a clerk's print shows it: its last 4 digits only."""
    if not number:
        return number
    s = normalize_text(number).replace(" ", "")
    return "*" * max(len(s) - 4, 0) + s[-4:] if len(s) > 4 else "*" * len(s)


def full_ids_allowed(session: Session) -> bool:
    """Whether the acting user gets full ID numbers in exports and prints (the permission
    table's ``export.full_ids``)."""
    return may(session, "export.full_ids").ok


def id_shown(session_or_full: Session | bool):
    """A function turning an ID number into what this export shows: itself when full
    numbers are allowed (a bool, or the session's actor decides), else masked."""
    full = (session_or_full if isinstance(session_or_full, bool)
            else full_ids_allowed(session_or_full))
    return (lambda v: v) if full else mask_for_export


# --------------------------------------------------------------------------- the record


def file_name_of(path) -> str | None:
    """The file's own name, without any folder (either kind of separator)."""
    if path is None:
        return None
    text = str(path)
    return PureWindowsPath(PurePosixPath(text).name).name or None


def record(session: Session, action: str, what: str, rows: int, path=None, *,
           full_ids: bool | None = None) -> ExportRecord:
    """Record one export or print by the acting user, in this unit of work: ``action``
    ``export`` or ``print``, ``what`` a key of ``WHAT``, ``rows`` how many rows (members,
    entries, files …) it carried, ``path`` the file (only its name is kept; None for a
    printer). ``full_ids``: whether ID numbers went out in full (default: whether the
    user may have them)."""
    actor = actor_of(session)
    name = file_name_of(path)
    if full_ids is None:
        full_ids = full_ids_allowed(session)
    row = ExportRecord(at=utc_now_text(), actor=actor.username,
                       actor_name=(actor.display_name or actor.username)[:100],
                       actor_role=actor.role, action=action, what=what,
                       row_count=max(0, int(rows or 0)),
                       file_name=name[:255] if name else None,
                       full_ids=bool(full_ids))
    clean_export_record(_as_row(row))
    session.add(row)
    session.flush()
    return row


def _as_row(r: ExportRecord) -> dict:
    return {k: getattr(r, k) for k in ("at", "actor", "actor_name", "actor_role", "action",
                                       "what", "row_count", "file_name", "full_ids")}


def clean_export_record(row: dict) -> None:
    """The hard rules of an export record, as the app writes one (and the district checks
    a station's): a known action and content, a user, rows not negative, a file's name
    without a folder, the time as the app writes it (UTC)."""
    c = ErrorCollector()
    if row.get("action") not in ACTIONS:
        c.add("action", "export.what_unknown", value=row.get("action"))
    if row.get("what") not in WHAT:
        c.add("what", "export.what_unknown", value=row.get("what"))
    if not normalize_text(row.get("actor")):
        c.add("actor", "text.required")
    if row.get("row_count") is None or row["row_count"] < 0:
        c.add("row_count", "export.rows_negative")
    name = row.get("file_name")
    if name is not None and ("/" in name or "\\" in name):
        c.add("file_name", "export.file_has_folder")
    at = row.get("at") or ""
    try:
        datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        c.add("at", "export.at_malformed", value=at)
    c.raise_if_any()


# --------------------------------------------------------------------------- the audit log


KINDS = ("all", "exports", "accounts", "changes")
ACCOUNT_ACTIONS = ("login", "login-failed", "login-locked", "user-locked", "user-unlocked", "password",
                   "password-change", "password-change-failed", "user-add", "user-active")
# local records the viewer leaves out: rows applied by sync, and the local copy of an
# export (the export's own record says it, in words)
_NOT_SHOWN = ("sync", "export")
LIMIT = 1_000

TABLE_WORDS = TABLE_NOUNS
_CHANGE_WORDS = {"insert": ("新增", "added"), "update": ("修改", "changed"),
                 "delete": ("删除", "deleted")}
_ACCOUNT_WORDS = {
    "login": ("登录", "logged in"),
    "login-failed": ("登录失败（密码错误）", "failed to log in (wrong password)"),
    "login-locked": ("登录被拒绝（账号已锁定）", "login refused (account locked)"),
    "user-locked": ("账号被锁定", "account locked"),
    "user-unlocked": ("账号解锁", "account unlocked"),
    "password": ("密码被重置（须在下次登录时修改）",
                 "password reset (to be changed at the next login)"),
    "password-change": ("修改了自己的密码", "changed their own password"),
    "password-change-failed": ("修改密码失败（当前密码错误）",
                               "failed to change their password (wrong current password)"),
    "user-add": ("新增用户", "user added"),
    "user-active": ("启用或停用用户", "user enabled or disabled"),
}
# the service's own records beside the changes (todo, imports, the clock): in words
_OTHER_WORDS = {
    "follow-up-closed": ("完成了走访的后续跟进", "closed a visit's follow-up"),
    "review-note": ("记录了困难职工档案的复核", "noted a hardship file's review"),
    "sync-retry": ("重新发送被区总工会退回的{table}", "sent a {table} the district refused again"),
    "sync-discard": ("放弃了被区总工会退回的{table}", "discarded a {table} the district refused"),
    "import": ("从 Excel 导入", "imported from Excel"),
    "import-undo": ("撤销了上次导入", "undid the last import"),
    "clock": ("校正了本机时钟", "corrected this computer's clock"),
}
_SYSTEM_NAMES = {"sync": ("同步", "sync"), "setup": ("初始设置", "set-up"),
                 "login": ("登录", "login"), "demo": ("演示数据", "demo data"),
                 "system": ("系统", "the system")}


@dataclass(frozen=True)
class AuditLine:
    """One line of the audit viewer, in words."""

    at: str  # UTC, as stored (for sorting)
    when: str  # local time, to the second
    who: str  # the person's display name (and user name), or a system's name
    station: str  # "CODE name" (at the district), "" at a station
    kind: str  # exports / accounts / changes
    what: str  # the sentence
    detail: str  # more: the file, the fields


def _local(at: str) -> str:
    try:
        stamp = datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return at
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _t(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang.startswith("zh") else pair[1]


def _export_line(r: ExportRecord, stations: dict[str, str], lang: str) -> AuditLine:
    zh = lang.startswith("zh")
    what = _t(WHAT.get(r.what, (r.what, r.what)), lang)
    verb = _t(ACTIONS.get(r.action, (r.action, r.action)), lang)
    role = _t(ROLE[r.actor_role], lang) if r.actor_role in ROLE else ""
    who = f"{r.actor_name}（{r.actor}）" if zh else f"{r.actor_name} ({r.actor})"
    if role and role != r.actor_name:
        who += f" · {role}"
    if zh:
        sentence = f"{verb}{what}，{r.row_count:,} 条"
        ids = "身份证号码完整" if r.full_ids else "身份证号码已遮蔽"
        detail = f"文件：{r.file_name}；{ids}" if r.file_name else f"打印机；{ids}"
    else:
        sentence = f"{verb} the {what}, {r.row_count:,} row(s)"
        ids = "full ID numbers" if r.full_ids else "ID numbers masked"
        detail = f"file: {r.file_name}; {ids}" if r.file_name else f"printer; {ids}"
    return AuditLine(r.at, _local(r.at), who, stations.get(r.station_id, ""), "exports",
                     sentence, detail)


_NOT_FIELDS = ("id", "hlc", "deleted", "bulk", "rows", "origin", "batch")


def _fields(detail: dict | None, lang: str) -> str:
    if not detail:
        return ""
    names: list[str] = []
    for k in detail:
        if k in _NOT_FIELDS:
            continue
        name = _t(FIELD_LABELS.get(k, (k, k)), lang)
        if name not in names:
            names.append(name)
    return ("、" if lang.startswith("zh") else ", ").join(names)


def _counts(counts: dict, lang: str) -> str:
    """{table: n or [ids]} as "会员 12 条、企业 3 条"."""
    zh = lang.startswith("zh")
    parts = []
    for table, n in counts.items():
        n = len(n) if isinstance(n, list | tuple) else int(n or 0)
        noun = _t(TABLE_WORDS.get(table, (table, table)), lang)
        parts.append(f"{noun} {n:,} 条" if zh else f"{n:,} {noun}(s)")
    return ("、" if zh else ", ").join(parts)


def _other_line(a: AuditRecord, detail: dict | None, who: str, station: str, lang: str
                ) -> AuditLine:
    """A service's own record (not a change of a row, not an account's): in words."""
    zh = lang.startswith("zh")
    d = detail or {}
    table = _t(TABLE_WORDS.get(a.table_name or "", ("记录", "record")), lang)
    sentence = _t(_OTHER_WORDS[a.action], lang).format(table=table)
    extra = ""
    if a.action in ("follow-up-closed", "review-note"):
        if d.get("revisit"):
            extra = "已另记一次回访" if zh else "a follow-up visit recorded"
        elif d.get("outcome"):
            extra = f"结果：{d['outcome']}" if zh else f"outcome: {d['outcome']}"
    elif a.action == "sync-retry" and d.get("reason"):
        extra = f"退回原因：{d['reason']}" if zh else f"refused because: {d['reason']}"
    elif a.action == "import":
        parts = [f"文件：{d['source']}" if zh else f"file: {d['source']}"] if d.get("source") \
            else []
        if d.get("added"):
            parts.append(("新增 " if zh else "added ") + _counts(d["added"], lang))
        if d.get("updated"):
            parts.append(("修改 " if zh else "changed ") + _counts(d["updated"], lang))
        extra = ("；" if zh else "; ").join(parts)
    elif a.action == "import-undo":
        parts = [f"文件：{d['source']}" if zh else f"file: {d['source']}"] if d.get("source") \
            else []
        if isinstance(d.get("rows"), int):
            parts.append(f"移除 {d['rows']:,} 条" if zh else f"{d['rows']:,} row(s) removed")
        extra = ("；" if zh else "; ").join(parts)
    elif a.action == "clock" and "restamped" in d:
        n = int(d["restamped"] or 0)
        extra = (f"重新标记 {n:,} 条待同步的更改" if zh
                 else f"{n:,} change(s) waiting to be sent stamped again")
    return AuditLine(a.at, _local(a.at), who, station, "changes", sentence, extra)


def _log_line(a: AuditRecord, people: dict[str, str], station: str, lang: str
              ) -> AuditLine:
    zh = lang.startswith("zh")
    try:
        detail = json.loads(a.detail) if a.detail else None
    except ValueError:
        detail = None
    if not isinstance(detail, dict):
        detail = None
    actor = a.actor or ""
    if actor in people:
        who = people[actor]
    elif actor.startswith("cli:"):
        who = ("命令行 " if zh else "command line ") + actor[4:]
    else:
        who = _t(_SYSTEM_NAMES.get(actor, (actor, actor)), lang)
    if a.action in _ACCOUNT_WORDS:
        if actor == "login" and detail and detail.get("username"):
            # (the login's own records: the person is the one who tried)
            name = detail["username"]
            who = people.get(name, name)
        sentence = _t(_ACCOUNT_WORDS[a.action], lang)
        extra = ""
        if detail:
            name = detail.get("username")
            if name:
                sentence += f"：{name}" if zh else f": {name}"
            if a.action == "user-locked" and detail.get("until"):
                until = _local(detail["until"])
                extra = f"锁定至 {until}" if zh else f"locked until {until}"
            if a.action == "user-unlocked" and detail.get("by"):
                extra = f"解锁人：{detail['by']}" if zh else f"unlocked by {detail['by']}"
            if a.action == "user-add" and detail.get("role") in ROLE:
                extra = _t(ROLE[detail["role"]], lang)
            if a.action == "user-active" and "active" in detail:
                sentence = _t(("启用用户", "user enabled") if detail["active"]
                              else ("停用用户", "user disabled"), lang)
        return AuditLine(a.at, _local(a.at), who, station, "accounts", sentence, extra)
    if a.action in _OTHER_WORDS:
        return _other_line(a, detail, who, station, lang)
    table = _t(TABLE_WORDS.get(a.table_name or "", ("记录", "record")), lang)
    verb = _t(_CHANGE_WORDS.get(a.action, ("更改", "changed")), lang)
    article = "an" if table[:1].lower() in "aeiou" else "a"
    sentence = f"{verb}{table}" if zh else f"{verb} {article} {table}"
    fields = _fields(detail, lang) if a.action == "update" else ""
    extra = (f"字段：{fields}" if zh else f"fields: {fields}") if fields else ""
    if detail and detail.get("bulk"):
        extra = "批量导入" if zh else "bulk import"
    return AuditLine(a.at, _local(a.at), who, station, "changes", sentence, extra)


def _all_labels() -> None:
    """Every service registers the labels of its fields when imported: import them all,
    so the audit log names every field in words whichever pages were opened before."""
    import importlib
    import pkgutil

    from station_app.domain import services

    for m in pkgutil.iter_modules(services.__path__):
        importlib.import_module(f"{services.__name__}.{m.name}")


def audit_lines(session: Session, *, kind: str = "all", station_id: str | None = None,
                lang: str = "zh", limit: int = LIMIT) -> list[AuditLine]:
    """The audit log in words, newest first, at most ``limit`` lines; for a station admin
    (``audit.view``). At a station: its own records. At the district: every station's
    exports and prints and the district's own records; ``station_id`` one station's
    exports only (the district's own id: its own records only). ``kind``: all, exports,
    accounts or changes."""
    from station_app.domain.ids import DISTRICT_OWNER_ID
    from station_app.domain.models import User

    permit(session, "audit.view")
    _all_labels()
    if kind not in KINDS:
        raise ValidationError([FieldError("kind", "export.what_unknown", {"value": kind})])
    district = at_district(session) or own_station(session) == DISTRICT_OWNER_ID
    stations: dict[str, str] = {}
    if district:
        stations = {i: f"{code} {name}" for i, code, name in session.execute(
            select(Station.id, Station.code, Station.name))}
        stations[DISTRICT_OWNER_ID] = _t(("区总工会", "District"), lang)
    people = {u: (f"{n}（{u}）" if lang.startswith("zh") else f"{n} ({u})")
              for u, n in session.execute(select(User.username, User.display_name))}
    lines: list[AuditLine] = []
    if kind in ("all", "exports"):
        q = select(ExportRecord).order_by(ExportRecord.at.desc()).limit(limit)
        if station_id is not None:
            q = q.where(ExportRecord.station_id == station_id)
        lines += [_export_line(r, stations, lang) for r in session.execute(q).scalars()]
    own_records = not district or station_id in (None, DISTRICT_OWNER_ID)
    if kind != "exports" and own_records:
        q = (select(AuditRecord).where(AuditRecord.action.not_in(_NOT_SHOWN))
             .where((AuditRecord.table_name.is_(None))
                    | (AuditRecord.table_name != ExportRecord.__tablename__))
             .order_by(AuditRecord.id.desc()).limit(limit))
        if kind == "accounts":
            q = q.where(AuditRecord.action.in_(ACCOUNT_ACTIONS))
        elif kind == "changes":
            q = q.where(AuditRecord.action.not_in(ACCOUNT_ACTIONS))
        here = stations.get(DISTRICT_OWNER_ID, "") if district else ""
        lines += [_log_line(a, people, here, lang) for a in session.execute(q).scalars()]
    lines.sort(key=lambda line: line.at, reverse=True)
    return lines[:limit]


def audit_stations(session: Session) -> list[tuple[str, str]]:
    """(id, "CODE name") of the stations for the district viewer's filter, by code."""
    from station_app.domain.services.stations import stations

    return [(s.id, f"{s.code} {s.name}") for s in stations(session, district=False)]
