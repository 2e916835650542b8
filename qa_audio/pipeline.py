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
from pathlib import Path
from typing import Callable, Iterable, Iterator

import threadpoolctl

from . import metadata as meta
from . import models, pbx, redact, roles, rules, scoring
from .decode import DecodeError, decode
from .files import sha256_file
from .store import CallRecord, Store
from .matching import IndexedTranscript
from .timeline import AGENT, MIXED, Timeline, add_silent_holds, analyse, speech_rates, timeline_from_dict
from .tones import get_plan
from .transcribe import AsrSettings, Segment, Transcriber, segments_from_dicts

AUDIO_EXTENSIONS = {
    ".wav", ".mp3", ".ogg", ".oga", ".opus", ".flac", ".m4a", ".aac", ".amr", ".wma", ".webm",
    ".mp4", ".au", ".aif", ".aiff", ".caf", ".mka", ".3gp", ".spx", ".gsm",
}


@dataclass
class Options:
    db: Path
    model: str | None = None
    workers: int | None = None  # None: default_workers()
    agent_channel: int = 0
    tone_plan: str = "china"
    rules: Path = rules.DEFAULT_PACK
    metadata: Path | None = None
    pattern: str = meta.DEFAULT_PATTERN
    pbx_records: list[Path] = field(default_factory=list)
    pbx_format: str | None = None  # a layout name or .toml file for headerless cdr_custom / cel_custom
    inbound: bool = True
    force: bool = False
    asr: AsrSettings = field(default_factory=AsrSettings)
    hotwords: bool = False  # prompt Whisper with the rule pack's service phrases
    cluster: str | None = None  # a Dask scheduler address: analyse there instead of a local pool
    send_audio: bool = False  # with a cluster: send the bytes, for files only this machine can read


@dataclass
class Outcome:
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
    outcomes: list[Outcome]
    ignored: list[str]
    failed_rules: dict[str, int]
    warnings: list[str] = field(default_factory=list)  # PBX records that could not be read

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def mean_score(self) -> float | None:
        scores = [o.score for o in self.outcomes if o.status == "done" and o.score is not None]
        return round(sum(scores) / len(scores), 1) if scores else None

    @property
    def flagged(self) -> int:
        return sum(o.flagged for o in self.outcomes if o.status == "done")


@dataclass
class Analysis:
    """What a worker sends back for one file."""

    duration_s: float
    channels: int
    codec: str
    timeline: Timeline
    segments: list[Segment]  # personal numbers redacted
    seconds: float
    redaction: redact.CallRedaction


class Progress:
    """What a batch reports while it runs; this one keeps quiet (see `progress.BatchProgress`)."""

    def begin(self, queued: int) -> None:
        """`queued` files are about to be analysed (files already stored are not counted)."""

    def advance(self, outcome: Outcome) -> None:
        """One file is finished: done, failed or skipped."""

    def note(self, text: str) -> None:
        """A line for the person running the batch (e.g. the Dask dashboard's address)."""


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """Recordings under the given files and folders; names given explicitly are always tried."""
    files: list[Path] = []
    ignored: list[str] = []
    for p in paths:
        if not p.is_dir():
            files.append(p)
            continue
        for f in sorted(x for x in p.rglob("*") if x.is_file() and not x.name.startswith(".")):
            if f.suffix.lower() in AUDIO_EXTENSIONS:
                files.append(f)
            else:
                ignored.append(str(f))
    return files, ignored


_WORKER: dict = {}


# Peak RSS of one worker with whisper-base int8 is about 1.1 GiB (benchmarks/speed.py).
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


def _init_worker(
    model_path: str, settings: AsrSettings, threads: int, plan_name: str, agent_channel: int, cues: roles.RoleCues, privacy: redact.Settings
) -> None:
    if multiprocessing.parent_process() is not None:
        threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    # Whisper's log-mel features are a numpy matrix product, and BLAS sums in another order
    # on another number of threads: on 2 cores, OPENBLAS_NUM_THREADS=1 (what a Dask nanny
    # sets) changed the words of samples' c001. One BLAS thread everywhere keeps transcripts,
    # and so scorecards, the same in-process, in a local pool and on a cluster.
    threadpoolctl.threadpool_limits(1)
    _WORKER.update(
        transcriber=Transcriber(Path(model_path), settings, threads),
        plan=get_plan(plan_name),
        agent_channel=agent_channel,
        cues=cues,
        privacy=privacy,
    )


def _analyse(path: str, cached: list[dict] | None) -> Analysis:
    t0 = time.perf_counter()
    audio = decode(path)
    timeline = analyse(audio, _WORKER["plan"], _WORKER["agent_channel"])
    if cached is not None:
        segments = segments_from_dicts(cached)
    else:
        segments = _WORKER["transcriber"].transcribe(audio, timeline)
    if any(s.side == MIXED for s in segments):
        segments = roles.assign(segments, audio.mono(), _WORKER["cues"], timeline.answer_s or 0.0)
    # Personal numbers leave the transcript here, before anything is cached, scored or stored.
    segments, redaction = redact.redact_call(segments, audio, timeline, _WORKER["privacy"])
    return Analysis(audio.duration_s, audio.channels.shape[0], audio.codec, timeline, segments, time.perf_counter() - t0, redaction)


