"""Acoustic verification: a required phrase the transcript lacks, scored against the audio.

Whisper-base mishears telephone Mandarin (客服中心 written 贺福中心, 感谢您致电 written 感谢您制定)
and at times leaves a short closing word out. When a required line (greeting, introduction,
offer of help, closing question, thanks and goodbye) is not in the transcript of the window
where it belongs (the agent's first or last speech), the same model is asked how likely the
rule's own example phrases are, said there: the window's words are forced through the decoder
(CTranslate2's `Whisper.align`, per-token probabilities for a given text), once as transcribed
and once with the phrase put in place of the words that sound most like it (or added at
either end). The score is the likelihood ratio of the two, at most 1: 1.0 when the audio fits
the phrase as well as what was written, near 0 when the phrase is not what was said. A phrase
at or above the pack's `verify_min_score` is accepted as said, with its time and score.
The phrase shown is the one the audio fits best, by the ratio before it is capped at 1: on a
poor reading (感谢您制定我们) several phrases fit better than what was written, and the first
of them in the pack's list (感谢您的支持) was shown where 感谢您致电 was said.

Verification can only find a required phrase; it never adds or removes a forbidden one:
only `said` conditions by the agent that make their rule pass (never under a `not`, never
read by `applies` or as another condition's anchor) and that failed are checked, and the
rules read a verified phrase for those conditions only (`verifiable`).
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .core import Event, Segment, Timeline
from .decode import SAMPLE_RATE, Audio
from .matching import is_template, loose, normalise, syllables
from .rules import Rule, RulePack, Said
from .timeline import AGENT

# The kind of the timeline event that records a phrase verified in the audio.
VERIFIED = "verified_phrase"
# Whisper hears 30 s at a time; a window holds the agent's speech up to that.
_WINDOW_S = 30.0
# Audio kept around each utterance: word times clip the first and last syllable's edges.
_PAD_S = 0.2
# Encoder frames per second (1500 for 30 s).
_FRAMES_PER_S = 50
# Spans of the transcript tried in place of each phrase: the ones that sound most like it.
_SPANS_PER_PHRASE = 2
# A run of the transcript is tried in place of a phrase when at least this share of their
# sounds agree (贺福中心 for 客服中心: 0.75); others cost an alignment each and never fit.
_MIN_ALIKE = 0.5


@dataclass(frozen=True)
class Check:
    """A required `said` condition of a failed rule that the transcript did not show."""

    rule_id: str
    condition: str
    phrases: tuple[str, ...]
    window: tuple[Segment, ...]  # the agent's utterances where it belongs, in time order
    closing: bool  # the window is the end of the call (a missing line would come last)


@dataclass(frozen=True)
class PhraseScore:
    """How well the audio fits one phrase: `log_ratio` is log P(words with the phrase) - log
    P(words as transcribed) in nats, above 0 where the audio fits the phrase better than what
    was written; `score` its exp capped at 1; `text` the words with the phrase in; times in
    the recording (s)."""

    phrase: str
    log_ratio: float
    start_s: float
    end_s: float
    text: str

    @property
    def score(self) -> float:
        """The likelihood ratio, 0-1."""
        return float(np.exp(min(0.0, self.log_ratio)))


def checks(pack: RulePack, rule: Rule, values: dict[str, bool | None], segments: list[Segment], tl: Timeline) -> list[Check]:
    """The conditions of `rule` (evaluated to `values`) that verification may turn true:
    those of a rule named in the pack's `verify_rules` that `verifiable` allows and that came
    out False."""
    if rule.id not in pack.settings["verify_rules"]:
        return []
    out = []
    for name in sorted(rule.conditions):
        c = rule.conditions[name]
        if values.get(name) is not False or not verifiable(rule, name):
            continue
        # One phrase per sound: 有什么可以帮您 and 有什么可以帮你 fit the audio alike.
        by_sound: dict[tuple[str, ...], str] = {}
        for p in c.phrases:
            if not is_template(p) and len(normalise(p)) >= pack.settings["verify_min_chars"]:
                by_sound.setdefault(tuple(loose(x) for x in syllables(p)), p)
        phrases = tuple(by_sound.values())
        window = _window(c, segments, tl)
        if phrases and window:
            out.append(Check(rule.id, name, phrases, window, c.first_s is None))
    return out


def verifiable(rule: Rule, name: str) -> bool:
    """Whether a phrase verified in the audio may turn condition `name` of `rule` true: a
    `said` condition by the agent (any of its phrases) with a first_s or last_s window, that
    the rule's `passes` names only outside any `not`, and that neither its `applies` nor
    another condition's `after` / `before` reads. A verified phrase can make a rule pass,
    never fail, never make it apply, never move a window another condition is timed by."""
    c = rule.conditions.get(name)
    if not (isinstance(c, Said) and c.by == AGENT and c.match == "any" and (c.first_s is not None or c.last_s is not None)):
        return False
    anchors = {x for other in rule.conditions.values() if isinstance(other, Said) for x in (other.after, other.before)}
    applies = _names(ast.parse(rule.applies, mode="eval")) if rule.applies else set()
    return name in _positive_names(rule.passes) and name not in anchors | applies


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _positive_names(expr: str) -> set[str]:
    """Condition names of a `passes` expression that appear under no `not` (nor in any other
    expression but and / or): names also read under a `not` are left out."""
    tree = ast.parse(expr, mode="eval")
    names: set[str] = set()
    stack = [tree.body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.BoolOp):
            stack += node.values
    under_other = {n for node in ast.walk(tree) if not isinstance(node, (ast.BoolOp, ast.Name, ast.Expression)) for n in _names(node)}
    return names - under_other


def _window(c: Said, segments: list[Segment], tl: Timeline) -> tuple[Segment, ...]:
    """The agent's first speech (a first_s condition) or last speech (last_s), up to 30 s."""
    agent = [s for s in segments if s.side == AGENT]
    if c.first_s is not None:
        picked = [s for s in agent if tl.call_time(s.start_s) <= c.first_s]
    elif c.last_s is not None:
        end = max((s.end_s for s in segments), default=0.0)
        picked = [s for s in agent if s.end_s >= end - c.last_s][::-1]
    else:
        return ()
    kept, total = [], 0.0
    for s in picked:
        total += s.end_s - s.start_s + 2 * _PAD_S
        if total > _WINDOW_S:
            break
        kept.append(s)
    return tuple(sorted(kept, key=lambda s: s.start_s))


