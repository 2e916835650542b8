"""Asterisk CDR rows and CEL events, grouped per call, as `PbxFacts`.

A call is every row sharing a linkedid (else uniqueid): Asterisk 12+ writes one CDR per
dial attempt (NO ANSWER for the agent who did not pick up, then ANSWERED), and CEL one
event per channel state change.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime

from ..timeline import AGENT, CUSTOMER
from .read import DISPOSITIONS
from .records import WHOLE_SECOND, PbxFacts, Row, Transfer, has_fraction, instant, seconds, where

UNKNOWN = "unknown"

# enum ast_cel_event_type: Asterisk 12+ (include/asterisk/cel.h:43-86) and 11 (11.25.3
# include/asterisk/cel.h:55-80, as configs/samples/cel_odbc.conf.sample:29-54 still lists);
# cel_odbc writes the number into an integer column (cel/cel_odbc.c:441).
_CEL_V12 = ["", "CHAN_START", "CHAN_END", "HANGUP", "ANSWER", "APP_START", "APP_END", "BRIDGE_ENTER", "BRIDGE_EXIT",
            "PARK_START", "PARK_END", "BLINDTRANSFER", "ATTENDEDTRANSFER", "USER_DEFINED", "LINKEDID_END", "PICKUP",
            "FORWARD", "LOCAL_OPTIMIZE", "LOCAL_OPTIMIZE_BEGIN", "STREAM_BEGIN", "STREAM_END", "DTMF"]
_CEL_V11 = ["", "CHAN_START", "CHAN_END", "HANGUP", "ANSWER", "APP_START", "APP_END", "BRIDGE_START", "BRIDGE_END",
            "CONF_START", "CONF_END", "PARK_START", "PARK_END", "BLINDTRANSFER", "ATTENDEDTRANSFER", "TRANSFER",
            "HOOKFLASH", "3WAY_START", "3WAY_END", "CONF_ENTER", "CONF_EXIT", "USER_DEFINED", "LINKEDID_END",
            "BRIDGE_UPDATE", "PICKUP", "FORWARD"]
# Asterisk <= 11 writes the HANGUP extra as "cause,source,dialstatus" (11.25.3 main/channel.c:2830);
# 12+ as JSON (main/cel.c:963-966).
_V11_HANGUP = re.compile(r"^(\d+),(.*),([A-Z]*)$")
_NOT_ANSWERED = {"NOANSWER", "CANCEL", "BUSY", "CONGESTION", "CHANUNAVAIL"}
# hangupsource when the dialplan's Hangup() ended the call (main/pbx_builtins.c:942), or none.
_PBX_SOURCES = {"", "dialplan/builtin"}


def _group(rows: list[Row], key) -> list[list[Row]]:
    groups: dict[str, list[Row]] = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    return list(groups.values())


def _keys(rows: list[Row]) -> tuple[str, ...]:
    return tuple(sorted({r.get(k) for r in rows for k in ("call_id", "uniqueid", "linkedid", "userfield")} - {""}))


def _precision(*values: str) -> float:
    return 0.0 if all(has_fraction(v) for v in values) else WHOLE_SECOND


# --- CDR --------------------------------------------------------------------------------------

def cdr_facts(rows: list[Row]) -> list[PbxFacts]:
    """One PbxFacts per call in Asterisk CDR rows, grouped by linkedid (else uniqueid, call id, channel and start)."""
    key = lambda r: r.get("linkedid") or r.get("uniqueid") or r.get("call_id") or f"{r.get('channel')}@{r.get('start')}"
    return [_cdr_call(g) for g in _group(rows, key)]


def _cdr_call(rows: list[Row]) -> PbxFacts:
    rows = sorted(rows, key=lambda r: instant(r.get("start")))
    start_text = rows[0].get("start")
    start = instant(start_text)
    answered = [r for r in rows if DISPOSITIONS[r.get("disposition").upper()] == "ANSWERED" and instant(r.get("answer"))]
    # With a dstchannel column, only a row bridged to someone is the agent's answer: a caller
    # answered by the IVR and left waiting in a queue is ANSWERED with no dstchannel.
    if any("dstchannel" in r.fields for r in rows):
        answered = [r for r in answered if r.get("dstchannel")]
    keys = _keys(rows)
    base = PbxFacts(keys[0] if keys else "", "asterisk-cdr", keys=keys, started=start, where=where(rows))
    if not answered:
        last = DISPOSITIONS[rows[-1].get("disposition").upper()]
        return replace(base, answered=False, detail=f"{last}: no agent answered ({len(rows)} CDR row(s))")
    first = min(answered, key=lambda r: instant(r.get("answer")))
    delay = seconds(instant(first.get("answer")), start)
    who = first.get("dstchannel") or "the callee"
    return replace(base, answered=True, answer_delay_s=delay, precision_s=_precision(start_text, first.get("answer")),
                 detail=f"answered by {who} {delay:.1f} s after the call started")


# --- CEL --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Event:
    kind: str
    at: datetime
    text_time: str
    channel: str
    uniqueid: str
    extra: dict


def _extra(text: str) -> dict:
    text = (text or "").strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
            return value if isinstance(value, dict) else {}
        except json.JSONDecodeError:
            return {}
    m = _V11_HANGUP.match(text)
    return {"hangupcause": m.group(1), "hangupsource": m.group(2), "dialstatus": m.group(3)} if m else {}


def _events(rows: list[Row]) -> list[_Event]:
    # Numbered event types: Asterisk 11's numbering if its HANGUP extras say so, else 12+'s.
    v11 = not any(r.get("extra").startswith("{") for r in rows) and any(_V11_HANGUP.match(r.get("extra")) for r in rows)
    names = _CEL_V11 if v11 else _CEL_V12
    out = []
    for r in rows:
        kind = r.get("eventtype").upper()
        if kind.isdigit():
            kind = names[int(kind)] if int(kind) < len(names) else kind
        out.append(_Event(kind, instant(r.get("eventtime")), r.get("eventtime"), r.get("channame"), r.get("uniqueid"), _extra(r.get("extra"))))
    return sorted(out, key=lambda e: e.at)


def cel_facts(rows: list[Row], inbound: bool = True) -> list[PbxFacts]:
    """One PbxFacts per call in Asterisk CEL rows, grouped by linkedid; `inbound` says the
    caller is the customer (outbound: the agent placed the call).
    """
    return [_cel_call(g, inbound) for g in _group(rows, lambda r: r.get("linkedid") or r.get("uniqueid"))]


def _cel_call(rows: list[Row], inbound: bool) -> PbxFacts:
    events = _events(rows)
    linkedid = rows[0].get("linkedid") or rows[0].get("uniqueid")
    starts = [e for e in events if e.kind == "CHAN_START"] or events
    caller = next((e for e in starts if e.uniqueid == linkedid), starts[0])
    others = [e for e in events if e.channel != caller.channel and not e.channel.startswith("Local/")]
    answer = next((e for e in others if e.kind == "ANSWER"), None)
    agent_chan = (answer.channel if answer else None) if inbound else caller.channel
    customer_chan = caller.channel if inbound else (answer.channel if answer else None)
    keys = _keys(rows)
    base = PbxFacts(linkedid, "asterisk-cel", keys=keys, started=caller.at, where=where(rows))
    transfers = tuple(_transfer(e, answer.at if answer else caller.at) for e in events if e.kind in ("BLINDTRANSFER", "ATTENDEDTRANSFER"))
    hangup_by, hangup_detail = _cel_hangup(events, customer_chan, agent_chan, bool(transfers))
    base = replace(base, hangup_by=hangup_by, hangup_detail=hangup_detail, transfers=transfers)
    if answer:
        delay = seconds(answer.at, caller.at)
        return replace(base, answered=True, answer_delay_s=delay, precision_s=_precision(caller.text_time, answer.text_time),
                     detail=f"{answer.channel} answered {delay:.2f} s after {caller.channel} started")
    statuses = {str(e.extra.get("dialstatus", "")).upper() for e in events if e.kind == "HANGUP"} - {""}
    if statuses & _NOT_ANSWERED or any(e.kind == "ANSWER" for e in events):
        # ANSWER events are tracked (the IVR answered the caller, say), yet no one else answered.
        return replace(base, answered=False, hangup_by=None, detail=f"no agent answered (dialstatus {', '.join(sorted(statuses)) or 'none'})")
    return base


def _transfer(e: _Event, answered_at: datetime) -> Transfer:
    kind = "blind" if e.kind == "BLINDTRANSFER" else "attended"
    x = e.extra
    # Extra fields of main/cel.c:1349-1353 (blind) and :1391-1398 (attended).
    target = f"{x['extension']}@{x.get('context', '')}" if x.get("extension") else x.get("transfer_target_channel_name") or x.get("channel2_name") or ""
    return Transfer(seconds(e.at, answered_at), kind, str(target))


def _cel_hangup(events: list[_Event], customer: str | None, agent: str | None, transferred: bool) -> tuple[str | None, str]:
    """Who ended the customer's call: the hangupsource of the customer channel's HANGUP.

    Before a transfer the first HANGUP is the transferring agent leaving, not the end of
    the call, so only the customer channel's own HANGUP counts then.
    """
    hangups = [e for e in events if e.kind == "HANGUP" and "hangupsource" in e.extra]
    own = [e for e in hangups if e.channel == customer]
    chosen = own[0] if own else (hangups[0] if hangups and not transferred else None)
    if chosen is None:
        return None, ""
    source = str(chosen.extra["hangupsource"])
    if source == customer:
        return CUSTOMER, f"hangupsource {source} (the customer's channel)"
    if source in _PBX_SOURCES:
        return UNKNOWN, f"the PBX ended the call (hangupsource {source or 'empty'})"
    if source == agent and not transferred:
        return AGENT, f"hangupsource {source} (the agent's channel)"
    if transferred:
        return UNKNOWN, f"after a transfer, {source} ended the call"
    channels = {e.channel for e in events}
    if source in channels:
        return AGENT, f"hangupsource {source} (the agent's side)"
    return UNKNOWN, f"hangupsource {source} is not a channel of this call"
