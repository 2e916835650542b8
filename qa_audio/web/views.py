"""What each page shows, built from report.py's scorecards (the effective scores are
report's; nothing here scores) and filtered by what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as _date
from datetime import datetime, timezone
from pathlib import Path

from .. import report, rules
from ..store import Store
from ..core import Timeline
from ..timeline import silences
from . import flows
from .auth import User

RESULT_LABEL = {"pass": "通过", "fail": "未通过", "na": "不适用", "unknown": "无法判断", "reported": "仅报告"}
ROLE_LABEL = {"admin": "管理员", "qa": "质检", "supervisor": "主管", "agent": "坐席"}
DECISION_LABEL = {"confirm": "确认", "override": "改判"}
REGION_LABEL = {"ringback": "回铃", "hold": "保持", "dead_air": "静默", "busy": "忙音", "interruption": "抢话", "line_dead": "断线"}


def visible_call(store: Store, user: User, call_id: str) -> dict:
    """The call's row if this user may see it; NotFound (a 404) otherwise, the same as for a
    call that does not exist, so an agent learns nothing about others' call ids."""
    call = store.call(call_id)
    if call is None or not user.sees_agent(call["agent_id"]):
        raise report.NotFound(call_id)
    return call


def visible_card(store: Store, user: User, call_id: str) -> dict:
    visible_call(store, user, call_id)
    return report.scorecard(store, call_id, with_transcript=True)


def visible_cards(store: Store, user: User) -> list[dict]:
    if user.reviews:
        return [report.scorecard(store, c["id"]) for c in store.calls()]
    return agent_report(store, user.agent_id)["scorecards"]


def search(store: Store, user: User, query: str) -> list[dict]:
    if not query:
        return []
    return store.search(query, agent_id=None if user.reviews else user.agent_id)


def agent_report(store: Store, agent_id: str) -> dict:
    """report.agent_report, or an empty one for an agent with no calls yet."""
    try:
        return report.agent_report(store, agent_id)
    except report.NotFound:
        return {"agent_id": agent_id, "calls": 0, "mean_score": None, "trend": [], "most_failed_rules": [], "scorecards": []}


def acked_calls(store: Store, rep: dict) -> set[str]:
    return {c["call_id"] for c in rep["scorecards"] if store.acknowledgements(c["call_id"])}


def pass_score(rules_path: Path) -> float:
    return rules.load(rules_path).pass_score


def parse_date(text: str | None) -> str | None:
    try:
        return _date.fromisoformat(text).isoformat() if text else None
    except ValueError:
        return None


def agent_ids(store: Store) -> list[str]:
    return sorted({c["agent_id"] for c in store.calls() if c["agent_id"]})


def rule_ids(store: Store) -> list[str]:
    return sorted({f["rule_id"] for c in store.calls("status = 'done'") for f in store.findings(c["id"])})


# --- the supervisor's queue --------------------------------------------------------


@dataclass
class QueueFilters:
    date: str | None = None
    agent: str | None = None
    rule: str | None = None
    result: str | None = None  # pass | fail
    reviewed: str | None = None  # yes | no

    @classmethod
    def from_query(cls, q) -> "QueueFilters":
        pick = lambda k, allowed=None: (q.get(k) or None) if allowed is None or q.get(k) in allowed else None  # noqa: E731
        return cls(parse_date(q.get("date")), pick("agent"), pick("rule"), pick("result", ("pass", "fail")), pick("reviewed", ("yes", "no")))

    def keep(self, item: dict) -> bool:
        return (
            (self.date is None or (item["started_at"] or "")[:10] == self.date)
            and (self.agent is None or item["agent_id"] == self.agent)
            and (self.rule is None or self.rule in item["failed_rules"])
            and (self.result is None or item["passed"] == (self.result == "pass"))
            and (self.reviewed is None or (item["reviews"] > 0) == (self.reviewed == "yes"))
        )


