"""Decoding: every common format, channels kept, bad input refused with a reason."""

from __future__ import annotations

import av
import numpy as np
import pytest

from tests import callgen
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


def _wav(path, rate: int = 8000, channels: int = 1, tag: int = 1, seconds: float = 1.0, data: bytes | None = None):
    """A PCM WAV with the header fields given (forged or not)."""
    import struct

    if data is None:
        data = np.zeros(int(8000 * seconds) * channels, "<i2").tobytes()
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * channels * 2, channels * 2, 16)
    path.write_bytes(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data)) + data)
    return path


def _peak_bytes(work) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        work()
    except DecodeError:
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_forged_sample_rate_is_refused_before_allocating(tmp_path):
    # Finding 2: a 32 KB WAV declaring 1 Hz decoded as a 16,000 s call (peak 15 GB).
    path = _wav(tmp_path / "forged.wav", rate=1, data=b"\x10\x00" * 16000)
    with pytest.raises(DecodeError, match="sample rate 1 Hz"):
        decode(path)
    assert _peak_bytes(lambda: decode(path)) < 2**20
    with pytest.raises(DecodeError, match="sample rate 400000 Hz"):
        decode(_wav(tmp_path / "fast.wav", rate=400000))


def test_more_than_two_channels_must_be_mixed_deliberately(tmp_path):
    with pytest.raises(DecodeError, match="8 channels.*mix it down"):
        decode(_wav(tmp_path / "eight.wav", channels=8))


def test_unknown_wav_format_tag_names_the_tag(tmp_path):
    with pytest.raises(DecodeError, match=r"unsupported audio codec \(WAV format tag 0x1234\)"):
        decode(_wav(tmp_path / "tag.wav", tag=0x1234))


@pytest.mark.slow  # decodes a long generated call (about 4 s)
def test_decode_memory_is_the_samples_and_no_more(tmp_path):
    # Finding 4: decoding a 60-minute stereo call peaked at 0.97 GB, four times its 16-bit
    # samples (a list of float chunks, then their concatenation). Five minutes here;
    # benchmarks/long_call.py runs 60.
    seconds = 300
    rng = np.random.default_rng(0)
    path = _wav(tmp_path / "long.wav", channels=2, data=(rng.standard_normal(8000 * seconds * 2) * 3000).astype("<i2").tobytes())
    samples_bytes = 2 * seconds * SAMPLE_RATE * 2
    peak = _peak_bytes(lambda: decode(path))
    assert peak < samples_bytes * 1.05 + 4 * 2**20, (peak, samples_bytes)
    audio = decode(path)
    assert audio.data.shape == (2, seconds * SAMPLE_RATE) and audio.data.dtype == np.int16 and audio.data[0].flags["C_CONTIGUOUS"]


def test_pcm_keeps_16_bit_samples_exactly(tmp_path):
    # A 16 kHz 16-bit recording is kept as it was written: sample k is read as k / 32768.
    rng = np.random.default_rng(1)
    pcm = (rng.standard_normal((2, SAMPLE_RATE)) * 8000).clip(-32768, 32767).astype("<i2")
    audio = decode(_wav(tmp_path / "exact.wav", channels=2, rate=SAMPLE_RATE, data=pcm.T.tobytes()))
    assert np.array_equal(audio.data, pcm)
    left = audio.samples()[0]
    assert len(left) == SAMPLE_RATE and left[100:200].dtype == np.float32
    assert np.array_equal(left[100:200], pcm[0, 100:200] / np.float32(32768))
