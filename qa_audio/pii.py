"""Find personal numbers in a transcript: phone, ID card and bank card numbers, codes, passwords.

People read such numbers digit by digit, and Whisper writes them in Chinese numerals (幺三八),
Arabic digits, or a mix, split by spaces, dashes, commas or a pause that starts a new
segment. Every transcript is first read as digit strings (one digit per character; 十/百/千
are quantities and end a string); a string is then personal by its context, the nearest
keyword before it in the conversation on either side (the agent asks 您的手机号是多少, the
customer answers with digits), or without a keyword by its form: a mobile number, a
landline with area code, an 18-digit ID card number with a valid GB 11643 checksum, or a
bank card number that passes the Luhn check. The answer to a request for a number in
which Whisper wrote no number is redacted whole (see _cued_answers). Keywords, placeholders,
the answer rule's words and the characters that sound like digits are data (`pii.toml`).
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

from .timeline import AGENT

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
# A digit string starting the side's next utterance this soon after a personal number goes
# on with it (see _continued): redact.UNHEARD_AFTER_S, the speech after a number toned out.
CONTINUED_S = 10.0
# A digit string followed by one of these is a quantity, a date or a time, never a number
# read out (3个工作日, 1380元, 2026年, 12点).
# 次 is not one: Whisper writes 四 so in readings (625次 | 568次 for 6254 5684, seeds 5000
# and 9000 of benchmarks/pii.py); it is a homophone of 四 in pii.toml, and 三次 has too few
# digits to be a number anyway.
_UNITS = set("元块角分毛万千百亿年月日号个天岁点楼层室期%％") | {"小时", "分钟", "秒"}
_CURRENCY = set("¥￥$")
_POSITIONAL = set("十百千万亿拾佰仟")
# Digits said one by one before a 十/百/千 that make it a misheard digit, not a quantity: a
# quantity has at most two digits before its first 十/百/千 (九十二, 两百九十九, 一千三百八十).
_READING_DIGITS = 3
_MOBILE = re.compile(r"(?:86)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"0[1-9]\d{1,2}\d{7,8}")
_BANK_LEADS = "3456"


# The kind of a long digit string with no keyword before it and no known form (a code
# whose keyword ASR garbled: 验证码 heard as 愿众马, 驻驻马, 玄舟马 on composed calls).
UNNAMED = "number"
# A personal kind's keyword this long or longer is still found with one syllable misheard.
_NEAR_KEYWORD_CHARS = 3


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
    no_number: tuple[str, ...]  # what an answer to a request for a number says when it gives none
    asking: tuple[str, ...]  # words of a cue that asks for or announces a number
    homophones: dict[str, str]  # a character Whisper writes for a digit said alone -> the digit
    digit_sound_share: float  # of an answer's characters, to be taken for a number written as words
    cue_tail_chars: int
    answer_within_s: float
    reread_prompt: str  # a reading of digits, Whisper's prompt when a number is read again (reread.py)
    reread_share: float  # of an utterance's characters sounding like digits, to be read again


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
    answers = raw["answers"]
    return Lexicon(
        kinds=kinds,
        not_personal=tuple(raw["not_personal"]["keywords"]),
        window_chars=int(raw["window_chars"]),
        no_number=tuple(answers["no_number"]),
        asking=tuple(answers["asking"]),
        homophones={ch: digit for digit, chars in raw["homophones"].items() for ch in chars},
        cue_tail_chars=int(answers["cue_tail_chars"]),
        answer_within_s=float(answers["answer_within_s"]),
        digit_sound_share=float(answers["digit_sound_share"]),
        reread_prompt=str(raw["reread"]["prompt"]),
        reread_share=float(raw["reread"]["digit_sound_share"]),
    )


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
    """Personal numbers in a call's utterances, each with where its characters are; and the
    answers to a request for a number that hold no number Whisper wrote as digits."""
    lex = lexicon or load_lexicon()
    call_text, offsets = _call_text(utterances)
    before = _side_before(utterances)
    found: list[Found] = []
    for run in _runs(utterances, lex.homophones):
        first = run[0]
        context = call_text[max(0, offsets[first.utterance] + first.index - lex.window_chars) : offsets[first.utterance] + first.index]
        run = _without_quantity(utterances, run)
        if run:
            kind = _context_kind(context, lex)
            if kind is None:
                kind = _continued(utterances, first, before.get(first.utterance), found)
            found += _classify(run, kind, lex, utterances[first.utterance].side)
    return found + _cued_answers(utterances, found, lex)


def _side_before(utterances: Sequence[Utterance]) -> dict[int, int]:
    """Each utterance's side's utterance before it."""
    out, last = {}, {}
    for i in sorted(range(len(utterances)), key=lambda i: utterances[i].start_s):
        if utterances[i].side in last:
            out[i] = last[utterances[i].side]
        last[utterances[i].side] = i
    return out


def _continued(utterances: Sequence[Utterance], first: _Char, before: int | None, found: list[Found]) -> str | None:
    """The kind of the personal number a digit string goes on with, or None: it starts its
    utterance, and the side's utterance before it, at most CONTINUED_S earlier, ended in one.
    A reading's groups Whisper left out between (toned out as unheard) are no words of the
    side; the last group alone, far from its keyword, is still that number
    (请您提供一下身份证号码。| 1,9,7,4,0,6,2,4,7,8,0,4, | 9.8 s | 一三五零: benchmarks/pii.py --seed 9000, G.711)."""
    u = utterances[first.utterance]
    if before is None or u.text[: first.index].strip("".join(_SEPARATORS)) or u.start_s - utterances[before].end_s > CONTINUED_S:
        return None
    return next((f.kind for f in reversed(found) if f.parts[-1].utterance == before), None)


def personal_kind(text: str, lexicon: Lexicon | None = None) -> str | None:
    """The kind of personal number the text's last keyword names (身份正 too), or None."""
    return _context_kind(text, lexicon or load_lexicon()) or None


