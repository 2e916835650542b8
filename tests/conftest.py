"""Shared fixtures: the real bundled model, real recordings, generated calls; the two tiers.

`pytest -m "not slow"` is the fast tier for development: no test in it loads the Whisper
model, starts a browser or a Dask cluster, or builds a wheel. A test is slow when it uses a
fixture in MODEL_FIXTURES (directly or through another fixture, such as a database the
model filled), or carries `@pytest.mark.slow` itself. `make test` runs both tiers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa_audio import models
from tests import callgen
from qa_audio.tones import get_plan

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

# Asking for the model (its path, or a Transcriber) means the test runs it: every database
# the samples are processed into, and every end-to-end test, depends on `model_path`.
MODEL_FIXTURES = {"model_path", "transcriber"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())) or _starts_the_cli(item):
            item.add_marker(pytest.mark.slow)


def _starts_the_cli(item) -> bool:
    """A test calling `run_cli` pays a Python start and the imports per call (1-4 s on
    this machine); the in-process `cli()` is for the fast tier."""
    code = getattr(getattr(item, "function", None), "__code__", None)
    return code is not None and "run_cli" in code.co_names


@pytest.fixture(autouse=True)
def _fast_tests_never_load_the_model(request, monkeypatch):
    """In a test not marked slow, loading the Whisper model (in this process) is an error
    that names the fix, so the fast tier stays fast as tests are added."""
    if request.node.get_closest_marker("slow"):
        return
    import ctranslate2

    def refuse(*args, **kwargs):
        raise AssertionError(f"{request.node.nodeid} loads the Whisper model: mark it @pytest.mark.slow or use a fixture in MODEL_FIXTURES")

    monkeypatch.setattr(ctranslate2.models, "Whisper", refuse)


@pytest.fixture(scope="session")
def model_path() -> Path:
    return models.resolve()


@pytest.fixture(scope="session")
def transcriber(model_path):
    from qa_audio.transcribe import Transcriber

    return Transcriber(model_path, threads=os.cpu_count() or 1)


@pytest.fixture(scope="session")
def speech() -> list[callgen.Clip]:
    assert callgen.SHARED_SPEECH.is_dir(), f"real recordings expected at {callgen.SHARED_SPEECH}"
    return callgen.load_speech()


@pytest.fixture(scope="session")
def phrases() -> dict[str, callgen.Clip]:
    return callgen.load_phrases()


@pytest.fixture(scope="session")
def china():
    return get_plan("china")


def run_cli(*args: str, db: Path | None = None, check: bool = False, timeout: int = 600) -> subprocess.CompletedProcess:
    """The real console entry point, in a subprocess, as a user runs it."""
    cmd = [sys.executable, "-m", "qa_audio", *args]
    if db is not None:
        cmd += ["--db", str(db)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def cli(*args: str, db: Path | None = None) -> subprocess.CompletedProcess:
    """The CLI in this process (typer's runner): the same code as run_cli, for the many
    quick cases that would each pay a process start. An exception that is not the CLI's
    own exit is raised, so a traceback cannot pass for an error message."""
    from typer.testing import CliRunner

    from qa_audio.cli import app

    result = CliRunner().invoke(app, [*args, *(["--db", str(db)] if db else [])])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def one_line_error(proc: subprocess.CompletedProcess, *expected: str) -> None:
    """Exit 1 and one line on stderr, `error: ...`, holding each of `expected`."""
    assert proc.returncode == 1, (expected, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for text in expected:
        assert text in lines[0], (text, lines[0])


def strict_json(text: str):
    """JSON as a strict parser reads it: NaN and Infinity are not JSON."""
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON output"))


def seed_transcripts(db: Path, transcripts: dict[Path, list]) -> None:
    """Put transcripts (Segments) in a database's transcript cache, under the key a batch
    with the default AnalysisConfig looks them up by: `process` then takes them and never
    loads the model."""
    from qa_audio import AnalysisConfig, Analyzer
    from qa_audio.files import sha256_file
    from qa_audio.store import Store

    key = Analyzer(AnalysisConfig()).cache_key
    store = Store(db)
    try:
        for path, segments in transcripts.items():
            store.cache_segments(sha256_file(path), key, segments)
    finally:
        store.close()


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Path:
    """samples/ processed by the in-process CLI into a fresh database, with each call's
    scripted lines (samples/expected.json) put in the transcript cache first, as a perfect
    transcriber would have left them: the real decoder, timeline, rules, redaction and
    store, and no model. For tests of what the commands do with a database; what the model
    hears is tested end to end in the slow tier."""
    from qa_audio.core import Segment

    path = tmp_path_factory.mktemp("samples") / "qa.db"
    expected = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
    seed_transcripts(path, {
        SAMPLES / name: [Segment(x["side"], x["start_s"], x["end_s"], x["text"]) for x in truth["lines"]]
        for name, truth in expected.items()
    })
    proc = cli("process", str(SAMPLES), "--metadata", str(SAMPLES / "calls.csv"), "--workers", "1", db=path)
    assert proc.returncode == 0 and "4 processed" in proc.stdout, proc.stdout + proc.stderr
    return path


def copy_db(db: Path, to: Path) -> Path:
    """A copy of a database (SQLite's backup: consistent even in WAL mode)."""
    import sqlite3

    src, dst = sqlite3.connect(db), sqlite3.connect(to)
    src.backup(dst)
    src.close()
    dst.close()
    return to


def simple_call(speech, phrases, plan, seed: int, **kw) -> tuple[np.ndarray, callgen.Truth]:
    """A short scripted call: greeting, a customer turn, an answer, a closing."""
    rng = np.random.default_rng(seed)
    cust = [c for c in speech if 2.0 < len(c.audio) / 16000 < 10.0]
    turns = [
        callgen.Turn("agent", phrases["open_full_1"], "open_full_1"),
        callgen.Turn("customer", cust[rng.integers(len(cust))]),
        callgen.Turn("agent", phrases["neutral_1"], "neutral_1"),
        callgen.Turn("customer", cust[rng.integers(len(cust))]),
        callgen.Turn("agent", phrases["close_thanks_1"], "close_thanks_1"),
    ]
    return callgen.compose(callgen.CallScript(turns, plan, seed=seed, **kw))
