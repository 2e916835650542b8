"""A batch on a real Dask cluster (one scheduler, two single-thread workers on 127.0.0.1):
one worker is killed with SIGKILL while it analyses a call, and every call is still stored
exactly once, with the scorecards a local run gives."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT, run_cli

distributed = pytest.importorskip("distributed")

DASK = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
WORKER = [sys.executable, "-m", "distributed.cli.dask_worker"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def cluster(tmp_path):
    address = f"tcp://127.0.0.1:{_free_port()}"
    logs = [open(tmp_path / f"{name}.log", "w") for name in ("scheduler", "worker1", "worker2")]
    procs = [subprocess.Popen([*DASK, "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"], stdout=logs[0], stderr=subprocess.STDOUT)]
    client = None
    try:
        # No nanny: a killed worker stays dead, so its task must move to the other one.
        workers = {}
        for log in logs[1:]:
            port = _free_port()
            workers[f"tcp://127.0.0.1:{port}"] = subprocess.Popen(
                [*WORKER, address, "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1", "--worker-port", str(port), "--no-dashboard"],
                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
            )
        procs += workers.values()
        client = distributed.Client(address, timeout=60, set_as_default=False)
        client.wait_for_workers(2, timeout=120)
        yield address, client, workers
    finally:
        if client is not None:
            client.close()
        for p in procs:
            p.kill()
            p.wait()
        for log in logs:
            log.close()


def _kill_a_busy_worker(client, workers: dict, batch: subprocess.Popen, timeout_s: float = 300) -> str:
    """SIGKILL the first worker seen analysing a file of the batch; its address."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and batch.poll() is None:
        for address, keys in client.processing().items():
            if any(str(k).startswith("qa-audio-") for k in keys):
                workers[address].send_signal(signal.SIGKILL)
                return address
        time.sleep(0.05)
    raise AssertionError("no worker was ever seen analysing a file")


def _scorecards(db: Path) -> dict:
    with sqlite3.connect(db) as c:
        cards = dict(c.execute("SELECT call_id, score FROM scorecards"))
        results = c.execute("SELECT call_id, rule_id, result FROM findings ORDER BY call_id, rule_id").fetchall()
    return {"scores": cards, "findings": results}


def test_a_batch_survives_a_killed_worker_and_matches_a_local_run(cluster, tmp_path, model_path):
    address, client, workers = cluster
    db = tmp_path / "cluster.db"
    cmd = [sys.executable, "-m", "qa_audio", "process", "samples", "--metadata", "samples/calls.csv", "--db", str(db), "--cluster", address]
    batch = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = _kill_a_busy_worker(client, workers, batch)
    out, err = batch.communicate(timeout=600)
    assert batch.returncode == 0, out + err
    assert killed not in client.scheduler_info()["workers"]
    assert "4 files: 4 processed, 0 already done, 0 failed" in out
    # Progress lines go to stderr when it is not a terminal.
    assert "4/4 calls: 4 done, 0 failed, 0 remaining" in err

    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT id, sha256, status FROM calls ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["c001", "c002", "c003", "c004"]
    assert len({r[1] for r in rows}) == 4 and {r[2] for r in rows} == {"done"}

    local = tmp_path / "local.db"
    run_cli("process", "samples", "--metadata", "samples/calls.csv", "--workers", "2", db=local, check=True)
    assert _scorecards(db) == _scorecards(local)

    # A re-run stores nothing twice; the bytes can also travel to the workers.
    again = run_cli("process", "samples", "--metadata", "samples/calls.csv", "--cluster", address, db=db, check=True)
    assert "4 files: 0 processed, 4 already done, 0 failed" in again.stdout
    sent = tmp_path / "sent.db"
    run_cli("process", "samples/20261122_a01_c001.wav", "--cluster", address, "--send-audio", db=sent, check=True)
    with sqlite3.connect(sent) as s, sqlite3.connect(db) as c:
        assert s.execute("SELECT score FROM scorecards").fetchall() == c.execute("SELECT score FROM scorecards WHERE call_id = 'c001'").fetchall()


def test_send_audio_needs_a_cluster(tmp_path):
    proc = run_cli("process", "samples", "--send-audio", db=tmp_path / "x.db")
    assert proc.returncode == 1
    assert proc.stderr.strip() == "error: --send-audio goes with --cluster"
