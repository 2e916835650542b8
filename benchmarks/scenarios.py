"""Random, seeded call scenarios for the benchmarks: varied tone plans, rings, holds,
hang-ups, channels and agent behaviour, each with the ground truth of what it contains."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import callgen  # noqa: E402
from tests.callgen import CallScript, Turn  # noqa: E402
from qa_audio.tones import get_plan, load_plans  # noqa: E402

OPENINGS = ["open_full_1", "open_full_2", "open_full_3", "open_morning", "open_greet_only", "open_intro_only", "open_forbidden"]
GREETS = {"open_full_1", "open_full_2", "open_full_3", "open_morning", "open_newyear", "open_greet_only"}
INTROS = {"open_full_1", "open_full_2", "open_full_3", "open_morning", "open_newyear", "open_intro_only"}
HELPS = {"open_full_1", "open_full_2", "open_full_3", "open_morning", "open_newyear"}


@dataclass
class Scenario:
    script: CallScript
    facts: dict = field(default_factory=dict)  # rule id -> expected "pass" / "fail" / "na"


def random_scenario(seed: int, phrases: dict, speech: list, stereo: bool | None = None, telephone: bool | None = None, long_call_s: float = 0.0) -> Scenario:
    rng = np.random.default_rng(seed)
    plan = get_plan(sorted(load_plans())[seed % 4])
    cust = [c for c in speech if len(c.audio) / 16000 < 12.5]
    pick = lambda xs: xs[int(rng.integers(len(xs)))]  # noqa: E731
    a, c = "agent", "customer"
    opening = pick(OPENINGS)
    turns = [Turn(a, phrases[opening], opening)]
    complained = rng.random() < 0.4
    turns.append(Turn(c, phrases[pick(["cust_complain_1", "cust_complain_2"])]) if complained else Turn(c, pick(cust)))
    apologised = complained and rng.random() < 0.6
    if apologised:
        turns.append(Turn(a, phrases[pick(["apology_1", "apology_2"])]))
    bad = pick([None, None, "promise_1", "promise_2", "shirk_1", "shirk_2", "blame_1", "blame_2", "ni_1"])
    if bad:
        turns.append(Turn(a, phrases[bad], bad))
    held = rng.random() < 0.5
    # Mostly short holds, one in five long enough to break the 2-minute limit.
    hold_s = (float(rng.uniform(125, 170)) if rng.random() < 0.2 else float(rng.uniform(6, 60))) if held else 0.0
    asked = held and rng.random() < 0.6
    thanked = held and rng.random() < 0.6
    if held:
        cue = pick(["hold_ask_1", "hold_ask_2"]) if asked else "check_no_ask"
        turns.append(Turn(a, phrases[cue], cue, hold_s=hold_s, hold_music=True))
        back = pick(["hold_back_thanks_1", "hold_back_thanks_2"]) if thanked else "hold_back_plain"
        turns.append(Turn(a, phrases[back], back))
    else:
        turns.append(Turn(a, phrases[pick(["neutral_1", "neutral_2", "neutral_4"])]))
    while long_call_s and sum(len(t.clip.audio) for t in turns) / 16000 + hold_s < long_call_s * 0.75:
        turns.append(Turn(c, pick(cust)))
        turns.append(Turn(a, phrases[pick(["neutral_1", "neutral_2", "neutral_3", "neutral_4"])]))
    turns.append(Turn(c, phrases["cust_thanks"]))
    anything = rng.random() < 0.6
    if anything:
        turns.append(Turn(a, phrases[pick(["close_anything_1", "close_anything_2"])]))
        turns.append(Turn(c, phrases["cust_nothing_else"]))
    closing = pick(["close_thanks_1", "close_thanks_2", "close_bad"])
    turns.append(Turn(a, phrases[closing], closing))
    rings = int(rng.integers(0, 6))
    hangup = pick(["agent", "customer"])
    stereo = bool(rng.random() < 0.75) if stereo is None else stereo
    telephone = bool(rng.random() < 0.5) if telephone is None else telephone
    script = CallScript(
        turns, plan, rings=rings or None, answer_in_ring=bool(rng.random() < 0.3), hangup_by=hangup,
        busy_tone=bool(rng.random() < 0.7), dead_line=bool(rng.random() < 0.7), stereo=stereo, telephone=telephone,
        music_side="agent" if rng.random() < 0.7 else "customer", seed=seed,
    )
    ok = lambda cond: "pass" if cond else "fail"  # noqa: E731
    facts = {
        "greeting": ok(opening in GREETS),
        "self_introduction": ok(opening in INTROS),
        "offer_help": ok(opening in HELPS),
        "forbidden_opening": ok(opening != "open_forbidden"),
        "hold_permission": ok(asked) if held else "na",
        "hold_thanks": ok(thanked) if held else "na",
        "hold_duration": ok(hold_s < 120) if held else "na",
        "closing_anything_else": ok(anything),
        "closing_thanks": ok(closing != "close_bad"),
        "absolute_promises": ok(not (bad or "").startswith("promise")),
        "shirking": ok(not (bad or "").startswith("shirk")),
        "blaming_customer": ok(not (bad or "").startswith("blame")),
        "apology_on_complaint": ok(apologised) if complained else "na",
    }
    return Scenario(script, facts)


def load_assets():
    return callgen.load_phrases(), callgen.load_speech()
