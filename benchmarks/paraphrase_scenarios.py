"""Calls whose agent says the standard's requirements in the standard's words or in other
words, mixed half and half with the phrase library's own lines. Customers are real
recordings. No holds: these calls measure the phrase rules.

Two splits of other words (tests/phrases/make_phrases.py): `dev`, the `para_*` lines,
written before pack 2026.12 but looked at while its collections were widened (a few of its
words are in the pack); `test`, the `test_*` lines, written on 2026-12-01 before this
round's pack changes and never read to write a collection, a rule or a confusion. The
figures that say how the pack does on wording it has not seen are the test split's, and
`blind`, the `blind_*` lines, written by the lead on 2026-12-02 for whoever tunes the pack not
to read: run once at the end of a round, they say how the pack does on wording nobody tuned
it to, after the test split has been looked at. The blind split was run once, on the code of
2026-12-02 (README), and is open to develop on since; `blind2`, the `blind2_*` lines, written
by the lead at the start of the next session, took its place, `blind3` took the place of
`blind2` (run once at the end of the second session) at the start of the third, and `blind4`
that of `blind3` (run at the end of the third) at the start of the fourth, `blind5` that of
`blind4` at the start of the fifth, `blind6` that of `blind5` at the start of the sixth, and
`blind7` that of `blind6` (run once in the sixth session, on the code it started from) early
in the seventh, before any change to the pack, and `blind8` that of `blind7` (run at the
start and the end of the seventh) at the start of the eighth, and `blind9` that of `blind8`
(run at the start of the eighth) at the start of the ninth, and `blind10` that of `blind9`
(run once in the ninth) at the start of the tenth; `blind11` was written with `blind10`, before
its results were seen, to stay held out when `blind10` is developed on; `blind12` after both were
run, before the pack change that followed them; `blind13` at the start of the eleventh
session, before any pack change, and `blind14` in it, after pack 2026.12.16 was written from
blind13's misses and before it was run on the new split; `blind15` at the end of that session,
after pack 2026.12.17, to be run once on its final code; `blind16` at the start of the thirteenth,
before any change to pack 2026.12.17, to be run once on that session's final code.

Each line id maps to what it is, for the ground truth: an opening says (greeting,
introduction, offer of help, rude); a closing question asks for more needs or not; a
closing thanks and says goodbye or not; a "bad" line breaks one rule or none.

The agent's voice is moved per call (pitch and formants, x0.9-1.1). On stereo calls each
customer turn is any real recording, or a synthesised complaint; a mono call has one
customer voice, one real speaker's turns (as benchmarks/roles.py), and no complaint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scenarios import Scenario

from tests.callgen import CallScript, Turn
from qa_audio.tones import get_plan, load_plans
from tests.voices import shifted

@dataclass(frozen=True)
class Lines:
    """The agent lines of one split, each id mapped to what it is, for the ground truth."""

    openings: dict  # id -> (greets, introduces, offers help, rude)
    asks: dict  # id -> asks for more needs (None: no closing question)
    thanks: dict  # id -> thanks and says goodbye
    bad: dict  # id -> the rule it breaks ("" for none: kind words that look like a violation, and plain talk)
    apologies: list
    neutral: list


_STANDARD_OPENINGS = {"open_full_1": (1, 1, 1, 0), "open_full_2": (1, 1, 1, 0), "open_full_3": (1, 1, 1, 0), "open_morning": (1, 1, 1, 0),
                      "open_greet_only": (1, 0, 0, 0), "open_intro_only": (0, 1, 0, 0), "open_forbidden": (0, 0, 0, 1)}


def _blind(p: str) -> Lines:
    """The lines of a blind split, ids prefixed `p` (`blind`, `blind2`): both splits were written
    to the same design, an id for an id, so the truth of each line is the same."""
    return Lines(
        _STANDARD_OPENINGS | {f"{p}_open_1": (1, 1, 1, 0), f"{p}_open_2": (1, 1, 1, 0), f"{p}_open_3": (1, 1, 1, 0), f"{p}_open_4": (1, 1, 1, 0),
                              f"{p}_open_5": (1, 1, 0, 0), f"{p}_open_greet_help": (1, 0, 1, 0), f"{p}_open_greet_only": (1, 0, 0, 0),
                              f"{p}_open_rude": (0, 0, 0, 1)},
        {"close_anything_1": True, "close_anything_2": True, f"{p}_close_ask_1": True, f"{p}_close_ask_2": True, f"{p}_close_ask_3": True,
         f"{p}_close_ask_4": True, None: False},
        {"close_thanks_1": True, "close_thanks_2": True, f"{p}_close_thanks_1": True, f"{p}_close_thanks_2": True, f"{p}_close_thanks_3": True,
         "close_bad": False, f"{p}_close_bad_1": False, f"{p}_close_bad_2": False},
        {"promise_1": "absolute_promises", "promise_2": "absolute_promises", f"{p}_promise_1": "absolute_promises",
         f"{p}_promise_2": "absolute_promises", f"{p}_promise_3": "absolute_promises",
         "shirk_1": "shirking", "shirk_2": "shirking", f"{p}_shirk_1": "shirking", f"{p}_shirk_2": "shirking", f"{p}_shirk_3": "shirking",
         "blame_1": "blaming_customer", "blame_2": "blaming_customer", f"{p}_blame_1": "blaming_customer", f"{p}_blame_2": "blaming_customer",
         f"{p}_blame_3": "blaming_customer",
         f"{p}_kind_1": "", f"{p}_kind_2": "", f"{p}_no_promise": "", "neutral_1": "", "neutral_4": "", f"{p}_neutral_1": "",
         f"{p}_neutral_2": ""},
        ["apology_1", "apology_2", f"{p}_apology_1", f"{p}_apology_2"],
        ["neutral_1", "neutral_2", f"{p}_neutral_1", f"{p}_neutral_2"],
    )


# The dev tables keep the order they had in pack 2026.12.1's benchmark, so that its seeds make the same calls.
SPLITS = {
    "dev": Lines(
        _STANDARD_OPENINGS | {"para_open_1": (1, 1, 1, 0), "para_open_2": (1, 1, 1, 0), "para_open_3": (1, 1, 1, 0), "para_open_4": (1, 1, 1, 0),
                              "para_open_greet_help": (1, 0, 1, 0), "para_open_greet_only": (1, 0, 0, 0), "para_open_rude": (0, 0, 0, 1)},
        {"close_anything_1": True, "close_anything_2": True, "para_close_ask_1": True, "para_close_ask_2": True, "para_close_ask_3": True, None: False},
        {"close_thanks_1": True, "close_thanks_2": True, "para_close_thanks_1": True, "para_close_thanks_2": True, "close_bad": False, "para_close_bad": False},
        {"promise_1": "absolute_promises", "promise_2": "absolute_promises", "para_promise_1": "absolute_promises", "para_promise_2": "absolute_promises",
         "shirk_1": "shirking", "shirk_2": "shirking", "para_shirk_1": "shirking", "para_shirk_2": "shirking", "para_shirk_3": "shirking",
         "blame_1": "blaming_customer", "blame_2": "blaming_customer", "para_blame_1": "blaming_customer", "para_blame_2": "blaming_customer",
         "para_blame_3": "blaming_customer",
         "para_kind_1": "", "para_kind_2": "", "para_no_promise": "", "neutral_1": "", "neutral_4": "", "para_neutral_1": "", "para_neutral_2": ""},
        ["apology_1", "apology_2", "para_apology_1", "para_apology_2"],
        ["neutral_1", "neutral_2", "para_neutral_1", "para_neutral_2"],
    ),
    "test": Lines(
        _STANDARD_OPENINGS | {"test_open_1": (1, 1, 1, 0), "test_open_2": (1, 1, 1, 0), "test_open_3": (1, 1, 1, 0), "test_open_4": (1, 1, 1, 0),
                              "test_open_greet_help": (1, 0, 1, 0), "test_open_greet_only": (1, 0, 0, 0), "test_open_rude": (0, 0, 0, 1)},
        {"close_anything_1": True, "close_anything_2": True, "test_close_ask_1": True, "test_close_ask_2": True, "test_close_ask_3": True, None: False},
        {"close_thanks_1": True, "close_thanks_2": True, "test_close_thanks_1": True, "test_close_thanks_2": True, "close_bad": False, "test_close_bad": False},
        {"promise_1": "absolute_promises", "promise_2": "absolute_promises", "test_promise_1": "absolute_promises", "test_promise_2": "absolute_promises",
         "shirk_1": "shirking", "shirk_2": "shirking", "test_shirk_1": "shirking", "test_shirk_2": "shirking",
         "blame_1": "blaming_customer", "blame_2": "blaming_customer", "test_blame_1": "blaming_customer", "test_blame_2": "blaming_customer",
         "test_blame_3": "blaming_customer",
         "test_kind_1": "", "test_kind_2": "", "test_no_promise": "", "neutral_1": "", "neutral_4": "", "test_neutral_1": ""},
        ["apology_1", "apology_2", "test_apology_1"],
        ["neutral_1", "neutral_2", "test_neutral_1"],
    ),
    "dev2": Lines(
        _STANDARD_OPENINGS | {"dev2_open_1": (1, 1, 1, 0), "dev2_open_2": (1, 1, 1, 0), "dev2_open_3": (1, 1, 1, 0),
                              "dev2_open_greet_only": (1, 0, 0, 0), "dev2_open_rude": (0, 0, 0, 1)},
        {"close_anything_1": True, "close_anything_2": True, "dev2_close_ask_1": True, "dev2_close_ask_2": True, None: False},
        {"close_thanks_1": True, "close_thanks_2": True, "dev2_close_thanks_1": True, "dev2_close_thanks_2": True, "close_bad": False, "dev2_close_bad": False},
        {"promise_1": "absolute_promises", "promise_2": "absolute_promises", "dev2_promise_1": "absolute_promises",
         "shirk_1": "shirking", "shirk_2": "shirking", "dev2_shirk_1": "shirking",
         "blame_1": "blaming_customer", "blame_2": "blaming_customer", "dev2_blame_1": "blaming_customer",
         "dev2_kind_1": "", "dev2_no_promise": "", "neutral_1": "", "neutral_4": "", "dev2_neutral_1": ""},
        ["apology_1", "apology_2"],
        ["neutral_1", "neutral_2", "dev2_neutral_1"],
    ),
    "blind": _blind("blind"),
    "blind2": _blind("blind2"),
    "blind3": _blind("blind3"),
    "blind4": _blind("blind4"),
    "blind5": _blind("blind5"),
    "blind6": _blind("blind6"),
    "blind7": _blind("blind7"),
    "blind8": _blind("blind8"),
    "blind9": _blind("blind9"),
    "blind10": _blind("blind10"),
    "blind11": _blind("blind11"),
    "blind12": _blind("blind12"),
    "blind13": _blind("blind13"),
    "blind14": _blind("blind14"),
    "blind15": _blind("blind15"),
    "blind16": _blind("blind16"),
}
PHRASE_RULES = ("greeting", "self_introduction", "offer_help", "forbidden_opening", "closing_anything_else", "closing_thanks",
                "absolute_promises", "shirking", "blaming_customer", "apology_on_complaint")
FORBIDDEN_RULES = ("forbidden_opening", "absolute_promises", "shirking", "blaming_customer")


def paraphrase_scenario(seed: int, phrases: dict, speech: list, voices: list, stereo: bool, telephone: bool, split: str = "dev") -> Scenario:
    """`voices`: real speakers' turns, one list per speaker (benchmarks/roles.py `speakers`); `split`: a key of SPLITS."""
    lines = SPLITS[split]
    openings, asks, thanks, bads = lines.openings, lines.asks, lines.thanks, lines.bad
    rng = np.random.default_rng(seed)
    pick = lambda xs: list(xs)[int(rng.integers(len(xs)))]  # noqa: E731
    cust = [c for c in speech if len(c.audio) / 16000 < 12.5] if stereo else voices[seed % len(voices)]
    factor = float(rng.uniform(0.9, 1.1))
    a, c = "agent", "customer"
    say = lambda pid: Turn(a, shifted(phrases[pid], factor), pid)  # noqa: E731
    opening = pick(openings)
    turns = [say(opening)]
    complained = stereo and rng.random() < 0.4
    turns.append(Turn(c, phrases[pick(["cust_complain_1", "cust_complain_2"])]) if complained else Turn(c, pick(cust)))
    apologised = complained and rng.random() < 0.6
    if apologised:
        turns.append(say(pick(lines.apologies)))
    # Half the calls break a rule; the rest say something that looks like it or plain talk.
    bad = pick([k for k, v in bads.items() if v] if rng.random() < 0.5 else [k for k, v in bads.items() if not v])
    turns.append(say(bad))
    turns.append(Turn(c, pick(cust)))
    turns.append(say(pick(lines.neutral)))
    turns.append(Turn(c, phrases["cust_thanks"] if stereo else pick(cust)))
    ask = pick(asks) if rng.random() < 0.7 else None
    if ask:
        turns.append(say(ask))
        turns.append(Turn(c, phrases["cust_nothing_else"] if stereo else pick(cust)))
    closing = pick(thanks)
    turns.append(say(closing))
    plan = get_plan(sorted(load_plans())[seed % 4])
    script = CallScript(turns, plan, rings=int(rng.integers(1, 4)), hangup_by=pick(["agent", "customer"]), stereo=stereo, telephone=telephone, seed=seed)
    greets, intro, offers, rude = openings[opening]
    ok = lambda cond: "pass" if cond else "fail"  # noqa: E731
    facts = {
        "greeting": ok(greets), "self_introduction": ok(intro), "offer_help": ok(offers), "forbidden_opening": ok(not rude),
        "closing_anything_else": ok(asks[ask]), "closing_thanks": ok(thanks[closing]),
        "apology_on_complaint": ok(apologised) if complained else "na",
    }
    facts |= {rule: ok(bads[bad] != rule) for rule in ("absolute_promises", "shirking", "blaming_customer")}
    return Scenario(script, facts)
