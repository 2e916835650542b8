"""Decode any recording ffmpeg reads (through PyAV) into 16 kHz float32 channels.

Channels are kept: call-centre recorders write one side per channel, and that
separation is the most valuable fact in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

SAMPLE_RATE = 16000
# Decoded audio shorter than this share of what the container declares is a truncated file.
_TRUNCATION_RATIO = 0.9


class DecodeError(Exception):
    """The file cannot be used as a call recording; the message says why, for a person."""


@dataclass(frozen=True)
class Audio:
    """A decoded call: `channels` is (n_channels, n_samples) float32 at SAMPLE_RATE."""

    channels: np.ndarray
    source_rate: int
    codec: str

    @property
    def duration_s(self) -> float:
        return self.channels.shape[1] / SAMPLE_RATE

    @property
    def is_stereo(self) -> bool:
        return self.channels.shape[0] >= 2

    def mono(self) -> np.ndarray:
        return self.channels.mean(axis=0) if self.is_stereo else self.channels[0]


def decode(path: str | Path) -> Audio:
    path = Path(path)
    if not path.exists():
        raise DecodeError(f"file not found: {path}")
    if path.stat().st_size == 0:
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
        n_in = stream.codec_context.channels or 1
        layout = "stereo" if n_in >= 2 else "mono"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        error: str | None = None
        try:
            for frame in container.decode(stream):
                frame.pts = None
                chunks.extend(f.to_ndarray() for f in resampler.resample(frame))
            chunks.extend(f.to_ndarray() for f in resampler.resample(None))
        except av.error.FFmpegError as exc:
            error = _reason(exc)
        declared = _declared_duration(container, stream)
        codec = stream.codec_context.name
        source_rate = stream.codec_context.sample_rate or SAMPLE_RATE
    channels_out = 2 if layout == "stereo" else 1
    samples = (
        np.concatenate(chunks, axis=1).astype(np.float32, copy=False)
        if chunks
        else np.zeros((channels_out, 0), np.float32)
    )
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
