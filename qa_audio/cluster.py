"""The analysis stage on a Dask cluster: workers decode, find the timeline and transcribe;
the coordinator scores and stays the only database writer, as with the local pool.

Each worker process loads the model once (on its first task) and keeps it. A worker lost
mid-task is replaced by Dask, which runs the task again elsewhere; a file whose task kills
`distributed.scheduler.allowed-failures` workers (3 by default) is recorded as failed.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import Callable, Iterator

from .errors import QaAudioError

# A scheduler that does not answer within this is down or not a Dask scheduler.
_CONNECT_TIMEOUT_S = 20
CHANGED = "the file changed while it was being read; run the batch again"


class ClusterError(QaAudioError):
    """The Dask cluster cannot be used; the message says why, for a person."""


@contextlib.contextmanager
def analyses(jobs: list, init: tuple, address: str, send_audio: bool, task: Callable, note: Callable[[str], None]) -> Iterator:
    """(job, analysis or failure reason) for each job as the cluster finishes it.

    `task(init, source, suffix, sha256, cached)` runs on the workers and returns the analysis
    or the reason it failed; `source` is the file's absolute path (storage the workers share)
    or, with `send_audio`, its bytes; the worker checks it still has the content `sha256`.
    """
    from distributed import Client  # imported here: `cli` names ClusterError without loading Dask

    try:
        client = Client(address, timeout=_CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    try:
        if client.dashboard_link:
            note(f"Dask dashboard: {client.dashboard_link}")
        futures, changed = {}, []
        for job in jobs:
            path, rec, cached = Path(job[0]), job[1], job[3]
            source = _snapshot(path, rec.sha256) if send_audio else str(path.resolve())
            if source is None:
                changed.append((job, CHANGED))
                continue
            # Keyed by content, so that Dask never runs one file's analysis twice at once.
            futures[client.submit(task, init, source, path.suffix, rec.sha256, cached, key=f"qa-audio-{rec.sha256}", pure=False)] = job
        yield _results(client, changed, futures)
    finally:
        client.close()


def _results(client, changed: list, futures: dict) -> Iterator:
    from distributed import as_completed

    yield from changed
    for f in as_completed(list(futures), loop=client.loop):
        yield futures[f], _outcome(f)


def _snapshot(path: Path, sha256: str) -> bytes | None:
    """The file's bytes, or None if they are no longer the bytes that were hashed."""
    data = path.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == sha256 else None


def _outcome(future):
    from distributed.scheduler import KilledWorker

    try:
        return future.result()
    except KilledWorker:
        return "the Dask workers running this file kept dying (killed or out of memory); not retried further"
    except Exception as exc:  # noqa: BLE001 - a failure of the cluster, not of the file
        return f"cluster error: {type(exc).__name__}: {exc}"
