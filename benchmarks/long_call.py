"""Long calls: wall time and peak RSS of one worker for 15, 30 and 60-minute stereo calls.

    .venv/bin/python benchmarks/long_call.py [--minutes 15 30 60] [--stages decode timeline total] [--breakdown]

Each call is a generated 4-minute stereo G.711-rate call (agent phrases, real customer
speech, ringback, hold music) repeated to the length, written as 8 kHz 16-bit PCM WAV.
Every figure comes from a fresh process, so peak RSS (VmHWM) is that stage's alone:

- decode:   decode.decode() only
- timeline: decode + the signal timeline (timeline.analyse)
- total:    `pipeline.process` on the one file with one in-process worker: model load,
            decode, timeline, transcription, scoring, SQLite; the figure a worker of
            `qa-audio process` reaches on that call.

With `--breakdown`, the total also says where its peak came from: RSS is sampled every
10 ms and each stage (model load, decode, timeline, transcribe, redact, store) reports the
highest RSS seen while it ran, so the stage that sets the peak is named.

Target (issue #16): a 60-minute stereo call under 1.5 GiB peak per worker.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

RATE = 8000


def make_call(path: Path, minutes: int) -> Path:
    """A `minutes`-long stereo WAV, written block by block (the generator's memory stays small)."""
    from scenarios import load_assets, random_scenario

    from tests import callgen

    phrases, speech = load_assets()
    sc = random_scenario(4242, phrases, speech, stereo=True, telephone=True, long_call_s=240)
    audio, _ = callgen.compose(sc.script)
    block = callgen.write_audio(path.with_suffix(".block.wav"), audio, rate=RATE)
    pcm = block.read_bytes()[44:]  # callgen writes a plain 44-byte PCM header
    block.unlink()
    frame = 4  # two 16-bit channels
    total = minutes * 60 * RATE * frame
    with path.open("wb") as out:
        out.write(b"RIFF" + struct.pack("<I", 36 + total) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 2, RATE, RATE * frame, frame, 16))
        out.write(b"data" + struct.pack("<I", total))
        written = 0
        while written < total:
            piece = pcm[: total - written]
            out.write(piece)
            written += len(piece)
    return path


def measure(stage: str, path: str, breakdown: bool = False) -> dict:
    """Runs in the child process."""
    t0 = time.perf_counter()
    if stage == "total":
        from qa_audio import pipeline

        stages = _StagePeaks() if breakdown else None
        with tempfile.TemporaryDirectory() as tmp:
            summary = pipeline.process([Path(path)], pipeline.Options(db=Path(tmp) / "qa.db", workers=1))
        outcome = summary.outcomes[0]
        detail = f"{outcome.status} {outcome.error or ''}".strip()
        if stages:
            detail += "; " + stages.report()
    else:
        from qa_audio.decode import decode

        audio = decode(path)
        detail = f"{audio.duration_s / 60:.1f} min decoded, samples {audio.data.nbytes / 2**20:.0f} MiB ({audio.data.dtype})"
        if stage == "timeline":
            from qa_audio.timeline import analyse
            from qa_audio.tones import get_plan

            tl = analyse(audio, get_plan("china"), 0)
            detail += f", {len(tl.events)} events"
    wall = time.perf_counter() - t0
    return {"wall_s": round(wall, 1), "peak_rss_mib": round(peak_rss_kib() / 1024), "detail": detail}


class _StagePeaks:
    """The highest RSS seen during each stage of a worker's analysis (sampled every 10 ms)."""

    def __init__(self):
        from qa_audio import analyzer, redact, store, transcribe

        self.stage, self.peaks, self.entry = "setup", {}, {}
        self._wrap(analyzer, "decode", "decode")
        self._wrap(analyzer, "analyse", "timeline")
        self._wrap(transcribe.Transcriber, "__init__", "model load")
        self._wrap(transcribe.Transcriber, "transcribe", "transcribe")
        self._wrap(redact, "redact_call", "redact")
        self._wrap(store.Store, "save_call", "store")
        threading.Thread(target=self._sample, daemon=True).start()

    def _wrap(self, owner, name: str, stage: str) -> None:
        inner = getattr(owner, name)

        @functools.wraps(inner)
        def timed(*args, **kwargs):
            outer, self.stage = self.stage, stage
            self.entry.setdefault(stage, rss_mib())
            try:
                return inner(*args, **kwargs)
            finally:
                self.peaks[stage] = max(self.peaks.get(stage, 0), rss_mib())
                self.stage = outer

        setattr(owner, name, timed)

    def _sample(self) -> None:
        while True:
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0), rss_mib())
            time.sleep(0.01)

    def report(self) -> str:
        return ", ".join(f"{s} {self.entry.get(s, 0)}->{p}" for s, p in self.peaks.items() if s != "setup") + " MiB (at entry->peak)"


def rss_mib() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() // 2**20


def peak_rss_kib() -> int:
    """This process's own peak RSS: VmHWM (ru_maxrss carries the forking parent's peak across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=int, nargs="+", default=[15, 30, 60])
    ap.add_argument("--stages", nargs="+", default=["decode", "timeline", "total"], choices=["decode", "timeline", "total"])
    ap.add_argument("--breakdown", action="store_true", help="with total: the peak RSS of each stage")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child, args.breakdown)))
        return
    print(f"{'minutes':>7}  {'stage':<9} {'wall s':>7}  {'peak RSS MiB':>12}  detail", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in args.minutes:
            path = make_call(Path(tmp) / f"call_{minutes}min.wav", minutes)
            for stage in args.stages:
                child = [sys.executable, __file__, "--child", stage, str(path)] + (["--breakdown"] if args.breakdown else [])
                proc = subprocess.run(child, capture_output=True, text=True)
                if proc.returncode != 0:
                    print(f"{minutes:>7}  {stage:<9} failed: {proc.stderr.strip().splitlines()[-1:]}", flush=True)
                    continue
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                print(f"{minutes:>7}  {stage:<9} {r['wall_s']:>7}  {r['peak_rss_mib']:>12}  {r['detail']}", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
