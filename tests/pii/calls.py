"""Composed calls in which customers give personal numbers, in several styles, and calls full
of numbers that are not personal; with the truth of where each number was said.

Styles: a whole sentence read by the TTS voice (我的手机号是一三八，一二三四，五六七八); the
agent asks and the customer answers with the digits alone (the keyword is on the other
side); a random number of the right form read digit by digit, with pauses between its
groups, by the TTS voice or by the real recorded digit voice of shared/audio. Used by
tests/test_redact.py and benchmarks/pii.py; calls are built with callgen's public functions.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from stdnum import luhn
from stdnum.cn import ric

from tests import callgen
from tests.callgen import CallScript, Clip, Turn
from qa_audio.decode import SAMPLE_RATE, decode
from qa_audio.tones import get_plan

HERE = Path(__file__).resolve().parent
REAL_DIGITS = callgen.ROOT.parent / "shared" / "audio" / "prompts_untranscribed"
SENTENCES = ["mobile_1", "mobile_2", "mobile_3", "id_1", "id_2", "bank_1", "bank_2", "code_1", "password_1"]
NOT_PERSONAL = ["order_1", "order_2", "amount_1", "amount_2", "date_1", "date_2", "staff_1", "count_1", "price_1", "time_1"]
AGENT_LINES = {"order_2", "amount_1", "date_2", "staff_1", "price_1", "time_1"}
ASK = {"mobile": "ask_mobile", "id_card": "ask_id", "bank_card": "ask_card"}
PREFIX = {"mobile": "pre_mobile", "id_card": "pre_id", "bank_card": "pre_card"}
GROUPS = {"mobile": (3, 4, 4), "id_card": (6, 8, 4), "bank_card": (4, 4, 4, 4)}


@dataclass
class Said:
    """A personal number said in a call, and where each of its digits was said (call time)."""

    side: str
    start_s: float
    end_s: float
    kind: str
    digits: str
    digit_times: tuple[tuple[float, float], ...]

    @property
    def digits_s(self) -> tuple[float, float]:
        return self.digit_times[0][0], self.digit_times[-1][1]


@dataclass
class PiiCall:
    channels: np.ndarray
    truth: callgen.Truth
    said: list[Said] = field(default_factory=list)
    not_personal: list[callgen.Line] = field(default_factory=list)  # lines with numbers that are not personal


@dataclass
class Assets:
    clips: dict[str, Clip]
    kinds: dict[str, tuple[str, str]]  # clip id -> (kind, digits)
    digit_spans: dict[str, tuple[float, float]]  # clip id -> where its digits start and end in it
    phrases: dict[str, Clip]
    speech: list[Clip]
    voices: list[dict[str, np.ndarray]]  # digit voices: digit -> audio


def load_assets() -> Assets:
    clips, kinds, spans = {}, {}, {}
    with (HERE / "clips.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            clips[row["id"]] = Clip(row["id"], decode(HERE / row["file"]).mono(), row["text"])
            kinds[row["id"]] = (row["kind"], row["digits"])
    with (HERE / "digit_spans.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            spans[row["id"]] = (float(row["digits_from_s"]), float(row["digits_to_s"]))
    tts = {str(d): _trim(clips[f"digit_{d}"].audio) for d in range(10)}
    real = {str(d): _trim(decode(REAL_DIGITS / f"ecc365_digit_{d}.wav").mono()) for d in range(10)}
    return Assets(clips, kinds, spans, callgen.load_phrases(), callgen.load_speech(), [tts, real])


def _trim(x: np.ndarray) -> np.ndarray:
    """A digit clip without its leading and trailing silence (so digits run on as people say them)."""
    loud = np.flatnonzero(np.abs(x) > 0.02 * np.abs(x).max())
    return x[loud[0] : loud[-1] + 1] if len(loud) else x


def random_number(kind: str, rng: np.random.Generator) -> str:
    digit = lambda n: "".join(str(d) for d in rng.integers(0, 10, n))  # noqa: E731
    if kind == "mobile":
        return "1" + str(rng.choice([3, 5, 7, 8, 9])) + digit(9)
    if kind == "id_card":
        while True:  # the digit voices have no X (said 叉): numbers ending in X are left out
            body = f"{rng.choice([110101, 310104, 440305, 510107, 320502])}{rng.integers(1960, 2005)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}{digit(3)}"
            check = ric.calc_check_digit(body + "0")  # it reads the first 17 of 18
            if check != "X":
                return body + check
    body = "62" + digit(13)
    return body + luhn.calc_check_digit(body)


def reading(digits: str, kind: str, voice: dict[str, np.ndarray], rng: np.random.Generator, prefix: Clip | None = None) -> tuple[Clip, list[tuple[float, float]]]:
    """Digits read one by one, a pause after each group; where each digit is in the clip."""
    parts: list[np.ndarray] = []
    if prefix is not None:
        parts += [prefix.audio, np.zeros(int(rng.uniform(0.05, 0.3) * SAMPLE_RATE), np.float32)]
    times = []

    def say(d: str) -> None:
        t = sum(len(p) for p in parts) / SAMPLE_RATE
        parts.append(voice[d])
        times.append((t, t + len(voice[d]) / SAMPLE_RATE))

    pos = 0
    for g in GROUPS[kind]:
        for d in digits[pos : pos + g]:
            say(d)
            parts.append(np.zeros(int(rng.uniform(0.03, 0.12) * SAMPLE_RATE), np.float32))
        pos += g
        if pos < len(digits):
            parts.append(np.zeros(int(rng.uniform(0.3, 1.0) * SAMPLE_RATE), np.float32))
    for d in digits[pos:]:  # the rest of a longer number, as one more group
        say(d)
    return Clip(f"{kind}:{digits}", np.concatenate(parts), digits), times


def sentence_digit_times(a: Assets, cid: str) -> list[tuple[float, float]]:
    """Where the digits of a synthesised sentence are in its clip, taken as evenly spread
    between where its digits start and end (digit_spans.tsv: the word timestamps whisper-base
    gives on the clean clip, from the end of the word before the first digit to the end of
    the last digit's sound)."""
    (_, digits), (a0, b0) = a.kinds[cid], a.digit_spans[cid]
    step = (b0 - a0) / len(digits)
    return [(a0 + i * step, a0 + (i + 1) * step) for i in range(len(digits))]


def personal_call(seed: int, a: Assets, telephone: bool) -> PiiCall:
    """An opening, two to three personal numbers in varied styles, a line that is not personal, a closing."""
    rng = np.random.default_rng(seed)
    pick = lambda xs: xs[int(rng.integers(len(xs)))]  # noqa: E731
    turns: list[Turn] = [Turn("agent", a.phrases["open_full_1"], "open_full_1")]
    items: list[tuple[int, str, str, list[tuple[float, float]]]] = []  # (turn index, kind, digits, digit times in the clip)
    for _ in range(int(rng.integers(2, 4))):
        style = int(rng.integers(4))
        if style == 0:
            cid = pick(SENTENCES)
            kind, digits = a.kinds[cid]
            items.append((len(turns), kind, digits, sentence_digit_times(a, cid)))
            turns.append(Turn("customer", a.clips[cid], cid))
            continue
        kind = pick(list(GROUPS))
        voice = a.voices[int(rng.integers(len(a.voices)))]
        if style == 1 and kind == "mobile" and rng.random() < 0.5:
            turns.append(Turn("agent", a.clips["ask_mobile"], "ask_mobile"))
            items.append((len(turns), "mobile", a.kinds["mobile_4"][1], sentence_digit_times(a, "mobile_4")))
            turns.append(Turn("customer", a.clips["mobile_4"], "mobile_4"))
            continue
        digits = random_number(kind, rng)
        if style == 3:
            clip, at = reading(digits, kind, voice, rng, prefix=a.clips[PREFIX[kind]])
        else:
            turns.append(Turn("agent", a.clips[ASK[kind]], ASK[kind]))
            clip, at = reading(digits, kind, voice, rng)
        items.append((len(turns), kind, digits, at))
        turns.append(Turn("customer", clip, "reading"))
    extra = pick(NOT_PERSONAL)
    turns.append(Turn("agent" if extra in AGENT_LINES else "customer", a.clips[extra], extra))
    turns.append(Turn("agent", a.phrases["close_thanks_1"], "close_thanks_1"))
    call = _compose(turns, seed, telephone)
    for i, kind, digits, at in items:
        line = call.truth.lines[i]
        times = tuple((round(line.start_s + t0, 3), round(line.start_s + t1, 3)) for t0, t1 in at)
        call.said.append(Said(line.side, line.start_s, line.end_s, kind, digits, times))
    call.not_personal = [call.truth.lines[len(turns) - 2]]
    return call


def impersonal_call(seed: int, a: Assets, telephone: bool) -> PiiCall:
    """A call full of numbers that are not personal: amounts, dates, order numbers, 三个工作日."""
    rng = np.random.default_rng(seed)
    lines = list(rng.choice(NOT_PERSONAL, size=4, replace=False))
    cust = [c for c in a.speech if 2.0 < len(c.audio) / SAMPLE_RATE < 8.0]
    turns = [Turn("agent", a.phrases["open_full_2"], "open_full_2"), Turn("customer", cust[int(rng.integers(len(cust)))])]
    turns += [Turn("agent" if cid in AGENT_LINES else "customer", a.clips[cid], cid) for cid in lines]
    turns.append(Turn("agent", a.phrases["close_thanks_1"], "close_thanks_1"))
    call = _compose(turns, seed, telephone)
    call.not_personal = [ln for ln in call.truth.lines if ln.phrase_id in NOT_PERSONAL]
    return call


def _compose(turns: list[Turn], seed: int, telephone: bool) -> PiiCall:
    channels, truth = callgen.compose(CallScript(turns, get_plan("china"), rings=1, seed=seed, telephone=telephone))
    return PiiCall(channels, truth)
