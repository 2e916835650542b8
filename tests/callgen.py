"""Compose labelled test calls: real speech, synthesised call-progress tones, hold music,
line noise and a G.711 telephone channel, with the ground truth of every timing fact.

Used by `samples/make_samples.py`, the tests and the benchmarks; never by the pipeline.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import av
import numpy as np

from qa_audio.decode import SAMPLE_RATE, decode
from qa_audio.tones import Tone, TonePlan

ROOT = Path(__file__).resolve().parent.parent
PHRASES_DIR = ROOT / "tests" / "phrases"
SHARED_SPEECH = ROOT.parent / "shared" / "audio" / "speech"
SHARED_MOH = ROOT.parent / "shared" / "audio" / "moh"


@dataclass
class Clip:
    """A piece of speech with what it says (empty when unknown)."""

    name: str
    audio: np.ndarray
    text: str = ""


@dataclass
class Line:
    side: str
    start_s: float
    end_s: float
    text: str
    phrase_id: str = ""


@dataclass
class Truth:
    stereo: bool
    telephone: bool
    plan: str
    answer_s: float | None
    ring_count: int | None
    holds: list[tuple[float, float]]
    hangup_by: str
    hangup_evident: bool
    duration_s: float = 0.0
    lines: list[Line] = field(default_factory=list)
    # Per hold, the name of the track its music came from ("" for a silent hold): the
    # benchmarks score each hold with a music model that never heard that track.
    hold_tracks: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)


def db_to_amp(db: float) -> float:
    return 10 ** (db / 20)


def level(x: np.ndarray, rms_db: float) -> np.ndarray:
    rms = np.sqrt(np.mean(x**2)) + 1e-9
    return (x * db_to_amp(rms_db) / rms).astype(np.float32)


def tone(freqs: tuple[float, ...], seconds: float, db: float = -18.0) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    x = sum(np.sin(2 * np.pi * f * t) for f in freqs) / len(freqs)
    # 5 ms ramps, as tone generators have, so bursts start without a click.
    ramp = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.005) if len(t) else t
    return (x * ramp * db_to_amp(db) * np.sqrt(2)).astype(np.float32)


def cadenced(t: Tone, seconds: float, db: float = -18.0) -> np.ndarray:
    """A tone played in its cadence for `seconds`, cut wherever that falls."""
    parts, total = [], 0.0
    while total < seconds:
        for on, off in t.cadence:
            parts += [tone(t.freqs, on, db), np.zeros(int(off * SAMPLE_RATE), np.float32)]
            total += on + off
    return np.concatenate(parts)[: int(seconds * SAMPLE_RATE)]


def hold_music(seconds: float, rng: np.random.Generator, db: float = -24.0, track: str | None = None) -> np.ndarray:
    """Real hold music: one of the Asterisk tracks in shared/audio/moh (the one named `track`,
    else a random one), from a random point, looped as a PBX loops it, at `db` dBFS (RMS over
    the whole track, so quiet passages stay quiet)."""
    return named_hold_music(seconds, rng, db, track)[0]


def named_hold_music(seconds: float, rng: np.random.Generator, db: float = -24.0, track: str | None = None) -> tuple[np.ndarray, str]:
    """`hold_music` and the name of the track it came from."""
    if track is None:
        paths = sorted(SHARED_MOH.glob("*.wav"))
        path = paths[int(rng.integers(len(paths)))]
    else:
        path = SHARED_MOH / f"{track}.wav"
    samples = _track(path)
    gain = db_to_amp(db) / (np.sqrt(np.mean(samples**2)) + 1e-9)
    n = int(seconds * SAMPLE_RATE)
    start = int(rng.integers(len(samples)))
    idx = (start + np.arange(n)) % len(samples)
    return (samples[idx] * gain).astype(np.float32), path.stem


@lru_cache(maxsize=8)
def _track(path: Path) -> np.ndarray:
    return load_track(path)


def load_track(path: Path) -> np.ndarray:
    """A hold-music track (shared/audio/moh: Asterisk's, 8 kHz) at 16 kHz."""
    return decode(path).mono()


def line_noise(n_samples: int, rng: np.random.Generator, db: float, kind: str = "white") -> np.ndarray:
    """Line noise at `db` dBFS RMS: white (hiss), pink (a duller line) or white with mains hum."""
    x = rng.standard_normal(n_samples)
    if kind == "pink":
        # White noise plus its low-passed self: more energy low down, as on a duller line.
        x = x + 4 * _filter(x.astype(np.float32), _fir(0, 400))
    elif kind == "hum":
        t = np.arange(n_samples) / SAMPLE_RATE
        x = x + sum(np.sin(2 * np.pi * 50 * k * t + rng.uniform(0, 6.3)) * 2 / k for k in (1, 3, 5))
    return (x / (np.sqrt(np.mean(x**2)) + 1e-12) * db_to_amp(db)).astype(np.float32)


def _fir(low_hz: float, high_hz: float, taps: int = 129, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Windowed-sinc band-pass (low_hz = 0: low-pass)."""
    n = np.arange(taps) - (taps - 1) / 2
    lp = lambda f: 2 * f / rate * np.sinc(2 * f / rate * n)  # noqa: E731
    return ((lp(high_hz) - (lp(low_hz) if low_hz else 0)) * np.hamming(taps)).astype(np.float32)


def _filter(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Linear convolution by FFT, delay compensated: a filter's ringing stays within its taps."""
    size = 1 << int(np.ceil(np.log2(len(x) + len(h))))
    y = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(h, size), size)
    d = (len(h) - 1) // 2
    return y[d : d + len(x)].astype(np.float32)


IDLE_ALAW = 8 / 32768


def telephone_channel(x: np.ndarray, idle: float = 0.0) -> np.ndarray:
    """A G.711 line: 300-3400 Hz band, 8 kHz sampling, 8-bit mu-law, back at 16 kHz.

    Digital silence decodes to `idle`: 0 for mu-law; A-law has no zero code, its idle
    pattern decodes to +-8/32768 (IDLE_ALAW).
    """
    narrow = _filter(x, _fir(300, 3400))[::2]
    mu = 255.0
    y = np.clip(narrow, -1, 1)
    q = np.round(np.sign(y) * np.log1p(mu * np.abs(y)) / np.log1p(mu) * 127) / 127
    decoded = np.sign(q) * np.expm1(np.abs(q) * np.log1p(mu)) / mu
    decoded[q == 0] = idle
    up = np.zeros(len(x), np.float32)
    up[::2] = 2 * decoded[: len(up[::2])]
    return _filter(up, _fir(0, 3400))


def write_audio(path: Path, channels: np.ndarray, codec: str = "pcm_s16le", rate: int = SAMPLE_RATE, bit_rate: int | None = None) -> Path:
    """Encode (n_channels, n) float32 at 16 kHz to any format PyAV writes (wav, mp3, flac, ogg, m4a)."""
    channels = np.atleast_2d(channels).astype(np.float32)
    layout = "stereo" if channels.shape[0] == 2 else "mono"
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        if bit_rate:
            stream.bit_rate = bit_rate
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(np.clip(channels, -1, 1)), format="fltp", layout=layout)
        frame.sample_rate = SAMPLE_RATE
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout=layout, rate=rate)
        size = stream.codec_context.frame_size or 1024
        fifo = av.AudioFifo()
        for f in resampler.resample(frame) + resampler.resample(None):
            fifo.write(f)
        while fifo.samples:
            for packet in stream.encode(fifo.read(min(size, fifo.samples))):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def at_pauses(clip: Clip, min_pause_s: float = 0.25, min_piece_s: float = 0.8) -> list[Clip]:
    """A recording cut at its pauses (20 ms frames within 8 dB of the quietest tenth), as turns."""
    x = clip.audio
    n = SAMPLE_RATE // 50
    frames = x[: len(x) // n * n].reshape(-1, n)
    db = 10 * np.log10((frames**2).mean(axis=1) + 1e-12)
    quiet = np.concatenate([[False], db < np.percentile(db, 10) + 8, [False]]).astype(int)
    edges = np.flatnonzero(np.diff(quiet))
    cuts = [(a + b) // 2 * n for a, b in zip(edges[::2], edges[1::2]) if (b - a) * n >= min_pause_s * SAMPLE_RATE]
    bounds = [0, *cuts, len(x)]
    pieces = [x[a:b] for a, b in zip(bounds, bounds[1:])]
    return [Clip(f"{clip.name}#{i}", p) for i, p in enumerate(pieces) if len(p) >= min_piece_s * SAMPLE_RATE]


def load_phrases(directory: Path = PHRASES_DIR) -> dict[str, Clip]:
    """Agent phrase recordings (synthesised by tests/phrases/make_phrases.py), by phrase id."""
    clips = {}
    with (directory / "phrases.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            clips[row["id"]] = Clip(row["id"], decode(directory / row["file"]).mono(), row["text"])
    return clips


def load_speech(directory: Path = SHARED_SPEECH) -> list[Clip]:
    """Real recordings with reference transcripts from shared/audio/speech."""
    clips = []
    with (directory.parent / "MANIFEST.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["file"].startswith("speech/"):
                clips.append(Clip(Path(row["file"]).stem, decode(directory.parent / row["file"]).mono(), row["reference_text"]))
    return clips


@dataclass
class Turn:
    """One utterance in a scripted call; `hold_s` > 0 puts the customer on hold after it."""

    side: str
    clip: Clip
    phrase_id: str = ""
    gap_s: float | None = None
    hold_s: float = 0.0
    hold_music: bool = True


@dataclass
class CallScript:
    turns: list[Turn]
    plan: TonePlan
    rings: int | None = 2  # None: the recording starts at answer
    answer_in_ring: bool = False
    hangup_by: str = "customer"
    busy_tone: bool = True
    # Without a busy tone: the leaving side's line goes dead and the recording runs on
    # (True), or the recording stops at the hang-up (False), which no audio can attribute.
    dead_line: bool = True
    stereo: bool = True
    telephone: bool = False
    # The channel hold music is heard on: the agent's (the PBX plays it toward the
    # customer, into the agent-to-customer leg) or the customer's.
    music_side: str = "agent"
    seed: int = 0


def compose(script: CallScript) -> tuple[np.ndarray, Truth]:
    """Render a script to (channels, truth). Channel 0 is the agent, 1 the customer.

    Levels, line noise (white, pink or hummed, 50-72 dB below full scale), hold music (a
    real track 10-25 dB below the speech, from a random point) and tone levels are drawn
    from the script's seed.
    """
    rng = np.random.default_rng(script.seed)
    sr = SAMPLE_RATE
    noise_db = rng.uniform(-72, -50, size=2)
    noise_kind = [str(rng.choice(["white", "pink", "hum"])) for _ in range(2)]
    speech_db = rng.uniform(-24, -18)
    pieces: list[tuple[int, float, np.ndarray]] = []  # (channel, start_s, samples)
    quiet: list[tuple[int, float, float]] = []  # (channel, start_s, end_s) with no line noise
    lines: list[Line] = []
    holds: list[tuple[float, float]] = []
    hold_tracks: list[str] = []
    music_ch = 0 if script.music_side == "agent" else 1

    t = 0.0
    ring_count = None
    if script.rings:
        cycle = sum(a + b for a, b in script.plan.ringback.cadence)
        first_on = script.plan.ringback.cadence[0][0]
        ring_start = rng.uniform(0.1, 0.6)
        last_start = ring_start + (script.rings - 1) * cycle
        if script.answer_in_ring:
            answer = last_start + rng.uniform(0.25, 0.75) * first_on
        else:
            last_off = script.plan.ringback.cadence[-1][1]
            answer = last_start + (cycle - last_off) + rng.uniform(0.3, last_off - 0.3)
        pieces.append((1, ring_start, cadenced(script.plan.ringback, answer - ring_start, rng.uniform(-24, -12))))
        ring_count = script.rings
        t = answer
    answer_s = t if script.rings else None
    t_answer = t
    t += rng.uniform(0.2, 0.6)
    for i, turn in enumerate(script.turns):
        ch = 0 if turn.side == "agent" else 1
        if i and turn.gap_s is None:
            t += rng.uniform(0.3, 1.0)
        elif i:
            t += turn.gap_s
        audio = level(turn.clip.audio, speech_db + rng.uniform(-3, 3))
        pieces.append((ch, t, audio))
        lines.append(Line(turn.side, round(t, 2), round(t + len(audio) / sr, 2), turn.clip.text, turn.phrase_id))
        t += len(audio) / sr
        if turn.hold_s:
            h0 = t + rng.uniform(0.3, 0.8)
            # The held leg carries what the PBX plays instead of the agent: music, or nothing.
            quiet.append((music_ch if turn.hold_music else 0, h0, h0 + turn.hold_s))
            track = ""
            if turn.hold_music:
                music, track = named_hold_music(turn.hold_s, rng, speech_db - rng.uniform(10, 25))
                pieces.append((music_ch, h0, music))
            hold_tracks.append(track)
            holds.append((round(h0, 2), round(h0 + turn.hold_s, 2)))
            t = h0 + turn.hold_s
    t_end_talk = t + rng.uniform(0.8, 1.5)
    tail = script.busy_tone or script.dead_line
    busy_len = rng.uniform(1.5, 4.0) if script.busy_tone else 0.0
    duration = t_end_talk + busy_len + 1.0 if tail else t_end_talk
    n = int(duration * sr)
    out = np.zeros((2, n), np.float32)
    # A PBX line is digitally clean until it is connected: the customer's carries noise
    # from the first ring, the agent's from the answer.
    for ch, a0 in ((0, int(t_answer * sr)), (1, 0)):
        out[ch, a0:] += line_noise(n - a0, rng, float(noise_db[ch]), noise_kind[ch])
    for ch, start, end in quiet:
        out[ch, int(start * sr) : int(end * sr)] = 0.0
    for ch, start, x in pieces:
        a = int(start * sr)
        b = min(n, a + len(x))
        out[ch, a:b] += x[: b - a]
    # Hang-up: the leaving side's line goes dead; the busy tone is played in its place.
    gone = 0 if script.hangup_by == "agent" else 1
    h = int(t_end_talk * sr)
    if tail:
        out[gone, h:] = 0.0
    if script.busy_tone:
        burst = cadenced(script.plan.busy, busy_len, rng.uniform(-30, -12))
        b0 = h + int(0.3 * sr)
        out[gone, b0 : b0 + len(burst)] = burst[: n - b0]
    if script.telephone:
        idle = IDLE_ALAW if rng.random() < 0.5 else 0.0
        out = np.stack([telephone_channel(c, idle) for c in out])
    evident = script.stereo and tail
    if not script.stereo:
        out = out.mean(axis=0, keepdims=True)
    truth = Truth(
        stereo=script.stereo,
        telephone=script.telephone,
        plan=script.plan.name,
        answer_s=None if answer_s is None else round(answer_s, 2),
        ring_count=ring_count,
        holds=holds,
        hangup_by=script.hangup_by if evident else "unknown",
        hangup_evident=evident,
        duration_s=round(duration, 2),
        lines=lines,
        hold_tracks=hold_tracks,
    )
    return out, truth