def candidates(text: str, phrase: str, at_end: bool, spans: int = _SPANS_PER_PHRASE) -> list[tuple[str, str]]:
    """(prefix, suffix) pairs to put `phrase` between: in place of the `spans` runs of
    `text` whose sounds are most like it (same length, one more or one less character, at
    least half its sounds alike, never across punctuation), and added where a missing line
    would be: after all of `text` (`at_end`, a closing) or before it (an opening)."""
    want = [loose(s) for s in syllables(phrase)]
    n = len(want)
    scored = []
    for i in range(len(text)):
        for length in (n - 1, n, n + 1):
            run = text[i : i + length]
            if length < 1 or len(run) < length or normalise(run) != run:
                continue
            ratio = difflib.SequenceMatcher(None, want, [loose(s) for s in syllables(run)], autojunk=False).ratio()
            if ratio >= _MIN_ALIKE:
                scored.append((-ratio, i, length))
    scored.sort()
    return [(text[:i], text[i + length :]) for _, i, length in scored[:spans]] + [(text, "") if at_end else ("", text)]


@dataclass(frozen=True)
class _Window:
    """A window's audio encoded once, and the log-probability of its words as transcribed."""

    encoded: object  # the encoder's output (a CTranslate2 StorageView)
    frames: int
    text: str
    reference: float
    pieces: list[tuple[float, float, float]]


