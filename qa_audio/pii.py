"""Find personal numbers in a transcript: phone, ID card and bank card numbers, codes, passwords.

People read such numbers digit by digit, and Whisper writes them in Chinese numerals (幺三八),
Arabic digits, or a mix, split by spaces, dashes, commas or a pause that starts a new
segment. Every transcript is first read as digit strings (one digit per character; 十/百/千
are quantities and end a string); a string is then personal by its context, the nearest
keyword before it in the conversation on either side (the agent asks 您的手机号是多少, the
customer answers with digits), or without a keyword by its form: a mobile number, a
landline with area code, an 18-digit ID card number with a valid GB 11643 checksum, or a
bank card number that passes the Luhn check. Keywords and placeholders are data
(`pii.toml`).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

from pypinyin import Style, lazy_pinyin
from stdnum import luhn
from stdnum.cn import ric

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PII_FILE = Path(__file__).with_name("pii.toml")

_DIGITS = {**{c: c for c in "0123456789"}, **{chr(0xFF10 + i): str(i) for i in range(10)}}
_DIGITS.update(zip("零〇洞一幺二两兩三四五六七八九", "000112223456789"))
# What may stand between the digits of one number as Whisper writes a reading: spaces,
# dashes, commas, full stops (a pause), and at most this many of them in a row; and one
# misheard character (see _misheard_digit).
_SEPARATORS = set(" \t-‐–—_~,，、.．。·")
_MAX_SEPARATORS = 3
# Segments of one side this close together continue one reading: people pause 0.5-1.5 s
# between the groups of a phone number, and the VAD cuts a segment at 0.3 s of silence.
JOIN_GAP_S = 3.0
# A digit string followed by one of these is a quantity, a date or a time, never a number
# read out (3个工作日, 1380元, 2026年, 12点).
_UNITS = set("元块角分毛万千百亿年月日号个天次岁点楼层室期%％") | {"小时", "分钟", "秒"}
_CURRENCY = set("¥￥$")
_POSITIONAL = set("十百千万亿拾佰仟")
_MOBILE = re.compile(r"(?:86)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"0[1-9]\d{1,2}\d{7,8}")
_BANK_LEADS = "3456"


class Utterance(Protocol):
    """What personal-number search reads of an utterance: side, times (s) and text (a Segment has these)."""

    side: str
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Kind:
    """A kind of personal number in pii.toml: its name, the placeholder it is replaced by,
    the keywords that announce it, and the fewest digits that make one.
    """

    name: str
    placeholder: str
    keywords: tuple[str, ...]
    min_digits: int


@dataclass(frozen=True)
class Lexicon:
    """pii.toml as read: the kinds of personal numbers, the keywords after which a number is
    not personal (amounts, order numbers), and how many characters a keyword reaches.
    """

    kinds: dict[str, Kind]
    not_personal: tuple[str, ...]
    window_chars: int


@dataclass(frozen=True)
class Part:
    """The characters [start, end) of one utterance's text that belong to a personal number."""

    utterance: int
    start: int
    end: int


@dataclass(frozen=True)
class Found:
    """One personal number found: its kind, its digits, and the parts of utterances it was read from."""

    kind: str
    digits: str
    parts: tuple[Part, ...]


@lru_cache(maxsize=4)
def load_lexicon(path: Path = PII_FILE) -> Lexicon:
    """The lexicon in `path` (default: the shipped pii.toml), loaded once per path.

    Raises OSError when it cannot be read, tomllib.TOMLDecodeError or KeyError when it is malformed.
    """
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    kinds = {
        name: Kind(name, spec["placeholder"], tuple(spec["keywords"]), int(spec["min_digits"]))
        for name, spec in raw["kind"].items()
    }
    return Lexicon(kinds, tuple(raw["not_personal"]["keywords"]), int(raw["window_chars"]))


@dataclass(frozen=True)
class _Char:
    utterance: int
    index: int
    digit: str | None  # None: a separator


def is_digit(ch: str) -> bool:
    """A character that can stand for a digit in a number read out (X ends ID card numbers)."""
    return ch in _DIGITS or ch in "Xx"


def to_digits(text: str) -> str:
    """The text with every character that stands for a digit written as an Arabic digit."""
    return "".join(_DIGITS.get(ch, ch) for ch in text)


