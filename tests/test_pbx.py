"""PBX records as real Asterisk and FreeSWITCH deployments write them (fixtures/pbx/SOURCES.md
cites the source file and line each fixture follows), merged into the audio timeline."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from qa_audio import pbx, rules
from qa_audio.decode import SAMPLE_RATE, Audio
from qa_audio.analyzer import score
from qa_audio.scoring import FAIL, NA, PASS
from qa_audio.timeline import AGENT, CUSTOMER, Event, analyse
from qa_audio.transcribe import Segment

from .conftest import SAMPLES, run_cli, simple_call
from .test_rules import timeline

FIXTURES = Path(__file__).parent / "fixtures" / "pbx"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Truth:
    answered: bool | None
    delay_s: float | None = None
    hangup_by: str | None = None
    hold_s: float | None = None
    transfers: tuple[tuple[str, float], ...] = ()  # (kind, seconds after the agent's answer)


# fixture (file or folder), inbound, call id, what really happened on the call
CASES = [
    # cdr_csv, code defaults: 16 columns, no uniqueid (cdr_csv.c:56-57, :215-246): matched by start time below
    ("cdr_csv_sample", True, "1795342200.10", Truth(True, 21.0)),  # 18 columns; NO ANSWER then ANSWERED: wait from the first row
    ("cdr_csv_sample", True, "1795342800.20", Truth(False)),  # queue abandon: NO ANSWER, answer = start
    ("cdr_csv_sample", True, "1795343400.30", Truth(False)),  # ANSWERED by the IVR, never bridged to an agent
    ("cdr_csv_newcdrcolumns.csv", True, "1795344000.40", Truth(True, 4.0)),  # 21 columns, rows linked by linkedid
    ("cdr-custom", True, "1795344600.50", Truth(True, 9.0)),  # basic-pbx cdr_custom: clid first, 19 columns
    ("cdr_custom.json", True, "1795348200.110", Truth(True, 11.0)),  # cdr_custom format = json
    ("cel-custom", True, "1795345200.60", Truth(True, 7.25, CUSTOMER, transfers=(("blind", 40.0),))),  # legacy, 20 columns
    ("cel_custom_advanced.csv", True, "1795345800.70", Truth(True, 5.5, UNKNOWN)),  # 24 columns; hangupsource dialplan/builtin
    ("cel_asterisk11.csv", True, "1795346400.80", Truth(True, 9.75, AGENT)),  # HANGUP extra "16,SIP/...,ANSWER"
    ("cel_odbc_export.csv", True, "1795347000.90", Truth(True, 6.0, UNKNOWN, transfers=(("attended", 54.5),))),  # numeric eventtype
    ("cel_custom.json", True, "1795347600.100", Truth(False)),  # JSON lines; the caller abandoned the queue
    ("freeswitch-json", True, "6f1c0a2e-8d44-4b1f-9a51-00000000000a", Truth(True, 6.48, AGENT, 20.0)),  # A+B legs, agent held
    ("freeswitch-dialer", False, "0d1a1e70-5a0c-4c52-8e11-00000000001a", Truth(True, 12.3, CUSTOMER, 0.0)),  # both legs outbound
    ("freeswitch-xml", True, "9b2e4c61-3f7d-4a8e-b0c2-00000000002a", Truth(True, 5.2, CUSTOMER, 0.0, (("blind", 54.8),))),
]


def facts_of(records: pbx.Records, call_id: str) -> pbx.PbxFacts:
    found = records.calls[call_id]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("fixture,inbound,call_id,truth", CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_real_formats_give_the_true_answer(fixture, inbound, call_id, truth):
    records = pbx.load_records([FIXTURES / fixture], inbound)
    assert records.warnings == []
    f = facts_of(records, call_id)
    got = Truth(f.answered, f.answer_delay_s, f.hangup_by, f.hold_total_s, tuple((t.kind, t.at_s) for t in f.transfers))
    assert got == truth


def test_one_folder_of_every_format_at_once():
    records = pbx.load_records([FIXTURES])
    (warning,) = records.warnings  # the Markdown file beside the records
    assert str(warning).startswith(f"{FIXTURES / 'SOURCES.md'}:1: no PBX record in ")
    for fixture, inbound, call_id, truth in CASES:
        if inbound:
            f = facts_of(records, call_id)
            assert (f.answered, f.answer_delay_s, f.hangup_by) == (truth.answered, truth.delay_s, truth.hangup_by), fixture


def test_records_without_an_id_are_matched_by_start_time():
    records = pbx.load_records([FIXTURES / "cdr_csv"])
    assert records.calls == {} and len(records.undated) == 1
    (f,) = records.for_call("c9", datetime(2026, 11, 22, 10, 0, 1))
    assert (f.answered, f.answer_delay_s, f.precision_s) == (True, 8.0, 1.0)
    assert records.for_call("c9", datetime(2026, 11, 22, 10, 0, 5)) == []


def test_a_row_in_master_and_account_file_counts_once():
    # cdr_csv writes each record to Master.csv and to the account's NAME.csv (cdr_csv.c:310).
    records = pbx.load_records([FIXTURES / "cdr_csv_sample"])
    assert {k: len(v) for k, v in records.calls.items()} == {"1795342200.10": 1, "1795342800.20": 1, "1795343400.30": 1}


def test_an_id_shared_by_several_calls_matches_none(tmp_path):
    f = tmp_path / "cdr.csv"
    f.write_text(
        "uniqueid,userfield,start,answer,disposition\n"
        "1700000001.1,support,2026-11-22 10:00:00,2026-11-22 10:00:07,ANSWERED\n"
        "1700000002.1,support,2026-11-22 10:05:00,2026-11-22 10:05:03,ANSWERED\n",
        encoding="utf-8",
    )
    records = pbx.load_records([f])
    assert "support" not in records.calls and facts_of(records, "1700000002.1").answer_delay_s == 3.0
    assert [str(w) for w in records.warnings] == [f"{f}: id 'support' names 2 different calls: not matched to any recording"]


def test_the_file_name_routes_nothing():
    cel = pbx.load_records([FIXTURES / "cel-custom" / "Master.csv"])  # a CEL file named like a CDR one
    assert facts_of(cel, "1795345200.60").source == "asterisk-cel"
    cdr = pbx.load_records([FIXTURES / "cdr_csv_sample" / "support.csv"])
    assert facts_of(cdr, "1795342200.10").source == "asterisk-cdr"


def test_sub_second_precision_where_the_pbx_writes_it():
    fs = facts_of(pbx.load_records([FIXTURES / "freeswitch-json"]), "6f1c0a2e-8d44-4b1f-9a51-00000000000a")
    assert fs.precision_s == 0.0 and fs.answer_delay_s == 6.48  # answer_epoch alone would say 6
    assert fs.holds == (pbx.Span(23.52, 43.52),)  # hold_events of the agent's leg


def test_extra_and_missing_columns_and_bad_rows_are_warnings(tmp_path):
    f = tmp_path / "cdr.csv"
    f.write_text(
        "uniqueid,src,dst,start,answer,end,duration,billsec,disposition\n"
        "1700000001.1,13800000000,6001,2026-11-22 10:00:00,2026-11-22 10:00:07,2026-11-22 10:03:07,187,180,ANSWERED,surplus,fields\n"
        "1700000002.1,13800000000,6001,2026-11-22 10:05:00\n"
        "1700000003.1,13800000000,6001,yesterday,2026-11-22 10:00:07,2026-11-22 10:03:07,187,180,ANSWERED\n"
        "1700000004.1,13800000000,6001,2026-11-22 10:00:00,2026-11-22 10:00:07,2026-11-22 10:03:07,187,180,MAYBE\n",
        encoding="utf-8",
    )
    records = pbx.load_records([f])
    assert list(records.calls) == ["1700000001.1"] and facts_of(records, "1700000001.1").answer_delay_s == 7.0
    said = [str(w) for w in records.warnings]
    assert said[0] == f"{f}:2: 11 fields, the header has 9: the extra fields were ignored"
    assert said[1] == f"{f}:3: only 4 of the 9 fields of the header: row skipped"
    assert said[2].startswith(f"{f}:4: not read as an Asterisk CDR record: unreadable time")
    assert said[3].startswith(f"{f}:5: not read as an Asterisk CDR record: disposition 'MAYBE'")
    assert facts_of(records, "1700000001.1").notes == (said[0],)  # the call carries its row's warning


def test_broken_json_lines_xml_and_unknown_layouts_are_warnings(tmp_path):
    lines = (FIXTURES / "cel_custom.json").read_text(encoding="utf-8").splitlines()
    jl = tmp_path / "cel.json"
    jl.write_text("\n".join(lines[:2] + ['{"eventtype": "HANGUP", "eventtime": '] + lines[2:]) + "\n", encoding="utf-8")
    xml = tmp_path / "leg.cdr.xml"
    xml.write_text("<cdr><variables><uuid>x</uuid></variables>", encoding="utf-8")
    odd = tmp_path / "odd.csv"
    odd.write_text('"a","b","c"\n', encoding="utf-8")
    records = pbx.load_records([tmp_path])
    said = sorted(str(w) for w in records.warnings)
    assert said[0].startswith(f"{jl}:3: not a JSON record")
    assert said[1].startswith(f"{xml}:1: not XML")
    assert said[2].startswith(f"{odd}:1: 3 fields match no layout that reads them")
    assert facts_of(records, "1795347600.100").answered is False  # the other lines were read


def test_pbx_format_names_a_cdr_custom_mapping(tmp_path):
    # An advanced cdr_custom mapping with a tab separator (cdr_custom.conf.sample:54-89):
    # 21 columns like newcdrcolumns, but in another order, so it must be named.
    layout = tmp_path / "mine.toml"
    layout.write_text(
        'kind = "cdr"\ndelimiter = "\\t"\n'
        "fields = 'clid,\"Some Literal\",src, dst, dcontext, channel, dstchannel, lastapp, lastdata, start, answer, end, "
        "duration, billsec, disposition, amaflags, accountcode, uniqueid(noquote), userfield, sequence,ds_type(uservar)'\n",
        encoding="utf-8",
    )
    row = ['"Hu" <139>', "Some Literal", "139", "6001", "from-trunk", "PJSIP/trunk-1", "PJSIP/6001-2", "Dial", "PJSIP/6001",
           "2026-11-22 12:00:00", "2026-11-22 12:00:13", "2026-11-22 12:02:00", "120", "107", "ANSWERED", "DOCUMENTATION",
           "support", "1795352400.5", "", "4", ""]
    data = tmp_path / "cdr.tsv"
    data.write_text("\t".join(row) + "\n", encoding="utf-8")
    named = pbx.load_records([data, FIXTURES / "cel-custom"], layout=str(layout))
    assert facts_of(named, "1795352400.5").answer_delay_s == 13.0
    assert facts_of(named, "1795345200.60").answer_delay_s == 7.25  # other layouts are still read
    builtin = pbx.load_records([FIXTURES / "cdr-custom"], layout="cdr_custom")
    assert facts_of(builtin, "1795344600.50").answer_delay_s == 9.0
    with pytest.raises(pbx.PbxError, match="unknown PBX format 'cdr_cusotm'"):
        pbx.load_records([data], layout="cdr_cusotm")


def _leg(tmp_path, **variables) -> pbx.Records:
    f = tmp_path / "leg.cdr.json"
    f.write_text(json.dumps({"variables": {"uuid": "abc", "start_uepoch": "1700000000000000", "answer_uepoch": "1700000009250000", **variables}}), encoding="utf-8")
    return pbx.load_records([f])


@pytest.mark.parametrize(
    "variables,expected",
    [
        ({"sip_hangup_disposition": "recv_bye"}, CUSTOMER),  # the A leg is the caller: the customer
        ({"sip_hangup_disposition": "send_bye", "last_bridge_hangup_cause": "NORMAL_CLEARING"}, AGENT),  # its bridged partner hung up
        ({"sip_hangup_disposition": "send_bye"}, UNKNOWN),  # FreeSWITCH's dialplan ended it
        ({"sip_hangup_disposition": "recv_bye", "originator": "a-leg"}, AGENT),  # an originated leg is the agent's
    ],
)
def test_a_lone_freeswitch_leg(tmp_path, variables, expected):
    f = facts_of(_leg(tmp_path, **variables), "abc")
    assert (f.hangup_by, f.answer_delay_s) == (expected, 9.25)


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


def test_whole_second_records_do_not_disagree_over_rounding(china):
    tl = timeline(answer_s=8.9, answer_delay_s=8.9)
    pbx.apply(tl, [pbx.PbxFacts("x", "asterisk-cdr", answer_delay_s=7.0, precision_s=1.0)], china)
    assert tl.disagreements == []  # 7 s may be 7.99 s: within 1 s of the audio
    tl = timeline(answer_s=8.9, answer_delay_s=8.9)
    pbx.apply(tl, [pbx.PbxFacts("x", "freeswitch", answer_delay_s=7.0, precision_s=0.0)], china)
    assert tl.disagreements == ["answer delay: audio 8.9 s, freeswitch 7 s"]


def test_transfer_unknown_hangup_and_hold_intervals_reach_the_timeline(china):
    tl = timeline(duration=120.0, answer_s=10.0, answer_delay_s=10.0, holds=[(30.0, 35.0)], hangup_by=AGENT)
    facts = facts_of(pbx.load_records([FIXTURES / "freeswitch-json"]), "6f1c0a2e-8d44-4b1f-9a51-00000000000a")
    facts = pbx.PbxFacts("x", "test", hangup_by=UNKNOWN, hangup_detail="the PBX ended the call", holds=facts.holds, hold_total_s=facts.hold_total_s,
                         transfers=(pbx.Transfer(40.0, "blind", "6003@from-internal"),))
    pbx.apply(tl, [facts], china)
    assert tl.hangup_by == UNKNOWN
    assert "hang-up: audio says agent, test says nobody on the call (the PBX ended the call)" in tl.disagreements
    assert [(h.start_s, h.end_s, h.source) for h in tl.holds] == [(33.52, 53.52, "pbx")]  # placed from the audio's pickup
    (transfer,) = [e for e in tl.events if e.kind == "transfer"]
    assert transfer.start_s == 50.0 and "blind transfer to 6003@from-internal" in transfer.detail


def test_transfer_announced_rule():
    pack = rules.load()
    announced = [Segment(AGENT, 3.0, 5.0, "您好，请问有什么可以帮您"), Segment(AGENT, 40.0, 44.0, "好的，正在为您转接到技术部，请稍等")]
    silent = [announced[0], Segment(AGENT, 40.0, 43.0, "好的，请稍等")]

    def result(segments, transfer_at):
        tl = timeline(duration=60.0, answer_s=1.0)
        if transfer_at is not None:
            tl.events.append(Event("transfer", transfer_at, transfer_at, None, "pbx"))
        _, card = score(pack, tl, segments)
        return next(f.result for f in card.findings if f.rule_id == "transfer_announced")

    assert result(announced, 50.0) == PASS
    assert result(silent, 50.0) == FAIL
    assert result(announced, None) == NA  # no transfer in any record
    assert result(announced, 30.0) == FAIL  # said only after the transfer


def test_unanswered_call_has_every_rule_na(china):
    pack = rules.load()
    tl = timeline(answer_s=6.0, answer_delay_s=6.0)
    pbx.apply(tl, [pbx.PbxFacts("x", "asterisk-cdr", answered=False, detail="NO ANSWER: no agent answered")], china)
    _, card = score(pack, tl, [Segment(AGENT, 7.0, 8.0, "您好")])
    assert card.score is None and not card.passed and {f.result for f in card.findings} == {NA}
    assert tl.answer_delay_s is None and "pickup: audio heard an answer at 6.0 s, asterisk-cdr says nobody answered" in tl.disagreements


@pytest.mark.slow
def test_batch_with_broken_pbx_records_completes_with_warnings(tmp_path, model_path):
    """qa-audio process on three sample calls whose records include a malformed row, a row with
    an extra column and a JSON-lines file: the batch completes and prints the warnings."""
    day = tmp_path / "day"
    day.mkdir()
    for name in ("20261122_a01_c001.wav", "20261122_a01_c003.wav", "20261122_a02_c004.flac"):
        shutil.copy(SAMPLES / name, day / name)
    records = tmp_path / "pbx"
    records.mkdir()
    cdr = records / "cdr-export.csv"  # a header CDR export; one row has a surplus field, one is cut short
    cdr.write_text(
        "accountcode,src,dst,channel,dstchannel,start,answer,end,duration,billsec,disposition,uniqueid\n"
        '"","13800000001","6001","PJSIP/trunk-1","PJSIP/6001-2","2026-11-22 14:05:00","2026-11-22 14:05:09","2026-11-22 14:06:00",60,51,"ANSWERED","c001","surplus"\n'
        '"","13800000002","6001","PJSIP/trunk-3"\n'
        '"","13800000003","600","PJSIP/trunk-5","","2026-11-22 16:40:00","2026-11-22 16:40:00","2026-11-22 16:41:00",60,60,"NO ANSWER","c003"\n',
        encoding="utf-8",
    )
    lines = (FIXTURES / "cel-custom" / "Master.csv").read_text(encoding="utf-8").splitlines()
    cel = records / "cel.jsonl"  # cel_custom format = json (cel_custom.conf.sample:253-255): a blind transfer on c004
    keys = ["eventtype", "eventtime", "cidname", "cidnum", "cidani", "cidrdnis", "ciddnid", "exten", "context", "channame", "appname", "appdata",
            "amaflags", "acctcode", "uniqueid", "linkedid", "peer", "userfield", "userdeftype", "extra"]
    events = [dict(zip(keys, row)) | {"linkedid": "c004"} for row in csv.reader(lines)]
    events[0]["uniqueid"] = "c004"
    cel.write_text("\n".join(json.dumps(e) for e in events) + "\n{\"eventtype\": \"HANGUP\",\n", encoding="utf-8")
    db = tmp_path / "qa.db"
    proc = run_cli("process", str(day), "--metadata", str(SAMPLES / "calls.csv"), "--pbx", str(records), "--workers", "1", db=db)
    assert proc.returncode == 0, proc.stderr
    assert "3 files: 3 processed, 0 already done, 0 failed" in proc.stdout and "Traceback" not in proc.stderr
    assert f"warning: PBX record {cdr}:2: 13 fields, the header has 12: the extra fields were ignored" in proc.stderr
    assert f"warning: PBX record {cdr}:3: only 4 of the 12 fields of the header: row skipped" in proc.stderr
    assert f"warning: PBX record {cel}:{len(events) + 1}: not a JSON record" in proc.stderr
    c001 = json.loads(run_cli("show", "c001", "--json", db=db, check=True).stdout)
    assert c001["pickup_source"] == "asterisk-cdr" and c001["answer_delay_s"] == 9.0
    assert any(e["kind"] == "pbx_warning" and "extra fields were ignored" in e["detail"] for e in c001["events"])
    c004 = json.loads(run_cli("show", "c004", "--json", db=db, check=True).stdout)
    assert c004["hangup_by"] == CUSTOMER and c004["pickup_source"] == "asterisk-cel" and c004["answer_delay_s"] == 7.25
    (transfer,) = [e for e in c004["events"] if e["kind"] == "transfer"]
    finding = next(f for f in c004["findings"] if f["rule_id"] == "transfer_announced")
    # The agent of c004 never says 转接: the rule fails on the transfer the record shows.
    assert finding["result"] == FAIL and transfer["source"] == "pbx"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM events WHERE kind = 'transfer'").fetchone() == (1,)
    for _ in range(2):  # as processed, and after a rescore: the unanswered call is not scored as picked up
        c003 = json.loads(run_cli("show", "c003", "--json", db=db, check=True).stdout)
        assert c003["score"] is None and c003["answer_delay_s"] is None and {f["result"] for f in c003["findings"]} == {NA}
        assert [e["detail"] for e in c003["events"] if e["kind"] == "unanswered"] == ["asterisk-cdr: NO ANSWER: no agent answered (1 CDR row(s))"]
        run_cli("rescore", db=db, check=True)
    assert "c003" in run_cli("show", "c003", db=db, check=True).stdout