def cues(utterances: Sequence[Utterance], lex: Lexicon) -> list[tuple[int, str]]:
    """The utterances that end asking for or announcing a personal number (请问您的手机号码是多少？,
    我的身份证号码是), with its kind: the keyword at most `cue_tail_chars` before the end, and
    an asking word near it (我打了三次电话 names a phone but asks for no number)."""
    out = []
    for i, u in enumerate(utterances):
        text = u.text.rstrip("".join(_SEPARATORS) + "?？!！")
        kind = _context_kind(text, lex, within=lex.cue_tail_chars)
        if kind and any(w in text[-lex.window_chars :] for w in lex.asking):
            out.append((i, kind))
    return out


def number_contexts(utterances: Sequence[Utterance], lexicon: Lexicon | None = None) -> list[int]:
    """The utterances in which a personal number is being given, to be read again: the
    nearest keyword before their end (in them, or within `window_chars` before them) names a kind, and at least `reread_share` of their characters sound like a
    digit said alone (digits, numerals, [homophones]), unless it plainly gives none (see
    _says_no_number: prompted with digits, Whisper made 四，一二三，一二 of 我买了三个 after a
    password, benchmarks/pii.py --seed 13000, G.711)."""
    lex = lexicon or load_lexicon()
    call_text, offsets = _call_text(utterances)
    return [
        i for i, u in enumerate(utterances)
        if _digit_sound_share(u.text, lex) >= lex.reread_share and not _says_no_number(u.text, lex) and _context_kind(call_text[max(0, offsets[i] - lex.window_chars) : offsets[i]] + u.text, lex)
    ]


