"""Rule checks and scorecards: a rule pack applied to one call's timeline and transcript.

Every condition is three-valued: True, False, or None when the recording cannot show it
(no ringback and no PBX record for pickup time, say). A rule whose verdict is None is
`unknown`: never a pass, and left out of the score like N/A, but listed.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import date, datetime

from .core import Evidence, Finding, Scorecard, Segment, Timeline
from .matching import Hit, IndexedTranscript
from .rules import Condition, Metric, Near, Rule, RulePack, Said, evaluate_expr
from .timeline import AGENT, CUSTOMER
from .verify import VERIFIED, Check, checks, verifiable, verified

PASS, FAIL, NA, UNKNOWN = "pass", "fail", "na", "unknown"
# A rule worth 0 points is reported, not judged: its finding carries the measured value.
REPORTED = "reported"
# A call nobody (or no agent) speaks in shows nothing of the service: rules that only ask
# for something not to be said would pass it, and 60 s of silence scored 100. Such a call
# has no score (kept out of every mean) and is flagged.
NO_SPEECH = "no speech at all"
NO_AGENT_SPEECH = "no speech on the agent side"


@dataclass
class CallContext:
    """What the rules look at for one call."""

    timeline: Timeline
    segments: list[Segment]
    started_at: date | None = None  # a datetime when the time of day is known
    roles_certain: bool = True


def metrics(ctx: CallContext, pack: RulePack) -> dict[str, float | str | None]:
    """The call's measured values that rules compare (`metric` conditions): answer delay (s),
    rings, holds (count, longest, total s), hang-up side, talk shares and times (s),
    interruptions, speech rates, 您 share, whether it is morning, and so on; None where the
    call does not say (a metric that is None is `unknown`, never a pass).
    """
    tl, m = ctx.timeline, ctx.timeline.metrics
    agent_text = "".join(s.text for s in ctx.segments if s.side == AGENT)
    nin = agent_text.count("您")
    ni = len(re.findall(r"你(?!们)", agent_text))
    first_agent = next((s.start_s for s in ctx.segments if s.side == AGENT), None)
    holds = [h.end_s - h.start_s for h in tl.holds]
    day = ctx.started_at
    return {
        "answer_delay_s": tl.answer_delay_s,
        "ring_count": tl.ring_count,
        "hold_count": len(holds),
        "hold_max_s": max(holds, default=0.0),
        "hold_total_s": sum(holds),
        "longest_silence_s": m.longest_silence_s,
        "interruptions": m.interruptions if tl.stereo else None,
        "overtalk_count": m.overtalk_count if tl.stereo else None,
        "agent_talk_share": m.agent_talk_share,
        "agent_speech_rate_cpm": m.speech_rate_cpm.get(AGENT),
        "customer_spoke": 1 if any(s.side == CUSTOMER for s in ctx.segments) else 0,
        "agent_first_words_s": None if first_agent is None else round(tl.call_time(first_agent), 2),
        "nin_share": round(nin / (nin + ni), 3) if nin + ni else None,
        "is_holiday": None if day is None else int(bool(holiday_greetings(pack, day))),
        "call_hour": day.hour if isinstance(day, datetime) else None,
        "duration_s": tl.duration_s,
        "hangup_by": None if tl.hangup_by == "unknown" else tl.hangup_by,
        "transfer_count": sum(e.kind == "transfer" for e in tl.events),
    }


def holiday_greetings(pack: RulePack, day: date) -> tuple[str, ...]:
    """The pack's greetings for `day` (its YYYY-MM-DD entry, else its MM-DD one), () on an ordinary day."""
    return pack.holidays.get(day.strftime("%Y-%m-%d")) or pack.holidays.get(day.strftime("%m-%d")) or ()


