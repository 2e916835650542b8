"""Where qa-audio's CPU time goes, stage by stage, on the composed calls of benchmarks/speed.py.

    .venv/bin/python benchmarks/asr_profile.py [--calls 4] [--threads 1] [--beam-size 5] [--customer-beam-size 5] [--chunk-s 28]
        [--batch-size 8] [--greedy-logprob-min X]

One process analyses the calls one after another, CTranslate2 on --threads threads (1: a
worker's share with the default two workers on 2 cores), and counts CPU seconds (user +
system of this process, so the figures hold on a loaded machine) per stage: decode,
timeline, Silero boundaries, log-mel features, encoder, decoder (generate), word alignment,
rules, store (transcript cache and call, in SQLite). Also the window fill of every decoding
pass (speech seconds packed / (windows x 30 s), the first pass of a call and its retries)
and the CER over both sides, as benchmarks/speed.py counts it.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from qa_audio import analyzer as analyzer_module  # noqa: E402
from qa_audio import transcribe  # noqa: E402
from qa_audio.analyzer import AnalysisConfig, Analyzer, score  # noqa: E402
from qa_audio.store import CallRecord, Store  # noqa: E402
from qa_audio.transcribe import AsrSettings  # noqa: E402

WINDOW_S = 30.0  # what Whisper's encoder reads, whatever is packed into it


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Stages:
    """CPU seconds per stage, counted by wrapping the callables that do each stage. A stage
    run inside another (the encoder inside verification) is counted as itself only: the
    outer stage's figure is its own work."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self._inner: list[float] = []  # per open stage: CPU s of the stages inside it

    def timed(self, stage: str, fn):
        def run(*args, **kwargs):
            t0 = cpu_s()
            self._inner.append(0.0)
            try:
                return fn(*args, **kwargs)
            finally:
                spent = cpu_s() - t0
                self.seconds[stage] += spent - self._inner.pop()
                if self._inner:
                    self._inner[-1] += spent

        return run


class _Timed:
    """An object whose one method is timed; everything else passes through (CTranslate2's
    model and faster-whisper's feature extractor do not take new attributes)."""

    def __init__(self, inner, method: str, run):
        self._inner, self._method, self._run = inner, method, run

    def __getattr__(self, name):
        return self._run if name == self._method else getattr(self._inner, name)

    def __call__(self, *args, **kwargs):
        return self._run(*args, **kwargs)


def instrument(an: Analyzer, stages: Stages, passes: list[tuple[float, int]]) -> None:
    analyzer_module.decode = stages.timed("decode", analyzer_module.decode)
    analyzer_module.analyse = stages.timed("timeline", analyzer_module.analyse)
    for stage, module, name in (("roles", analyzer_module.roles, "assign"), ("number re-reading", analyzer_module.reread, "numbers"),
                                ("redaction", analyzer_module.redact, "redact_call"), ("verification", analyzer_module.verify, "scored")):
        setattr(module, name, stages.timed(stage, getattr(module, name)))
    an.transcriber.transcribe = stages.timed("transcribe (rest)", an.transcriber.transcribe)
    transcribe.silero_spans = stages.timed("silero", transcribe.silero_spans)
    # The batched pipeline's model (greedy first: a copy around the same CTranslate2 model)
    # and the one numbers are read again with.
    tr = an.transcriber
    for model in {id(m): m for m in (tr.model, tr.pipeline.model)}.values():
        model.encode = stages.timed("encoder", model.encode)
        model.add_word_timestamps = stages.timed("alignment", model.add_word_timestamps)
        extractor = model.feature_extractor
        model.feature_extractor = _Timed(extractor, "__call__", stages.timed("features", extractor))
        model.model = _Timed(model.model, "generate", stages.timed("decoder", model.model.generate))
    packing = transcribe._Packing

    def counted(utterances, chunk_s):
        packed = packing(utterances, chunk_s)
        passes.append((sum(b - a for a, b in packed.chunks), len(packed.chunks)))
        return packed

    transcribe._Packing = counted


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--beam-size", type=int, default=AsrSettings.beam_size)
    ap.add_argument("--customer-beam-size", type=int, default=AsrSettings.customer_beam_size)
    ap.add_argument("--chunk-s", type=float, default=AsrSettings.chunk_s)
    ap.add_argument("--batch-size", type=int, default=AsrSettings.batch_size, help="windows decoded together")
    ap.add_argument("--greedy-logprob-min", type=float, default=AsrSettings.greedy_logprob_min, help="greedy first (default: off)")
    args = ap.parse_args()
    import speed

    settings = AsrSettings(beam_size=args.beam_size, customer_beam_size=args.customer_beam_size, chunk_s=args.chunk_s,
                           batch_size=args.batch_size, greedy_logprob_min=args.greedy_logprob_min)
    stages, passes = Stages(), []
    with tempfile.TemporaryDirectory() as tmp:
        paths, said = speed.make_calls(Path(tmp), args.calls)
        t0 = cpu_s()
        an = Analyzer(AnalysisConfig(asr=settings), threads=args.threads)
        an.transcriber  # noqa: B018 (loads the model)
        stages.seconds["model load"] = cpu_s() - t0
        instrument(an, stages, passes)
        store = Store(Path(tmp) / "profile.db")
        heard = []
        for path in paths:
            result = stages.timed("signal (rest)", an.signal)(path)
            tl, card = stages.timed("rules", score)(an.pack, result.timeline, result.segments)
            rec = CallRecord(path.stem, str(path), path.stem, None, None, round(result.duration_s, 2), result.channels, result.codec)
            stages.timed("store", store.cache_segments)(rec.sha256, an.cache_key, result.redaction.raw or result.segments)
            stages.timed("store", store.save_call)(rec, tl, result.segments, card, an.cache_key, result.redaction)
            segs = sorted(result.segments, key=lambda s: s.start_s)
            sides = ("agent", "customer") if result.channels == 2 else ("mono",)
            heard.append({side: "".join(s.text for s in segs if result.channels == 1 or s.side == side) for side in sides})
        store.close()
        total = cpu_s() - t0
    print(f"{len(paths)} calls, CTranslate2 threads {args.threads}; CPU seconds (user+sys) per stage")
    for stage, seconds in stages.seconds.items():
        print(f"  {stage:<20} {seconds:7.2f}  {seconds / total:6.1%}")
    print(f"  {'total':<20} {total:7.2f}")
    speech = sum(s for s, _ in passes)
    windows = sum(n for _, n in passes)
    print(f"window fill: {speech:.1f} s of speech in {windows} windows = {speech / (windows * WINDOW_S):.3f} of {WINDOW_S:.0f} s each")
    print("  passes (speech s / windows):", ", ".join(f"{s:.1f}/{n}" for s, n in passes))
    print(f"CER {speed.cer_of(said, heard):.4f} (agent {speed.cer_of(said, heard, ('agent',)):.3f}, customer "
          f"{speed.cer_of(said, heard, ('customer',)):.3f}, mono {speed.cer_of(said, heard, ('mono',)):.3f})")


if __name__ == "__main__":
    main()
