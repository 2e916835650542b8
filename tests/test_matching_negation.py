"""Negation scope at clause level (issue 15): a negated modal denies the whole verb phrase
it governs in its clause, a contrast word (但是 / 不过) ends the scope. The strings are the
second blind split's advised wording (README: taken for an absolute promise, clean 0.916)
and whisper-base transcripts of composed calls (test and blind2 splits)."""

from __future__ import annotations

import pytest

from qa_audio import rules
from qa_audio.matching import IndexedTranscript
from qa_audio.scoring import FAIL, PASS

from .test_rules import AGENT, pack_of, seg, verdicts

NEGATORS = ("不", "没", "别", "非", "无", "未")


def denied(text: str, phrase: str, window: int = 6) -> list[bool]:
    index = IndexedTranscript([seg(AGENT, 1.0, text)])
    return [index.negated(h, NEGATORS, window) for h in index.find(phrase, min_quality=0.95, learned=False)]


@pytest.mark.parametrize(
    "text,phrase,expected",
    [
        # blind2_no_promise: 没办法 governs 保证 ten characters on (the old 6-character look-back missed it)
        ("我没办法给您百分之百的保证，但是一定会尽力帮您处理。", "保证", [True]),
        # ... and as whisper-base heard it on blind2 call 8 (mono, /work/cache/blind2)
        ("我没办法给您百分之百的保证,", "保证", [True]),
        ("我们无法向您这边做出任何保证", "保证", [True]),
        ("这个我不能提前跟您说肯定的", "肯定", [True]),
        # what follows a contrast word is asserted again, however a negated modal came before
        ("这事我没办法多说但是我保证明天之前办好", "保证", [False]),
        ("我不敢说太多不过百分之百给您退回来", "百分之百", [False]),
        # real transcripts (test split): promises, no negator before them in the clause
        ("我保证下午之前一定给您回电话,", "保证", [False]),
        ("您放心,百分之百给您退回来,", "百分之百", [False]),
        # a negator of another clause does not reach over the comma
        ("别担心,我保证下午之前给您回电话", "保证", [False]),
    ],
)
def test_negated_modal_scopes_over_its_clause(text, phrase, expected):
    assert denied(text, phrase) == expected


def test_advised_wording_of_the_blind_split_is_not_a_promise():
    pack = rules.load()
    promise = lambda text: verdicts(pack, [seg(AGENT, 2.0, "您好"), seg(AGENT, 10.0, text)])["absolute_promises"].result  # noqa: E731
    assert promise("我没办法给您百分之百的保证，但是一定会尽力帮您处理。") == PASS
    assert promise("我没办法多说，但是我保证明天之前办好") == FAIL
    shirked = lambda text: verdicts(pack, [seg(AGENT, 2.0, "您好"), seg(AGENT, 10.0, text)])["shirking"].result  # noqa: E731
    assert shirked("我没办法给您百分之百的保证，但是一定会尽力帮您处理。") == PASS
    assert shirked("这个我也没办法，您找别人吧") == FAIL
    # a real transcript (test split) of a denial of blame stays no blame
    assert verdicts(pack, [seg(AGENT, 2.0, "您好"), seg(AGENT, 10.0, "别担心,不是您操作的错")])["blaming_customer"].result == PASS


def test_not_in_is_matched_as_a_phrase_not_as_a_substring(tmp_path):
    """`not_in` wordings are found by the matcher, templates included, and discount only the
    hits they cover: 没办法 inside 没办法给您百分之百的保证 is the advised wording (blind2
    read it as shirking, clean 0.909), 没办法 said on its own in the same utterance is not."""
    pack = pack_of(
        """
        [[rule]]
        id = "shirking"
        section = "s"
        passes = "not shirked"
        conditions.shirked = { said = ["没办法"], by = "agent", learned = false, not_in = ["{没办法|不能}{gap:8}保证"] }
        """,
        tmp_path,
    )
    shirked = lambda text: verdicts(pack, [seg(AGENT, 2.0, text)])["shirking"].result  # noqa: E731
    assert shirked("我没办法给您百分之百的保证，但是一定会尽力帮您处理。") == PASS
    assert shirked("我没办法保证") == PASS
    assert shirked("这个我也没办法，您找别人吧") == FAIL
    assert shirked("我没办法给您百分之百的保证，这个我真没办法") == FAIL


@pytest.mark.parametrize(
    "text,expected",
    [
        # ninth blind split, as whisper-base heard it (stereo and mono G.711): a rhetorical
        # question (反问) asserts what 不是 stands before
        ("我刚才不是说得很清楚了吗", [False]),
        ("我刚才不是说得很清楚了吗?", [False]),
        # the same words as a statement are denied
        ("我刚才不是说得很清楚了,我再说一遍", [True]),
    ],
)
def test_bu_shi_in_a_question_asks_back(text, expected):
    assert denied(text, "说得很清楚了", window=4) == expected
