"""Fit and validate the hold-music model (qa_audio/music_model.toml) on real recordings.

    .venv/bin/python benchmarks/music.py            # leave-one-track-out validation
    .venv/bin/python benchmarks/music.py --write    # ... then refit on everything and write the model

Music: the five Asterisk hold tracks in shared/audio/moh (recorded songs, 8 kHz). Speech:
the 20 real recordings in shared/audio/speech and the synthesised agent phrases of
tests/phrases. Each fold holds out one music track and a fifth of the speech clips, fits on
the rest and scores the held-out material, wideband and through G.711, at levels and line
noise drawn at random (music 30-48 dBFS below full scale, speech 16-26, noise 50-72).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa_audio import music  # noqa: E402
from tests import callgen  # noqa: E402
from qa_audio.decode import SAMPLE_RATE  # noqa: E402
from qa_audio.timeline import music_features  # noqa: E402
from qa_audio.tones import get_plan  # noqa: E402

FOLDS = 5
MODEL_PATH = Path(music.__file__).with_name("music_model.toml")


def noisy(x: np.ndarray, rng: np.random.Generator, telephone: bool) -> np.ndarray:
    """`x` between 5 s of line noise each side (a channel has pauses to measure its floor)."""
    pad = np.zeros(5 * SAMPLE_RATE, np.float32)
    x = np.concatenate([pad, x, pad])
    x = x + callgen.line_noise(len(x), rng, float(rng.uniform(-72, -50)))
    return callgen.telephone_channel(x) if telephone else x


def speech_stream(clips, rng) -> np.ndarray:
    parts = []
    for i in rng.permutation(len(clips)):
        parts += [callgen.level(clips[i].audio, float(rng.uniform(-26, -16))), np.zeros(int(rng.uniform(0.2, 1.0) * SAMPLE_RATE), np.float32)]
    return np.concatenate(parts)


def fold_data(fold: int, tracks, speech, rng, plan) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows of fold `fold`'s music track and speech clips, wideband and G.711."""
    clips = [c for i, c in enumerate(speech) if i % FOLDS == fold]
    rows = {0: [], 1: []}
    for telephone in (False, True):
        for _ in range(2):
            rows[0].append(music_features(noisy(speech_stream(clips, rng), rng, telephone), plan))
        rows[1].append(music_features(noisy(callgen.level(tracks[fold], float(rng.uniform(-48, -30))), rng, telephone), plan))
    return np.concatenate(rows[0]), np.concatenate(rows[1])


def fit(speech_rows: np.ndarray, music_rows: np.ndarray, l2: float = 1e-2) -> music.MusicModel:
    """Class-balanced L2 logistic regression by Newton's method on standardised features."""
    x = np.concatenate([speech_rows, music_rows])
    y = np.r_[np.zeros(len(speech_rows)), np.ones(len(music_rows))]
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.c_[(x - mean) / scale, np.ones(len(x))]
    sample_w = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    w = np.zeros(z.shape[1])
    for _ in range(30):
        p = 1 / (1 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (sample_w * (p - y)) + l2 * w
        hess = (z * (sample_w * p * (1 - p))[:, None]).T @ z + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return music.MusicModel(mean, scale, w[:-1], float(w[-1]))


def fitting_data() -> tuple[list[str], list[tuple[np.ndarray, np.ndarray]]]:
    """The tracks' names and, per fold, the feature rows of its speech and its music track."""
    rng = np.random.default_rng(14)
    plan = get_plan("china")
    paths = sorted(callgen.SHARED_MOH.glob("*.wav"))
    tracks = [callgen.load_track(p) for p in paths]
    speech = callgen.load_speech() + list(callgen.load_phrases().values())
    return [p.stem for p in paths], [fold_data(f, tracks, speech, rng, plan) for f in range(FOLDS)]


def fit_without(data: list[tuple[np.ndarray, np.ndarray]], held_out: set[int]) -> music.MusicModel:
    """The model fitted on every fold but those in `held_out`."""
    kept = [d for i, d in enumerate(data) if i not in held_out]
    return fit(np.concatenate([d[0] for d in kept]), np.concatenate([d[1] for d in kept]))


def held_out_models() -> dict[str, music.MusicModel]:
    """Per track name, the model that never heard that track (nor its fold's fifth of the
    speech): the models whose frame errors this script prints, for scoring whole calls."""
    names, data = fitting_data()
    return {name: fit_without(data, {f}) for f, name in enumerate(names)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help="refit on all folds and write qa_audio/music_model.toml")
    args = ap.parse_args()
    names, data = fitting_data()
    print(f"{'held-out track':34s} speech frames called music   music frames missed")
    worst = 0.0
    for f, name in enumerate(names):
        model = fit_without(data, {f})
        false_music = float(np.mean(model.probability(data[f][0]) >= 0.5))
        missed = float(np.mean(model.probability(data[f][1]) < 0.5))
        worst = max(worst, false_music, missed)
        print(f"{name:34s} {false_music:8.2%} of {len(data[f][0]):6d}       {missed:8.2%} of {len(data[f][1]):6d}")
    print(f"worst fold error: {worst:.2%}")
    if args.write:
        model = fit_without(data, set())
        MODEL_PATH.write_text(model.to_toml(
            "Hold music vs speech (qa_audio/music.py), fitted by benchmarks/music.py --write on all five\n"
            "Asterisk tracks and all speech clips; leave-one-track-out errors are what that command prints."
        ), encoding="utf-8")
        print(f"wrote {MODEL_PATH}: weights {np.round(model.weights, 3)} bias {model.bias:.3f}")


if __name__ == "__main__":
    main()
