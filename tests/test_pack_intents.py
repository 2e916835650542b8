"""The standard pack's intents (rules/standard_zh.toml 2026.12.5) on transcript strings: each
intent by its structure, in words written for this test (no benchmark split's line), and the
look-alikes that must not hit, above all for the forbidden-phrase rules."""

from __future__ import annotations

import pytest

from qa_audio import rules
from qa_audio.scoring import FAIL, PASS
from qa_audio.timeline import AGENT, CUSTOMER

from .test_rules import seg, verdicts


@pytest.mark.parametrize(
    "rule_id,said,result",
    [
        # D1: something more (还有 / 其他 / 别的) and a question word that asks it, no particle needed.
        ("closing_anything_else", "您看还有哪些地方不明白", PASS),
        ("closing_anything_else", "还有什么要问的，您尽管说", PASS),
        ("closing_anything_else", "其他还有哪方面想了解", PASS),
        # ... or asked bare, with a particle.
        ("closing_anything_else", "好的，请问还有别的吗", PASS),
        ("closing_anything_else", "那您这边还有其他的吗", PASS),
        # Not the closing question: more from the caller, or plain talk.
        ("closing_anything_else", "还需要您提供一下身份证号码吗", FAIL),
        ("closing_anything_else", "您的订单还有两天就到了", FAIL),
        # A6: an order to speak and a what-matter, either way round, across the comma.
        ("forbidden_opening", "讲吧，啥事", FAIL),
        ("forbidden_opening", "快说，有什么事", FAIL),
        ("forbidden_opening", "干什么？说吧", FAIL),
        ("forbidden_opening", "请问有什么事情需要我帮忙吗", PASS),
        ("forbidden_opening", "您请讲，我在听", PASS),
        # E3: we can't do it, do it yourself.
        ("shirking", "这个我们这边弄不了", FAIL),
        ("shirking", "你自己去银行问", FAIL),
        ("shirking", "您也可以在网上自己查询", PASS),
        ("shirking", "这个我马上帮您办好", PASS),
        # E4: 002 6.3's rhetorical question and the blame put on the caller.
        ("blaming_customer", "通知早就发了，这能怪谁", FAIL),
        ("blaming_customer", "明明是您没注意", FAIL),
        ("blaming_customer", "出了问题还来找我们", FAIL),
        ("blaming_customer", "这事不怪谁，我们一起想办法", PASS),  # denied
        ("blaming_customer", "您随时可以来找我们", PASS),
    ],
)
def test_intents_by_structure_of_pack_2026_12_5(rule_id, said, result):
    segments = [seg(AGENT, 2.0, "您好"), seg(CUSTOMER, 6.0, "我想问一下我的订单"), seg(AGENT, 10.0, said)]
    assert verdicts(rules.load(), segments)[rule_id].result == result
