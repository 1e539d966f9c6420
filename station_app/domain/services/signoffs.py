"""Signing the work report, and what a signed report is compared with.

A district administrator signs the district's report (at the district), a station
administrator the station's own (on the station's file): ``sign_report`` counts the report
as of D in the same transaction that keeps it — every figure, the amounts by kind, the
targets with their progress, each station's last sync — with who signed (user name and
display name), when (UTC) and a note, in ``signed_reports``: append-only (database
triggers), never changed or deleted; signing again adds another. A station's signed
reports go to the district by sync (its own rows); the district's stay at the district.

``compare`` counts the same report today for the same date and scope: every figure that
differs is "signed N, now M" (a record dated on or before D entered after signing, a
correction, a station's late sync). The selects are ``QUERIES`` (compiled for the command
lines' fast path into ``signoffs_sqlite.py``); the rest is ``domain.signoff``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import Any

from sqlalchemy import Date, Select, String, bindparam, false, select
from sqlalchemy.orm import Session

from station_app.domain import signoff
from station_app.domain.figures import Run, summary_report
from station_app.domain.models import LocalState, SignedReport, Station, StationCredential, User
from station_app.domain.services import metrics
from station_app.domain.services.common import actor_of
from station_app.domain.services.corrections import permit
from station_app.domain.services.stations import stations_select
from station_app.domain.signoff import (  # noqa: F401  (part of this module's API)
    Comparison,
    Difference,
    SignedView,
    SyncNote,
    compare,
    differences,
    get_signed,
    report_content,
    report_sync,
    signed_for,
)
from station_app.domain.validation import (
    FIELD_LABELS,
    ErrorCollector,
    parse_date,
    parse_text,
    register_messages,
)

register_messages({
    "sign.needs_user": (
        "签署报告需要以本数据库的用户身份进行（请登录；命令行请用 --as 用户名）",
        "signing a report takes a user of this database (log in; on the command line, "
        "--as USER)",
    ),
    "sign.changed": (
        "打开报告后数字已有变化（{count} 项），请重新查看报告后再签署",
        "the figures changed since the report was opened ({count} of them): look at the "
        "report again, then sign",
    ),
    "sign.scope": ("应为 district（全区）或 station（站点），而不是“{value}”",
                   "must be district or station, not “{value}”"),
    "sign.content": ("签署的报告内容不完整或无法读取（应为本软件签署时保存的数字）",
                     "the signed report's content is incomplete or unreadable (it must be "
                     "the figures the app kept when signing)"),
    "sign.digest": ("与签署的内容不符：报告在签署后被改动过",
                    "does not match the signed content: the report was changed after "
                    "signing"),
    "sign.time": ("不是签署时间（UTC）：“{value}”", "is not a time of signing (UTC): “{value}”"),
})
for _field, _labels in {
    "as_of": ("截至日期", "As-of date"),
    "signed_report": ("已签署报告", "Signed report"),
    "figures": ("数字", "Figures"),
    "scope": ("范围", "Scope"),
    "content": ("报告内容", "Report content"),
    "digest": ("校验码", "Digest"),
    "signed_by": ("签署人", "Signed by"),
    "signed_by_name": ("签署人姓名", "Signer's name"),
    "signed_at": ("签署时间", "Signed at"),
}.items():
    FIELD_LABELS.setdefault(_field, _labels)

AS_OF = bindparam("as_of", type_=Date)
OWNER = bindparam("station_id", type_=String)
_SIGNED_COLUMNS = (SignedReport.id, SignedReport.station_id, SignedReport.as_of,
                   SignedReport.scope, SignedReport.scope_code, SignedReport.scope_name,
                   SignedReport.content, SignedReport.digest, SignedReport.signed_by,
                   SignedReport.signed_by_name, SignedReport.signed_at, SignedReport.note)


def _station_syncs(_station: bool) -> Select:
    """Every station but the district's own row, by code, with its last sync (UTC)."""
    return (stations_select(Station.id, Station.code, Station.name,
                            StationCredential.last_sync_at, district=False)
            .outerjoin(StationCredential, StationCredential.station_id == Station.id))


def _signed_on(_station: bool) -> Select:
    """The signed reports of one owner (a station, or the district) for D, newest first."""
    return (select(*_SIGNED_COLUMNS)
            .where(SignedReport.station_id == OWNER, SignedReport.as_of == AS_OF,
                   SignedReport.deleted == false())
            .order_by(SignedReport.signed_at.desc(), SignedReport.id.desc()))


def _signed_list(_station: bool) -> Select:
    """Every signed report held here: by as-of date, then signing, the newest first."""
    return (select(*_SIGNED_COLUMNS).where(SignedReport.deleted == false())
            .order_by(SignedReport.as_of.desc(), SignedReport.signed_at.desc(),
                      SignedReport.id.desc()))


def _own_last_sync(_station: bool) -> Select:
    """A station's own last sync with the district (its local state)."""
    return select(LocalState.value).where(LocalState.key == "last_sync")


