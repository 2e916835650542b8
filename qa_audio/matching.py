"""Find phrases in a transcript despite ASR errors and paraphrase.

Three levels of match, each with its quality kept as evidence:
exact characters (1.0); same toneless pinyin, i.e. a homophone error, or 您/你 (0.95);
and syllables that differ by a confused sound (0.85): the sound pairs every Mandarin
speaker knows (zh/z, n/l, -ng/-n), and those whisper-base was measured to write for the
sound said (qa_audio/confusions.py: 贺福中心 for 客服中心, k heard as h). Confused sounds are
allowed for at most a third of a phrase of three or more characters, since on a short
phrase they match too much (理好 is not 你好); the learned ones can be turned off per
condition (forbidden phrases keep the strict matcher). Every character must match at some
level, except that a phrase of six or more may lose one, never its first (感谢您的来订 is
感谢您的来电; 问有什么可以帮您 is not 还有什么可以帮您). Matching runs per phrase over all
syllables at once with numpy.

A phrase may be a template with slots whose words vary: `您好{org}` (a short name ending in
中心 / 公司 / 部 / 热线 ...), `我是{name}`, `工号{digits}` (Chinese numerals or digits). An
alternative `？` stands for the question mark Whisper writes at the end of a clause it heard
asked (`{吗|呢|？}`): the sentence-final particle is the syllable it loses or mishears most
(还需要帮您查点别的什么买? on the third blind split, five calls in 100).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

import jieba
import numpy as np
from pypinyin import Style, lazy_pinyin

from . import confusions
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
    """A toneless pinyin syllable with the sounds speakers and Whisper confuse folded
    together (zh/z, ch/c, sh/s, l/n, r/l initials; -ing/-in, -eng/-en, -ang/-an, -ong/-on
    finals): `loose("zhong") == loose("zon")`.
    """
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
    """The text's Chinese characters, digits and Latin letters only: no punctuation, no spaces."""
    return "".join(_KEEP.findall(text))


def syllables(text: str) -> list[str]:
    """Toneless pinyin per character of normalised text (您 as 你)."""
    return [_pinyin(c) for c in normalise(text)]


_CLAUSE_END = re.compile(r"[，。！？；、,.!?;:：\s]")
# Written in a template's alternatives for "the clause ends in a question mark here".
QUESTION_MARK = "？"
_QUESTION_MARKS = "？?"
_HANZI = "\u4e00-\u9fff"
_DIGIT_CHARS = "0-9零〇一二三四五六七八九十百千幺两"
# Slots of phrase templates: (fewest, most characters, characters allowed, endings). A name
# of an organisation ends in a word that says what it is; the widest names in the manuals'
# openings (售后服务, 网上营业厅) are under eight characters.
_ORG_ENDINGS = ("中心", "公司", "部门", "部", "热线", "服务台", "营业厅", "客服", "售后")
_SLOTS = {
    "org": (1, 8, _HANZI, _ORG_ENDINGS),
    "name": (1, 4, _HANZI, ()),
    "digits": (1, 12, _DIGIT_CHARS, ()),
}
# A part in braces: a slot ({org}), a gap of up to N words of any kind in the clause
# ({gap:N}; rules.load writes the pack's template_gap_chars into a bare {gap}), or words
# that may stand there ({还有|其他|别的}; rules.load writes a {@collection} so).
_SLOT = re.compile(r"\{([^{}]*)\}")
_GAP = re.compile(r"gap:(\d+)")
# A-not-A asks, it does not deny: 你到底有没有在听 is a reproach, 是不是 a question.
_A_NOT_A = re.compile(r"(.)[不没]\1")


# Contrast words end a negator's scope (但是 asserts what follows), and 不过 is one, not a 不.
_CONTRAST = ("但是", "但", "不过", "可是", "然而")
# A negated modal denies the verb phrase it governs, however long (没办法给您百分之百的保证).
# 不用 / 不会 are left out: 不用担心我保证 and 我不会让您失望我保证 are promises.
_MODALS = ("能", "敢", "办法", "法", "可以", "可能")


def template_parts(phrase: str) -> list[str]:
    """A template as its literal words and {braced} parts; a plain phrase is one literal part."""
    return [p for p in re.split(r"(\{[^{}]*\})", phrase) if p]


