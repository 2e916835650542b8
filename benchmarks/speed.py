"""Speed and accuracy: `qa-audio process` end to end against what a user would run instead,
faster-whisper with its own VAD, plain and batched, on the same composed calls in one run.

    .venv/bin/python benchmarks/speed.py [--calls 4] [--repeat 1] [--workers N] [--beam-size 5] [--no-vad-extra]

Calls: real customer speech (shared/audio/speech) and agent phrases, rings, holds with real
PBX music (shared/audio/moh), 2-8 minutes, stereo and mono, G.711 (8 kHz mu-law) and wideband
(16 kHz PCM), from fixed seeds. Modes, each in its own process, back to back on the same files:

  qa-audio   `python -m qa_audio process FILES --db NEW.db` (decode, timeline, ASR, roles,
             redaction, scoring, SQLite; model loading and worker start-up included)
  plain-vad  WhisperModel.transcribe(channel, language="zh", beam_size=5, vad_filter=True,
             condition_on_previous_text=False) on each channel, 2 threads
  batched    BatchedInferencePipeline(model).transcribe(channel, language="zh", beam_size=5,
             batch_size=8) on each channel (its VAD is on by default), 2 threads
  plain      (extra, last, --no-vad-extra skips it) WhisperModel.transcribe(channel,
             language="zh", beam_size=5), no VAD: what earlier rounds compared against

Every mode is timed from outside its process (interpreter start, imports, model load and
decoding included for all); the baselines also report their time inside the process after
the model is loaded. CPU s is user + system time of the mode's processes (workers
included): on a shared machine wall times drift with the load, CPU time much less. CER is
over both sides against what the script had each side say: per side on stereo calls
(channel 0 is the agent), over the whole call in time order on mono ones (no baseline
separates two voices on one channel). Peak RSS is the largest process.
--repeat runs the whole sequence again on the same files (ratios compare within one pass:
this machine is shared, absolute times drift).
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

BASELINES = {
    "plain-vad": dict(beam_size=5, vad_filter=True, condition_on_previous_text=False),
    "batched": dict(beam_size=5, batch_size=8),
    "plain": dict(beam_size=5),
}
# Held-out seeds: no other benchmark or test composes calls from 7000 up.
SEED = 7000


def make_calls(folder: Path, n: int) -> tuple[list[Path], list[dict[str, str]]]:
    """The calls, and what was said on each channel: {"agent", "customer"} on stereo calls,
    {"mono"} (both sides in time order) on mono ones."""
    import numpy as np
    from scenarios import load_assets, random_scenario

    from tests import callgen

    phrases, speech = load_assets()
    paths, said = [], []
    for i in range(n):
        rng = np.random.default_rng(SEED + i)
        # Any four calls in a row hold each of stereo / mono and G.711 / wideband.
        stereo, telephone = i % 4 < 2, i % 2 == 0
        sc = random_scenario(SEED + i, phrases, speech, stereo=stereo, telephone=telephone, long_call_s=float(rng.uniform(120, 480)))
        audio, truth = callgen.compose(sc.script)
        codec, rate = ("pcm_mulaw", 8000) if telephone else ("pcm_s16le", 16000)
        paths.append(callgen.write_audio(folder / f"call{i}.wav", audio, codec=codec, rate=rate))
        if stereo:
            said.append({side: "".join(ln.text for ln in truth.lines if ln.side == side) for side in ("agent", "customer")})
        else:
            said.append({"mono": "".join(ln.text for ln in sorted(truth.lines, key=lambda ln: ln.start_s))})
    return paths, said


def run_baseline(mode: str, paths: list[str], threads: int) -> dict:
    """Transcribe every channel of every file as a faster-whisper user would."""
    t_start = time.perf_counter()
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    from qa_audio import models
    from qa_audio.decode import decode

    model = WhisperModel(str(models.resolve()), device="cpu", compute_type="int8", cpu_threads=threads)
    runner = BatchedInferencePipeline(model) if mode == "batched" else model
    t0 = time.perf_counter()
    heard = []
    for p in paths:
        audio = decode(p)
        texts = ["".join(s.text for s in runner.transcribe(ch, language="zh", **BASELINES[mode])[0]) for ch in audio.channels]
        heard.append(dict(zip(("agent", "customer"), texts)) if audio.is_stereo else {"mono": texts[0]})
    return {"heard": heard, "inside_s": time.perf_counter() - t0, "load_s": t0 - t_start}


def qa_audio_heard(db: Path, paths: list[str]) -> list[dict[str, str]]:
    """What qa-audio stored for each file, per side on stereo and in time order on mono."""
    from qa_audio.store import Store

    store = Store(db, must_exist=True, read_only=True)
    by_file = {Path(c["file"]).name: c for c in store.calls()}
    heard = []
    for p in paths:
        call = by_file[Path(p).name]
        segs = sorted(store.segments(call["id"]), key=lambda s: s["start_s"])
        if call["channels"] == 2:
            heard.append({side: "".join(s["text"] for s in segs if s["side"] == side) for side in ("agent", "customer")})
        else:
            heard.append({"mono": "".join(s["text"] for s in segs)})
    store.close()
    return heard


def timed(cmd: list[str]) -> dict:
    """Run `cmd` in a child process: its wall time, its peak RSS (largest process), its JSON line."""
    out = subprocess.run([sys.executable, __file__, "--measure", *cmd], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{' '.join(cmd[:4])} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(cmd: list[str]) -> None:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(out.returncode)
    lines = out.stdout.strip().splitlines()
    inner = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = children.ru_utime + children.ru_stime
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": children.ru_maxrss / 1024, **inner}))


def cer_of(said: list[dict[str, str]], heard: list[dict[str, str]], sides: tuple[str, ...] | None = None) -> float:
    from qa_audio.cer import corpus_cer

    return corpus_cer((ref, h[side]) for s, h in zip(said, heard) for side, ref in s.items() if sides is None or side in sides)


def one_pass(tmp: Path, paths: list[str], said: list[dict[str, str]], args, n: int, audio_s: float) -> None:
    """Every mode back to back on the same files, each row printed as soon as it is measured."""
    results = {}
    db = tmp / f"pass{n}.db"
    cmd = [sys.executable, "-m", "qa_audio", "process", *paths, "--db", str(db), "--beam-size", str(args.beam_size)]
    print(f"{'mode':<10} {'wall s':>7} {'CPU s':>6} {'RTF':>6} {'x real':>6} {'inside s':>8} {'RSS MiB':>7} {'CER':>6} {'agent':>6} {'cust.':>6} {'mono':>6}", flush=True)
    results["qa-audio"] = timed(cmd + (["--workers", str(args.workers)] if args.workers else []))
    results["qa-audio"]["heard"] = qa_audio_heard(db, paths)
    print_row("qa-audio", results["qa-audio"], said, audio_s)
    for mode in ("plain-vad", "batched"):
        results[mode] = timed([sys.executable, __file__, "--mode", mode, "--threads", str(args.threads), *paths])
        print_row(mode, results[mode], said, audio_s)
    best = min(("plain-vad", "batched"), key=lambda m: results[m]["wall_s"])
    qa = results["qa-audio"]
    print(
        f"qa-audio is {results[best]['wall_s'] / qa['wall_s']:.2f}x as fast as the faster baseline ({best}) end to end; "
        f"{results[best]['inside_s'] / qa['wall_s']:.2f}x its time after model loading; "
        f"{results[best]['cpu_s'] / qa['cpu_s']:.2f}x its CPU time (the measure that holds on a loaded machine)", flush=True
    )
    if not args.no_vad_extra:
        print_row("plain", timed([sys.executable, __file__, "--mode", "plain", "--threads", str(args.threads), *paths]), said, audio_s)


def print_row(mode: str, r: dict, said: list[dict[str, str]], audio_s: float) -> None:
    inside = f"{r['inside_s']:8.1f}" if "inside_s" in r else f"{'':8}"
    cers = [cer_of(said, r["heard"], sides) for sides in (None, ("agent",), ("customer",), ("mono",))]
    print(
        f"{mode:<10} {r['wall_s']:7.1f} {r['cpu_s']:6.1f} {r['wall_s'] / audio_s:6.3f} {audio_s / r['wall_s']:6.1f} {inside} {r['peak_rss_mib']:7.0f} "
        + " ".join(f"{c:6.3f}" for c in cers), flush=True
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=1, help="passes over the same files")
    ap.add_argument("--threads", type=int, default=2, help="CTranslate2 threads of the baselines")
    ap.add_argument("--workers", type=int, help="qa-audio process --workers (default: its own)")
    ap.add_argument("--beam-size", type=int, default=AsrSettings.beam_size, help="qa-audio only; the baselines keep 5")
    ap.add_argument("--no-vad-extra", action="store_true", help="skip plain transcription without VAD")
    ap.add_argument("--mode", choices=list(BASELINES))
    ap.add_argument("paths", nargs="*")
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2:])
        return
    args = ap.parse_args()
    if args.mode:
        print(json.dumps(run_baseline(args.mode, args.paths, args.threads)))
        return
    from qa_audio.decode import decode

    with tempfile.TemporaryDirectory() as tmp:
        made, said = make_calls(Path(tmp), args.calls)
        paths = [str(p) for p in made]
        audio = [decode(p) for p in paths]
        audio_s = sum(a.duration_s for a in audio)
        stereo = sum(a.is_stereo for a in audio)
        print(
            f"{len(paths)} calls, {audio_s:.0f} s of audio ({stereo} stereo, {len(paths) - stereo} mono; "
            f"{sum(a.codec == 'pcm_mulaw' for a in audio)} G.711); qa-audio beam {args.beam_size}, baselines {args.threads} threads"
        )
        del audio
        for n in range(args.repeat):
            print(f"pass {n + 1}")
            one_pass(Path(tmp), paths, said, args, n, audio_s)


if __name__ == "__main__":
    main()
