"""Personal-data redaction on composed calls, through the real pipeline (decode, model, SQLite).

Calls where customers give phone, ID card and bank card numbers, codes and passwords in
several styles (tests/pii/calls.py: whole sentences, digits alone after the agent asks,
random numbers read digit by digit by the TTS voice or the real recorded digit voice),
and calls full of numbers that are not personal (amounts, dates, order numbers, 三个工作日),
each wideband and through G.711. Reported:

- recall: numbers said whose segments (the side's, overlapping the line) hold a placeholder
  and no 4 digits in a row of the number; numbers Whisper did not write at all are counted apart (nothing
  to leak in text, but nothing toned out in the audio either);
- precision: placeholders on a line where a personal number was said, over all
  placeholders; and lines with numbers that are not personal left as they were;
- audio: share of the digits' time (known exactly for composed readings) covered by the
  redaction spans on the speaker's channel (including spans of speech the transcript left
  out after a keyword, redact.UNHEARD_AFTER_S); for numbers Whisper did not write, the
  share of their line's time (prefix words included) the spans cover; in every span the copy is the 1 kHz tone
  (band share >= 0.99); outside the spans the copy equals the decoded original.

    .venv/bin/python benchmarks/pii.py [--calls 16] [--impersonal 8] [--workers 2] [--seed 1000]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa_audio import pii, pipeline, redact  # noqa: E402
from tests import callgen  # noqa: E402
from qa_audio.decode import SAMPLE_RATE, decode  # noqa: E402
from qa_audio.store import Store  # noqa: E402
from tests.pii.calls import PiiCall, impersonal_call, load_assets, personal_call  # noqa: E402

_SEP = re.compile(r"[\s\-，,、.。]")
_PLACEHOLDERS = [k.placeholder for k in pii.load_lexicon().kinds.values()]


def overlapping(segments: list[dict], side: str, start: float, end: float, slack: float = 0.3) -> str:
    return " ".join(s["text"] for s in segments if s["side"] == side and s["end_s"] > start - slack and s["start_s"] < end + slack)


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
    args = ap.parse_args()
    assets = load_assets()
    work = Path(tempfile.mkdtemp(prefix="pii-bench-"))
    calls: dict[str, PiiCall] = {}
    for telephone in (False, True):
        tag = "g711" if telephone else "wide"
        for i in range(args.calls):
            calls[f"p{i:02d}{tag}"] = personal_call(args.seed + i, assets, telephone)
        for i in range(args.impersonal):
            calls[f"n{i:02d}{tag}"] = impersonal_call(args.seed + 1000 + i, assets, telephone)
    for cid, call in calls.items():
        callgen.write_audio(work / "in" / f"{cid}.wav", call.channels)
    t0 = time.perf_counter()
    summary = pipeline.process([work / "in"], pipeline.Options(db=work / "qa.db", workers=args.workers, pattern="{callid}"))
    elapsed = time.perf_counter() - t0
    assert summary.count("done") == len(calls), [o.error for o in summary.outcomes if o.status != "done"]

    store = Store(work / "qa.db", must_exist=True)
    rows = {tag: dict(said=0, redacted=0, leaked=0, unheard=0, tp=0, fp=0, kept=0, lines=0, cover=[], audio_ok=0, audio_calls=0, unheard_spans=0, unheard_cover=[]) for tag in ("wide", "g711")}
    misses = []
    for cid, call in calls.items():
        r = rows[cid[-4:]]
        segs = store.segments(cid)
        spans = store.redaction_spans(cid)
        for s in call.said:
            r["said"] += 1
            text = overlapping(segs, s.side, s.start_s, s.end_s)
            digits = _SEP.sub("", pii.to_digits(text))
            has_placeholder = any(p in text for p in _PLACEHOLDERS)
            if any(s.digits[i : i + 4] in digits for i in range(len(s.digits) - 3)):
                r["leaked"] += 1
                misses.append((cid, s.kind, s.digits, text))
            elif has_placeholder:
                r["redacted"] += 1
            else:
                r["unheard"] += 1
                r["unheard_cover"].append(coverage(spans, s.side, s.start_s, s.end_s))
                misses.append((cid, s.kind, s.digits, f"(not transcribed) {text}"))
            if s.digits_s:
                r["cover"].append(coverage(spans, s.side, *s.digits_s))
        for seg in segs:
            n = sum(seg["text"].count(p) for p in _PLACEHOLDERS)
            if not n:
                continue
            personal = any(s.side == seg["side"] and seg["end_s"] > s.start_s - 0.3 and seg["start_s"] < s.end_s + 0.3 for s in call.said)
            r["tp" if personal else "fp"] += n
            if not personal:
                misses.append((cid, "false", "", seg["text"]))
        for line in call.not_personal:
            r["lines"] += 1
            r["kept"] += not any(p in overlapping(segs, line.side, line.start_s, line.end_s, slack=0.0) for p in _PLACEHOLDERS)
        r["unheard_spans"] += sum(s["kind"] == "unheard" for s in spans)
        r["audio_calls"] += 1
        r["audio_ok"] += audio_ok(store, cid, spans)
    store.close()

    print(f"{len(calls)} calls, {sum(len(c.truth.lines) for c in calls.values())} lines, processed in {elapsed:.0f} s; work folder {work}")
    print("channel  said  recall(redacted/said)  leaked  not-transcribed  recall-of-transcribed  precision  non-personal-kept  digit-time-covered(mean, >=0.95)  audio-check  unheard-speech-spans  line-time-covered-of-not-transcribed")
    for tag, r in rows.items():
        heard = r["said"] - r["unheard"]
        cover = np.array(r["cover"]) if r["cover"] else np.array([np.nan])
        print(
            f"{tag:<7} {r['said']:>5}  {r['redacted'] / r['said']:.3f}  {r['leaked']:>6}  {r['unheard']:>5}  "
            f"{r['redacted'] / max(1, heard):.3f}  {r['tp'] / max(1, r['tp'] + r['fp']):.3f} ({r['fp']} false)  "
            f"{r['kept']}/{r['lines']}  {np.nanmean(cover):.3f}, {np.mean(cover >= 0.95):.3f} of {len(r['cover'])}  "
            f"{r['audio_ok']}/{r['audio_calls']}  {r['unheard_spans']}  {np.mean(r['unheard_cover']) if r['unheard_cover'] else float('nan'):.3f}"
        )
    for m in misses:
        print("  miss:", *m)


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
