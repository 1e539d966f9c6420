"""Stations (社区工联会) and targets (年度目标): reference data the district decides."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from station_app.domain.ids import DISTRICT_CODE, DISTRICT_OWNER_ID, station_id_for, target_id_for
from station_app.domain.models import Station, Target
from station_app.domain.services.corrections import permit
from station_app.domain.validation import (
    ErrorCollector,
    FieldError,
    ValidationError,
    normalize_text,
    parse_int,
    parse_text,
    register_messages,
)

register_messages({
    "station.exists": (
        "已有编码为 {station} 的站点（{name}）：要修改请编辑该站点",
        "There is already a station with the code {station} ({name}): edit that one instead",
    ),
})

CODE_RE = re.compile(r"^[A-Za-z0-9-]{2,32}$")


def clean_station_code(value: Any) -> str:
    code = normalize_text(value).upper()
    if not CODE_RE.match(code):
        raise ValidationError([FieldError("station_code", "station.code_invalid")])
    return code


def upsert_station(session: Session, code: Any, name: Any = None, *, street: Any = None,
                   is_key: bool | None = None) -> Station:
    """Create or change a station. Its id comes from its code; the district owns the row."""
    c = ErrorCollector()
    code = c.check("station_code", clean_station_code, code)
    c.raise_if_any()
    station = session.get(Station, station_id_for(code))
    if station is None:
        c.check("station_name", parse_text, name, field="station_name", required=True,
                half_width=True)
        c.raise_if_any()
        station = Station(id=station_id_for(code), station_id=DISTRICT_OWNER_ID, code=code,
                          name=normalize_text(name), is_key=bool(is_key))
        session.add(station)
    if name is not None:
        station.name = c.check("station_name", parse_text, name, field="station_name",
                               required=True, max_len=100, half_width=True)
    if street is not None:
        station.street = c.check("street", parse_text, street, field="street", max_len=100)
    if is_key is not None:
        station.is_key = bool(is_key)
    c.raise_if_any()
    session.flush()
    return station


def create_station(session: Session, code: Any, name: Any, *, street: Any = None,
                   is_key: bool = False) -> Station:
    """District decision: a new station (code, name, street office, key-station flag);
    refused when the code is taken (``set_station`` changes an existing one)."""
    permit(session, "station.create")
    c = ErrorCollector()
    clean = c.check("station_code", clean_station_code, code)
    c.raise_if_any()
    existing = session.get(Station, station_id_for(clean))
    if existing is not None and not existing.deleted:
        raise ValidationError([FieldError("station_code", "station.exists",
                                          {"station": clean, "name": existing.name})])
    station = upsert_station(session, clean, name, street=street, is_key=bool(is_key))
    if station.deleted:  # a station deleted once comes back with its old id
        station.deleted = False
        session.flush()
    return station


def set_station(session: Session, code: Any, **changes: Any) -> Station:
    """District decision: a station's name, street office, key-station flag."""
    permit(session, "station.edit")
    return upsert_station(session, code, **changes)


def stations_select(*columns, district: bool = True) -> Select:
    """The stations (or these columns of them) by code; ``district=False`` leaves out the
    district's own row."""
    q = select(*(columns or (Station,))).where(Station.deleted == false()).order_by(
        Station.code)
    if not district:
        q = q.where(Station.code != DISTRICT_CODE)
    return q


def stations(session: Session, *, district: bool = True) -> list[Station]:
    """The stations by code; ``district=False`` leaves out the district's own row."""
    return list(session.execute(stations_select(district=district)).scalars())


def station_names(session: Session) -> dict[str, tuple[str, str]]:
    """Station id → (code, name), every station (deleted ones too: old rows name them)."""
    return {i: (code, name) for i, code, name in session.execute(
        select(Station.id, Station.code, Station.name))}


def set_target(session: Session, year: Any, metric: str, value: Any,
               station_code: str | None = None) -> Target:
    """年度目标 for the district (no station) or one station; the district decides."""
    from station_app.domain.services.metrics import METRICS

    permit(session, "target.set")
    c = ErrorCollector()
    y = c.check("year", parse_int, year, field="year", min_value=2000, max_value=2100)
    # (a money figure counts fen: its target may reach as many yuan as a count may units)
    most = 10_000_000 * (100 if str(metric).endswith("_fen") else 1)
    v = c.check("value", parse_int, value, field="value", min_value=0, max_value=most)
    if metric not in METRICS:
        c.add("metric", "target.metric_unknown", metric=metric, choices=", ".join(METRICS))
    scope = None
    if station_code:
        code = c.check("station_code", clean_station_code, station_code)
        if code:
            scope = station_id_for(code)
            if session.get(Station, scope) is None:
                c.add("station_code", "station.unknown", station=code)
    c.raise_if_any()
    tid = target_id_for(y, metric, scope)
    target = session.get(Target, tid)
    if target is None:
        target = Target(id=tid, station_id=DISTRICT_OWNER_ID, year=y, metric=metric,
                        scope_station_id=scope, value=v)
        session.add(target)
    else:
        target.value, target.deleted = v, False
    session.flush()
    return target


def targets_for_year(session: Session, year: int, station_id: str | None = None
                     ) -> list[Target]:
    q = select(Target).where(Target.year == year, Target.deleted == false())
    if station_id is not None:
        q = q.where(Target.scope_station_id == station_id)
    return list(session.execute(q.order_by(Target.metric)).scalars())
