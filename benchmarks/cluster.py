"""Local pool vs a local Dask cluster of the same size, in one run, on the same calls.

    .venv/bin/python benchmarks/cluster.py [--calls 8] [--workers 2]

Both go through the real CLI end to end (decode to SQLite, model loading included):
`qa-audio process --workers N`, then `qa-audio process --cluster ADDR` against a
`dask scheduler` and N `dask worker --nthreads 1` processes on 127.0.0.1, started fresh
(no model loaded) for the run. Prints each throughput in audio hours per hour (= times real
time), their ratio (target: Dask within 10 % of the local pool), whether the scorecards agree,
and the machines of this kind a centre needs per 1,000 agents from the measured figure.
"""

from __future__ import annotations

import argparse
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

# The mission's centre: 1,000 agents record about 50,000 calls a day, about 3,300 hours.
AUDIO_HOURS_PER_1000_AGENTS = 3300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_process(folder: Path, db: Path, *extra: str) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "qa_audio", "process", str(folder), "--db", str(db), *extra], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"qa-audio process {' '.join(extra)} failed:\n{proc.stdout}{proc.stderr}")
    return time.perf_counter() - t0


def dask_run(folder: Path, db: Path, workers: int) -> float:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        procs += [
            subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
            for _ in range(workers)
        ]
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
        return timed_process(folder, db, "--cluster", address)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()


def scorecards(db: Path) -> list:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT call_id, score FROM scorecards ORDER BY call_id").fetchall()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from speed import make_calls

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "calls"
        folder.mkdir()
        paths, _ = make_calls(folder, args.calls)
        from qa_audio.decode import decode

        audio_h = sum(decode(p).duration_s for p in paths) / 3600
        local_s = timed_process(folder, Path(tmp) / "local.db", "--workers", str(args.workers))
        dask_s = dask_run(folder, Path(tmp) / "dask.db", args.workers)
        same = scorecards(Path(tmp) / "local.db") == scorecards(Path(tmp) / "dask.db")

    local_x, dask_x = audio_h * 3600 / local_s, audio_h * 3600 / dask_s
    print(f"{args.calls} calls, {audio_h * 60:.1f} min of audio, {args.workers} workers of 1 thread each")
    print(f"{'local pool':<26} {local_s:7.1f} s   {local_x:5.1f} audio h/h")
    print(f"{'Dask cluster (127.0.0.1)':<26} {dask_s:7.1f} s   {dask_x:5.1f} audio h/h")
    print(f"Dask / local throughput: {dask_x / local_x:.3f} (target >= 0.90); scorecards identical: {same}")
    for window_h in (24, 12):
        machines = AUDIO_HOURS_PER_1000_AGENTS / (dask_x * window_h)
        print(f"per 1,000 agents ({AUDIO_HOURS_PER_1000_AGENTS} h of calls a day) in {window_h} h: {machines:.1f} machines like this one")


if __name__ == "__main__":
    main()
