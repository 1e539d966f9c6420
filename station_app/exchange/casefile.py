"""The hardship file (困难职工档案表) of one household, as data and as printable HTML.

``load_case_file`` takes a plain snapshot of a file (the case, its member, the household
members, the ledger entries and the totals that count) that can leave the session and
the worker thread; ``case_file_html`` renders it as one HTML document for printing or
PDF. No Qt here: the UI hands the HTML to a ``QTextDocument``.

Totals are the service's (``hardship.ledger_totals``): a reversed entry and its reversal
(冲正) count for nothing, so the figures reconcile with every other ledger report.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from station_app.domain.choices import (
    CASE_CHOICES,
    CASE_STATUS,
    GENDER,
    HARDSHIP_CATEGORY,
    HARDSHIP_LEVEL,
    HOUSEHOLD_RELATION,
    LEDGER_KIND,
    label,
)
from station_app.domain.models import Enterprise, HardshipCase, HouseholdMember
from station_app.domain.services import hardship
from station_app.domain.services.common import get_or_404
from station_app.domain.validation import format_fen


@dataclass(frozen=True)
class EntryRow:
    id: str
    no: int  # 序号 in date order, used to reference the original of a reversal
    entry_date: date
    kind: str
    amount_fen: int
    cover_year: int | None
    beneficiary: str | None
    funding_source: str | None
    handled_by: str | None
    note: str | None
    reverses_id: str | None
    reverses_no: int | None = None
    reversed_by_no: int | None = None

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def is_reversed(self) -> bool:
        return self.reversed_by_no is not None

    @property
    def counts(self) -> bool:
        """Whether the entry counts in the totals (not reversed, not a reversal)."""
        return not self.is_reversal and not self.is_reversed


@dataclass(frozen=True)
class HouseholdRow:
    id: str
    name: str
    relation: str
    id_number: str | None
    age: int | None
    health: str | None
    school_or_work: str | None


@dataclass(frozen=True)
class CaseFile:
    """A detached snapshot of one hardship file."""

    id: str
    member_id: str
    status: str
    values: dict[str, Any]  # the case's own columns
    member: dict[str, Any]  # name, gender, ethnicity, id_number, employer_name, phone
    household: list[HouseholdRow] = field(default_factory=list)
    entries: list[EntryRow] = field(default_factory=list)
    totals_by_kind: dict[str, int] = field(default_factory=dict)
    counts_by_kind: dict[str, int] = field(default_factory=dict)
    # the newest sign-off of each block ("grassroots", "upper"), if any
    # (``services.corrections.SignoffView``: who, when, in force or not)
    signoffs: dict[str, Any] = field(default_factory=dict)

    @property
    def total_fen(self) -> int:
        return sum(self.totals_by_kind.values())

    @property
    def name(self) -> str:
        return self.member.get("name") or ""


CASE_COLUMNS = (
    "category", "level", "household_size", "monthly_income_per_capita_fen", "registered_date",
    "last_review_date", "status", "exit_date", "exit_reason", "political_status", "health",
    "disability_category", "model_worker_type", "housing_type", "employer_name",
    "employer_nature", "enterprise_status", "single_parent", "own_monthly_income_fen",
    "household_annual_income_fen", "hukou_area", "medical_insurance", "zero_employment",
    "primary_cause", "secondary_cause", "bank_name", "bank_account", "filed_by",
    "reviewed_by", "entered_by", "grassroots_signed_by", "grassroots_signed_date",
    "upper_signed_by", "upper_signed_date", "notes",
)


def masked_case_file(cf: CaseFile) -> CaseFile:
    """The same file with the member's and the household's ID numbers masked
    (``exposure.mask_for_export``), and the bank account but its last 4 digits, as a
    clerk's print or export shows them."""
    from dataclasses import replace

    from station_app.domain.services.exposure import mask_account, mask_for_export

    member = dict(cf.member, id_number=mask_for_export(cf.member.get("id_number")))
    household = [replace(h, id_number=mask_for_export(h.id_number)) for h in cf.household]
    values = dict(cf.values, bank_account=mask_account(cf.values.get("bank_account")))
    return replace(cf, member=member, household=household, values=values)


