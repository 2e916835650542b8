"""Find phrases in a transcript despite ASR errors and paraphrase.

Three levels of match, each with its quality kept as evidence:
exact characters (1.0); same toneless pinyin, i.e. a homophone error, or 您/你 (0.95);
and syllables that differ only by a commonly confused sound, such as zh/z, n/l or -ng/-n
(0.85), allowed for at most a third of a phrase of three or more characters, since on a
short phrase they match too much (理好 is not 你好). Every character must match at some
level, except that a phrase of six or more may lose one, never its first (感谢您的来订 is
感谢您的来电; 问有什么可以帮您 is not 还有什么可以帮您). Matching runs per phrase over all
syllables at once with numpy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import jieba
import numpy as np
from pypinyin import Style, lazy_pinyin

from .transcribe import Segment

jieba.setLogLevel(60)
_KEEP = re.compile(r"[\u4e00-\u9fff0-9A-Za-z]")
HOMOPHONE_QUALITY = 0.95
_LONG_PHRASE = 6
_JOIN_GAP_S = 1.0
LOOSE_QUALITY = 0.85

# Sound pairs that Mandarin speakers and Whisper confuse; each maps to one canonical form.
_LOOSE_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"), ("r", "l"))
# Syllables treated as homophones: the polite and plain "you" are one word to a matcher.
_SAME_SYLLABLE = {"nin": "ni"}
_LOOSE_FINALS = (("ing", "in"), ("eng", "en"), ("ang", "an"), ("ong", "on"))


def loose(syllable: str) -> str:
    s = syllable
    for a, b in _LOOSE_INITIALS:
        if s.startswith(a):
            s = b + s[len(a) :]
            break
    for a, b in _LOOSE_FINALS:
        if s.endswith(a):
            s = s[: -len(a)] + b
            break
    return s


@lru_cache(maxsize=None)
def _pinyin(char: str) -> str:
    syllable = lazy_pinyin(char, style=Style.NORMAL)[0].lower()
    return _SAME_SYLLABLE.get(syllable, syllable)


def normalise(text: str) -> str:
    return "".join(_KEEP.findall(text))


@dataclass(frozen=True)
class Hit:
    """A phrase found in one segment: where, what was said, how well it matched."""

    phrase: str
    side: str
    start_s: float
    end_s: float
    text: str
    matched: str
    quality: float
    segment_index: int
    position: int  # character offset in the indexed transcript


class IndexedTranscript:
    """A transcript prepared once for many phrase look-ups."""

    def __init__(self, segments: list[Segment]):
        self.segments = segments
        self.chars: list[str] = []
        self.seg_of: list[int] = []
        self.times: list[tuple[float, float]] = []
        self.boundary: list[bool] = []  # a jieba word starts at this character
        # Each side's utterances in time order; a phrase may run on into the same side's next
        # utterance after a short pause (VAD cuts 对 | 不起), never across sides or long gaps.
        order = sorted(range(len(segments)), key=lambda k: (segments[k].side, segments[k].start_s))
        for n, i in enumerate(order):
            seg = segments[i]
            text = normalise(seg.text)
            times = _char_times(seg, text)
            starts = set()
            pos = 0
            for word in jieba.cut(text):
                starts.add(pos)
                pos += len(word)
            for j, ch in enumerate(text):
                self.chars.append(ch)
                self.seg_of.append(i)
                self.times.append(times[j])
                self.boundary.append(j in starts)
            nxt = segments[order[n + 1]] if n + 1 < len(order) else None
            if nxt is None or nxt.side != seg.side or nxt.start_s - seg.end_s > _JOIN_GAP_S:
                self.chars.append("|")
                self.seg_of.append(i)
                self.times.append((seg.end_s, seg.end_s))
                self.boundary.append(True)
        vocab: dict[str, int] = {"|": 0}
        syl = [_pinyin(c) if c != "|" else "|" for c in self.chars]
        self._char_ids = np.array([vocab.setdefault("c:" + c, len(vocab)) for c in self.chars], np.int64)
        self._syl_ids = np.array([vocab.setdefault("p:" + s, len(vocab)) if s != "|" else 0 for s in syl], np.int64)
        self._loose_ids = np.array([vocab.setdefault("l:" + loose(s), len(vocab)) if s != "|" else 0 for s in syl], np.int64)
        self._vocab = vocab
        self._boundary = np.array(self.boundary, bool)

    def find(self, phrase: str, fuzzy: bool = True, min_quality: float = 0.8, whole_word: bool = False) -> list[Hit]:
        target = normalise(phrase)
        n = len(target)
        if not n or len(self.chars) < n:
            return []
        syl = [_pinyin(c) for c in target]
        ids = lambda prefix, items: np.array([self._vocab.get(prefix + x, -1) for x in items], np.int64)  # noqa: E731
        view = lambda a: np.lib.stride_tricks.sliding_window_view(a, n)  # noqa: E731
        exact = view(self._char_ids) == ids("c:", target)
        if fuzzy:
            homo = view(self._syl_ids) == ids("p:", syl)
            loos = view(self._loose_ids) == ids("l:", [loose(s) for s in syl])
            score = np.where(exact, 1.0, np.where(homo, HOMOPHONE_QUALITY, np.where(loos, LOOSE_QUALITY, 0.0)))
        else:
            score = exact.astype(float)
        quality = score.mean(axis=1)
        loose_count = (score == LOOSE_QUALITY).sum(axis=1)
        misses = (score == 0).sum(axis=1)
        allowed = (misses == 0) | ((n >= _LONG_PHRASE) & (misses == 1) & (score[:, 0] > 0)) if fuzzy else misses == 0
        ok = allowed & (quality >= (min_quality if fuzzy else 1.0))
        ok &= (loose_count == 0) | ((n >= 3) & (loose_count <= n // 3))
        ok &= ~(view(self._char_ids) == 0).any(axis=1)
        if whole_word:
            ok &= self._boundary[: len(ok)]
            after = np.append(self._boundary[n:], True)[: len(ok)]
            ok &= after
        hits = []
        last_end = -1
        for start in np.flatnonzero(ok):
            if start < last_end:
                continue  # overlapping hit of the same phrase
            last_end = start + n
            seg_i = self.seg_of[start]
            seg = self.segments[seg_i]
            hits.append(
                Hit(
                    phrase, seg.side, self.times[start][0], self.times[start + n - 1][1], seg.text,
                    "".join(self.chars[start : start + n]), round(float(quality[start]), 3), seg_i, int(start),
                )
            )
        return hits


def _char_times(seg: Segment, text: str) -> list[tuple[float, float]]:
    """Per character of the normalised text, its (start, end) in recording time."""
    if seg.words:
        times = []
        for w in seg.words:
            chars = normalise(w.text)
            if not chars:
                continue
            step = (w.end_s - w.start_s) / len(chars)
            times += [(w.start_s + k * step, w.start_s + (k + 1) * step) for k in range(len(chars))]
        if len(times) == len(text):
            return times
    step = (seg.end_s - seg.start_s) / max(1, len(text))
    return [(seg.start_s + k * step, seg.start_s + (k + 1) * step) for k in range(len(text))]