def _cued_answers(utterances: Sequence[Utterance], found: list[Found], lex: Lexicon) -> list[Found]:
    """Answers to a cue, redacted whole when Whisper wrote no number in them.

    The customer's answer to 您的手机号是多少 (or what follows 我的身份证号码是) that holds no
    personal number found is taken for the number Whisper did not write as digits (要散吧，
    以而散思) when most of it sounds like digits said alone, unless it is plainly no number:
    it says so (稍等, 不记得, 没带), names what is not personal, or holds a quantity (三个工作日).
    """
    placeholders = [k.placeholder for k in lex.kinds.values()]
    # Answered with a number: found here, or redacted before (the transcript cache).
    taken = {p.utterance for f in found for p in f.parts} | {i for i, u in enumerate(utterances) if any(p in u.text for p in placeholders)}
    out = []
    for cue, kind in cues(utterances, lex):
        side = "customer" if utterances[cue].side == "agent" else utterances[cue].side
        for i in _answer(utterances, cue, side, lex):
            if i in taken:
                break
            taken.add(i)
            out.append(Found(kind, "", (Part(i, 0, len(utterances[i].text)),)))
    return out


def _answer(utterances: Sequence[Utterance], cue: int, side: str, lex: Lexicon) -> list[int]:
    """The utterances of `side` that answer the cue: the first one starting within
    `answer_within_s` of its end, and those continuing it after short pauses; up to the first
    that is plainly no number."""
    after = sorted((i for i, u in enumerate(utterances) if u.side == side and u.start_s >= utterances[cue].start_s and i != cue), key=lambda i: utterances[i].start_s)
    out: list[int] = []
    end = utterances[cue].end_s + lex.answer_within_s
    for i in after:
        u = utterances[i]
        if u.start_s > end or _no_number(u.text, lex):
            break
        out.append(i)
        end = u.end_s + JOIN_GAP_S
    return out


def _no_number(text: str, lex: Lexicon) -> bool:
    return _digit_sound_share(text, lex) < lex.digit_sound_share or _says_no_number(text, lex)


def _says_no_number(text: str, lex: Lexicon) -> bool:
    """The text plainly gives no personal number: it says so (稍等, 不记得), names what is not
    personal, or holds a quantity."""
    heard = _heard(text)
    said = lambda w: _last_end(heard, [_syllable(c) for c in w]) is not None  # noqa: E731
    return (
        any(said(w) for w in lex.no_number + lex.not_personal)
        or any(ch in _POSITIONAL for ch in text)  # 二十分钟, 两百九十九: a quantity
        or any(_is_quantity([_Text(text)], r) for r in _runs([_Text(text)], lex.homophones))
        or any(ch in _DIGITS and any(text.startswith(u, j + 1) for u in _UNITS) for j, ch in enumerate(text))  # 三个: a numeral alone is no run
    )


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


def _runs(utterances: Sequence[Utterance], homophones: dict[str, str]) -> list[list[_Char]]:
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
                digit = _digit_at(u.text, j, current, gap) or _homophone(u.text, j, current, i, homophones)
                if digit is not None:
                    current.append(_Char(i, j, digit))
                    gap = 0
                elif (ch in _SEPARATORS or _misheard_digit(u.text, j, current)) and current and gap < _MAX_SEPARATORS:
                    current.append(_Char(i, j, None))
                    gap += 1
                elif ch in _POSITIONAL:
                    # 五十, 三百: the digit before belongs to a quantity, not to a number read out.
                    if current and current[-1] == _Char(i, j - 1, current[-1].digit) and current[-1].digit:
                        current.pop()
                    runs.append(current)
                    current, gap = [], 0
                else:
                    runs.append(current)
                    current, gap = [], 0
            if current:
                gap = 0  # a segment boundary inside a reading is a pause, not a separator
        runs.append(current)
    return [_trim(r) for r in runs if _digit_count(r)]


def _digit_at(text: str, j: int, current: list[_Char], gap: int) -> str | None:
    """The digit character j of the text stands for, if any. X ends an 18-digit ID card
    number; a Chinese numeral alone before a word is a word (一共, 一下, 一直), not a digit;
    after digits too for 一, the numeral of most words (a reading that runs on into
    一共是两百九十九块钱 in one segment took the 一 of 一共: benchmarks/pii.py --seed 5000)."""
    ch = text[j]
    if ch in "Xx":
        return "X" if _digit_count(current) == 17 and gap == 0 else None
    digit = _DIGITS.get(ch)
    if digit is None or ch in "0123456789" or (j and text[j - 1] in _DIGITS and ch != "一"):
        return digit
    after = text[j + 1 : j + 2]
    word = bool(after) and _is_han(after) and after not in _DIGITS and after not in _POSITIONAL and text[j + 2 : j + 3] not in _DIGITS
    return None if word else digit


