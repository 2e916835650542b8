"""Redact personal numbers from a call: placeholders in the transcript, tone or silence in a copy of the audio.

Runs on every transcript before anything is stored (segments, search index, transcript
cache, evidence of findings), so no stored or shown text holds the digits; a placeholder
(`[手机号]`) is text, so rules still see that a number was given. Each redacted stretch
becomes a span (start, end, side, kind) from the word timestamps, padded, and the audio copy
carries a 1 kHz tone (or silence) there on that speaker's channel only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import Iterable, Iterator
from pathlib import Path

import av
import numpy as np

from . import pii
from .decode import SAMPLE_RATE, Audio, to_pcm16
from .timeline import Span, Timeline
from .transcribe import Segment, Word

# Whisper's word times miss the edges of digits read out; padded by 0.35 s, the spans cover
# 0.97-0.99 of the digits' time on composed readings (benchmarks/pii.py, both seeds).
PAD_S = 0.35
TONE_HZ = 1000.0
TONE_DBFS = -20.0
# Ramps at span edges, so the tone does not click in and out.
_RAMP_S = 0.005
# Whisper sometimes writes nothing for an utterance (a reading of digits after another
# reading, or the customer's answer to 您的手机号是多少: 6 of 41 numbers on wideband and 3 of
# 41 on G.711 in benchmarks/pii.py's default calls). Speech the transcript leaves out this
# soon after a keyword, a redacted number or such speech is toned out too: nobody can check
# what it said.
UNHEARD_AFTER_S = 10.0
_UNHEARD_MIN_S = 0.4


@dataclass(frozen=True)
class RedactionSpan:
    """A stretch of a call (seconds, one side) that held a personal number of `kind`, toned out of the audio copy."""

    start_s: float
    end_s: float
    side: str
    kind: str


@dataclass
class Redaction:
    """A transcript redacted: its segments with placeholders, and the spans the numbers were spoken in."""

    segments: list[Segment]  # with placeholders
    spans: list[RedactionSpan]


@dataclass
class CallRedaction:
    """What is stored with a call besides its redacted segments."""

    spans: list[RedactionSpan]
    flac: bytes | None = None  # the redacted copy of the recording, for the batch's writer to keep
    raw: list[Segment] | None = None  # the transcript as heard, only when the settings keep it


@dataclass(frozen=True)
class Settings:
    """The rule pack's personal-data settings ([settings] pii_audio, keep_raw_transcripts)."""

    audio: str = "tone"  # tone | silence | off (no copy is written)
    keep_raw: bool = False
    audio_dir: Path | None = None

    @classmethod
    def from_pack(cls, settings: dict, audio_dir: Path | None) -> "Settings":
        """From a loaded pack's settings (checked against qa_audio.settings by rules.load)."""
        return cls(settings["pii_audio"], settings["keep_raw_transcripts"], audio_dir)


def copies_dir(db: Path) -> Path:
    """Where the redacted audio copies of a database's calls are kept: beside it."""
    return db.resolve().with_name(db.name + ".redacted")


def redact_call(segments: list[Segment], audio: Audio, timeline: Timeline, settings: Settings) -> tuple[list[Segment], CallRedaction]:
    """A call's redacted transcript, and its spans, raw text (if kept) and audio copy.

    Personal numbers (pii.toml: mobile, ID card, bank card, ...) in `segments` become
    placeholders; their spans (s) are toned or silenced in a FLAC copy of `audio` unless
    `settings.audio` is "off"; the raw transcript is kept only when `settings.keep_raw`.
    """
    red = redact_segments(segments)
    spans = _merge(red.spans + unheard_spans(segments, timeline.speech, red.spans))
    flac = _encode_flac(_redacted_frames(audio, timeline.sides, spans, settings.audio), audio.n_channels) if settings.audio != "off" else None
    return red.segments, CallRedaction(spans, flac, segments if settings.keep_raw else None)


def keep_copy(redaction: CallRedaction, settings: Settings, sha256: str) -> str | None:
    """Write a call's redacted audio copy (named by the recording's hash); its path, or None."""
    if redaction.flac is None or settings.audio_dir is None:
        return None
    path = settings.audio_dir / f"{sha256}.flac"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(redaction.flac)
    tmp.replace(path)
    return str(path)


