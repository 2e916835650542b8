"""What each user reads: scorecards (the JSON contract), the review queue, agent reports,
daily figures and exports. Effective results apply the latest review of each finding; the
analyser's own result stays beside it as `auto_result`.
"""

from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import dataclass

from .scoring import FAIL, PASS, REPORTED, Finding, summarize
from .store import Store, StoreError, finding_from_row


class NotFound(StoreError):
    """No such call, agent or finding in the database; the message names what was asked for."""

    pass


@dataclass(frozen=True)
class ReviewRequest:
    """A supervisor's review of one finding: `decision` confirm or override, who reviews,
    why (`note`), and with override the result it should have (pass, fail or na; default the
    opposite of the automatic pass/fail).
    """

    call_id: str
    rule_id: str
    decision: str  # confirm | override
    reviewer: str
    note: str
    result: str | None = None


def _effective(f: Finding, review: dict | None) -> Finding:
    if not review or review["decision"] == "confirm":
        return f
    result = review["result"] or (PASS if f.result == FAIL else FAIL)
    return Finding(f.rule_id, f.title, f.section, f.section_weight, result, f.max_points if result == PASS else 0.0, f.max_points, f.critical, f.message, f.evidence)


def scorecard(store: Store, call_id: str, with_transcript: bool = False) -> dict:
    """One call's scorecard as the JSON contract (README, "Scorecard JSON"): timing facts,
    score, findings with evidence and reviews applied, metrics; `with_transcript` adds
    `segments` and `events`.

    Raises NotFound when there is no call `call_id`.
    """
    call = store.call(call_id)
    if call is None:
        raise NotFound(f"no call with id {call_id!r} in {store.path}")
    out = {
        "call_id": call["id"], "agent_id": call["agent_id"], "file": call["file"], "status": call["status"],
        "error": call["error"], "started_at": call["started_at"], "duration_s": call["duration_s"],
        "answer_delay_s": None, "ring_count": None, "holds": [], "hangup_by": "unknown",
        "score": None, "passed": False, "flagged": call["status"] == "failed",
        "flag_reasons": [f"processing failed: {call['error']}"] if call["status"] == "failed" else [],
        "findings": [], "reviews": store.reviews(call_id), "purged_at": call.get("purged_at"),
    }
    if call["status"] != "done":
        return out
    tl = json.loads(call["timeline_json"])
    card = store.scorecard(call_id)
    latest = {}
    for r in out["reviews"]:
        latest[r["rule_id"]] = r
    auto = [finding_from_row(r) for r in store.findings(call_id)]
    effective = [_effective(f, latest.get(f.rule_id)) for f in auto]
    quality = json.loads(card["quality_flags_json"])
    score, passed, reasons = summarize(effective, card["pass_score"], quality)
    out.update(
        answer_delay_s=tl["answer_delay_s"], ring_count=tl["ring_count"], pickup_source=tl["pickup_source"],
        holds=[{"start_s": h["start_s"], "end_s": h["end_s"], "duration_s": round(h["end_s"] - h["start_s"], 2)} for h in tl["holds"]],
        hangup_by=tl["hangup_by"], hangup_evidence=tl["hangup_evidence"], metrics=tl["metrics"], disagreements=tl["disagreements"],
        score=score, auto_score=card["score"], passed=passed, flagged=bool(reasons), flag_reasons=reasons,
        rulepack={"name": card["rulepack"], "version": card["rulepack_version"], "hash": card["rulepack_hash"]},
        findings=[
            {
                "rule_id": f.rule_id, "title": f.title, "section": f.section, "result": f.result, "auto_result": a.result,
                "points": f.points, "max_points": f.max_points, "critical": f.critical, "message": f.message,
                "reviewed": f.rule_id in latest,
                "evidence": [{"start_s": e.start_s, "end_s": e.end_s, "side": e.side, "text": e.text, "matched": e.matched, "quality": e.quality} for e in f.evidence],
            }
            for f, a in zip(effective, auto)
        ],
    )
    if with_transcript:
        out["segments"] = [{k: s[k] for k in ("side", "start_s", "end_s", "text", "avg_logprob", "role_confidence")} for s in store.segments(call_id)]
        out["events"] = [{k: e[k] for k in ("kind", "start_s", "end_s", "side", "source", "confidence", "detail")} for e in store.events(call_id) if e["kind"] != "speech"]
    return out


def review(store: Store, req: ReviewRequest) -> dict:
    """Record a review (append-only, audited) and return the call's scorecard with it applied.

    Raises ValueError on a bad decision or result, an empty note or a call that failed
    processing; NotFound when the call or the rule's finding does not exist; StoreError when
    the database cannot be written.
    """
    if req.decision not in ("confirm", "override"):
        raise ValueError("decision must be 'confirm' or 'override'")
    if not req.note.strip():
        raise ValueError("a review needs a note saying why")
    card = scorecard(store, req.call_id)
    if card["status"] != "done":
        raise ValueError(f"call {req.call_id} failed processing; there are no findings to review")
    finding = next((f for f in card["findings"] if f["rule_id"] == req.rule_id), None)
    if finding is None:
        raise NotFound(f"call {req.call_id} has no finding for rule {req.rule_id!r}")
    if req.result not in (None, "pass", "fail", "na"):
        raise ValueError("--result must be pass, fail or na")
    if req.decision == "override" and req.result is None and finding["auto_result"] not in (PASS, FAIL):
        raise ValueError(f"rule {req.rule_id} was '{finding['auto_result']}': say what it should be with --result pass|fail|na")
    store.add_review(req.call_id, req.rule_id, req.decision, req.reviewer, req.note, req.result)
    return scorecard(store, req.call_id)