def _homophone(text: str, j: int, current: list[_Char], utterance: int, homophones: dict[str, str]) -> str | None:
    """The digit a character that sounds like one stands for, inside a reading only: right
    after a digit and before another (一三八衣二三四, 四五衣儿三: other such characters between),
    or starting a phrase before two digits (，要三八 for 幺三八)."""
    digit = homophones.get(text[j])
    if digit is None:
        return None
    after = text[j + 1 : j + 4].lstrip("".join(homophones))
    last = current[-1] if current else None
    if last is not None and last.digit is not None and (last.utterance, last.index) == (utterance, j - 1):
        return digit if after[:1] in _DIGITS else None
    starts = j == 0 or text[j - 1] in _SEPARATORS
    return digit if starts and len(text) > j + 2 and text[j + 1] in _DIGITS and text[j + 2] in _DIGITS else None


def _digit_sound_share(text: str, lex: Lexicon) -> float:
    """The share of the text's characters (Han or digits) that sound like a digit said alone."""
    sounds = _digit_syllables(tuple(sorted(lex.homophones)))
    chars = [c for c in text if _is_han(c) or c in _DIGITS]
    return sum(c in _DIGITS or _syllable(c) in sounds for c in chars) / len(chars) if chars else 0.0


@lru_cache(maxsize=4)
def _digit_syllables(homophones: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_syllable(c) for c in (*_DIGITS, *homophones) if _is_han(c))


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _misheard_digit(text: str, j: int, current: list[_Char]) -> bool:
    """One character between two digits is taken for a misheard digit (31名1名4: 零 heard as 名;
    六二三九只，…), so the string is not cut in two; at the end of an utterance too, where the
    side's next utterance may go on (银行卡号16案 | 银2、银2、银3…: benchmarks/pii.py, G.711;
    a run ends on a digit, so it is dropped when nothing follows). Never a unit (3月5日,
    2026年11月). Nor
    十/百/千, unless _READING_DIGITS digits of the reading came before, in this utterance or
    the ones it continues: no quantity is said so (Whisper wrote 一七四零零零六九十二二一 for
    17401069221, --seed 5000; 六二一一 | 九十七九十三 | 五三四五三 | 九十五二一 for 6211 9793 5343
    9521, --seed 13000, of benchmarks/pii.py)."""
    ch = text[j]
    after = text[j + 1 :].lstrip("".join(_SEPARATORS))
    return (
        bool(current) and _is_han(ch) and ch not in _UNITS
        and (ch not in _POSITIONAL or _digit_count(current) >= _READING_DIGITS)
        and (after[:1] in _DIGITS or not after)
    )


def _digit_count(run: list[_Char]) -> int:
    return sum(c.digit is not None for c in run)


def _trim(run: list[_Char]) -> list[_Char]:
    while run[-1].digit is None:
        run = run[:-1]
    return run


def _is_quantity(utterances: Sequence[Utterance], run: list[_Char]) -> bool:
    return _unit_after(utterances, run) or _currency_before(utterances, run)


def _unit_after(utterances: Sequence[Utterance], run: list[_Char]) -> bool:
    last = run[-1]
    after = utterances[last.utterance].text[last.index + 1 :].lstrip()
    return any(after.startswith(u) for u in _UNITS)


def _currency_before(utterances: Sequence[Utterance], run: list[_Char]) -> bool:
    first = run[0]
    before = utterances[first.utterance].text[: first.index].rstrip()
    return bool(before) and before[-1] in _CURRENCY