class _Evaluator:
    def __init__(self, pack: RulePack, ctx: CallContext):
        self.pack, self.ctx = pack, ctx
        self.index = IndexedTranscript(ctx.segments)
        self.metrics = metrics(ctx, pack)
        tl = ctx.timeline
        last_words = max((s.end_s for s in ctx.segments), default=tl.duration_s)
        self.events = {
            "answer": [tl.answer_s or 0.0],
            "hold_start": [h.start_s for h in tl.holds],
            "hold_end": [h.end_s for h in tl.holds],
            "hangup": [last_words],
            "transfer": [e.start_s for e in tl.events if e.kind == "transfer"],
        }
        self.call_end = last_words
        # Required phrases the audio verified where the transcript lacked them (verify.py).
        # A rescore with another pack keeps only those its own verify settings accept, and
        # only for conditions a verified phrase may turn true (never a forbidden phrase's,
        # whatever rule and condition an event names).
        heard = [(verified(e), e) for e in tl.events if e.kind == VERIFIED]
        by_id = {r.id: r for r in pack.rules}
        self.acoustic = {
            f"{rule_id}.{condition}": e for (rule_id, condition, _), e in heard
            if e.confidence >= pack.settings["verify_min_score"] and rule_id in pack.settings["verify_rules"]
            and rule_id in by_id and verifiable(by_id[rule_id], condition)
        }

    def values(self, rule: Rule):
        """Each condition's value, and `cond(name)` for its (value, hits)."""
        memo: dict[str, tuple[bool | None, list[Hit]]] = {}

        def cond(name: str):
            if name not in memo:
                memo[name] = self.condition(rule.conditions[name], cond)
                heard = self.acoustic.get(f"{rule.id}.{name}")
                if heard and memo[name][0] is False:
                    memo[name] = True, [_acoustic_hit(heard)]
            return memo[name]

        return {name: cond(name)[0] for name in rule.conditions}, cond

    def rule(self, rule: Rule, evaluated=None) -> Finding:
        """The rule's finding; `evaluated`: its `values(rule)` when already computed."""
        values, cond = evaluated or self.values(rule)
        section = self.pack.sections[rule.section]
        applies = True if rule.applies is None else evaluate_expr(rule.applies, values)
        if applies is False:
            verdict, result = None, NA
        elif applies is None:
            verdict, result = None, UNKNOWN
        else:
            verdict = evaluate_expr(rule.passes, values)
            result = UNKNOWN if verdict is None else (PASS if verdict else FAIL)
            if rule.points == 0 and result != UNKNOWN:
                result = REPORTED
        # Evidence is what decided the verdict: the hits of the conditions `passes` names.
        decisive = {n.id for n in ast.walk(ast.parse(rule.passes, mode="eval")) if isinstance(n, ast.Name)}
        evidence = [
            Evidence(round(h.start_s, 2), round(h.end_s, 2), h.side, h.text, h.matched, h.quality)
            for name in rule.conditions
            if name in decisive and result in (PASS, FAIL, REPORTED)
            for h in cond(name)[1]
        ]
        evidence.sort(key=lambda e: e.start_s)
        return Finding(
            rule.id, rule.title, rule.section, section.weight, result,
            rule.points if result == PASS else 0.0, rule.points, rule.critical,
            self.message(rule, result, values), evidence,
        )

    def message(self, rule: Rule, result: str, values: dict) -> str:
        parts = []
        for name, c in rule.conditions.items():
            v = values[name]
            state = "unknown" if v is None else ("yes" if v else "no")
            if isinstance(c, Metric) and result == REPORTED:
                parts.append(f"{c.name}={_fmt(self.metrics.get(c.name))} (standard: {c.op} {c.value})")
            elif isinstance(c, Metric):
                parts.append(f"{name}: {c.name}={_fmt(self.metrics.get(c.name))} {c.op} {c.value} -> {state}")
            else:
                heard = self.acoustic.get(f"{rule.id}.{name}")
                how = f" (verified acoustically, score {heard.confidence:.2f})" if heard and v else ""
                parts.append(f"{name}: {state}{how}")
        return f"{result}: " + "; ".join(parts)

    def condition(self, c: Condition, cond) -> tuple[bool | None, list[Hit]]:
        if isinstance(c, Metric):
            return _compare(self.metrics.get(c.name), c.op, c.value), []
        if not self.ctx.segments:
            return None, []
        if isinstance(c, Near):
            return self.near(c)
        return self.said(c, cond)

    def _speaker_ok(self, side: str, by: str) -> bool:
        return by == "any" or side == by

    def _find(self, phrases, fuzzy: bool, min_quality: float, by: str, whole_word: bool = False, learned: bool = True) -> list[Hit]:
        return [
            h
            for p in phrases
            for q in self._resolve(p)
            for h in self.index.find(q, fuzzy, min_quality, whole_word, learned)
            if self._speaker_ok(h.side, by)
        ]

    def _resolve(self, phrase: str) -> tuple[str, ...]:
        if phrase != "@holiday_greeting":
            return (phrase,)
        return holiday_greetings(self.pack, self.ctx.started_at) if self.ctx.started_at else ()

    def said(self, c: Said, cond) -> tuple[bool | None, list[Hit]]:
        tl = self.ctx.timeline
        per_phrase = []
        # Found as the phrase is, templates and all: a substring test could not see
        # 没办法保证 in 没办法给您百分之百的保证.
        cover = self._find(c.not_in, c.fuzzy, c.min_quality, "any", learned=c.learned) if c.not_in else []
        for p in c.phrases:
            hits = [h for h in self._find((p,), c.fuzzy, c.min_quality, c.by, c.whole_word, c.learned) if self._in_window(h, c, tl)]
            if cover:
                hits = [h for h in hits if not self.index.covered(h, cover)]
            if c.negated_by:
                hits = [h for h in hits if not self.index.negated(h, c.negated_by, self.pack.settings["negation_window_chars"])]
            for anchor, after in ((c.after, True), (c.before, False)):
                if anchor:
                    times = self.events[anchor] if anchor in self.events else [h.start_s for h in cond(anchor)[1]]
                    hits = [h for h in hits if any(_near_in_time(h, t, c.within_s, after) for t in times)]
            per_phrase.append(hits)
        # Several phrases of a list can cover the same words (您好 and 你好): keep the best.
        best: dict[tuple[int, int], Hit] = {}
        for h in (h for hits in per_phrase for h in hits):
            key = (h.segment_index, h.position)
            if key not in best or h.quality > best[key].quality:
                best[key] = h
        found = sorted(best.values(), key=lambda h: h.position)
        if c.match == "any":
            return bool(found), found
        if c.match == "all":
            return all(per_phrase), found
        if c.match == "none":
            return not found, found
        return len(found) >= c.n, found

    def _in_window(self, h: Hit, c: Said, tl: Timeline) -> bool:
        t = tl.call_time(h.start_s)
        if c.first_s is not None and t > c.first_s:
            return False
        if c.last_s is not None and h.end_s < self.call_end - c.last_s:
            return False
        if c.from_s is not None and t < c.from_s:
            return False
        return c.to_s is None or t <= c.to_s

    def near(self, c: Near) -> tuple[bool | None, list[Hit]]:
        a = self._find(c.a, c.fuzzy, c.min_quality, c.by, learned=c.learned)
        b = self._find(c.b, c.fuzzy, c.min_quality, c.by, learned=c.learned)
        pairs = self.index.near(a, b, c.within_chars, c.ordered)
        return bool(pairs), [h for pair in pairs for h in pair]


