"""Per-rule precision and recall of the standard rule pack on composed calls whose agent
lines are known (synthesised) and whose customers are real recordings.

    .venv/bin/python benchmarks/rules.py [--calls 100] [--set test|dev|dev2|blind|blind2|blind3|blind4|blind5|blind6|blind7|blind8|standard] [--beam-size 5]

`--set test` (default) and `--set dev`: benchmarks/paraphrase_scenarios.py, the agent's
lines half in the standard's words and half in other words, of the held-out test split
(`test_*`, never read to write the pack) or of the dev split (`para_*`, the lines of pack
2026.12.1's figures, looked at while its collections were widened); `--set blind8`: the
`blind8_*` lines, not to be read or tuned on, run at the start and the end of a round (`--set blind`,
`blind2` ... `blind7`: the earlier blind splits, each run at the end of a round and open to
develop on since); calls alternate mono /
stereo and, in pairs, G.711 / wideband, so half are mono and half G.711. `--set standard`:
the standard's own words with holds (benchmarks/scenarios.py), stereo, as in pack 2026.11.

The positive class is a violation (rule result `fail`); for each rule, precision is the
share of reported violations that are real, recall the share of real violations reported,
overall and on mono and stereo calls apart. `unknown` or `na` where the truth is pass/fail
counts as a miss. For the forbidden-phrase rules, "clean" is the share of calls without the
violation that are not reported as having it. Targets (issue #15): every phrase rule
>= 0.97 precision and >= 0.95 recall, mono within 0.03 of stereo; clean >= 0.99.
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import time
from collections import defaultdict
from pathlib import Path

from paraphrase_scenarios import FORBIDDEN_RULES, SPLITS, paraphrase_scenario
from roles import speakers
from scenarios import load_assets, random_scenario

from qa_audio import models, rules, verify
from tests import callgen
from qa_audio.decode import SAMPLE_RATE, Audio
from qa_audio.matching import normalise
from qa_audio.analyzer import complete_timeline
from qa_audio.roles import RoleCues
from qa_audio.roles import assign, call_confidence
from qa_audio.scoring import CallContext, evaluate, unverified
from qa_audio.timeline import MIXED, analyse
from qa_audio.transcribe import AsrSettings, Transcriber


def _ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def _heard(a: Audio, sc, tr: Transcriber, cached: Path | None):
    """The call's timeline and transcript, from the cache file when there is one."""
    if cached and cached.exists():
        return pickle.loads(cached.read_bytes())
    tl = analyse(a, sc.script.plan)
    out = tl, tr.transcribe(a, tl)
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(pickle.dumps(out))
    return out


def true_side(seg, lines) -> str:
    """The side of the scripted line a recognised segment overlaps most."""
    overlap: dict[str, float] = defaultdict(float)
    for line in lines:
        overlap[line.side] += max(0.0, min(seg.end_s, line.end_s) - max(seg.start_s, line.start_s))
    return max(overlap, key=overlap.get) if overlap else ""