def queue(store: Store, filters: QueueFilters) -> list[dict]:
    """report.flagged (worst first), filtered, with each call's open disputes counted."""
    open_by_call: dict[str, int] = {}
    for d in open_disputes(store):
        open_by_call[d["call_id"]] = open_by_call.get(d["call_id"], 0) + 1
    return [item | {"open_disputes": open_by_call.get(item["call_id"], 0)} for item in report.flagged(store) if filters.keep(item)]


def open_disputes(store: Store) -> list[dict]:
    return [d for d in store.disputes() if d["outcome"] is None]


# --- the call page -------------------------------------------------------------------


@dataclass
class CallPage:
    player: dict  # for the player script: audio URL, regions, evidence
    disputes: list[dict]
    acknowledgements: list[dict]
    dispute_open: bool
    dispute_deadline: str
    audio_available: bool
    audit: list[dict] = field(default_factory=list)


def call_page(store: Store, card: dict, rules_path: Path, dispute_days: int) -> CallPage:
    call = store.call(card["call_id"])
    deadline = flows.dispute_deadline(call, dispute_days)
    return CallPage(
        player={"audio": f"/calls/{card['call_id']}/audio", "duration": card["duration_s"], "regions": regions(store, card, rules_path)},
        disputes=store.disputes(card["call_id"]),
        acknowledgements=store.acknowledgements(card["call_id"]),
        dispute_open=datetime.now(timezone.utc) <= deadline,
        dispute_deadline=deadline.strftime("%Y-%m-%d %H:%M"),
        audio_available=store.audio_file_for(card["call_id"]) is not None,
        audit=store.audit_trail(card["call_id"]),
    )


def regions(store: Store, card: dict, rules_path: Path) -> list[dict]:
    """Waveform regions: ringback, holds, dead air (the pack's cold_air_s, the same gaps the
    rules measure), other timeline events, and each failed or reviewed finding's evidence."""
    if card["status"] != "done":
        return []
    out = [
        {"start": e["start_s"], "end": e["end_s"], "kind": e["kind"], "label": REGION_LABEL[e["kind"]]}
        for e in card["events"]
        if e["kind"] in REGION_LABEL and e["end_s"] > e["start_s"]
    ]
    tl = Timeline.from_dict(store.call(card["call_id"])["timeline_json"])
    min_gap = float(rules.load(rules_path).settings["cold_air_s"])
    out += [{"start": g.start_s, "end": g.end_s, "kind": "dead_air", "label": REGION_LABEL["dead_air"]} for g in silences(tl.speech, tl.holds, tl.answer_s or 0.0) if g.duration_s >= min_gap]
    for f in card["findings"]:
        for e in f["evidence"][:3]:
            out.append({"start": e["start_s"], "end": max(e["end_s"], e["start_s"] + 0.3), "kind": f"finding-{f['result']}", "label": f["title"], "rule_id": f["rule_id"]})
    return out


# --- QA staff: the day -----------------------------------------------------------------


@dataclass
class DayView:
    date: str
    report: dict
    failed: list[dict]
    trend: list[tuple[str, float | None]]
    pass_score: float
    dates: list[str]

    @classmethod
    def build(cls, store: Store, wanted: str | None, rules_path: Path) -> "DayView":
        dates, day = batch_dates(store), day_or_latest(store, wanted)
        rep = report.daily_report(store, day)
        failed = [c for c in store.calls("status = 'failed'") if (c["call_date"] or c["processed_at"][:10]) == day]
        trend = [(d, report.daily_report(store, d)["mean_score"]) for d in dates[-30:]]
        return cls(day, rep, failed, trend, pass_score(rules_path), dates)


def batch_dates(store: Store) -> list[str]:
    """The days with calls, as report.daily_report counts them (call date, else processing date)."""
    return sorted({c["call_date"] or c["processed_at"][:10] for c in store.calls()})


def day_or_latest(store: Store, wanted: str | None) -> str:
    dates = batch_dates(store)
    return parse_date(wanted) or (dates[-1] if dates else _date.today().isoformat())
