"""Build the demo calls in samples/ from real speech (../shared/audio/speech), the
synthesised phrases in samples/phrases/, and synthesised telephony tones.

    .venv/bin/python samples/make_samples.py

Deterministic (fixed seeds). Writes the recordings, `calls.csv` (metadata sidecar) and
`expected.json` (ground truth of every timing fact and spoken line).
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import callgen  # noqa: E402
from tests.callgen import CallScript, Turn  # noqa: E402
from qa_audio.tones import get_plan  # noqa: E402

OUT = ROOT / "samples"


def main() -> None:
    ph = callgen.load_phrases()
    sp = {c.name: c for c in callgen.load_speech()}
    china = get_plan("china")
    a, c = "agent", "customer"
    calls = {
        # A good call: greeting, introduction, hold with permission and thanks, closing;
        # the customer hangs up first. Stereo G.711 mu-law at 8 kHz, as call-centre recorders write.
        "20261122_a01_c001.wav": (
            CallScript(
                [
                    Turn(a, ph["open_full_1"], "open_full_1"),
                    Turn(c, sp["funasr_llamacpp_sample"]),
                    Turn(a, ph["hold_ask_1"], "hold_ask_1", hold_s=12.0),
                    Turn(a, ph["hold_back_thanks_2"], "hold_back_thanks_2"),
                    Turn(c, ph["cust_thanks"], "cust_thanks"),
                    Turn(a, ph["close_anything_1"], "close_anything_1"),
                    Turn(c, ph["cust_nothing_else"], "cust_nothing_else"),
                    Turn(a, ph["close_thanks_1"], "close_thanks_1"),
                ],
                china, rings=2, hangup_by="customer", stereo=True, telephone=True, seed=11,
            ),
            "pcm_mulaw", 8000,
        ),
        # A bad call: rude opening, shirking, an absolute promise, no closing; the agent hangs up. MP3.
        "20261122_a02_c002.mp3": (
            CallScript(
                [
                    Turn(a, ph["open_forbidden"], "open_forbidden"),
                    Turn(c, ph["cust_complain_2"], "cust_complain_2"),
                    Turn(a, ph["shirk_1"], "shirk_1"),
                    Turn(c, sp["fireredasr_TEST_NET_Y0000000000_-KTKHdZ2fb8_S00000"]),
                    Turn(a, ph["promise_2"], "promise_2"),
                    Turn(a, ph["close_bad"], "close_bad"),
                ],
                china, rings=4, answer_in_ring=True, hangup_by="agent", stereo=True, telephone=False, seed=12,
            ),
            "libmp3lame", 16000,
        ),
        # A complaint handled with an apology, on a mono 8 kHz A-law line that starts at answer:
        # no ringback, so pickup time is unknown; speaker roles come from voice clustering.
        "20261122_a01_c003.wav": (
            CallScript(
                [
                    Turn(a, ph["open_full_2"], "open_full_2"),
                    Turn(c, ph["cust_complain_1"], "cust_complain_1"),
                    Turn(a, ph["apology_1"], "apology_1"),
                    Turn(c, ph["cust_order"], "cust_order"),
                    Turn(a, ph["neutral_4"], "neutral_4"),
                    Turn(a, ph["close_thanks_2"], "close_thanks_2"),
                ],
                china, rings=None, hangup_by="customer", busy_tone=False, stereo=False, telephone=True, seed=13,
            ),
            "pcm_alaw", 8000,
        ),
        # Another agent: a hold with neither permission nor thanks, 你 instead of 您. FLAC, stereo.
        "20261122_a02_c004.flac": (
            CallScript(
                [
                    Turn(a, ph["open_full_3"], "open_full_3"),
                    Turn(c, sp["mossttsd_zh_spk1_moon"]),
                    Turn(a, ph["check_no_ask"], "check_no_ask", hold_s=10.0),
                    Turn(a, ph["hold_back_plain"], "hold_back_plain"),
                    Turn(a, ph["ni_1"], "ni_1"),
                    Turn(c, ph["cust_thanks"], "cust_thanks"),
                    Turn(a, ph["close_thanks_1"], "close_thanks_1"),
                ],
                china, rings=1, hangup_by="customer", stereo=True, telephone=False, seed=14,
            ),
            "flac", 16000,
        ),
    }
    expected = {}
    for name, (script, codec, rate) in calls.items():
        audio, truth = callgen.compose(script)
        callgen.write_audio(OUT / name, audio, codec=codec, rate=rate, bit_rate=48000 if codec == "libmp3lame" else None)
        expected[name] = asdict(truth)
        print(f"{name}: {truth.duration_s:.1f} s, {(OUT / name).stat().st_size // 1024} KB")
    (OUT / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1), encoding="utf-8")
    with (OUT / "calls.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "call_id", "agent_id", "started_at"])
        w.writerow(["20261122_a01_c001.wav", "c001", "a01", "2026-11-22T14:05:00"])
        w.writerow(["20261122_a02_c002.mp3", "c002", "a02", "2026-11-22T09:12:00"])
        w.writerow(["20261122_a01_c003.wav", "c003", "a01", "2026-11-22T16:40:00"])
        w.writerow(["20261122_a02_c004.flac", "c004", "a02", "2026-11-22T15:20:00"])


if __name__ == "__main__":
    main()
