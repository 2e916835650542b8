"""The batch: decode -> signal timeline -> transcript -> rule checks -> scorecard -> store.

Decoding, the timeline and ASR run in worker processes (one model each); scoring and all
writes happen in the parent, one transaction per call, so the store has a single writer
and a killed batch resumes where it stopped.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple

from . import metadata as meta
from . import pbx, redact, rules, scoring
from .analyzer import AnalysisConfig, Analysis, Analyzer, score
from .errors import QaAudioError, log, one_line
from .files import sha256_file
from .core import Timeline
from .decode import declared_seconds
from .store import CallRecord, RETRY_PAUSES_S, IdentityError, Store, StoreFault, StoreError, segment_from_row

AUDIO_EXTENSIONS = {
    ".wav", ".mp3", ".ogg", ".oga", ".opus", ".flac", ".m4a", ".aac", ".amr", ".wma", ".webm",
    ".mp4", ".au", ".aif", ".aiff", ".caf", ".mka", ".3gp", ".spx", ".gsm",
}


@dataclass
class Options:
    """A batch: where it is stored and how it runs. What changes an analysis is `config`."""

    db: Path
    config: AnalysisConfig = field(default_factory=AnalysisConfig)
    workers: int | None = None  # None: default_workers()
    metadata: Path | None = None
    pattern: str = meta.DEFAULT_PATTERN
    pbx_records: list[Path] = field(default_factory=list)
    pbx_format: str | None = None  # a layout name or .toml file for headerless cdr_custom / cel_custom
    inbound: bool = True
    force: bool = False
    lock_timeout_s: float = 10.0  # wait for another program's write lock, per try
    retry_pauses_s: tuple[float, ...] = RETRY_PAUSES_S
    cluster: str | None = None  # a Dask scheduler address: analyse there instead of a local pool
    send_audio: bool = False  # with a cluster: send the bytes, for files only this machine can read


@dataclass
class Outcome:
    """What became of one file in a batch: `status` done, failed or skipped; its call id,
    the reason it failed, its score and flag, the audio's length and the wall time taken (s).
    """

    file: str
    status: str  # done | failed | skipped
    call_id: str | None = None
    error: str | None = None
    score: float | None = None
    flagged: bool = False
    duration_s: float = 0.0
    seconds: float = 0.0


@dataclass
class Summary:
    """A finished batch: each file's outcome, the files ignored (not audio), how often each
    rule failed, and warnings about PBX records that could not be read.
    """

    outcomes: list[Outcome]
    ignored: list[str]
    failed_rules: dict[str, int]
    warnings: list[str] = field(default_factory=list)  # PBX records that could not be read

    def count(self, status: str) -> int:
        """How many files ended with `status` (done, failed or skipped)."""
        return sum(o.status == status for o in self.outcomes)

    @property
    def mean_score(self) -> float | None:
        """The mean score of the calls done in this batch (calls without a score left out), or None."""
        scores = [o.score for o in self.outcomes if o.status == "done" and o.score is not None]
        return round(sum(scores) / len(scores), 1) if scores else None

    @property
    def flagged(self) -> int:
        """How many calls done in this batch were flagged for review."""
        return sum(o.flagged for o in self.outcomes if o.status == "done")


class Progress:
    """What a batch reports while it runs; this one keeps quiet (see `progress.BatchProgress`)."""

    def begin(self, queued: int) -> None:
        """`queued` files are about to be analysed (files already stored are not counted)."""

    def advance(self, outcome: Outcome) -> None:
        """One file is finished: done, failed or skipped."""

    def note(self, text: str) -> None:
        """A line for the person running the batch (e.g. the Dask dashboard's address)."""


@dataclass(frozen=True)
class Recording:
    """A file found by `discover`: its path and its name relative to the folder it was found in."""

    path: Path
    rel: str  # path relative to the folder it was found in (its name, for a file given by name)


def discover(paths: Iterable[Path]) -> tuple[list[Recording], list[str]]:
    """Recordings under the given files and folders; names given explicitly are always tried."""
    files: list[Recording] = []
    ignored: list[str] = []
    for p in paths:
        if not p.is_dir():
            files.append(Recording(p, p.name))
            continue
        for f in sorted(x for x in p.rglob("*") if x.is_file() and not x.name.startswith(".")):
            if f.suffix.lower() in AUDIO_EXTENSIONS:
                files.append(Recording(f, f.relative_to(p).as_posix()))
            else:
                ignored.append(str(f))
    return files, ignored


_WORKER: dict = {}


# Peak RSS of one worker with whisper-base int8: about 1.1 GiB on 4-minute calls (benchmarks/speed.py),
# 1172 MiB on a 60-minute stereo call (benchmarks/long_call.py --minutes 60 --stages total).
WORKER_MEMORY_BYTES = int(1.5 * 2**30)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def default_workers() -> int:
    """One worker per CPU core, as far as memory allows (each worker holds its own model).

    Whisper decoding keeps two threads of one process less busy than two processes of one
    thread each: four 4-minute calls ran 21.6x real time with two workers against 18.2x
    with one worker of two threads (benchmarks/speed.py --calls 4).
    """
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return _cores()
    return max(1, min(_cores(), memory // WORKER_MEMORY_BYTES))


def _exit_with_parent(parent: int) -> None:
    # A batch killed outright (SIGKILL, out of memory) cannot shut its pool down, and its
    # workers would wait for work forever, each holding a model in memory.
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _init_worker(config: AnalysisConfig, threads: int) -> None:
    if multiprocessing.parent_process() is not None:
        threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    _WORKER["analyzer"] = Analyzer(config, threads)
    _WORKER["init"] = (config, threads)


def _analyse(path: str, sha256: str, cached: list[dict] | None) -> Analysis:
    return _WORKER["analyzer"].signal(path, sha256, cached)


def _analyse_anywhere(init: tuple, source: str | bytes, suffix: str, sha256: str, cached: list[dict] | None) -> Analysis | str:
    """One file's analysis, or the reason it failed, as a task for any worker (a Dask worker
    too): the model is loaded once per process and kept for every later task with the same
    set-up. `source` is a path on storage the worker shares, or the file's bytes."""
    return _safely(lambda: _analyse_source(init, source, suffix, sha256, cached), source if isinstance(source, str) else None)


def _analyse_source(init: tuple, source: str | bytes, suffix: str, sha256: str, cached: list[dict] | None) -> Analysis:
    if _WORKER.get("init") != init:
        _init_worker(*init)
    if isinstance(source, str):
        return _analyse(source, sha256, cached)
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        f.write(source)
        f.flush()
        return _analyse(f.name, sha256, cached)


def _worker_init(opts: Options, n_jobs: int) -> tuple[AnalysisConfig, int]:
    """What every worker builds its Analyzer from: the config and its CTranslate2 threads."""
    if opts.cluster:
        # A Dask worker cannot know how many others share its machine: one CTranslate2 thread
        # each, so that one worker process per core (`--nthreads 1`) fills the machine.
        return opts.config, 1
    return opts.config, max(1, _cores() // _local_workers(opts, n_jobs))


def _local_workers(opts: Options, n_jobs: int) -> int:
    return max(1, min(opts.workers or default_workers(), n_jobs))


@contextlib.contextmanager
def _analyses(jobs: list[Job], init: tuple, opts: Options, progress: Progress) -> Iterator[Iterable[tuple[Job, Analysis | str]]]:
    """(job, analysis or failure reason) for each job as it finishes: in this process, in a
    local pool, or on a Dask cluster. Only the caller writes to the database."""
    if opts.cluster:
        from . import cluster  # Dask is imported only by a batch that asks for a cluster

        with cluster.analyses(longest_first(jobs), init, opts.cluster, opts.send_audio, _analyse_anywhere, progress.note) as results:
            yield results
        return
    workers = _local_workers(opts, len(jobs))
    if workers == 1:
        if jobs:
            _init_worker(*init)
        yield ((job, _safely(lambda job=job: _analyse(str(job.path), job.rec.sha256, job.cached), job.path)) for job in jobs)
        return
    # Spawned, not forked: each worker loads its own model in a clean process.
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=init) as pool:
        futures = {pool.submit(_analyse, str(job.path), job.rec.sha256, job.cached): job for job in longest_first(jobs)}
        try:
            yield ((futures[f], _safely(f.result, futures[f].path)) for f in cf.as_completed(futures))
        finally:
            pool.shutdown(cancel_futures=True)


def longest_first(jobs: list[Job]) -> list[Job]:
    """Jobs to transcribe, the longest recordings first; cached transcripts (nearly free) last.

    A pool (and a Dask scheduler) takes jobs in the order given: with the longest call last,
    one worker still transcribes it while the others idle. Transcription follows a call's
    length, stereo or mono (the four calls of benchmarks/speed.py, 260-347 s long, had
    233-328 s of speech decoded, retries included). A file whose header gives no length goes last.
    """
    return sorted(jobs, key=lambda job: (job.cached is None, declared_seconds(job.path) or 0.0), reverse=True)


class Job(NamedTuple):
    """One file to analyse: where it is, its call record, when it started, and its cached transcript if any."""

    path: Path
    rec: CallRecord
    started_at: date | None  # a datetime when the time of day is known
    cached: list[dict] | None  # the transcript, when the cache has it


def process(paths: list[Path], opts: Options, progress: Progress | None = None) -> Summary:
    """Analyse, score and store every recording under `paths`; calls already analysed and
    stored are skipped, files recorded as failed are tried again.

    Args:
        paths: recordings and folders (searched recursively for audio files).
        opts: the database, the analysis config, workers, metadata, PBX records, --force.
        progress: told of each file as it finishes (default: quiet).

    Returns:
        Summary: each file's outcome (done, failed with its reason, skipped), ignored
        non-audio files, failed-rule counts and PBX warnings. A file that fails is recorded
        and the batch goes on; a killed batch resumes where it stopped.

    Raises:
        QaAudioError: the batch cannot run at all (bad metadata or pattern, unusable
            database, invalid rule pack, missing model, unreachable cluster).
    """
    progress = progress or Progress()
    # The coordinator's Analyzer never transcribes (its model is loaded only on first use):
    # it scores, and names the transcript cache.
    analyzer = Analyzer(opts.config)
    pack = analyzer.pack
    sidecar = meta.load_sidecar(opts.metadata) if opts.metadata else None
    meta.pattern_regex(opts.pattern)  # fail early on a bad pattern
    records = pbx.load_records(opts.pbx_records, opts.inbound, opts.pbx_format) if opts.pbx_records else pbx.Records()
    # Transcripts are cached per audio and everything that changes them: rule changes never re-transcribe.
    asr_key = analyzer.cache_key
    privacy = replace(analyzer.privacy, audio_dir=redact.copies_dir(opts.db))
    store = Store(opts.db, lock_timeout_s=opts.lock_timeout_s, retry_pauses_s=opts.retry_pauses_s)
    outcomes: list[Outcome] = []
    failed_rules: dict[str, int] = {}

    def emit(o: Outcome) -> None:
        outcomes.append(o)
        progress.advance(o)

    runner = contextlib.ExitStack()
    try:
        files, ignored = discover(paths)
        own = {str(opts.db.resolve()) + suffix for suffix in ("", "-wal", "-shm", "-journal", ".log")}
        ignored = [f for f in ignored if str(Path(f).resolve()) not in own]
        files = [f for f in files if privacy.audio_dir not in f.path.resolve().parents]  # our own redacted copies
        jobs = _plan(files, opts, sidecar, store, asr_key, emit)
        progress.begin(len(jobs))
        init = _worker_init(opts, len(jobs))
        for job, result in runner.enter_context(_analyses(jobs, init, opts, progress)):
            if isinstance(result, str):
                emit(_save_failure(store, job, result))
                continue
            rec = job.rec
            tl, card = score(pack, result.timeline, result.segments, job.started_at, records.for_call(rec.id, job.started_at), analyzer.plan)
            rec.duration_s, rec.channels, rec.codec = round(result.duration_s, 2), result.channels, result.codec
            cached = job.cached is not None
            try:
                if not cached:
                    store.cache_segments(rec.sha256, asr_key, result.redaction.raw or result.segments)
                    cached = True
                copy = redact.keep_copy(result.redaction, privacy, rec.sha256)
                store.save_call(rec, tl, result.segments, card, asr_key, result.redaction, copy)
            except (StoreFault, OSError) as exc:
                # OSError: the redacted audio copy, written beside the database, did not fit either.
                reason = str(exc) if isinstance(exc, StoreFault) else f"cannot write the redacted audio copy: {exc.strerror or exc}"
                kept = "; its transcript is cached: a re-run stores it without transcribing" if cached else ""
                emit(Outcome(str(job.path), "failed", rec.id, f"{reason}{kept}"))
                continue
            except StoreError as exc:
                emit(_save_failure(store, job, str(exc)))
                continue
            for f in card.findings:
                if f.result == scoring.FAIL:
                    failed_rules[f.rule_id] = failed_rules.get(f.rule_id, 0) + 1
            emit(Outcome(str(job.path), "done", rec.id, None, card.score, card.flagged, result.duration_s, result.seconds))
    finally:
        runner.close()
        store.close()
    return Summary(outcomes, ignored, failed_rules, [str(w) for w in records.warnings])


def _plan(files: list[Recording], opts: Options, sidecar: meta.Sidecar | None, store: Store, asr_key: str, emit) -> list[Job]:
    """Hash each file once and give it its call id; refuse what would collide.

    The content hash is a call's identity; the call id (from metadata or the name) is a
    label, unique in the database and in the batch. A file whose id another audio already
    has is recorded as failed under its hash, naming the other file."""
    stored = store.stored_ids()
    rows = {r.path: sidecar.match(r.path, r.rel) for r in files} if sidecar else {}
    users: dict[int, list[str]] = {}
    for r in files:
        if rows.get(r.path):
            users.setdefault(rows[r.path].row, []).append(r.rel)
    jobs: list[Job] = []
    claimed: dict[str, str] = {}  # call id -> file, in this batch
    for r in files:
        try:
            sha = sha256_file(r.path)
        except OSError as exc:
            emit(Outcome(str(r.path), "failed", error=f"cannot read file: {exc.strerror}"))
            continue
        info = meta.resolve(r.path, r.rel, sidecar, opts.pattern)
        started = info.started_at.isoformat() if info.started_at else None
        rec = CallRecord(info.call_id or sha[:16], str(r.path), sha, info.agent_id, started)
        row = rows.get(r.path)
        if row and len(users[row.row]) > 1:
            error = f"metadata {sidecar.path} row {row.row} ({row.file!r}) fits several files ({', '.join(users[row.row])}); name each file by its path relative to the batch folder"
            emit(_save_failure(store, Job(r.path, replace(rec, id=sha[:16], agent_id=None, started_at=None), None, None), error))
            continue
        if stored.get(sha) == rec.id and not opts.force:
            emit(Outcome(str(r.path), "skipped", rec.id))
            continue
        if any(j.rec.sha256 == sha for j in jobs):
            emit(Outcome(str(r.path), "skipped", rec.id, "same content as another file in this batch"))
            continue
        conflict = store.identity_conflict(rec)
        if conflict is None and rec.id in claimed:
            conflict = IdentityError(f"call id {rec.id!r} is also given to {claimed[rec.id]} in this batch; not stored over it: give {r.path} a unique call id", True)
        if conflict:
            emit(_save_failure(store, Job(r.path, replace(rec, id=sha[:16]) if conflict.id_taken else rec, None, None), str(conflict)))
            continue
        claimed[rec.id] = str(r.path)
        jobs.append(Job(r.path, rec, info.started_at, store.cached_segments(sha, asr_key)))
    return jobs


def _save_failure(store: Store, job: Job, error: str) -> Outcome:
    """Record a file as failed, never over another call: when its id is another audio's,
    the failure is stored under its content hash; when the stored analysis of this audio
    must stay (reviewed, or done before), or the database cannot be written, the outcome
    alone says so (and the run exits 1)."""
    rec = job.rec
    for attempt in (rec, replace(rec, id=rec.sha256[:16])):
        try:
            store.save_failure(attempt, error)
            return Outcome(str(job.path), "failed", attempt.id, error)
        except IdentityError as exc:
            if not exc.id_taken or attempt.id != rec.id:
                return Outcome(str(job.path), "failed", rec.id, _join(error, str(exc)))
            error = _join(error, str(exc))
        except StoreError as exc:
            log.error("%s failed (%s) and could not be recorded: %s", job.path, error, exc)
            return Outcome(str(job.path), "failed", rec.id, _join(error, f"not recorded: {exc}"))
    return Outcome(str(job.path), "failed", rec.id, error)


def _join(error: str, more: str) -> str:
    return error if more in error else f"{error}; {more}"


def _safely(work: Callable[[], Analysis], path: Path | str | None = None) -> Analysis | str:
    """The analysis, or the reason it failed: one bad file must not stop the batch."""
    try:
        return work()
    except QaAudioError as exc:
        return one_line(str(exc))
    except Exception as exc:  # noqa: BLE001
        log.error("internal error on %s", path, exc_info=exc)
        return one_line(f"internal error: {type(exc).__name__}: {exc}")


def rescore(db: Path, rules_path: Path = rules.DEFAULT_PACK) -> list[tuple[str, scoring.Scorecard]]:
    """Re-apply (possibly changed) rules to stored timelines and transcripts; no ASR."""
    pack = rules.load(rules_path)
    store = Store(db, must_exist=True)
    out = []
    try:
        # A purged call keeps the scorecard it had: its transcript is gone.
        for call in store.calls("status = 'done' AND purged_at IS NULL"):
            segs = [segment_from_row(r) for r in store.segments(call["id"])]
            started = meta.parse_when(call["started_at"]) if call["started_at"] else None
            # Silent holds come from the pack's hold cues and thresholds, so they are found anew;
            # the stored timeline already holds what PBX records said.
            tl, card = score(pack, Timeline.from_dict(call["timeline_json"]), segs, started)
            store.save_rescore(call["id"], tl, card)
            out.append((call["id"], card))
    finally:
        store.close()
    return out
