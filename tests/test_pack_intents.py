"""The standard pack's intents (rules/standard_zh.toml 2026.12.5) on transcript strings: each
intent by its structure, in words written for this test (no benchmark split's line), and the
look-alikes that must not hit, above all for the forbidden-phrase rules."""

from __future__ import annotations

import pytest

from qa_audio import rules
from qa_audio.scoring import FAIL, PASS
from qa_audio.timeline import AGENT, CUSTOMER

from .test_rules import seg, verdicts


def _after_the_caller(rule_id: str, said: str, caller: str = "我想问一下我的订单") -> str:
    """The standard pack's result for `rule_id` where the agent says `said` after a greeting and the caller's words."""
    segments = [seg(AGENT, 2.0, "您好"), seg(CUSTOMER, 6.0, caller), seg(AGENT, 10.0, said)]
    return verdicts(rules.load(), segments)[rule_id].result


def _as_the_opening(rule_id: str, said: str) -> str:
    """The standard pack's result for `rule_id` where the agent opens the call with `said`."""
    segments = [seg(AGENT, 2.0, said), seg(CUSTOMER, 8.0, "我想问一下我的订单"), seg(AGENT, 14.0, "好的")]
    return verdicts(rules.load(), segments)[rule_id].result


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
    assert _after_the_caller(rule_id, said) == result


@pytest.mark.parametrize(
    "rule_id,said,result",
    [
        # D1: an "else" and the yes-no question's end, whatever verb is between; the question
        # mark Whisper writes stands for the particle it misheard (还需要帮您查点别的什么买?,
        # third blind split); the A-not-A question; and no question without a particle or mark.
        ("closing_anything_else", "请问还要帮您看看别的什么吗", PASS),
        ("closing_anything_else", "您还需要办点别的什么买?", PASS),
        ("closing_anything_else", "还有没有其他要咨询的", PASS),
        ("closing_anything_else", "这个套餐还有什么优惠我帮您查一下", FAIL),
        ("closing_anything_else", "您还需要办点别的什么买", FAIL),
        ("closing_anything_else", "其他的手续我已经帮您办好了", FAIL),
        # D2: the agent's bare thanks at the close.
        ("closing_thanks", "好的，谢谢，再见", PASS),
        ("closing_thanks", "不客气，再见", FAIL),
        # A6: the hurry itself, as whisper-base heard 有事快说 (有序快说, third blind split), and the
        # threat to hang up on silence; 尽快说明 is no hurry.
        ("forbidden_opening", "喂，有序快说", FAIL),
        ("forbidden_opening", "再不出声我就挂了", FAIL),
        ("forbidden_opening", "这个情况我尽快说明一下", PASS),
        # E2: an outcome vouched for with 一定, 准没错, 绝对 heard as 结对; effort is no promise.
        ("absolute_promises", "一定能给您修好的", FAIL),
        ("absolute_promises", "按我说的做准没错", FAIL),
        ("absolute_promises", "您放心，结对没问题", FAIL),
        ("absolute_promises", "我们一定会尽力帮您处理", PASS),
        ("absolute_promises", "这个不一定能到", PASS),
        # E3: we can't handle it (解决不了 / 没有办法), not ours by scope; the caller's 没有办法 is not.
        ("shirking", "这个我们解决不了", FAIL),
        ("shirking", "我们这边没有办法给您办", FAIL),
        ("shirking", "这不在我们的职责范围内", FAIL),
        ("shirking", "如果您没有办法到现场，我们可以上门", PASS),
        ("shirking", "我们没有办法保证具体时间，但会尽快", PASS),
        # The seeds' own recommended refusal of a haggle is not pushing the caller away.
        ("shirking", "我实在没有办法继续回答您的议价问题", PASS),
        # E4: 002 6.3's rhetorical questions (谁叫你 / 这能怪我吗 / 我不是跟你说过吗 / 这么容易也不会),
        # and 你到底懂不懂: its A-not-A is not a denial of 懂.
        ("blaming_customer", "谁叫你不早说", FAIL),
        ("blaming_customer", "这能怪我吗", FAIL),
        ("blaming_customer", "我之前不是跟你说过吗", FAIL),
        ("blaming_customer", "这么容易的操作也不会吗", FAIL),
        ("blaming_customer", "你怎么老记不住", FAIL),
        ("blaming_customer", "你到底懂不懂", FAIL),
        ("blaming_customer", "您不是说过要改地址吗，我帮您改好了", PASS),
        ("blaming_customer", "您都不用操心，我们来办", PASS),
    ],
)
def test_intents_by_structure_of_pack_2026_12_7(rule_id, said, result):
    assert _after_the_caller(rule_id, said) == result


