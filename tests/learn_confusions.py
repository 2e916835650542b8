"""Learn qa_audio/asr_confusions.json: what whisper-base writes for each Mandarin sound.

    .venv/bin/python -m tests.learn_confusions [--model PATH]      (make confusions)

Train split: every clip of shared/audio/speech (real voices, reference transcripts) and the
`train_*` agent lines of tests/phrases/ (synthesised, written for this and used by no
benchmark; each also in two other voices, pitch moved down and up), each read by the
pipeline's own transcriber wideband and through the G.711 channel. Reference and hypothesis are aligned syllable by syllable (edit distance whose
substitution costs half when the initial or the final agrees, so that 贺 lines up with 客);
each aligned pair counts the said initial and final and what was heard for them.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict

import numpy as np

from qa_audio import models
from tests import callgen
from qa_audio.confusions import TABLE, split
from qa_audio.decode import SAMPLE_RATE, Audio
from qa_audio.matching import syllables
from qa_audio.timeline import analyse
from qa_audio.tones import get_plan
from qa_audio.transcribe import AsrSettings, Transcriber
from tests.voices import shifted

_HANZI = re.compile(r"[\u4e00-\u9fff]")


def align(ref: list[str], hyp: list[str]) -> list[tuple[str, str]]:
    """Substituted or matched (said, heard) syllable pairs of a minimum-cost alignment."""

    def sub(a: str, b: str) -> float:
        if a == b:
            return 0.0
        (ai, af), (bi, bf) = split(a), split(b)
        return 0.5 if ai == bi or af == bf else 1.0

    n, m = len(ref), len(hyp)
    cost = np.zeros((n + 1, m + 1))
    cost[:, 0], cost[0, :] = np.arange(n + 1), np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost[i, j] = min(cost[i - 1, j] + 1, cost[i, j - 1] + 1, cost[i - 1, j - 1] + sub(ref[i - 1], hyp[j - 1]))
    pairs, i, j = [], n, m
    while i and j:
        if cost[i, j] == cost[i - 1, j - 1] + sub(ref[i - 1], hyp[j - 1]):
            pairs.append((ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif cost[i, j] == cost[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def count(pairs: list[tuple[str, str]]) -> dict:
    table = {"initials": defaultdict(lambda: {"said": 0, "heard": Counter()}), "finals": defaultdict(lambda: {"said": 0, "heard": Counter()})}
    for said, heard in pairs:
        for part, s, h in zip(("initials", "finals"), split(said), split(heard)):
            row = table[part][s]
            row["said"] += 1
            if h != s:
                row["heard"][h] += 1
    return {part: {s: {"said": r["said"], "heard": dict(r["heard"].most_common())} for s, r in sorted(rows.items())} for part, rows in table.items()}


# Voice shifts of the synthesised lines: the range benchmarks/roles.py gives its agents.
_VOICES = (0.88, 1.12)


def train_split() -> list[callgen.Clip]:
    phrases = callgen.load_phrases()
    lines = [c for pid, c in sorted(phrases.items()) if pid.startswith("train_")]
    return callgen.load_speech() + lines + [shifted(c, f) for f in _VOICES for c in lines]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    tr = Transcriber(models.resolve(args.model), AsrSettings(), threads=2)
    rng = np.random.default_rng(0)
    pairs, sources = [], []
    for clip in train_split():
        ref = syllables("".join(_HANZI.findall(clip.text)))
        pad = np.zeros(SAMPLE_RATE // 2, np.float32)
        x = callgen.level(np.concatenate([pad, clip.audio, pad]), -20) + callgen.line_noise(len(clip.audio) + SAMPLE_RATE, rng, -60)
        for channel, audio in (("wideband", x), ("g711", callgen.telephone_channel(x))):
            a = Audio(audio[None, :], SAMPLE_RATE, clip.name)
            hyp = "".join(s.text for s in tr.transcribe(a, analyse(a, get_plan("china"))))
            pairs += align(ref, syllables("".join(_HANZI.findall(hyp))))
            print(f"{clip.name:<48} {channel:<8} {clip.text[:24]} -> {hyp[:24]}")
        sources.append(clip.name)
    sources = sorted(set(sources))
    out = {"model": "whisper-base", "channels": ["wideband", "g711"], "train_split": sources, **count(pairs)}
    TABLE.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(pairs)} aligned syllables from {len(sources)} clips -> {TABLE}")


if __name__ == "__main__":
    main()
