"""PBX records: parsing each format, and merging them into the audio timeline."""

from __future__ import annotations

import json

import pytest

from qa_audio import pbx
from qa_audio.decode import SAMPLE_RATE, Audio
from qa_audio.timeline import AGENT, CUSTOMER, analyse

from .conftest import simple_call


def test_asterisk_cdr_with_and_without_header(tmp_path):
    with_header = tmp_path / "cdr.csv"
    with_header.write_text(
        "uniqueid,src,dst,start,answer,end,duration,billsec,disposition\n"
        "1700000001.1,13800000000,6001,2026-11-22 10:00:00,2026-11-22 10:00:07,2026-11-22 10:03:07,187,180,ANSWERED\n",
        encoding="utf-8",
    )
    master = tmp_path / "Master.csv"
    master.write_text(
        '"","13800000000","6001","from-trunk","""Li"" <13800000000>","SIP/trunk-01","SIP/6001-02","Dial","SIP/6001",'
        '"2026-11-22 11:00:00","2026-11-22 11:00:12","2026-11-22 11:02:00",120,108,"ANSWERED","DOCUMENTATION","1700000002.5",""\n',
        encoding="utf-8",
    )
    a = pbx.parse_cdr(with_header)["1700000001.1"]
    b = pbx.parse_cdr(master)["1700000002.5"]
    assert (a.answer_delay_s, a.answered, b.answer_delay_s) == (7.0, True, 12.0)


def test_asterisk_cel_hangupsource(tmp_path):
    cel = tmp_path / "cel.csv"
    extra = json.dumps({"hangupcause": 16, "hangupsource": "SIP/6001-02", "dialstatus": "ANSWER"}).replace('"', '""')
    cel.write_text(
        "eventtype,eventtime,channame,uniqueid,linkedid,extra\n"
        "CHAN_START,2026-11-22 10:00:00,SIP/trunk-01,1700000001.1,1700000001.1,\n"
        "CHAN_START,2026-11-22 10:00:01,SIP/6001-02,1700000001.2,1700000001.1,\n"
        f'HANGUP,2026-11-22 10:03:07,SIP/6001-02,1700000001.2,1700000001.1,"{extra}"\n',
        encoding="utf-8",
    )
    assert pbx.parse_cel(cel)["1700000001.1"].hangup_by == AGENT  # the agent's phone hung up
    assert pbx.parse_cel(cel, inbound=False)["1700000001.1"].hangup_by == CUSTOMER


@pytest.mark.parametrize(
    "direction,disposition,expected",
    [("inbound", "recv_bye", CUSTOMER), ("inbound", "send_bye", AGENT), ("outbound", "recv_bye", AGENT), ("outbound", "send_bye", CUSTOMER)],
)
def test_freeswitch_disposition_depends_on_leg(tmp_path, direction, disposition, expected):
    f = tmp_path / "cdr.json"
    f.write_text(json.dumps({"variables": {
        "uuid": "abc", "direction": direction, "start_epoch": "1700000000", "answer_epoch": "1700000009",
        "hold_accum_seconds": "30", "sip_hangup_disposition": disposition}}), encoding="utf-8")
    facts = pbx.parse_freeswitch(f)["abc"]
    assert (facts.hangup_by, facts.answer_delay_s, facts.hold_total_s) == (expected, 9.0, 30.0)


def test_record_wins_and_disagreement_is_kept(speech, phrases, china):
    audio, truth = simple_call(speech, phrases, china, seed=21, rings=2, hangup_by=CUSTOMER)
    tl = analyse(Audio(audio, SAMPLE_RATE, "test"), china)
    assert tl.hangup_by == CUSTOMER
    facts = pbx.PbxFacts("x", "freeswitch", answer_delay_s=truth.answer_s + 4.0, hangup_by=AGENT, hold_total_s=0.0)
    merged = pbx.apply(tl, [facts], china)
    assert merged.hangup_by == AGENT and merged.hangup_evidence == "freeswitch record"
    assert merged.answer_delay_s == round(truth.answer_s + 4.0, 2) and merged.pickup_source == "freeswitch"
    assert any("hang-up: audio says customer" in d for d in merged.disagreements)
    assert any("answer delay" in d for d in merged.disagreements)


def test_record_supplies_pickup_when_audio_cannot(speech, phrases, china):
    audio, _ = simple_call(speech, phrases, china, seed=22, rings=None)
    tl = analyse(Audio(audio, SAMPLE_RATE, "test"), china)
    assert tl.answer_delay_s is None
    merged = pbx.apply(tl, [pbx.PbxFacts("x", "asterisk-cdr", answer_delay_s=12.0)], china)
    assert merged.answer_delay_s == 12.0 and merged.ring_count == 3  # 12 s of 5-s China cycles