def form_kind(digits: str) -> str | None:
    """What a digit string is by its form alone, or None."""
    if _MOBILE.fullmatch(digits):
        return "mobile"
    if len(digits) == 18 and ric.is_valid(digits):
        return "id_card"
    if 16 <= len(digits) <= 19 and digits[0] in _BANK_LEADS and luhn.is_valid(digits):
        return "bank_card"
    if _LANDLINE.fullmatch(digits):
        return "landline"
    return None


def find(utterances: Sequence[Utterance], lexicon: Lexicon | None = None) -> list[Found]:
    """Personal numbers in a call's utterances, each with where its characters are."""
    lex = lexicon or load_lexicon()
    call_text, offsets = _call_text(utterances)
    found = []
    for run in _runs(utterances):
        first = run[0]
        context = call_text[max(0, offsets[first.utterance] + first.index - lex.window_chars) : offsets[first.utterance] + first.index]
        if _is_quantity(utterances, run):
            continue
        found += _classify(run, _context_kind(context, lex), lex)
    return found


def find_in_text(text: str, lexicon: Lexicon | None = None) -> list[Found]:
    """The personal numbers in one text (read as one utterance); `lexicon` defaults to the shipped one."""
    return find([_Text(text)], lexicon)


def redact_text(text: str, lexicon: Lexicon | None = None) -> str:
    """The text with every personal number replaced by its kind's placeholder."""
    lex = lexicon or load_lexicon()
    return replace_parts([text], find_in_text(text, lex), lex)[0]


def replace_parts(texts: list[str], found: list[Found], lex: Lexicon) -> list[str]:
    """Each text with the parts of personal numbers in it replaced by placeholders."""
    out = list(texts)
    parts = sorted(((p, f.kind) for f in found for p in f.parts), key=lambda pk: (pk[0].utterance, -pk[0].start))
    for part, kind in parts:
        t = out[part.utterance]
        out[part.utterance] = t[: part.start] + lex.kinds[kind].placeholder + t[part.end :]
    return out


@dataclass
class _Text:
    text: str
    side: str = "any"
    start_s: float = 0.0
    end_s: float = 0.0


def _call_text(utterances: Sequence[Utterance]) -> tuple[str, dict[int, int]]:
    """All utterances in call order, and where each starts: the context of a number."""
    order = sorted(range(len(utterances)), key=lambda i: utterances[i].start_s)
    text, offsets = "", {}
    for i in order:
        offsets[i] = len(text)
        text += utterances[i].text + "|"
    return text, offsets


def _runs(utterances: Sequence[Utterance]) -> list[list[_Char]]:
    """Digit strings per side, continued across that side's segments after short pauses.

    A run is its digits with the separators between them; it starts and ends on a digit.
    """
    runs: list[list[_Char]] = []
    by_side: dict[str, list[int]] = {}
    for i, u in enumerate(utterances):
        by_side.setdefault(u.side, []).append(i)
    for indices in by_side.values():
        indices.sort(key=lambda i: utterances[i].start_s)
        current: list[_Char] = []
        gap = 0
        previous = None
        for i in indices:
            u = utterances[i]
            if previous is not None and u.start_s - utterances[previous].end_s > JOIN_GAP_S:
                runs.append(current)
                current, gap = [], 0
            previous = i
            for j, ch in enumerate(u.text):
                digit = _digit_at(u.text, j, current, gap)
                if digit is not None:
                    current.append(_Char(i, j, digit))
                    gap = 0
                elif ch in _POSITIONAL:
                    # 五十, 三百: the digit before belongs to a quantity, not to a number read out.
                    if current and current[-1] == _Char(i, j - 1, current[-1].digit) and current[-1].digit:
                        current.pop()
                    runs.append(current)
                    current, gap = [], 0
                elif (ch in _SEPARATORS and current and gap < _MAX_SEPARATORS) or _misheard_digit(u.text, j, current):
                    current.append(_Char(i, j, None))
                    gap += 1
                else:
                    runs.append(current)
                    current, gap = [], 0
            if current:
                gap = 0  # a segment boundary inside a reading is a pause, not a separator
        runs.append(current)
    return [_trim(r) for r in runs if _digit_count(r)]