def unheard_spans(segments: list[Segment], speech: dict[str, list[Span]], spans: list[RedactionSpan], pad_s: float = PAD_S) -> list[RedactionSpan]:
    """Speech without transcript that starts within UNHEARD_AFTER_S of a personal-number
    keyword (either side), a redacted number or such unheard speech, as spans of kind `unheard`."""
    lex = pii.load_lexicon()
    words = [w for k in lex.kinds.values() for w in k.keywords]
    triggers = [s.end_s for s in segments if any(w in s.text for w in words)] + [s.end_s for s in spans]
    pieces = []
    for side, regions in speech.items():
        heard = [(s.start_s - pad_s, s.end_s + pad_s) for s in segments if s.side == side or side not in ("agent", "customer")]
        pieces += [(a, b, side) for a, b in _uncovered(regions, heard) if b - a >= _UNHEARD_MIN_S]
    out = []
    for a, b, side in sorted(pieces):
        if any(0.0 <= a - t <= UNHEARD_AFTER_S for t in triggers):
            out.append(RedactionSpan(round(max(0.0, a - pad_s), 3), round(b + pad_s, 3), side, "unheard"))
            triggers.append(b)
    return out


def _uncovered(regions: list[Span], heard: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of the speech regions that no heard interval covers."""
    out = []
    for r in regions:
        pieces = [(r.start_s, r.end_s)]
        for ha, hb in heard:
            pieces = [p for a, b in pieces for p in ((a, min(b, ha)), (max(a, hb), b)) if p[1] > p[0]]
        out += pieces
    return out


def redact_segments(segments: list[Segment], pad_s: float = PAD_S, lexicon: pii.Lexicon | None = None) -> Redaction:
    """Placeholders for personal numbers, and the spans to redact in the audio.

    Spans are read from the placeholders, so a transcript redacted earlier (the transcript
    cache) gives the same spans again.
    """
    lex = lexicon or pii.load_lexicon()
    found = pii.find(segments, lex)
    texts = pii.replace_parts([s.text for s in segments], found, lex)
    by_segment: dict[int, list[tuple[pii.Part, str]]] = {}
    for f in found:
        for p in f.parts:
            by_segment.setdefault(p.utterance, []).append((p, lex.kinds[f.kind].placeholder))
    out = [replace(seg, text=texts[i], words=_redact_words(seg, by_segment[i])) if i in by_segment else seg for i, seg in enumerate(segments)]
    kinds = {k.placeholder: k.name for k in lex.kinds.values()}
    spans = [
        RedactionSpan(round(max(0.0, a - pad_s), 3), round(b + pad_s, 3), seg.side, kind)
        for seg in out
        for a, b, kind in _placeholder_times(seg, kinds)
    ]
    return Redaction(out, _merge(spans))


def _placeholder_times(seg: Segment, kinds: dict[str, str]) -> list[tuple[float, float, str]]:
    """Where the segment's placeholders were said: their words, else the whole segment."""
    times = [(w.start_s, w.end_s, kinds[w.text]) for w in seg.words if w.text in kinds]
    if not times:
        times = [(seg.start_s, seg.end_s, kind) for p, kind in kinds.items() if p in seg.text]
    return times


def _redact_words(seg: Segment, parts: list[tuple[pii.Part, str]]) -> list[Word]:
    """The segment's words with the digits of each part replaced by one placeholder word.

    Words are matched to the text by digit order: the k-th digit of the text is the k-th
    digit of the words (both come from the same Whisper output). When they do not line up,
    every word holding a digit goes, and the placeholder covers the whole segment.
    """
    digit_at = [j for j, ch in enumerate(seg.text) if pii.is_digit(ch)]
    word_digits = [sum(pii.is_digit(ch) for ch in w.text) for w in seg.words]
    aligned = sum(word_digits) == len(digit_at)
    owner: dict[int, int] = {}  # word index -> part index
    k = 0
    for w_i, n in enumerate(word_digits):
        for m in range(k, k + n):
            hit = [p_i for p_i, (p, _) in enumerate(parts) if not aligned or p.start <= digit_at[m] < p.end]
            if hit:
                owner.setdefault(w_i, hit[0])
        k += n
    words = []
    for w_i, w in enumerate(seg.words):
        p_i = owner.get(w_i)
        if p_i is None:
            words.append(w)
            continue
        mine = [seg.words[i] for i, o in sorted(owner.items()) if o == p_i]
        if w is mine[0]:
            start, end = (w.start_s, mine[-1].end_s) if aligned else (seg.start_s, seg.end_s)
            words.append(Word(start, end, parts[p_i][1], min(x.probability for x in mine)))
    return words


def _merge(spans: list[RedactionSpan]) -> list[RedactionSpan]:
    out: list[RedactionSpan] = []
    for s in sorted(spans, key=lambda s: (s.side, s.start_s)):
        if out and out[-1].side == s.side and s.start_s <= out[-1].end_s:
            last = out[-1]
            out[-1] = RedactionSpan(last.start_s, max(last.end_s, s.end_s), last.side, last.kind)
        else:
            out.append(s)
    return sorted(out, key=lambda s: s.start_s)


def redact_audio(audio: Audio, sides: list[str], spans: list[RedactionSpan], mode: str = "tone") -> np.ndarray:
    """The recording's channels, as 16-bit PCM, with each span toned or silenced on its speaker's channel.

    `sides` names each channel (the timeline's); a mono recording has one channel for both
    speakers, so a span there covers everyone.
    """
    return np.concatenate([np.zeros((audio.n_channels, 0), np.int16), *_redacted_frames(audio, sides, spans, mode)], axis=1)


# Samples per FLAC frame: the copy is made, redacted and encoded a frame at a time, as even
# in 16 bits a whole copy of a 60-minute stereo call is 220 MiB.
_FRAME = 4608


def _redacted_frames(audio: Audio, sides: list[str], spans: list[RedactionSpan], mode: str) -> Iterator[np.ndarray]:
    """`redact_audio`, a FLAC frame at a time."""
    if mode not in ("tone", "silence"):
        raise ValueError(f"audio redaction must be tone or silence, not {mode!r}")
    n = audio.data.shape[1]
    cuts = [(sides.index(s.side) if s.side in sides else 0, int(s.start_s * SAMPLE_RATE), min(n, int(np.ceil(s.end_s * SAMPLE_RATE)))) for s in spans]

    def frames() -> Iterator[np.ndarray]:
        for f0 in range(0, n, _FRAME):
            frame = to_pcm16(audio.data[:, f0 : f0 + _FRAME]).copy()
            f1 = f0 + frame.shape[1]
            for ch, a, b in cuts:
                lo, hi = max(a, f0), min(b, f1)
                if lo < hi:
                    # The whole span's tone, so that its ramps sit at the span's ends, not the frame's.
                    frame[ch, lo - f0 : hi - f0] = to_pcm16(_tone(a, b)[lo - a : hi - a]) if mode == "tone" else 0
            yield frame

    return frames()


def _tone(a: int, b: int) -> np.ndarray:
    t = np.arange(a, b) / SAMPLE_RATE
    edge = np.minimum(1.0, np.minimum(t - t[0], t[-1] - t) / _RAMP_S)
    return (np.sin(2 * np.pi * TONE_HZ * t) * edge * 10 ** (TONE_DBFS / 20) * np.sqrt(2)).astype(np.float32)


def encode_flac(channels: np.ndarray) -> bytes:
    """16-bit FLAC at 16 kHz of 16-bit or float channels: lossless, so speech outside the
    spans is what was decoded."""
    return _encode_flac((channels[:, a : a + _FRAME] for a in range(0, channels.shape[1], _FRAME)), channels.shape[0])


def _encode_flac(frames: Iterable[np.ndarray], n_channels: int) -> bytes:
    layout = "stereo" if n_channels == 2 else "mono"
    buf = io.BytesIO()
    with av.open(buf, "w", format="flac") as out:
        stream = out.add_stream("flac", rate=SAMPLE_RATE, layout=layout)
        for block in frames:
            # Float samples are converted a frame at a time: the whole call at once made
            # temporaries of its size (439 MiB each for a 60-minute stereo call).
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(to_pcm16(block)), format="s16p", layout=layout)
            frame.sample_rate = SAMPLE_RATE
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()