def case_file_for_print(session: Session, case_id: str) -> CaseFile:
    """The file as the acting user may print it: ID numbers in full for those the
    permission table lets (``export.full_ids``), masked for anyone else."""
    from station_app.domain.services.exposure import full_ids_allowed

    cf = load_case_file(session, case_id)
    return cf if full_ids_allowed(session) else masked_case_file(cf)


def load_case_file(session: Session, case_id: str) -> CaseFile:
    """Read one file with its household and ledger (raises ``NotFound``)."""
    case: HardshipCase = get_or_404(session, HardshipCase, case_id, "case")
    m = case.member
    # 工作单位 as the members list and the roster show it: the linked enterprise's name
    linked = session.get(Enterprise, m.employer_id) if m.employer_id else None
    employer = linked.name if linked is not None and not linked.deleted else m.employer_name
    member = {
        "name": m.name, "gender": m.gender, "ethnicity": m.ethnicity,
        "id_number": m.id_number, "employer_name": employer, "phone": m.phone,
        "birth_date": m.birth_date,
    }
    household = [
        HouseholdRow(h.id, h.name, h.relation, h.id_number, h.age, h.health, h.school_or_work)
        for h in session.execute(
            select(HouseholdMember)
            .where(HouseholdMember.case_id == case.id, HouseholdMember.deleted == false())
            .order_by(HouseholdMember.id)  # (in the order added: an edit keeps its place)
        ).scalars()
    ]
    raw = hardship.case_entries(session, case.id)
    numbers = {e.id: i for i, e in enumerate(raw, start=1)}
    reversed_by = {e.reverses_id: numbers[e.id] for e in raw if e.reverses_id}
    entries = [
        EntryRow(
            id=e.id, no=numbers[e.id], entry_date=e.entry_date, kind=e.kind,
            amount_fen=e.amount_fen, cover_year=e.cover_year, beneficiary=e.beneficiary,
            funding_source=e.funding_source, handled_by=e.handled_by, note=e.note,
            reverses_id=e.reverses_id, reverses_no=numbers.get(e.reverses_id or ""),
            reversed_by_no=reversed_by.get(e.id),
        )
        for e in raw
    ]
    totals = hardship.ledger_totals(session, group_by=("kind",), case_id=case.id)
    signed = hardship.case_signoffs(session, case.id)
    signoffs = {level: views[0] for level, views in (("grassroots", signed.grassroots),
                                                      ("upper", signed.upper)) if views}
    return CaseFile(
        id=case.id, member_id=case.member_id, status=case.status,
        values={c: getattr(case, c) for c in CASE_COLUMNS}, member=member,
        household=household, entries=entries,
        totals_by_kind={k[0]: v for k, v in totals.by_key.items()},
        counts_by_kind={k[0]: v for k, v in totals.count_by_key.items()},
        signoffs=signoffs,
    )


# --------------------------------------------------------------------------- HTML

