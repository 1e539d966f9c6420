"""Events (活动): legal service, training (提素), inclusive service (普惠), campaigns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from station_app.domain.choices import EVENT_KIND
from station_app.domain.models import Event, EventMember, Member
from station_app.domain.services.common import get_or_404, require
from station_app.domain.validation import (
    ErrorCollector,
    is_blank,
    parse_choice,
    parse_date,
    parse_int,
    parse_text,
)


def clean_event(data: Mapping[str, Any]) -> dict[str, Any]:
    c = ErrorCollector()
    v: dict[str, Any] = {}
    v["kind"] = c.check("kind", parse_choice, data.get("kind"), field="kind", choices=EVENT_KIND)
    v["event_date"] = c.check("event_date", parse_date, data.get("event_date"),
                              field="event_date", not_future=True)
    v["title"] = c.check("title", parse_text, data.get("title"), field="title", required=True,
                         max_len=200)
    v["place"] = c.check("location", parse_text, data.get("place"), field="location",
                         max_len=200)
    v["person_times"] = 0 if is_blank(data.get("person_times")) else c.check(
        "person_times", parse_int, data.get("person_times"), field="person_times",
        min_value=0, max_value=1_000_000)
    v["migrant_person_times"] = 0 if is_blank(data.get("migrant_person_times")) else c.check(
        "migrant_person_times", parse_int, data.get("migrant_person_times"),
        field="migrant_person_times", min_value=0, max_value=1_000_000)
    if (v["person_times"] is not None and v["migrant_person_times"] is not None
            and v["migrant_person_times"] > v["person_times"]):
        c.add("migrant_person_times", "event.migrants_exceed",
              migrants=v["migrant_person_times"], total=v["person_times"])
    v["notes"] = c.check("notes", parse_text, data.get("notes"), field="notes", max_len=4000)
    c.raise_if_any()
    return v


def record_event(session: Session, data: Mapping[str, Any],
                 member_ids: Iterable[str] = ()) -> Event:
    require(session, "clerk", "登记活动", "record events")
    event = Event(**clean_event(data))
    session.add(event)
    session.flush()
    for mid in member_ids:
        get_or_404(session, Member, mid, "member")
        session.add(EventMember(event_id=event.id, member_id=mid))
    session.flush()
    return event


def update_event(session: Session, event_id: str, data: Mapping[str, Any]) -> Event:
    require(session, "clerk", "修改活动", "edit events")
    event = get_or_404(session, Event, event_id, "event")
    merged = {k: getattr(event, k) for k in ("kind", "event_date", "title", "place",
                                             "person_times", "migrant_person_times", "notes")}
    merged.update(data)
    for k, val in clean_event(merged).items():
        if getattr(event, k) != val:
            setattr(event, k, val)
    session.flush()
    return event


def delete_event(session: Session, event_id: str) -> None:
    """Tombstone an event entered by mistake (it then counts for nothing)."""
    require(session, "station_admin", "删除活动", "delete events")
    session.delete(get_or_404(session, Event, event_id, "event"))
    session.flush()