class Verifier:
    """Scores phrases against a window of audio with an already loaded faster-whisper model."""

    def __init__(self, model):
        from faster_whisper.tokenizer import Tokenizer

        self.model = model
        self.tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="zh")
        self.start = [*self.tokenizer.sot_sequence, self.tokenizer.no_timestamps]

    def check_all(self, audio: Audio, sides: list[str], todo: list[Check]) -> list[PhraseScore | None]:
        """The best-fitting phrase of each check of `todo` in its window of `audio` (whose
        channels carry `sides`, the timeline's), the one whose words the audio fits best;
        None for an empty window. Checks with the same window (the closing question and the
        thanks both look at the agent's last speech) share its encoding and the alignment of
        its transcript: each costs Whisper's encoder once per call, not once per check."""
        chans = audio.samples()
        channel = chans[sides.index(AGENT)] if AGENT in sides else chans[0]
        windows: dict[tuple[tuple[float, float], ...], _Window | None] = {}
        out = []
        for check in todo:
            key = tuple((s.start_s, s.end_s) for s in check.window)
            if key not in windows:
                windows[key] = self._audio_window(channel, audio.duration_s, check.window)
            w = windows[key]
            out.append(None if w is None else max(self._fit(w, check.phrases, check.closing), key=lambda p: p.log_ratio))
        return out

    def _audio_window(self, channel: np.ndarray, duration_s: float, segments: tuple[Segment, ...]) -> _Window | None:
        """The window of `segments`: their audio with a little padding, laid end to end."""
        pieces, clips = [], []
        pos = 0.0
        for s in segments:
            a, b = max(0.0, s.start_s - _PAD_S), min(duration_s, s.end_s + _PAD_S)
            clips.append(channel[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)])
            pieces.append((pos, a, b - a))
            pos += b - a
        samples = np.concatenate(clips).astype(np.float32) if clips else np.zeros(0, np.float32)
        if not len(samples):
            return None
        return self._prepared(samples, "，".join(s.text.strip() for s in segments), pieces)

    def _prepared(self, samples: np.ndarray, text: str, pieces: list[tuple[float, float, float]]) -> _Window:
        encoded, frames = self._encode(samples)
        return _Window(encoded, frames, text, self._logp(encoded, frames, self.tokenizer.encode(text))[0], pieces)

    def score(self, samples: np.ndarray, text: str, phrases: tuple[str, ...], at_end: bool = True,
              pieces: list[tuple[float, float, float]] | None = None) -> list[PhraseScore]:
        """Each phrase's best score in `samples` (16 kHz float32, at most 30 s) whose transcript
        is `text`; a phrase missing from it is tried after the words (`at_end`) or before them.

        `pieces` maps the samples' time to the recording's: (start in samples s, start in the
        recording s, length s) per utterance laid end to end; None: the samples start at 0.
        """
        return self._fit(self._prepared(samples, text, pieces or [(0.0, 0.0, len(samples) / SAMPLE_RATE)]), phrases, at_end)

    def _fit(self, w: _Window, phrases: tuple[str, ...], at_end: bool) -> list[PhraseScore]:
        """Each phrase's best place in the window, by how much better (or worse) the audio
        fits the words with it than as transcribed."""
        enc = self.tokenizer.encode
        out: dict[str, PhraseScore] = {}
        for p in phrases:
            said = enc(p)
            for prefix, suffix in candidates(w.text, p, at_end):
                before = enc(prefix)
                logp, r = self._logp(w.encoded, w.frames, before + said + enc(suffix))
                ratio = logp - w.reference
                if p not in out or ratio > out[p].log_ratio:
                    at, n = len(before), len(said)
                    times = [t for i, t in r.alignments if at <= i < at + n] or [0]
                    start, end = _to_call_time(min(times) / _FRAMES_PER_S, w.pieces), _to_call_time(max(times) / _FRAMES_PER_S, w.pieces)
                    out[p] = PhraseScore(p, round(ratio, 3), start, max(end, start), prefix + p + suffix)
        return list(out.values())

    def _logp(self, encoded, frames: int, tokens: list[int]):
        """The log-probability of `tokens` said in the encoded audio, and the alignment.
        One sequence a call: CTranslate2's align takes a batch, but each item of it needs
        the encoder output repeated and projects it again (one window, 12 sequences, CPU:
        one at a time 0.93-1.17 s, in one batch 1.07-1.21 s, in fours 0.97-1.05 s)."""
        r = self.model.model.align(encoded, self.start, [tokens], frames)[0]
        return float(np.log(np.maximum(r.text_token_probs, 1e-12)).sum()), r

    def _encode(self, samples: np.ndarray):
        features = self.model.feature_extractor(samples[: int(_WINDOW_S * SAMPLE_RATE)])
        frames = min(features.shape[-1], 3000)
        features = np.pad(features, ((0, 0), (0, max(0, 3000 - features.shape[-1]))))[:, :3000]
        return self.model.encode(features), frames


def _to_call_time(t: float, pieces: list[tuple[float, float, float]]) -> float:
    for packed, start, length in reversed(pieces):
        if t >= packed:
            return round(start + min(t - packed, length), 2)
    return round(pieces[0][1], 2)


def scored(todo: list[Check], audio: Audio, tl: Timeline, model: Callable[[], object]) -> list[tuple[Check, PhraseScore]]:
    """Each check of `todo` (`scoring.unverified`) with its best-fitting phrase in the audio
    of the call (`tl` its timeline). `model()` gives the loaded faster-whisper model; it is
    called only when there is something to check."""
    if not todo:
        return []
    best = Verifier(model()).check_all(audio, tl.sides, todo)
    return [(c, b) for c, b in zip(todo, best) if b is not None]


def events(pack: RulePack, found: list[tuple[Check, PhraseScore]]) -> list[Event]:
    """Timeline events for the phrases the audio verifies: score at or above the pack's `verify_min_score`.
    Each one's detail is `rule.condition: phrase` (read back by `verified`)."""
    return [
        Event(VERIFIED, best.start_s, best.end_s, AGENT, "acoustic", best.score, f"{c.rule_id}.{c.condition}: {best.phrase}")
        for c, best in found
        if best.score >= pack.settings["verify_min_score"]
    ]


def verified(e: Event) -> tuple[str, str, str]:
    """(rule id, condition, phrase) of a verified-phrase event (`events`)."""
    target, phrase = e.detail.split(": ", 1)
    rule_id, condition = target.split(".", 1)
    return rule_id, condition, phrase
