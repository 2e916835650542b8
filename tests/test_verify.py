"""Acoustic verification: required phrases the transcript lacks, scored against the audio.

The slow tests run the bundled whisper-base on the synthesised agent lines of tests/phrases.
"""

from __future__ import annotations

import textwrap

import pytest

from qa_audio import rules, verify
from qa_audio.core import Event, Segment, Span, TalkMetrics, Timeline
from qa_audio.decode import Audio
from qa_audio.scoring import CallContext, evaluate, unverified
from qa_audio.timeline import AGENT, CUSTOMER

PACK = rules.load()


def _timeline(duration: float, events=()) -> Timeline:
    speech = {AGENT: [Span(0.0, duration)], CUSTOMER: []}
    return Timeline(duration, True, 0.0, None, None, [], "unknown", "", speech, TalkMetrics(), list(events))


def _finding(segments, tl, rule_id):
    return next(f for f in evaluate(PACK, CallContext(tl, segments)) if f.rule_id == rule_id)


def test_a_phrase_is_tried_where_the_words_sound_like_it_and_where_a_missing_line_would_be():
    options = verify.candidates("您好，贺福中心，请问", "客服中心", at_end=False)
    assert ("您好，", "，请问") in options  # 贺福中心 sounds like 客服中心 (h/k, f)
    assert ("", "您好，贺福中心，请问") in options  # an opening's missing line comes first
    assert options[-1] == ("", "您好，贺福中心，请问")
    assert verify.candidates("感谢您的来电", "再见", at_end=True)[-1] == ("感谢您的来电", "")


def test_only_failed_required_conditions_of_the_listed_rules_are_checked():
    segs = [Segment(AGENT, 0.5, 2.0, "您好，请问有什么可以帮您"), Segment(CUSTOMER, 3.0, 5.0, "我想查订单"), Segment(AGENT, 50.0, 52.0, "感谢您的来电")]
    todo = unverified(PACK, CallContext(_timeline(60.0), segs))
    # The introduction is missing at the opening, the closing question and 再见 at the close.
    # Greeting, offer and thanks were said: not checked again. The goodbye words (再见, 拜拜)
    # are shorter than verify_min_chars: two syllables fit too much audio.
    assert {(c.rule_id, c.condition) for c in todo} == {("self_introduction", "intro"), ("closing_anything_else", "asked")}
    ask = next(c for c in todo if c.condition == "asked")
    assert ask.closing and [s.text for s in ask.window] == ["感谢您的来电"]
    assert "还有什么可以帮您" in ask.phrases and "还有什么可以帮你" not in ask.phrases  # one per sound
    intro = next(c for c in todo if c.condition == "intro")
    assert not intro.closing and [s.text for s in intro.window] == ["您好，请问有什么可以帮您"]



def _pack_verifying_forbidden_rules(tmp_path):
    """The standard pack with two forbidden-phrase rules listed for verification."""
    text = PACK.path.read_text(encoding="utf-8").replace("[settings]\n", '[settings]\nverify_rules = ["shirking", "forbidden_opening", "closing_thanks"]\n', 1)
    path = tmp_path / "pack.toml"
    path.write_text(text, encoding="utf-8")
    return rules.load(path)

def test_a_forbidden_phrase_is_never_verified_even_when_its_rule_is_listed(tmp_path):
    pack = _pack_verifying_forbidden_rules(tmp_path)
    segs = [Segment(AGENT, 0.5, 2.0, "喂，说话呀"), Segment(AGENT, 50.0, 52.0, "这个我不知道，不归我管，再见")]
    todo = unverified(pack, CallContext(_timeline(60.0), segs))
    # shirking and forbidden_opening fail on what was said, but their phrases sit under `not`:
    # verification can only find what makes a rule pass.
    assert {c.rule_id for c in todo} == {"closing_thanks"}


