"""The types the stages hand on, in one place: what was heard (`Word`, `Segment`), when
(`Span`, `Event`, `TalkMetrics`, `Timeline`) and what was judged (`Evidence`, `Finding`,
`Scorecard`).

Each converts to a plain dict of JSON types (`to_dict`) and back (`from_dict`, which also
takes the JSON text, and ignores keys it does not know, such as a database row's `id`), so
the transcript cache, the stored timeline and the scorecard JSON share one mapping. The
stage modules re-export the ones they make (`qa_audio.timeline.Timeline` is this `Timeline`).
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from typing import Any, Mapping, TypeVar

R = TypeVar("R", bound="Record")


class Record:
    """to_dict / from_dict for the dataclasses below."""

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict of JSON types (nested records become dicts too)."""
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[R], data: Mapping[str, Any] | str) -> R:
        """Back from `to_dict`'s dict or its JSON text; missing keys take the field's default."""
        d = json.loads(data) if isinstance(data, str) else data
        hints = _hints(cls)
        return cls(**{f.name: _build(hints[f.name], d[f.name]) for f in fields(cls) if f.name in d})  # type: ignore[arg-type]


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return _build(next(a for a in args if a is not type(None)), value)
    if origin is list:
        return [_build(args[0], v) for v in value]
    if origin is dict:
        return {k: _build(args[1], v) for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, Record):
        return tp.from_dict(value)
    return value


@dataclass(frozen=True)
class Word(Record):
    """One word with its times in the recording (s) and the model's probability (0-1)."""

    start_s: float
    end_s: float
    text: str
    probability: float


@dataclass
class Segment(Record):
    """One utterance of one side, in recording time (s). `avg_logprob` and `no_speech_prob`
    are the model's; `role_confidence` (0.5-1) says how sure the speaker is on mono."""

    side: str
    start_s: float
    end_s: float
    text: str
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    words: list[Word] = field(default_factory=list)
    role_confidence: float = 1.0


@dataclass(frozen=True)
class Span(Record):
    """A stretch of the recording, in seconds: a tone burst, a speech region, a clip."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        """Length of the span in seconds."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Event(Record):
    """One timed fact, as stored: kind, where, which side, from which source, how sure."""

    kind: str
    start_s: float
    end_s: float
    side: str | None = None
    source: str = "audio"
    confidence: float = 1.0
    detail: str = ""


@dataclass
class TalkMetrics(Record):
    """Talk figures per side (s, dB, characters per minute) and for the call."""

    talk_s: dict[str, float] = field(default_factory=dict)
    agent_talk_share: float | None = None
    longest_silence_s: float = 0.0
    overtalk_count: int = 0
    overtalk_s: float = 0.0
    interruptions: int = 0
    loudness_db: dict[str, float] = field(default_factory=dict)
    speech_rate_cpm: dict[str, float] = field(default_factory=dict)


@dataclass
class Timeline(Record):
    """The timing facts of one call, in recording time (s): pickup, rings, holds, hang-up,
    speech per side and the talk metrics. `answer_s` is None when nobody answered."""

    duration_s: float
    stereo: bool
    answer_s: float | None
    answer_delay_s: float | None
    ring_count: int | None
    holds: list[Event]
    hangup_by: str
    hangup_evidence: str
    speech: dict[str, list[Span]]
    metrics: TalkMetrics
    events: list[Event] = field(default_factory=list)
    pickup_source: str = "unknown"
    disagreements: list[str] = field(default_factory=list)

    @property
    def sides(self) -> list[str]:
        """The sides heard, in channel order: `agent`/`customer` for stereo, `mixed` for mono."""
        return list(self.speech)

    def call_time(self, t: float) -> float:
        """Seconds after pickup for a time in the recording (rules measure from pickup)."""
        return t - (self.answer_s or 0.0)


@dataclass(frozen=True)
class Evidence(Record):
    """What a rule saw: where (s), on which side, the text, what it matched and how well."""

    start_s: float
    end_s: float
    side: str | None
    text: str
    matched: str = ""
    quality: float | None = None


@dataclass
class Finding(Record):
    """One rule's verdict on one call (`result` is pass / fail / na / unknown), with points."""

    rule_id: str
    title: str
    section: str
    section_weight: float
    result: str
    points: float
    max_points: float
    critical: bool
    message: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Scorecard(Record):
    """A call's verdicts: score 0-100 (None when nothing could be judged), pass, flags."""

    score: float | None
    passed: bool
    flagged: bool
    flag_reasons: list[str]
    findings: list[Finding]
    pass_score: float
    quality_flags: list[str]  # transcript and speaker-role doubts, kept apart from rule verdicts
    rulepack: str
    rulepack_version: str
    rulepack_hash: str
