"""How the recogniser mishears Mandarin, learned from this project's audio.

A syllable is an initial and a final (客 ke = k + e). `qa_audio/asr_confusions.json` holds,
for each initial and each final the speaker said, how often whisper-base wrote which other
one, counted by `tests/learn_confusions.py` over real recordings and synthesised agent
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
# the times either sound was said: twice is chance, and a rare slip is no reason to match.
# On the 4988 syllables of the train split this keeps 6 initial and 16 final pairs (2 and
# 1 %: 2 and 8; 2 and 2 %: 1 and 3).
MIN_COUNT = 3
MIN_RATE = 0.01


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
    """Pairs confused often enough, either way round: which of two close sounds was said
    and which written varies with the speaker, and a few thousand syllables see each pair
    a handful of times."""

    def accepted(table: dict) -> dict[str, frozenset[str]]:
        said = {s: row["said"] for s, row in table.items()}
        pair = lambda a, b: table.get(a, {}).get("heard", {}).get(b, 0) + table.get(b, {}).get("heard", {}).get(a, 0)  # noqa: E731
        sounds = sorted(said)
        return {
            a: frozenset(b for b in sounds if b != a and pair(a, b) >= MIN_COUNT and pair(a, b) / (said[a] + said[b]) >= MIN_RATE)
            for a in sounds
        }

    return Confusions(accepted(counts["initials"]), accepted(counts["finals"]))


@lru_cache(maxsize=None)
def load(path: Path = TABLE) -> Confusions:
    """The learned confusion table (default: the shipped `asr_confusions.json`).

    Raises OSError when the file cannot be read, ValueError (json) when it is not JSON.
    """
    return from_counts(json.loads(path.read_text(encoding="utf-8")))
