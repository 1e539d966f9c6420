"""Events (活动): legal service, training (提素), inclusive service (普惠), campaigns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from station_app.domain.choices import EVENT_KIND
from station_app.domain.models import Event, EventMember, Member
from station_app.domain.services.common import get_or_404
from station_app.domain.services.corrections import facts_of, permit
from station_app.domain.validation import (
    FIELD_LABELS,
    ErrorCollector,
    is_blank,
    parse_choice,
    parse_date,
    parse_int,
    parse_text,
)

FIELD_LABELS.setdefault("event", ("活动", "Event"))


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
    permit(session, "event.create")
    event = Event(**clean_event(data))
    session.add(event)
    session.flush()
    for mid in member_ids:
        get_or_404(session, Member, mid, "member")
        session.add(EventMember(event_id=event.id, member_id=mid))
    session.flush()
    return event


EDITABLE = ("kind", "event_date", "title", "place", "person_times", "migrant_person_times",
            "notes")


def event_values(event: Event) -> dict[str, Any]:
    """An event as the data of its form (what ``update_event`` takes)."""
    return {k: getattr(event, k) for k in EDITABLE}


def _editable(session: Session, event_id: str, action: str) -> Event:
    """The event, once the acting user may correct or delete it (the permission table:
    the station's own, by the clerk who entered it the same ISO week, or a station
    admin any time)."""
    permit(session, action)
    event = get_or_404(session, Event, event_id, "event")
    permit(session, action, facts_of(session, "events", event))
    return event


def update_event(session: Session, event_id: str, data: Mapping[str, Any]) -> Event:
    """Correct an event: the fields given replace the stored ones and the whole event is
    validated again; only what differs is written (and audited)."""
    event = _editable(session, event_id, "event.edit")
    merged = event_values(event)
    merged.update({k: v for k, v in data.items() if k in EDITABLE})
    for k, val in clean_event(merged).items():
        if getattr(event, k) != val:
            setattr(event, k, val)
    session.flush()
    return event


def delete_event(session: Session, event_id: str) -> Event:
    """Tombstone an event entered by mistake (kept, audited, carried by sync; it then
    counts for nothing), with its participants."""
    event = _editable(session, event_id, "event.delete")
    for link in session.execute(select(EventMember).where(
            EventMember.event_id == event.id, EventMember.deleted == false())).scalars():
        session.delete(link)
    session.delete(event)
    session.flush()
    return event