# (zh, en) for every caption of the document
T: dict[str, tuple[str, str]] = {
    "title": ("困难职工档案表", "Hardship file"),
    "file": ("档案信息", "The file"),
    "category": ("困难类别", "Category"),
    "level": ("困难程度", "Level"),
    "name": ("姓名", "Name"),
    "ethnicity": ("民族", "Ethnicity"),
    "gender": ("性别", "Gender"),
    "political_status": ("政治面貌", "Political status"),
    "id_number": ("身份证号", "ID number"),
    "health": ("健康状况", "Health"),
    "disability_category": ("残疾类别", "Disability category"),
    "model_worker_type": ("劳模类型", "Model-worker type"),
    "housing_type": ("住房类型", "Housing"),
    "employer_name": ("工作单位", "Employer"),
    "employer_nature": ("单位性质", "Employer type"),
    "enterprise_status": ("企业状况", "Enterprise status"),
    "single_parent": ("是否单亲", "Single parent"),
    "own_monthly_income_fen": ("本人月收入（元）", "Own monthly income (yuan)"),
    "household_annual_income_fen": ("家庭年总收入（元）", "Household annual income (yuan)"),
    "household_size": ("家庭人口", "Household size"),
    "monthly_income_per_capita_fen": ("人均月收入（元）", "Per-capita monthly income (yuan)"),
    "hukou_area": ("户口所在地区划", "Hukou area"),
    "medical_insurance": ("医保状况", "Medical insurance"),
    "zero_employment": ("是否零就业家庭", "Zero-employment household"),
    "primary_cause": ("主要致困原因", "Main cause"),
    "secondary_cause": ("次要致困原因", "Secondary cause"),
    "bank_name": ("开户银行", "Bank"),
    "bank_account": ("卡号", "Account no."),
    "filed_by": ("建档人", "Filed by"),
    "reviewed_by": ("审核人", "Reviewed by"),
    "entered_by": ("录入人", "Entered by"),
    "registered_date": ("建档日期", "Registered"),
    "last_review_date": ("最近年审", "Last review"),
    "status": ("档案状态", "Status"),
    "exit_date": ("脱困日期", "Exit date"),
    "exit_reason": ("脱困原因", "Exit reason"),
    "cancel_date": ("注销日期", "Cancellation date"),
    "cancel_reason": ("注销原因", "Cancellation reason"),
    "notes": ("备注", "Notes"),
    "household": ("家庭成员", "Household members"),
    "relation": ("与户主关系", "Relation"),
    "age": ("年龄", "Age"),
    "school_or_work": ("就学/就业情况", "School / work"),
    "ledger": ("帮扶台账", "Assistance ledger"),
    "no": ("序号", "No."),
    "entry_date": ("帮扶日期", "Date"),
    "kind": ("帮扶类型", "Kind"),
    "amount": ("金额（元）", "Amount (yuan)"),
    "funding_source": ("资金来源", "Funding source"),
    "handled_by": ("经办人", "Handled by"),
    "note": ("备注", "Note"),
    "totals": ("帮扶合计", "Totals"),
    "count": ("笔数", "Entries"),
    "overall": ("合计", "Total"),
    "reversal": ("冲正", "Reversal"),
    "reverses": ("冲正第{no}笔", "reverses no. {no}"),
    "reversed_by": ("已被第{no}笔冲正", "reversed by no. {no}"),
    "cover_year": ("保障年度 {year}", "cover year {year}"),
    "beneficiary": ("受助学生：{name}", "student: {name}"),
    "totals_note": ("已冲正的记录及其冲正记录均不计入合计。",
                    "A reversed entry and its reversal count for nothing in the totals."),
    "none": ("（无）", "(none)"),
    "signoff": ("审核意见", "Sign-off"),
    "grassroots": ("基层工会意见", "Grassroots union"),
    "upper": ("上级工会意见", "Upper union"),
    "signed_by": ("签字", "Signed by"),
    "signed_date": ("日期", "Date"),
    "seal": ("（盖章）", "(seal)"),
    "signoff_void": ("签署后档案已修改，签署作废：", "Void — the file changed after signing: "),
    "yes": ("是", "Yes"),
    "no_": ("否", "No"),
}


def caption(key: str, lang: str = "zh", **params: Any) -> str:
    text = T[key][0 if lang.startswith("zh") else 1]
    return text.format(**params) if params else text


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _money(fen: int | None) -> str:
    return "" if fen is None else format_fen(fen, grouping=True)


