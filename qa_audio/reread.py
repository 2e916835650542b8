"""Read a number again: the audio of utterances where a personal number is being given,
decoded a second time with a reading of digits as Whisper's prompt.

Without a prompt Whisper writes some readings of digits as other words (六哀悟缴篪，哀悟音悟
for 6259 2515, the real digit voice after 请问您的银行卡号是多少: benchmarks/pii.py --seed
13000), so neither the digits nor their form are there to find. The same model on the same
audio, prompted with a reading (pii.toml [reread]), wrote 六五九七，五一五。九七四… there.
Only utterances in a personal-number context whose text already sounds partly like digits
are read again (pii.number_contexts), each stretch of them once; the new reading replaces
the old only when it holds at least as many digits, so text with digits Whisper wrote stays
unless the new reading has as many. The transcriber's loaded model is reused.
"""

from __future__ import annotations

import hashlib

import numpy as np

from . import pii
from .decode import SAMPLE_RATE, Audio
from .transcribe import Segment, Transcriber, Word, clean, to_simplified, token_budget

# Audio read around a stretch: Whisper's segment times miss the first and last digit's edges
# by up to 0.2-0.3 s (redact.PAD_S). A new word must lie within the stretch by its midpoint:
# prompted, Whisper goes on into the padding (我认识了这些东西 after a reading, --seed 13000).
_PAD_S = 0.3
# Longest stretch read at once: with its padding, within one 30 s Whisper window (28 s was
# transcribe.AsrSettings.chunk_s when this was written; 29.5 s packing plus the padding
# would not fit).
_MAX_S = 28.0


def cache_tag(lexicon: pii.Lexicon | None = None) -> str:
    """8 hex digits naming how numbers are read again (part of the transcript cache key)."""
    lex = lexicon or pii.load_lexicon()
    return hashlib.sha256(f"{lex.reread_prompt}|{lex.reread_share}|{_PAD_S}".encode()).hexdigest()[:8]


def numbers(transcriber: Transcriber, audio: Audio, sides: list[str], segments: list[Segment], lexicon: pii.Lexicon | None = None) -> list[Segment]:
    """The transcript with each stretch of utterances giving a personal number read again,
    where the new reading is better (see the module's doc). `sides` names audio's channels."""
    lex = lexicon or pii.load_lexicon()
    readings = {}
    for group in _stretches(segments, pii.number_contexts(segments, lex)):
        first, last = segments[group[0]], segments[group[-1]]
        channel = sides.index(first.side) if first.side in sides else 0
        readings[tuple(group)] = _read(transcriber, audio, channel, first, last, lex.reread_prompt)
    return splice(segments, readings)


def splice(segments: list[Segment], readings: dict[tuple[int, ...], list[Segment]]) -> list[Segment]:
    """The transcript with each stretch (indices into `segments`) replaced by its new reading
    where that holds at least as many digits (one at least); the other side's segments said
    meanwhile stay."""
    gone: set[int] = set()
    new: list[Segment] = []
    for group, reading in readings.items():
        old_digits = sum(pii.is_digit(c) for i in group for c in segments[i].text)
        if reading and sum(pii.is_digit(c) for s in reading for c in s.text) >= max(1, old_digits):
            gone.update(group)
            new += reading
    return sorted([s for i, s in enumerate(segments) if i not in gone] + new, key=lambda s: (s.start_s, s.side))


def _stretches(segments: list[Segment], chosen: list[int]) -> list[list[int]]:
    """Chosen segments next to each other on one side (no other of its segments between, at
    most pii.JOIN_GAP_S apart, _MAX_S long in all), in call order."""
    order = sorted(range(len(segments)), key=lambda i: (segments[i].side, segments[i].start_s))
    picked = set(chosen)
    out: list[list[int]] = []
    previous = None
    for i in order:
        s = segments[i]
        if i in picked:
            p = segments[previous] if previous is not None else None
            joins = out and previous in picked and p.side == s.side and s.start_s - p.end_s <= pii.JOIN_GAP_S and s.end_s - segments[out[-1][0]].start_s <= _MAX_S
            if joins:
                out[-1].append(i)
            else:
                out.append([i])
        previous = i
    return out


def _read(transcriber: Transcriber, audio: Audio, channel: int, first: Segment, last: Segment, prompt: str) -> list[Segment]:
    """The stretch from `first` to `last` decoded again with `prompt`; [] for a loop (a kept
    loop of 银行卡号十六二。 lost a card number's digits: --seed 11000, G.711)."""
    a = max(0.0, first.start_s - _PAD_S)
    b = min(audio.duration_s, last.end_s + _PAD_S)
    x = np.ascontiguousarray(audio.samples()[channel][int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)], np.float32)
    settings = transcriber.settings
    raw, _ = transcriber.model.transcribe(
        x, language="zh", beam_size=settings.beam_size, temperature=0.0, initial_prompt=prompt,
        condition_on_previous_text=False, word_timestamps=True, vad_filter=False,
        max_new_tokens=token_budget([(a, b)]),
    )
    out = []
    for seg in raw:
        if seg.compression_ratio > settings.compression_max:
            return []
        # Only words said within the stretch: the prompt makes Whisper go on into the next line's edge.
        words = [
            Word(round(a + w.start, 2), round(a + w.end, 2), to_simplified(w.word.replace("\ufffd", "")), round(w.probability, 3))
            for w in seg.words or []
            if first.start_s <= a + (w.start + w.end) / 2 <= last.end_s
        ]
        text = clean("".join(w.text for w in words))
        if words and text:
            out.append(Segment(first.side, words[0].start_s, words[-1].end_s, text, round(seg.avg_logprob, 3), round(seg.no_speech_prob, 3), words, first.role_confidence))
    return out
