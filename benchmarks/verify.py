"""Calibration of acoustic verification (qa_audio/verify.py): how the phrase score separates
lines that say a required phrase from lines that do not, on single agent lines and real
customer speech, and (from `benchmarks/rules.py --scores FILE`) on composed calls.

    .venv/bin/python benchmarks/verify.py [--voices 1.0,0.92] [--calls scores.jsonl ...]

Each line of tests/phrases with a known meaning (benchmarks/paraphrase_scenarios.py, the dev
and test splits; never the blind one) and each real clip of shared/audio/speech is transcribed alone, wideband and through
the G.711 channel, in each voice (pitch and formants moved by the factor); then for each
rule of the pack's `verify_rules` whose text check fails on it, the verifier scores the
rule's phrases there, as the analyser would. A line is

- `said`:  it holds one of the rule's phrases word for word (the transcript missed it);
- `other`: it says what the rule asks in other words (a paraphrase: 您看还有什么需要吗 for
  还有什么可以帮您). Whether a verified standard phrase should pass it is the false-accept
  question; its acceptance rate is reported apart;
- `absent`: it does not say it (other agent lines, the other required lines, customers).

For each threshold the table gives the share of each kind accepted; the pack's
`verify_min_score` should accept no `absent` line.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import defaultdict
from pathlib import Path

from paraphrase_scenarios import SPLITS

from qa_audio import models, rules, verify
from qa_audio.core import Segment, Span, TalkMetrics, Timeline
from qa_audio.decode import SAMPLE_RATE, Audio
from qa_audio.scoring import CallContext, unverified
from qa_audio.timeline import AGENT
from qa_audio.transcribe import AsrSettings, Transcriber, clean
from tests import callgen
from tests.voices import shifted

THRESHOLDS = (0.5, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02, 0.01, 0.005, 0.001)


def line_rules() -> dict[str, set[str]]:
    """Each labelled agent line id -> the verify rules whose requirement it says (any words)."""
    out: dict[str, set[str]] = defaultdict(set)
    # The blind split is for the end of a round only: no calibration reads it.
    for lines in (SPLITS["dev"], SPLITS["test"]):
        for lid, (greets, intro, offers, _) in lines.openings.items():
            out[lid] |= {r for r, yes in (("greeting", greets), ("self_introduction", intro), ("offer_help", offers)) if yes}
        for lid, yes in lines.asks.items():
            if lid:
                out[lid] |= {"closing_anything_else"} if yes else set()
        for lid, yes in lines.thanks.items():
            out[lid] |= {"closing_thanks"} if yes else set()
        for lid in [*lines.bad, *lines.apologies, *lines.neutral]:
            out[lid] |= set()
    return out


def word_for_word(text: str, check: verify.Check) -> bool:
    """Whether the reference text holds one of the check's phrases exactly."""
    bare = "".join(ch for ch in text if ch.isalnum())
    return any(p in bare for p in check.phrases)


def one_line(pack, tr: Transcriber, samples, reference: str, says: set[str]) -> list[dict]:
    """The verifier's best phrase for every failed verify rule of one line said alone."""
    raw, _ = tr.model.transcribe(samples, language="zh", beam_size=5, condition_on_previous_text=False)
    text = clean("".join(s.text for s in raw))
    duration = len(samples) / SAMPLE_RATE
    segs = [Segment(AGENT, 0.0, duration, text)] if text else []
    tl = Timeline(duration, False, 0.0, None, None, [], "unknown", "", {AGENT: [Span(0.0, duration)]}, TalkMetrics())
    todo = unverified(pack, CallContext(tl, segs))
    audio = Audio(samples[None, :], SAMPLE_RATE, "line")
    out = []
    for c, best in verify.scored(todo, audio, tl, lambda: tr.model):
        kind = ("said" if word_for_word(reference, c) else "other") if c.rule_id in says else "absent"
        out.append(dict(rule=c.rule_id, condition=c.condition, kind=kind, phrase=best.phrase, log_ratio=best.log_ratio, heard=text, reference=reference))
    return out


def table(rows: list[dict], title: str) -> None:
    kinds = sorted({r["kind"] for r in rows})
    counts = ", ".join(f"{k} {sum(r['kind'] == k for r in rows)}" for k in kinds)
    print(f"\n{title}: {len(rows)} checks ({counts})")
    print(f"{'threshold':>9} " + " ".join(f"{k + ' acc':>12}" for k in kinds))
    for t in THRESHOLDS:
        cells = []
        for k in kinds:
            sel = [r for r in rows if r["kind"] == k]
            acc = sum(math.exp(r["log_ratio"]) >= t for r in sel)
            cells.append(f"{acc:>4}/{len(sel):<3} {acc / len(sel):4.2f}" if sel else f"{'-':>12}")
        print(f"{t:>9} " + " ".join(cells))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--voices", default="1.0,0.92", help="voice factors (tests/voices.py shifted) for the agent lines")
    ap.add_argument("--calls", type=Path, nargs="*", default=[], help="benchmarks/rules.py --scores files: composed calls, truth pass = said (any words), fail = absent")
    ap.add_argument("--out", type=Path, help="write every line's check here (JSON lines)")
    ap.add_argument("--no-lines", action="store_true", help="only the --calls files")
    args = ap.parse_args()
    pack = rules.load()
    rows = []
    if not args.no_lines:
        tr = Transcriber(models.resolve(), AsrSettings(), threads=2)
        phrases, speech = callgen.load_phrases(), callgen.load_speech()
        labelled = line_rules()
        c0 = time.process_time()
        clips = [(shifted(phrases[lid], float(f)), says) for lid, says in labelled.items() for f in args.voices.split(",")]
        clips += [(c, set()) for c in speech]
        for clip, says in clips:
            for telephone in (False, True):
                samples = callgen.telephone_channel(clip.audio) if telephone else clip.audio
                rows += [r | dict(line=clip.name, telephone=telephone) for r in one_line(pack, tr, samples, clip.text, says)]
        print(f"{len(clips)} clips x 2 channels in {time.process_time() - c0:.0f} s CPU")
        if args.out:
            args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        table(rows, "single lines, all verify rules")
        for rule in pack.settings["verify_rules"]:
            sel = [r for r in rows if r["rule"] == rule]
            if sel:
                table(sel, f"single lines, {rule}")
        worst = sorted((r for r in rows if r["kind"] == "absent"), key=lambda r: -r["log_ratio"])[:8]
        print("\nhighest-scoring absent lines:")
        for r in worst:
            print(f"  {math.exp(r['log_ratio']):.4f} {r['rule']}.{r['condition']} {r['phrase']} | said {r['reference']} | heard {r['heard']}")
    calls = [json.loads(x) for f in args.calls for x in f.read_text().splitlines()]
    if calls:
        for c in calls:
            c["kind"] = {"pass": "said/other", "fail": "absent"}.get(c["truth"], "n/a")
        table(calls, "composed calls (benchmarks/rules.py --scores)")


if __name__ == "__main__":
    main()
