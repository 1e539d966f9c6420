"""The work report as a document a union office prints and signs: HTML, no Qt.

``report_html`` renders a report (counted now, or as it was signed) as one HTML document:
the title (the district or the station, "as of D"), every figure, the targets of D's year
each against the figure over its own scope (``figures.TargetProgress``, the rule of every
output), each station's last sync with the stations not synced since D flagged beside the
figures (their figures may be incomplete), a signed report's signature and what differs
from it now, when it was generated, and a sign-off block (编制人, 审核人, 负责人 with date
lines, the seal). The app prints it to PDF or paper through ``QTextDocument``/``QPrinter``
(the Reports page); ``station-admin report --html FILE`` writes it for a browser to print.
The HTML keeps to what Qt's rich text renders (tables with cell borders, no flexbox), with
page rules (A4) for browsers.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from station_app.domain.figures import (
    FIGURES,
    METRICS_EXTRA,
    Report,
    figure_label,
    figure_text,
)
from station_app.domain.signoff import (
    Difference,
    SignedView,
    SyncNote,
    differences_text,
    local_text,
    scope_name,
)

# (zh, en) for every caption of the document
T: dict[str, tuple[str, str]] = {
    "title": ("工作汇总报告", "Work summary report"),
    "as_of": ("截至 {d}", "as of {d}"),
    "figures": ("一、工作数字", "1. Figures"),
    "no": ("序号", "No."),
    "figure": ("指标", "Figure"),
    "value": ("数值", "Value"),
    "targets": ("二、{year} 年度目标", "2. Targets of {year}"),
    "no_targets": ("{year} 年度未设目标。", "No targets set for {year}."),
    "scope": ("范围", "Scope"),
    "target": ("目标值", "Target"),
    "progress": ("完成数", "Progress"),
    "percent": ("完成率", "Done"),
    "district": ("全区", "District"),
    "part": ("本站完成 {n}（全区目标）", "this station's part: {n} (district target)"),
    "sync": ("三、数据同步情况", "3. Sync with the stations"),
    "code": ("编码", "Code"),
    "station": ("站点", "Station"),
    "last_sync": ("最近同步", "Last sync"),
    "state": ("截至日期后是否已同步", "Synced since the as-of date"),
    "synced": ("已同步", "yes"),
    "not_synced": ("未同步：数字可能不完整", "no: figures may be incomplete"),
    "never": ("从未同步", "never"),
    "all_synced": ("各站点均已在 {d} 或之后同步。", "Every station synced on {d} or later."),
    "signed_title": ("已签署", "Signed"),
    "signed_as": ("本报告为签署时的数字。签署：{who}。", "The figures as they were signed. "
                  "Signed: {who}."),
    "signed_now": ("截至 {d} 的报告已签署：{who}。下列数字为现在的统计。",
                   "The report as of {d} was signed: {who}. The figures below are counted "
                   "now."),
    "note": ("备注：{note}", "Note: {note}"),
    "digest": ("编号 {id}，校验码 {digest}", "No. {id}, digest {digest}"),
    "not_intact": ("校验码与内容不符：该记录在签署后被改动过！",
                   "The digest does not match the content: this record was changed after "
                   "signing!"),
    "since": ("签署后的变化", "Since signing"),
    "signoff": ("审核签字", "Sign-off"),
    "prepared": ("编制人", "Prepared by"),
    "reviewed": ("审核人", "Reviewed by"),
    "head": ("负责人", "Head of office"),
    "sign_here": ("签字：________________", "Signature: ________________"),
    "date_line": ("日期：______年____月____日", "Date: ________________"),
    "seal": ("（单位盖章）", "(seal of the union)"),
    "e_signed": ("电子签署：{who}", "Signed in the app: {who}"),
    "generated": ("生成时间：{t}　　Station app {v}", "Generated {t}   Station app {v}"),
    "how": ("数字按截至日期所在年度统计（截至 {d}），均由记录计算得出，非手工填写；"
            "目标按各自范围计算完成数。",
            "Each figure is counted from the records for the year of the as-of date (up to "
            "{d}), never typed in; each target is measured over its own scope."),
}


def caption(key: str, lang: str = "zh", **params: Any) -> str:
    text = T[key][0 if lang.startswith("zh") else 1]
    return text.format(**params) if params else text


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def long_date(d: date, lang: str = "zh") -> str:
    """2023年5月31日, or 2023-05-31."""
    return f"{d.year}年{d.month}月{d.day}日" if lang.startswith("zh") else d.isoformat()


STYLE = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'SimSun',
       sans-serif; font-size: 10.5pt; color: #000; }
h1 { text-align: center; font-size: 17pt; margin-bottom: 2pt; }
p.sub { text-align: center; font-size: 11pt; margin-top: 0; }
h2 { font-size: 12pt; margin-top: 14pt; margin-bottom: 4pt; }
table.grid { border-collapse: collapse; width: 100%; }
table.grid td, table.grid th { border: 1px solid #444; padding: 3px 6px; }
table.grid th { background-color: #eeeeee; font-weight: bold; }
td.num { text-align: right; }
td.flag { color: #b00020; font-weight: bold; }
tr.changed td { background-color: #fff3cd; }
.warn { color: #b00020; font-weight: bold; }
.muted { color: #555555; font-size: 9pt; }
"""