def flagged(store: Store) -> list[dict]:
    """Flagged calls, worst first: failed files, then by score."""
    cards = [scorecard(store, c["id"]) for c in store.calls()]
    items = [c for c in cards if c["flagged"]]
    items.sort(key=lambda c: (c["status"] == "done", c["score"] if c["score"] is not None else -1))
    return [
        {k: c[k] for k in ("call_id", "agent_id", "file", "status", "started_at", "score", "passed", "flag_reasons")}
        | {"failed_rules": [f["rule_id"] for f in c["findings"] if f["result"] == FAIL], "reviews": len(c["reviews"])}
        for c in items
    ]


def agent_report(store: Store, agent_id: str) -> dict:
    """One agent's scorecards and trend, and nothing about anyone else."""
    calls = store.calls("agent_id = ?", [agent_id], order="coalesce(started_at, processed_at)")
    if not calls:
        raise NotFound(f"no calls for agent {agent_id!r} in {store.path}")
    cards = [scorecard(store, c["id"]) for c in calls]
    done = [c for c in cards if c["status"] == "done"]
    by_day: dict[str, list[float]] = {}
    for c in done:
        if c["score"] is not None:
            by_day.setdefault((c["started_at"] or "undated")[:10], []).append(c["score"])
    rule_fails: dict[str, int] = {}
    for c in done:
        for f in c["findings"]:
            if f["result"] == FAIL:
                rule_fails[f["rule_id"]] = rule_fails.get(f["rule_id"], 0) + 1
    return {
        "agent_id": agent_id,
        "calls": len(cards),
        "mean_score": _mean(c["score"] for c in done),
        "trend": [{"date": d, "calls": len(v), "mean_score": _mean(v)} for d, v in sorted(by_day.items())],
        "most_failed_rules": sorted(rule_fails.items(), key=lambda kv: -kv[1]),
        "scorecards": cards,
    }


def daily_report(store: Store, date: str) -> dict:
    """One day's figures (`date` YYYY-MM-DD; undated calls by the day they were processed):
    calls, failed files, mean score and flagged count, per agent, and per rule the count of
    each result.
    """
    calls = store.calls("call_date = ? OR (call_date IS NULL AND substr(processed_at, 1, 10) = ?)", [date, date])
    cards = [scorecard(store, c["id"]) for c in calls]
    agents: dict[str, list[dict]] = {}
    for c in cards:
        agents.setdefault(c["agent_id"] or "(unknown)", []).append(c)
    rules: dict[str, dict[str, int]] = {}
    for c in cards:
        for f in c["findings"]:
            counts = rules.setdefault(f["rule_id"], {"pass": 0, "fail": 0, "na": 0, "unknown": 0, REPORTED: 0})
            counts[f["result"]] += 1

    return {
        "date": date,
        "calls": len(cards),
        "failed_files": sum(c["status"] == "failed" for c in cards),
        "mean_score": _mean(c["score"] for c in cards),
        "flagged": sum(c["flagged"] for c in cards),
        "agents": [
            {"agent_id": a, "calls": len(cs), "mean_score": _mean(c["score"] for c in cs), "flagged": sum(c["flagged"] for c in cs)}
            for a, cs in sorted(agents.items())
        ],
        "rules": [{"rule_id": r, **counts} for r, counts in rules.items()],
    }


def export(store: Store, fmt: str) -> str:
    """Every stored scorecard as text: `fmt` "json" (the full scorecard contract, a list) or
    "csv" (one row per call).

    Raises ValueError on any other format.
    """
    cards = [scorecard(store, c["id"]) for c in store.calls()]
    if fmt == "json":
        return json.dumps(cards, ensure_ascii=False, indent=1)
    if fmt != "csv":
        raise ValueError("format must be json or csv")
    buf = io.StringIO()
    cols = ["call_id", "agent_id", "file", "status", "duration_s", "answer_delay_s", "ring_count", "hangup_by", "score", "passed", "flagged", "flag_reasons", "failed_rules", "holds"]
    w = csv.DictWriter(buf, fieldnames=cols)
    w.writeheader()
    for c in cards:
        w.writerow(
            {k: c.get(k) for k in cols[:11]}
            | {
                "flag_reasons": "; ".join(c["flag_reasons"]),
                "failed_rules": " ".join(f["rule_id"] for f in c["findings"] if f["result"] == FAIL),
                "holds": " ".join(f"{h['start_s']}-{h['end_s']}" for h in c["holds"]),
            }
        )
    return buf.getvalue()


def _mean(values) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 1) if known else None


