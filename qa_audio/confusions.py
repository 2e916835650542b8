"""How the recogniser mishears Mandarin, learned from this project's audio.

A syllable is an initial and a final (客 ke = k + e). `qa_audio/asr_confusions.json` holds,
for each initial and each final the speaker said, how often whisper-base wrote which other
one, counted by `qa_audio/learn_confusions.py` over real recordings and synthesised agent
lines, wideband and through a G.711 channel. The matcher accepts a transcript syllable in
place of a phrase's syllable when one of its two parts is a learned confusion (贺福中心 for
客服中心: k heard as h) and the other part is right.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "asr_confusions.json"

# Longest first: zh before z.
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s", "y", "w")
# A confusion counts when it was seen at least this often and in at least this share of
# the times the sound was said: once is chance, and a rare slip is no reason to match.
MIN_COUNT = 2
MIN_RATE = 0.02


def split(syllable: str) -> tuple[str, str]:
    """(initial, final); syllables without an initial (an, er) have initial ''."""
    for ini in _INITIALS:
        if syllable.startswith(ini) and len(syllable) > len(ini):
            return ini, syllable[len(ini) :]
    return "", syllable


@dataclass(frozen=True)
class Confusions:
    """Said sound -> the sounds the recogniser writes for it often enough to accept."""

    initials: dict[str, frozenset[str]]
    finals: dict[str, frozenset[str]]

    def accepts(self, said: str, heard: str) -> bool:
        """`heard` may stand for `said`: one part the same, the other a learned confusion."""
        si, sf = split(said)
        hi, hf = split(heard)
        if si == hi:
            return hf in self.finals.get(sf, ())
        return sf == hf and hi in self.initials.get(si, ())


def from_counts(counts: dict) -> Confusions:
    def accepted(table: dict) -> dict[str, frozenset[str]]:
        return {
            said: frozenset(h for h, n in row["heard"].items() if n >= MIN_COUNT and n / row["said"] >= MIN_RATE)
            for said, row in table.items()
        }

    return Confusions(accepted(counts["initials"]), accepted(counts["finals"]))


@lru_cache(maxsize=None)
def load(path: Path = TABLE) -> Confusions:
    return from_counts(json.loads(path.read_text(encoding="utf-8")))
