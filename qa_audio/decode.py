"""Decode any recording ffmpeg reads (through PyAV) into 16 kHz channels of 16-bit PCM.

Channels are kept: call-centre recorders write one side per channel, and that
separation is the most valuable fact in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from .errors import QaAudioError

SAMPLE_RATE = 16000
# Decoded audio shorter than this share of what the container declares is a truncated file.
_TRUNCATION_RATIO = 0.9


class DecodeError(QaAudioError):
    """The file cannot be used as a call recording; the message says why, for a person."""


# 16-bit PCM's full scale: ffmpeg reads sample k of a 16-bit file as k / 32768, so a 16 kHz
# 16-bit recording round-trips exactly.
PCM_SCALE = 32768


@dataclass(frozen=True)
class Audio:
    """A decoded call at SAMPLE_RATE: `data` is (n_channels, n_samples), float32 in [-1, 1] or
    16-bit PCM. `decode` keeps PCM: half the memory (a 60-minute stereo call is 220 MiB, not
    439), and below what any 8-16 kHz call recording resolves. The stages read it a slice at a
    time as float32 through `samples()`; `channels` is the whole call as float32 at once."""

    data: np.ndarray
    source_rate: int
    codec: str

    @property
    def duration_s(self) -> float:
        """Length of the recording in seconds (at SAMPLE_RATE)."""
        return self.data.shape[1] / SAMPLE_RATE

    @property
    def n_channels(self) -> int:
        """1 (mono) or 2 (one per side of the call)."""
        return self.data.shape[0]

    @property
    def is_stereo(self) -> bool:
        """Whether there are two channels (one per side of the call)."""
        return self.n_channels >= 2

    @property
    def channels(self) -> np.ndarray:
        """The whole call as (n_channels, n_samples) float32 in [-1, 1] (16-bit data is
        converted: twice its memory)."""
        return to_float(self.data)

    def samples(self) -> list[Samples]:
        """Each channel, read as float32 a slice at a time."""
        return [Samples(row) for row in self.data]

    def mono(self) -> np.ndarray:
        """Both channels averaged into one (n_samples,) float32 array; the only channel of a mono call."""
        return self.channels.mean(axis=0) if self.is_stereo else to_float(self.data[0])


class Samples:
    """One channel: `len()` samples, and a slice of them as float32 (the PCM of a decoded
    call is converted only for the slice read, never for the whole call at once)."""

    def __init__(self, row: np.ndarray):
        self.row = row

    def __len__(self) -> int:
        return len(self.row)

    def __getitem__(self, key: slice) -> np.ndarray:
        return to_float(self.row[key])


def to_float(x: np.ndarray) -> np.ndarray:
    """Samples in [-1, 1]: 16-bit PCM as float32; float samples as they are, not copied."""
    if x.dtype != np.int16:
        return x
    out = x.astype(np.float32)
    out *= np.float32(1 / PCM_SCALE)
    return out


def to_pcm16(x: np.ndarray) -> np.ndarray:
    """16-bit PCM of float samples, rounded and clipped to full scale."""
    if x.dtype == np.int16:
        return x
    return np.clip(np.rint(x * PCM_SCALE), -PCM_SCALE, PCM_SCALE - 1).astype(np.int16)


def decode(path: str | Path) -> Audio:
    """A recording decoded to 16 kHz 16-bit PCM, every channel kept in order.

    Args:
        path: any file ffmpeg (PyAV) reads: WAV (PCM, G.711 mu-law/A-law), MP3, FLAC,
            Opus, AMR, M4A, ...

    Returns:
        Audio with `data` (n_channels, n_samples) int16 at SAMPLE_RATE (`samples()` and
        `channels` read it as float32), the source's sample rate (Hz) and codec name.

    Raises:
        DecodeError: the file is missing, empty, truncated, not audio, has no audio stream
            or more than two channels; the message says why, for a person.

    Decoded in blocks into one preallocated 16-bit array: memory is the call's samples and
    no more (the list of float chunks and its concatenation held four times that: 0.97 GB
    at 60 min).
    """
    path = Path(path)
    if not path.exists():
        raise DecodeError(f"file not found: {path}")
    size = path.stat().st_size
    if size == 0:
        raise DecodeError("empty file (0 bytes)")
    _check_riff_complete(path)
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise DecodeError(f"not a readable audio file ({_reason(exc)})") from exc
    with container:
        if not container.streams.audio:
            raise DecodeError("no audio stream in file (unsupported content)")
        stream = container.streams.audio[0]
        ctx = stream.codec_context
        if ctx is None:
            raise DecodeError(f"unsupported audio codec ({_codec_tag(path) or 'ffmpeg has no decoder for it'})")
        n_in, source_rate = ctx.channels or 1, ctx.sample_rate or 0
        _check_plausible(n_in, source_rate, _declared_duration(container, stream), size)
        buffer = _Buffer(2 if n_in == 2 else 1, _declared_duration(container, stream), _max_seconds(size))
        resampler = av.AudioResampler(format="fltp", layout="stereo" if n_in == 2 else "mono", rate=SAMPLE_RATE)
        error: str | None = None
        try:
            for frame in container.decode(stream):
                frame.pts = None
                for f in resampler.resample(frame):
                    buffer.add(f.to_ndarray())
            for f in resampler.resample(None):
                buffer.add(f.to_ndarray())
        except av.error.FFmpegError as exc:
            error = _reason(exc)
        declared = _declared_duration(container, stream)
        codec = ctx.name
    samples = buffer.samples()
    got = samples.shape[1] / SAMPLE_RATE
    if got == 0:
        raise DecodeError(f"no decodable audio ({error or 'stream is empty'})")
    if error and got < 1.0:
        raise DecodeError(f"corrupt audio data ({error})")
    if declared and got < declared * _TRUNCATION_RATIO:
        raise DecodeError(f"truncated file: header declares {declared:.1f} s, only {got:.1f} s decodable")
    if error:
        raise DecodeError(f"corrupt audio data after {got:.1f} s ({error})")
    return Audio(samples, int(source_rate), codec)


def declared_seconds(path: str | Path) -> float | None:
    """How long the file says it is, from its header alone (None when it does not say or cannot be read)."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            return _declared_duration(container, container.streams.audio[0]) if container.streams.audio else None
    except (av.error.FFmpegError, OSError):
        return None


