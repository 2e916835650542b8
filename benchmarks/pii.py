"""Personal-data redaction on composed calls, through the real pipeline (decode, model, SQLite).

Calls where customers give phone, ID card and bank card numbers, codes and passwords in
several styles (tests/pii/calls.py: whole sentences, digits alone after the agent asks,
random numbers read digit by digit by the TTS voice or the real recorded digit voice),
and calls full of numbers that are not personal (amounts, dates, order numbers, 三个工作日),
each wideband and through G.711. A number said counts as redacted when neither the text
nor the audio leaves it in the clear:

- text: the side's segments overlapping its line (0.3 s slack) hold no 4 digits in a row of
  it, and either a placeholder or no digit at all in those overlapping it by more than 0.3 s
  (a number Whisper did not write as digits counts when what it wrote holds none);
- audio: no 4 digits in a row of it are left audible: a digit is toned out when the
  redaction spans on the speaker's channel cover half of its time (known for every digit:
  composed readings exactly, synthesised sentences from tests/pii/digit_spans.tsv).

Also reported: precision (placeholders on a line where a personal number was said, over all
placeholders); lines with numbers that are not personal left as they were in the text (no
placeholder word said within the line, by word times), and left audible (less than a fifth of their time toned); the share of the digits' time the
spans cover; the audio check: in every span the copy is the 1 kHz tone (band share >= 0.99),
outside the spans it equals the decoded original.

    .venv/bin/python benchmarks/pii.py [--calls 16] [--impersonal 8] [--workers 2] [--seed 1000] [--work DIR]

`--work DIR` keeps the calls and database there; run again with the same DIR, the calls are
analysed again from the transcripts as heard (the cache), without the model: for trying a
change to the redaction on the same transcripts.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa_audio import pii, pipeline, redact, rules  # noqa: E402
from qa_audio.analyzer import AnalysisConfig  # noqa: E402
from tests import callgen  # noqa: E402
from qa_audio.decode import SAMPLE_RATE, decode  # noqa: E402
from qa_audio.store import Store  # noqa: E402
from tests.pii.calls import PiiCall, Said, impersonal_call, load_assets, personal_call  # noqa: E402

_SEP = re.compile(r"[\s\-，,、.。]")
_PLACEHOLDERS = [k.placeholder for k in pii.load_lexicon().kinds.values()]


def overlapping(segments: list[dict], side: str, start: float, end: float, slack: float = 0.3) -> str:
    return " ".join(s["text"] for s in segments if s["side"] == side and s["end_s"] > start - slack and s["start_s"] < end + slack)


def placeholder_said(segments: list[dict], side: str, start: float, end: float, inset: float = 0.2) -> bool:
    """A placeholder word of the side said within the line (by word times: a reading and the
    line after it can be one segment)."""
    words = [w for s in segments if s["side"] == side for w in json.loads(s["words_json"] or "[]")]
    return any(w["text"] in _PLACEHOLDERS and w["end_s"] > start + inset and w["start_s"] < end - inset for w in words)


def band_share(x: np.ndarray, hz: float) -> float:
    spec = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)
    return float(spec[np.abs(freqs - hz) < 20].sum() / (spec.sum() + 1e-20))


def coverage(spans: list[dict], side: str, a: float, b: float) -> float:
    t = np.arange(a, b, 0.01)
    covered = np.zeros(len(t), bool)
    for s in spans:
        if s["side"] == side:
            covered |= (t >= s["start_s"]) & (t <= s["end_s"])
    return float(covered.mean()) if len(t) else 1.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=16, help="calls with personal numbers, per channel type")
    ap.add_argument("--impersonal", type=int, default=8, help="calls with only numbers that are not personal, per channel type")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1000, help="first call's seed (1000 is the set the rules were tuned on; use another for held-out calls)")
    ap.add_argument("--work", type=Path, default=None, help="keep the calls and database here; again: analyse from the cached transcripts")
    args = ap.parse_args()
    assets = load_assets()
    work = args.work or Path(tempfile.mkdtemp(prefix="pii-bench-"))
    calls: dict[str, PiiCall] = {}
    for telephone in (False, True):
        tag = "g711" if telephone else "wide"
        for i in range(args.calls):
            calls[f"p{i:02d}{tag}"] = personal_call(args.seed + i, assets, telephone)
        for i in range(args.impersonal):
            calls[f"n{i:02d}{tag}"] = impersonal_call(args.seed + 1000 + i, assets, telephone)
    again = (work / "qa.db").exists()
    if not again:
        for cid, call in calls.items():
            callgen.write_audio(work / "in" / f"{cid}.wav", call.channels)
    t0 = time.perf_counter()
    config = AnalysisConfig(rules=_raw_keeping_pack(work))
    opts = pipeline.Options(db=work / "qa.db", config=config, workers=args.workers, pattern="{callid}", force=again)
    summary = pipeline.process([work / "in"], opts)
    elapsed = time.perf_counter() - t0
    assert summary.count("done") == len(calls), [o.error for o in summary.outcomes if o.status != "done"]

    store = Store(work / "qa.db", must_exist=True)
    rows = {tag: Row() for tag in ("wide", "g711")}
    misses = []
    for cid, call in calls.items():
        r = rows[cid[-4:]]
        segs, spans = store.segments(cid), store.redaction_spans(cid)
        for s in call.said:
            verdict = judge(s, segs, spans)
            r.count(verdict)
            if verdict != "redacted" or not any(p in overlapping(segs, s.side, s.start_s, s.end_s) for p in _PLACEHOLDERS):
                heard = " | ".join(f"{x['start_s']:.1f} {x['text']}" for x in store.raw_segments(cid) or [] if x["side"] == s.side and x["end_s"] > s.start_s - 0.3 and x["start_s"] < s.end_s + 0.3)
                misses.append((cid, verdict, s.kind, s.digits, f"heard: {heard!r}", f"stored: {overlapping(segs, s.side, s.start_s, s.end_s)!r}"))
            r.cover.append(coverage(spans, s.side, *s.digits_s))
        for seg in segs:
            n = sum(seg["text"].count(p) for p in _PLACEHOLDERS)
            if not n:
                continue
            personal = any(s.side == seg["side"] and seg["end_s"] > s.start_s - 0.3 and seg["start_s"] < s.end_s + 0.3 for s in call.said)
            r.tp += n if personal else 0
            r.fp += 0 if personal else n
            if not personal:
                misses.append((cid, "false", "", "", seg["text"]))
        for line in call.not_personal:
            r.lines += 1
            kept = not placeholder_said(segs, line.side, line.start_s, line.end_s)
            r.kept += kept
            if not kept:
                misses.append((cid, "not-personal line redacted", line.text, overlapping(segs, line.side, line.start_s, line.end_s, slack=0.0)))
            r.audible += coverage(spans, line.side, line.start_s, line.end_s) < 0.2
        r.audio_calls += 1
        r.audio_ok += audio_ok(store, cid, spans)
    store.close()

    print(f"{len(calls)} calls, {sum(len(c.truth.lines) for c in calls.values())} lines, processed in {elapsed:.0f} s; work folder {work}")
    print("channel  said  recall  (written+placeholder, not written as digits)  text-leaked  audio-leaked  precision  non-personal-lines-kept(text, audio)  digit-time-covered(mean, >=0.95)  audio-check")
    for tag, r in rows.items():
        cover = np.array(r.cover)
        print(
            f"{tag:<7} {r.said:>5}  {r.redacted / r.said:.3f}  ({r.redacted - r.unwritten}, {r.unwritten})  {r.text_leaked:>4}  {r.audio_leaked:>4}  "
            f"{r.tp / max(1, r.tp + r.fp):.3f} ({r.fp} false)  {r.kept}/{r.lines}, {r.audible}/{r.lines}  "
            f"{cover.mean():.3f}, {np.mean(cover >= 0.95):.3f} of {len(cover)}  {r.audio_ok}/{r.audio_calls}"
        )
    for m in misses:
        print("  ", *m)


@dataclass
class Row:
    said: int = 0
    redacted: int = 0
    unwritten: int = 0  # of the redacted: numbers Whisper did not write as digits
    text_leaked: int = 0
    audio_leaked: int = 0
    tp: int = 0
    fp: int = 0
    lines: int = 0
    kept: int = 0
    audible: int = 0
    audio_ok: int = 0
    audio_calls: int = 0
    cover: list[float] = field(default_factory=list)

    def count(self, verdict: str) -> None:
        self.said += 1
        self.redacted += verdict.startswith("redacted")
        self.unwritten += verdict == "redacted, not written"
        self.text_leaked += verdict == "text leaked"
        self.audio_leaked += verdict == "audio leaked"


def judge(s: Said, segments: list[dict], spans: list[dict]) -> str:
    """redacted | redacted, not written | text leaked | audio leaked (see the module's doc)."""
    text = overlapping(segments, s.side, s.start_s, s.end_s)
    digits = _SEP.sub("", pii.to_digits(text))
    placeholder = any(p in text for p in _PLACEHOLDERS)
    # Digits other than the number's count only in the segments that overlap the line by
    # more than the slack: a segment starting 0.1 s before its end is the next line's
    # (一共是29块钱 after an ID card reading Whisper left out: --seed 9000, G.711).
    inside = overlapping(segments, s.side, s.start_s, s.end_s, slack=-0.3)
    if _run_of_four(s.digits, lambda i: s.digits[i : i + 4] in digits) or not (placeholder or not any(pii.is_digit(c) for c in inside)):
        return "text leaked"
    audible = [coverage(spans, s.side, a, b) < 0.5 for a, b in s.digit_times]
    if _run_of_four(s.digits, lambda i: all(audible[i : i + 4])):
        return "audio leaked"
    return "redacted" if placeholder else "redacted, not written"


def _run_of_four(digits: str, leaks) -> bool:
    return any(leaks(i) for i in range(len(digits) - 3))


def _raw_keeping_pack(work: Path) -> Path:
    """The default rule pack, keeping the transcripts as heard: the cache then holds them (a
    second run redacts them again), and the misses show what Whisper wrote."""
    pack = work / "pack.toml"
    if not pack.exists():
        text = rules.DEFAULT_PACK.read_text(encoding="utf-8")
        pack.parent.mkdir(parents=True, exist_ok=True)
        pack.write_text(text.replace("[settings]\n", "[settings]\nkeep_raw_transcripts = true\n", 1), encoding="utf-8")
    return pack


def audio_ok(store: Store, cid: str, spans: list[dict]) -> bool:
    """The copy is the tone in every span on the speaker's channel, and the original elsewhere."""
    path = store.redacted_audio(cid)
    call = store.call(cid)
    if path is None:
        return False
    original, copy = decode(call["file"]).channels, decode(path).channels
    changed = np.zeros(original.shape, bool)
    sides = ["agent", "customer"]
    for s in spans:
        ch = sides.index(s["side"])
        a, b = int(s["start_s"] * SAMPLE_RATE), int(np.ceil(s["end_s"] * SAMPLE_RATE))
        changed[ch, a:b] = True
        if band_share(copy[ch, a:b], redact.TONE_HZ) < 0.99:
            return False
    return bool(np.abs(copy - original)[~changed].max() < 1e-4)


if __name__ == "__main__":
    main()