# The selects of this module by name (``domain.signoff`` runs them); compiled for SQLite
# into signoffs_sqlite.py (``python -m station_app.storage.sqlgen
# station_app.domain.services.signoffs``).
QUERIES: dict[str, Callable[[bool], Select]] = {
    "station_syncs": _station_syncs,
    "signed_on": _signed_on,
    "signed_list": _signed_list,
    "own_last_sync": _own_last_sync,
}


def session_run(session: Session) -> Run:
    """One ``Run`` over a session for the figures' selects and these."""
    queries = {**metrics.QUERIES, **QUERIES}

    def run(name: str, station: bool, params: Mapping[str, Any]) -> list:
        return [tuple(r) for r in session.execute(queries[name](station), dict(params))]
    return run


def sign_report(session: Session, as_of: Any, note: Any = None, *,
                expected: Mapping[str, int] | None = None,
                tz: tzinfo | None = None) -> SignedView:
    """Sign the report as of D of this database's scope — the district's at the district
    (a district administrator), the station's own on its file (a station administrator) —
    as counted now, in this transaction. ``expected``: the figures the signer was shown;
    when the count differs (a sync arrived meanwhile) nothing is signed."""
    from station_app.storage.capture import utc_now_text

    ctx = session.info["ctx"]
    at_district = bool(ctx.district)
    if at_district:
        permit(session, "report.sign_district")
    else:
        permit(session, "report.sign_station")
    actor = actor_of(session)
    c = ErrorCollector()
    day = c.check("as_of", parse_date, as_of, field="as_of", not_future=True)
    text = c.check("note", parse_text, note, field="note", max_len=signoff.NOTE_MAX,
                   multiline=True)
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not user.active or user.username != actor.username:
        c.add("role", "sign.needs_user")
    c.raise_if_any()
    station_id = None if at_district else ctx.station_id
    run = session_run(session)
    report = summary_report(run, day, station_id)
    content = report_content(report, signoff.report_sync(run, day, station_id,
                                                 at_district=at_district, tz=tz))
    if expected is not None:
        shown = {k: int(v) for k, v in expected.items()}
        changed = [k for k in set(shown) | set(content["values"])
                   if shown.get(k) != content["values"].get(k)]
        if changed:
            c.add("figures", "sign.changed", count=len(changed))
            c.raise_if_any()
    signed_at = utc_now_text()
    name = (user.display_name or "").strip() or user.username
    digest = signoff.signature_digest(content, signed_by=user.username, signed_by_name=name,
                                      signed_at=signed_at, note=text)
    row = SignedReport(as_of=day, scope="district" if at_district else "station",
                       scope_code=report.station_code,
                       scope_name=signoff.scope_name(report, "zh"),
                       content=signoff.canonical(content), digest=digest,
                       signed_by=user.username, signed_by_name=name, signed_at=signed_at,
                       note=text)
    session.add(row)
    session.flush()
    return SignedView(row.id, row.station_id, day, row.scope, row.scope_code, row.scope_name,
                      content, digest, row.signed_by, row.signed_by_name, signed_at, text)


def clean_signed_report(row: Mapping[str, Any]) -> None:
    """What a signed report as stored keeps to (the district checks every one a station
    sends, ``sync.validate``): a scope, an as-of date not in the future, the content the
    app kept (JSON: its date and scope the row's, every figure a whole number), the
    digest of that content with the signature, who signed and when, a note within its
    length. Raises ``ValidationError`` naming each field."""
    c = ErrorCollector()
    if row.get("scope") not in ("district", "station"):
        c.add("scope", "sign.scope", value=row.get("scope"))
    day = c.check("as_of", parse_date, row.get("as_of"), field="as_of", not_future=True)
    c.check("signed_by", parse_text, row.get("signed_by"), field="signed_by", required=True,
            max_len=50)
    c.check("signed_by_name", parse_text, row.get("signed_by_name"), field="signed_by_name",
            required=True, max_len=100)
    c.check("note", parse_text, row.get("note"), field="note", max_len=signoff.NOTE_MAX,
            multiline=True)
    if signoff.utc_stamp(row.get("signed_at")) is None:
        c.add("signed_at", "sign.time", value=row.get("signed_at"))
    content = _content(row.get("content"))
    if content is None or (day is not None and content["as_of"] != day.isoformat()) \
            or content.get("scope") != row.get("scope"):
        c.add("content", "sign.content")
    elif row.get("digest") != signoff.signature_digest(
            content, signed_by=row.get("signed_by"), signed_by_name=row.get("signed_by_name"),
            signed_at=row.get("signed_at"), note=row.get("note")):
        c.add("digest", "sign.digest")
    c.raise_if_any()


def _content(text: Any) -> dict[str, Any] | None:
    """A signed report's content as the app keeps it, or None."""
    import json

    try:
        data = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("version") != signoff.CONTENT_VERSION:
        return None
    values = data.get("values")
    if not isinstance(data.get("as_of"), str) or not isinstance(values, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values.values()):
        return None
    return data