@pytest.mark.parametrize(
    "rule_id,said,result",
    [
        # A4 (pack 2026.12.7): an A-or-B question asks what the caller needs, the choices said; the
        # ask may have words before its verb (请问您这次打来是有什么问题); 啥 is 什么.
        ("offer_help", "请问您是想退货还是换货", PASS),
        ("offer_help", "请问您这次打来是有什么问题", PASS),
        ("offer_help", "您好，有啥能帮您的", PASS),
        ("offer_help", "您好，这里是客服中心", FAIL),
        # A6/A8 (pack 2026.12.9): the bare 喂 and a curt who or what instead of a greeting; 有事说事.
        ("forbidden_opening", "喂，谁啊", FAIL),
        ("forbidden_opening", "喂？哪位？", FAIL),
        ("forbidden_opening", "喂，干嘛", FAIL),
        ("forbidden_opening", "有事说事吧", FAIL),
        # Greeted first, or 喂 with a greeting: not A6's opening.
        ("forbidden_opening", "喂，您好，请问有什么可以帮您", PASS),
        ("forbidden_opening", "您好，请问是哪位在办理", PASS),
        ("forbidden_opening", "喂喂，您好，听得到吗", PASS),
    ],
)
def test_opening_intents(rule_id, said, result):
    assert _as_the_opening(rule_id, said) == result


@pytest.mark.parametrize(
    "said,result",
    [
        # E6 (pack 2026.12.10) in 002 4.10's own list (请原谅……) and its 请接受我们的歉意 / 向客户道歉,
        # and 004's 包涵.
        ("这次是我们没处理好，请您原谅", PASS),
        ("这件事我们向您道歉", PASS),
        ("给您添麻烦了，请接受我们的歉意", PASS),
        ("多有不周，还请您多多包涵", PASS),
        # Pack 2026.12.16: 过意不去 and 赔不是 apologise in everyday words.
        ("让您等了这么久，真是过意不去", PASS),
        ("这事是我们做得不对，给您赔个不是", PASS),
        # Pack 2026.12.17: owning the wrong, asking to be forgiven; thanks for patience is no apology.
        ("这次是我们不对", PASS),
        ("给您带来的困扰还请您谅解", PASS),
        ("感谢您的耐心，我们马上处理", FAIL),
        # The customer's complaint answered with facts alone is no apology.
        ("您的包裹明天到", FAIL),
    ],
)
def test_apology_words_of_the_standard(said, result):
    assert _after_the_caller("apology_on_complaint", said, caller="我要投诉，你们太慢了") == result


@pytest.mark.parametrize(
    "rule_id,said,result",
    [
        # E3 (pack 2026.12.10): 002 6.5's 这不是我办理的 as not our department's, and 你拨××电话去查.
        ("shirking", "这个不是我们部门的", FAIL),
        ("shirking", "这不归我们科室管", FAIL),
        ("shirking", "你自己打银行电话问问", FAIL),
        # Advice and look-alikes: the polite 您 telling the caller how to reach someone, our own department.
        ("shirking", "您可以自己打客服电话问一下进度", PASS),
        ("shirking", "您自己打电话的时候记得说订单号", PASS),
        ("shirking", "这是我们部门的业务，我帮您办", PASS),
        # E4: 6.3.7's didn't-I-tell-you with a reminder, 6.5.7's your own not looking; not what the caller need not do.
        ("blaming_customer", "我不是早就提醒过你了吗", FAIL),
        ("blaming_customer", "你自己没注意看短信", FAIL),
        ("blaming_customer", "您自己不用操作，我们来处理", PASS),
        # A6: a curt who (喂，找谁) and the hurry 有事赶紧的; a greeted who is polite.
        ("forbidden_opening", "喂，找谁啊", FAIL),
        ("forbidden_opening", "有事赶紧的", FAIL),
        ("forbidden_opening", "喂您好，请问您找谁", PASS),
        # A3: 我叫 introduces as 我是 does.
        ("self_introduction", "您好，我叫王丽", PASS),
        # Pack 2026.12.11. A6: no business, then I hang up; A4: what the caller wants to ask.
        ("forbidden_opening", "喂，没事我挂了", FAIL),
        ("offer_help", "您好，您有什么想咨询的吗", PASS),
        # E4: you can't even (not 您连续…), explained several times, why still not, 是您自己.
        ("blaming_customer", "你连这个都不懂", FAIL),
        ("blaming_customer", "您连续三个月都没有逾期", PASS),
        ("blaming_customer", "我都跟您解释好几遍了", FAIL),
        ("blaming_customer", "我已经帮您查了两次了", PASS),
        ("blaming_customer", "您怎么还不明白", FAIL),
        ("blaming_customer", "您怎么还没收到呢，我帮您查", PASS),
        ("blaming_customer", "是您自己没按提示操作", FAIL),
        # E3: 这不关我的事 as nothing to do with us; not our system, nor the caller.
        ("shirking", "这是快递公司的事，跟我们没有关系", FAIL),
        ("shirking", "这跟我们的系统没关系，是网络的问题", PASS),
        ("shirking", "这跟您没有关系，您放心", PASS),
    ],
)
def test_intents_of_packs_2026_12_10_and_11(rule_id, said, result):
    assert _as_the_opening(rule_id, said) == result


