"""Memory of the timeline stage on a long call: it must not grow with the call's length.

    .venv/bin/python benchmarks/timeline_memory.py [--minutes 60]

A stereo call of real hold music and line noise (decoded audio is the decoder's memory, not
counted); prints the peak that `timeline.analyse` allocates, traced by tracemalloc (numpy's
buffers are traced).
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import callgen  # noqa: E402
from qa_audio.decode import SAMPLE_RATE, Audio  # noqa: E402
from qa_audio.timeline import analyse  # noqa: E402
from qa_audio.tones import get_plan  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=60)
    args = ap.parse_args()
    n = int(args.minutes * 60 * SAMPLE_RATE)
    rng = np.random.default_rng(0)
    music = callgen.hold_music(600, rng, -35)
    x = np.empty((2, n), np.float32)
    step = 10**7
    for c in range(2):
        for k in range(0, n, len(music)):
            x[c, k : k + len(music)] = music[: n - k]
        for k in range(0, n, step):
            x[c, k : k + step] += callgen.line_noise(min(step, n - k), rng, -60)
    tracemalloc.start()
    tl = analyse(Audio(x, SAMPLE_RATE, "gen"), get_plan("china"))
    peak = tracemalloc.get_traced_memory()[1]
    print(f"{args.minutes:g}-minute stereo call, audio {x.nbytes / 2**20:.0f} MiB: analyse peaked at {peak / 2**20:.0f} MiB ({len(tl.holds)} hold(s))")


if __name__ == "__main__":
    main()