def _analyse_anywhere(init: tuple, source: str | bytes, suffix: str, cached: list[dict] | None) -> Analysis | str:
    """One file's analysis, or the reason it failed, as a task for any worker (a Dask worker
    too): the model is loaded once per process and kept for every later task with the same
    set-up. `source` is a path on storage the worker shares, or the file's bytes."""
    return _safely(lambda: _analyse_source(init, source, suffix, cached))


def _analyse_source(init: tuple, source: str | bytes, suffix: str, cached: list[dict] | None) -> Analysis:
    if _WORKER.get("init") != init:
        _init_worker(*init)
        _WORKER["init"] = init
    if isinstance(source, str):
        return _analyse(source, cached)
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        f.write(source)
        f.flush()
        return _analyse(f.name, cached)


def _worker_init(model_path: Path, asr: AsrSettings, opts: Options, pack: rules.RulePack, n_jobs: int, privacy: redact.Settings) -> tuple:
    """The set-up every worker builds its model and plan from."""
    if opts.cluster:
        # A Dask worker cannot know how many others share its machine: one CTranslate2 thread
        # each, so that one worker process per core (`--nthreads 1`) fills the machine.
        threads = 1
    else:
        threads = max(1, _cores() // _local_workers(opts, n_jobs))
    return (str(model_path), asr, threads, opts.tone_plan, opts.agent_channel, role_cues(pack), privacy)


def _local_workers(opts: Options, n_jobs: int) -> int:
    return max(1, min(opts.workers or default_workers(), n_jobs))


@contextlib.contextmanager
def _analyses(jobs: list, init: tuple, opts: Options, progress: Progress) -> Iterator[Iterable]:
    """(job, analysis or failure reason) for each job as it finishes: in this process, in a
    local pool, or on a Dask cluster. Only the caller writes to the database."""
    if opts.cluster:
        from . import cluster  # Dask is imported only by a batch that asks for a cluster

        with cluster.analyses(jobs, init, opts.cluster, opts.send_audio, _analyse_anywhere, progress.note) as results:
            yield results
        return
    workers = _local_workers(opts, len(jobs))
    if workers == 1:
        if jobs:
            _init_worker(*init)
        yield ((job, _safely(lambda job=job: _analyse(str(job[0]), job[3]))) for job in jobs)
        return
    # Spawned, not forked: each worker loads its own model in a clean process.
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=init) as pool:
        futures = {pool.submit(_analyse, str(job[0]), job[3]): job for job in jobs}
        try:
            yield ((futures[f], _safely(f.result)) for f in cf.as_completed(futures))
        finally:
            pool.shutdown(cancel_futures=True)


def role_cues(pack: rules.RulePack) -> roles.RoleCues:
    return roles.RoleCues.from_pack(pack)


