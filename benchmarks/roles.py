"""Speaker roles on mono recordings: how often agent / customer is right, and whether the
calls marked uncertain are the ones that are wrong.

    .venv/bin/python benchmarks/roles.py [--calls 40] [--voices all|tune|held-out]

Each generated mono call has one agent voice and one customer voice. The customer is one
real speaker of shared/audio/speech (long recordings cut at their pauses into turns); the
agent is either the synthesised phrase library, its pitch and timbre shifted per call to
stand for different agents, or another real speaker (two human voices).
The segments are the true lines (times and text), so the figures are the role assignment's,
not the recogniser's. Reported wideband and through the G.711 channel: accuracy over
speech time, calls with any wrong role, calls flagged uncertain (and how many of the wrong
ones), and accuracy on the calls not flagged.

The real speakers are split in two halves, each with one speaker long enough to be an agent:
`--voices tune` is what the role assignment was tuned on, `--voices held-out` voices it never
saw while being tuned; `all` (the default) mixes them, two readers of one sex included.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np
from scenarios import load_assets

from qa_audio import rules
from tests import callgen
from tests.callgen import CallScript, Clip, Turn
from qa_audio.roles import RoleCues
from qa_audio.roles import assign, call_confidence
from qa_audio.timeline import MIXED
from qa_audio.tones import get_plan
from qa_audio.transcribe import Segment
from tests.voices import shifted

# Speakers of shared/audio/speech by half; each half has one speaker with four or more turns.
TUNE = ("thchs30_A2", "fireredtts2_chat_prompt_zh_S1", "funasr_llamacpp_sample", "mossttsd_zh_spk1_moon")
HELD_OUT = ("mossttsd_pod_f_enhanced", "fireredtts2_chat_prompt_zh_S2", "mossttsd_zh_spk2_moon", "fireredasr_TEST_NET_Y0000000000_-KTKHdZ2fb8_S00000")
MIDDLE = ["neutral_1", "neutral_2", "neutral_3", "neutral_4", "apology_1", "hold_back_thanks_1", "close_anything_1"]


def speakers(speech: list[Clip], names: tuple[str, ...] | None = None) -> list[list[Clip]]:
    """One list of turns per real speaker with at least two turns (the two-voice dialogue is
    left out), of the speakers in `names` when given."""
    by_speaker: dict[str, list[Clip]] = defaultdict(list)
    for c in speech:
        if "dialogue" in c.name:
            continue
        key = "thchs30_A2" if c.name.startswith("thchs30_A2") else c.name
        by_speaker[key] += callgen.at_pauses(c)
    return [turns for key, turns in by_speaker.items() if len(turns) >= 2 and (names is None or key in names)]


def mono_call(seed: int, phrases: dict[str, Clip], voices: list[list[Clip]], telephone: bool, real_agent: bool) -> CallScript:
    """One agent and one customer voice on one channel.

    The agent is the phrase library with its voice shifted per call or, with `real_agent`,
    another real speaker whose first line carries an opening's text (the segments' text is
    what the role cues read), so that two human voices are told apart.
    """
    rng = np.random.default_rng(seed)
    pick = lambda xs: xs[int(rng.integers(len(xs)))]  # noqa: E731
    opening = phrases[pick(["open_full_1", "open_full_2", "open_full_3", "open_morning"])]
    if real_agent:
        agents = [v for v in voices if len(v) >= 4]
        agent_voice = agents[seed % len(agents)]
        customer = [v for v in voices if v is not agent_voice][seed // len(agents) % (len(voices) - 1)]
        first = pick(agent_voice)
        turns = [Turn("agent", Clip(first.name, first.audio, opening.text))]
        agent_line = lambda: Turn("agent", pick(agent_voice))  # noqa: E731
    else:
        factor = float(rng.uniform(0.85, 1.15))
        customer = voices[seed % len(voices)]
        turns = [Turn("agent", shifted(opening, factor))]
        agent_line = lambda: Turn("agent", shifted(phrases[pick(MIDDLE)], factor))  # noqa: E731
    for _ in range(int(rng.integers(3, 7))):
        turns.append(Turn("customer", pick(customer)))
        turns.append(agent_line())
    turns.append(agent_line())
    return CallScript(turns, get_plan("china"), rings=int(rng.integers(0, 4)) or None, stereo=False, telephone=telephone, seed=seed)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=40)
    ap.add_argument("--voices", choices=["all", "tune", "held-out"], default="all", help="which half of the real speakers")
    args = ap.parse_args()
    phrases, speech = load_assets()
    voices = speakers(speech, {"all": None, "tune": TUNE, "held-out": HELD_OUT}[args.voices])
    pack = rules.load()
    cues = RoleCues.from_pack(pack)
    print(f"{args.calls} mono calls per row, {len(voices)} real voices ({args.voices}); segments are the true lines")
    print(f"{'agent voice':<12} {'channel':<9} {'accuracy':>9} {'calls with errors':>18} {'flagged':>8} {'errors flagged':>15} {'accuracy when not flagged':>26}")
    for real_agent in (False, True):
        for telephone in (False, True):
            right = total = sure_right = sure_total = 0.0
            flagged = wrong = wrong_flagged = 0
            for seed in range(args.calls):
                audio, truth = callgen.compose(mono_call(seed, phrases, voices, telephone, real_agent))
                segs = [Segment(MIXED, line.start_s, line.end_s, line.text) for line in truth.lines]
                got = assign(segs, audio[0], cues, truth.answer_s or 0.0)
                call_right = sum(line.end_s - line.start_s for line, s in zip(truth.lines, got) if s.side == line.side)
                call_total = sum(line.end_s - line.start_s for line in truth.lines)
                right, total = right + call_right, total + call_total
                sure = call_confidence(got) >= pack.min_role_confidence
                wrong += call_right < call_total
                wrong_flagged += call_right < call_total and not sure
                if sure:
                    sure_right, sure_total = sure_right + call_right, sure_total + call_total
                else:
                    flagged += 1
            sure = f"{sure_right / sure_total:.3f}" if sure_total else "-"
            print(
                f"{'real' if real_agent else 'synthesised':<12} {'G.711' if telephone else 'wideband':<9} {right / total:>9.3f} "
                f"{wrong:>18} {flagged:>8} {wrong_flagged:>15} {sure:>26}"
            )


if __name__ == "__main__":
    main()
