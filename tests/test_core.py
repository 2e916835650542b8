"""The core types: one mapping to plain dicts and back, shared by the cache, the store and
the scorecard JSON."""

from __future__ import annotations

import json

from qa_audio import scoring, timeline, transcribe
from qa_audio.core import Event, Evidence, Finding, Scorecard, Segment, Span, TalkMetrics, Timeline, Word
from qa_audio.store import finding_from_row, finding_row, segment_from_row


def _timeline() -> Timeline:
    return Timeline(
        duration_s=61.5, stereo=True, answer_s=4.2, answer_delay_s=4.0, ring_count=1,
        holds=[Event("hold", 20.0, 45.5, "agent", "audio", 0.9, "music")], hangup_by="customer", hangup_evidence="busy tone",
        speech={"agent": [Span(4.5, 8.0), Span(46.0, 50.0)], "customer": [Span(9.0, 12.0)]},
        metrics=TalkMetrics(talk_s={"agent": 7.5}, agent_talk_share=0.7, speech_rate_cpm={"agent": 240.0}),
        events=[Event("answer", 4.2, 4.2), Event("hangup", 61.0, 61.5, "customer", "audio", 1.0, "busy")],
    )


def test_a_timeline_survives_dict_and_json_text():
    tl = _timeline()
    assert Timeline.from_dict(tl.to_dict()) == tl
    back = Timeline.from_dict(json.dumps(tl.to_dict()))
    assert back == tl and isinstance(back.holds[0], Event) and isinstance(back.speech["agent"][1], Span)
    assert back.speech["agent"][1].duration_s == 4.0


def test_from_dict_ignores_unknown_keys_and_defaults_missing_ones():
    seg = Segment.from_dict({"id": 7, "call_id": "c1", "side": "agent", "start_s": 1.0, "end_s": 2.0, "text": "您好", "words": [{"start_s": 1.0, "end_s": 2.0, "text": "您好", "probability": 0.9}]})
    assert seg == Segment("agent", 1.0, 2.0, "您好", words=[Word(1.0, 2.0, "您好", 0.9)])
    assert seg.role_confidence == 1.0


def test_store_rows_map_through_the_same_types():
    f = Finding("greeting", "问候", "opening", 1.0, "pass", 5.0, 5.0, True, "ok", [Evidence(1.0, 2.0, "agent", "您好", "您好", 1.0)])
    row = {"call_id": "c1", "id": 3, **finding_row(f)}
    assert row["critical"] == 1 and json.loads(row["evidence_json"])[0]["text"] == "您好" and "evidence" not in row
    assert finding_from_row(row) == f
    seg = Segment("agent", 1.0, 2.0, "您好", -0.2, 0.01, [Word(1.0, 2.0, "您好", 0.9)], 0.8)
    row = {"id": 1, "call_id": "c1", **{k: v for k, v in seg.to_dict().items() if k != "words"}, "words_json": json.dumps([w.to_dict() for w in seg.words])}
    assert segment_from_row(row) == seg


def test_a_scorecard_round_trips_with_its_findings():
    f = Finding("hold_thanks", "等待后致谢", "hold", 1.0, "fail", 0.0, 8.0, False, "not said")
    card = Scorecard(72.5, False, True, ["failed: hold_thanks"], [f], 80.0, [], "standard_zh", "1", "abc")
    back = Scorecard.from_dict(card.to_dict())
    assert back == card and isinstance(back.findings[0], Finding)


def test_the_stage_modules_hand_on_the_core_types():
    assert timeline.Timeline is Timeline and timeline.Event is Event and transcribe.Segment is Segment
    assert scoring.Finding is Finding and scoring.Scorecard is Scorecard
