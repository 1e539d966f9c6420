"""Recent activity as a person reads it: "登记会员 张三", "冲正帮扶记录 李四 500.00 元",
"修改走访记录 鹏城电子 2025-03-04", by a person's display name — never the audit log's
own words ("insert / ledger_entries") or a user called "system".

``recent_activity`` reads the newest entries of the audit log and words each one in both
languages (``Localized``): who did it (the user's display name; a tool acting on its own
by what it is: 同步, 初始设置, 命令行 …) and what (the action on the record, named as
people know it). Runs of the same action by the same actor on the same kind of record
(an import's thousand members, a sync's rows) read as one line: "登记会员 张三 等 1,000 条".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station_app.domain.choices import ROLE
from station_app.domain.models import (
    MODEL_BY_TABLE,
    AuditRecord,
    Enterprise,
    HardshipCase,
    Member,
    Station,
    User,
)
from station_app.domain.validation import TABLE_NOUNS, Localized, format_fen

# how many audit entries at most are read to find the lines shown (runs grouped)
WINDOW = 2_000

NOUNS = TABLE_NOUNS  # a record of each table as people name it
# the verb of an insert, where "登记" is not the word
_INSERT_VERBS: dict[str, tuple[str, str]] = {
    "hardship_cases": ("建立", "Opened"), "stations": ("新建", "Created"),
    "targets": ("设定", "Set"), "case_upper_signoffs": ("签署", "Signed the"),
}
# the tools that act on their own (``domain.actor``): how they read as "who"
SYSTEM_ACTORS: dict[str, tuple[str, str]] = {
    "sync": ("同步", "Sync"), "setup": ("初始设置", "Set-up"), "login": ("登录", "Login"),
    "demo": ("演示数据", "Demo data"), "migration": ("系统升级", "Upgrade"),
    "system": ("系统", "The app"), "": ("系统", "The app"),
}


@dataclass(frozen=True)
class Activity:
    """One line of recent activity: when (UTC time stamp of the newest entry), who,
    what, and how many entries the line stands for."""

    at: str
    who: Localized
    what: Localized
    count: int = 1

    def text(self, lang: str = "zh") -> tuple[str, str]:
        i = 0 if lang.startswith("zh") else 1
        return self.who[i], self.what[i]


def recent_activity(session: Session, shown: int = 10) -> list[Activity]:
    """The newest ``shown`` lines of the audit log, each worded for a person."""
    entries = list(session.execute(
        select(AuditRecord).order_by(AuditRecord.id.desc()).limit(WINDOW)).scalars())
    sort = _sorts(session, entries)
    runs: list[list[AuditRecord]] = []
    for e in entries:
        last = runs[-1][0] if runs else None
        if (last is not None and last.action == "follow-up-closed" and e.action == "update"
                and (e.actor, e.table_name, e.row_id)
                == (last.actor, last.table_name, last.row_id)):
            continue  # the row's change of closing a follow-up: one action, one line
        if (last is not None and (e.actor, e.action, e.table_name)
                == (last.actor, last.action, last.table_name)
                and e.table_name is not None and e.action in ("insert", "sync", "delete")
                and sort.get(e.row_id) == sort.get(last.row_id)):
            runs[-1].append(e)
            continue
        if len(runs) == shown:
            break
        runs.append([e])
    people = _people(session, {_actor(r[0]) for r in runs})
    return [Activity(r[0].at, who(_actor(r[0]), people), _what(session, r[0], len(r)),
                     len(r)) for r in runs]


def _actor(entry: AuditRecord) -> str:
    """Who did it: a login is recorded by the login dialog's tool, for the person who
    logged in (the entry's detail names them)."""
    if entry.action == "login":
        return str(_detail(entry).get("username") or entry.actor)
    return entry.actor


def _sorts(session: Session, entries: list[AuditRecord]) -> dict[str | None, str]:
    """For the rows whose words depend on the row (a reversal or an entry of the ledger,
    a listing or a removal from the watch list): which sort each is, so a run of one
    sort never swallows the other."""
    from station_app.domain.models import LedgerEntry, WatchListEntry

    out: dict[str | None, str] = {}
    for model, column in ((LedgerEntry, LedgerEntry.reverses_id.is_not(None)),
                          (WatchListEntry, WatchListEntry.action)):
        ids = [e.row_id for e in entries if e.table_name == model.__tablename__ and e.row_id]
        for start in range(0, len(ids), 500):
            out.update((i, str(v)) for i, v in session.execute(
                select(model.id, column).where(model.id.in_(ids[start:start + 500]))).all())
    return out


def _people(session: Session, names: set[str]) -> dict[str, str]:
    if not names:
        return {}
    return {u: (d or u) for u, d in session.execute(
        select(User.username, User.display_name).where(User.username.in_(names))).all()}


def who(actor: str | None, people: dict[str, str]) -> Localized:
    """The actor of an audit entry as a person reads it."""
    name = actor or ""
    if name in people:
        return Localized(people[name], people[name])
    if name.startswith("cli:"):
        login = name[4:]
        return Localized(f"命令行（{login}）", f"Command line ({login})")
    if name in SYSTEM_ACTORS:
        return Localized(*SYSTEM_ACTORS[name])
    return Localized(name, name)  # a user since removed: the name they had


def _detail(entry: AuditRecord) -> dict[str, Any]:
    try:
        value = json.loads(entry.detail or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _joined(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _what(session: Session, entry: AuditRecord, count: int) -> Localized:
    text = _words(session, entry)
    if count > 1:
        return Localized(f"{text.zh} 等 {count:,} 条", f"{text.en} and {count - 1:,} more")
    return text


def _words(session: Session, e: AuditRecord) -> Localized:  # noqa: C901 (one case a kind)
    action, table, detail = e.action, e.table_name, _detail(e)
    noun = Localized(*NOUNS.get(table or "", ("记录", "record")))
    if table in MODEL_BY_TABLE and action in ("insert", "update", "delete", "sync"):
        row = session.get(MODEL_BY_TABLE[table], e.row_id) if e.row_id else None
        name = row_name(session, table, row)
        if action == "insert":
            return _inserted(table, row, noun, name)
        if action == "delete":
            return Localized(_joined(f"删除{noun.zh}", name.zh),
                             _joined(f"Deleted {noun.en}", name.en))
        if action == "sync":
            return Localized(_joined(f"收到{noun.zh}", name.zh),
                             _joined(f"Received {noun.en}", name.en))
        return _updated(table, detail, noun, name)
    user = str(detail.get("username") or "")
    fixed = {
        "login": ("登录", "Logged in"),
        "login-failed": (f"登录失败（用户名 {user}）", f"Failed login (user name {user})"),
        "password-change": ("修改了自己的密码", "Changed their password"),
        "password-change-failed": ("修改密码未成功（当前密码不正确）",
                                   "A password change failed (wrong current password)"),
        "password": (f"重置了用户 {user} 的密码", f"Reset the password of {user}"),
        "clock": ("校正了时钟（按区总工会的时间）", "Corrected the clock (the district's time)"),
    }
    if action in fixed:
        return Localized(*fixed[action])
    if action == "user-add":
        role = ROLE.get(detail.get("role"), ("", ""))
        return Localized(_joined(f"添加用户 {user}", f"（{role[0]}）" if role[0] else ""),
                         _joined(f"Added user {user}", f"({role[1]})" if role[1] else ""))
    if action == "user-active":
        on = bool(detail.get("active"))
        return Localized("启用了一个用户" if on else "停用了一个用户",
                         "Activated a user" if on else "Deactivated a user")
    if action == "import":
        added = sum(len(v) if isinstance(v, list) else int(v or 0)
                    for v in (detail.get("added") or {}).values())
        source = str(detail.get("source") or "")
        return Localized(_joined("从 Excel 导入", source, f"：新增 {added:,} 条"),
                         _joined("Imported from Excel", source, f"({added:,} added)"))
    if action == "import-undo":
        source = str(detail.get("source") or "")
        return Localized(_joined("撤销了导入", source), _joined("Undid the import", source))
    if action == "export":
        rows = detail.get("rows")
        file = str(detail.get("file") or "").replace("\\", "/").rsplit("/", 1)[-1]
        return Localized(_joined("导出", file, f"（{rows:,} 行）" if isinstance(rows, int) else ""),
                         _joined("Exported", file, f"({rows:,} rows)" if isinstance(rows, int)
                                 else ""))
    row = None
    if table in MODEL_BY_TABLE and e.row_id:
        row = session.get(MODEL_BY_TABLE[table], e.row_id)
    name = row_name(session, table or "", row)
    if action == "follow-up-closed":
        return Localized(_joined("关闭跟进", name.zh), _joined("Closed the follow-up of", name.en))
    if action == "review-note":
        return Localized(_joined("登记年审", name.zh), _joined("Recorded the review of", name.en))
    if action == "sync-retry":
        return Localized(_joined(f"重新发送被拒的{noun.zh}", name.zh),
                         _joined(f"Sent a refused {noun.en} again:", name.en))
    if action == "sync-discard":
        return Localized(_joined(f"放弃了被拒的{noun.zh}", name.zh),
                         _joined(f"Discarded a refused {noun.en}:", name.en))
    if action in ("sign", "sign-off", "signoff"):
        return Localized(_joined(f"签署{noun.zh}", name.zh), _joined(f"Signed {noun.en}", name.en))
    # an action this list does not know yet: what it was about, never its code
    return Localized(_joined(f"处理了{noun.zh}", name.zh), _joined(f"Worked on {noun.en}", name.en))


def _inserted(table: str, row: Any, noun: Localized, name: Localized) -> Localized:
    if table == "ledger_entries" and row is not None and row.reverses_id:
        return Localized(_joined("冲正帮扶记录", name.zh), _joined("Reversed a ledger entry:",
                                                              name.en))
    if table == "watch_list_entries" and row is not None:
        if row.action == "unlisted":
            return Localized(_joined("移出重点监管名单", name.zh),
                             _joined("Took off the watch list:", name.en))
        return Localized(_joined("列入重点监管名单", name.zh),
                         _joined("Put on the watch list:", name.en))
    if table == "ledger_entries":
        return Localized(_joined("登记帮扶", name.zh), _joined("Recorded assistance:", name.en))
    if table == "signoffs" and row is not None and row.kind == "case":
        return Localized(_joined("签署困难职工档案", name.zh),
                         _joined("Signed the hardship file of", name.en))
    if table == "signoffs":
        return Localized(_joined("签署", name.zh), _joined("Signed the", name.en))
    if table == "signed_reports":
        return Localized(_joined("签署工作报告", name.zh), _joined("Signed the report", name.en))
    zh, en = _INSERT_VERBS.get(table, ("登记", "Registered"))
    return Localized(_joined(f"{zh}{noun.zh}", name.zh), _joined(f"{en} {noun.en}", name.en))


def _updated(table: str, detail: dict[str, Any], noun: Localized, name: Localized
             ) -> Localized:
    changed = set(detail)
    if table == "visits" and changed == {"closed_date"}:
        return Localized(_joined("关闭跟进", name.zh), _joined("Closed the follow-up of", name.en))
    if table == "hardship_cases" and "status" in changed:
        new = (detail["status"] or [None, None])[-1]
        words = {"exited": ("办理脱困", "Closed the file (no longer in need):"),
                 "cancelled": ("注销困难职工档案", "Cancelled the hardship file of"),
                 "open": ("恢复困难职工档案", "Re-opened the hardship file of")}.get(new)
        if words:
            return Localized(_joined(words[0], name.zh), _joined(words[1], name.en))
    if table == "hardship_cases" and changed == {"last_review_date"}:
        return Localized(_joined("登记年审", name.zh), _joined("Recorded the review of", name.en))
    if table == "members" and changed == {"status"}:
        return Localized(_joined("变更会员状态", name.zh),
                         _joined("Changed the status of member", name.en))
    if table == "signoffs" and "void_at" in changed:
        return Localized(_joined("审核签署失效", name.zh), _joined("Sign-off voided:", name.en))
    return Localized(_joined(f"修改{noun.zh}", name.zh), _joined(f"Edited {noun.en}", name.en))


def row_name(session: Session, table: str, row: Any) -> Localized:
    """What people recognise a record by (a name, an enterprise and a date …)."""
    if row is None:
        return Localized("", "")
    if table == "members" or table == "household_members":
        return Localized(row.name, row.name)
    if table == "enterprises":
        return Localized(row.name, row.name)
    if table == "stations":
        return Localized(row.name, row.name)
    if table == "events":
        return Localized(row.title, row.title)
    if table == "watch_list_entries":
        ent = session.get(Enterprise, row.enterprise_id)
        return Localized(ent.name if ent else "", ent.name if ent else "")
    if table == "visits":
        if row.enterprise_id:
            ent = session.get(Enterprise, row.enterprise_id)
            place = ent.name if ent else ""
        else:
            st = session.get(Station, row.target_station_id) if row.target_station_id else None
            place = st.name if st else ""
        text = _joined(place, row.visit_date.isoformat() if row.visit_date else "")
        return Localized(text, text)
    if table == "ledger_entries":
        person = _case_member(session, row.case_id)
        amount = format_fen(abs(row.amount_fen), grouping=True) if row.amount_fen else ""
        return Localized(_joined(person, f"{amount} 元" if amount else ""),
                         _joined(person, f"{amount} yuan" if amount else ""))
    if table == "targets":
        from station_app.domain.figures import figure_label

        return Localized(f"{row.year} {figure_label(row.metric, 'zh')}",
                         f"{row.year} {figure_label(row.metric, 'en')}")
    if table == "signed_reports":
        text = _joined(row.scope_name, row.as_of.isoformat() if row.as_of else "")
        return Localized(text, text)
    if table == "signoffs" and row.kind == "visit_week":
        return Localized(f"{row.iso_year} 年第 {row.iso_week} 周走访",
                         f"visits of week {row.iso_week}, {row.iso_year}")
    case_id = getattr(row, "case_id", None)
    if table == "hardship_cases":
        person = _member_name(session, row.member_id)
    elif case_id:
        person = _case_member(session, case_id)
    else:
        person = _member_name(session, getattr(row, "member_id", None))
    return Localized(person, person)


def _member_name(session: Session, member_id: str | None) -> str:
    member = session.get(Member, member_id) if member_id else None
    return member.name if member else ""


def _case_member(session: Session, case_id: str | None) -> str:
    case = session.get(HardshipCase, case_id) if case_id else None
    return _member_name(session, case.member_id) if case else ""


__all__ = ["Activity", "recent_activity", "row_name", "who"]
