"""Who is speaking on a mono recording: agent or customer, with a confidence.

Each utterance becomes its mean cepstrum (MFCC from a mel filterbank over 200-3600 Hz, the
band that both wideband and G.711 recordings keep); utterances are compared by the cosine
of those means centred on the call and whitened by the spread within an utterance, and
split in two by average linkage, the voice holding the utterance with the agent's opening
named first (the agent answers the phone with a greeting or self-introduction).
A voice split off on its own (one utterance unlike every other: a cough, a fragment of
line noise) is set aside and the rest split again, so that an outlier does not become
"the customer". The per-utterance confidence is the silhouette of that split; a call
whose voices do not separate well is flagged for review rather than scored as certain.
Then what is said: an utterance with a line only an agent says (the introduction, the
offer of help, the closing question and thanks) is the agent's, whatever its voice; when
most such lines fall in the voice taken for the customer, the two names are swapped.
With two or more utterances that say such lines, they hold the agent's voice together and
the split is made around them, not around the opening alone (benchmarks/rules.py, 100 dev
calls: mono closing_thanks precision 0.708 -> 1.000; on its first 58 calls, rule results lost to
roles 9 -> 1), unless the split from the opening alone fits the other utterances better; either
way the agent's name goes to the voice those lines are nearer (benchmarks/rules.py --set blind3,
cached transcripts, 50 mono calls: role accuracy over time 0.967 -> 0.982, closing_thanks mono
precision 0.870 -> 0.909; benchmarks/roles.py --calls 40 unchanged).
Measured by benchmarks/roles.py (see _distances; with the KL divergence of per-utterance
Gaussians used before, two voice models were tried and left out, 20 calls a row: pooled
full-covariance voice models 0.903 / 0.903 real agent wideband / G.711 against 0.907 / 0.899;
a median log-F0 distance added to the divergences 0.76-0.82).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .decode import SAMPLE_RATE
from .matching import IndexedTranscript
from .rules import Near, RulePack
from .timeline import AGENT, CUSTOMER
from .transcribe import Segment

_N_FFT = 512
_N_MELS = 24
_N_CEPS = 12
# An utterance needs this many frames (16 ms hop) for its Gaussian to be worth clustering.
_MIN_FRAMES = 20
_MIN_ASSIGN_FRAMES = 5
_OUTLIER_ROUNDS = 3
# The agent's opening words come within this many seconds of pickup.
_OPENING_S = 30
# A line only an agent says, heard this well, decides its speaker whatever the voice says.
_AGENT_LINE_QUALITY = 0.9
_AGENT_LINE_CONFIDENCE = 0.9
# Agent-only lines, opening included, that hold the agent's voice instead of the opening alone.
_MIN_ANCHORS = 2
# How far the within-utterance covariance is pulled to its diagonal (see _distances).
_SHRINK = 0.25
# Frames below this percentile of a segment's energy are left out. The mean cepstrum needs the
# voice's quieter frames too (benchmarks/roles.py, real agent, wideband / G.711: leaving out
# 30 % 0.972 / 0.960, 20 % 0.975 / 0.974, 10 % 0.974 / 0.974, none 0.979 / 0.979); a tenth is
# kept out for the pauses and line noise that a recogniser's segment holds and a true line does not.
_QUIETEST_PERCENT = 10


@dataclass(frozen=True)
class RoleCues:
    """What is said tells who says it: the opening seeds the agent's voice; lines that only
    an agent says in a service call (the introduction, the offer of help, the closing
    question and thanks) mark their utterance as the agent's."""

    opening: tuple[str, ...]
    agent_only: tuple[str, ...]
    # The same intents in other words: the `near` conditions of the rules that ask for them.
    agent_only_near: tuple[Near, ...] = ()

    @classmethod
    def from_pack(cls, pack: RulePack) -> "RoleCues":
        """The cues from a rule pack: its opening and agent-line phrase collections and the
        `near` conditions of its agent-line rules (settings opening_collections,
        agent_line_collections, agent_line_rules).
        """
        s = pack.settings
        phrases = lambda names: tuple(p for n in names for p in pack.collections.get(n, ()))  # noqa: E731
        near = tuple(c for r in pack.rules if r.id in s["agent_line_rules"] for c in r.conditions.values() if isinstance(c, Near))
        return cls(phrases(s["opening_collections"]), phrases(s["agent_line_collections"]), near)

    def agent_lines(self, index: IndexedTranscript) -> set[int]:
        """Utterances that say one of these lines well."""
        find = lambda phrases: [h for p in phrases for h in index.find(p, min_quality=_AGENT_LINE_QUALITY)]  # noqa: E731
        lines = {h.segment_index for h in find(self.agent_only)}
        return lines | {x.segment_index for c in self.agent_only_near for x, _ in index.near(find(c.a), find(c.b), c.within_chars, c.ordered)}


