"""FreeSWITCH CDR legs (mod_json_cdr, mod_xml_cdr), linked into calls, as `PbxFacts`.

Legs are linked by the variables FreeSWITCH sets between them: `originator` on the
originated leg (switch_core_session.c:710), `bridge_uuid` on both bridged legs
(switch_ivr_bridge.c:1763-1766), `other_loopback_leg_uuid` between loopback halves
(mod_loopback.c:353-354). The A leg is the one nobody originated: the caller, who is the
customer unless the calls were placed by agents (`--outbound`). Leg direction is not
used: a dialer's two legs are both "outbound".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ..timeline import AGENT, CUSTOMER
from .records import WHOLE_SECOND, PbxFacts, Row, Span, Transfer, instant, seconds, where

UNKNOWN = "unknown"
_LINKS = ("originator", "originating_leg_uuid", "bridge_uuid", "signal_bond", "last_bridge_to", "other_loopback_leg_uuid")
# transfer_source / transfer_history: "epoch:uuid:bl_xfer:ext/context/dialplan" (switch_ivr.c:2307),
# "epoch:uuid:att_xfer:..." (mod_sofia/sofia.c:7338); arrays are "ARRAY::a|:b" (switch_event.c:1159).
_TRANSFER = re.compile(r"^(\d+):[^:]*:(bl_xfer|att_xfer):(.*)$")
# hold_events: "{{on_usec,off_usec},...}" (switch_channel.c:4646-4659).
_HOLD = re.compile(r"\{(\d+),(\d+)\}")


@dataclass(frozen=True)
class _Leg:
    uuid: str
    row: Row
    start: datetime | None
    answer: datetime | None
    end: datetime | None
    precision_s: float
    originated: bool
    loopback: bool
    disposition: str
    partner_hung_up: bool

    def get(self, name: str) -> str:
        return self.row.get(name)


def _leg(row: Row) -> _Leg:
    start = instant(row.get("start_uepoch")) or instant(row.get("start_epoch"))
    precise = bool(row.get("start_uepoch").strip("0"))
    answer = instant(row.get("answer_uepoch"))
    if answer is None and row.get("answermsec").strip("0") and start:
        # answermsec: milliseconds from creation to answer (switch_channel.c:4812).
        answer = start + timedelta(milliseconds=int(row.get("answermsec")))
    if answer is None:
        answer = instant(row.get("answer_epoch"))
        precise = precise and answer is None
    name = row.get("channel_name") or row.get("chan_name")
    return _Leg(
        uuid=row.get("uuid") or row.get("call_id") or row.get("sip_call_id"),
        row=row,
        start=start,
        answer=answer,
        end=instant(row.get("end_uepoch")) or instant(row.get("end_epoch")),
        precision_s=0.0 if precise else WHOLE_SECOND,
        originated=bool(row.get("originator") or row.get("originating_leg_uuid")),
        loopback=name.startswith("loopback/") or bool(row.get("other_loopback_leg_uuid") and not name),
        disposition=row.get("sip_hangup_disposition"),
        # Set on a leg when its bridged partner hangs up (switch_channel.c:3430).
        partner_hung_up=bool(row.get("last_bridge_hangup_cause")),
    )


def _calls(legs: list[_Leg]) -> list[list[_Leg]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for leg in legs:
        for link in _LINKS:
            other = leg.get(link)
            if other:
                parent[find(other)] = find(leg.uuid)
        find(leg.uuid)
    groups: dict[str, list[_Leg]] = {}
    for leg in legs:
        groups.setdefault(find(leg.uuid), []).append(leg)
    return list(groups.values())


def freeswitch_facts(rows: list[Row], inbound: bool = True) -> list[PbxFacts]:
    """One PbxFacts per call in FreeSWITCH CDR legs (rows), legs joined into calls; `inbound`
    says the caller is the customer.
    """
    legs = [_leg(r) for r in rows if r.get("uuid") or r.get("call_id") or r.get("sip_call_id")]
    return [_call(g, inbound) for g in _calls(legs)]


def _call(legs: list[_Leg], inbound: bool) -> PbxFacts:
    legs = sorted(legs, key=lambda l: (l.originated, l.start or datetime.max))
    a_leg = legs[0] if not legs[0].originated else None
    phones = [l for l in legs if l is not a_leg and not l.loopback]
    answered = sorted((l for l in phones if l.answer), key=lambda l: l.answer)
    # A lone caller leg's own answer is the pickup; otherwise the first originated leg to answer.
    pickup_leg = (a_leg if a_leg and a_leg.answer else None) if not phones else (answered[0] if answered else None)
    callee = answered[0] if answered else None
    customer, agent = (a_leg, callee) if inbound else (callee, a_leg)
    first = a_leg or legs[0]
    keys = tuple(sorted({l.get(k) for l in legs for k in ("uuid", "call_id", "sip_call_id")} - {""}))
    zero = pickup_leg.answer if pickup_leg else first.start
    transfers = _transfers(legs, zero)
    holds, hold_total = _holds(legs, zero)
    hangup_by, hangup_detail = _hangup(legs, customer, agent, bool(transfers))
    base = PbxFacts(first.uuid, "freeswitch", keys=keys, started=first.start, hold_total_s=hold_total, holds=holds,
                    transfers=transfers, hangup_by=hangup_by, hangup_detail=hangup_detail, where=where(l.row for l in legs))
    if pickup_leg is None or first.start is None:
        why = "no leg answered" if phones else "the leg was never answered"
        return replace(base, answered=False, hangup_by=None, detail=f"{why} ({len(legs)} leg(s))")
    delay = seconds(pickup_leg.answer, first.start)
    return replace(base, answered=True, answer_delay_s=delay, precision_s=max(pickup_leg.precision_s, first.precision_s),
                   detail=f"leg {pickup_leg.uuid} answered {delay:.3f} s after leg {first.uuid} was created")


def _values(text: str) -> list[str]:
    return text[len("ARRAY::"):].split("|:") if text.startswith("ARRAY::") else [text] if text else []


def _transfers(legs: list[_Leg], answered_at: datetime | None) -> tuple[Transfer, ...]:
    found = {}
    for leg in legs:
        for value in _values(leg.get("transfer_history")) + _values(leg.get("transfer_source")):
            m = _TRANSFER.match(value)
            if m and answered_at:
                at = datetime.fromtimestamp(int(m.group(1)))
                found[(m.group(1), m.group(2))] = Transfer(seconds(at, answered_at), "blind" if m.group(2) == "bl_xfer" else "attended", m.group(3))
    return tuple(sorted(found.values(), key=lambda t: t.at_s))


def _holds(legs: list[_Leg], zero: datetime | None) -> tuple[tuple[Span, ...] | None, float | None]:
    """Holds from either leg: only the leg that pressed hold records them, so the customer's
    leg says 0 when the agent held. Intervals (hold_events) where any leg has them, else the
    longest hold_accum of any leg."""
    intervals = sorted(
        (instant(a), instant(b)) for leg in legs for a, b in _HOLD.findall(leg.get("hold_events")) if instant(a) and instant(b)
    )
    if intervals and zero:
        merged: list[list[datetime]] = []
        for a, b in intervals:
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        spans = tuple(Span(seconds(a, zero), seconds(b, zero)) for a, b in merged)
        return spans, round(sum(s.end_s - s.start_s for s in spans), 3)
    accum = []
    for leg in legs:
        usec, sec = leg.get("hold_accum_usec"), leg.get("hold_accum_seconds")
        if usec.isdigit():
            accum.append(int(usec) / 1e6)
        elif sec.isdigit():
            accum.append(float(sec))
    return None, (max(accum) if accum else None)


def _hangup(legs: list[_Leg], customer: _Leg | None, agent: _Leg | None, transferred: bool) -> tuple[str | None, str]:
    """The side whose phone ended the bridge: the first leg to receive a BYE or CANCEL
    (sip_hangup_disposition recv_*, mod_sofia/sofia.c:1098, :1646). After a transfer the
    transferring agent's leg ends first without ending the call: only the customer's leg
    counts then. Where FreeSWITCH itself sent every BYE, the PBX ended the call, unless a
    lone leg was told its bridged partner hung up."""
    phones = [l for l in legs if not l.loopback]
    if transferred:
        if customer and customer.disposition.startswith("recv_"):
            return CUSTOMER, f"leg {customer.uuid}: {customer.disposition} (the customer's phone hung up, after a transfer)"
        return UNKNOWN, "after a transfer, the customer's leg was ended by the other side or the PBX"
    received = sorted((l for l in phones if l.disposition.startswith("recv_")), key=lambda l: l.end or datetime.max)
    if received:
        leg = received[0]
        side = CUSTOMER if leg is customer else AGENT if leg is agent else None
        if side:
            return side, f"leg {leg.uuid}: {leg.disposition} (the {side}'s phone hung up first)"
        return UNKNOWN, f"leg {leg.uuid}: {leg.disposition}, a leg of neither side"
    if len(phones) == 1 and phones[0].disposition.startswith("send_") and phones[0].partner_hung_up:
        leg = phones[0]
        side = AGENT if leg is customer else CUSTOMER
        return side, f"leg {leg.uuid}: {leg.disposition} after its bridged partner hung up (last_bridge_hangup_cause)"
    if any(l.disposition.startswith("send_") for l in phones):
        return UNKNOWN, "FreeSWITCH sent the BYE on every leg: the PBX ended the call"
    return None, ""
