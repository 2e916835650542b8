"""Would a sentence-embedding fallback help the phrase rules on wording the pack was not written from?

    .venv/bin/pip install wordllama==0.4.0.post1   # not a dependency: measured, not adopted
    .venv/bin/python benchmarks/intent_embedding.py [--held blind11 blind12 ...]

wordllama is the one embedding model found whose weights install from PyPI (its 19 MB wheel
ships `l2_supercat_256.safetensors` and the tokenizer). On the scripted agent lines as clean
text, each line is scored by its nearest example with the intent minus its nearest example
without it, the examples being the lines of the splits up to blind10; a line the pack's
matcher misses counts as having the intent above a margin fitted on those splits (best F1).
The margin is then applied to blind11-16, line by line, against the matcher alone. The
matcher has seen blind11-14 (packs were written from their misses), so their matcher
figures are dev figures; what the fallback adds or breaks on them is still held out.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
from paraphrase_scenarios import SPLITS, Lines

from qa_audio import rules
from qa_audio.scoring import PASS
from qa_audio.timeline import AGENT, CUSTOMER
from tests.test_rules import seg, verdicts

PHRASES = Path(__file__).resolve().parents[1] / "tests" / "phrases" / "phrases.tsv"
TRAIN = ["dev", "test", "dev2", "blind"] + [f"blind{i}" for i in range(2, 11)]
HELD = [f"blind{i}" for i in range(11, 17)]
REQUIRED = ("offer_help", "closing_anything_else", "closing_thanks")
FORBIDDEN = ("shirking", "blaming_customer", "absolute_promises")


def truths(lines: Lines) -> dict[str, dict[str, bool]]:
    """Rule -> line id -> whether the line carries the rule's intent (an offer, or a violation)."""
    t: dict[str, dict[str, bool]] = {r: {} for r in REQUIRED + FORBIDDEN}
    t["offer_help"] = {k: bool(v[2]) for k, v in lines.openings.items()}
    t["closing_anything_else"] = {k: v for k, v in lines.asks.items() if k}
    t["closing_thanks"] = dict(lines.thanks)
    for k in list(lines.thanks) + list(lines.bad) + lines.neutral + lines.apologies:
        t["closing_anything_else"].setdefault(k, False)
    for k in list(lines.bad) + lines.neutral + lines.apologies + [a for a in lines.asks if a]:
        for r in FORBIDDEN:
            t[r][k] = lines.bad.get(k) == r
    return t


def pooled(splits: list[str]) -> dict[str, dict[str, bool]]:
    out: dict[str, dict[str, bool]] = {}
    for s in splits:
        for r, d in truths(SPLITS[s]).items():
            out.setdefault(r, {}).update(d)
    return out


class Judge:
    def __init__(self):
        import wordllama
        from wordllama import WordLlama

        # load() looks for the bundled tokenizer in `tokenizer/` but the wheel ships `tokenizers/`;
        # as its cache dir, the package's own folder is found without a download.
        self.model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
        self.pack = rules.load()
        self.text = {r["id"]: r["text"] for r in csv.DictReader(PHRASES.open(encoding="utf-8"), delimiter="\t")}
        self._emb: dict[str, np.ndarray] = {}

    def matcher(self, rule: str, k: str) -> bool:
        """The pack's verdict on the line alone: the intent found (an offer said, a violation made)."""
        said = self.text[k]
        if rule == "offer_help":
            segments = [seg(AGENT, 2.0, said), seg(CUSTOMER, 8.0, "我想问一下我的订单"), seg(AGENT, 14.0, "好的")]
        else:
            segments = [seg(AGENT, 2.0, "您好"), seg(CUSTOMER, 6.0, "我想问一下我的订单"), seg(AGENT, 10.0, said)]
        passed = verdicts(self.pack, segments)[rule].result == PASS
        return passed if rule in REQUIRED else not passed

    def embed(self, ids: list[str]) -> np.ndarray:
        new = [i for i in ids if i not in self._emb]
        if new:
            self._emb |= dict(zip(new, self.model.embed([self.text[i] for i in new], norm=True)))
        return np.stack([self._emb[i] for i in ids])

    def margin(self, ids: list[str], examples: dict[str, bool]) -> np.ndarray:
        """Nearest example with the intent minus nearest without it (a line is never its own example)."""
        ex = sorted(examples)
        sim = self.embed(ids) @ self.embed(ex).T
        sim[np.array(ids)[:, None] == np.array(ex)[None, :]] = -9.0
        has = np.array([examples[e] for e in ex])
        return np.where(has, sim, -9.0).max(1) - np.where(~has, sim, -9.0).max(1)


def prf(pred: list[bool], truth: list[bool]) -> str:
    tp = sum(p and t for p, t in zip(pred, truth))
    fp = sum(p and not t for p, t in zip(pred, truth))
    fn = sum(t and not p for p, t in zip(pred, truth))
    return f"P {tp / (tp + fp) if tp + fp else 1:.3f} R {tp / (tp + fn) if tp + fn else 1:.3f} (fp {fp}, fn {fn})"


def best_margin(matched: list[bool], margins: np.ndarray, truth: list[bool]) -> float:
    def f1(th):
        pred = [m or x > th for m, x in zip(matched, margins)]
        tp = sum(p and t for p, t in zip(pred, truth))
        return 2 * tp / (sum(pred) + sum(truth)) if tp else 0.0
    return max(np.arange(-0.10, 0.31, 0.01), key=lambda th: (f1(th), th))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--held", nargs="+", default=HELD, choices=HELD, help="the splits to test on")
    args = ap.parse_args()
    judge, train = Judge(), pooled(TRAIN)
    for rule in REQUIRED + FORBIDDEN:
        ids = sorted(train[rule])
        truth = [train[rule][k] for k in ids]
        th = best_margin([judge.matcher(rule, k) for k in ids], judge.margin(ids, train[rule]), truth)
        print(f"== {rule}: margin fitted on {len(ids)} lines of {TRAIN[0]}..{TRAIN[-1]}: {th:+.2f}")
        pool: list[tuple[bool, float, bool]] = []
        for split in args.held:
            held = truths(SPLITS[split])[rule]
            hid = sorted(k for k in held if k not in train[rule])
            truth = [held[k] for k in hid]
            matched = [judge.matcher(rule, k) for k in hid]
            margins = judge.margin(hid, train[rule])
            both = [m or x > th for m, x in zip(matched, margins)]
            print(f"  {split}: {len(hid)} lines; matcher {prf(matched, truth)}; matcher or embedding {prf(both, truth)}")
            for k, m, b, t, x in zip(hid, matched, both, truth, margins):
                if m != t or b != t:
                    print(f"    {'gained' if b == t else 'broken' if m == t else 'missed'} {k} (margin {x:+.2f}): {judge.text[k]}")
            pool += list(zip(matched, margins, truth))
        print("  all held-out lines, lines the fallback gains / breaks at a margin: " + "; ".join(
            f"{th:.2f} +{sum(not m and x > th and t for m, x, t in pool)} -{sum(not m and x > th and not t for m, x, t in pool)}"
            for th in (0.0, 0.03, 0.05, 0.08, 0.10)))
        alone = [x > 0 for _, x, _ in pool]
        print(f"  the nearest example alone (margin 0): {prf(alone, [t for *_, t in pool])}")


if __name__ == "__main__":
    main()
