"""Retention and deletion of personal data: purge old calls, delete one call on request.

The scorecards, reviews and the audit trail stay (they are the QA record); the transcript,
its search index, cached and raw text, redaction spans and the redacted audio copy go, and
the database is vacuumed so the text is not left in free pages. The original recordings
belong to the recorder and are not touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from .store import Store


@dataclass
class Forgotten:
    """What a purge or delete removed: the calls' ids and the redacted audio copies deleted."""

    calls: list[str]
    audio_removed: list[str]


def cutoff(before: str | None, settings: dict, source: Path, today: date) -> str:
    """The day before which personal data goes: `before`, else today less the rule pack's
    [settings] retention_days."""
    if before:
        try:
            return date.fromisoformat(before).isoformat()
        except ValueError:
            raise ValueError(f"--before {before!r} is not a date (YYYY-MM-DD)") from None
    days = settings["retention_days"]  # checked by rules.load: unset or a whole number >= 1
    if days is None:
        raise ValueError(f"say --before DATE, or set retention_days under [settings] in {source}")
    return (today - timedelta(days=days)).isoformat()


def purge(store: Store, before: str, actor: str) -> Forgotten:
    """Remove the transcripts, search index and audio copies of calls made before `before`
    (YYYY-MM-DD); scorecards, reviews and the audit trail stay. `actor` is recorded in the
    audit trail. The database is vacuumed so the text is gone from the file too.
    """
    calls = store.calls_before(before)
    return _forget(store, calls, actor, "purge", {"before": before})


def delete(store: Store, call_id: str, actor: str, reason: str | None = None) -> Forgotten:
    """Remove one call's personal data on request (transcript, search index, audio copy),
    recorded in the audit trail with `actor` and `reason`.

    Raises ValueError when there is no call `call_id`.
    """
    if store.call(call_id) is None:
        raise ValueError(f"no call with id {call_id!r} in {store.path}")
    return _forget(store, [call_id], actor, "delete", {"reason": reason} if reason else None)


def _forget(store: Store, calls: list[str], actor: str, action: str, detail: dict | None) -> Forgotten:
    copies = store.forget(calls, actor, action, detail) if calls else []
    removed = []
    for copy in copies:
        path = Path(copy)
        if path.exists():
            path.unlink()
            removed.append(copy)
    return Forgotten(calls, removed)