def _box(inner: str, colour: str) -> str:
    """A bordered box (a one-cell table: what Qt's rich text renders with a border)."""
    return (f'<table width="100%" border="1" cellspacing="0" cellpadding="6" '
            f'style="border: 2px solid {colour}; border-collapse: collapse; margin: 6pt 0">'
            f'<tr><td style="border: 2px solid {colour}">{inner}</td></tr></table>')


def _figure_name(code: str, lang: str) -> str:
    return figure_label(code, lang) if code in FIGURES or code in METRICS_EXTRA else code


def report_html(report: Report, sync: SyncNote, *, lang: str = "zh",
                signed: SignedView | None = None, as_signed: bool = False,
                differences: Sequence[Difference] | None = None,
                generated_at: datetime | None = None, tz: tzinfo | None = None,
                version: str | None = None) -> str:
    """The printable report. ``signed``: the signed report of this date and scope (the
    newest); ``as_signed``: ``report`` and ``sync`` are that signed report's own (the
    document shows the figures as signed, with the signature), else the report is counted
    now and names the signature. ``differences``: what differs now from ``signed``."""
    c = lambda key, **p: _e(caption(key, lang, **p))  # noqa: E731
    zh = lang.startswith("zh")
    s = report.summary
    who = scope_name(report, lang)
    title = f"{who}{caption('title', lang)}" if zh else f"{who}: {caption('title', lang)}"
    if version is None:
        from station_app import __version__ as version
    when = (generated_at or datetime.now().astimezone()).astimezone(tz)
    changed = {d.metric for d in (differences or ()) if d.what == "figure"}
    out: list[str] = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8">',
        f"<title>{_e(title)} — {_e(s.as_of.isoformat())}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub" align="center">{c("as_of", d=long_date(s.as_of, lang))}</p>',
    ]

    # the signature, and what differs from it: prominent, before the figures
    if signed is not None:
        lines = [f"<b>{c('signed_title')}</b>　" if zh else f"<b>{c('signed_title')}</b> "]
        lines.append(c("signed_as", who=signed.who(lang, tz)) if as_signed
                     else c("signed_now", d=s.as_of.isoformat(), who=signed.who(lang, tz)))
        if signed.note:
            lines.append("<br>" + c("note", note=signed.note))
        digest = c("digest", id=signed.id, digest=signed.digest[:16])
        lines.append(f'<br><span class="muted">{digest}</span>')
        if not signed.intact:
            lines.append(f'<br><span class="warn">{c("not_intact")}</span>')
        if differences is not None:
            text = differences_text(differences, lang)
            lines.append(f'<br><span class="{"warn" if differences else ""}">'
                         f"{_e(text)}</span>")
        out.append(_box("".join(lines), "#b00020" if differences else "#2e7d32"))

    # stations not synced since D: beside the figures
    warning = sync.warning(lang)
    if warning:
        out.append(_box(f'<span class="warn">{_e(warning)}</span>', "#b00020"))
    own = sync.own_line(lang)
    if own:
        out.append(f'<p class="muted">{_e(own)}</p>')

    # the figures
    out.append(f"<h2>{c('figures')}</h2>")
    out.append('<table class="grid" width="100%" border="1" cellspacing="0" cellpadding="3">'
               f'<tr><th width="8%">{c("no")}</th><th width="64%">{c("figure")}</th>'
               f'<th width="28%">{c("value")}</th></tr>')
    for n, (code, text, value) in enumerate(report.figures(lang), start=1):
        row_class = ' class="changed"' if code in changed else ""
        out.append(f"<tr{row_class}><td class=\"num\" align=\"right\">{n}</td>"
                   f"<td>{_e(text)}</td>"
                   f"<td class=\"num\" align=\"right\">{_e(figure_text(code, value))}</td></tr>")
    out.append("</table>")

    # the targets, each over its own scope
    year = s.as_of.year
    out.append(f"<h2>{c('targets', year=year)}</h2>")
    if s.targets:
        out.append('<table class="grid" width="100%" border="1" cellspacing="0" '
                   f'cellpadding="3"><tr><th>{c("figure")}</th><th>{c("scope")}</th>'
                   f"<th>{c('target')}</th><th>{c('progress')}</th>"
                   f"<th>{c('percent')}</th></tr>")
        for t in s.targets:
            scope = caption("district", lang) if t.station_id is None else t.scope
            if t.progress is not None:
                progress = figure_text(t.metric, t.progress)
                done = f"{t.percent}%" if t.percent is not None else ""
            else:
                progress = caption("part", lang, n=figure_text(t.metric, t.part or 0))
                done = ""
            out.append(f"<tr><td>{_e(_figure_name(t.metric, lang))}</td><td>{_e(scope)}</td>"
                       f'<td class="num" align="right">{_e(figure_text(t.metric, t.target))}'
                       f'</td><td class="num" align="right">{_e(progress)}</td>'
                       f'<td class="num" align="right">{_e(done)}</td></tr>')
        out.append("</table>")
    else:
        out.append(f"<p>{c('no_targets', year=year)}</p>")

    # each station's last sync (at the district)
    if sync.at_district and sync.stations:
        late = {st.code for st in sync.not_synced}
        out.append(f"<h2>{c('sync')}</h2>")
        if not late:
            out.append(f"<p>{c('all_synced', d=s.as_of.isoformat())}</p>")
        out.append('<table class="grid" width="100%" border="1" cellspacing="0" '
                   f'cellpadding="3"><tr><th>{c("code")}</th><th>{c("station")}</th>'
                   f"<th>{c('last_sync')}</th><th>{c('state')}</th></tr>")
        for st in sync.stations:
            last = local_text(st.last_sync, tz) if st.last_sync else caption("never", lang)
            flagged = st.code in late
            state = caption("not_synced" if flagged else "synced", lang)
            cell = '<td class="flag">' if flagged else "<td>"
            out.append(f"<tr><td>{_e(st.code)}</td><td>{_e(st.name)}</td><td>{_e(last)}</td>"
                       f"{cell}{_e(state)}</td></tr>")
        out.append("</table>")

    out.append(f'<p class="muted">{c("how", d=s.as_of.isoformat())}</p>')

    # the sign-off block
    out.append(f"<h2>{c('signoff')}</h2>")
    if signed is not None and as_signed:
        out.append(f"<p>{c('e_signed', who=signed.who(lang, tz))}</p>")
    out.append('<table width="100%" border="1" cellspacing="0" cellpadding="8" '
               'class="grid"><tr>')
    for key in ("prepared", "reviewed", "head"):
        out.append(f'<td width="33%" valign="top" style="height: 80px"><b>{c(key)}</b>'
                   f"<br><br>{c('sign_here')}<br><br>{c('date_line')}</td>")
    out.append("</tr></table>")
    out.append(f'<p align="right" style="text-align: right">{c("seal")}</p>')
    out.append(f'<p class="muted">{c("generated", t=when.strftime("%Y-%m-%d %H:%M"), v=version)}'
               "</p>")
    out.append("</body></html>")
    return "\n".join(out)
