"""Decoding: every common format, channels kept, bad input refused with a reason."""

from __future__ import annotations

import av
import numpy as np
import pytest

from qa_audio import callgen
from qa_audio.decode import SAMPLE_RATE, DecodeError, decode


@pytest.fixture(scope="module")
def stereo(speech):
    """Left: real speech in the first half; right: real speech in the second half."""
    a, b = (callgen.level(c.audio[: 3 * SAMPLE_RATE], -20) for c in speech[:2])
    b = np.resize(b, len(a))
    left = np.concatenate([a, np.zeros_like(b)])
    right = np.concatenate([np.zeros_like(a), b])
    return np.stack([left, right]) * 0.5


FORMATS = [
    ("pcm16k.wav", "pcm_s16le", 16000),
    ("pcm8k.wav", "pcm_s16le", 8000),
    ("ulaw.wav", "pcm_mulaw", 8000),
    ("alaw.wav", "pcm_alaw", 8000),
    ("call.mp3", "libmp3lame", 16000),
    ("call.ogg", "libopus", 16000),
    ("call.flac", "flac", 16000),
    ("call.m4a", "aac", 16000),
]


@pytest.mark.parametrize("name,codec,rate", FORMATS)
def test_formats_keep_both_channels_in_order(tmp_path, stereo, name, codec, rate):
    path = callgen.write_audio(tmp_path / name, stereo, codec=codec, rate=rate)
    audio = decode(path)
    assert audio.channels.shape[0] == 2
    assert audio.channels.dtype == np.float32
    assert abs(audio.duration_s - stereo.shape[1] / SAMPLE_RATE) < 0.15
    half = stereo.shape[1] // 2
    left, right = audio.channels
    # The left channel speaks first, the right second: channel order survives every codec.
    assert np.sqrt(np.mean(left[: half - 2000] ** 2)) > 10 * np.sqrt(np.mean(right[: half - 2000] ** 2))
    assert np.sqrt(np.mean(right[half + 2000 :] ** 2)) > 10 * np.sqrt(np.mean(left[half + 2000 :] ** 2))


def test_mono_stays_one_channel_and_resamples_to_16k(tmp_path, speech):
    path = callgen.write_audio(tmp_path / "mono8k.wav", speech[0].audio[None, :], rate=8000)
    audio = decode(path)
    assert audio.channels.shape[0] == 1 and not audio.is_stereo
    assert audio.source_rate == 8000
    assert abs(audio.duration_s - len(speech[0].audio) / SAMPLE_RATE) < 0.05


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(DecodeError, match="empty file"):
        decode(tmp_path / "empty.wav")


def test_text_renamed_mp3(tmp_path):
    (tmp_path / "notes.mp3").write_text("这不是音频文件\n" * 50, encoding="utf-8")
    with pytest.raises(DecodeError, match="not a readable audio file"):
        decode(tmp_path / "notes.mp3")


def test_truncated_wav(tmp_path, speech):
    whole = callgen.write_audio(tmp_path / "whole.wav", speech[0].audio[None, :])
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    with pytest.raises(DecodeError, match="truncated file"):
        decode(cut)


def test_video_without_audio_is_unsupported(tmp_path):
    path = tmp_path / "clip.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for _ in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    with pytest.raises(DecodeError, match="no audio stream"):
        decode(path)


def test_missing_file(tmp_path):
    with pytest.raises(DecodeError, match="file not found"):
        decode(tmp_path / "nope.wav")