OPENING, AFTER = _as_the_opening, _after_the_caller


@pytest.mark.parametrize(
    "said_as,rule_id,said,result",
    [
        # Pack 2026.12.12. D1: the A-not-A closing question over a longer object; not a stock check.
        (AFTER, "closing_anything_else", "还有没有别的地方我能帮上忙的", PASS),
        (AFTER, "closing_anything_else", "这款手机还有没有现货的话我帮您看一下", FAIL),
        # A6: who is it, what do you want, with no greeting; not the caller's name asked politely.
        (AFTER, "forbidden_opening", "谁呀？有啥事？", FAIL),
        (AFTER, "forbidden_opening", "您好，请问您是谁的家属", PASS),
        # E4: the rhetorical didn't-I-say-so (不是…吗) is blame (the statement: test_matching_negation).
        (AFTER, "blaming_customer", "我刚才不是说得很清楚了吗？您没认真听吧", FAIL),
        # Pack 2026.12.13. A1: noon's greeting; A6: what do you want, curtly, not the polite ask.
        (OPENING, "greeting", "中午好，请问有什么可以帮您", PASS),
        (OPENING, "forbidden_opening", "你想干嘛？", FAIL),
        (OPENING, "forbidden_opening", "您好，请问您想咨询什么", PASS),
        (OPENING, "forbidden_opening", "您好，您要办什么业务", PASS),
        # D1: the A-not-A offer to do more, 再 and else; not a proposal of something else.
        (AFTER, "closing_anything_else", "需不需要我再帮您查查别的", PASS),
        (AFTER, "closing_anything_else", "要不要换成其他套餐", FAIL),
        # E3 (003: 不能说这是别的部门的责任): the party named, the caller told to keep away, our part narrowed.
        (AFTER, "shirking", "这都是物业的责任", FAIL),
        (AFTER, "shirking", "您以后别找我们了", FAIL),
        (AFTER, "shirking", "我们只负责售后维修", FAIL),
        # Ours, a 别 that comforts, and owning it to the end: no pushing away.
        (AFTER, "shirking", "这是我们的问题，我马上帮您处理", PASS),
        (AFTER, "shirking", "您别着急，我帮您查", PASS),
        (AFTER, "shirking", "这件事我负责到底", PASS),
        # Pack 2026.12.14. A4: which of the services is what the caller needs; a bare which is not.
        (OPENING, "offer_help", "晚上好，请问您想咨询哪种服务", PASS),
        (OPENING, "offer_help", "您好，您要哪个颜色", FAIL),
        # Pack 2026.12.15. A4: 效力 is 效劳 in other words.
        (OPENING, "offer_help", "您好，有什么需要我效力的吗", PASS),
        # D1: else said as 此外, which else whatever its measure word; not a statement.
        (AFTER, "closing_anything_else", "此外您需要我查点什么吗", PASS),
        (AFTER, "closing_anything_else", "除此之外，您还想再查点什么吗", PASS),
        (AFTER, "closing_anything_else", "还有哪张单子也一起看看吗", PASS),
        (AFTER, "closing_anything_else", "此外您的积分也已经到账了", FAIL),
        # E2: money promised back; the advised effort is no promise.
        (AFTER, "absolute_promises", "我们一定能帮您追回", FAIL),
        (AFTER, "absolute_promises", "我们会尽力帮您追回损失", PASS),
        # E3: 管不著 as Whisper writes it; the maker's own 管不着 explains (002).
        (AFTER, "shirking", "这个我们真的管不著", FAIL),
        (AFTER, "shirking", "厂家也管不着这个", PASS),
        # Pack 2026.12.16. A4: what went wrong asked, the caller invited to speak, which matter, what
        # the caller would have done; not the agent saying what it is doing.
        (OPENING, "offer_help", "您好，请问您的账户出了什么问题", PASS),
        (OPENING, "offer_help", "您好，您请讲", PASS),
        (OPENING, "offer_help", "您好，请问您想了解哪方面的业务", PASS),
        (OPENING, "offer_help", "您好，您想让我帮您查点什么", PASS),
        (OPENING, "offer_help", "您好，让我帮您查一下什么时候到", FAIL),
        # A6: the caller met as a nuisance; a returning caller greeted is not.
        (OPENING, "forbidden_opening", "喂，这次又什么事？", FAIL),
        (OPENING, "forbidden_opening", "你怎么又打来了，又怎么了", FAIL),
        (OPENING, "forbidden_opening", "您好，又是您呀，上次的问题解决了吗", PASS),
        # D1: matters left undone, what is still missing, anything I can do; not a count of days.
        (AFTER, "closing_anything_else", "您还有没处理完的业务吗", PASS),
        (AFTER, "closing_anything_else", "您看还差什么，我帮您一起办", PASS),
        (AFTER, "closing_anything_else", "有没有什么我可以帮您的", PASS),
        (AFTER, "closing_anything_else", "还差两天就到账了", FAIL),
        (AFTER, "closing_anything_else", "我已经一并给您办好了", FAIL),
        # E3: not ours (the platform's), don't call us; asking whether there is a way is no refusal.
        (AFTER, "shirking", "这个平台不负责", FAIL),
        (AFTER, "shirking", "这种事别打给我们", FAIL),
        (AFTER, "shirking", "您别打错电话了", PASS),
        (AFTER, "shirking", "您这边还有没办法登录的情况吗", PASS),
        (AFTER, "shirking", "我也没办法", FAIL),
        # E4: what was plain, not read; a question about a message is not blame.
        (AFTER, "blaming_customer", "说明书写得清清楚楚，你没看吗", FAIL),
        (AFTER, "blaming_customer", "您没收到短信吗？我再发一次", PASS),
        # E2: vouched for on one's name; a guarantor asked for is no promise.
        (AFTER, "absolute_promises", "我拿我的饭碗担保，明天一定到", FAIL),
        (AFTER, "absolute_promises", "我们需要您提供担保人信息", PASS),
        # Pack 2026.12.17. A4: a trouble asked about, what the caller has to have done.
        (OPENING, "offer_help", "您好，请问您遇到什么麻烦了", PASS),
        (OPENING, "offer_help", "您好，请问您有什么要办的", PASS),
        # A6: the caller told to get to the point; a point of the service is not.
        (OPENING, "forbidden_opening", "说重点，我很赶时间", FAIL),
        (OPENING, "forbidden_opening", "您好，我们这边讲究重点客户优先", PASS),
        # E2: an outcome vouched for with 包, a mishap said impossible; 包裹 and the effort are not.
        (AFTER, "absolute_promises", "明天之前包您收到", FAIL),
        (AFTER, "absolute_promises", "放心，这次不可能出错", FAIL),
        (AFTER, "absolute_promises", "您的包裹明天送到", PASS),
        # E3: not our business, ask someone else, can't take a hand; "whatever" and advice are not.
        (AFTER, "shirking", "我们不管退款的事", FAIL),
        (AFTER, "shirking", "您还是先问问物业吧", FAIL),
        (AFTER, "shirking", "这件事我们插不上手", FAIL),
        (AFTER, "shirking", "我们不管多晚都会回复您", PASS),
        (AFTER, "shirking", "您可以问一下相关部门", PASS),
    ],
)
def test_intents_of_packs_2026_12_12_to_17(said_as, rule_id, said, result):
    assert said_as(rule_id, said) == result
