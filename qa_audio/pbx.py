"""PBX call records: Asterisk CDR and CEL (CSV) and FreeSWITCH JSON CDRs.

When a record exists it is the authority for pickup and hang-up; where it disagrees with
the audio the disagreement is kept, not hidden.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from .errors import QaAudioError
from .timeline import AGENT, CUSTOMER, Event, Timeline
from .tones import TonePlan

# Asterisk's default Master.csv has no header; these are its columns.
_CDR_COLUMNS = [
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata",
    "start", "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "userfield",
]
_CEL_COLUMNS = [
    "eventtype", "accountcode", "cid_num", "cid_name", "cid_ani", "cid_rdnis", "cid_dnid", "exten", "context",
    "channame", "appname", "appdata", "eventtime", "amaflags", "uniqueid", "linkedid", "userfield", "peer", "extra",
]


class PbxError(QaAudioError):
    pass


@dataclass(frozen=True)
class PbxFacts:
    call_id: str
    source: str
    answer_delay_s: float | None = None
    hangup_by: str | None = None
    hold_total_s: float | None = None
    answered: bool | None = None


def _time(value: str) -> datetime | None:
    value = (value or "").strip()
    return datetime.fromisoformat(value) if value else None


def _csv_rows(path: Path, columns: list[str], marker: str) -> list[dict]:
    text = path.read_text(encoding="utf-8-sig").splitlines()
    if not text:
        return []
    has_header = marker in text[0].lower()
    reader = csv.DictReader(text) if has_header else csv.DictReader(text, fieldnames=columns)
    return [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader]


def parse_cdr(path: Path) -> dict[str, PbxFacts]:
    out = {}
    for row in _csv_rows(path, _CDR_COLUMNS, "disposition"):
        start, answer = _time(row.get("start", "")), _time(row.get("answer", ""))
        delay = (answer - start).total_seconds() if start and answer else None
        facts = PbxFacts(row.get("call_id") or row.get("uniqueid") or row.get("linkedid", ""), "asterisk-cdr", delay, None, None, row.get("disposition", "").upper() == "ANSWERED")
        for key in {row.get("call_id"), row.get("uniqueid"), row.get("linkedid"), row.get("userfield")} - {None, ""}:
            out[key] = replace(facts, call_id=key)
    return out


def parse_cel(path: Path, inbound: bool = True) -> dict[str, PbxFacts]:
    """HANGUP's `hangupsource` is the channel that hung up; the first CHAN_START is the caller."""
    by_call: dict[str, list[dict]] = {}
    for row in _csv_rows(path, _CEL_COLUMNS, "eventtype"):
        by_call.setdefault(row.get("linkedid") or row.get("uniqueid", ""), []).append(row)
    out = {}
    for call_id, rows in by_call.items():
        rows.sort(key=lambda r: r.get("eventtime", ""))
        starts = [r for r in rows if r.get("eventtype") == "CHAN_START"]
        caller = starts[0]["channame"] if starts else None
        hangup_by = None
        for r in rows:
            if r.get("eventtype") == "HANGUP" and r.get("extra"):
                try:
                    source = json.loads(r["extra"]).get("hangupsource")
                except json.JSONDecodeError:
                    continue
                if source and caller:
                    caller_left = source == caller
                    hangup_by = (CUSTOMER if caller_left else AGENT) if inbound else (AGENT if caller_left else CUSTOMER)
                    break
        out[call_id] = PbxFacts(call_id, "asterisk-cel", None, hangup_by)
    return out


def parse_freeswitch(path: Path) -> dict[str, PbxFacts]:
    """One JSON CDR per file, or a list. `sip_hangup_disposition` is read with the leg's
    direction: on the inbound (customer) leg recv_bye means the customer hung up; on the
    outbound (agent) leg recv_bye means the agent did."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out = {}
    for cdr in data if isinstance(data, list) else [data]:
        v = cdr.get("variables", cdr)
        call_id = v.get("call_id") or v.get("uuid") or v.get("sip_call_id")
        if not call_id:
            continue
        start, answer = float(v.get("start_epoch") or 0), float(v.get("answer_epoch") or 0)
        disposition, direction = v.get("sip_hangup_disposition", ""), v.get("direction", "inbound")
        far_end = CUSTOMER if direction == "inbound" else AGENT
        near_end = AGENT if far_end == CUSTOMER else CUSTOMER
        hangup = {"recv_bye": far_end, "recv_cancel": far_end, "send_bye": near_end, "send_cancel": near_end}.get(disposition)
        out[call_id] = PbxFacts(
            call_id, "freeswitch",
            answer - start if start and answer else None,
            hangup,
            float(v["hold_accum_seconds"]) if v.get("hold_accum_seconds") not in (None, "") else None,
            bool(answer),
        )
    return out


def load_records(paths: list[Path], inbound: bool = True) -> dict[str, list[PbxFacts]]:
    records: dict[str, list[PbxFacts]] = {}
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            try:
                if f.suffix.lower() == ".json":
                    parsed = parse_freeswitch(f)
                elif "cel" in f.name.lower():
                    parsed = parse_cel(f, inbound)
                elif f.suffix.lower() == ".csv":
                    parsed = parse_cdr(f)
                else:
                    continue
            except (OSError, ValueError, KeyError) as exc:
                raise PbxError(f"cannot parse PBX record {f}: {exc}") from exc
            for key, facts in parsed.items():
                records.setdefault(key, []).append(facts)
    return records


def apply(timeline: Timeline, records: list[PbxFacts], plan: TonePlan) -> Timeline:
    """Merge PBX facts into the timeline: the record wins, disagreements are stored."""
    tl = timeline
    for facts in records:
        if facts.answer_delay_s is not None:
            if tl.answer_delay_s is not None and abs(tl.answer_delay_s - facts.answer_delay_s) > 1.0:
                tl.disagreements.append(f"answer delay: audio {tl.answer_delay_s:.1f} s, {facts.source} {facts.answer_delay_s:.1f} s")
            cycle = sum(on + off for on, off in plan.ringback.cadence)
            if tl.ring_count is None:
                tl.ring_count = max(1, math.ceil(facts.answer_delay_s / cycle)) if facts.answer_delay_s > 0 else 0
            tl.answer_delay_s = round(facts.answer_delay_s, 2)
            tl.pickup_source = facts.source
            tl.events.append(Event("answer", tl.answer_s or 0.0, tl.answer_s or 0.0, None, "pbx", 1.0, f"{facts.source}: answered after {facts.answer_delay_s:.1f} s"))
        if facts.hangup_by:
            if tl.hangup_by not in ("unknown", facts.hangup_by):
                tl.disagreements.append(f"hang-up: audio says {tl.hangup_by}, {facts.source} says {facts.hangup_by}")
            tl.hangup_by = facts.hangup_by
            tl.hangup_evidence = f"{facts.source} record"
            tl.events.append(Event("hangup", tl.duration_s, tl.duration_s, facts.hangup_by, "pbx", 1.0, facts.source))
        if facts.hold_total_s is not None:
            audio_hold = sum(h.end_s - h.start_s for h in tl.holds)
            if abs(audio_hold - facts.hold_total_s) > 2.0:
                tl.disagreements.append(f"hold time: audio {audio_hold:.1f} s, {facts.source} {facts.hold_total_s:.1f} s")
    for d in tl.disagreements:
        tl.events.append(Event("disagreement", 0.0, 0.0, None, "pbx", 1.0, d))
    return tl
