"""Per-rule precision and recall of the standard rule pack on generated calls whose agent
lines are known (synthesised phrases) and whose customers are real recordings.

    .venv/bin/python benchmarks/rules.py [--calls 50] [--beam-size 5]

The positive class is a violation (rule result `fail`); for each rule, precision is the
share of reported violations that are real, recall the share of real violations reported.
`unknown` or `na` where the truth is pass/fail counts as a miss. Target (issue #5): >= 0.95
for the phrase rules.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

from scenarios import load_assets, random_scenario

from qa_audio import callgen, models, rules
from qa_audio.pipeline import complete_timeline, role_cues
from qa_audio.decode import SAMPLE_RATE, Audio
from qa_audio.roles import assign, call_confidence
from qa_audio.scoring import CallContext, evaluate
from qa_audio.timeline import MIXED, analyse
from qa_audio.transcribe import AsrSettings, Transcriber


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--beam-size", type=int, default=AsrSettings.beam_size)
    args = ap.parse_args()
    phrases, speech = load_assets()
    pack = rules.load()
    tr = Transcriber(models.resolve(), AsrSettings(beam_size=args.beam_size), threads=2)
    cues = role_cues(pack)
    stats = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "other": 0})
    notes = []
    t0 = time.perf_counter()
    for seed in range(args.calls):
        sc = random_scenario(500 + seed, phrases, speech, stereo=True)
        audio, truth = callgen.compose(sc.script)
        a = Audio(audio, SAMPLE_RATE, "gen")
        tl = analyse(a, sc.script.plan)
        segs = tr.transcribe(a, tl)
        if any(s.side == MIXED for s in segs):
            segs = assign(segs, a.mono(), cues, tl.answer_s or 0.0)
        tl = complete_timeline(tl, segs, pack)
        found = {f.rule_id: f for f in evaluate(pack, CallContext(tl, segs, None, call_confidence(segs) >= pack.min_role_confidence))}
        facts = dict(sc.facts)
        facts["customer_hangs_up_first"] = "pass" if truth.hangup_by == "customer" else "fail"
        if truth.ring_count:
            facts["pickup_time"] = "pass" if truth.ring_count <= 3 and truth.answer_s <= 10 else "fail"
        for rule_id, expected in facts.items():
            got = found[rule_id].result
            s = stats[rule_id]
            if expected == "fail":
                s["tp" if got == "fail" else "fn"] += 1
            elif expected == "pass":
                s["fp" if got == "fail" else ("tn" if got == "pass" else "other")] += 1
            else:
                s["tn" if got == "na" else "other"] += 1
            if got != expected:
                said = " | ".join(x.text for x in segs if x.side == "agent")
                notes.append(f"seed {500 + seed} {rule_id}: expected {expected}, got {got}; agent said: {said}")
    print(f"{args.calls} calls in {time.perf_counter() - t0:.0f} s")
    print(f"{'rule':<24} {'precision':>9} {'recall':>7} {'accuracy':>9}  tp fp fn tn other")
    for rule_id, s in sorted(stats.items()):
        p = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else float("nan")
        r = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else float("nan")
        acc = (s["tp"] + s["tn"]) / sum(s.values())
        print(f"{rule_id:<24} {p:>9.3f} {r:>7.3f} {acc:>9.3f}  {s['tp']:>2} {s['fp']:>2} {s['fn']:>2} {s['tn']:>2} {s['other']:>2}")
    for n in notes:
        print("  ", n)


if __name__ == "__main__":
    main()
