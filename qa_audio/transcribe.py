"""Speech to text on CPU: only the timeline's speech regions, per side, batched.

Whisper invents text on tones, music and silence, so it never sees them: Silero VAD places
utterance boundaries inside each side's speech regions from the timeline, the utterances of
both sides are packed in call order into Whisper-sized windows, and the batched pipeline
decodes the windows together; every word is mapped back to its side and call time. Output
is simplified Chinese with the usual Whisper hallucinations (subtitle credits, repetition
loops) removed.
"""

from __future__ import annotations

import bisect
import copy
import ctypes
import difflib
import hashlib
import json
import os
import platform
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import zhconv

from .core import Segment, Span, Timeline, Word
from .decode import SAMPLE_RATE, Audio, to_float
from .timeline import CUSTOMER

# Phrases Whisper emits on non-speech, learnt from subtitle files in its training data.
STOCK_HALLUCINATIONS = (
    "字幕", "订阅", "点赞", "打赏", "感谢观看", "谢谢观看", "谢谢收看", "请不吝", "明镜与点点",
    "中文字幕", "Amara", "由 Amara", "优优独播剧场", "YoYo Television",
)
_REPEAT = re.compile(r"(.{1,4}?)\1{4,}")
# Loops seen here repeat a 10-35 character sentence with at most one character changed.
_SAME_TEXT_MIN = 0.8
# Retry windows shorter than this hold one utterance or two, so go straight to one each.
_RETRY_CHUNK_MIN_S = 6.0
# Token budget of a short window: Mandarin at its fastest gives about 6 tokens a second (the
# busiest packed windows here give 5.3), so 16 a second never cuts speech, and a repetition
# loop on a short window stops early instead of running to 448 tokens. The spare keeps a
# loop long enough to be seen as one (compression ratio above the limit) and dropped.
_TOKENS_PER_S = 16
_TOKENS_SPARE = 96
# Whisper's limit is 448 tokens with the prompt. A hotwords prompt takes up to 227 of them:
# start-of-previous, at most 223 hotword tokens, then start, language and task; a budget
# above what is left is refused by faster-whisper, so longer windows keep Whisper's limit.
_WHISPER_MAX_TOKENS = 448
_PROMPT_MAX = 1 + (_WHISPER_MAX_TOKENS // 2 - 1) + 3
_TOKENS_CAP_MAX = _WHISPER_MAX_TOKENS - _PROMPT_MAX
# A long call is transcribed this much speech at a time, in call order: faster-whisper makes
# the features of every window it is given at once (80 x 3000 float32, 0.96 MB a window, held
# twice while stacked) and the windows' audio is packed anew as float32, so an hour of speech
# in one pass holds 220 MiB of features and 220 MiB of packed audio; a group of 900 s holds
# a quarter of that. Calls with less speech are read in one pass, as before. (A 60-minute
# stereo call, about 50 minutes of speech: peak RSS 1596 MiB before, 1172 MiB with groups and
# 16-bit samples; benchmarks/long_call.py --minutes 60 --stages total --breakdown.)
_GROUP_S = 900.0
# glibc's mallopt options (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_MAX, _M_ARENA_MAX = -1, -4, -8


@dataclass(frozen=True)
class AsrSettings:
    """How Whisper transcribes; every field changes a transcript, so all are in its cache key.

    beam_size: beam width (5 most accurate, 1 faster). word_timestamps: times per word.
    max_clip_s, merge_gap_s, pad_s: speech is cut into clips of at most max_clip_s seconds,
    pauses up to merge_gap_s bridged (stereo), pad_s added at each end. chunk_s, batch_size:
    clips packed into Whisper windows of chunk_s seconds, batch_size windows at a time.
    no_speech_max, logprob_min, compression_max: a segment above no_speech_max no-speech
    probability and below logprob_min mean log-probability is dropped; above compression_max
    gzip ratio it is a loop. hotwords: a prompt of service phrases (None: none).
    silero_boundaries: refine clip edges with Silero VAD.
    """

    beam_size: int = 5
    # The customer's side of a stereo call (mono calls, whose sides are not known before the
    # transcript, use `beam_size`). Greedy there cost nothing on four composed stereo calls
    # (customer CER 0.195 -> 0.186, 0.207 -> 0.207; decoding 16-30 % less CPU) but on the 20
    # real clips of shared/audio/speech on a customer channel it read 0.184 / 0.214 (wideband
    # / G.711) against 0.164 / 0.182 with the beam (benchmarks/asr.py, row qa-audio-cust).
    customer_beam_size: int = 5
    # Greedy first, the beam where greedy is unsure: every window is decoded greedily and
    # keeps that reading when its mean log-probability is at least this (and it neither loops
    # nor runs to the token budget); the others are decoded again with the beam on the same
    # encoder output (_GreedyFirst). None (default): the beam on every window. Off because it
    # trades accuracy for time: on the four calls of benchmarks/asr_profile.py (one thread,
    # load 14-23) -0.4 kept 37 of 56 windows greedy, decoder CPU 64.5 -> 45.8 s, total 149 ->
    # 122 s, CER 0.164 -> 0.169 (agent 0.082 -> 0.100); -0.35: decoder 53.2 s, CER 0.169
    # (agent 0.093); -0.3 kept 12 of 56 and saved nothing. On shared/audio/speech -0.4 read
    # 0.160 / 0.193 (wideband / G.711) and -0.35 0.160 / 0.182 against 0.154 / 0.185 with the
    # beam everywhere (benchmarks/asr.py rows qa-audio and qa-audio-cust alike).
    greedy_logprob_min: float | None = None
    word_timestamps: bool = True
    max_clip_s: float = 20.0
    merge_gap_s: float = 1.5
    pad_s: float = 0.3
    # Whisper's encoder reads 30 s whatever is packed: on the four composed calls of
    # benchmarks/speed.py, 29.5 s windows took 53 encoder passes instead of 57 and CER went
    # 0.163 -> 0.156 (benchmarks/asr_profile.py --chunk-s 28 / 29.5); CPU time moved less
    # than the machine's load did (70.7 s -> 71.5 s at load 14-20, 72.5 -> 66.2 s at load
    # 12-15). On the shared clips CER stayed 0.164 / 0.182 (benchmarks/asr.py --chunk-s
    # 29.5, rows qa-audio and qa-audio-cust). A full 30 s was not tried.
    chunk_s: float = 29.5
    batch_size: int = 8
    no_speech_max: float = 0.6
    logprob_min: float = -1.0
    compression_max: float = 2.4
    hotwords: str | None = None
    silero_boundaries: bool = True

    def key(self) -> str:
        """16 hex digits that differ whenever any setting differs (part of the transcript cache key)."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]





def to_simplified(text: str) -> str:
    """The text in simplified characters (Whisper writes traditional ones at times)."""
    return zhconv.convert(text, "zh-hans")


def _bare(text: str) -> str:
    return re.sub(r"[\s,.!?，。！？、…]", "", text)


def is_hallucination(text: str) -> bool:
    """Whether a segment's text is nothing (punctuation only) or one of Whisper's stock phrases for silence (STOCK_HALLUCINATIONS)."""
    if not _bare(text):
        return True
    return any(p in text for p in STOCK_HALLUCINATIONS)


def same_text(a: str, b: str) -> bool:
    """Whether two segments say (nearly) the same: a loop may change a character or two."""
    a, b = _bare(a), _bare(b)
    return bool(a) and difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= _SAME_TEXT_MIN


def clean(text: str) -> str:
    """Simplify, trim, and collapse a repetition loop to one instance."""
    text = to_simplified(text).strip()
    return _REPEAT.sub(r"\1", text)


def clips_for(spans: list[Span], duration_s: float, max_s: float, merge_gap_s: float | None, pad_s: float) -> list[Span]:
    """Pad speech spans and merge nearby ones into non-overlapping clips of at most `max_s`.

    With `merge_gap_s` None nothing is merged (on a mono line a pause may be a change of
    speaker) and a pad reaches at most halfway to the next span, never into its speech.
    """
    clips: list[Span] = []
    for i, s in enumerate(spans):
        start, end = max(0.0, s.start_s - pad_s), min(duration_s, s.end_s + pad_s)
        if merge_gap_s is None:
            if i:
                start = max(start, (spans[i - 1].end_s + s.start_s) / 2)
            if i + 1 < len(spans):
                end = min(end, (s.end_s + spans[i + 1].start_s) / 2)
        elif clips and start - clips[-1].end_s <= merge_gap_s and end - clips[-1].start_s <= max_s:
            clips[-1] = Span(clips[-1].start_s, end)
            continue
        if clips:
            start = max(start, clips[-1].end_s)
        while end - start > max_s:
            clips.append(Span(start, start + max_s))
            start += max_s
        clips.append(Span(start, end))
    return clips


class Transcriber:
    """One loaded model; create one per worker process."""

    def __init__(self, model_path: Path, settings: AsrSettings | None = None, threads: int = 0):
        from faster_whisper import BatchedInferencePipeline

        self.model_path = Path(model_path)
        self.settings = settings or AsrSettings()
        threads = threads or os.cpu_count() or 1
        _reuse_freed_memory()
        self.model = _whisper_model_class()(str(model_path), device="cpu", compute_type="int8", cpu_threads=threads)
        self.pipeline = BatchedInferencePipeline(self._windows_model())

    def _windows_model(self):
        """The model the batched pipeline decodes windows with: greedy first when the settings
        say so (the same CTranslate2 model; number re-reading keeps `self.model`'s beam)."""
        if self.settings.greedy_logprob_min is None:
            return self.model
        windows = copy.copy(self.model)
        windows.model = _GreedyFirst(self.model.model, self.model.hf_tokenizer, self.settings.greedy_logprob_min, self.settings.compression_max)
        return windows

    def transcribe(self, audio: Audio, timeline: Timeline) -> list[Segment]:
        """The words of each side of a call, with times.

        Args:
            audio: the decoded call (`decode.decode`), 16 kHz float32.
            timeline: its timeline (`timeline.analyse`); only its speech spans are transcribed,
                so rings, tones and hold music never reach Whisper.

        Returns:
            Segments in recording time (seconds), sorted by start and side; a mono call's are `mixed`
            until `roles.assign` names the speakers. [] for a call with no speech. Text is
            simplified Chinese; loops and stock hallucinations are dropped.
        """
        s = self.settings
        utterances: list[_Utterance] = []
        # On a mono line both voices share the channel: a short pause may be a change of
        # speaker, so it is cut at and never bridged, and role assignment sees one voice per piece.
        mono = not audio.is_stereo
        for side, channel in zip(timeline.sides, audio.samples()):
            spans = timeline.speech[side]
            if s.silero_boundaries:
                spans = silero_spans(channel, spans, min_silence_ms=150 if mono else 300)
            for c in clips_for(spans, audio.duration_s, s.max_clip_s, None if mono else s.merge_gap_s, s.pad_s):
                utterances.append(_Utterance(side, c.start_s, channel.row[int(c.start_s * SAMPLE_RATE) : int(c.end_s * SAMPLE_RATE)]))
        out = [seg for beam, same in by_beam(utterances, s) for group in _groups(same, _GROUP_S) for seg in self._decode(group, beam)]
        return sorted(out, key=lambda x: (x.start_s, x.side))

    def _decode(self, utterances: list[_Utterance], beam: int, chunk_s: float | None = None) -> list[Segment]:
        """Transcribe `utterances`, packed into Whisper-sized chunks of up to `chunk_s`.

        Whisper's encoder always reads 30 s, so one short utterance per window wastes most of
        it. Utterances are laid end to end, decoded in batches, and every word is mapped back
        to its own utterance in call time; a Whisper segment that spans two utterances is split.
        """
        if not utterances:
            return []
        s = self.settings
        chunk_s = s.chunk_s if chunk_s is None else chunk_s
        packed = _Packing(utterances, chunk_s)
        out, heard = [], set()
        previous = None
        for seg in self._run(packed.audio, packed.chunks, beam):
            # A loop is a failure to read, not a sign of non-speech: the utterances under it
            # count as unheard. Batched decoding judges each segment alone, so a loop of whole
            # segments (the same sentence again and again to the window's end) is caught here.
            loop = seg.compression_ratio > s.compression_max or (
                previous is not None and previous.seek == seg.seek and same_text(previous.text, seg.text)
            )
            previous = seg
            if loop:
                continue
            groups = packed.split_by_utterance(seg.words or [])
            heard.update(piece for piece, _ in groups)
            if seg.no_speech_prob > s.no_speech_max and seg.avg_logprob < s.logprob_min:
                continue
            for piece, words in groups:
                # Whisper's own text keeps its punctuation; word pieces are used only to split.
                text = clean(seg.text if len(groups) == 1 else "".join(w.text for w in words))
                if is_hallucination(text):
                    continue
                out.append(
                    Segment(utterances[piece].side, words[0].start_s, words[-1].end_s, text, round(seg.avg_logprob, 3),
                            round(seg.no_speech_prob, 3), words if s.word_timestamps else [])
                )
        # Whisper sometimes ends a window early and skips its last utterances, or loops and
        # reads none of them. Those are read again in windows half as long as the longest (a
        # loop depends on what was packed together), then one window each. Decoding is
        # deterministic, so an utterance that had a window to itself is not read again.
        missed = [u for i, u in enumerate(utterances) if i not in heard and not packed.alone(i)]
        if missed:
            half = max(b - a for a, b in packed.chunks) / 2
            out += self._decode(missed, beam, half if half >= _RETRY_CHUNK_MIN_S else 0.0)
        return sorted(out, key=lambda x: (x.start_s, x.side))

    def _run(self, audio: np.ndarray, windows: list[tuple[float, float]], beam: int) -> list:
        s = self.settings
        raw, _ = self.pipeline.transcribe(
            audio,
            language="zh",
            beam_size=beam,
            batch_size=s.batch_size,
            clip_timestamps=[{"start": a, "end": b} for a, b in windows],
            word_timestamps=True,
            without_timestamps=False,
            condition_on_previous_text=False,
            hotwords=s.hotwords,
            max_new_tokens=token_budget(windows),
            log_prob_threshold=s.logprob_min,
            no_speech_threshold=s.no_speech_max,
            compression_ratio_threshold=s.compression_max,
        )
        return list(raw)


def _reuse_freed_memory() -> None:
    """Let CTranslate2's buffers reuse freed memory instead of fresh pages from the kernel.

    CTranslate2 allocates each layer's buffers anew, and the encoder's attention scores (8
    heads x 1500 x 1500 floats, 72 MB a window) are over glibc's mmap threshold: glibc maps
    them from the kernel and unmaps them when freed, so the kernel faults in and zero-fills
    the same amount again for every layer of every window. With one arena (CTranslate2's
    thread shares the main heap), no mmap and no trimming, freed blocks stay in the heap for
    the next layer. Two 4-minute stereo calls on one thread (a worker's share on 2 cores):
    2.0 million page faults and 6.7-7.3 s of system time before, 5 thousand and 0.1 s after;
    60.6-65.4 s -> 51.8-54.2 s in all, peak RSS no higher. Any two of the three settings
    alone left 1.3-1.4 million faults.
    """
    if platform.libc_ver()[0] != "glibc":
        return
    libc = ctypes.CDLL(None)
    for option, value in ((_M_ARENA_MAX, 1), (_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, 2**31 - 1)):
        libc.mallopt(option, value)


def _whisper_model_class():
    import ctranslate2
    from faster_whisper import WhisperModel

    class WindowByWindow(WhisperModel):
        """Encodes and aligns a batch one window at a time; decoding stays batched.

        The encoder's attention holds 8 heads x 1500 x 1500 scores per window, so a batch of
        8 works through 576 MB per layer and waits on memory. On this 2-core machine, 8
        windows took 6.5 s to encode in one batch and 4.3 s one by one (one thread: 9.0-10.7 s
        against 7.0-7.9 s), and aligning their words on one thread took 1.8-2.0 s against
        0.9 s. The output is the same. Decoding steps gain from the batch (8 windows: 6.2-7.1 s
        together, 10-14 s in pairs), so decoding stays batched.
        """

        def encode(self, features: np.ndarray) -> ctranslate2.StorageView:
            if features.ndim == 2 or len(features) == 1:
                return super().encode(features)
            rows = [np.asarray(super(WindowByWindow, self).encode(f)) for f in features]
            return ctranslate2.StorageView.from_array(np.concatenate(rows))

        def find_alignment(self, tokenizer, text_tokens, encoder_output, num_frames, median_filter_width=7):
            if len(text_tokens) <= 1:
                return super().find_alignment(tokenizer, text_tokens, encoder_output, num_frames, median_filter_width)
            rows = np.asarray(encoder_output)
            return [
                super(WindowByWindow, self).find_alignment(
                    tokenizer, [tokens], ctranslate2.StorageView.from_array(rows[i : i + 1]), [num_frames[i]], median_filter_width
                )[0]
                for i, tokens in enumerate(text_tokens)
            ]

    return WindowByWindow


class _GreedyFirst:
    """CTranslate2's Whisper whose `generate` reads every window greedily, then decodes again
    with the beam only the windows greedy was unsure of, on the same encoder output.

    A kept row is exactly the stock greedy result and a re-decoded row exactly the stock beam
    result for that window (tests/test_asr.py); which one is `confident`'s choice. Everything
    else is the wrapped model's.
    """

    def __init__(self, model, hf_tokenizer, logprob_min: float, compression_max: float):
        self._model, self._tokenizer = model, hf_tokenizer
        self._eot = hf_tokenizer.token_to_id("<|endoftext|>")  # text tokens are below it
        self.logprob_min, self.compression_max = logprob_min, compression_max

    def __getattr__(self, name):
        return getattr(self._model, name)

    def generate(self, features, prompts, beam_size: int = 1, **options):
        results = self._model.generate(features, prompts, beam_size=1, **options)
        if beam_size <= 1:
            return results
        budget = options.get("max_length", _WHISPER_MAX_TOKENS) - len(prompts[0])
        unsure = [i for i, r in enumerate(results) if not self.confident(r, options.get("length_penalty", 1.0), budget)]
        if unsure:
            import ctranslate2

            rows = np.asarray(features)[unsure]
            again = self._model.generate(ctranslate2.StorageView.from_array(rows), [prompts[i] for i in unsure], beam_size=beam_size, **options)
            for i, r in zip(unsure, again):
                results[i] = r
        return results

    def confident(self, result, length_penalty: float, budget: int) -> bool:
        """Whether a greedy reading is kept: its mean log-probability (as faster-whisper
        counts it) at least `logprob_min`, short of the token budget, and no loop."""
        from faster_whisper.transcribe import get_compression_ratio

        tokens = result.sequences_ids[0]
        if len(tokens) >= budget:
            return False
        avg_logprob = result.scores[0] * len(tokens) ** length_penalty / (len(tokens) + 1)
        text = self._tokenizer.decode([t for t in tokens if t < self._eot])
        return avg_logprob >= self.logprob_min and get_compression_ratio(text) <= self.compression_max


def by_beam(utterances: list[_Utterance], settings: AsrSettings) -> list[tuple[int, list[_Utterance]]]:
    """Utterances grouped by the beam width their side is decoded with, each group side by
    side and in call order within a side.

    Sides decoded alike share windows (no half-empty last window per side), but one side's
    utterances are packed end to end, not interleaved with the other's: Whisper drops words
    it has just read, so a customer's 好的，谢谢 packed right before the agent's 好的，谢谢您的
    配合 took the agent's first words with it (你的配合，再见). On blind6's 50 stereo calls,
    side by side: closing_thanks precision 0.810 -> 0.944, closing_anything_else 0.885 ->
    0.958 (benchmarks/rules.py --set blind6); the misses left are mishearings, not lost words.
    """
    beams = {CUSTOMER: settings.customer_beam_size}
    groups: dict[int, list[_Utterance]] = {}
    for u in sorted(utterances, key=lambda u: (u.side, u.start_s)):
        groups.setdefault(beams.get(u.side, settings.beam_size), []).append(u)
    return sorted(groups.items())


def token_budget(windows: list[tuple[float, float]]) -> int | None:
    """The most tokens worth decoding for the longest of `windows`; None for Whisper's own limit."""
    budget = int(_TOKENS_PER_S * max(b - a for a, b in windows)) + _TOKENS_SPARE
    return budget if budget <= _TOKENS_CAP_MAX else None


@dataclass(frozen=True)
class _Utterance:
    side: str
    start_s: float
    audio: np.ndarray  # a view of the call's samples as stored (16-bit PCM or float)


def _groups(utterances: list[_Utterance], max_s: float):
    """Consecutive utterances holding at most `max_s` seconds of audio (one at least)."""
    group, length = [], 0.0
    for u in utterances:
        if group and length + len(u.audio) / SAMPLE_RATE > max_s:
            yield group
            group, length = [], 0.0
        group.append(u)
        length += len(u.audio) / SAMPLE_RATE
    if group:
        yield group


# A word that reaches this far into the next packed utterance is that utterance's first word.
_INTO_NEXT_S = 0.1


class _Packing:
    """Utterances laid end to end in chunks, and the map from packed time back to call time."""

    def __init__(self, utterances: list[_Utterance], chunk_s: float):
        # No silence is put between utterances: digital silence confuses Whisper (CER 0.165
        # with 0.3-0.6 s of it, 0.152 without); each clip carries 0.3 s of its own pauses.
        self.chunks, self.offsets = [], []  # offsets: (packed start, packed end, call start)
        pos = 0.0
        chunk_start = 0.0
        for u in utterances:
            length = len(u.audio) / SAMPLE_RATE
            if pos > chunk_start and pos - chunk_start + length > chunk_s:
                self.chunks.append((chunk_start, pos))
                chunk_start = pos
            self.offsets.append((pos, pos + length, u.start_s))
            pos += length
        self.chunks.append((chunk_start, pos))
        self.ends = [b for _, b, _ in self.offsets]
        starts = [a for a, _ in self.chunks]
        self._window_of = [bisect.bisect_right(starts, a) - 1 for a, _, _ in self.offsets]
        self.audio = np.asarray(to_float(np.concatenate([u.audio for u in utterances])), np.float32)

    def alone(self, piece: int) -> bool:
        """Whether utterance `piece` had its window to itself."""
        return self._window_of.count(self._window_of[piece]) == 1

    def to_call_time(self, t: float, piece: int) -> float:
        a, b, start = self.offsets[piece]
        return round(start + min(max(t, a), b) - a, 2)

    def piece_of(self, word) -> int:
        """The utterance a word reaches into by more than _INTO_NEXT_S (the last one if past the end).

        Whisper stretches the first word of an utterance back over the pause before it (感谢
        timed 35.85-36.91 s for an utterance starting at 36.38 s): by its midpoint, the first
        words of a line went to the utterance before, often the other side's. On 4 benchmark
        calls (benchmarks/rules.py seeds 7, 15, 16, 22), all 16 words across a boundary
        belonged to the later utterance, each reaching 0.3-0.5 s into it."""
        return min(bisect.bisect_right(self.ends, max(word.start, word.end - _INTO_NEXT_S)), len(self.ends) - 1)

    def split_by_utterance(self, words) -> list[tuple[int, list[Word]]]:
        """Words grouped by the utterance they fall in: (utterance index, words in call time)."""
        groups: dict[int, list[Word]] = {}
        for w in words:
            piece = self.piece_of(w)
            groups.setdefault(piece, []).append(
                Word(self.to_call_time(w.start, piece), self.to_call_time(w.end, piece), to_simplified(w.word), round(w.probability, 3))
            )
        return [(k, groups[k]) for k in sorted(groups)]


def silero_spans(samples: np.ndarray, regions: list[Span], region_pad_s: float = 0.5, min_silence_ms: int = 300) -> list[Span]:
    """Utterance boundaries from Silero VAD, run only inside the timeline's speech regions.

    The timeline has already removed tones, music and silence; Silero, which hears soft
    onsets and endings better than an energy threshold, places the cuts.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    # A low threshold: inside the timeline's regions Silero only places boundaries, and on
    # G.711 audio its probabilities run low (0.5 dropped whole utterances: G.711 CER 0.198;
    # 0.25 gives 0.185, wideband unchanged at 0.154; benchmarks/asr.py).
    options = VadOptions(threshold=0.25, min_silence_duration_ms=min_silence_ms, speech_pad_ms=100)
    duration = len(samples) / SAMPLE_RATE
    spans: list[Span] = []
    for r in clips_for(regions, duration, float("inf"), merge_gap_s=1.0, pad_s=region_pad_s):
        a = int(r.start_s * SAMPLE_RATE)
        for st in get_speech_timestamps(samples[a : int(r.end_s * SAMPLE_RATE)], options):
            spans.append(Span(r.start_s + st["start"] / SAMPLE_RATE, r.start_s + st["end"] / SAMPLE_RATE))
    return spans
