"""Signal timeline accuracy and speed on generated calls with ground truth.

    .venv/bin/python benchmarks/timeline.py [--calls 60]

Targets (issue #3): pickup error <= 0.5 s on >= 98 % of calls with ringback, ring count
exact >= 98 %, hold duration error <= 1 s, hang-up side >= 98 % where the audio shows it
(mono must say "unknown"), zero false ringback/busy on speech-only and music-only audio,
signal analysis >= 500x real time.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from scenarios import load_assets, random_scenario

from qa_audio import callgen
from qa_audio.decode import SAMPLE_RATE, Audio
from qa_audio.timeline import analyse
from qa_audio.tones import get_plan, load_plans


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=60)
    args = ap.parse_args()
    phrases, speech = load_assets()
    pickup_err, rings_ok, ring_calls, hold_err, hold_missed, hold_extra = [], 0, 0, [], 0, 0
    hang_ok = hang_n = 0
    failures = []
    for seed in range(args.calls):
        sc = random_scenario(seed, phrases, speech)
        audio, truth = callgen.compose(sc.script)
        tl = analyse(Audio(audio, SAMPLE_RATE, "gen"), sc.script.plan)
        kind = f"seed {seed} {truth.plan} {'stereo' if truth.stereo else 'mono'}{' g711' if truth.telephone else ''}"
        if truth.ring_count:
            ring_calls += 1
            rings_ok += tl.ring_count == truth.ring_count
            err = abs(tl.answer_s - truth.answer_s) if tl.answer_s is not None else float("inf")
            pickup_err.append(err)
            if err > 0.5 or tl.ring_count != truth.ring_count:
                failures.append(f"{kind}: rings {tl.ring_count} vs {truth.ring_count}, answer {tl.answer_s} vs {truth.answer_s}")
        elif tl.ring_count is not None:
            failures.append(f"{kind}: rings {tl.ring_count} found where there were none")
            ring_calls += 1
        for start, end in truth.holds:
            match = [h for h in tl.holds if h.start_s < end and h.end_s > start]
            if not match:
                hold_missed += 1
                failures.append(f"{kind}: hold {start}-{end} missed")
                continue
            got = sum(h.end_s - h.start_s for h in match)
            hold_err.append(abs(got - (end - start)))
            if hold_err[-1] > 1.0:
                failures.append(f"{kind}: hold {start}-{end} measured {got:.1f} s")
        hold_extra += sum(1 for h in tl.holds if not any(h.start_s < e and h.end_s > s for s, e in truth.holds))
        hang_n += 1
        expected = truth.hangup_by if truth.stereo else "unknown"
        hang_ok += tl.hangup_by == expected
        if tl.hangup_by != expected:
            failures.append(f"{kind}: hang-up {tl.hangup_by} vs {expected} ({tl.hangup_evidence})")

    false_tones = false_check(speech)
    speed = speed_check(phrases, speech)
    within = sum(e <= 0.5 for e in pickup_err)
    print(f"calls: {args.calls} ({ring_calls} with ringback)")
    print(f"pickup time error <= 0.5 s: {within}/{len(pickup_err)} = {within / max(1, len(pickup_err)):.1%}  (median error {statistics.median(pickup_err):.2f} s)")
    print(f"ring count exact: {rings_ok}/{ring_calls} = {rings_ok / max(1, ring_calls):.1%}")
    good_holds = sum(e <= 1.0 for e in hold_err)
    total_holds = len(hold_err) + hold_missed
    print(f"hold duration error <= 1 s: {good_holds}/{total_holds} = {good_holds / max(1, total_holds):.1%}  (missed {hold_missed}, false holds {hold_extra}, max error {max(hold_err, default=0):.2f} s)")
    print(f"hang-up side (stereo: agent/customer; mono: unknown): {hang_ok}/{hang_n} = {hang_ok / hang_n:.1%}")
    print(f"false ringback/busy detections on speech-only and music-only audio: {false_tones}")
    print(f"signal analysis speed on 4-minute stereo calls: {speed:.0f}x real time")
    for f in failures:
        print("  miss:", f)


def false_check(speech) -> int:
    rng = np.random.default_rng(7)
    talk = np.concatenate([callgen.level(c.audio, -20) for c in speech])
    music = callgen.hold_music(300, rng)
    count = 0
    for name in load_plans():
        plan = get_plan(name)
        for x in (talk, callgen.telephone_channel(talk), music, callgen.telephone_channel(music)):
            for audio in (Audio(x[None, :], SAMPLE_RATE, "gen"), Audio(np.stack([x, np.roll(x, 12345)]), SAMPLE_RATE, "gen")):
                tl = analyse(audio, plan)
                count += sum(e.kind in ("ringback", "busy") for e in tl.events)
    return count


def speed_check(phrases, speech) -> float:
    ratios = []
    for seed in range(3):
        sc = random_scenario(1000 + seed, phrases, speech, stereo=True, long_call_s=240)
        audio, truth = callgen.compose(sc.script)
        a = Audio(audio, SAMPLE_RATE, "gen")
        analyse(a, sc.script.plan)  # warm-up
        t0 = time.perf_counter()
        for _ in range(3):
            analyse(a, sc.script.plan)
        ratios.append(a.duration_s * 3 / (time.perf_counter() - t0))
    return statistics.median(ratios)


if __name__ == "__main__":
    main()
