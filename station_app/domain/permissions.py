"""Who may do what: one table of actions → the least role and the conditions.

Every service checks its action here (``services.common.permit``), and the client asks the
same table whether to offer a button (``allowed`` with the record's facts, or without a
record for "may this user do it at all"). docs/ARCHITECTURE.md carries the table as
``markdown_table()`` writes it (a test keeps the two equal).

The conditions a rule may carry, besides the least role (ranks: clerk < station admin <
district admin; a system actor of no role passes none):

- **where** — ``station``: only in a station's file (the district corrects a station's
  records through that station); ``district``: only in the district database.
- **own** — only a record of this database's own station (not another station's, not
  the district's).
- **entered** — a clerk only a record they entered, in the same ISO week (Monday to
  Sunday) as today; a station administrator any time.
- **unreferenced** — only while nothing refers to the record (a member with a hardship
  file, ledger entries or event attendance; an enterprise with visits, members working
  there or a watch-list history): the refusal names what refers to it.
- **after sign-off** — ``voids``: allowed as before, and the change voids the sign-off;
  ``admin_voids``: a station administrator only, and the change voids the sign-off (the
  sign-off stays, marked void with who, when and why).

No SQL and no Qt here: the facts about a record (who entered it and when, what refers to
it, the sign-off in force) are gathered by ``services.corrections.facts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from station_app.domain.actor import ROLE_RANK, Actor
from station_app.domain.choices import ROLE
from station_app.domain.validation import (
    FIELD_LABELS,
    FieldError,
    Localized,
    current_date,
    register_messages,
)

register_messages({
    "perm.denied": (
        "当前用户（{role}）无权{action}，需要{needed}权限",
        "Your role ({role}) may not {action}; it needs {needed}",
    ),
    "perm.station_only": (
        "{action}只能在社区工联会（站点）的数据库中进行；区总工会请通过该站点更正",
        "Only a station's own database may {action}; the district corrects a station's "
        "records through that station",
    ),
    "perm.district_only": (
        "{action}只能在区总工会数据库中进行",
        "Only the district database may {action}",
    ),
    "perm.not_own": (
        "这条记录属于{owner}，只能由其所属站点在本站的数据库中{action}",
        "This record belongs to {owner}: only that station may {action}, in its own "
        "database",
    ),
    "perm.not_entered_by_you": (
        "这条记录由{entered_by}录入：专职工作者只能更正本人本周录入的记录，请站点管理员{action}",
        "{entered_by} entered this record; a clerk corrects only what they entered this "
        "week: ask a station admin to {action}",
    ),
    "perm.entered_unknown": (
        "无法确认这条记录由谁录入（同步而来或较早的记录）：专职工作者只能更正本人本周录入的记录，"
        "请站点管理员{action}",
        "Who entered this record is not known here (it came by sync, or predates the "
        "log); a clerk corrects only what they entered this week: ask a station admin to "
        "{action}",
    ),
    "perm.week_passed": (
        "这条记录录入于 {entered_on}，在本周之前：专职工作者只能更正本周录入的记录，"
        "请站点管理员{action}",
        "This record was entered on {entered_on}, before this week; a clerk corrects only "
        "what they entered this week: ask a station admin to {action}",
    ),
    "perm.referenced": (
        "不能{action}：还有记录引用它（{refs}）",
        "Cannot {action} while other records refer to it: {refs}",
    ),
    "perm.signed": (
        "这条记录已由{signed_by}于 {signed_on} 签署：签署后只有站点管理员可以{action}，"
        "且修改会使签署作废",
        "{signed_by} signed this record off on {signed_on}: after a sign-off only a "
        "station admin may {action}, and the change voids the sign-off",
    ),
})

FIELD_LABELS.setdefault("record", ("记录", "Record"))

CLERK, STATION_ADMIN, DISTRICT_ADMIN = "clerk", "station_admin", "district_admin"
ANYWHERE, STATION, DISTRICT = "any", "station", "district"
FREE, VOIDS, ADMIN_VOIDS = "free", "voids", "admin_voids"


@dataclass(frozen=True)
class Rule:
    """Who may do one action: the least role, and the conditions (see the module doc)."""

    least: str
    zh: str  # the action as a clause of a sentence: "修改走访记录"
    en: str  # "correct visits"
    where: str = ANYWHERE
    own: bool = False
    entered: bool = False
    unreferenced: bool = False
    signed: str = FREE

    @property
    def words(self) -> Localized:
        return Localized(self.zh, self.en)


def _r(least: str, zh: str, en: str, **conditions) -> Rule:
    return Rule(least, zh, en, **conditions)


# The one table. Keys are "record.action"; the order is the documentation's.
RULES: dict[str, Rule] = {
    # members
    "member.create": _r(CLERK, "登记会员", "register members"),
    "member.edit": _r(CLERK, "修改会员", "edit members"),
    "member.status": _r(CLERK, "变更会员状态", "change a member's status"),
    "member.delete": _r(CLERK, "删除会员", "delete members", where=STATION, own=True,
                        entered=True, unreferenced=True),
    "member.transfer": _r(DISTRICT_ADMIN, "办理会员转移", "transfer members"),
    "member.retire_duplicate": _r(DISTRICT_ADMIN, "处理重复会员", "settle duplicate members"),
    # enterprises and the watch list
    "enterprise.create": _r(CLERK, "登记企业", "register enterprises"),
    "enterprise.edit": _r(CLERK, "修改企业", "edit enterprises"),
    "enterprise.delete": _r(CLERK, "删除企业", "delete enterprises", where=STATION,
                            own=True, entered=True, unreferenced=True),
    "watch.list": _r(CLERK, "列入重点监管名单", "put enterprises on the watch list"),
    "watch.unlist": _r(DISTRICT_ADMIN, "移出重点监管名单",
                       "remove enterprises from the watch list"),
    # hardship files
    "case.open": _r(CLERK, "建立困难职工档案", "open hardship files"),
    "case.edit": _r(CLERK, "修改困难职工档案", "edit hardship files", where=STATION, own=True,
                    signed=ADMIN_VOIDS),
    "case.review": _r(CLERK, "登记年审", "record reviews"),
    "case.exit": _r(STATION_ADMIN, "办理脱困", "close hardship files (exit)"),
    "case.cancel": _r(STATION_ADMIN, "注销档案", "cancel hardship files"),
    "case.reopen": _r(STATION_ADMIN, "撤销脱困或注销", "re-open closed files"),
    "case.sign": _r(STATION_ADMIN, "签署档案（基层工会审核意见）",
                    "sign files off (the grassroots union's block)", where=STATION,
                    own=True),
    "case.sign_upper": _r(DISTRICT_ADMIN, "签署档案（上级工会审核意见）",
                          "sign files off (the upper union's block)", where=DISTRICT),
    "household.add": _r(CLERK, "登记家庭成员", "add household members", where=STATION,
                        own=True, signed=ADMIN_VOIDS),
    "household.edit": _r(CLERK, "修改家庭成员", "edit household members", where=STATION,
                         own=True, signed=ADMIN_VOIDS),
    "household.delete": _r(CLERK, "删除家庭成员", "remove household members",
                           where=STATION, own=True, signed=ADMIN_VOIDS),
    # the ledger (append-only: a mistake is reversed, never edited or deleted)
    "ledger.add": _r(CLERK, "登记帮扶记录", "add ledger entries"),
    "ledger.reverse": _r(STATION_ADMIN, "冲正帮扶记录", "reverse ledger entries"),
    # the visit diary
    "visit.create": _r(CLERK, "登记走访", "record visits", signed=VOIDS),
    "visit.edit": _r(CLERK, "修改走访记录", "correct visits", where=STATION, own=True,
                     entered=True, signed=ADMIN_VOIDS),
    "visit.delete": _r(CLERK, "删除走访记录", "delete visits", where=STATION, own=True,
                       entered=True, signed=ADMIN_VOIDS),
    "visit.close_follow_up": _r(CLERK, "关闭跟进", "close follow-ups"),
    "visit_week.sign": _r(STATION_ADMIN, "签署一周走访", "sign a week's visits off",
                          where=STATION),
    "station_visit.record": _r(DISTRICT_ADMIN, "登记站点调研", "record station visits",
                               where=DISTRICT),
    "station_visit.edit": _r(DISTRICT_ADMIN, "修改走访记录（站点调研）",
                             "correct visits (station visits)", where=DISTRICT),
    "station_visit.delete": _r(DISTRICT_ADMIN, "删除走访记录（站点调研）",
                               "delete visits (station visits)", where=DISTRICT),
    # events
    "event.create": _r(CLERK, "登记活动", "record events"),
    "event.edit": _r(CLERK, "修改活动", "edit events", where=STATION, own=True,
                     entered=True),
    "event.delete": _r(CLERK, "删除活动", "delete events", where=STATION, own=True,
                       entered=True),
    # imports
    "import.undo": _r(CLERK, "撤销导入", "undo an import"),
    "import.station_visits": _r(DISTRICT_ADMIN, "导入站点调研记录", "import station visits"),
    "import.stations": _r(DISTRICT_ADMIN, "导入社区工联会名单", "import stations"),
    # users
    "user.manage": _r(STATION_ADMIN, "管理用户", "manage users"),
    "user.reset_password": _r(STATION_ADMIN, "重置密码", "reset passwords"),
    "user.unlock": _r(STATION_ADMIN, "解锁账号", "unlock accounts"),
    # personal information (个人信息): exports, prints and their record
    "export.full_ids": _r(STATION_ADMIN, "导出或打印完整的身份证号码",
                          "export or print full ID numbers"),
    "audit.view": _r(STATION_ADMIN, "查看审计日志", "view the audit log"),
    # the district's reference data
    "station.create": _r(DISTRICT_ADMIN, "新建站点", "create stations"),
    "station.edit": _r(DISTRICT_ADMIN, "修改站点信息", "change stations"),
    "target.set": _r(DISTRICT_ADMIN, "设定年度目标", "set targets"),
    # reports and sync
    "report.sign_station": _r(STATION_ADMIN, "签署本站工作报告", "sign the station's report",
                              where=STATION),
    "report.sign_district": _r(DISTRICT_ADMIN, "签署全区工作报告",
                               "sign the district's report", where=DISTRICT),
    "conflict.resolve_station": _r(STATION_ADMIN, "处理同步冲突", "settle sync conflicts",
                                   where=STATION),
    "conflict.resolve_district": _r(DISTRICT_ADMIN, "处理同步冲突", "settle sync conflicts",
                                    where=DISTRICT),
}


@dataclass(frozen=True)
class Record:
    """What the conditions need to know about one record (``services.corrections.facts``
    gathers it). Unknown facts are None."""

    # the user who entered it (user name, from the local audit log) and the local day;
    # None: not known here (the row came by sync, or predates the log)
    entered_by: str | None = None
    entered_on: date | None = None
    # the name people know the one who entered it by (a display name, 演示数据 for the
    # demo data; never the internal user name), for messages
    entered_by_name: str | Localized | None = None
    # a sign-off in force over it: who (display name) and on which day
    signed_by: str | None = None
    signed_on: date | None = None
    # what still refers to it, each as people name it ("2 份困难职工档案" / "2 hardship files")
    referenced_by: tuple[Localized, ...] = ()
    # not this database's station's own: the owner as people name it (a station's code)
    owner: str | None = None

    @property
    def signed(self) -> bool:
        return self.signed_by is not None


class Decision(NamedTuple):
    """The answer of ``allowed``: whether, the reason when not (a ``FieldError`` whose
    ``message(lang)`` is the sentence in Chinese or English), and whether doing it voids a
    sign-off in force (the client says so before the change)."""

    ok: bool
    reason: FieldError | None = None
    voids: bool = False

    def text(self, lang: str = "zh") -> str:
        return "" if self.reason is None else self.reason.message(lang)

    def __bool__(self) -> bool:
        return self.ok


def rule(action: str) -> Rule:
    """The rule of an action (KeyError for an action the table does not know)."""
    return RULES[action]


def _rank(role: str) -> int:
    return ROLE_RANK.get(role, 0)


def same_iso_week(a: date, b: date) -> bool:
    return a.isocalendar()[:2] == b.isocalendar()[:2]


def _no(field: str, code: str, **params) -> Decision:
    return Decision(False, FieldError(field, code, params))


def allowed(actor: Actor, action: str, record: Record | None = None,
            today: date | None = None, *, at_district: bool = False) -> Decision:
    """May ``actor`` do ``action`` (a key of ``RULES``) to ``record``, today, in this
    database (``at_district``: the district's)?

    Without a record only the role and the place are judged: whether to offer the action
    at all (a "New" button; an "Edit" button before a row is chosen). ``today`` defaults
    to today's date (the clerk's "same week")."""
    r = RULES[action]
    words = r.words
    if _rank(actor.role) < _rank(r.least):
        return _no("role", "perm.denied",
                   role=Localized(*ROLE[actor.role]) if actor.role in ROLE
                   else Localized("系统操作", "a system tool"),
                   action=words, needed=Localized(*_NEEDED[r.least]))
    if r.where == STATION and at_district:
        return _no("role", "perm.station_only", action=words)
    if r.where == DISTRICT and not at_district:
        return _no("role", "perm.district_only", action=words)
    if record is None:
        return Decision(True)
    if r.own and record.owner is not None:
        return _no("record", "perm.not_own", owner=record.owner, action=words)
    if r.unreferenced and record.referenced_by:
        refs = record.referenced_by
        return _no("record", "perm.referenced", action=words,
                   refs=Localized("、".join(x.zh for x in refs),
                                  ", ".join(x.en for x in refs)))
    admin = _rank(actor.role) >= _rank(STATION_ADMIN)
    if r.entered and not admin:
        if record.entered_by is None:
            return _no("record", "perm.entered_unknown", action=words)
        if record.entered_by != actor.username:
            return _no("record", "perm.not_entered_by_you", action=words,
                       entered_by=record.entered_by_name or record.entered_by)
        day = today or current_date()
        if record.entered_on is None or not same_iso_week(record.entered_on, day):
            return _no("record", "perm.week_passed", action=words,
                       entered_on=record.entered_on.isoformat() if record.entered_on
                       else "?")
    voids = record.signed and r.signed in (VOIDS, ADMIN_VOIDS)
    if record.signed and r.signed == ADMIN_VOIDS and not admin:
        return _no("record", "perm.signed", action=words, signed_by=record.signed_by,
                   signed_on=record.signed_on.isoformat() if record.signed_on else "?")
    return Decision(True, None, voids)


_NEEDED = {
    CLERK: ("专职工作者", "a clerk"),
    STATION_ADMIN: ("站点管理员", "a station admin"),
    DISTRICT_ADMIN: ("区总工会管理员", "a district admin"),
}


# --------------------------------------------------------------------------- the docs

_ROLE_WORDS = {CLERK: "clerk", STATION_ADMIN: "station admin",
               DISTRICT_ADMIN: "district admin"}


def _conditions(r: Rule) -> str:
    out = []
    if r.where == STATION:
        out.append("in a station's own file")
    elif r.where == DISTRICT:
        out.append("at the district")
    if r.own:
        out.append("the station's own records")
    if r.entered:
        out.append("a clerk: records they entered, the same ISO week; a station admin: "
                   "any time")
    if r.unreferenced:
        out.append("only while nothing refers to it")
    if r.signed == VOIDS:
        out.append("after sign-off: voids the sign-off")
    elif r.signed == ADMIN_VOIDS:
        out.append("after sign-off: a station admin only, and it voids the sign-off")
    return "; ".join(out) or "—"


def markdown_table() -> str:
    """The table as docs/ARCHITECTURE.md shows it (between its permissions markers)."""
    lines = ["| action | what | least role | conditions |", "|---|---|---|---|"]
    for action, r in RULES.items():
        lines.append(f"| `{action}` | {r.en} | {_ROLE_WORDS[r.least]} | {_conditions(r)} |")
    return "\n".join(lines) + "\n"