def fmt_time(t: float | None) -> str:
    """Seconds as `mm:ss.s` (`01:05.3`), `  -  ` for None."""
    if t is None:
        return "  -  "
    return f"{int(t // 60):02d}:{t % 60:04.1f}"


def _reported_value(finding: dict) -> str:
    """What a reported (0-point) rule measured, from its message: 'agent_talk_share=0.62 (standard: <= 0.5)'."""
    return finding["message"].removeprefix(f"{REPORTED}: ")


def render_card(card: dict) -> str:
    """A scorecard as text: facts, findings at their timestamps, the transcript."""
    lines = [
        f"Call {card['call_id']}  agent {card['agent_id'] or '-'}  {card['file']}",
        f"status {card['status']}" + (f": {card['error']}" if card.get("error") else ""),
    ]
    if card["status"] != "done":
        return "\n".join(lines)
    lines += [
        f"score {card['score']}  {'PASS' if card['passed'] else 'FAIL'}" + (f"  (auto {card['auto_score']})" if card["auto_score"] != card["score"] else ""),
        f"flagged: {'; '.join(card['flag_reasons']) or 'no'}",
        f"duration {card['duration_s']} s  answer delay {card['answer_delay_s']} s ({card['pickup_source']})  rings {card['ring_count']}  hang-up by {card['hangup_by']} ({card['hangup_evidence']})",
        "holds: " + (", ".join(f"{fmt_time(h['start_s'])}-{fmt_time(h['end_s'])} ({h['duration_s']} s)" for h in card["holds"]) or "none"),
    ]
    if card.get("disagreements"):
        lines.append("PBX vs audio: " + "; ".join(card["disagreements"]))
    lines += ["", "Findings:"]
    for f in card["findings"]:
        mark = {"pass": "ok  ", "fail": "FAIL", "na": "n/a ", "unknown": "??  ", REPORTED: "info"}[f["result"]]
        at = fmt_time(f["evidence"][0]["start_s"]) if f["evidence"] else "     "
        reviewed = f"  [reviewed: auto {f['auto_result']}]" if f["reviewed"] else ""
        points = _reported_value(f) if f["result"] == REPORTED else f"{f['points']:g}/{f['max_points']:g}"
        lines.append(f"  {mark} {at} {f['rule_id']:<24} {points}  {f['title']}{reviewed}")
        for e in f["evidence"][:3]:
            lines.append(f"              {fmt_time(e['start_s'])} {e['side']}: “{e['matched']}” in {e['text']}")
    if card.get("purged_at"):
        # Without this, a purged call reads as a call in which nobody said anything.
        lines += ["", f"Transcript: purged {card['purged_at'][:10]} (purge / delete): the scorecard and reviews stay, the words and quoted text are gone"]
    elif card.get("segments"):
        lines += ["", "Transcript:"]
        lines += [f"  {fmt_time(s['start_s'])} {s['side']:<8} {s['text']}" for s in card["segments"]]
    if card["reviews"]:
        lines += ["", "Reviews:"]
        lines += [f"  #{r['id']} {r['created_at']} {r['reviewer']} {r['decision']} {r['rule_id']}{' -> ' + r['result'] if r['result'] else ''}: {r['note']}" for r in card["reviews"]]
    return "\n".join(lines)


def render_agent_html(rep: dict) -> str:
    """A self-contained page for one agent: no scripts, no external resources."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(c['call_id'])}</td><td>{e(c['started_at'] or '')}</td><td>{e(str(c['score']))}</td>"
        f"<td>{'pass' if c['passed'] else 'fail'}</td><td>{e('; '.join(c['flag_reasons']))}</td>"
        f"<td>{e(', '.join(f['rule_id'] for f in c['findings'] if f['result'] == FAIL))}</td></tr>"
        for c in rep["scorecards"]
    )
    trend = "".join(f"<tr><td>{e(t['date'])}</td><td>{t['calls']}</td><td>{t['mean_score']}</td></tr>" for t in rep["trend"])
    details = "".join(
        f"<h3>{e(c['call_id'])}</h3><ul>"
        + "".join(
            f"<li class='{f['result']}'>{e(_reported_value(f) if f['result'] == REPORTED else f['result'])} · {e(f['title'])}"
            + "".join(f"<br><small>{fmt_time(ev['start_s'])} “{e(ev['matched'])}” — {e(ev['text'])}</small>" for ev in f["evidence"][:2])
            + "</li>"
            for f in c["findings"]
        )
        + "</ul>"
        for c in rep["scorecards"]
    )
    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>qa-audio: agent {e(rep['agent_id'])}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3em .6em}}
.fail{{color:#b00}}.pass{{color:#070}}.na,.unknown,.reported{{color:#777}}</style></head><body>
<h1>Agent {e(rep['agent_id'])}</h1><p>{rep['calls']} calls, mean score {rep['mean_score']}</p>
<h2>Trend</h2><table><tr><th>date</th><th>calls</th><th>mean score</th></tr>{trend}</table>
<h2>Scorecards</h2><table><tr><th>call</th><th>started</th><th>score</th><th>result</th><th>flags</th><th>failed rules</th></tr>{rows}</table>
<h2>Findings</h2>{details}</body></html>"""