# Telephone and recorder audio runs from 8 kHz (G.711) to 48 kHz; a header outside 4-192 kHz
# is forged or broken (a 32 KB WAV declaring 1 Hz decoded as a 16,000 s call, 15 GB).
_MIN_RATE, _MAX_RATE = 4000, 192000
# Below the lowest rate of any speech codec with its container (Speex 2.15 kbps, AMR 4.75,
# Opus 6; Opus in silence with DTX sends a frame per 400 ms): a file cannot hold more
# seconds than size / this, whatever its header says.
_MIN_BYTES_PER_S = 50


class _Buffer:
    """Decoded blocks written in place, as 16-bit PCM, into one array sized from the header
    (and grown, when the header says nothing, by half again); never more than the file can hold."""

    def __init__(self, channels: int, declared_s: float | None, max_s: float):
        self.max_samples = int(max_s * SAMPLE_RATE)
        guess = declared_s * 1.02 + 1 if declared_s else 60.0
        self.data = np.zeros((channels, min(int(guess * SAMPLE_RATE), self.max_samples) + 1), np.int16)
        self.n = 0

    def add(self, block: np.ndarray) -> None:
        end = self.n + block.shape[1]
        if end > self.max_samples:
            raise DecodeError(f"implausible file: it decodes to more than {self.max_samples / SAMPLE_RATE:.0f} s, more than its size can hold")
        if end > self.data.shape[1]:
            grown = np.zeros((self.data.shape[0], min(max(end, self.data.shape[1] * 3 // 2), self.max_samples)), np.int16)
            grown[:, : self.n] = self.data[:, : self.n]
            self.data = grown
        self.data[:, self.n : end] = to_pcm16(block)
        self.n = end

    def samples(self) -> np.ndarray:
        # Each channel row stays contiguous; a copy to trim the slack would double the peak.
        return self.data[:, : self.n]


def _max_seconds(size: int) -> float:
    return size / _MIN_BYTES_PER_S


def _check_plausible(channels: int, rate: int, declared_s: float | None, size: int) -> None:
    """Refuse a header that cannot describe a call recording, before anything is allocated."""
    if not _MIN_RATE <= rate <= _MAX_RATE:
        raise DecodeError(f"implausible header: sample rate {rate} Hz (a call recording has {_MIN_RATE // 1000}-{_MAX_RATE // 1000} kHz)")
    if channels > 2:
        raise DecodeError(
            f"{channels} channels: qa-audio reads mono (one mixed line) or stereo (agent + customer); "
            "mix it down deliberately first, e.g. ffmpeg -i in.wav -ac 2 out.wav"
        )
    if declared_s and declared_s > _max_seconds(size):
        raise DecodeError(f"implausible header: it declares {declared_s:.0f} s, but {size} bytes hold at most {_max_seconds(size):.0f} s")


def _codec_tag(path: Path) -> str | None:
    """A WAV's format tag, to name in the message when ffmpeg has no decoder for it."""
    with path.open("rb") as fh:
        head = fh.read(64)
    at = head.find(b"fmt ")
    if head[:4] != b"RIFF" or at < 0 or at + 10 > len(head):
        return None
    return f"WAV format tag 0x{int.from_bytes(head[at + 8 : at + 10], 'little'):04x}"


def _check_riff_complete(path: Path) -> None:
    """A WAV whose data chunk claims more bytes than the file holds was cut short.

    ffmpeg silently derives a WAV's duration from the file size, so this is only visible
    in the RIFF header itself.
    """
    with path.open("rb") as fh:
        head = fh.read(4096)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return
    pos, byte_rate = 12, 0
    while pos + 8 <= len(head):
        chunk_id, size = head[pos : pos + 4], int.from_bytes(head[pos + 4 : pos + 8], "little")
        if chunk_id == b"fmt " and pos + 20 <= len(head):
            byte_rate = int.from_bytes(head[pos + 16 : pos + 20], "little")
        if chunk_id == b"data":
            available = path.stat().st_size - (pos + 8)
            # 0xFFFFFFFF is what streaming recorders write while the length is unknown.
            if size != 0xFFFFFFFF and available < size * _TRUNCATION_RATIO:
                if byte_rate:
                    raise DecodeError(
                        f"truncated file: header declares {size / byte_rate:.1f} s, "
                        f"only {available / byte_rate:.1f} s present"
                    )
                raise DecodeError(f"truncated file: header declares {size} data bytes, only {available} present")
            return
        pos += 8 + size + (size & 1)


def _declared_duration(container: av.container.InputContainer, stream: av.audio.stream.AudioStream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


def _reason(exc: Exception) -> str:
    # PyAV messages end with the file name, which the caller already knows.
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[0].strip() if text else type(exc).__name__
