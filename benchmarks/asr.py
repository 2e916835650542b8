"""Character error rate on every clip of shared/audio/speech, wideband and through a G.711
telephone channel, before and after each trust / bias measure; and phrase recall.

    .venv/bin/python benchmarks/asr.py [--beam-size 5] [--customer-beam-size 5] [--chunk-s 28] [--no-plain] [--no-recall] [--rows NAME ...]

Configurations, each on the same clips:
  plain           WhisperModel.transcribe defaults (beam 5, previous-text conditioning on, no VAD)
  plain+nocond    the same with condition_on_previous_text=False
  plain-vad       transcribe(beam_size=5, vad_filter=True, condition_on_previous_text=False)
  batched         BatchedInferencePipeline(model).transcribe(beam_size=5, batch_size=8)
  qa-audio        the pipeline: timeline gate, Silero boundaries, batched, guards, simplified
                  (a clip is a mono recording: decoded with the agent's beam)
  qa-audio-cust   the clip on the customer's channel of a stereo recording (customer_beam_size)
  qa-audio+hot    the pipeline with hotwords built from the rule pack's phrases
--beam-size applies to the qa-audio rows only; --no-plain skips the four baseline rows.
Phrase recall: the agent phrase library through the G.711 channel, read back by the
pipeline, each phrase looked up with the rule matcher.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa_audio import models, rules  # noqa: E402
from tests import callgen  # noqa: E402
from qa_audio.cer import corpus_cer, normalise  # noqa: E402
from qa_audio.decode import SAMPLE_RATE, Audio  # noqa: E402
from qa_audio.matching import IndexedTranscript  # noqa: E402
from qa_audio.timeline import analyse  # noqa: E402
from qa_audio.tones import get_plan  # noqa: E402
from qa_audio.transcribe import AsrSettings, Segment, Transcriber, clean  # noqa: E402

PLAN = get_plan("china")


def pipeline_text(tr: Transcriber, x: np.ndarray, customer: bool = False) -> list[Segment]:
    audio = Audio(np.stack([np.zeros_like(x), x]) if customer else x[None, :], SAMPLE_RATE, "bench")
    return tr.transcribe(audio, analyse(audio, PLAN))


def baseline_text(runner, x: np.ndarray, **options) -> str:
    segs, _ = runner.transcribe(x, language="zh", beam_size=5, **options)
    return "".join(s.text for s in segs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--beam-size", type=int, default=AsrSettings.beam_size)
    ap.add_argument("--customer-beam-size", type=int, default=AsrSettings.customer_beam_size, help="the qa-audio-cust row's beam")
    ap.add_argument("--chunk-s", type=float, default=AsrSettings.chunk_s, help="qa-audio rows: seconds of speech packed per Whisper window")
    ap.add_argument("--no-plain", action="store_true", help="skip the baseline rows (qa-audio CER and phrase recall only)")
    ap.add_argument("--no-recall", action="store_true", help="skip phrase recall (CER rows only)")
    ap.add_argument("--rows", nargs="*", help="only these configurations")
    args = ap.parse_args()
    clips = callgen.load_speech()
    pack = rules.load()
    tr = Transcriber(models.resolve(), AsrSettings(beam_size=args.beam_size, customer_beam_size=args.customer_beam_size, chunk_s=args.chunk_s), threads=2)
    base = tr.settings
    # The baselines run the stock model, as a faster-whisper user would.
    stock = None if args.no_plain else WhisperModel(str(tr.model_path), device="cpu", compute_type="int8", cpu_threads=2)
    variants = {} if args.no_plain else {
        "plain": lambda x: baseline_text(stock, x),
        "plain+nocond": lambda x: baseline_text(stock, x, condition_on_previous_text=False),
        "plain-vad": lambda x: baseline_text(stock, x, vad_filter=True, condition_on_previous_text=False),
        "batched": lambda x: baseline_text(BatchedInferencePipeline(stock), x, batch_size=8),
    }
    variants |= {
        "qa-audio": lambda x: "".join(s.text for s in pipeline_text(tr, x)),
        "qa-audio-cust": lambda x: "".join(s.text for s in pipeline_text(tr, x, customer=True)),
        "qa-audio+hot": lambda x: "".join(s.text for s in pipeline_text(tr, x)),
    }
    variants = {k: v for k, v in variants.items() if not args.rows or k in args.rows}
    audio_s = sum(len(c.audio) for c in clips) / SAMPLE_RATE
    print(f"{len(clips)} clips, {audio_s:.0f} s of speech; CER after simplified conversion, punctuation removed")
    print(f"{'config':<14} {'wideband':>9} {'G.711':>7} {'s/audio-s':>10}")
    for name, fn in variants.items():
        tr.settings = replace(base, hotwords=pack.hotwords()) if name == "qa-audio+hot" else base
        row = []
        t0 = time.perf_counter()
        for channel in (lambda x: x, callgen.telephone_channel):
            row.append(corpus_cer((c.text, clean(fn(channel(c.audio)))) for c in clips))
        per_s = (time.perf_counter() - t0) / (2 * audio_s)
        print(f"{name:<14} {row[0]:>9.3f} {row[1]:>7.3f} {per_s:>10.3f}")
    tr.settings = base
    if args.no_recall:
        return
    for label, settings in (("without hotwords", base), ("with hotwords", replace(base, hotwords=pack.hotwords()))):
        tr.settings = settings
        found = total = 0
        for clip in callgen.load_phrases().values():
            segs = pipeline_text(tr, callgen.telephone_channel(clip.audio))
            index = IndexedTranscript(segs)
            for name, phrases in pack.collections.items():
                for p in phrases:
                    if normalise(p) in normalise(clip.text):
                        total += 1
                        found += bool(index.find(p))
        print(f"phrase recall on G.711 agent phrases, {label}: {found}/{total} = {found / total:.3f}")


if __name__ == "__main__":
    main()
