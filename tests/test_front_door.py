"""The library's front door: the README's example (read from README.md and run), the
transcript cache's key, the wheel."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from qa_audio import AnalysisConfig, Analyzer, models, pipeline, rules

from .conftest import ROOT, SAMPLES, run_cli

C004 = SAMPLES / "20261122_a02_c004.flac"


def library_section() -> str:
    """README.md's "Library" section, up to the next section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("\n## Library\n", 1)[1].split("\n## ", 1)[0]


# The README's library example as the README has it: what these tests run is what users read.
EXAMPLE = re.search(r"```python\n(.*?)```", library_section(), re.S).group(1)


def test_readme_library_section_opens_with_a_three_line_example():
    assert library_section().lstrip().startswith("```python\n")
    assert len(EXAMPLE.strip().splitlines()) == 3 and "from qa_audio import" in EXAMPLE


def test_readme_example_runs_as_written(model_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)  # its path is relative to the checkout
    names: dict = {}
    exec(compile(EXAMPLE, "README.md (Library)", "exec"), names)
    card = names["result"].scorecard
    assert capsys.readouterr().out.strip() == f"{card.score} {[f.rule_id for f in card.findings if f.result == 'fail']}"
    assert len(card.findings) == len(rules.load().rules) and 0 < card.score <= 100


@pytest.mark.slow
def test_analyze_gives_the_scorecard_a_batch_stores(tmp_path, model_path):
    result = Analyzer(AnalysisConfig()).analyze(C004, date(2026, 11, 22))
    assert result.analysis.duration_s == pytest.approx(52.3, abs=0.1)
    assert len(result.timeline.holds) == 1 and result.timeline.hangup_by == "customer"
    db = tmp_path / "qa.db"
    pipeline.process([C004], pipeline.Options(db=db, workers=1))
    with sqlite3.connect(db) as c:
        stored = dict(c.execute("SELECT rule_id, result FROM findings"))
        (score,) = c.execute("SELECT score FROM scorecards").fetchone()
    assert {f.rule_id: f.result for f in result.scorecard.findings} == stored
    assert result.scorecard.score == score


def _model_copy(folder: Path, config_suffix: str) -> Path:
    """A model folder named like the bundled one: the same weights, its own config.json."""
    real = models.resolve()
    target = folder / real.name
    target.mkdir(parents=True)
    for f in real.iterdir():
        if f.name == "config.json":
            (target / f.name).write_text(f.read_text() + config_suffix)
        else:
            (target / f.name).symlink_to(f)
    return target


def test_cache_key_follows_the_model_content_not_its_folder_name(tmp_path):
    a, b = _model_copy(tmp_path / "a", ""), _model_copy(tmp_path / "b", "\n")
    assert a.name == b.name
    key = lambda path, **kw: Analyzer(AnalysisConfig(model=str(path), **kw)).cache_key  # noqa: E731
    assert key(a) == key(a) != key(b)
    # What else changes a transcript changes the key; what does not, does not.
    assert key(a, agent_channel=1) != key(a) != key(a, tone_plan="europe")


@pytest.mark.slow
def test_swapping_the_agent_channel_transcribes_again(tmp_path, model_path):
    """`--force --agent-channel right` once kept the left-agent transcript under the new
    timeline (score 92.2 where a fresh database gives 0.0)."""
    again, fresh = tmp_path / "again.db", tmp_path / "fresh.db"
    run_cli("process", str(C004), "--workers", "1", db=again, check=True)
    run_cli("process", str(C004), "--workers", "1", "--force", "--agent-channel", "right", db=again, check=True)
    run_cli("process", str(C004), "--workers", "1", "--agent-channel", "right", db=fresh, check=True)
    query = "SELECT side, start_s, text FROM segments ORDER BY start_s"
    with sqlite3.connect(again) as x, sqlite3.connect(fresh) as y:
        assert x.execute(query).fetchall() == y.execute(query).fetchall()
        assert x.execute("SELECT score FROM scorecards").fetchall() == y.execute("SELECT score FROM scorecards").fetchall()
        assert x.execute("SELECT count(DISTINCT asr_key) FROM transcript_cache").fetchone()[0] == 2


@pytest.mark.slow
def test_the_wheel_installs_and_analyses_outside_the_checkout(tmp_path):
    """A pip install carries the standard rule pack and finds (installs) the model in its
    home folder; the example runs from a folder that is not the checkout."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)], check=True, capture_output=True)
    (wheel,) = dist.glob("qa_audio-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([venv / "bin" / "pip", "install", "-q", str(wheel)], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr[-2000:]
    here = tmp_path / "elsewhere"
    (here / "samples").mkdir(parents=True)
    shutil.copy(C004, here / "samples" / C004.name)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QA_AUDIO_HOME": str(tmp_path / "home")}
    script = textwrap.dedent(EXAMPLE) + "import qa_audio; print(qa_audio.__file__)\n"
    out = subprocess.run([venv / "bin" / "python", "-c", script], cwd=here, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    score_line, location = out.stdout.strip().splitlines()[-2:]
    assert str(venv) in location and str(ROOT) not in location
    assert float(score_line.split()[0]) > 0
    assert (tmp_path / "home" / "models" / "whisper-base" / "model.bin").stat().st_size == models.DEFAULT_MODEL_SIZE
