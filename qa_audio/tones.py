"""Call-progress tones (ringback, busy) found by frequency and cadence, vectorised in numpy.

A tone must pass three tests: nearly all of a frame's energy at the plan's frequencies
(exact-frequency DFT, i.e. Goertzel, over every frame at once), a precise frequency over the
whole burst (so an A4 = 440 Hz note of hold music is not a 450 Hz ringback), and the plan's
on/off cadence. Speech and music fail at least one of them.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from importlib import resources

import numpy as np

from .core import Span

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HOP_S = 0.02
WIN_S = 0.04
# Share of a frame's energy that must sit at the tone frequencies.
_FRAME_PURITY = 0.6
# Share of a whole burst's energy within the frequency tolerance.
_BURST_PURITY = 0.7
# Telephone tone generators are crystal-timed; 1.5 % admits their tolerance, not a musical semitone.
_FREQ_TOLERANCE = 0.015
_MIN_LEVEL_DB = -60.0
# A ring cut short by the answer can be this brief; speech bursts that pass are rejected by cadence.
_MIN_BURST_S = 0.1


@dataclass(frozen=True)
class Tone:
    """A call-progress tone: its frequencies (Hz) and cadence, (on s, off s) pairs that repeat."""

    freqs: tuple[float, ...]
    cadence: tuple[tuple[float, float], ...]

    @property
    def on_values(self) -> tuple[float, ...]:
        """The cadence's tone-on durations (s)."""
        return tuple(on for on, _ in self.cadence)

    @property
    def off_values(self) -> tuple[float, ...]:
        """The cadence's silence durations (s)."""
        return tuple(off for _, off in self.cadence)


@dataclass(frozen=True)
class TonePlan:
    """A country's (a PBX's) ringback and busy tones, by name (tone_plans.toml)."""

    name: str
    ringback: Tone
    busy: Tone


def load_plans() -> dict[str, TonePlan]:
    """Every tone plan in the shipped tone_plans.toml, by name (china, europe, north_america, uk, ...)."""
    raw = tomllib.loads((resources.files("qa_audio") / "tone_plans.toml").read_text("utf-8"))
    plans = {}
    for name, spec in raw.items():
        tones = {
            kind: Tone(tuple(float(f) for f in spec[kind]["freqs"]), tuple((float(a), float(b)) for a, b in spec[kind]["cadence"]))
            for kind in ("ringback", "busy")
        }
        plans[name] = TonePlan(name, tones["ringback"], tones["busy"])
    return plans


def get_plan(name: str) -> TonePlan:
    """The tone plan called `name`.

    Raises ValueError naming the known plans when there is none of that name.
    """
    plans = load_plans()
    if name not in plans:
        raise ValueError(f"unknown tone plan {name!r}; known: {', '.join(sorted(plans))}")
    return plans[name]


# Frames are analysed this many at a time (60 s): memory stays the same for any call length.
BLOCK_FRAMES = 3000


def n_frames(n_samples: int, sr: int) -> int:
    """How many HOP_S frames cover `n_samples` samples at `sr` Hz (at least 1)."""
    return max(1, math.ceil(n_samples / int(HOP_S * sr)))


def frame_blocks(x: np.ndarray, sr: int, lead: int = 0):
    """(first frame, (n, win) windows every HOP_S) over `x`, BLOCK_FRAMES at a time.

    Each block also carries the `lead` frames before its first (fewer at the start), for
    measures that compare a frame with an earlier one. The tail is zero-padded.
    """
    hop, win = int(HOP_S * sr), int(WIN_S * sr)
    total = n_frames(len(x), sr)
    for i0 in range(0, total, BLOCK_FRAMES):
        i1 = min(total, i0 + BLOCK_FRAMES)
        a = max(0, i0 - lead)
        seg = x[a * hop : (i1 - 1) * hop + win]
        seg = np.pad(seg, (0, (i1 - 1 - a) * hop + win - len(seg)))
        yield i0, np.lib.stride_tricks.sliding_window_view(seg, win)[::hop][: i1 - a]