def said_at(best, lines) -> str:
    """What the agent's scripted lines said where a verified phrase was placed (0.5 s either
    side): whether the phrase shown as evidence is the one said."""
    return " / ".join(x.text for x in lines if x.side == "agent" and x.start_s - 0.5 <= best.end_s and best.start_s <= x.end_s + 0.5)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--set", choices=(*SPLITS, "standard"), default="test")
    ap.add_argument("--beam-size", type=int, default=AsrSettings.beam_size)
    ap.add_argument("--no-verify", action="store_true", help="score without acoustic verification (qa_audio/verify.py)")
    ap.add_argument("--scores", type=Path, help="write every verification's best phrase, score and the rule's truth here (JSON lines), for calibration")
    ap.add_argument("--cache", type=Path, help="keep each call's timeline and transcript here and reuse them (rule and role changes re-measured without transcribing again)")
    args = ap.parse_args()
    phrases, speech = load_assets()
    voices = speakers(speech)
    pack = rules.load()
    tr = Transcriber(models.resolve(), AsrSettings(beam_size=args.beam_size), threads=2)
    cues = RoleCues.from_pack(pack)
    stats = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "other": 0})
    notes = []
    flagged = defaultdict(int)
    t0 = time.perf_counter()
    verify_cpu, checked = 0.0, []
    role_time = {"right": 0.0, "wrong": 0.0}
    for seed in range(args.calls):
        if args.set != "standard":
            stereo, telephone = seed % 2 == 1, seed // 2 % 2 == 0
            sc = paraphrase_scenario(900 + seed, phrases, speech, voices, stereo, telephone, args.set)
        else:
            stereo, telephone = True, None
            sc = random_scenario(500 + seed, phrases, speech, stereo=True)
        audio, truth = callgen.compose(sc.script)
        a = Audio(audio, SAMPLE_RATE, "gen")
        tl, segs = _heard(a, sc, tr, args.cache and args.cache / f"{args.set}-{seed}-b{args.beam_size}.pickle")
        if any(s.side == MIXED for s in segs):
            segs = assign(segs, a.mono(), cues, tl.answer_s or 0.0)
        if not stereo:
            for x in segs:
                role_time["right" if true_side(x, truth.lines) == x.side else "wrong"] += x.end_s - x.start_s
        tl = complete_timeline(tl, segs, pack)
        certain = call_confidence(segs) >= pack.min_role_confidence
        flagged["mono" if not stereo else "stereo"] += not certain
        if not args.no_verify:
            c0 = time.process_time()
            found = verify.scored(unverified(pack, CallContext(tl, segs, None, certain)), a, tl, lambda: tr.model)
            tl.events += verify.events(pack, found)
            verify_cpu += time.process_time() - c0
            checked += [dict(seed=seed, stereo=stereo, telephone=telephone, rule=c.rule_id, condition=c.condition, phrase=b.phrase, log_ratio=b.log_ratio,
                             truth=sc.facts.get(c.rule_id), text=b.text, said=said_at(b, truth.lines)) for c, b in found]
        found = {f.rule_id: f for f in evaluate(pack, CallContext(tl, segs, None, certain))}
        facts = dict(sc.facts)
        if args.set == "standard":
            facts["customer_hangs_up_first"] = "pass" if truth.hangup_by == "customer" else "fail"
            if truth.ring_count:
                facts["pickup_time"] = "pass" if truth.ring_count <= 3 and truth.answer_s <= 10 else "fail"
        kind = "stereo" if stereo else "mono"
        for rule_id, expected in facts.items():
            got = found[rule_id].result
            for s in (stats[(rule_id, "all")], stats[(rule_id, kind)]):
                if expected == "fail":
                    s["tp" if got == "fail" else "fn"] += 1
                elif expected == "pass":
                    s["fp" if got == "fail" else ("tn" if got == "pass" else "other")] += 1
                else:
                    s["tn" if got == "na" else "other"] += 1
            if got != expected:
                said = " | ".join(f"{x.side[0]}:{x.text}" for x in segs)
                notes.append(f"seed {seed} {kind} {'G.711' if telephone else 'wide'} {rule_id}: expected {expected}, got {got}; {said}")
    print(f"{args.calls} calls ({args.set}) in {time.perf_counter() - t0:.0f} s; roles flagged uncertain: {dict(flagged)}")
    if any(role_time.values()):
        print(f"mono roles of the recognised segments: accuracy over their time {role_time['right'] / sum(role_time.values()):.3f} ({role_time['wrong']:.1f} s wrong)")
    if not args.no_verify:
        accepted = sum(math.exp(c["log_ratio"]) >= pack.settings["verify_min_score"] for c in checked)
        print(f"acoustic verification: {len(checked)} checks, {accepted} accepted; {verify_cpu:.1f} s CPU ({verify_cpu / args.calls:.2f} s per call)")
        for c in checked:
            if math.exp(c["log_ratio"]) >= pack.settings["verify_min_score"]:
                shown = "in the line said" if normalise(c["phrase"]) in normalise(c["said"]) else "NOT in the line said"
                print(f"   accepted seed {c['seed']} {c['rule']}.{c['condition']}: {c['phrase']} ({shown}: {c['said']}; heard {c['text']})")
    if args.scores:
        args.scores.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in checked))
    print(f"{'rule':<24} {'prec':>6} {'recall':>6} {'mono P':>6} {'mono R':>6} {'ster P':>6} {'ster R':>6} {'clean':>6}   tp fp fn tn other")
    for rule_id in sorted({r for r, _ in stats}):
        row = [stats[(rule_id, k)] for k in ("all", "mono", "stereo")]
        figures = [f(s) for s in row for f in (lambda s: _ratio(s["tp"], s["tp"] + s["fp"]), lambda s: _ratio(s["tp"], s["tp"] + s["fn"]))]
        s = row[0]
        clean = f"{_ratio(s['tn'], s['tn'] + s['fp']):6.3f}" if rule_id in FORBIDDEN_RULES else "     -"
        print(f"{rule_id:<24} " + " ".join(f"{x:6.3f}" for x in figures) + f" {clean}   {s['tp']:>2} {s['fp']:>2} {s['fn']:>2} {s['tn']:>2} {s['other']:>2}")
    for n in notes:
        print("  ", n)


if __name__ == "__main__":
    main()
