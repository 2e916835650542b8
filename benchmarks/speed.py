"""Speed: plain WhisperModel.transcribe on each channel of the whole file vs the qa-audio
pipeline, on the same 4-minute stereo calls, one process each (so peak RSS is per worker).

    .venv/bin/python benchmarks/speed.py [--calls 3] [--threads 2] [--no-plain] [--beam-size 5]

--no-plain skips the slow plain run (no speed ratio then): for CER over more calls.
--beam-size applies to qa-audio only; plain keeps faster-whisper's default of 5.

CER is over both sides of every call against what the script had each side say.

Targets (issue #4): qa-audio >= 2x faster than plain, >= 20x real time overall, peak RSS
< 2 GiB per worker, with whisper-base int8 on a 2-core machine. "Overall" is also measured
end to end: `qa-audio process --workers 1|2` on the same files (decode, timeline, ASR,
scoring and SQLite writes, model loading included).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from qa_audio.transcribe import AsrSettings  # noqa: E402


def make_calls(folder: Path, n: int) -> tuple[list[Path], list[dict[str, str]]]:
    """The calls, and what each side says in them (for the CER of both modes)."""
    from scenarios import load_assets, random_scenario

    from tests import callgen

    phrases, speech = load_assets()
    paths, said = [], []
    for seed in range(n):
        sc = random_scenario(2000 + seed, phrases, speech, stereo=True, telephone=True, long_call_s=240)
        audio, truth = callgen.compose(sc.script)
        paths.append(callgen.write_audio(folder / f"call{seed}.wav", audio, codec="pcm_mulaw", rate=8000))
        said.append({side: "".join(line.text for line in truth.lines if line.side == side) for side in ("agent", "customer")})
    return paths, said


def run_mode(mode: str, paths: list[str], threads: int, beam_size: int) -> dict:
    from qa_audio import models
    from qa_audio.decode import decode
    from qa_audio.timeline import analyse
    from qa_audio.tones import get_plan
    from qa_audio.transcribe import Transcriber

    if mode == "plain":
        from faster_whisper import WhisperModel

        plain = WhisperModel(str(models.resolve()), device="cpu", compute_type="int8", cpu_threads=threads)
    else:
        tr = Transcriber(models.resolve(), AsrSettings(beam_size=beam_size), threads=threads)
    plan = get_plan("china")
    audio_s = 0.0
    heard = []
    t0, r0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    for p in paths:
        audio = decode(p)
        audio_s += audio.duration_s
        if mode == "plain":
            # Channel 0 is the agent (callgen's layout).
            texts = ["".join(s.text for s in plain.transcribe(channel, language="zh", beam_size=5)[0]) for channel in audio.channels]
            heard.append(dict(zip(("agent", "customer"), texts)))
        else:
            segs = tr.transcribe(audio, analyse(audio, plan))
            heard.append({side: "".join(s.text for s in segs if s.side == side) for side in ("agent", "customer")})
    seconds, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
    cpu = {"user_s": r1.ru_utime - r0.ru_utime, "system_s": r1.ru_stime - r0.ru_stime, "page_faults": r1.ru_minflt - r0.ru_minflt}
    return {"mode": mode, "seconds": seconds, "audio_s": audio_s, "heard": heard, "peak_rss_mib": r1.ru_maxrss / 1024, **cpu}


def side_cer(said: list[dict[str, str]], heard: list[dict[str, str]]) -> float:
    """CER of both sides of every call, simplified and without punctuation."""
    from qa_audio.cer import corpus_cer

    return corpus_cer((ref, h[side]) for s, h in zip(said, heard) for side, ref in s.items())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--beam-size", type=int, default=AsrSettings.beam_size)
    ap.add_argument("--no-plain", action="store_true", help="skip plain transcription (CER and qa-audio speed only)")
    ap.add_argument("--mode", choices=["plain", "qa-audio"])
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args()
    if args.mode:
        print(json.dumps(run_mode(args.mode, args.paths, args.threads, args.beam_size)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        made, said = make_calls(Path(tmp), args.calls)
        paths = [str(p) for p in made]
        results = {}
        for mode in ("qa-audio",) if args.no_plain else ("plain", "qa-audio"):
            out = subprocess.run([sys.executable, __file__, "--mode", mode, "--threads", str(args.threads), "--beam-size", str(args.beam_size), *paths], capture_output=True, text=True, check=True)
            results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
        for workers in (1, 2):
            db = Path(tmp) / f"w{workers}.db"
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "qa_audio", "process", *paths, "--db", str(db), "--workers", str(workers), "--beam-size", str(args.beam_size)], capture_output=True, check=True)
            results[f"cli-{workers}"] = time.perf_counter() - t0
    qa = results["qa-audio"]
    print(f"{args.calls} stereo G.711 calls, {qa['audio_s']:.0f} s of audio in all, {args.threads} threads, qa-audio beam {args.beam_size}")
    for r in [results[m] for m in ("plain", "qa-audio") if m in results]:
        print(f"{r['mode']:<9} {r['seconds']:7.1f} s  = {r['audio_s'] / r['seconds']:5.1f}x real time  peak RSS {r['peak_rss_mib']:.0f} MiB  CER {side_cer(said, r['heard']):.3f}")
        print(f"{'':<9} CPU {r['user_s']:.1f} s user + {r['system_s']:.1f} s system, {r['page_faults'] / 1e6:.2f} million page faults")
    if "plain" in results:
        print(f"qa-audio is {results['plain']['seconds'] / qa['seconds']:.2f}x faster than plain transcription")
    for workers in (1, 2):
        wall = results[f"cli-{workers}"]
        print(f"qa-audio process --workers {workers}: {wall:.1f} s end to end = {qa['audio_s'] / wall:.1f}x real time")


if __name__ == "__main__":
    main()
