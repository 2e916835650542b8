"""Two matcher behaviours of issue 15's ASR tolerance: a template's `？` alternative stands for the
question mark Whisper writes at a clause's end (it loses or mishears the particle: 什么买? for
什么吗 on the third blind split), and of equally good ways through a template the nearest one
is kept, so a negator of an A-not-A question after the words is not taken into a gap."""

from __future__ import annotations

from qa_audio.matching import IndexedTranscript, template_error

from .test_rules import AGENT, seg


def found(text: str, phrase: str) -> list[str]:
    return [h.matched for h in IndexedTranscript([seg(AGENT, 1.0, text)]).find(phrase, learned=False)]


def test_question_mark_alternative_matches_only_a_clause_written_as_a_question():
    template = "别的{gap:4}{吗|？}"
    assert found("还需要帮您查点别的什么买?", template) == ["别的什么买"]
    assert found("还需要帮您查点别的什么买？对吧", template) == ["别的什么买"]
    assert found("还需要帮您查点别的什么吗", template) == ["别的什么吗"]
    assert found("还需要帮您查点别的什么买", template) == []
    # the mark ends its own clause only: 别的 of the next clause is not asked
    assert found("好的?别的我再帮您看", template) == []


def test_question_mark_cannot_start_a_template():
    assert template_error("{？|吗}还有") is not None
    assert template_error("还有{gap:2}{吗|？}") is None


def test_nearest_way_through_a_template_keeps_the_gap_empty():
    index = IndexedTranscript([seg(AGENT, 1.0, "你到底懂不懂")])
    (hit,) = index.find("{你|您}{到底|究竟}{gap:4}{听|懂|明白}", learned=False)
    assert (hit.matched, hit.gaps) == ("你到底懂", "")
    assert not index.negated(hit, ("不", "没"), 6)