def _without_quantity(utterances: Sequence[Utterance], run: list[_Char]) -> list[_Char]:
    """The run without the quantity it ends in: 13812345678，3个工作日 keeps the number and
    leaves the 3; nothing is left of 1380元, ¥58 or 3月5日. A quantity begins after a
    separator, at the start of an utterance, or at the digit before its 十/百/千 (a reading
    that runs on into 五十二零二六年 keeps 五 out)."""
    if _currency_before(utterances, run):
        return []
    while run and _unit_after(utterances, run):
        cut = max((k for k, c in enumerate(run) if c.digit is None or (k and c.utterance != run[k - 1].utterance)), default=0)
        if run[cut].digit is None and utterances[run[cut].utterance].text[run[cut].index] in _POSITIONAL and run[cut - 1].digit:
            cut -= 1
        opening = next(k for k, c in enumerate(run) if c.utterance == run[-1].utterance)
        if opening and run[opening].digit is None:
            # The last utterance starts with a word (taken for a misheard digit) and ends in
            # a unit: a sentence with a quantity, not the rest of a reading (我12-06-11-22号下的单
            # after an ID card reading: benchmarks/pii.py --seed 15000, G.711).
            cut = opening
        run = _trim(run[:cut]) if cut else []
    return run


def _context_kind(context: str, lex: Lexicon, within: int | None = None) -> str | None:
    """The kind named by the nearest keyword (ending last, then longest); "" if not personal.
    With `within`, only a keyword ending at most that many characters before the end counts.

    Keywords are matched by their toneless pinyin: Whisper writes 身份正 for 身份证 on G.711.
    """
    best = None  # (end, length, kind)
    heard = _heard(context)
    candidates = [(k.name, w) for k in lex.kinds.values() for w in k.keywords] + [("", w) for w in lex.not_personal]
    for kind, word in candidates:
        syllables = [_syllable(c) for c in word]
        end, exact = _last_end(heard, syllables), True
        if end is None and kind and len(word) >= _NEAR_KEYWORD_CHARS:
            end, exact = _last_end(heard, syllables, _one_misheard), False
        if end is not None:
            key = (end, len(word), exact, kind)
            if best is None or key[:3] > best[:3]:
                best = key
    if best is None or (within is not None and len(context) - best[0] > within):
        return None
    return best[3]


def _heard(text: str) -> list[str]:
    """The text as syllables to match keywords in; digits stay digits, so a reading is no
    word (五六 is not 物流)."""
    return [c if c in _DIGITS else _syllable(c) for c in text]


@lru_cache(maxsize=None)
def _syllable(ch: str) -> str:
    return lazy_pinyin(ch, style=Style.NORMAL)[0] if _is_han(ch) else ch


def _alike(heard: str, said: str) -> bool:
    """Two syllables that start or end alike (yuan for yan); a digit is never a syllable misheard."""
    return heard not in _DIGITS and (heard[0] == said[0] or heard[-1] == said[-1])


def _one_misheard(got: list[str], word: list[str]) -> bool:
    """The word with one syllable heard as a like one, its last one (码, 号) kept: 验证码
    written 愿证码 on G.711 (benchmarks/pii.py --seed 19000, a code left in the text), not
    保证马上 (bao for yan)."""
    wrong = [i for i in range(len(word)) if got[i] != word[i]]
    return len(wrong) == 1 and wrong[0] < len(word) - 1 and _alike(got[wrong[0]], word[wrong[0]])


def _last_end(heard: list[str], word: list[str], fits=None) -> int | None:
    """Where the word (syllables) last ends in `heard`: said exactly, or as `fits(got, word)` says."""
    n = len(word)
    for end in range(len(heard), n - 1, -1):
        got = heard[end - n : end]
        if (got == word) if fits is None else fits(got, word):
            return end
    return None


def _classify(run: list[_Char], context: str | None, lex: Lexicon, side: str) -> list[Found]:
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
    by_form = [Found(k, d, _parts(sub)) for sub, d, k in _by_form(run)]
    # The agent names what is the customer's (您的手机号是); a number the agent reads out
    # unnamed is the company's: an order or parcel number whose keyword ASR garbled (快递单号
    # heard as 快点带号: benchmarks/pii.py --seed 13000, G.711).
    unnamed = lex.kinds.get(UNNAMED) if side != AGENT else None
    if not by_form and unnamed and len(digits) >= unnamed.min_digits:
        return [Found(UNNAMED, digits, _parts(run))]
    return by_form


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