def test_a_verified_phrase_passes_its_condition_with_its_time_and_score():
    segs = [Segment(AGENT, 50.0, 52.0, "感谢您的来电")]
    heard = Event(verify.VERIFIED, 51.2, 51.8, AGENT, "acoustic", 0.42, "closing_thanks.bye: 再见")
    f = _finding(segs, _timeline(60.0, [heard]), "closing_thanks")
    assert f.result == "pass"
    assert "bye: yes (verified acoustically, score 0.42)" in f.message
    assert any(e.matched == "再见" and e.start_s == 51.2 and e.quality == 0.42 for e in f.evidence)
    # Below the pack's threshold (a rescore with a stricter pack), the event is not evidence.
    weak = Event(verify.VERIFIED, 51.2, 51.8, AGENT, "acoustic", PACK.settings["verify_min_score"] / 2, "closing_thanks.bye: 再见")
    assert _finding(segs, _timeline(60.0, [weak]), "closing_thanks").result == "fail"


def _score(transcriber, clip, heard: str, phrases: tuple[str, ...], at_end: bool) -> dict[str, float]:
    scores = verify.Verifier(transcriber.model).score(clip.audio, heard, phrases, at_end)
    return {s.phrase: s.score for s in scores}


def test_the_line_that_says_a_phrase_verifies_it_and_another_line_does_not(transcriber, phrases):
    threshold = PACK.settings["verify_min_score"]
    # close_thanks_1 says 感谢您的来电，再见; whisper-base wrote 感谢您的来点 on G.711 calls.
    said = _score(transcriber, phrases["close_thanks_1"], "感谢您的来点，再见", ("感谢您的来电",), at_end=True)
    assert said["感谢您的来电"] >= threshold
    # neutral_1 says 好的，我帮您查询一下您的订单信息: neither the thanks nor the closing question.
    other = _score(transcriber, phrases["neutral_1"], "好的，我帮您查询一下您的订单信息", ("感谢您的来电", "还有什么可以帮您"), at_end=True)
    assert max(other.values()) < threshold


def test_a_misheard_word_of_the_standard_is_verified_in_place(transcriber, phrases):
    # open_full_1 says 您好，欢迎致电客户服务中心…; whisper-base wrote 欢迎这店 for 欢迎致电 on G.711.
    clip = phrases["open_full_1"]
    heard = "你好,欢迎这店客户服务中心,我是克服小王,请问有什么可以帮您?"
    scores = _score(transcriber, clip, heard, ("欢迎致电", "感谢您的来电"), at_end=False)
    assert scores["欢迎致电"] >= PACK.settings["verify_min_score"]
    assert scores["感谢您的来电"] < PACK.settings["verify_min_score"]


def test_an_event_naming_a_forbidden_condition_never_makes_its_rule_fail(tmp_path):
    # A pack that lists forbidden-phrase rules for verification, and stored events that name
    # their conditions (a rescore of another pack's events, or a crafted row): the rules read
    # a verified phrase only for a condition verification may turn true.
    pack = _pack_verifying_forbidden_rules(tmp_path)
    segs = [Segment(AGENT, 0.5, 2.0, "您好，请问有什么可以帮您"), Segment(AGENT, 50.0, 52.0, "感谢您的来电，再见")]
    events = [Event(verify.VERIFIED, 1.0, 1.5, AGENT, "acoustic", 1.0, "shirking.shirked: 不归我管"),
              Event(verify.VERIFIED, 0.6, 1.0, AGENT, "acoustic", 1.0, "forbidden_opening.rude: 说话呀")]
    found = {f.rule_id: f.result for f in evaluate(pack, CallContext(_timeline(60.0, events), segs))}
    assert found["shirking"] == "pass" and found["forbidden_opening"] == "pass"


