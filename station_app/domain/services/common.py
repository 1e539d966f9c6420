"""What every service shares: the acting user, permissions, domain messages."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from station_app.domain.actor import SYSTEM_ROLE, Actor
from station_app.domain.validation import (
    FieldError,
    ValidationError,
    current_date,
    register_messages,
)

register_messages(
    {
        "perm.denied": (
            "当前用户（{role}）无权{action}，需要{needed}权限",
            "Your role ({role}) may not {action}; it needs {needed}",
        ),
        "not_found": ("找不到该记录（{what}）", "No such record ({what})"),
        "member.duplicate": (
            "该身份证号已登记为在会会员：{name}（请打开已有记录）",
            "This ID number is already registered to an active member: {name} (open that record)",
        ),
        "member.duplicate_in_file": (
            "该身份证号在本次导入中重复（第 {row} 行已有）",
            "This ID number appears twice in this import (already on row {row})",
        ),
        "member.status_same": ("会员状态已是“{status}”", "The member is already “{status}”"),
        "member.status_date_before_join": (
            "状态日期不能早于入会日期 {join}", "The status date cannot be before joining ({join})"
        ),
        "member.reactivate_duplicate": (
            "同一身份证号已有在会会员 {name}，不能恢复为在会",
            "Another active member ({name}) has this ID number; cannot make this one active",
        ),
        "enterprise.duplicate_code": (
            "该统一社会信用代码已登记：{name}", "This credit code is already registered: {name}"
        ),
        "enterprise.duplicate_name": (
            "已有同名企业登记：{name}", "An enterprise of this name is already registered: {name}"
        ),
        "enterprise.duplicate_in_file": (
            "该企业在本次导入中重复（第 {row} 行已有）",
            "This enterprise appears twice in this import (already on row {row})",
        ),
        "watch.already_listed": (
            "该企业已在劳资隐患重点监管名单中", "The enterprise is already on the watch list"
        ),
        "watch.not_listed": ("该企业不在重点监管名单中", "The enterprise is not on the watch list"),
        "case.exists": (
            "该会员已有在档的困难职工档案（一户一档）",
            "This member already has an open hardship file (one file per household)",
        ),
        "case.not_open": (
            "档案已{status}，不能再登记帮扶", "The file is {status}; no more entries can be added"
        ),
        "case.member_inactive": (
            "只能为在会会员建档", "Only an active member can have a hardship file opened"
        ),
        "ledger.reversal_of_reversal": (
            "冲正记录不能再冲正", "A reversal cannot itself be reversed"
        ),
        "ledger.already_reversed": ("该记录已冲正过", "This entry has already been reversed"),
        "ledger.amount_required": (
            "“{kind}”需要填写大于零的金额", "“{kind}” needs an amount above zero"
        ),
        "ledger.education_twice": (
            "{student} 在 {year} 年已领取过金秋助学（同一学生每年只能资助一次）",
            "{student} already received education aid in {year} (once per student and year)",
        ),
        "ledger.beneficiary_required": (
            "金秋助学需填写受助学生姓名", "Education aid needs the student's name"
        ),
        "visit.target_required": (
            "请选择走访的企业（站点调研则选择站点）",
            "Choose the enterprise visited (or the station, for a station visit)",
        ),
        "visit.flags_required": (
            "经营状况异常时请至少选择一项异常情况",
            "When operations are abnormal, choose at least one finding",
        ),
        "visit.station_kind": (
            "站点调研只能以社区工联会为对象",
            "A station visit must target a station, not an enterprise",
        ),
        "event.migrants_exceed": (
            # the words of the event form's fields (其中外来务工人员人次, 服务人次)
            "其中外来务工人员人次（{migrants}）不能多于服务人次（{total}）",
            "Of whom migrant workers ({migrants}) cannot exceed the person-times ({total})",
        ),
        "user.exists": ("用户名“{username}”已存在", "The user name “{username}” is taken"),
        "user.password_short": (
            "密码至少需要 {min} 个字符", "The password needs at least {min} characters"
        ),
        "user.login_failed": ("用户名或密码错误", "Wrong user name or password"),
        "user.inactive": ("该用户已停用", "This user is disabled"),
        "station.code_invalid": (
            "站点编码只能包含字母、数字、连字符，长度 2–32",
            "A station code uses letters, digits and hyphens, 2–32 characters",
        ),
        "station.unknown": (
            "没有编码为 {station} 的站点：请先建立该站点（district-server enroll {station} "
            "--name …）",
            "There is no station {station}: create it first "
            "(district-server enroll {station} --name …)",
        ),
        "station.already_initialised": (
            "该数据库已属于站点 {code}，不能再次初始化",
            "This database already belongs to station {code}; it cannot be set up again",
        ),
        "target.metric_unknown": (
            "未知的指标“{metric}”，可选：{choices}", "Unknown metric “{metric}”; use one of: {choices}"
        ),
        "password.mismatch": ("两次输入的密码不一致", "The two passwords differ"),
        "member.not_duplicates": (
            "这两条记录不是同一身份证号", "These two records do not share an ID number"
        ),
        "member.transfer_same_station": (
            "会员已在该站点，无需转移", "The member already belongs to that station"
        ),
        "date.before": ("日期不能早于 {other}", "The date cannot be before {other}"),
    }
)

ROLE_LABELS = {
    "clerk": ("专职工作者", "a clerk"),
    "station_admin": ("站点管理员", "a station admin"),
    "district_admin": ("区总工会管理员", "a district admin"),
}


class PermissionDenied(ValidationError):
    """The acting user's role does not allow this; carries one ``perm.denied`` error."""


class NotFound(ValidationError):
    pass


# Who a unit of work opened without an actor acts as: nobody, who passes no role check
# (and whose unit of work writes nothing: ``Database.session``).
NOBODY = Actor("", SYSTEM_ROLE)


def actor_of(session: Session) -> Actor:
    return session.info.get("actor") or NOBODY


def require(session: Session, role: str, action_zh: str, action_en: str) -> Actor:
    actor = actor_of(session)
    if not actor.at_least(role):
        from station_app.domain.choices import ROLE
        from station_app.domain.validation import Localized

        raise PermissionDenied(
            [
                FieldError(
                    "role",
                    "perm.denied",
                    {
                        # the role as people know it (专职工作者 / Clerk), not its code
                        "role": Localized(*ROLE[actor.role]) if actor.role in ROLE
                        else actor.role,
                        "action": Localized(action_zh, action_en),
                        "needed": Localized(*ROLE_LABELS[role]),
                    },
                )
            ]
        )
    return actor


def get_or_404(session: Session, model: type, row_id: Any, what: str):
    obj = session.get(model, row_id) if row_id else None
    if obj is None or getattr(obj, "deleted", False):
        raise NotFound([FieldError(what, "not_found", {"what": f"{what} {row_id}"})])
    return obj


def today() -> date:
    """Today (at the district, while it checks a station's rows: the latest date anywhere;
    see ``validation.any_timezone_today``)."""
    return current_date()