def _acoustic_hit(e) -> Hit:
    phrase = verified(e)[2]
    return Hit(phrase, e.side or AGENT, e.start_s, e.end_s, f"verified acoustically (score {e.confidence:.2f})", phrase, e.confidence, -1, -1)


def _near_in_time(h: Hit, t: float, within: float, after: bool) -> bool:
    delta = h.start_s - t if after else t - h.end_s
    return -0.5 <= delta <= within


def _compare(actual, op: str, value) -> bool | None:
    if actual is None:
        return None
    if isinstance(value, str) != isinstance(actual, str):
        return None
    return {
        "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    }[op](actual, value)


def _fmt(v) -> str:
    return "unknown" if v is None else str(v)


def evaluate(pack: RulePack, ctx: CallContext) -> list[Finding]:
    """One Finding per rule of the pack, in the pack's order, for a call's timeline and transcript."""
    ev = _Evaluator(pack, ctx)
    return [ev.rule(r) for r in pack.rules]


def unverified(pack: RulePack, ctx: CallContext) -> list[Check]:
    """The required phrases of failed rules that acoustic verification may look for in the
    audio (`verify.checks`: rules of the pack's `verify_rules`, conditions that make them pass)."""
    ev = _Evaluator(pack, ctx)
    out = []
    for r in pack.rules:
        if r.id in pack.settings["verify_rules"]:
            evaluated = ev.values(r)
            if ev.rule(r, evaluated).result == FAIL:
                todo = checks(pack, r, evaluated[0], ctx.segments, ctx.timeline)
                # A rule that fails even with every phrase checked found (closing_thanks
                # without a goodbye, which is too short to verify) is not worth the audio:
                # on 25 blind calls, 38 checks cost 3.0 s CPU each.
                if evaluate_expr(r.passes, evaluated[0] | {c.condition: True for c in todo}):
                    out += todo
    return out


def summarize(findings: list[Finding], pass_score: float, extra_flags: list[str] = ()) -> tuple[float | None, bool, list[str]]:
    """Score 0-100: section weights over earned / possible points, N/A and unknown left out.

    A failed critical rule is an automatic fail: the score becomes 0 (as in AWS evaluation
    forms' AutomaticFail and Genesys' fatal questions).
    """
    sections: dict[str, list[float]] = {}
    for f in findings:
        if f.result in (PASS, FAIL) and f.max_points > 0:
            earned, possible, weight = sections.setdefault(f.section, [0.0, 0.0, f.section_weight])
            sections[f.section] = [earned + f.points, possible + f.max_points, weight]
    weighted = [(w, e / p) for e, p, w in sections.values() if p > 0]
    total_w = sum(w for w, _ in weighted)
    score = round(100 * sum(w * r for w, r in weighted) / total_w, 1) if total_w else None
    reasons = [f"auto-fail: {f.rule_id}" for f in findings if f.critical and f.result == FAIL]
    if reasons:
        score = 0.0
    if score is not None and score < pass_score:
        reasons.append(f"low score: {score} < {pass_score}")
    reasons += [f"cannot verify critical rule: {f.rule_id}" for f in findings if f.critical and f.result == UNKNOWN]
    reasons += list(extra_flags)
    if any(f.startswith((NO_SPEECH, NO_AGENT_SPEECH)) for f in extra_flags):
        score = None
    passed = score is not None and score >= pass_score and not any(r.startswith("auto-fail") for r in reasons)
    return score, passed, reasons


def scorecard(pack: RulePack, ctx: CallContext) -> Scorecard:
    """The call's scorecard: every rule's finding, the score (0-100, None when nothing
    scorable was said), pass/fail against the pack's pass score, and the flags that send it to
    review (a failed critical rule, low transcript confidence, no speech, no agent speech,
    uncertain mono roles).
    """
    findings = evaluate(pack, ctx)
    flags = []
    if ctx.segments:
        mean_lp = sum(s.avg_logprob for s in ctx.segments) / len(ctx.segments)
        if mean_lp < pack.min_logprob:
            flags.append(f"low transcript confidence: mean log-prob {mean_lp:.2f} < {pack.min_logprob}")
    else:
        heard = ctx.timeline.speech and any(ctx.timeline.speech.values())
        flags.append(NO_SPEECH + (" (sound like speech was heard, but no words were recognised)" if heard else ""))
    if ctx.segments and not any(s.side == AGENT for s in ctx.segments):
        flags.append(NO_AGENT_SPEECH)
    if not ctx.roles_certain:
        flags.append("uncertain speaker roles (mono recording)")
    score, passed, reasons = summarize(findings, pack.pass_score, flags)
    return Scorecard(score, passed, bool(reasons), reasons, findings, pack.pass_score, flags, pack.name, pack.version, pack.hash)