def test_a_condition_that_decides_whether_a_rule_applies_or_times_another_is_not_verified(tmp_path):
    body = textwrap.dedent("""
        [[rule]]
        id = "opened"
        title = "t"
        section = "s"
        points = 1
        applies = "hello"
        passes = "hello and intro"
        [rule.conditions]
        hello = { said = ["您好"], by = "agent", first_s = 10 }
        intro = { said = ["我是小王"], by = "agent", first_s = 10 }

        [[rule]]
        id = "answered"
        title = "t"
        section = "s"
        points = 1
        passes = "thanked or not rude"
        [rule.conditions]
        thanked = { said = ["感谢您的来电"], by = "agent", last_s = 30 }
        rude = { said = ["挂了"], by = "agent", after = "thanked", within_s = 5 }

        [[rule]]
        id = "both_ways"
        title = "t"
        section = "s"
        points = 1
        passes = "thanked or (not thanked and bye)"
        [rule.conditions]
        thanked = { said = ["感谢您的来电"], by = "agent", last_s = 30 }
        bye = { said = ["再见"], by = "agent", last_s = 30 }
    """)
    path = tmp_path / "pack.toml"
    path.write_text('[pack]\nname = "t"\nversion = "1"\n[settings]\nverify_rules = ["opened", "answered", "both_ways"]\n[[section]]\nid = "s"\nweight = 1\n' + body, encoding="utf-8")
    pack = rules.load(path)
    by_id = {r.id: r for r in pack.rules}
    # hello makes `opened` apply (and fail, wanting intro); thanked times `rude`; under a `not` too.
    assert not verify.verifiable(by_id["opened"], "hello") and verify.verifiable(by_id["opened"], "intro")
    assert not verify.verifiable(by_id["answered"], "thanked")
    assert not verify.verifiable(by_id["both_ways"], "thanked") and verify.verifiable(by_id["both_ways"], "bye")
    segs = [Segment(AGENT, 0.5, 2.0, "喂"), Segment(AGENT, 50.0, 52.0, "好了挂了")]
    heard = [Event(verify.VERIFIED, 1.0, 1.5, AGENT, "acoustic", 1.0, "opened.hello: 您好")]
    # Without the hello the rule does not apply; a verified hello must not make it apply and fail.
    found = {f.rule_id: f.result for f in evaluate(pack, CallContext(_timeline(60.0, heard), segs))}
    assert found["opened"] == "na"


def test_the_phrase_shown_is_the_one_the_audio_fits_best_not_the_first_above_the_cap(transcriber, phrases):
    # close_thanks_1 says 感谢您的来电，再见. On a poor reading (干些您的来点) the audio fits
    # 感谢您的支持 and 谢谢您的来电, listed first, better than what was written too: each reaches
    # the cap of 1, and the evidence must be the phrase that fits best, not the first of them.
    clip = phrases["close_thanks_1"]
    heard, listed = "干些您的来点，再见", ("感谢您的支持", "谢谢您的来电", "感谢您的来电")
    scores = {s.phrase: s for s in verify.Verifier(transcriber.model).score(clip.audio, heard, listed, at_end=True)}
    assert scores["感谢您的支持"].score == 1.0 and scores["感谢您的来电"].score == 1.0
    assert scores["感谢您的来电"].log_ratio > max(scores[p].log_ratio for p in listed[:2])
    duration = len(clip.audio) / 16000
    todo = [verify.Check("closing_thanks", "thanked", listed, (Segment(AGENT, 0.0, duration, heard),), True)]
    [(_, shown)] = verify.scored(todo, Audio(clip.audio[None, :], 16000, "line"), _timeline(duration), lambda: transcriber.model)
    assert shown.phrase == "感谢您的来电"
    [event] = verify.events(PACK, [(todo[0], shown)])
    assert verify.verified(event) == ("closing_thanks", "thanked", "感谢您的来电") and event.confidence == 1.0


def test_a_rule_that_fails_whatever_verification_finds_is_not_checked():
    # closing_thanks wants thanks and goodbye; the goodbye words are too short to verify, so
    # a close without them fails whatever the audio says of thanks: no check, no cost.
    opening = [Segment(AGENT, 0.5, 2.0, "您好，客服中心，我是小王，请问有什么可以帮您"), Segment(CUSTOMER, 3.0, 5.0, "我想查订单")]
    todo = unverified(PACK, CallContext(_timeline(60.0), [*opening, Segment(AGENT, 50.0, 52.0, "好，那就这样了")]))
    assert {(c.rule_id, c.condition) for c in todo} == {("closing_anything_else", "asked")}
    todo = unverified(PACK, CallContext(_timeline(60.0), [*opening, Segment(AGENT, 50.0, 52.0, "好的，再见")]))
    assert {(c.rule_id, c.condition) for c in todo} == {("closing_anything_else", "asked"), ("closing_thanks", "thanked")}
