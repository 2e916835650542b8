"""Who is speaking on a mono recording: agent or customer, with a confidence.

Two voices are told apart by a small clustering of per-utterance voice features (median
pitch, weighted most, and spectral shape in 24 bands; numpy only); the cluster that opens with a greeting or
self-introduction is the agent (the agent answers the phone). A call whose clusters do not
separate well is marked uncertain, to be flagged for review rather than scored as certain.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .decode import SAMPLE_RATE
from .matching import IndexedTranscript
from .timeline import AGENT, CUSTOMER
from .transcribe import Segment

_BANDS = np.geomspace(100, 3800, 25)
_MIN_SEGMENT_S = 0.4
# Pitch is the strongest single cue to who is speaking; it counts as this many features.
_PITCH_WEIGHT = 16


def _features(x: np.ndarray) -> np.ndarray | None:
    n = 512
    if len(x) < n * 4:
        return None
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[:: n // 2] * np.hanning(n)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    hz = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    idx = np.digitize(hz, _BANDS) - 1
    valid = (idx >= 0) & (idx < len(_BANDS) - 1)
    bands = np.zeros((len(frames), len(_BANDS) - 1))
    np.add.at(bands.T, idx[valid], power[:, valid].T)
    logb = np.log(bands + 1e-10)
    loud = logb.sum(axis=1) >= np.median(logb.sum(axis=1))
    voiced = logb[loud]
    # The spectral shape, not the level: remove each frame's mean.
    voiced = voiced - voiced.mean(axis=1, keepdims=True)
    f0 = _median_f0(x)
    if f0 is None:
        return None
    shape = np.concatenate([voiced.mean(axis=0), voiced.std(axis=0)])
    return np.concatenate([[np.log(f0)] * _PITCH_WEIGHT, shape])


def _median_f0(x: np.ndarray) -> float | None:
    """Median pitch of the voiced frames, from the normalised autocorrelation peak (70-400 Hz)."""
    n = 640
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[:: n // 2]
    frames = frames - frames.mean(axis=1, keepdims=True)
    spec = np.fft.rfft(frames, 2 * n, axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :n]
    ac /= ac[:, :1] + 1e-12
    lo, hi = SAMPLE_RATE // 400, SAMPLE_RATE // 70
    lags = ac[:, lo:hi]
    peak = lags.max(axis=1)
    voiced = peak > 0.5
    if voiced.sum() < 5:
        return None
    return float(np.median(SAMPLE_RATE / (lo + lags[voiced].argmax(axis=1))))


def _two_means(X: np.ndarray, iters: int = 30) -> np.ndarray:
    """k-means with k = 2, started from the two most distant points; returns the labels."""
    d = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    i, j = np.unravel_index(np.argmax(d), d.shape)
    centres = X[[i, j]].copy()
    for _ in range(iters):
        dist = ((X[:, None, :] - centres[None]) ** 2).sum(-1)
        labels = dist.argmin(1)
        new = np.stack([X[labels == k].mean(0) if (labels == k).any() else centres[k] for k in (0, 1)])
        if np.allclose(new, centres):
            break
        centres = new
    return labels


def call_confidence(segments: list[Segment]) -> float:
    """How sure the speaker roles of a call are: 1.0 for stereo (one side per channel)."""
    return round(sum(s.role_confidence for s in segments) / len(segments), 3) if segments else 1.0


def assign(segments: list[Segment], samples: np.ndarray, cue_phrases: tuple[str, ...], answer_s: float = 0.0) -> list[Segment]:
    """Label mixed-channel segments agent / customer, each with a role confidence."""
    if not segments:
        return segments
    feats = [_features(samples[int(s.start_s * SAMPLE_RATE) : int(s.end_s * SAMPLE_RATE)]) for s in segments]
    usable = [k for k, f in enumerate(feats) if f is not None and segments[k].end_s - segments[k].start_s >= _MIN_SEGMENT_S]
    index = IndexedTranscript(segments)
    cue_segs = {h.segment_index for p in cue_phrases for h in index.find(p) if h.start_s - answer_s <= 30}
    if len(usable) < 3:
        # Too little audio to tell voices apart: the opening speaker is the agent, nobody else known.
        first = min(cue_segs) if cue_segs else 0
        return [replace(s, side=AGENT if k == first else CUSTOMER, role_confidence=0.5) for k, s in enumerate(segments)]
    X = np.stack([feats[k] for k in usable])
    X = (X - X.mean(0)) / (X.std(0) + 1e-6)
    labels_u = _two_means(X)
    labels = np.full(len(segments), -1)
    labels[usable] = labels_u
    sil = np.zeros(len(segments))
    sil[usable] = _silhouettes(X, labels_u)
    votes = [labels[k] for k in cue_segs if labels[k] >= 0]
    agent_label = max(set(votes), key=votes.count) if votes else labels[usable[0]]
    # Short pieces the clustering could not use take the label of the nearest usable neighbour.
    for k in range(len(segments)):
        if labels[k] < 0:
            nearest = min(usable, key=lambda u: abs(segments[u].start_s - segments[k].start_s))
            labels[k], sil[k] = labels[nearest], sil[nearest] / 2
    # No opening cue to say which cluster is the agent: unsure by construction.
    cap = 1.0 if votes else 0.6
    return [
        replace(s, side=AGENT if labels[k] == agent_label else CUSTOMER, role_confidence=round(float(min(cap, max(0.0, 0.5 + 0.5 * sil[k]))), 3))
        for k, s in enumerate(segments)
    ]


def _silhouettes(X: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per point: how much closer it is to its own cluster than to the other (-1..1)."""
    if len(set(labels.tolist())) < 2:
        return np.zeros(len(X))
    d = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    out = np.zeros(len(X))
    for i, lab in enumerate(labels):
        own = labels == lab
        own[i] = False
        if not own.any():
            continue  # a cluster of one has no cohesion to measure: 0, as is usual
        a = d[i, own].mean()
        b = d[i, labels != lab].mean()
        out[i] = (b - a) / max(a, b, 1e-9)
    return out
