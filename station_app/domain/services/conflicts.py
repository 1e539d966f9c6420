"""Sync conflicts: versions that lost a merge while both sides had changed the row.

The merge keeps the losing version beside the winner (``SyncConflict``) instead of
dropping it. A person reviews them here: keep the version that stands (the conflict is
closed), or bring the losing version back — written as a new change of the row, so it is
stamped, audited and synced like any edit (at a station through the outbox; at the
district through the change log, to the station that owns the row and, for shared rows,
to every station).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station_app.domain.conflict_rules import conflict_station
from station_app.domain.models import MODEL_BY_TABLE, SyncConflict
from station_app.domain.services.common import actor_of
from station_app.domain.services.corrections import permit
from station_app.domain.validation import FieldError, ValidationError, register_messages
from station_app.storage.capture import utc_now_text

register_messages({
    "conflict.resolved": ("该冲突已于 {at} 由 {by} 处理", "This conflict was settled at {at} by {by}"),
    "conflict.keep": ("请选择保留哪个版本", "Choose which version to keep"),
    "conflict.row_gone": ("该记录已不存在，只能保留现有版本",
                          "The record no longer exists; only the standing version can be kept"),
})

KEEP = ("winner", "loser")
# columns a resolution never copies from the losing version
_SYNC_COLUMNS = {"id", "station_id", "hlc"}


@dataclass
class ConflictView:
    """A conflict with both versions decoded, for showing side by side."""

    id: int
    table: str
    row_id: str
    station_id: str | None
    detected_at: str
    winner: dict[str, Any]
    loser: dict[str, Any]
    loser_source: str
    differing: list[str]  # content columns whose values differ
    resolved_at: str | None
    resolution: str | None


def _view(c: SyncConflict) -> ConflictView:
    winner, loser = json.loads(c.winner), json.loads(c.loser)
    differing = sorted(k for k in set(winner) | set(loser)
                       if k not in _SYNC_COLUMNS and winner.get(k) != loser.get(k))
    station = conflict_station(c.station_id, winner)
    return ConflictView(c.id, c.table_name, c.row_id, station, c.detected_at,
                        winner, loser, c.loser_source, differing, c.resolved_at, c.resolution)


def list_conflicts(session: Session, *, open_only: bool = True,
                   station_id: str | None = None) -> list[ConflictView]:
    """Conflicts, newest first; at the district optionally those of one station."""
    q = select(SyncConflict).order_by(SyncConflict.id.desc())
    if open_only:
        q = q.where(SyncConflict.resolved_at.is_(None))
    views = [_view(c) for c in session.execute(q).scalars()]
    if station_id:
        views = [v for v in views if v.station_id == station_id]
    return views


def describe(session: Session, views: list[ConflictView], lang: str = "zh"
             ) -> dict[int, str]:
    """Each conflict's record as a person recognises it (``record_labels``)."""
    labels = record_labels(session, [(v.table, v.row_id, v.winner) for v in views], lang)
    return {v.id: label for v, label in zip(views, labels, strict=True)}


def record_labels(session: Session, rows: list[tuple[str, str, dict[str, Any] | None]],
                  lang: str = "zh") -> list[str]:
    """What a person recognises records by, for (table, id, values) — values None: the
    row as stored. Its name or title; for a hardship file the member's name, for a visit
    the enterprise's name and the date, for a target the year and the figure; else the
    start of its id. Names are looked up once per table, not per record."""
    from station_app.domain.models import Enterprise, Member, Station
    from station_app.domain.services.reports import figure_label

    values = []
    for table, row_id, row in rows:
        if row is None:
            model = MODEL_BY_TABLE.get(table)
            obj = session.get(model, row_id) if model is not None else None
            row = {c.key: getattr(obj, c.key) for c in model.__table__.columns} \
                if obj is not None else {}
        values.append(row)
    member_ids = {r.get("member_id") for r in values} - {None}
    enterprise_ids = {r.get("enterprise_id") for r in values} - {None}
    station_ids = {r.get("target_station_id") for r in values} - {None}
    names: dict[str, str] = {}
    for model, ids in ((Member, member_ids), (Enterprise, enterprise_ids),
                       (Station, station_ids)):
        if ids:
            names.update(session.execute(select(model.id, model.name)
                                         .where(model.id.in_(ids))).all())
    out = []
    for (table, row_id, _given), row in zip(rows, values, strict=True):
        label = row.get("name") or row.get("title")
        if not label and row.get("member_id"):
            label = names.get(row["member_id"])
        visited = row.get("enterprise_id") or row.get("target_station_id")
        if not label and visited:  # a visit: whom (an enterprise or a station), when
            label = " ".join(filter(None, (names.get(visited),
                                           str(row.get("visit_date") or "") or None)))
        if not label and table == "targets" and row.get("metric"):
            try:
                figure = figure_label(row["metric"], lang)
            except KeyError:
                figure = row["metric"]
            label = f"{row.get('year')} {figure}"
        out.append(str(label) if label else row_id[:8] + "…")
    return out


