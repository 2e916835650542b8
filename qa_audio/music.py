"""Hold music or speech, frame by frame: a small logistic model over how steady the sound is.

Music holds its notes: its spectrum 20 ms and 100 ms later is much the same, and its level
moves little. Speech changes formants every syllable and its level rises and falls with
them. Four measures say this, each averaged over a 2 s window that never crosses a pause
(so a window at the edge of a hold does not mix the music with the words next to it):

- spectral correlation 100 ms apart (log power, 300-3400 Hz, the band every line keeps),
- the same 20 ms apart (music is steady at both lags; speech only at the short one),
- the spread of the frame level (dB) and its mean frame-to-frame change.

The weights (`music_model.toml`) are fitted by `benchmarks/music.py` on real recordings,
Asterisk's hold-music tracks against real and synthesised Mandarin speech, wideband and
G.711; the same script validates them leaving one music track out at a time.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .tones import HOP_S, runs

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LAG_SHORT, LAG_LONG = 1, 5
WINDOW_S = 2.0
# Pauses shorter than this stay inside one stretch of sound (a breath, a drum's decay).
BRIDGE_S = 0.3
FEATURES = ("steady_100ms", "steady_20ms", "level_spread_db", "level_step_db")
_BAND_HZ = (300.0, 3400.0)


@dataclass(frozen=True)
class MusicModel:
    """The hold-music detector: a logistic regression over the standardised FEATURES of a
    window (mean and scale standardise, weights and bias score), as shipped in music_model.toml.
    """

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(music) for each row of `x`, an (n, len(FEATURES)) array of window features."""
        z = ((x - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def to_toml(self, provenance: str) -> str:
        """The model as music_model.toml text, `provenance` (how it was trained) written as comments on top."""
        fmt = lambda a: "[" + ", ".join(f"{v:.6g}" for v in a) + "]"  # noqa: E731
        lines = [f"# {line}" for line in provenance.splitlines()]
        lines += [f"features = {list(FEATURES)!r}".replace("'", '"'), f"mean = {fmt(self.mean)}", f"scale = {fmt(self.scale)}",
                  f"weights = {fmt(self.weights)}", f"bias = {self.bias:.6g}", ""]
        return "\n".join(lines)


@lru_cache(maxsize=1)
def model() -> MusicModel:
    """The shipped hold-music model (music_model.toml in the package), loaded once.

    Raises ValueError when the file's features are not the ones this code computes.
    """
    raw = tomllib.loads((resources.files("qa_audio") / "music_model.toml").read_text("utf-8"))
    if tuple(raw["features"]) != FEATURES:
        raise ValueError(f"music_model.toml has features {raw['features']}, the code computes {FEATURES}")
    return MusicModel(*(np.asarray(raw[k], np.float64) for k in ("mean", "scale", "weights")), float(raw["bias"]))


def steadiness(frames: np.ndarray, sr: int, lead: int) -> tuple[np.ndarray, np.ndarray]:
    """Per frame after the first `lead`: correlation of its log spectrum with the frames
    LAG_SHORT and LAG_LONG earlier (0 where the block holds no earlier frame)."""
    spec = np.abs(np.fft.rfft(frames * np.hanning(frames.shape[1]).astype(np.float32), axis=1)) ** 2
    hz = np.fft.rfftfreq(frames.shape[1], 1 / sr)
    logs = np.log(spec[:, (hz >= _BAND_HZ[0]) & (hz <= _BAND_HZ[1])] + 1e-10)
    logs -= logs.mean(axis=1, keepdims=True)
    logs /= np.linalg.norm(logs, axis=1, keepdims=True) + 1e-9
    out = []
    for lag in (LAG_SHORT, LAG_LONG):
        corr = np.zeros(len(frames), np.float32)
        corr[lag:] = np.einsum("ij,ij->i", logs[lag:], logs[:-lag])
        out.append(corr[lead:])
    return out[0], out[1]


def stretches(sound: np.ndarray) -> np.ndarray:
    """Sound with its short pauses bridged: the stretches the windows stay inside."""
    out = sound.copy()
    bridge = int(BRIDGE_S / HOP_S)
    for a, b in runs(~sound):
        if 0 < a and b < len(sound) and b - a <= bridge:
            out[a:b] = True
    return out


def features(level_db: np.ndarray, steady_short: np.ndarray, steady_long: np.ndarray, within: np.ndarray) -> np.ndarray:
    """(n, len(FEATURES)) window means around each frame, windows cut at the ends of the
    True runs of `within`; rows outside them are meaningless."""
    n = len(level_db)
    step = np.zeros(n)
    step[1:] = np.abs(np.diff(level_db))
    values = np.stack([steady_long, steady_short, level_db, level_db**2, step], axis=1).astype(np.float64)
    cs = np.vstack([np.zeros(values.shape[1]), np.cumsum(values, axis=0)])
    first = np.zeros(n, np.int64)
    last = np.full(n, n, np.int64)
    for a, b in runs(within):
        first[a:b], last[a:b] = a, b
    half = int(WINDOW_S / HOP_S) // 2
    i = np.arange(n)
    lo, hi = np.maximum(i - half, first), np.minimum(i + half + 1, last)
    mean = (cs[hi] - cs[lo]) / np.maximum(hi - lo, 1)[:, None]
    spread = np.sqrt(np.maximum(mean[:, 3] - mean[:, 2] ** 2, 0.0))
    return np.stack([mean[:, 0], mean[:, 1], spread, mean[:, 4]], axis=1)


def music_frames(level_db: np.ndarray, steady_short: np.ndarray, steady_long: np.ndarray, sound: np.ndarray,
                 fitted: MusicModel | None = None) -> np.ndarray:
    """Frames the model (`fitted`, else the shipped one) calls music: stretches of sound,
    their short pauses included."""
    within = stretches(sound)
    p = (fitted or model()).probability(features(level_db, steady_short, steady_long, within))
    return within & (p >= 0.5)