def tone_share(frames: np.ndarray, energy: np.ndarray, freqs: tuple[float, ...], sr: int) -> np.ndarray:
    """Per frame, the share of windowed energy at `freqs` (1.0 for a pure tone of them)."""
    win = frames.shape[1]
    w = np.hanning(win).astype(np.float32)
    t = np.arange(win) / sr
    basis = np.stack([w * np.exp(-2j * np.pi * f * t) for f in freqs], axis=1).astype(np.complex64)
    power = np.abs(frames @ basis) ** 2
    # Scale so that a pure tone's DFT power equals its windowed energy.
    norm = 2.0 * float(np.sum(w**2)) / float(np.sum(w)) ** 2
    return power.sum(axis=1) * norm / np.maximum(energy, 1e-12)


def windowed_energy(frames: np.ndarray) -> np.ndarray:
    """The energy of each frame (row of `frames`) under a Hann window, as the spectra see it."""
    w = np.hanning(frames.shape[1]).astype(np.float32)
    return np.einsum("ij,ij->i", frames, frames * w**2)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index pairs of the True runs in a boolean array."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def find_bursts(x: np.ndarray, sr: int, share: np.ndarray, energy_db: np.ndarray, tone: Tone) -> list[Span]:
    """Bursts of `tone` from each frame's share of energy at its frequencies (`tone_share`)."""
    mask = (share >= _FRAME_PURITY) & (energy_db > _MIN_LEVEL_DB)
    # Bridge one-frame dropouts (line noise, codec glitches).
    mask[1:-1] |= mask[:-2] & mask[2:]
    bursts = []
    for a, b in runs(mask):
        if (b - a) * HOP_S < _MIN_BURST_S:
            continue
        # The window centred on a frame covers [i*hop, i*hop + win]; take the burst's core.
        start_s, end_s = a * HOP_S + WIN_S / 2, (b - 1) * HOP_S + WIN_S / 2
        if _precise_frequency(x[int(start_s * sr) : int(end_s * sr)], sr, tone.freqs):
            bursts.append(Span(round(start_s, 3), round(end_s, 3)))
    return bursts


def _precise_frequency(seg: np.ndarray, sr: int, freqs: tuple[float, ...]) -> bool:
    if len(seg) < int(0.08 * sr):
        return False
    n = 1 << max(14, math.ceil(math.log2(len(seg))))
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), n)) ** 2
    hz = np.fft.rfftfreq(n, 1 / sr)
    band = (hz >= 100) & (hz <= 4000)
    tol = [_FREQ_TOLERANCE * f + 2.0 / (len(seg) / sr) for f in freqs]
    near = np.zeros_like(band)
    for f, d in zip(freqs, tol):
        near |= np.abs(hz - f) <= d
    total = spec[band].sum()
    if total <= 0 or spec[near].sum() / total < _BURST_PURITY:
        return False
    for f, d in zip(freqs, tol):
        local = np.abs(hz - f) <= d
        # Every component of a dual tone must be present, and peak on its frequency: the
        # band is widened for short bursts, the peak's place is not (440 Hz is not 450 Hz).
        if spec[local].sum() / total <= 0.15 / len(freqs):
            return False
        if abs(hz[local][np.argmax(spec[local])] - f) > _FREQ_TOLERANCE * f:
            return False
    return True


def _close(value: float, targets: tuple[float, ...], rel: float, floor: float) -> bool:
    return any(abs(value - t) <= max(floor, rel * t) for t in targets)


def cadence_runs(bursts: list[Span], tone: Tone, allow_short_last: bool) -> list[list[Span]]:
    """Split bursts into runs whose on-times and gaps follow the tone's cadence.

    With `allow_short_last`, a run's final burst may be cut short (a ring interrupted by the
    answer).
    """
    out: list[list[Span]] = []
    current: list[Span] = []
    ons, offs = tone.on_values, tone.off_values
    for burst in bursts:
        fits = _close(burst.duration_s, ons, 0.25, 0.1)
        short = allow_short_last and burst.duration_s < max(ons)
        if current and _close(burst.start_s - current[-1].end_s, offs, 0.25, 0.12) and (fits or short):
            current.append(burst)
        else:
            if current:
                out.append(current)
            current = [burst] if (fits or short) else []
        if current and not fits:
            # A cut-short burst ends its run.
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def cycles(run: list[Span], tone: Tone) -> int:
    """Rings in a ringback run: one per cadence cycle begun."""
    return math.ceil(len(run) / len(tone.cadence))