def _value(key: str, value: Any, lang: str) -> str:
    """A field's display text (not yet escaped)."""
    if value is None:
        return ""
    if key == "category":
        return label(HARDSHIP_CATEGORY, value, lang)
    if key == "level":
        return label(HARDSHIP_LEVEL, value, lang)
    if key == "status":
        return label(CASE_STATUS, value, lang)
    if key == "gender":
        return label(GENDER, value, lang)
    if key in CASE_CHOICES:
        return label(CASE_CHOICES[key], value, lang)
    if key.endswith("_fen"):
        return _money(value)
    if isinstance(value, bool):
        return caption("yes" if value else "no_", lang)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


STYLE = """
body { font-family: 'Noto Sans CJK SC', 'Microsoft YaHei', 'SimSun', sans-serif;
       font-size: 10pt; }
h1 { text-align: center; font-size: 16pt; }
h2 { font-size: 12pt; margin-top: 12pt; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #444; padding: 3px 5px; }
th { background: #eee; }
td.num { text-align: right; }
tr.rev td { color: #666; }
.mark { color: #b00020; font-weight: bold; }
.muted { color: #555; }
"""


# a closed file's date and reason (``exit_date``/``exit_reason`` hold both ways of closing)
# are captioned by how it was closed
_CLOSED_CAPTIONS = {("cancelled", "exit_date"): "cancel_date",
                    ("cancelled", "exit_reason"): "cancel_reason"}


