"""PBX facts merged into the audio timeline: the record wins, every disagreement is kept.

PBX times are placed on the recording from the pickup: the audio's answer where it heard
one, else the recording's start (a recording without ringback starts at answer).
"""

from __future__ import annotations

import math

from ..timeline import Event, Timeline
from ..tones import TonePlan
from .records import PbxFacts

UNKNOWN = "unknown"
# The audio's pickup is within 0.5 s on 51 of 52 calls (benchmarks/timeline.py); a record
# differing by more than this, plus its own rounding, disagrees.
ANSWER_TOLERANCE_S = 1.0
HOLD_TOLERANCE_S = 2.0


def apply(timeline: Timeline, records: list[PbxFacts], plan: TonePlan) -> Timeline:
    """The timeline with the PBX records merged in: pickup, hang-up side, holds and transfers
    from the record win over the audio (`plan` gives the ring cadence to count rings from the
    PBX's ring time); each disagreement and record note becomes an event. Changes `timeline`
    in place and returns it.
    """
    tl = timeline
    for facts in records:
        _answer(tl, facts, plan)
        _hangup(tl, facts)
        _holds(tl, facts)
        _transfers(tl, facts)
        tl.events += [Event("pbx_warning", 0.0, 0.0, None, "pbx", 1.0, note) for note in facts.notes]
    tl.events += [Event("disagreement", 0.0, 0.0, None, "pbx", 1.0, d) for d in tl.disagreements]
    tl.events.sort(key=lambda e: (e.start_s, e.kind))
    return tl


def unanswered(tl: Timeline) -> Event | None:
    """The `unanswered` event of a timeline (a PBX record said nobody picked up), or None."""
    return next((e for e in tl.events if e.kind == "unanswered"), None)


def _on_recording(tl: Timeline, after_answer_s: float) -> float:
    return round(min(max((tl.answer_s or 0.0) + after_answer_s, 0.0), tl.duration_s), 2)


def _answer(tl: Timeline, facts: PbxFacts, plan: TonePlan) -> None:
    if facts.answered is False:
        if tl.answer_s is not None:
            tl.disagreements.append(f"pickup: audio heard an answer at {tl.answer_s:.1f} s, {facts.source} says nobody answered")
        tl.answer_delay_s, tl.ring_count, tl.pickup_source = None, None, facts.source
        tl.events.append(Event("unanswered", 0.0, tl.duration_s, None, "pbx", 1.0, f"{facts.source}: {facts.detail}"))
        return
    if facts.answer_delay_s is None:
        return
    if tl.answer_delay_s is not None and abs(tl.answer_delay_s - facts.answer_delay_s) > ANSWER_TOLERANCE_S + facts.precision_s:
        tl.disagreements.append(f"answer delay: audio {tl.answer_delay_s:g} s, {facts.source} {facts.answer_delay_s:g} s")
    if tl.ring_count is None:
        cycle = sum(on + off for on, off in plan.ringback.cadence)
        tl.ring_count = max(1, math.ceil(facts.answer_delay_s / cycle)) if facts.answer_delay_s > 0 else 0
    tl.answer_delay_s = round(facts.answer_delay_s, 2)
    tl.pickup_source = facts.source
    at = tl.answer_s or 0.0
    tl.events.append(Event("answer", at, at, None, "pbx", 1.0, f"{facts.source}: {facts.detail or f'answered after {facts.answer_delay_s:.1f} s'}"))


def _hangup(tl: Timeline, facts: PbxFacts) -> None:
    if not facts.hangup_by:
        return
    if tl.hangup_by != facts.hangup_by and (tl.hangup_by != UNKNOWN or facts.hangup_by == UNKNOWN):
        says = "nobody on the call (" + facts.hangup_detail + ")" if facts.hangup_by == UNKNOWN else facts.hangup_by
        tl.disagreements.append(f"hang-up: audio says {tl.hangup_by}, {facts.source} says {says}")
    tl.hangup_by = facts.hangup_by
    tl.hangup_evidence = f"{facts.source} record: {facts.hangup_detail}" if facts.hangup_detail else f"{facts.source} record"
    side = None if facts.hangup_by == UNKNOWN else facts.hangup_by
    tl.events.append(Event("hangup", tl.duration_s, tl.duration_s, side, "pbx", 1.0, tl.hangup_evidence))


def _holds(tl: Timeline, facts: PbxFacts) -> None:
    if facts.hold_total_s is None:
        return
    audio_hold = sum(h.end_s - h.start_s for h in tl.holds)
    if abs(audio_hold - facts.hold_total_s) <= HOLD_TOLERANCE_S:
        return
    tl.disagreements.append(f"hold time: audio {audio_hold:.1f} s, {facts.source} {facts.hold_total_s:.1f} s")
    if facts.holds is None:
        return  # a total without times cannot be placed on the recording
    holds = [Event("hold", _on_recording(tl, s.start_s), _on_recording(tl, s.end_s), None, "pbx", 1.0, f"{facts.source} hold_events") for s in facts.holds]
    tl.events = [e for e in tl.events if e.kind != "hold"] + holds
    tl.holds = holds


def _transfers(tl: Timeline, facts: PbxFacts) -> None:
    for t in facts.transfers:
        at = _on_recording(tl, t.at_s)
        to = f" to {t.target}" if t.target else ""
        tl.events.append(Event("transfer", at, at, None, "pbx", 1.0, f"{facts.source}: {t.kind} transfer{to}, {t.at_s:.1f} s after pickup"))