def _digit_at(text: str, j: int, current: list[_Char], gap: int) -> str | None:
    """The digit character j of the text stands for, if any. X ends an 18-digit ID card
    number; a Chinese numeral alone before a word is a word (一共, 一下, 一直), not a digit."""
    ch = text[j]
    if ch in "Xx":
        return "X" if _digit_count(current) == 17 and gap == 0 else None
    digit = _DIGITS.get(ch)
    if digit is None or ch in "0123456789" or (j and text[j - 1] in _DIGITS):
        return digit
    after = text[j + 1 : j + 2]
    word = bool(after) and _is_han(after) and after not in _DIGITS and after not in _POSITIONAL and text[j + 2 : j + 3] not in _DIGITS
    return None if word else digit


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _misheard_digit(text: str, j: int, current: list[_Char]) -> bool:
    """One character between two digits is taken for a misheard digit (31名1名4: 零 heard as 名;
    六二三九只，…), so the string is not cut in two; never a unit (3月5日, 2026年11月)."""
    return (
        bool(current) and current[-1].digit is not None and _is_han(text[j]) and text[j] not in _UNITS and text[j] not in _POSITIONAL
        and text[j + 1 : j + 3].lstrip("".join(_SEPARATORS))[:1] in _DIGITS
    )


def _digit_count(run: list[_Char]) -> int:
    return sum(c.digit is not None for c in run)


def _trim(run: list[_Char]) -> list[_Char]:
    while run[-1].digit is None:
        run = run[:-1]
    return run


def _is_quantity(utterances: Sequence[Utterance], run: list[_Char]) -> bool:
    first, last = run[0], run[-1]
    after = utterances[last.utterance].text[last.index + 1 :].lstrip()
    before = utterances[first.utterance].text[: first.index].rstrip()
    return any(after.startswith(u) for u in _UNITS) or (bool(before) and before[-1] in _CURRENCY)


def _context_kind(context: str, lex: Lexicon) -> str | None:
    """The kind named by the nearest keyword (ending last, then longest); "" if not personal.

    Keywords are matched by their toneless pinyin: Whisper writes 身份正 for 身份证 on G.711.
    """
    best = None  # (end, length, kind)
    heard = [_syllable(c) for c in context]
    candidates = [(k.name, w) for k in lex.kinds.values() for w in k.keywords] + [("", w) for w in lex.not_personal]
    for kind, word in candidates:
        end = _last_end(heard, [_syllable(c) for c in word])
        if end is not None:
            key = (end, len(word), kind)
            if best is None or key[:2] > best[:2]:
                best = key
    return None if best is None else best[2]


@lru_cache(maxsize=None)
def _syllable(ch: str) -> str:
    return lazy_pinyin(ch, style=Style.NORMAL)[0] if _is_han(ch) else ch


def _last_end(heard: list[str], word: list[str]) -> int | None:
    n = len(word)
    for end in range(len(heard), n - 1, -1):
        if heard[end - n : end] == word:
            return end
    return None


def _classify(run: list[_Char], context: str | None, lex: Lexicon) -> list[Found]:
    digits = "".join(c.digit for c in run if c.digit)
    if context == "":
        return []
    if context is not None:
        kind = lex.kinds[context]
        if len(digits) < kind.min_digits:
            return []
        by_form = form_kind(digits)
        # A number the form recognises keeps its own kind (a mobile given after 联系方式 or 账号).
        final = by_form if by_form and context in ("mobile", "landline", "id_card", "bank_card") else context
        return [Found(final, digits, _parts(run))]
    return [Found(k, d, _parts(sub)) for sub, d, k in _by_form(run)]


def _by_form(run: list[_Char]) -> list[tuple[list[_Char], str, str]]:
    """Without a keyword: the longest stretches of whole digit groups that have a known form."""
    groups: list[list[_Char]] = []
    for prev, c in zip([None, *run], run):
        if c.digit is None:
            continue
        if prev is None or prev.digit is None or prev.utterance != c.utterance:
            groups.append([c])
        else:
            groups[-1].append(c)
    out, i = [], 0
    while i < len(groups):
        for j in range(len(groups), i, -1):
            chars = run[run.index(groups[i][0]) : run.index(groups[j - 1][-1]) + 1]
            digits = "".join(c.digit for c in chars if c.digit)
            kind = form_kind(digits)
            if kind:
                out.append((chars, digits, kind))
                i = j
                break
        else:
            i += 1
    return out


def _parts(run: list[_Char]) -> tuple[Part, ...]:
    parts: dict[int, list[int]] = {}
    for c in run:
        parts.setdefault(c.utterance, []).append(c.index)
    return tuple(Part(u, min(ix), max(ix) + 1) for u, ix in parts.items())
