"""Speech to text on CPU: only the timeline's speech regions, per side, batched.

Whisper invents text on tones, music and silence, so it never sees them: each side's
speech spans become clips of at most `max_clip_s`, Silero VAD double-checks every clip, and
the batched pipeline decodes them together. Output is simplified Chinese with the usual
Whisper hallucinations (subtitle credits, repetition loops) removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import zhconv

from .decode import SAMPLE_RATE, Audio
from .timeline import Span, Timeline

# Phrases Whisper emits on non-speech, learnt from subtitle files in its training data.
STOCK_HALLUCINATIONS = (
    "字幕", "订阅", "点赞", "打赏", "感谢观看", "谢谢观看", "谢谢收看", "请不吝", "明镜与点点",
    "中文字幕", "Amara", "由 Amara", "优优独播剧场", "YoYo Television",
)
_REPEAT = re.compile(r"(.{1,4}?)\1{4,}")


@dataclass(frozen=True)
class Word:
    start_s: float
    end_s: float
    text: str
    probability: float


@dataclass
class Segment:
    """One utterance of one side, in recording time."""

    side: str
    start_s: float
    end_s: float
    text: str
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    words: list[Word] = field(default_factory=list)
    role_confidence: float = 1.0


@dataclass(frozen=True)
class AsrSettings:
    beam_size: int = 5
    word_timestamps: bool = True
    max_clip_s: float = 20.0
    merge_gap_s: float = 1.5
    pad_s: float = 0.3
    batch_size: int = 8
    no_speech_max: float = 0.6
    logprob_min: float = -1.0
    compression_max: float = 2.4
    hotwords: str | None = None
    silero_boundaries: bool = True

    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def segments_from_dicts(rows: list[dict]) -> list[Segment]:
    """Segments back from the store or the transcript cache."""
    out = []
    for r in rows:
        words = r.get("words")
        if words is None:
            words = json.loads(r.get("words_json") or "[]")
        out.append(
            Segment(
                r["side"], r["start_s"], r["end_s"], r["text"], r.get("avg_logprob", 0.0), r.get("no_speech_prob", 0.0),
                [Word(**w) for w in words], r.get("role_confidence", 1.0),
            )
        )
    return out


def to_simplified(text: str) -> str:
    return zhconv.convert(text, "zh-hans")


def is_hallucination(text: str) -> bool:
    stripped = re.sub(r"[\s,.!?，。！？、…]", "", text)
    if not stripped:
        return True
    return any(p in text for p in STOCK_HALLUCINATIONS)


def clean(text: str) -> str:
    """Simplify, trim, and collapse a repetition loop to one instance."""
    text = to_simplified(text).strip()
    return _REPEAT.sub(r"\1", text)


def clips_for(spans: list[Span], duration_s: float, settings: AsrSettings) -> list[Span]:
    """Merge nearby speech spans into non-overlapping clips no longer than Whisper's window."""
    clips: list[Span] = []
    for s in spans:
        start, end = max(0.0, s.start_s - settings.pad_s), min(duration_s, s.end_s + settings.pad_s)
        if clips and start - clips[-1].end_s <= settings.merge_gap_s and end - clips[-1].start_s <= settings.max_clip_s:
            clips[-1] = Span(clips[-1].start_s, end)
            continue
        if clips:
            start = max(start, clips[-1].end_s)
        while end - start > settings.max_clip_s:
            clips.append(Span(start, start + settings.max_clip_s))
            start += settings.max_clip_s
        clips.append(Span(start, end))
    return clips


class Transcriber:
    """One loaded model; create one per worker process."""

    def __init__(self, model_path: Path, settings: AsrSettings | None = None, threads: int = 0):
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        self.model_path = Path(model_path)
        self.settings = settings or AsrSettings()
        threads = threads or os.cpu_count() or 1
        self.model = WhisperModel(str(model_path), device="cpu", compute_type="int8", cpu_threads=threads)
        self.pipeline = BatchedInferencePipeline(self.model)

    def transcribe(self, audio: Audio, timeline: Timeline) -> list[Segment]:
        segments: list[Segment] = []
        for side, channel in zip(timeline.sides, audio.channels if audio.is_stereo else [audio.mono()]):
            spans = timeline.speech[side]
            if self.settings.silero_boundaries:
                spans = silero_spans(channel, spans)
            segments += self._decode(channel, clips_for(spans, audio.duration_s, self.settings), side)
        return sorted(segments, key=lambda s: (s.start_s, s.side))

    def transcribe_array(self, samples: np.ndarray, side: str = "mixed") -> list[Segment]:
        """A whole signal with no timeline (benchmarks, reference runs): split by Silero VAD."""
        duration = len(samples) / SAMPLE_RATE
        spans = silero_spans(samples, [Span(0.0, duration)], region_pad_s=0.0)
        return self._decode(samples, clips_for(spans, duration, self.settings), side)

    def _decode(self, samples: np.ndarray, clips: list[Span], side: str) -> list[Segment]:
        if not clips:
            return []
        s = self.settings
        raw, _ = self.pipeline.transcribe(
            samples,
            language="zh",
            beam_size=s.beam_size,
            batch_size=s.batch_size,
            clip_timestamps=[{"start": c.start_s, "end": c.end_s} for c in clips],
            word_timestamps=s.word_timestamps,
            without_timestamps=not s.word_timestamps,
            condition_on_previous_text=False,
            hotwords=s.hotwords,
            log_prob_threshold=s.logprob_min,
            no_speech_threshold=s.no_speech_max,
            compression_ratio_threshold=s.compression_max,
        )
        out = []
        for seg in raw:
            text = clean(seg.text)
            if (
                is_hallucination(text)
                or (seg.no_speech_prob > s.no_speech_max and seg.avg_logprob < s.logprob_min)
                or seg.compression_ratio > s.compression_max
            ):
                continue
            words = [Word(round(w.start, 2), round(w.end, 2), to_simplified(w.word), round(w.probability, 3)) for w in (seg.words or [])]
            out.append(Segment(side, round(seg.start, 2), round(seg.end, 2), text, round(seg.avg_logprob, 3), round(seg.no_speech_prob, 3), words))
        return out


def silero_spans(samples: np.ndarray, regions: list[Span], region_pad_s: float = 0.5) -> list[Span]:
    """Utterance boundaries from Silero VAD, run only inside the timeline's speech regions.

    The timeline has already removed tones, music and silence; Silero, which hears soft
    onsets and endings better than an energy threshold, places the cuts.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=300, speech_pad_ms=100)
    duration = len(samples) / SAMPLE_RATE
    spans: list[Span] = []
    for r in clips_for(regions, duration, AsrSettings(max_clip_s=float("inf"), merge_gap_s=1.0, pad_s=region_pad_s)):
        a = int(r.start_s * SAMPLE_RATE)
        for st in get_speech_timestamps(samples[a : int(r.end_s * SAMPLE_RATE)], options):
            spans.append(Span(r.start_s + st["start"] / SAMPLE_RATE, r.start_s + st["end"] / SAMPLE_RATE))
    return spans
