"""What a district that signs its report expects, without SQLAlchemy: each station's last
sync beside the figures (and the stations not synced since the as-of date, whose figures
may be incomplete), a report kept as it was signed, and what differs from it today.

Like ``domain.figures``, everything here reads the database through ``run(name, station,
params)``: the selects are ``services.signoffs.QUERIES`` (executed on a session, or as
compiled for SQLite in ``services/signoffs_sqlite.py`` on a current file with the sqlite3
driver alone), so the command lines' fast path and the app count one way.

- **Last sync.** At the district a station's last sync is when its data last arrived, by
  HTTP or by file (``station_credentials.last_sync_at``, UTC). A station is *synced since
  D* when that moment, in local time, falls on D or later; otherwise (or never synced)
  its figures as of D may be incomplete: records it kept up to D may not have reached the
  district. A station's own file holds all its records: its report shows its last sync,
  flags nothing.
- **Signed content.** ``report_content`` is the report as a plain JSON object — every
  figure, the paid amounts by kind, every target with its progress (the target rule of
  ``figures.TargetProgress``), the sync note — stored with who signed and when
  (``SignedReport``); ``signature_digest`` is the SHA-256 of all of it, canonical JSON.
- **Differences.** ``differences(signed, now)``: every figure, amount by kind and target
  whose value differs between the signed content and the same report counted today for
  the same date and scope (a back-dated record, a correction, a station's late sync).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from station_app.domain.figures import (
    FIGURES,
    METRICS_EXTRA,
    Report,
    Run,
    Summary,
    TargetProgress,
    figure_label,
    figure_text,
    summary_report,
)
from station_app.domain.ids import DISTRICT_OWNER_ID

CONTENT_VERSION = 1
DISTRICT_NAME = ("区总工会", "District")
NOTE_MAX = 500  # characters of a signing note


def _zh(lang: str) -> bool:
    return lang.startswith("zh")


# --------------------------------------------------------------------------- last sync


def utc_stamp(text: str | None) -> datetime | None:
    """A stored UTC time stamp ("…Z") as an aware datetime (None when absent or unreadable)."""
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


def local_text(text: str | None, tz: tzinfo | None = None) -> str:
    """A stored UTC time stamp in local time (``tz``, default this computer's), to the
    minute; "" when absent."""
    stamp = utc_stamp(text)
    if stamp is None:
        return text or ""
    return stamp.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def synced_since(last_sync: str | None, as_of: date, tz: tzinfo | None = None) -> bool:
    """Whether a sync at ``last_sync`` (UTC text) happened on D or later, in local time."""
    stamp = utc_stamp(last_sync)
    return stamp is not None and stamp.astimezone(tz).date() >= as_of


@dataclass(frozen=True)
class StationSync:
    """A station's last sync as the district knows it."""

    station_id: str
    code: str
    name: str
    last_sync: str | None  # UTC text; None: never


@dataclass(frozen=True)
class SyncNote:
    """The sync state a report is read with.

    At the district: ``stations`` (every station for the district's report, the one
    station for a station's report) and those not synced since D (``not_synced``). On a
    station's own file: ``own_last_sync`` (its last sync with the district) and no flag."""

    as_of: date
    at_district: bool
    stations: tuple[StationSync, ...] = ()
    own_last_sync: str | None = None
    tz: tzinfo | None = field(default=None, compare=False)
    # the codes flagged when a signed report was signed (kept as they were); None: judged
    # now from each station's last sync
    flagged: tuple[str, ...] | None = None

    @property
    def not_synced(self) -> tuple[StationSync, ...]:
        if not self.at_district:
            return ()
        if self.flagged is not None:
            return tuple(s for s in self.stations if s.code in self.flagged)
        return tuple(s for s in self.stations if not synced_since(s.last_sync, self.as_of,
                                                                   self.tz))

    def warning(self, lang: str = "zh") -> str | None:
        """"3 stations not synced since 2023-05-31: figures may be incomplete: …" (each
        station with its last sync), or None when every station synced since D."""
        late = self.not_synced
        if not late:
            return None
        zh = _zh(lang)
        d = self.as_of.isoformat()
        items = []
        for s in late:
            when = local_text(s.last_sync, self.tz) if s.last_sync else None
            if zh:
                items.append(f"{s.code} {s.name}（最近同步 {when}）" if when
                             else f"{s.code} {s.name}（从未同步）")
            else:
                items.append(f"{s.code} {s.name} (last sync {when})" if when
                             else f"{s.code} {s.name} (never synced)")
        if zh:
            return (f"{len(late)} 个站点自 {d} 起未同步，数字可能不完整："
                    + "；".join(items))
        noun = "station" if len(late) == 1 else "stations"
        return (f"{len(late)} {noun} not synced since {d}: figures may be incomplete: "
                + "; ".join(items))

    def own_line(self, lang: str = "zh") -> str | None:
        """A station's own file: "Last sync with the district: …" (None at the district)."""
        if self.at_district:
            return None
        when = local_text(self.own_last_sync, self.tz)
        if _zh(lang):
            return f"本站最近同步：{when}" if when else "本站尚未与区总工会同步"
        return f"Last sync with the district: {when}" if when else \
            "Not yet synced with the district"

    def as_json(self) -> dict[str, Any]:
        """The JSON of the report (``sync``): every station's last sync (UTC) and whether
        it synced since D; on a station's own file its last sync."""
        if not self.at_district:
            return {"last_sync": self.own_last_sync}
        late = {s.station_id for s in self.not_synced}
        return {"stations": [{"code": s.code, "name": s.name, "last_sync": s.last_sync,
                              "synced_since_as_of": s.station_id not in late}
                             for s in self.stations],
                "not_synced": [s.code for s in self.not_synced]}


def station_syncs(run: Run) -> list[StationSync]:
    """Every station the district knows (not its own row), by code, with its last sync."""
    return [StationSync(sid, code, name, last)
            for sid, code, name, last in run("station_syncs", False, {})]


def sync_note(run: Run, as_of: date, station_id: str | None, *, at_district: bool,
              own_last_sync: str | None = None, tz: tzinfo | None = None) -> SyncNote:
    """The sync note of a report: at the district every station's (the district's
    report) or the one station's (``station_id``); on a station's file its own."""
    if not at_district:
        return SyncNote(as_of, False, own_last_sync=own_last_sync, tz=tz)
    stations = station_syncs(run)
    if station_id is not None:
        stations = [s for s in stations if s.station_id == station_id]
    return SyncNote(as_of, True, tuple(stations), tz=tz)


def sync_note_from_json(as_of: date, data: Mapping[str, Any] | None,
                        tz: tzinfo | None = None) -> SyncNote:
    """The sync note as a signed report kept it."""
    data = data or {}
    if "stations" not in data:
        return SyncNote(as_of, False, own_last_sync=data.get("last_sync"), tz=tz)
    return SyncNote(as_of, True, tuple(StationSync(s["code"], s["code"], s.get("name", ""),
                                                   s.get("last_sync"))
                                       for s in data["stations"]), tz=tz,
                    flagged=tuple(data.get("not_synced", ())))


# --------------------------------------------------------------------------- content


def scope_name(report: Report, lang: str = "zh") -> str:
    """Who the report is of: the station's name, or the district."""
    return report.station_name or DISTRICT_NAME[0 if _zh(lang) else 1]


def report_content(report: Report, note: SyncNote) -> dict[str, Any]:
    """The report as a JSON object: what signing keeps, and what is compared."""
    s = report.summary
    return {
        "version": CONTENT_VERSION,
        "as_of": s.as_of.isoformat(),
        "scope": "district" if s.station_id is None else "station",
        "station": report.station_code,
        "name": report.station_name,
        "values": {k: int(v) for k, v in s.values.items()},
        "paid_by_kind": {k: int(v) for k, v in s.paid_by_kind.items()},
        "targets": [{**t.as_json(), "station_id": t.station_id} for t in s.targets],
        "sync": note.as_json(),
    }


def canonical(data: Any) -> str:
    """One text for one content, whatever the order of its keys (for the digest)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def signature_digest(content: Mapping[str, Any], *, signed_by: str, signed_by_name: str,
                     signed_at: str, note: str | None) -> str:
    """SHA-256 (hex) of the content with who signed, when, and the note."""
    whole = {"content": content, "signed_by": signed_by, "signed_by_name": signed_by_name,
             "signed_at": signed_at, "note": note}
    return hashlib.sha256(canonical(whole).encode("utf-8")).hexdigest()


def report_from_content(content: Mapping[str, Any]) -> Report:
    """A signed content as a ``Report`` (figures and targets as they were signed), for
    the same outputs as a report counted now."""
    as_of = date.fromisoformat(content["as_of"])
    targets = [TargetProgress(t["metric"], t.get("station_id"), int(t["target"]),
                              t.get("progress"),
                              None if t["scope"] == "district" else t["scope"],
                              t.get("station_part"))
               for t in content.get("targets", ())]
    station_id = None if content.get("scope") == "district" else (content.get("station")
                                                                    or "")
    # (kept as canonical JSON, keys sorted: the figures back in the catalogue's order)
    values = dict(content.get("values", {}))
    order = [c for c in (*FIGURES, *METRICS_EXTRA) if c in values]
    values = {c: values[c] for c in order + sorted(set(values) - set(order))}
    summary = Summary(as_of, station_id, values, dict(content.get("paid_by_kind", {})),
                      targets)
    return Report(summary, content.get("station"), content.get("name"))


@dataclass(frozen=True)
class SignedView:
    """A signed report as stored (``SignedReport``), its content read."""

    id: str
    owner_id: str
    as_of: date
    scope: str  # district / station
    scope_code: str | None
    scope_name: str
    content: dict[str, Any]
    digest: str
    signed_by: str
    signed_by_name: str
    signed_at: str
    note: str | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> SignedView:
        (sid, owner, as_of, scope, code, name, content, digest, by, by_name, at,
         note) = row
        try:
            data = json.loads(content)
        except ValueError:  # (the district checks what stations send; never here)
            data = {}
        return cls(sid, owner, as_of if isinstance(as_of, date)
                   else date.fromisoformat(str(as_of)), scope, code, name,
                   data if isinstance(data, dict) else {}, digest, by, by_name, at, note)

    @property
    def intact(self) -> bool:
        """Whether the stored digest is that of the stored content and signature."""
        return self.digest == signature_digest(
            self.content, signed_by=self.signed_by, signed_by_name=self.signed_by_name,
            signed_at=self.signed_at, note=self.note)

    @property
    def report(self) -> Report:
        return report_from_content(self.content)

    def sync_note(self, tz: tzinfo | None = None) -> SyncNote:
        return sync_note_from_json(self.as_of, self.content.get("sync"), tz)

    def who(self, lang: str = "zh", tz: tzinfo | None = None) -> str:
        """Who signed and when: "王主席（wang），2026-06-05 10:30" (local time)."""
        when = local_text(self.signed_at, tz)
        name = self.signed_by_name or self.signed_by
        if _zh(lang):
            return f"{name}（{self.signed_by}），{when}"
        return f"{name} ({self.signed_by}), {when}"

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "as_of": self.as_of.isoformat(), "scope": self.scope,
                "station": self.scope_code, "name": self.scope_name,
                "signed_by": self.signed_by, "signed_by_name": self.signed_by_name,
                "signed_at": self.signed_at, "note": self.note, "digest": self.digest,
                "intact": self.intact, "content": self.content}


def signed_on(run: Run, as_of: date, owner_id: str) -> list[SignedView]:
    """The signed reports of one scope (its owner: a station, or the district) for D,
    the newest first."""
    return [SignedView.from_row(r)
            for r in run("signed_on", False, {"as_of": as_of, "station_id": owner_id})]


def signed_list(run: Run) -> list[SignedView]:
    """Every signed report this database holds (at the district: its own and those the
    stations sent), by date, the newest first."""
    return [SignedView.from_row(r) for r in run("signed_list", False, {})]


# --------------------------------------------------------------------------- differences


@dataclass(frozen=True)
class Difference:
    """A figure (or amount by kind, or target) that differs from what was signed."""

    what: str  # "figure", "paid" (an amount by kind) or "target"
    metric: str  # the figure's code (for a paid amount: hardship_paid_fen)
    signed: int | None  # None: not in the signed report
    now: int | None  # None: no longer there (a target removed)
    kind: str | None = None  # the ledger kind of a paid amount
    scope: str | None = None  # a target's scope: "district" or a station's code
    part: str = "value"  # of a target: "target", "progress" or "station_part"

    def label(self, lang: str = "zh") -> str:
        zh = _zh(lang)
        if self.what == "paid":
            from station_app.domain.choices import LEDGER_KIND, label

            kind = label(LEDGER_KIND, self.kind, lang) if self.kind in LEDGER_KIND \
                else (self.kind or "")
            return f"帮扶金额（元）：{kind}" if zh else f"Assistance paid (yuan): {kind}"
        name = (figure_label(self.metric, lang) if self.metric in FIGURES
                or self.metric in METRICS_EXTRA else self.metric)
        if self.what != "target":
            return name
        scope = ("全区" if zh else "district") if self.scope == "district" else self.scope
        part = {"target": ("目标值", "target"), "progress": ("完成数", "progress"),
                "station_part": ("本站完成", "this station's part")}[self.part]
        return (f"{name}（{scope}目标）{part[0]}" if zh
                else f"{name} ({scope} target), {part[1]}")

    def values_text(self, lang: str = "zh") -> str:
        """"signed 240, now 241" ("—" where there is nothing)."""
        code = "hardship_paid_fen" if self.what == "paid" else self.metric

        def shown(v: int | None) -> str:
            return "—" if v is None else figure_text(code, v)

        if _zh(lang):
            return f"签署时 {shown(self.signed)}，现在 {shown(self.now)}"
        return f"signed {shown(self.signed)}, now {shown(self.now)}"

    def text(self, lang: str = "zh") -> str:
        sep = "：" if _zh(lang) else ": "
        return f"{self.label(lang)}{sep}{self.values_text(lang)}"

    def as_json(self) -> dict[str, Any]:
        return {"what": self.what, "metric": self.metric, "kind": self.kind,
                "scope": self.scope, "part": None if self.what != "target" else self.part,
                "signed": self.signed, "now": self.now}


def _int(v: Any) -> int | None:
    return None if v is None else int(v)


def differences(signed: Mapping[str, Any], now: Mapping[str, Any]) -> list[Difference]:
    """What differs between a signed content and the same report counted now: figures in
    the catalogue's order, then amounts by kind, then targets (their value, progress or
    station's part; a target set or removed since)."""
    out: list[Difference] = []
    sv, nv = signed.get("values", {}), now.get("values", {})
    for code in list(nv) + [c for c in sv if c not in nv]:
        a, b = _int(sv.get(code)), _int(nv.get(code))
        if a != b:
            out.append(Difference("figure", code, a, b))
    sp, np_ = signed.get("paid_by_kind", {}), now.get("paid_by_kind", {})
    for kind in sorted(set(sp) | set(np_)):
        a, b = _int(sp.get(kind, 0)), _int(np_.get(kind, 0))
        if a != b:
            out.append(Difference("paid", "hardship_paid_fen", a, b, kind=kind))

    def keyed(content: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
        return {(t["metric"], t["scope"]): t for t in content.get("targets", ())}

    st, nt = keyed(signed), keyed(now)
    for key in list(nt) + [k for k in st if k not in nt]:
        metric, scope = key
        a, b = st.get(key), nt.get(key)
        for part in ("target", "progress", "station_part"):
            x = None if a is None else _int(a.get(part))
            y = None if b is None else _int(b.get(part))
            if x != y:
                out.append(Difference("target", metric, x, y, scope=scope, part=part))
    return out


def differences_heading(diffs: Sequence[Difference], lang: str = "zh") -> str:
    """"2 figures differ from what was signed", or that every figure is as signed."""
    if not diffs:
        return "与签署时的数字一致" if _zh(lang) else "every figure is as signed"
    if _zh(lang):
        return f"{len(diffs)} 项数字与签署时不同"
    noun = "figure differs" if len(diffs) == 1 else "figures differ"
    return f"{len(diffs)} {noun} from what was signed"


def differences_text(diffs: Sequence[Difference], lang: str = "zh") -> str:
    """One sentence: the heading, then each difference."""
    if not diffs:
        return differences_heading(diffs, lang)
    sep, colon = ("；", "：") if _zh(lang) else ("; ", ": ")
    return differences_heading(diffs, lang) + colon + sep.join(d.text(lang) for d in diffs)


# --------------------------------------------------------------------------- reading


def own_last_sync(run: Run) -> str | None:
    """A station's own last sync with the district (UTC text), None: never."""
    rows = run("own_last_sync", False, {})
    return rows[0][0] if rows else None


def owner_of(station_id: str | None) -> str:
    """Who owns the signed reports of a scope: the station, or the district."""
    return DISTRICT_OWNER_ID if station_id is None else station_id


def report_sync(run: Run, as_of: date, station_id: str | None, *, at_district: bool,
                tz: tzinfo | None = None) -> SyncNote:
    """The sync note of a report as of D (``sync_note``; on a station's file its own last
    sync from its local state)."""
    return sync_note(run, as_of, station_id, at_district=at_district,
                     own_last_sync=None if at_district else own_last_sync(run), tz=tz)


@dataclass(frozen=True)
class Comparison:
    """A signed report beside the same report counted now."""

    signed: SignedView
    now: Report
    now_sync: SyncNote
    differences: list[Difference]


def compare(run: Run, view: SignedView, *, at_district: bool,
            tz: tzinfo | None = None) -> Comparison:
    """The same report as the signed one (its date and scope) counted now, and what
    differs."""
    station_id = None if view.scope == "district" else view.owner_id
    now = summary_report(run, view.as_of, station_id)
    note = report_sync(run, view.as_of, station_id, at_district=at_district, tz=tz)
    return Comparison(view, now, note, differences(view.content, report_content(now, note)))


def signed_for(run: Run, as_of: date, station_id: str | None) -> list[SignedView]:
    """The signed reports of the report as of D of a scope (None: the district), newest
    first."""
    return signed_on(run, as_of, owner_of(station_id))


def get_signed(run: Run, signed_id: str) -> SignedView:
    """One signed report by its id (or the start of it, 8 characters or more)."""
    wanted = (signed_id or "").strip().lower()
    found = [v for v in signed_list(run)
             if v.id == wanted or (len(wanted) >= 8 and v.id.startswith(wanted))]
    if len(found) != 1:
        from station_app.domain.validation import (
            FieldError,
            ValidationError,
            register_messages,
        )

        register_messages({"sign.unknown": ("没有编号为 {id} 的已签署报告",
                                            "there is no signed report {id}")})
        raise ValidationError([FieldError("signed_report", "sign.unknown",
                                          {"id": signed_id})])
    return found[0]