def is_template(phrase: str) -> bool:
    """Whether the phrase has a {braced} part (a slot, a gap or alternatives)."""
    return any(_SLOT.fullmatch(p) for p in template_parts(phrase))


def _kind(part: str) -> str:
    """'words' (a literal or {a|b} alternatives), 'slot', 'gap' or 'unknown'."""
    m = _SLOT.fullmatch(part)
    if m is None or "|" in m.group(1):
        return "words"
    if m.group(1) in _SLOTS:
        return "slot"
    return "gap" if _GAP.fullmatch(m.group(1)) else "unknown"


def _words(part: str) -> tuple[str, ...]:
    """The phrases that may stand for a words part."""
    m = _SLOT.fullmatch(part)
    return tuple(w for w in m.group(1).split("|")) if m else (part,)


def template_error(phrase: str) -> str | None:
    """Why a phrase is not a usable template, or None."""
    parts = template_parts(phrase)
    if not is_template(phrase):
        return None if "{" not in phrase and "}" not in phrase else "unbalanced braces"
    kinds = [_kind(p) for p in parts]
    for p, k in zip(parts, kinds):
        if k == "unknown":
            return f"unknown slot '{p}' (known: {', '.join('{' + k + '}' for k in _SLOTS)}, {{gap}}, {{@collection}}, {{a|b}})"
        if k == "words" and not all(normalise(w) or (w == QUESTION_MARK and p is not parts[0]) for w in _words(p)):
            return f"'{p}': every alternative must hold words"
    if kinds[0] != "words" or QUESTION_MARK in _words(parts[0]):
        return "a template must start with words, e.g. 您好{org}"
    if sum(min(len(normalise(w)) for w in _words(p)) for p, k in zip(parts, kinds) if k == "words") < 2:
        return "a template needs at least two characters of words"
    if any(a != "words" and b != "words" for a, b in zip(kinds, kinds[1:])):
        return "two slots in a row cannot be told apart"
    if kinds[-1] == "gap":
        return "a template cannot end with a {gap}"
    return None


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
    # What a template's {gap}s took (您没有填错: 没有): a negator there denies the words too.
    gaps: str = ""


