"""Run every benchmark in turn (`make bench`); each prints its own figures."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for name in ("music.py", "timeline.py", "timeline_memory.py", "asr.py", "speed.py", "rules.py", "roles.py", "cluster.py", "pii.py", "long_call.py"):
    print(f"\n=== benchmarks/{name}", flush=True)
    subprocess.run([sys.executable, str(HERE / name)], check=True)
