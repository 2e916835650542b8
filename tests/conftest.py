"""Shared fixtures: the real bundled model, real recordings, generated calls."""

from __future__ import annotations

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
