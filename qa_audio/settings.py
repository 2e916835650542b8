"""Every setting of the engine, declared once: name, default, type, unit and help.

A rule pack sets them under `[settings]` (and, for the three that decide a scorecard's
verdict, under `[pack]`); `rules.load` checks each value against its declaration here and
fails with the file, line and reason, so a typo is an error, never a silent default.
`qa-audio rules settings` lists them with the active pack's values (after Datasette's
`--help-settings`).

A pack may also declare thresholds of its own for its rules (`value = "$my_limit"`): an
undeclared key is accepted when a rule refers to it, and refused otherwise (a typo of a
declared one). The engine itself reads only the declared settings.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Setting:
    """One setting: `kind` is "int", "number", "bool", "text" or "names" (a list of names)."""

    name: str
    default: Any
    kind: str
    unit: str
    help: str
    table: str = "settings"  # "pack" for the three read from [pack]
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()

    def check(self, value: Any) -> str | None:
        """Why `value` is not a valid value of this setting, or None when it is."""
        if self.kind == "bool":
            return None if isinstance(value, bool) else "must be true or false"
        if self.kind == "text":
            if not isinstance(value, str) or not value:
                return "must be a non-empty string"
            return None if not self.choices or value in self.choices else f"must be one of {', '.join(self.choices)}, not {value!r}"
        if self.kind == "names":
            ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
            return None if ok else "must be a list of names, e.g. [\"greeting\", \"thanks\"]"
        whole = self.kind == "int"
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) or not math.isfinite(value):
            return "must be a whole number" if whole else "must be a number"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {self.minimum:g}"
        if self.maximum is not None and value > self.maximum:
            return f"must be at most {self.maximum:g}"
        return None


def _s(name, default, kind, unit, help, **kw) -> Setting:
    return Setting(name, default, kind, unit, help, **kw)


SETTINGS: tuple[Setting, ...] = (
    # [pack]: what makes a scorecard pass, and when its evidence is too weak to trust.
    _s("pass_score", 80, "number", "points of 100", "a call passes at this score or above (and with no critical rule failed)", table="pack", minimum=0, maximum=100),
    _s("min_avg_logprob", -0.9, "number", "log-probability", "a call whose agent transcript averages below this is flagged as uncertain ASR", table="pack", maximum=0),
    _s("min_role_confidence", 0.8, "number", "0-1", "a mono call whose speaker roles are less certain than this is flagged (0.5 + silhouette / 2)", table="pack", minimum=0.5, maximum=1),
    # Opening
    _s("max_rings", 3, "int", "rings", "rings heard before pickup that are still on time (A1)", minimum=0),
    _s("max_answer_s", 10, "number", "s", "seconds from the first ring to pickup that are still on time (A1)", minimum=0),
    _s("greeting_window_s", 10, "number", "s", "the greeting must come within this many seconds of pickup (A2)", minimum=0),
    _s("intro_window_s", 20, "number", "s", "the self-introduction must come within this many seconds of pickup (A3)", minimum=0),
    _s("offer_help_window_s", 30, "number", "s", "the offer of help must come within this many seconds of pickup (A4)", minimum=0),
    _s("cold_air_s", 5, "number", "s", "silence from pickup to the agent's first words longer than this is cold air; also the shortest gap the web player marks", minimum=0),
    # Holds
    _s("max_hold_s", 120, "number", "s", "the longest hold allowed (B2)", minimum=0),
    _s("hold_cue_window_s", 15, "number", "s", "a silence starting this soon after a hold cue is a (silent) hold", minimum=0),
    _s("silent_hold_min_s", 8, "number", "s", "a silence on both sides this long after a hold cue is a silent hold", minimum=1),
    _s("hold_cue_collection", "hold_ask", "text", "collection", "the phrase collection whose lines announce a hold (请您稍等 ...)"),
    _s("dead_air_s", 20, "number", "s", "a silence on both sides this long with no hold cue is dead air: it counts as an unannounced hold", minimum=1),
    _s("hold_thanks_window_s", 20, "number", "s", "the thanks for waiting must come within this many seconds after a hold (B3)", minimum=0),
    # Conversation
    _s("max_interruptions", 0, "int", "interruptions", "agent starts while the customer speaks (>= 1 s overlap) that are tolerated", minimum=0),
    _s("min_nin_share", 0.8, "number", "0-1", "share of 您 among 您 + 你 in the agent's speech", minimum=0, maximum=1),
    _s("apology_window_s", 60, "number", "s", "an apology must come within this many seconds of the customer's complaint", minimum=0),
    _s("transfer_announce_window_s", 30, "number", "s", "the announcement must come this soon before the PBX's transfer event (C1)", minimum=0),
    # Closing
    _s("closing_window_s", 40, "number", "s", "the closing lines must come in the last this many seconds of the call", minimum=0),
    # Acoustic verification (qa_audio/verify.py) of required phrases the transcript lacks
    _s("verify_rules", ["greeting", "self_introduction", "offer_help", "closing_anything_else", "closing_thanks"], "names", "rules", "rules whose required phrases, missing from the transcript of their window, are scored against the audio ([] turns verification off)"),
    _s("verify_min_score", 0.05, "number", "0-1", "a phrase is verified at this likelihood ratio or above (P(words with the phrase) / P(words as transcribed))", minimum=0, maximum=1),
    _s("verify_min_chars", 3, "int", "characters", "phrases shorter than this are not verified (a short word fits too much audio)", minimum=1),
    # Phrase matching
    _s("negation_window_chars", 6, "int", "characters", "a negator this many characters or fewer before a hit, in its clause, denies it (`negated_by`; 不能百分之百保证 needs 6)", minimum=0, maximum=12),
    _s("template_gap_chars", 4, "int", "characters", "a {gap} in a phrase template stands for up to this many characters of its clause", minimum=0, maximum=12),
    # What the transcriber and the role finder are told by the pack
    _s("hotword_collections", ["greeting", "self_intro", "offer_help", "hold_ask", "hold_thanks", "anything_else", "thanks"], "names", "collection", "phrase collections given to Whisper as hotwords (with --hotwords)"),
    _s("opening_collections", ["greeting", "self_intro", "offer_help"], "names", "collection", "lines that open a call: on mono they seed the agent's voice"),
    _s("agent_line_collections", ["self_intro", "offer_help", "anything_else", "thanks", "hold_thanks"], "names", "collection", "lines only an agent says: on mono their utterance is the agent's whatever the voice says"),
    _s("agent_line_rules", ["offer_help", "closing_anything_else"], "names", "rules", "rules whose `near` conditions are agent-only lines in other words"),
    # Personal data
    _s("pii_audio", "tone", "text", "mode", "what replaces personal numbers in the redacted audio copy (off: no copy)", choices=("tone", "silence", "off")),
    _s("keep_raw_transcripts", False, "bool", "", "keep the transcript as heard, before redaction (admins only can read it)"),
    _s("retention_days", None, "int", "days", "`qa-audio purge` without --before removes personal data of calls older than this (unset: say --before)", minimum=1),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
# [pack] also names the pack; rules.load checks these two.
_PACK_IDENTITY = ("name", "version")


def defaults(table: str = "settings") -> dict[str, Any]:
    """The declared defaults of one table ("settings" or "pack"); unset ones are None."""
    return {s.name: s.default for s in SETTINGS if s.table == table}


def validate(table: str, values: dict[str, Any], referenced: set[str], fail: Callable[[str, str], Exception]) -> dict[str, Any]:
    """`values` of `[table]` merged over the defaults. `fail(key, reason)` builds the error
    for a bad key; undeclared keys pass only under [settings] when a rule refers to them."""
    merged = defaults(table)
    for key, value in values.items():
        declared = BY_NAME.get(key)
        if declared is None or declared.table != table:
            if table == "settings" and key in referenced:
                merged[key] = value
                continue
            if table == "pack" and key in _PACK_IDENTITY:
                continue
            near = difflib.get_close_matches(key, [s.name for s in SETTINGS if s.table == table], n=1)
            hint = f"; did you mean '{near[0]}'?" if near else "; `qa-audio rules settings` lists them"
            raise fail(key, f"unknown setting '{key}' (not declared and used by no rule){hint}")
        why = declared.check(value)
        if why:
            raise fail(key, f"[{table}] {key} {why}")
        merged[key] = value
    return merged