def render_case_file(cf: CaseFile, lang: str = "zh", *, station: str | None = None) -> str:
    """The HTML document of a loaded file; every value is escaped."""
    c = lambda key, **p: _e(caption(key, lang, **p))  # noqa: E731
    values = {**cf.values, **{k: v for k, v in cf.member.items() if v is not None}}
    # the file's own employer text wins over the member's when it is set
    if cf.values.get("employer_name"):
        values["employer_name"] = cf.values["employer_name"]
    out: list[str] = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang.startswith("zh") else "en"}"><head><meta charset="utf-8">',
        f"<title>{c('title')} — {_e(cf.name)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{c('title')}</h1>",
    ]
    if station:
        out.append(f'<p class="muted" style="text-align:center">{_e(station)}</p>')

    # the file's fields, two per row (label, value, label, value)
    fields = [
        "category", "level", "name", "ethnicity", "gender", "political_status", "id_number",
        "health", "disability_category", "model_worker_type", "housing_type", "employer_name",
        "employer_nature", "enterprise_status", "single_parent", "own_monthly_income_fen",
        "household_annual_income_fen", "household_size", "monthly_income_per_capita_fen",
        "hukou_area", "medical_insurance", "zero_employment", "primary_cause",
        "secondary_cause", "bank_name", "bank_account", "registered_date", "last_review_date",
        "status", "filed_by", "reviewed_by", "entered_by",
    ]
    if cf.status != "open":
        fields += ["exit_date", "exit_reason"]
    out.append(f"<h2>{c('file')}</h2><table width='100%' cellspacing='0'>")
    for i in range(0, len(fields), 2):
        cells = []
        for key in fields[i:i + 2]:
            cells.append(f"<th>{c(_CLOSED_CAPTIONS.get((cf.status, key), key))}</th>"
                         f"<td>{_e(_value(key, values.get(key), lang))}</td>")
        if len(cells) == 1:
            cells.append("<th></th><td></td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    if cf.values.get("notes"):
        out.append(f'<tr><th>{c("notes")}</th><td colspan="3">{_e(cf.values["notes"])}</td></tr>')
    out.append("</table>")

    # household members
    out.append(f"<h2>{c('household')}</h2>")
    if cf.household:
        out.append("<table width='100%' cellspacing='0'><tr>" + "".join(
            f"<th>{c(k)}</th>" for k in ("name", "relation", "id_number", "age", "health",
                                         "school_or_work")) + "</tr>")
        for h in cf.household:
            out.append(
                f"<tr><td>{_e(h.name)}</td><td>{_e(label(HOUSEHOLD_RELATION, h.relation, lang))}"
                f"</td><td>{_e(h.id_number)}</td><td class=\"num\">{_e(h.age)}</td>"
                f"<td>{_e(h.health)}</td><td>{_e(h.school_or_work)}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append(f'<p class="muted">{c("none")}</p>')

    # the ledger
    out.append(f"<h2>{c('ledger')}</h2>")
    if cf.entries:
        out.append("<table width='100%' cellspacing='0'><tr>" + "".join(
            f"<th>{c(k)}</th>" for k in ("no", "entry_date", "kind", "amount", "funding_source",
                                         "handled_by", "note")) + "</tr>")
        for e in cf.entries:
            notes: list[str] = []
            if e.is_reversal:
                notes.append(f'<span class="mark">{c("reversal")}</span> '
                             f'{c("reverses", no=e.reverses_no or "?")}')
            if e.is_reversed:
                notes.append(f'<span class="mark">{c("reversed_by", no=e.reversed_by_no)}</span>')
            if e.cover_year:
                notes.append(c("cover_year", year=e.cover_year))
            if e.beneficiary:
                notes.append(c("beneficiary", name=e.beneficiary))
            if e.note:
                notes.append(_e(e.note))
            row_class = ' class="rev"' if not e.counts else ""
            out.append(
                f"<tr{row_class}><td class=\"num\">{e.no}</td>"
                f"<td>{_e(e.entry_date.isoformat())}</td>"
                f"<td>{_e(label(LEDGER_KIND, e.kind, lang))}</td>"
                f"<td class=\"num\">{_e(_money(e.amount_fen))}</td>"
                f"<td>{_e(e.funding_source)}</td><td>{_e(e.handled_by)}</td>"
                f"<td>{'；'.join(notes) if lang.startswith('zh') else '; '.join(notes)}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append(f'<p class="muted">{c("none")}</p>')

    # totals per kind and overall (entries that count)
    out.append(f"<h2>{c('totals')}</h2><table width='100%' cellspacing='0'>"
               f"<tr><th>{c('kind')}</th><th>{c('count')}</th><th>{c('amount')}</th></tr>")
    for kind in LEDGER_KIND:
        if kind in cf.counts_by_kind:
            out.append(
                f"<tr><td>{_e(label(LEDGER_KIND, kind, lang))}</td>"
                f"<td class=\"num\">{cf.counts_by_kind[kind]}</td>"
                f"<td class=\"num\">{_e(_money(cf.totals_by_kind.get(kind, 0)))}</td></tr>"
            )
    out.append(
        f"<tr><th>{c('overall')}</th><th class=\"num\">{sum(cf.counts_by_kind.values())}</th>"
        f"<th class=\"num\">{_e(_money(cf.total_fen))}</th></tr></table>"
        f'<p class="muted">{c("totals_note")}</p>'
    )

    # sign-off blocks
    out.append(f"<h2>{c('signoff')}</h2><table width='100%' cellspacing='0'><tr>")
    for level in ("grassroots", "upper"):
        view = cf.signoffs.get(level)
        who = view.signed_by_name if view is not None else None
        when = view.signed_date if view is not None else None
        void = ""
        if view is not None and not view.in_force:
            # a sign-off the file changed after: shown, struck out, with why
            zh = lang.startswith("zh")
            why = view.why_void(lang) or ("；" if zh else "; ").join(
                x.zh if zh else x.en for x in view.changes)
            void = f'<br><span class="muted">{c("signoff_void")}{_e(why)}</span>'
            who = f"<s>{_e(who)}</s>"
        else:
            who = _e(who)
        out.append(
            f'<td style="width:50%; vertical-align:top; height:90px"><b>{c(level)}</b><br><br>'
            f"{c('signed_by')}：{who}<br>{c('signed_date')}：{_e(_value('d', when, lang))}"
            f"{void}<br><br>{c('seal')}</td>"
        )
    out.append("</tr></table></body></html>")
    return "\n".join(out)


def case_file_html(session: Session, case_id: str, lang: str = "zh") -> str:
    """The 困难职工档案表 of one household as an HTML document."""
    cf = load_case_file(session, case_id)
    return render_case_file(cf, lang)