def process(paths: list[Path], opts: Options, progress: Progress | None = None) -> Summary:
    """Analyse, score and store every recording under `paths`; calls already stored are skipped."""
    progress = progress or Progress()
    pack = rules.load(opts.rules)
    plan = get_plan(opts.tone_plan)
    sidecar = meta.load_sidecar(opts.metadata) if opts.metadata else {}
    meta.pattern_regex(opts.pattern)  # fail early on a bad pattern
    records = pbx.load_records(opts.pbx_records, opts.inbound, opts.pbx_format) if opts.pbx_records else pbx.Records()
    model_path = models.resolve(opts.model)
    asr = replace(opts.asr, hotwords=pack.hotwords()) if opts.hotwords else opts.asr
    # Transcripts are cached per (audio, model, ASR settings): rule changes never re-transcribe.
    asr_key = f"{model_path.name}:{asr.key()}"
    privacy = redact.Settings.from_pack(pack.settings, pack.path, redact.copies_dir(opts.db))
    store = Store(opts.db)
    files, ignored = discover(paths)
    own = {str(opts.db.resolve()) + suffix for suffix in ("", "-wal", "-shm", "-journal")}
    ignored = [f for f in ignored if str(Path(f).resolve()) not in own]
    files = [f for f in files if privacy.audio_dir not in f.resolve().parents]  # our own redacted copies
    done = store.done_hashes()
    outcomes: list[Outcome] = []
    failed_rules: dict[str, int] = {}

    def emit(o: Outcome) -> None:
        outcomes.append(o)
        progress.advance(o)

    jobs = []
    for path in files:
        try:
            sha = sha256_file(path)
        except OSError as exc:
            emit(Outcome(str(path), "failed", error=f"cannot read file: {exc.strerror}"))
            continue
        info = meta.resolve(path, sidecar, opts.pattern)
        rec = CallRecord(info.call_id or sha[:16], str(path), sha, info.agent_id, info.started_at.isoformat() if info.started_at else None)
        if sha in done and not opts.force:
            emit(Outcome(str(path), "skipped", rec.id))
            continue
        if any(j[1].sha256 == sha for j in jobs):
            emit(Outcome(str(path), "skipped", rec.id, "same content as another file in this batch"))
            continue
        jobs.append((path, rec, info.started_at, store.cached_segments(sha, asr_key)))

    progress.begin(len(jobs))
    init = _worker_init(model_path, asr, opts, pack, len(jobs), privacy)
    runner = contextlib.ExitStack()
    try:
        results = runner.enter_context(_analyses(jobs, init, opts, progress))
        for (path, rec, started_at, cached), result in results:
            if isinstance(result, str):
                store.save_failure(rec, result)
                emit(Outcome(str(path), "failed", rec.id, result))
                continue
            tl = complete_timeline(result.timeline, result.segments, pack)
            facts = records.for_call(rec.id, started_at)
            if facts:
                tl = pbx.apply(tl, facts, plan)
            rec.duration_s, rec.channels, rec.codec = round(result.duration_s, 2), result.channels, result.codec
            certain = roles.call_confidence(result.segments) >= pack.min_role_confidence
            card = score(pack, scoring.CallContext(tl, result.segments, started_at, certain))
            if cached is None:
                store.cache_segments(rec.sha256, asr_key, result.redaction.raw or result.segments)
            copy = redact.keep_copy(result.redaction, privacy, rec.sha256)
            store.save_call(rec, tl, result.segments, card, asr_key, result.redaction, copy)
            for f in card.findings:
                if f.result == scoring.FAIL:
                    failed_rules[f.rule_id] = failed_rules.get(f.rule_id, 0) + 1
            emit(Outcome(str(path), "done", rec.id, None, card.score, card.flagged, result.duration_s, result.seconds))
    finally:
        runner.close()
        store.close()
    return Summary(outcomes, ignored, failed_rules, [str(w) for w in records.warnings])


def score(pack: rules.RulePack, ctx: scoring.CallContext) -> scoring.Scorecard:
    """The scorecard; a call nobody answered (PBX record) has every rule N/A and no score."""
    event = pbx.unanswered(ctx.timeline)
    if event is None:
        return scoring.scorecard(pack, ctx)
    findings = [
        scoring.Finding(r.id, r.title, r.section, pack.sections[r.section].weight, scoring.NA, 0.0, r.points, r.critical, f"na: unanswered call ({event.detail})")
        for r in pack.rules
    ]
    return scoring.Scorecard(None, False, False, [], findings, pack.pass_score, [], pack.name, pack.version, pack.hash)


def complete_timeline(tl: Timeline, segments: list[Segment], pack: rules.RulePack) -> Timeline:
    """The timeline facts that need the transcript: silent holds (after the agent's hold
    cue), unannounced waits and dead air (long silences with no cue), speech rate per side."""
    cues = pack.collections.get(pack.settings.get("hold_cue_collection", "hold_ask"), ())
    index = IndexedTranscript(segments)
    cue_ends = [h.end_s for p in cues for h in index.find(p) if h.side == AGENT]
    settings = pack.settings
    tl = add_silent_holds(
        tl, cue_ends, float(settings.get("silent_hold_min_s", 8.0)), float(settings.get("hold_cue_window_s", 15.0)),
        float(settings.get("dead_air_s", float("inf"))),
    )
    tl.metrics.speech_rate_cpm = speech_rates(segments)
    return tl


def _safely(work: Callable[[], Analysis]) -> Analysis | str:
    """The analysis, or the reason it failed: one bad file must not stop the batch."""
    try:
        return work()
    except DecodeError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001
        return f"internal error: {type(exc).__name__}: {exc}"


def rescore(db: Path, rules_path: Path = rules.DEFAULT_PACK) -> list[tuple[str, scoring.Scorecard]]:
    """Re-apply (possibly changed) rules to stored timelines and transcripts; no ASR."""
    pack = rules.load(rules_path)
    store = Store(db, must_exist=True)
    out = []
    try:
        # A purged call keeps the scorecard it had: its transcript is gone.
        for call in store.calls("status = 'done' AND purged_at IS NULL"):
            segs = segments_from_dicts(store.segments(call["id"]))
            # Silent holds come from the pack's hold cues and thresholds, so they are found anew.
            tl = complete_timeline(timeline_from_dict(call["timeline_json"]), segs, pack)
            started = meta.parse_when(call["started_at"]) if call["started_at"] else None
            certain = roles.call_confidence(segs) >= pack.min_role_confidence
            card = score(pack, scoring.CallContext(tl, segs, started, certain))
            store.save_rescore(call["id"], tl, card)
            out.append((call["id"], card))
    finally:
        store.close()
    return out