def _mel_filterbank(lo_hz: float = 200.0, hi_hz: float = 3600.0) -> np.ndarray:
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    edges = 700 * (10 ** (np.linspace(mel(lo_hz), mel(hi_hz), _N_MELS + 2) / 2595) - 1)
    hz = np.fft.rfftfreq(_N_FFT, 1 / SAMPLE_RATE)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    return np.clip(np.minimum((hz - lo) / (mid - lo), (hi - hz) / (hi - mid)), 0, None)


_FILTERS = _mel_filterbank()
_DCT = np.cos(np.pi / _N_MELS * (np.arange(_N_MELS)[:, None] + 0.5) * np.arange(1, _N_CEPS + 1)[None, :])


def _cepstra(x: np.ndarray) -> np.ndarray:
    """MFCC c1..c12 of all but the quietest frames (pauses and line noise say nothing of the voice)."""
    if len(x) < _N_FFT * 2:
        return np.empty((0, _N_CEPS))
    frames = np.lib.stride_tricks.sliding_window_view(x, _N_FFT)[:: _N_FFT // 2] * np.hanning(_N_FFT)
    log_mel = np.log((np.abs(np.fft.rfft(frames, axis=1)) ** 2) @ _FILTERS.T + 1e-10)
    energy = log_mel.sum(axis=1)
    return (log_mel @ _DCT)[energy >= np.percentile(energy, _QUIETEST_PERCENT)]


def _distances(cepstra: list[np.ndarray]) -> np.ndarray:
    """Cosine distance (0-2) between the utterances' mean cepstra, centred on the call's mean
    and whitened by the covariance of the frames within an utterance: what the line and the
    room add to every utterance alike is taken out, what varies with the words inside an
    utterance is scaled down, and what is left points one way per voice. The covariance is
    shrunk a quarter of the way to its diagonal: a call has few utterances, and the full
    one followed them too closely on real voices (benchmarks/roles.py, 40 calls a row, the
    quietest 30 % of frames left out, real /
    synthesised agent, wideband / G.711: shrunk 0.972 / 0.960, 0.997 / 0.994; full 0.953 /
    0.942, 0.998 / 0.999; diagonal 0.977 / 0.968, 0.947 / 0.940; the symmetric KL divergence
    of per-utterance Gaussians used before 0.937 / 0.902, 0.997 / 0.994: its variance terms
    follow what is said more than who says it).
    """
    within = np.mean([np.cov(c.T) for c in cepstra], axis=0)
    within = (1 - _SHRINK) * within + _SHRINK * np.diag(np.diag(within))
    mu = np.stack([c.mean(axis=0) for c in cepstra]) @ np.linalg.cholesky(np.linalg.inv(within))
    z = mu - mu.mean(axis=0)
    z /= np.linalg.norm(z, axis=1, keepdims=True) + 1e-12
    D = np.clip(1 - z @ z.T, 0, None)
    np.fill_diagonal(D, 0)
    return D


def _two_voices(D: np.ndarray, seed: int) -> np.ndarray:
    """Labels 0 (the seed's voice) / 1: utterances joined by average linkage, the nearest two
    groups first, until two are left (Lance-Williams update of the group distances). One voice
    often speaks much more, and more varied lines, than the other: 2-medoids (PAM) then cut the
    busier voice in two and gave the quieter one half of it, where linkage keeps a voice's
    spread together (benchmarks/roles.py --calls 40, real agent, wideband / G.711: 0.974 / 0.974
    -> 0.982 / 0.982; its held-out voices 0.979 / 0.972 -> 0.982 / 0.979; benchmarks/rules.py,
    the recognised segments of 250 mono calls of five blind splits: 318 -> 272 s wrong, though
    one of them, blind13, 43.8 -> 55.5 s, one call named the wrong way round)."""
    n = len(D)
    C = D.astype(float)
    np.fill_diagonal(C, np.inf)
    size = np.ones(n)
    group = np.arange(n)
    for _ in range(n - 2):
        i, j = np.unravel_index(np.argmin(C), C.shape)
        C[i] = (size[i] * C[i] + size[j] * C[j]) / (size[i] + size[j])
        C[:, i] = C[i]
        C[i, i] = C[j] = C[:, j] = np.inf
        size[i] += size[j]
        group[group == j] = i
    return (group != group[seed]).astype(int)


def _split(D: np.ndarray, seed: int, reliable: np.ndarray) -> np.ndarray:
    """Two voices among the reliable utterances, outliers set aside; every utterance then
    joins the voice it is on average closer to."""
    active = np.flatnonzero(reliable)
    # The last round splits what is left without setting more aside: its labels are those of `active`.
    for rounds_left in range(_OUTLIER_ROUNDS, -1, -1):
        labels = _two_voices(D[np.ix_(active, active)], int(np.flatnonzero(active == seed)[0]))
        small = np.flatnonzero(labels == 1) if (labels == 1).sum() < (labels == 0).sum() else np.flatnonzero(labels == 0)
        if not rounds_left or len(small) >= 2 or len(active) <= 4 or seed in active[small]:
            break
        active = np.delete(active, small)
    voices = [active[labels == k] for k in (0, 1)]
    if not len(voices[1]):
        return np.zeros(len(D), int)
    return np.argmin(np.stack([D[:, v].mean(axis=1) for v in voices], axis=1), axis=1)


def _split_anchored(D: np.ndarray, anchors: np.ndarray, reliable: np.ndarray) -> np.ndarray:
    """Labels 0 (the agent) / 1, with the utterances that say agent-only lines held in the
    agent's voice: the customer's voice starts at the reliable utterance that best explains
    the rest against the anchors (PAM's build step), and every utterance then joins the
    voice it is on average closer to, until nothing moves."""
    candidates = np.flatnonzero(reliable & ~anchors)
    if not len(candidates):
        return np.zeros(len(D), int)
    to_agent = D[:, anchors].mean(axis=1)
    cost = np.minimum(to_agent[:, None], D[:, candidates]).sum(axis=0)
    labels = np.zeros(len(D), int)
    labels[candidates[np.argmin(cost)]] = 1
    for _ in range(20):
        voices = [np.flatnonzero((labels == k) & (reliable | anchors)) for k in (0, 1)]
        if not len(voices[1]):
            break
        new = np.argmin(np.stack([D[:, v].mean(axis=1) for v in voices], axis=1), axis=1)
        new[anchors] = 0
        if (new == labels).all():
            break
        labels = new
    return labels


def _voices(D: np.ndarray, seed: int, anchors: np.ndarray, reliable: np.ndarray) -> np.ndarray:
    """Labels 0 (the agent) / 1: the voices split from the seed, or held together by the
    utterances that say agent-only lines (`anchors`, the opening included), whichever split
    the other utterances fit better; then the agent's name goes to the voice the anchors are
    nearer on the whole. A short opening can sound nearer the customer (blind3 seed 60:
    好您好, 1 s): held in the agent's voice it drew the customer's lines with it, and the
    whole call was named the wrong way round, though the voices alone split it right."""
    voice = _split(D, seed, reliable)
    if anchors.sum() < _MIN_ANCHORS:
        return voice
    labels = voice
    held = _split_anchored(D, anchors, reliable)
    # A call has two parties: a split that leaves the customer fewer than two reliable
    # utterances found no customer's voice (on one benchmark call it put the customer's
    # every line, 肯定 included, on the agent); the voices from the seed stand then.
    if ((held == 1) & reliable).sum() >= 2:
        rest = reliable & ~anchors
        if not rest.any() or _silhouettes(D, held)[rest].mean() >= _silhouettes(D, voice)[rest].mean():
            labels = held
    others = ~np.eye(len(D), dtype=bool)
    margin = sum(D[k, (labels == 1) & others[k]].mean() - D[k, (labels == 0) & others[k]].mean()
                 for k in np.flatnonzero(anchors) if ((labels == 1) & others[k]).any() and ((labels == 0) & others[k]).any())
    return labels if margin >= 0 else 1 - labels


def _silhouettes(D: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per utterance: how much closer it is to its own voice than to the other (-1..1)."""
    out = np.zeros(len(D))
    for i, lab in enumerate(labels):
        own = labels == lab
        own[i] = False
        if own.any() and (labels != lab).any():  # a voice of one has no cohesion to measure: 0, as is usual
            a, b = D[i, own].mean(), D[i, labels != lab].mean()
            out[i] = (b - a) / max(a, b, 1e-9)
    return out


def call_confidence(segments: list[Segment]) -> float:
    """How sure the speaker roles of a call are: 1.0 for stereo (one side per channel)."""
    return round(sum(s.role_confidence for s in segments) / len(segments), 3) if segments else 1.0


def assign(segments: list[Segment], samples: np.ndarray, cues: RoleCues, answer_s: float = 0.0) -> list[Segment]:
    """Label mixed-channel segments agent / customer, each with a role confidence (0-1).

    `samples` is the mono recording (16 kHz) the segments were heard in; `cues` are the
    lines only an agent says; `answer_s` is the pickup (s), from which the opening is timed.
    """
    if not segments:
        return segments
    index = IndexedTranscript(segments)
    opening = sorted({h.segment_index for p in cues.opening for h in index.find(p) if h.start_s - answer_s <= _OPENING_S})
    said = cues.agent_lines(index)
    voiced, seed = _by_voice(segments, samples, opening, said)
    # The agent answers: opening words up to the utterance that seeded the agent's voice
    # (a short 早上好 before 欢迎致电…) are the agent's too.
    agent_lines = said | {k for k in opening if seed is not None and segments[k].start_s <= segments[seed].start_s}
    # Agent-only lines in the voice taken for the customer's and none in the other: the
    # voices are right, their names swapped. (With a line on each side the voices
    # themselves are in doubt, and a swap made one such benchmark call wholly wrong.)
    on_customer = sum(voiced[k].side == CUSTOMER for k in agent_lines)
    if on_customer >= 2 and on_customer == len(agent_lines):
        voiced = [replace(s, side=AGENT if s.side == CUSTOMER else CUSTOMER) for s in voiced]
    return [
        replace(s, side=AGENT, role_confidence=max(s.role_confidence, _AGENT_LINE_CONFIDENCE)) if k in agent_lines else s
        for k, s in enumerate(voiced)
    ]


def _by_voice(segments: list[Segment], samples: np.ndarray, cue_segs: list[int], agent_said: set[int] = frozenset()) -> tuple[list[Segment], int | None]:
    """Sides from the voices, and the segment that seeded the agent's voice (None: no opening
    heard). With two or more utterances that say agent-only lines (`agent_said`), those hold
    the agent's voice together; otherwise the opening alone seeds it."""
    cepstra = [_cepstra(samples[int(s.start_s * SAMPLE_RATE) : int(s.end_s * SAMPLE_RATE)]) for s in segments]
    usable = [k for k, c in enumerate(cepstra) if len(c) >= _MIN_ASSIGN_FRAMES]
    reliable = np.array([len(cepstra[k]) >= _MIN_FRAMES for k in usable])
    if reliable.sum() < 3:
        # Too little audio to tell voices apart: the opening speaker is the agent, nobody else known.
        first = cue_segs[0] if cue_segs else 0
        return [replace(s, side=AGENT if k == first else CUSTOMER, role_confidence=0.5) for k, s in enumerate(segments)], None
    D = _distances([cepstra[k] for k in usable])
    # The agent's opening: the first cue utterance long enough to cluster.
    # A short opening (你好 alone) still seeds the agent's voice when nothing longer says it.
    seed = next((usable.index(k) for k in cue_segs if k in usable and reliable[usable.index(k)]), None)
    if seed is None:
        seed = next((usable.index(k) for k in cue_segs if k in usable), None)
    anchors = np.isin(usable, sorted(agent_said)) & reliable
    if seed is not None:
        anchors[seed] = True
    labels_u = _voices(D, int(np.argmax(reliable)) if seed is None else seed, anchors, reliable | (np.arange(len(usable)) == seed))
    labels = np.full(len(segments), -1)
    labels[usable] = labels_u
    sil = np.zeros(len(segments))
    sil[usable] = _silhouettes(D, labels_u)
    # Utterances too short to measure take the voice of the nearest one in time, less surely.
    for k in range(len(segments)):
        if labels[k] < 0:
            nearest = min(usable, key=lambda u: abs(segments[u].start_s - segments[k].start_s))
            labels[k], sil[k] = labels[nearest], sil[nearest] / 2
    # No opening cue to say which voice is the agent's: unsure by construction.
    cap = 0.6 if seed is None else 1.0
    sides = [
        replace(s, side=AGENT if labels[k] == 0 else CUSTOMER, role_confidence=round(float(min(cap, max(0.0, 0.5 + 0.5 * sil[k]))), 3))
        for k, s in enumerate(segments)
    ]
    return sides, None if seed is None else usable[seed]
