"""The CLI in this process (typer's CliRunner): exit codes, one-line errors, help, and what
the read commands print from a database. Fast tier: the database (`sample_db`) is samples/
processed with their scripted lines as the transcript, so no test here loads the model;
the same commands over what the model heard run in tests/test_workflows.py (slow tier)."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3

import numpy as np
import pytest

from qa_audio import rules

from tests import callgen

from .conftest import ROOT, SAMPLES, cli, copy_db, one_line_error, seed_transcripts, strict_json

CALLS = {"c001": "a01", "c002": "a02", "c003": "a01", "c004": "a02"}  # samples/calls.csv
COMMANDS = ["process", "rescore", "flagged", "show", "review", "agent", "report", "export", "search", "models", "rules", "purge", "delete", "serve", "users"]


def test_help_lists_every_command_and_exits_0():
    proc = cli("--help")
    assert proc.returncode == 0
    listed = {line.split()[1] for line in proc.stdout.splitlines() if line.startswith("│ ") and len(line.split()) > 1}
    assert set(COMMANDS) <= listed, listed


@pytest.mark.parametrize("command", [["process"], ["show"], ["rules", "check"], ["models", "install"]])
def test_each_command_has_help_with_its_options(command):
    proc = cli(*command, "--help")
    assert proc.returncode == 0 and re.search(rf"Usage: \S+ {' '.join(command)} ", proc.stdout), proc.stdout
    if command == ["process"]:
        for option in ("--db", "--agent-channel", "--tone-plan", "--metadata", "--pbx", "--workers", "--force"):
            assert option in proc.stdout, option


def test_an_unknown_command_or_option_is_a_usage_error():
    assert cli("frobnicate").returncode == 2
    assert cli("show", "c001", "--no-such-option").returncode == 2


def test_rules_check_passes_the_standard_pack_and_names_the_line_of_a_broken_one(tmp_path):
    ok = cli("rules", "check")
    pack = rules.load()
    assert ok.returncode == 0 and f"{pack.name} {pack.version}, {len(pack.rules)} rules, hash {pack.hash}" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('[pack]\nname = "x"\nversion = "1"\n[[rule]]\nid = \n', encoding="utf-8")
    one_line_error(cli("rules", "check", str(bad)), f"{bad}:5")
    # Every file is checked: one bad file among good ones still fails the run.
    both = cli("rules", "check", str(rules.DEFAULT_PACK), str(bad))
    assert both.returncode == 1 and "ok  " in both.stdout


def test_rules_list_shows_every_rule_of_the_pack():
    proc = cli("rules", "list")
    assert proc.returncode == 0
    ids = [line.split()[0] for line in proc.stdout.splitlines()[1:]]
    assert ids == [r.id for r in rules.load().rules]


def test_process_refuses_bad_options_before_touching_the_database(tmp_path):
    db = tmp_path / "qa.db"
    (tmp_path / "empty").mkdir()
    one_line_error(cli("process", str(tmp_path / "nowhere"), db=db), "no such file or folder", "nowhere")
    one_line_error(cli("process", str(SAMPLES), "--agent-channel", "middle", db=db), "--agent-channel must be left or right")
    one_line_error(cli("process", str(SAMPLES), "--tone-plan", "mars", db=db), "unknown tone plan 'mars'", "china")
    one_line_error(cli("process", str(SAMPLES), "--send-audio", db=db), "--send-audio goes with --cluster")
    one_line_error(cli("process", str(SAMPLES), "--metadata", str(SAMPLES / "README.md"), db=db), "expected a .csv or .json file")
    one_line_error(cli("process", str(SAMPLES), "--model", str(tmp_path / "empty"), db=db), "not a faster-whisper model directory")
    assert not db.exists()


def test_read_commands_on_a_missing_database_fail_and_create_nothing(tmp_path):
    db = tmp_path / "missing.db"
    for command in (["flagged"], ["show", "c001"], ["export"], ["search", "退款"], ["agent", "a01"], ["report", "--date", "2026-11-22"], ["users", "list"]):
        one_line_error(cli(*command, db=db), "database not found")
    assert list(tmp_path.iterdir()) == []


def test_a_second_run_finds_every_call_stored(sample_db):
    proc = cli("process", str(SAMPLES), "--metadata", str(SAMPLES / "calls.csv"), "--workers", "1", db=sample_db)
    assert proc.returncode == 0 and "4 files: 0 processed, 4 already done, 0 failed" in proc.stdout


def test_show_json_is_strict_json_with_the_contract(sample_db):
    for call_id, agent_id in CALLS.items():
        card = strict_json(cli("show", call_id, "--json", db=sample_db).stdout)
        assert card["call_id"] == call_id and card["agent_id"] == agent_id and card["status"] == "done"
        assert [f["rule_id"] for f in card["findings"]] == [r.id for r in rules.load().rules]
        assert card["segments"] and isinstance(card["events"], list) and card["rulepack"]["name"] == "standard_zh"
        assert 0 <= card["score"] <= 100
    # The good call passes; the rude one (samples/README.md) is flagged.
    assert strict_json(cli("show", "c001", "--json", db=sample_db).stdout)["flagged"] is False
    assert strict_json(cli("show", "c002", "--json", db=sample_db).stdout)["flagged"] is True


def test_a_call_nobody_speaks_in_is_strict_json_with_no_score(tmp_path):
    """One side silent once made `show --json` print NaN, which is not JSON."""
    day = tmp_path / "day"
    quiet = callgen.write_audio(day / "20261122_a01_quiet.wav", np.zeros((2, 5 * 16000), np.float32))
    db = tmp_path / "qa.db"
    seed_transcripts(db, {quiet: []})
    assert cli("process", str(day), "--workers", "1", db=db).returncode == 0
    card = strict_json(cli("show", "quiet", "--json", db=db).stdout)
    assert card["score"] is None and card["flagged"] is True and card["segments"] == []
    assert card["metrics"]["agent_talk_share"] is None  # 0 s of 0 s


def test_show_prints_the_timeline_findings_and_transcript(sample_db):
    proc = cli("show", "c001", db=sample_db)
    card = strict_json(cli("show", "c001", "--json", db=sample_db).stdout)
    assert proc.returncode == 0
    assert str(card["score"]) in proc.stdout and card["segments"][0]["text"] in proc.stdout
    one_line_error(cli("show", "no-such-call", db=sample_db), "no call with id 'no-such-call'")


def test_an_internal_error_is_one_line_with_its_traceback_in_the_log(sample_db, tmp_path):
    db = copy_db(sample_db, tmp_path / "qa.db")
    with sqlite3.connect(db) as conn:  # a stored timeline this qa-audio cannot read
        conn.execute("UPDATE calls SET timeline_json = '{\"holds\": 7}' WHERE id = 'c001'")
    conn.close()
    one_line_error(cli("show", "c001", db=db), "internal error: ", f"traceback in {db}.log")
    assert "Traceback" in (tmp_path / "qa.db.log").read_text(encoding="utf-8")
    debug = cli("--debug", "show", "c001", db=db)
    assert debug.returncode == 1 and "Traceback" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1].startswith("error: internal error: ")


def test_flagged_json_and_text_agree(sample_db):
    items = strict_json(cli("flagged", "--json", db=sample_db).stdout)
    assert "c002" in [c["call_id"] for c in items] and "c001" not in [c["call_id"] for c in items]
    text = cli("flagged", db=sample_db).stdout
    assert text.strip().splitlines()[-1] == f"{len(items)} flagged"


def test_agent_sees_only_their_own_calls(sample_db):
    rep = strict_json(cli("agent", "a01", "--json", db=sample_db).stdout)
    assert sorted(c["call_id"] for c in rep["scorecards"]) == ["c001", "c003"]
    one_line_error(cli("agent", "nobody", db=sample_db), "no calls for agent 'nobody'")


def test_report_for_a_day_and_a_date_that_is_not_one(sample_db):
    rep = strict_json(cli("report", "--date", "2026-11-22", "--json", db=sample_db).stdout)
    assert rep["calls"] == 4 and {a["agent_id"] for a in rep["agents"]} == {"a01", "a02"}
    assert strict_json(cli("report", "--date", "2026-11-23", "--json", db=sample_db).stdout)["calls"] == 0
    one_line_error(cli("report", "--date", "2026-13-45", db=sample_db), "--date '2026-13-45' is not a date")


def test_export_json_csv_and_a_file(sample_db, tmp_path):
    cards = strict_json(cli("export", "--json", db=sample_db).stdout)
    assert sorted(c["call_id"] for c in cards) == sorted(CALLS)
    rows = list(csv.DictReader(io.StringIO(cli("export", "--format", "csv", db=sample_db).stdout)))
    assert {r["call_id"]: r["agent_id"] for r in rows} == CALLS
    out = tmp_path / "scores.json"
    assert cli("export", "--out", str(out), db=sample_db).stdout.strip() == f"wrote {out}"
    assert json.loads(out.read_text(encoding="utf-8")) == cards
    one_line_error(cli("export", "--format", "xml", db=sample_db), "format must be json or csv")


def test_search_finds_what_was_said(sample_db):
    hits = strict_json(cli("search", "稍等", "--json", db=sample_db).stdout)
    assert hits and all("稍等" in h["text"] for h in hits)
    assert strict_json(cli("search", "火星探测器", "--json", db=sample_db).stdout) == []
    one_line_error(cli("search", '"', db=sample_db), "nothing to search for")


def test_review_is_recorded_as_the_os_user_and_shown(sample_db, tmp_path):
    db = copy_db(sample_db, tmp_path / "qa.db")
    before = strict_json(cli("show", "c002", "--json", db=db).stdout)
    failed = next(f for f in before["findings"] if f["result"] == "fail")
    proc = cli("review", "c002", "--rule", failed["rule_id"], "--decision", "override", "--note", "heard it", db=db)
    assert proc.returncode == 0 and proc.stdout.startswith("recorded as os:")
    after = strict_json(cli("show", "c002", "--json", db=db).stdout)
    assert [r["rule_id"] for r in after["reviews"]] == [failed["rule_id"]]
    assert next(f for f in after["findings"] if f["rule_id"] == failed["rule_id"])["result"] == "pass"
    one_line_error(cli("review", "c002", "--rule", "nope", "--decision", "confirm", "--note", "y", db=db), "no finding for rule")
    one_line_error(cli("review", "c002", "--rule", failed["rule_id"], "--decision", "maybe", "--note", "y", db=db), "decision must be")


def test_rescore_keeps_the_scores_of_unchanged_rules(sample_db, tmp_path):
    db = copy_db(sample_db, tmp_path / "qa.db")
    before = {c["call_id"]: c["score"] for c in strict_json(cli("export", "--json", db=db).stdout)}
    proc = cli("rescore", db=db)
    assert proc.returncode == 0 and proc.stdout.strip().splitlines()[-1] == "4 calls re-scored"
    assert {c["call_id"]: c["score"] for c in strict_json(cli("export", "--json", db=db).stdout)} == before


def test_users_add_and_list_never_show_a_hash(sample_db, tmp_path):
    db = copy_db(sample_db, tmp_path / "qa.db")
    proc = cli("users", "add", "wang", "--role", "supervisor", "--password", "correct horse 42", db=db)
    assert proc.returncode == 0 and proc.stdout.strip() == "added supervisor wang"
    listed = strict_json(cli("users", "list", "--json", db=db).stdout)
    assert [(u["name"], u["role"]) for u in listed] == [("wang", "supervisor")]
    assert "argon2" not in json.dumps(listed)
    one_line_error(cli("users", "add", "li", "--role", "emperor", "--password", "correct horse 42", db=db), "role")


def test_models_list_names_the_installed_model():
    proc = cli("models", "list")
    assert proc.returncode == 0 and "whisper-base" in proc.stdout and str(ROOT) in proc.stdout
