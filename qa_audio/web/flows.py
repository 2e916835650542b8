"""What a user does to a scorecard: review, acknowledge, dispute, resolve. Each appends a
row (nothing is overwritten) and an audit entry naming who did it. The effective score is
always report.scorecard's: a resolved dispute becomes a review, so nothing here scores.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .. import report
from ..store import Store

DEFAULT_DISPUTE_DAYS = 7
OUTCOMES = ("upheld", "overturned")


def record_review(store: Store, req: report.ReviewRequest) -> dict:
    """report.review plus the audit entry; req.reviewer is the authenticated actor."""
    card = report.review(store, req)
    store.audit(req.reviewer, "review", req.call_id, {"rule_id": req.rule_id, "decision": req.decision, "result": req.result, "note": req.note, "score": card["score"]})
    return card


def acknowledge(store: Store, call_id: str, agent_user: str) -> None:
    card = report.scorecard(store, call_id)
    store.add_acknowledgement(call_id, agent_user)
    store.audit(agent_user, "acknowledge", call_id, {"score": card["score"]})


def dispute_deadline(call: dict, days: int) -> datetime:
    """Disputes are open for `days` after the scorecard was issued (the call was processed)."""
    return datetime.fromisoformat(call["processed_at"]) + timedelta(days=days)


def dispute(store: Store, call_id: str, rule_id: str, agent_user: str, reason: str, days: int) -> int:
    if not reason.strip():
        raise ValueError("申诉需要填写理由")
    card = report.scorecard(store, call_id)
    finding = next((f for f in card["findings"] if f["rule_id"] == rule_id), None)
    if finding is None:
        raise report.NotFound(f"call {call_id} has no finding for rule {rule_id!r}")
    if finding["result"] not in ("fail", "unknown"):
        raise ValueError("只能对未通过或无法判断的评分项申诉")
    if datetime.now(timezone.utc) > dispute_deadline(store.call(call_id), days):
        raise ValueError(f"已超过申诉期限（评分发布后 {days} 天内）")
    if any(d["rule_id"] == rule_id and d["outcome"] is None for d in store.disputes(call_id)):
        raise ValueError("该项已有待处理的申诉")
    dispute_id = store.add_dispute(call_id, rule_id, agent_user, reason.strip())
    store.audit(agent_user, "dispute", call_id, {"dispute_id": dispute_id, "rule_id": rule_id, "reason": reason.strip()})
    return dispute_id


def resolve(store: Store, dispute_id: int, outcome: str, resolver: str, note: str) -> str:
    """Upheld keeps the finding (a confirm review); overturned flips it (an override review).
    Returns the call id."""
    if outcome not in OUTCOMES:
        raise ValueError("outcome must be upheld or overturned")
    if not note.strip():
        raise ValueError("处理申诉需要填写说明")
    d = next((d for d in store.disputes() if d["id"] == dispute_id), None)
    if d is None:
        raise report.NotFound(f"no dispute #{dispute_id}")
    if d["outcome"] is not None:
        raise ValueError(f"申诉 #{dispute_id} 已处理")
    decision = "confirm" if outcome == "upheld" else "override"
    card = record_review(
        store, report.ReviewRequest(d["call_id"], d["rule_id"], decision, resolver, f"申诉 #{dispute_id} {outcome}: {note.strip()}", _overturned_result(store, d) if decision == "override" else None)
    )
    review_id = card["reviews"][-1]["id"]
    store.resolve_dispute(dispute_id, outcome, resolver, note.strip(), review_id)
    store.audit(resolver, "resolve", d["call_id"], {"dispute_id": dispute_id, "outcome": outcome, "note": note.strip(), "review_id": review_id})
    return d["call_id"]


def _overturned_result(store: Store, d: dict) -> str:
    """The opposite of the finding's effective result (which may already be a review's):
    a disputed pass becomes a fail, anything else a pass."""
    finding = next(f for f in report.scorecard(store, d["call_id"])["findings"] if f["rule_id"] == d["rule_id"])
    return "fail" if finding["result"] == "pass" else "pass"
