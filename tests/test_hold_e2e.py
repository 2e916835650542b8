"""A real hold-music track through the whole pipeline: real model, real decoder, real SQLite."""

from __future__ import annotations

import json

import pytest

from tests import callgen

from .conftest import run_cli


@pytest.mark.slow
def test_real_moh_hold_then_thanks_is_transcribed_and_passes(tmp_path, model_path, speech, phrases, china):
    turns = [
        callgen.Turn("agent", phrases["open_full_1"], "open_full_1"),
        callgen.Turn("customer", speech[3]),
        callgen.Turn("agent", phrases["hold_ask_1"], "hold_ask_1", hold_s=40.0),
        # Spoken right after the music stops (the PBX gives the line back to the agent).
        callgen.Turn("agent", phrases["hold_back_thanks_1"], "hold_back_thanks_1", gap_s=0.3),
        callgen.Turn("customer", phrases["cust_thanks"]),
        callgen.Turn("agent", phrases["close_thanks_1"], "close_thanks_1"),
    ]
    audio, truth = callgen.compose(callgen.CallScript(turns, china, telephone=True, seed=41))
    path = callgen.write_audio(tmp_path / "20261122_a01_moh.wav", audio)
    db = tmp_path / "qa.db"
    run_cli("process", str(path), "--workers", "1", db=db, check=True)
    card = json.loads(run_cli("show", "moh", "--json", db=db, check=True).stdout)
    (start, end), = truth.holds
    assert len(card["holds"]) == 1
    assert abs(card["holds"][0]["duration_s"] - (end - start)) <= 1.0
    after = next(line for line in truth.lines if line.phrase_id == "hold_back_thanks_1")
    heard = "".join(s["text"] for s in card["segments"] if s["start_s"] < after.end_s and s["end_s"] > after.start_s)
    assert "耐心等待" in heard, heard
    findings = {f["rule_id"]: f["result"] for f in card["findings"]}
    assert findings["hold_thanks"] == "pass" and findings["hold_permission"] == "pass"
    # Nothing was transcribed from the music.
    assert not [s for s in card["segments"] if s["start_s"] > start + 0.5 and s["end_s"] < end - 0.5]
