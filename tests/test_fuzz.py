"""Hostile input, generated: malformed WAV/MP3 headers, random bytes, hostile metadata and rule
packs, and random sequences of stores. Each must end in a one-line error or a result, in
bounded time and memory, and never replace another call.

Bounded for the suite (about 30 s on the 2-core machine); raise `QA_FUZZ_EXAMPLES` to search longer.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa_audio import metadata, rules
from tests import callgen
from qa_audio.decode import SAMPLE_RATE, DecodeError, decode
from qa_audio.errors import QaAudioError
from qa_audio.store import CallRecord, IdentityError, Store

EXAMPLES = int(os.environ.get("QA_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# Decoding a 20 KB file takes milliseconds; anything near this is a hang.
TIME_LIMIT_S = 10
# The most a file of this size may decode to (decode.py: at least 50 bytes a second), two
# channels of 16-bit samples at 16 kHz, plus the decoder's own working memory.
WORKING_BYTES = 8 * 2**20


@contextmanager
def time_limit(seconds: int):
    def expire(signum, frame):
        raise TimeoutError(f"no answer in {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def one_line(exc: Exception) -> bool:
    text = str(exc)
    return bool(text) and "\n" not in text and "internal error" not in text


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, bytes]:
    """Small valid recordings to mutate: WAV PCM, G.711 WAV, MP3."""
    folder = tmp_path_factory.mktemp("seeds")
    tone = callgen.tone((440.0,), 1.0)
    stereo = np.stack([tone, tone[::-1]])
    return {
        name: callgen.write_audio(folder / name, stereo, codec=codec, rate=8000).read_bytes()
        for name, codec in (("pcm.wav", "pcm_s16le"), ("ulaw.wav", "pcm_mulaw"), ("call.mp3", "libmp3lame"))
    }


def check_decode(path: Path) -> None:
    size = path.stat().st_size
    tracemalloc.start()
    try:
        with time_limit(TIME_LIMIT_S):
            audio = decode(path)
    except DecodeError as exc:
        assert one_line(exc), repr(exc)
        return
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert audio.duration_s <= size / 50 + 1
    assert peak <= 2 * 2 * SAMPLE_RATE * (size / 50 + 1) + WORKING_BYTES
    assert audio.channels.dtype == np.float32 and audio.channels.shape[0] in (1, 2)


@FUZZ
@given(
    seed=st.sampled_from(["pcm.wav", "ulaw.wav", "call.mp3"]),
    edits=st.lists(st.tuples(st.integers(0, 63), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.one_of(st.none(), st.integers(0, 20000)),
)
def test_malformed_headers(tmp_path, seeds, seed, edits, cut):
    data = bytearray(seeds[seed])
    for pos, value in edits:
        data[pos % len(data)] = value
    path = tmp_path / seed
    path.write_bytes(bytes(data[:cut] if cut is not None else data))
    check_decode(path)


@FUZZ
@given(head=st.sampled_from([b"", b"RIFF\xff\xff\xff\xffWAVEfmt ", b"ID3\x04\x00", b"\xff\xfb\x90", b"OggS", b"fLaC"]), body=st.binary(max_size=4096))
def test_random_bytes(tmp_path, head, body):
    path = tmp_path / "random.wav"
    path.write_bytes(head + body)
    check_decode(path)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)


@FUZZ
@given(rows=st.lists(st.fixed_dictionaries({}, optional={k: JSON_VALUES for k in ("file", "call_id", "agent_id", "started_at")}), max_size=4) | JSON_VALUES)
def test_hostile_metadata_json(tmp_path, rows):
    path = tmp_path / "calls.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    try:
        sidecar = metadata.load_sidecar(path)
    except metadata.MetadataError as exc:
        assert one_line(exc) and str(path) in str(exc)
        return
    for row in sidecar.rows:
        assert isinstance(row.file, str) and row.file
        assert row.meta.call_id is None or isinstance(row.meta.call_id, str)


@FUZZ
@given(text=st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_hostile_metadata_csv(tmp_path, text):
    path = tmp_path / "calls.csv"
    path.write_bytes(("file,call_id,agent_id,started_at\n" + text).encode("utf-8", "surrogatepass"))
    try:
        metadata.load_sidecar(path)
    except metadata.MetadataError as exc:
        assert one_line(exc) and str(path) in str(exc)


PACK = """
[pack]
name = "fuzz"
version = "1"
[phrases]
hi = ["您好"]
[holidays]
{holiday} = ["新年好"]
[[section]]
id = "s"
weight = 1
[[rule]]
id = "r"
section = "s"
passes = {passes}
conditions.a = {{ said = ["@hi"], match = "at_least", n = {n}, min_quality = {quality}, first_s = {first} }}
conditions.b = {{ near = [["请问"], ["帮您"]], within_chars = {chars} }}
"""
TOML_VALUES = st.one_of(
    st.integers(-10**6, 10**6).map(str), st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(max_size=12).map(json.dumps), st.sampled_from(["true", "[]", "{}", "nan", "inf", "-5", '"abc"', '"high"']),
)


@FUZZ
@given(
    n=TOML_VALUES, quality=TOML_VALUES, first=TOML_VALUES, chars=TOML_VALUES,
    holiday=st.sampled_from(['"02-30"', '"13-01"', '"2026-02-29"', '"01-01"', '"x"']) | st.text(max_size=8).map(json.dumps),
    passes=st.one_of(
        st.integers(0, 6000).map(lambda k: json.dumps("not " * k + "a")),
        st.integers(0, 300).map(lambda k: json.dumps("(" * k + "a" + ")" * k + " and b")),
        st.text(max_size=30).map(json.dumps),
    ),
)
def test_hostile_rule_packs(tmp_path, n, quality, first, chars, holiday, passes):
    path = tmp_path / "pack.toml"
    path.write_text(PACK.format(n=n, quality=quality, first=first, chars=chars, holiday=holiday, passes=passes), encoding="utf-8")
    try:
        with time_limit(TIME_LIMIT_S):
            pack = rules.load(path)
    except rules.RuleError as exc:
        assert one_line(exc) and str(exc).startswith(f"{path}:")
        return
    said, near = pack.rules[0].conditions["a"], pack.rules[0].conditions["b"]
    assert isinstance(said.n, int) and said.n >= 1 and 0 <= said.min_quality <= 1
    assert isinstance(near.within_chars, int) and near.within_chars >= 0


OPS = st.lists(
    st.tuples(st.sampled_from(["fail", "review"]), st.sampled_from(["c1", "c2", "c3"]), st.sampled_from(["d1/a.wav", "d2/a.wav"]), st.sampled_from(["s1", "s2", "s3"])),
    min_size=1, max_size=12,
)


@pytest.mark.slow  # a database per example (about 9 s)
@FUZZ
@given(ops=OPS)
def test_stores_never_replace_or_move_another_call(tmp_path_factory, ops):
    db = tmp_path_factory.mktemp("fuzzdb") / "qa.db"
    store = Store(db, retry_pauses_s=())
    reviewed: dict[str, str] = {}  # call id -> the content it was reviewed on
    try:
        for kind, call_id, file, sha in ops:
            before = _calls(store)
            if kind == "review":
                if call_id in before:
                    with sqlite3.connect(db) as conn:  # a failed call has no findings; the row is what matters here
                        conn.execute("INSERT INTO reviews (call_id, rule_id, decision, reviewer, note, created_at) VALUES (?, 'r', 'confirm', 'x', 'y', 'now')", [call_id])
                    reviewed.setdefault(call_id, before[call_id][1])
                continue
            try:
                store.save_failure(CallRecord(call_id, file, sha * 8), "bad audio")
            except IdentityError as exc:
                assert one_line(exc)
                assert _calls(store) == before  # refused: nothing written
                continue
            after = _calls(store)
            for cid, (old_file, old_sha) in before.items():
                if cid in after and after[cid][1] != old_sha:
                    assert after[cid][0] == old_file and cid not in reviewed  # only an unreviewed earlier version of that path
            for cid, content in reviewed.items():
                assert after[cid][1] == content  # reviews stay with what they reviewed
            assert len({s for _, s in after.values()}) == len(after)
    finally:
        store.close()


def _calls(store: Store) -> dict[str, tuple[str, str]]:
    return {r[0]: (r[1], r[2]) for r in store.db.execute("SELECT id, file, sha256 FROM calls")}


def test_all_user_errors_share_one_base():
    from qa_audio import models, pbx, store

    for cls in (DecodeError, metadata.MetadataError, rules.RuleError, store.StoreError, models.ModelError, pbx.PbxError):
        assert issubclass(cls, QaAudioError)