# per (table, column) — or column alone — the coded values a person reads as labels
def _choices_for(table: str, key: str):
    from station_app.domain import choices as ch

    by_table = {("members", "status"): ch.MEMBER_STATUS, ("members", "gender"): ch.GENDER,
                ("hardship_cases", "status"): ch.CASE_STATUS,
                ("hardship_cases", "category"): ch.HARDSHIP_CATEGORY,
                ("hardship_cases", "level"): ch.HARDSHIP_LEVEL,
                ("ledger_entries", "kind"): ch.LEDGER_KIND, ("visits", "kind"): ch.VISIT_KIND,
                ("visits", "operating_status"): ch.OPERATING_STATUS,
                ("events", "kind"): ch.EVENT_KIND, ("watch_list_entries", "action"):
                ch.WATCH_ACTION, ("household_members", "relation"): ch.HOUSEHOLD_RELATION,
                ("users", "role"): ch.ROLE}
    found = by_table.get((table, key))
    if found is None and table == "hardship_cases":
        found = ch.CASE_CHOICES.get(key)
    return found


# a closing's date and reason, named by how the file was closed (an exit or a cancellation)
_CLOSING_LABELS = {"exit_date": ("注销日期", "Cancelled on"),
                   "exit_reason": ("注销原因", "Reason for cancelling")}


def differences(session: Session, view: ConflictView, lang: str = "zh"
                ) -> list[tuple[str, str, str]]:
    """The differing fields of a conflict as a person reads them: (field, standing,
    overwritten) — the field by its label, a station by its code and name, a coded value
    (a status, a kind …) by its label, money in yuan, yes/no for a flag; a cancelled
    file's closing date and reason named as a cancellation's."""
    from station_app.domain import choices as ch
    from station_app.domain.models import Station
    from station_app.domain.validation import FIELD_LABELS, format_fen

    zh = lang.startswith("zh")
    station_ids = {value for side in (view.winner, view.loser) for key, value in side.items()
                   if key in view.differing and isinstance(value, str)
                   and (key == "station_id" or key.endswith("station_id"))}
    stations = {sid: f"{code} {name}" for sid, code, name in session.execute(
        select(Station.id, Station.code, Station.name).where(Station.id.in_(station_ids)))
    } if station_ids else {}

    def text(key: str, value: Any) -> str:
        if value is None or value == "":
            return ""
        if key.endswith("station_id"):
            return stations.get(value, value)
        if isinstance(value, bool):
            return ("是" if value else "否") if zh else ("yes" if value else "no")
        if key.endswith("_fen") and isinstance(value, int):
            return format_fen(value)
        if key == "flags" and isinstance(value, str):
            return "、".join(ch.label(ch.VISIT_FLAG, f, lang) for f in value.split(",") if f)
        found = _choices_for(view.table, key)
        if found is not None and isinstance(value, str):
            return ch.label(found, value, lang)
        return str(value)

    cancelled = view.table == "hardship_cases" and "cancelled" in (
        view.winner.get("status"), view.loser.get("status"))
    out = []
    for key in view.differing:
        pair = (_CLOSING_LABELS.get(key) if cancelled else None) or FIELD_LABELS.get(key)
        name = (pair[0] if zh else pair[1]) if pair else key
        out.append((name, text(key, view.winner.get(key)), text(key, view.loser.get(key))))
    return out


def conflict_lines(views: list[ConflictView], labels: dict[int, str],
                   codes: dict[str, str] | None = None,
                   shown: dict[int, list[tuple[str, str, str]]] | None = None) -> list[str]:
    """Conflicts as the command lines print them: one line each (id, [station,] table,
    the record as a person knows it, id, detected, state), then a line per differing
    field with both versions."""
    lines = []
    for v in views:
        where = f"{codes.get(v.station_id, v.station_id)}\t" if codes is not None else ""
        lines.append(f"{v.id}\t{where}{v.table}\t{labels.get(v.id, '')}\t{v.row_id}\t"
                     f"{v.detected_at}\t{v.resolution or 'open'}")
        if shown is not None:  # as a person reads them (``differences``)
            lines += [f"\t{name}: standing {now!r} | lost {lost!r}"
                      for name, now, lost in shown[v.id]]
        else:
            lines += [f"\t{key}: standing {v.winner.get(key)!r} | lost {v.loser.get(key)!r}"
                      for key in v.differing]
    return lines


def _as_column_value(model, key: str, value: Any) -> Any:
    column = model.__table__.columns[key]
    if value is not None and column.type.python_type is date:
        return date.fromisoformat(value)
    return value


def resolve_conflict(session: Session, conflict_id: int, keep: str) -> ConflictView:
    """Close a conflict keeping the standing version (``winner``) or bringing the losing
    one back (``loser``: its content becomes a new change of the row)."""
    at_district = session.info["ctx"].district
    permit(session, "conflict.resolve_district" if at_district
           else "conflict.resolve_station")
    conflict = session.get(SyncConflict, conflict_id)
    if conflict is None:
        raise ValidationError([FieldError("conflict", "not_found",
                                          {"what": f"conflict {conflict_id}"})])
    if conflict.resolved_at:
        raise ValidationError([FieldError("conflict", "conflict.resolved", {
            "at": conflict.resolved_at, "by": conflict.resolved_by or ""})])
    if keep not in KEEP:
        raise ValidationError([FieldError("keep", "conflict.keep")])
    if keep == "loser":
        model = MODEL_BY_TABLE[conflict.table_name]
        row = session.get(model, conflict.row_id)
        if row is None:
            raise ValidationError([FieldError("keep", "conflict.row_gone")])
        for key, value in json.loads(conflict.loser).items():
            if key in _SYNC_COLUMNS or key not in model.__table__.columns:
                continue
            value = _as_column_value(model, key, value)
            if getattr(row, key) != value:
                setattr(row, key, value)
    conflict.resolved_at = utc_now_text()
    conflict.resolved_by = actor_of(session).username
    conflict.resolution = f"kept {keep}"
    session.flush()
    return _view(conflict)
