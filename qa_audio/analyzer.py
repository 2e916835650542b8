"""The front door: one call's timeline, transcript and scorecard, no database needed.

    from qa_audio import Analyzer, AnalysisConfig
    result = Analyzer(AnalysisConfig(agent_channel=0)).analyze("call.wav")
    print(result.scorecard.score, [f.rule_id for f in result.scorecard.findings if f.result == "fail"])

An `Analyzer` loads the rule pack and tone plan at once and the Whisper model on its first
transcription, then keeps it for every later call (a worker of a batch holds one). `score()`
re-applies a rule pack to a timeline and transcript without any audio (what `rescore` does).
`pipeline.process` is the batch around this: files, metadata, PBX records, the database.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np
import threadpoolctl

from . import models, pbx, redact, roles, rules, scoring, verify
from .decode import SAMPLE_RATE, Audio, DecodeError, decode
from .files import sha256_file
from .matching import IndexedTranscript
from .timeline import AGENT, MIXED, Timeline, add_silent_holds, analyse, speech_rates
from .tones import TonePlan, get_plan
from .transcribe import AsrSettings, Segment, Transcriber

@dataclass(frozen=True)
class AnalysisConfig:
    """Everything that changes what the analysis of a recording finds (batch options such as
    the database, workers, --force, metadata and PBX records are `pipeline.Options`).

    model: a faster-whisper (CTranslate2) model directory; None is `QA_AUDIO_MODEL`, else the
    bundled whisper-base. rules: the rule pack (scoring; with `hotwords` also the prompt; its
    agent phrases also seed mono speaker roles). agent_channel: which stereo channel is the
    agent, 0 (left) or 1 (right). tone_plan: the call-progress tones (`tones.load_plans()`).
    asr: Whisper decoding options. hotwords: prompt Whisper with the pack's service phrases.
    """

    model: str | None = None
    rules: Path = rules.DEFAULT_PACK
    agent_channel: int = 0
    tone_plan: str = "china"
    asr: AsrSettings = field(default_factory=AsrSettings)
    hotwords: bool = False


@dataclass
class Analysis:
    """A recording's signal-side analysis: what a batch's worker sends back for one file.
    Times are seconds into the recording; `segments` are already redacted."""

    duration_s: float
    channels: int
    codec: str
    timeline: Timeline
    segments: list[Segment]
    seconds: float  # wall time it took
    redaction: redact.CallRedaction


@dataclass
class CallResult:
    """One analysed and scored call: the analysis, its timeline completed with the facts that
    need the transcript (silent holds, dead air, speech rate), and its scorecard."""

    analysis: Analysis
    timeline: Timeline
    scorecard: scoring.Scorecard

    @property
    def segments(self) -> list[Segment]:
        """The call's transcript, redacted: one `Segment` per utterance, in recording time."""
        return self.analysis.segments