class IndexedTranscript:
    """A transcript prepared once for many phrase look-ups."""

    def __init__(self, segments: list[Segment]):
        self.segments = segments
        self.chars: list[str] = []
        self.seg_of: list[int] = []
        self.times: list[tuple[float, float]] = []
        self.boundary: list[bool] = []  # a jieba word starts at this character
        self.clause: list[int] = []  # clauses (between punctuation) numbered through the transcript
        self.asks: list[bool] = []  # the character ends a clause written with a question mark
        # Each side's utterances in time order; a phrase may run on into the same side's next
        # utterance after a short pause (VAD cuts 对 | 不起), never across sides or long gaps.
        order = sorted(range(len(segments)), key=lambda k: (segments[k].side, segments[k].start_s))
        for n, i in enumerate(order):
            seg = segments[i]
            text = normalise(seg.text)
            times = _char_times(seg, text)
            clauses, asks = _clauses(seg.text, base=max(self.clause, default=0) + 1)
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
                self.clause.append(clauses[j])
                self.asks.append(asks[j])
            nxt = segments[order[n + 1]] if n + 1 < len(order) else None
            # The other party's words in the pause end the utterance: a phrase is never
            # assembled across their turn (我向您承诺 | 嗯 | 今天之内一定给您办好).
            if nxt is None or nxt.side != seg.side or nxt.start_s - seg.end_s > _JOIN_GAP_S or any(
                o.side != seg.side and o.start_s < nxt.start_s and o.end_s > seg.end_s for o in segments
            ):
                self.chars.append("|")
                self.seg_of.append(i)
                self.times.append((seg.end_s, seg.end_s))
                self.boundary.append(True)
                self.clause.append(-1)
                self.asks.append(False)
        vocab: dict[str, int] = {"|": 0}
        syl = [_pinyin(c) if c != "|" else "|" for c in self.chars]
        self._char_ids = np.array([vocab.setdefault("c:" + c, len(vocab)) for c in self.chars], np.int64)
        self._syl_ids = np.array([vocab.setdefault("p:" + s, len(vocab)) if s != "|" else 0 for s in syl], np.int64)
        self._loose_ids = np.array([vocab.setdefault("l:" + loose(s), len(vocab)) if s != "|" else 0 for s in syl], np.int64)
        self._vocab = vocab
        self._syllables = sorted({x for x in syl if x != "|"})
        self._boundary = np.array(self.boundary, bool)

    def _learned_ids(self, said: str, table: confusions.Confusions) -> list[int]:
        """Vocabulary ids of the transcript's syllables that the recogniser writes for `said`."""
        return [self._vocab["p:" + h] for h in self._syllables if table.accepts(said, h)]

    def negated(self, hit: Hit, negators: tuple[str, ...], window: int = 4) -> bool:
        """The words are denied, not said: a negator word ends in the `window` characters
        before the hit (不能保证, 这不怪您), or a negated modal (没办法, 不能, 无法, 不敢: a
        negator then 能/敢/办法/法/可以/可能) stands anywhere before it in its clause, since
        it denies the whole verb phrase it governs (我没办法给您百分之百的保证: 没 is ten
        characters before 保证), or a negator is in a gap of the template it matched
        (您没有填错). The clause ends at punctuation, an utterance's end, or a contrast
        word (但是 / 不过 ...): what follows 但是 is asserted again (不能说肯定，但是我保证).
        In a question (a question mark, or 吗 / 嘛 at the clause's end) 不是 asks the words
        back, it does not deny them (我刚才不是说得很清楚了吗 is blame: ninth blind split, 2 of
        3 blaming lines missed without this)."""
        start = hit.position
        lo, hi = self._clause_span(start)
        clause = "".join(self.chars[lo:start])
        cut = max((clause.rfind(w) + len(w) for w in _CONTRAST if w in clause), default=0)
        # A-not-A (有没有) asks, it does not deny: blanked, keeping the distances.
        blank = lambda text: _A_NOT_A.sub(lambda m: " " * len(m.group(0)), text)  # noqa: E731
        scope, gaps = blank(clause[cut:]), blank(hit.gaps)
        if "不是" in scope and (self.asks[hi] or self.chars[hi] in "吗嘛"):
            scope = scope.replace("不是", "  ")
        near = scope[max(0, len(scope) - window) :] if window else ""
        return any(neg in near or neg in gaps or any(neg + m in scope for m in _MODALS) for neg in negators)

    def _clause_span(self, i: int) -> tuple[int, int]:
        """The first and last character index of the clause character `i` is in."""
        lo, hi = i, i
        while lo > 0 and self.clause[lo - 1] == self.clause[i]:
            lo -= 1
        while hi + 1 < len(self.chars) and self.clause[hi + 1] == self.clause[i]:
            hi += 1
        return lo, hi

    def find(self, phrase: str, fuzzy: bool = True, min_quality: float = 0.8, whole_word: bool = False, learned: bool = True) -> list[Hit]:
        """Hits of a phrase or template; `learned` adds the measured ASR confusions to fuzzy matching."""
        if is_template(phrase):
            return self._find_template(phrase, template_parts(phrase), fuzzy, min_quality, learned)
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
            if learned:
                table = confusions.load()
                syl_view = view(self._syl_ids)
                loos |= np.stack([np.isin(syl_view[:, k], self._learned_ids(x, table)) for k, x in enumerate(syl)], axis=1)
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

    def covered(self, hit: Hit, others: list[Hit]) -> bool:
        """Some hit of `others` shares characters with `hit` (没办法 inside 没办法给您百分之百的保证)."""
        end = hit.position + len(hit.matched)
        return any(o.position < end and hit.position < o.position + len(o.matched) for o in others)

    def near(self, a: list[Hit], b: list[Hit], within_chars: int, ordered: bool = False) -> list[tuple[Hit, Hit]]:
        """Pairs of hits in one utterance at most `within_chars` apart (`ordered`: b after a)."""
        apart = lambda x, y: y.position - x.position if ordered else abs(x.position - y.position)  # noqa: E731
        return [(x, y) for x in a for y in b if x.segment_index == y.segment_index and 0 <= apart(x, y) <= within_chars]

    def _find_template(self, phrase: str, parts: list[str], fuzzy: bool, min_quality: float, learned: bool) -> list[Hit]:
        """Words parts matched as phrases, one after another; a slot between them takes the
        characters of its kind (and, for {org}, one of the endings), a gap up to N
        characters of its clause. Every alternative of a words part is tried where it
        matches ({我|我们}{gap:2}不负责 in 我们这儿不负责 needs 我们, not the 我 found at the same
        place); each hit is the best-matching way through from one start."""
        found: dict[str, dict[int, Hit]] = {}

        def words_at(words: tuple[str, ...]) -> dict[int, dict[int, Hit]]:
            """Start position -> matched length -> the best hit of an alternative there."""
            out: dict[int, dict[int, Hit]] = {}
            for w in words:
                if w not in found:
                    found[w] = {h.position: h for h in self.find(w, fuzzy, min_quality, learned=learned)}
                for pos, h in found[w].items():
                    at = out.setdefault(pos, {})
                    n = len(h.matched)
                    if n not in at or h.quality > at[n].quality:
                        at[n] = h
            return out

        score = lambda scored: sum(q * n for q, n, _ in scored) / sum(n for _, n, _ in scored)  # noqa: E731
        hits = []
        for pos, firsts in sorted(words_at(_words(parts[0])).items()):
            # state: end position -> (quality, characters, gap text) of the parts matched so far
            states = {pos + n: [(h.quality, n, "")] for n, h in firsts.items()}
            for part in parts[1:]:
                states = self._step(part, states, words_at, score)
                if not states:
                    break
            else:
                # The best-matching way, and of equally good ones the nearest (fewest gap
                # characters): 你到底懂不懂 is 你到底…懂 with an empty gap, not with 懂不 in it,
                # which would read as denied.
                end, scored = max(states.items(), key=lambda item: (score(item[1]), -sum(len(g) for _, _, g in item[1]), item[0]))
                first = next(iter(firsts.values()))
                hits.append(replace(
                    first, phrase=phrase, end_s=self.times[end - 1][1], matched="".join(self.chars[pos:end]),
                    quality=round(score(scored), 3), gaps="".join(g for _, _, g in scored),
                ))
        return hits

    def _step(self, part: str, states: dict, words_at, score) -> dict:
        """The states reached from `states` over one part of a template; where two ways
        reach one end, the better-matching one is kept."""
        out: dict[int, list] = {}

        def reach(end: int, scored: list) -> None:
            if end not in out or score(scored) > score(out[end]):
                out[end] = scored

        kind = _kind(part)
        if kind == "words":
            alternatives = _words(part)
            # Where each alternative's words stand, found once for every state of this step.
            starts = words_at(tuple(w for w in alternatives if w != QUESTION_MARK))
            asked = QUESTION_MARK in alternatives
        for pos, scored in states.items():
            if kind == "words":
                for n, nxt in starts.get(pos, {}).items():
                    reach(pos + n, scored + [(nxt.quality, n, "")])
                if asked and self.asks[pos - 1]:
                    reach(pos, scored)
                continue
            if kind == "gap":
                width = int(_GAP.fullmatch(part[1:-1]).group(1))
                run = 0
                while run < width and pos + run < len(self.chars) and self.chars[pos + run] != "|" and self.clause[pos + run] == self.clause[pos - 1]:
                    run += 1
                # what follows the gap starts in the gap's clause, or is the question mark
                # that ends it
                for k in range(run + 1):
                    if (pos + k < len(self.chars) and self.clause[pos + k] == self.clause[pos - 1]) or (k == run and self.asks[pos + k - 1]):
                        reach(pos + k, scored + [(0.0, 0, "".join(self.chars[pos : pos + k]))])
                continue
            lo, hi, chars, endings = _SLOTS[part[1:-1]]
            run = 0
            while run < hi and pos + run < len(self.chars) and re.fullmatch(f"[{chars}]", self.chars[pos + run]):
                run += 1
            if not endings:
                for k in range(lo, run + 1):
                    reach(pos + k, scored)
                continue
            ends = words_at(endings)
            for k in range(lo, run + 1):
                if pos + k in ends:
                    for n, h in ends[pos + k].items():
                        reach(pos + k + n, scored + [(h.quality, n, "")])
                    break
        return out


def _clauses(text: str, base: int) -> tuple[list[int], list[bool]]:
    """Per character of the normalised text, the number of its clause (punctuation splits) and
    whether a question mark ends that clause right after it."""
    numbers: list[int] = []
    asks: list[bool] = []
    clause = base
    for ch in text:
        if _CLAUSE_END.match(ch):
            clause += 1
            if ch in _QUESTION_MARKS and asks:
                asks[-1] = True
        elif _KEEP.match(ch):
            numbers.append(clause)
            asks.append(False)
    return numbers, asks


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
