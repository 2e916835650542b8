"""Character error rate, the accuracy measure for Mandarin ASR."""

from __future__ import annotations

import re

import numpy as np

from .transcribe import to_simplified

_DROP = re.compile(r"[^\u4e00-\u9fff0-9A-Za-z]")


def normalise(text: str) -> str:
    """Simplified characters, no punctuation, speaker tags or spaces; Latin lower-cased."""
    text = re.sub(r"\[S\d\]", "", text)
    return _DROP.sub("", to_simplified(text)).lower()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one numpy row per character of `a`."""
    if not a or not b:
        return max(len(a), len(b))
    bb = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    prev = np.arange(len(b) + 1)
    for i, ch in enumerate(a, start=1):
        sub = prev[:-1] + (bb != ord(ch))
        cur = np.empty_like(prev)
        cur[0] = i
        cur[1:] = np.minimum(sub, prev[1:] + 1)
        # Insertions chain left to right: a running minimum of (cur[j] - j) + j.
        cur = np.minimum.accumulate(cur - np.arange(len(cur))) + np.arange(len(cur))
        prev = cur
    return int(prev[-1])


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of one hypothesis: edits (substitutions, insertions, deletions)
    over the reference's characters, both normalised first (`normalise`). 0.0 is perfect;
    it can exceed 1.0 when the hypothesis is much longer than the reference.
    """
    ref, hyp = normalise(reference), normalise(hypothesis)
    return edit_distance(ref, hyp) / max(1, len(ref))


def corpus_cer(pairs) -> float:
    """CER of a whole corpus of (reference, hypothesis) pairs: all errors over all reference characters."""
    errors = chars = 0
    for reference, hypothesis in pairs:
        ref = normalise(reference)
        errors += edit_distance(ref, normalise(hypothesis))
        chars += len(ref)
    return errors / max(1, chars)