class Analyzer:
    """One loaded configuration; create one per process and analyse many calls with it.

    Args:
        config: what changes an analysis (default: `AnalysisConfig()`, the standard pack and
            the bundled model).
        threads: CTranslate2 threads for Whisper (0: every core).

    Raises:
        RuleError: the rule pack is invalid (file:line: reason).
        ValueError: an unknown tone plan.
        ModelError: the model folder is not a faster-whisper model.
    """

    def __init__(self, config: AnalysisConfig | None = None, threads: int = 0):
        self.config = config or AnalysisConfig()
        self.threads = threads
        self.pack = rules.load(self.config.rules)
        self.plan: TonePlan = get_plan(self.config.tone_plan)
        self.model_path = models.resolve(self.config.model)
        self.asr = replace(self.config.asr, hotwords=self.pack.hotwords()) if self.config.hotwords else self.config.asr
        self.role_cues = roles.RoleCues.from_pack(self.pack)
        self.privacy = redact.Settings.from_pack(self.pack.settings, None)

    @cached_property
    def cache_key(self) -> str:
        """What a cached transcript must have been made with to be reused: the model's content
        (not its folder's name), the ASR settings, which channel is the agent, the tone plan
        (tones are cut out before ASR) and the phrases that seed mono roles."""
        cues = hashlib.sha256(repr(self.role_cues).encode()).hexdigest()[:8]
        return f"{models.identity(self.model_path)}:{self.asr.key()}:ch{self.config.agent_channel}:{self.config.tone_plan}:{cues}"

    @cached_property
    def transcriber(self) -> Transcriber:
        """The Whisper model, loaded on first use and kept."""
        return Transcriber(self.model_path, self.asr, self.threads)

    def signal(self, source: str | Path | Audio | np.ndarray, sha256: str | None = None, cached: list[dict] | None = None) -> Analysis:
        """Decode (a path), find the timeline, transcribe (or take `cached`), assign mono
        roles and redact personal numbers. With `sha256`, a file whose content is no longer
        that hash is refused (it changed while being read)."""
        # Whisper's log-mel features are a numpy matrix product, and BLAS sums in another order
        # on another number of threads: on 2 cores, OPENBLAS_NUM_THREADS=1 (what a Dask nanny
        # sets) changed the words of samples' c001. One BLAS thread keeps transcripts, and so
        # scorecards, the same in-process, in a local pool and on a cluster.
        with threadpoolctl.threadpool_limits(1):
            return self._signal(source, sha256, cached)

    def _signal(self, source, sha256: str | None, cached: list[dict] | None) -> Analysis:
        t0 = time.perf_counter()
        audio = _audio(source)
        # One snapshot per file: the audio decoded must be the content hashed when the batch
        # began, or its analysis would be stored (and its transcript cached) under another hash.
        if sha256 is not None and sha256_file(Path(source)) != sha256:
            raise DecodeError("changed while reading (its content is not what was hashed when the batch began); run again once it is complete")
        timeline = analyse(audio, self.plan, self.config.agent_channel)
        segments = [Segment.from_dict(d) for d in cached] if cached is not None else self.transcriber.transcribe(audio, timeline)
        if any(s.side == MIXED for s in segments):
            segments = roles.assign(segments, audio.samples()[0], self.role_cues, timeline.answer_s or 0.0)
        # Personal numbers leave the transcript here, before anything is cached, scored or stored.
        segments, redaction = redact.redact_call(segments, audio, timeline, self.privacy)
        timeline = self._verify(audio, timeline, segments)
        return Analysis(audio.duration_s, audio.n_channels, audio.codec, timeline, segments, time.perf_counter() - t0, redaction)

    def _verify(self, audio: Audio, timeline: Timeline, segments: list[Segment]) -> Timeline:
        """The timeline with the required phrases that the transcript lacks and the audio
        verifies (verify.py), as events the rules read; they are stored with the timeline,
        so a rescore keeps them."""
        ctx = scoring.CallContext(complete_timeline(timeline, segments, self.pack), segments)
        found = verify.scored(scoring.unverified(self.pack, ctx), audio, timeline, lambda: self.transcriber.model)
        return replace(timeline, events=[*timeline.events, *verify.events(self.pack, found)])

    def analyze(self, source: str | Path | Audio | np.ndarray, started_at: date | None = None) -> CallResult:
        """One recording analysed and scored.

        Args:
            source: a path ffmpeg reads, a decoded `Audio`, or a (channels, samples) float32
                array at 16 kHz (one row: mono; two: stereo, `config.agent_channel` the agent).
            started_at: when the call was made (a datetime when the time of day is known),
                for time-dependent rules (morning greeting, holidays); None: what they
                measure is unknown.

        Returns:
            CallResult: `.analysis` (timeline as heard, redacted transcript, duration s),
            `.timeline` (completed with silent holds and dead air), `.scorecard`.

        Raises:
            DecodeError: the file cannot be used as a call recording.
        """
        a = self.signal(source)
        timeline, card = score(self.pack, a.timeline, a.segments, started_at)
        return CallResult(a, timeline, card)


def _audio(source: str | Path | Audio | np.ndarray) -> Audio:
    if isinstance(source, Audio):
        return source
    if isinstance(source, np.ndarray):
        channels = np.atleast_2d(np.asarray(source, dtype=np.float32))
        return Audio(channels, SAMPLE_RATE, "array")
    return decode(source)


def score(
    pack: rules.RulePack, timeline: Timeline, segments: list[Segment], started_at: date | None = None,
    pbx_facts: list[pbx.PbxFacts] | None = None, plan: TonePlan | None = None,
) -> tuple[Timeline, scoring.Scorecard]:
    """The rules applied to a call, without audio (what `rescore` does).

    Args:
        pack: the rule pack (`rules.load()`).
        timeline: the call's timeline as heard (`timeline.analyse`, or a stored one).
        segments: its transcript (redacted).
        started_at: when the call was made, for time-dependent rules (None: unknown).
        pbx_facts: PBX records of this call; they win over the audio.
        plan: the tone plan the records are read with (default china).

    Returns:
        (timeline, scorecard): the timeline completed from the transcript (silent holds,
        dead air, speech rates) with the PBX records merged in, and the scorecard. A call
        nobody answered (PBX record) has every rule N/A and no score.
    """
    tl = complete_timeline(timeline, segments, pack)
    if pbx_facts:
        tl = pbx.apply(tl, pbx_facts, plan or get_plan("china"))
    certain = roles.call_confidence(segments) >= pack.min_role_confidence
    ctx = scoring.CallContext(tl, segments, started_at, certain)
    event = pbx.unanswered(tl)
    if event is None:
        return tl, scoring.scorecard(pack, ctx)
    findings = [
        scoring.Finding(r.id, r.title, r.section, pack.sections[r.section].weight, scoring.NA, 0.0, r.points, r.critical, f"na: unanswered call ({event.detail})")
        for r in pack.rules
    ]
    return tl, scoring.Scorecard(None, False, False, [], findings, pack.pass_score, [], pack.name, pack.version, pack.hash)


def complete_timeline(tl: Timeline, segments: list[Segment], pack: rules.RulePack) -> Timeline:
    """The timeline facts that need the transcript: silent holds (after the agent's hold
    cue), unannounced waits and dead air (long silences with no cue), speech rate per side."""
    settings = pack.settings
    cues = pack.collections.get(settings["hold_cue_collection"], ())
    index = IndexedTranscript(segments)
    cue_ends = [h.end_s for p in cues for h in index.find(p) if h.side == AGENT]
    tl = add_silent_holds(tl, cue_ends, float(settings["silent_hold_min_s"]), float(settings["hold_cue_window_s"]), float(settings["dead_air_s"]))
    tl.metrics.speech_rate_cpm = speech_rates(segments)
    return tl
