"""All SQLite access: schema, migrations, writes and queries.

WAL mode; each call's results are written in one transaction, so a killed batch loses at
most the call in flight. Findings are written by the analyser only; supervisors' reviews
are an append-only table beside them.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, TypeVar

import jieba
import sqlite_utils

from .core import Finding, Scorecard, Segment, Timeline
from .errors import QaAudioError, log
from .redact import CallRedaction, redact_segments

SCHEMA_VERSION = 4
_REDACTION_VERSION = 4
T = TypeVar("T")


def _append_only(*tables: str) -> str:
    """Triggers that refuse UPDATE and DELETE on each table (IF NOT EXISTS: another
    migration may have made the same audit table)."""
    return "".join(
        f"""
    CREATE TRIGGER IF NOT EXISTS {t}_append_only_{op.lower()} BEFORE {op} ON {t}
        BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;"""
        for t in tables
        for op in ("UPDATE", "DELETE")
    )


_MIGRATIONS = {
    1: """
    CREATE TABLE agents (id TEXT PRIMARY KEY, name TEXT);
    CREATE TABLE calls (
        id TEXT PRIMARY KEY,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        agent_id TEXT REFERENCES agents(id),
        started_at TEXT,
        call_date TEXT,
        duration_s REAL,
        channels INTEGER,
        codec TEXT,
        status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
        error TEXT,
        processed_at TEXT NOT NULL,
        asr_key TEXT,
        timeline_json TEXT
    );
    CREATE INDEX calls_agent ON calls(agent_id);
    CREATE INDEX calls_date ON calls(call_date);
    CREATE TABLE events (
        call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
        kind TEXT NOT NULL, start_s REAL, end_s REAL, side TEXT,
        source TEXT NOT NULL, confidence REAL, detail TEXT
    );
    CREATE INDEX events_call ON events(call_id);
    CREATE TABLE segments (
        id INTEGER PRIMARY KEY,
        call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
        side TEXT, start_s REAL, end_s REAL, text TEXT, search_text TEXT,
        avg_logprob REAL, no_speech_prob REAL, role_confidence REAL, words_json TEXT
    );
    CREATE INDEX segments_call ON segments(call_id);
    CREATE VIRTUAL TABLE segments_fts USING fts5(search_text, content='segments', content_rowid='id');
    CREATE TRIGGER segments_ai AFTER INSERT ON segments BEGIN
        INSERT INTO segments_fts (rowid, search_text) VALUES (new.id, new.search_text);
    END;
    CREATE TRIGGER segments_ad AFTER DELETE ON segments BEGIN
        INSERT INTO segments_fts (segments_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    END;
    CREATE TABLE findings (
        call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
        rule_id TEXT NOT NULL, title TEXT, section TEXT, section_weight REAL,
        result TEXT NOT NULL, points REAL, max_points REAL, critical INTEGER,
        message TEXT, evidence_json TEXT,
        PRIMARY KEY (call_id, rule_id)
    );
    CREATE TABLE scorecards (
        call_id TEXT PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
        score REAL, pass_score REAL, passed INTEGER, flagged INTEGER, flag_reasons_json TEXT, quality_flags_json TEXT,
        rulepack TEXT, rulepack_version TEXT, rulepack_hash TEXT, scored_at TEXT
    );
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        call_id TEXT NOT NULL REFERENCES calls(id),
        rule_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('confirm', 'override')),
        result TEXT,
        reviewer TEXT NOT NULL,
        note TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TRIGGER reviews_append_only_update BEFORE UPDATE ON reviews
        BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
    CREATE TRIGGER reviews_append_only_delete BEFORE DELETE ON reviews
        BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
    CREATE TABLE transcript_cache (
        sha256 TEXT NOT NULL, asr_key TEXT NOT NULL, segments_json TEXT NOT NULL,
        PRIMARY KEY (sha256, asr_key)
    );
    """,
    # 2: none. Numbered for the identity and fault handling, which needed no schema change.
    2: "",
    # 3: the web app's accounts and the agents' side of a scorecard. Acknowledgements,
    # disputes, resolutions and the audit trail are append-only, as reviews are.
    3: """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'qa', 'supervisor', 'agent')),
        agent_id TEXT,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        CHECK (role != 'agent' OR agent_id IS NOT NULL)
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE TABLE acknowledgements (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        call_id TEXT NOT NULL REFERENCES calls(id),
        agent_user TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE disputes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        call_id TEXT NOT NULL REFERENCES calls(id),
        rule_id TEXT NOT NULL,
        agent_user TEXT NOT NULL,
        reason TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE dispute_resolutions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        dispute_id INTEGER NOT NULL UNIQUE REFERENCES disputes(id),
        outcome TEXT NOT NULL CHECK (outcome IN ('upheld', 'overturned')),
        resolver TEXT NOT NULL,
        note TEXT NOT NULL,
        review_id INTEGER REFERENCES reviews(id),
        created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        actor TEXT NOT NULL,      -- a web user's name, or "os:<login>" for the CLI
        action TEXT NOT NULL,     -- review, acknowledge, dispute, resolve, login, login_failed, user_add, ...
        call_id TEXT,
        detail TEXT               -- JSON
    );
    CREATE INDEX IF NOT EXISTS audit_action_time ON audit(action, created_at);
    """
    + _append_only("acknowledgements", "disputes", "dispute_resolutions", "audit"),
    # Personal data: where the audio copy redacted numbers, the copy itself, the transcript
    # as heard (only when the settings keep it), and purges. The audit trail is migration 3's.
    4: """
    CREATE TABLE redaction_spans (
        call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
        start_s REAL NOT NULL, end_s REAL NOT NULL, side TEXT NOT NULL, kind TEXT NOT NULL
    );
    CREATE INDEX redaction_spans_call ON redaction_spans(call_id);
    ALTER TABLE calls ADD COLUMN redacted_audio TEXT;
    ALTER TABLE calls ADD COLUMN purged_at TEXT;
    CREATE TABLE raw_transcripts (
        call_id TEXT PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
        segments_json TEXT NOT NULL
    );
    """,
}


class StoreError(QaAudioError):
    """The database cannot be used; the message says why, for a person."""


class StoreFault(StoreError):
    """A write did not get through (locked by another program, disk full) after every retry."""


class IdentityError(StoreError):
    """Storing this file would replace or relabel another call's analysis; nothing was written.
    `id_taken`: the call id belongs to other audio (the content itself may be stored under
    its hash instead)."""

    def __init__(self, message: str, id_taken: bool):
        super().__init__(message)
        self.id_taken = id_taken


# Lock waits and full disks are often passing (a backup holding the file, a log rotated away):
# each write is tried again after these pauses before the call is given up as failed.
RETRY_PAUSES_S = (1.0, 2.0, 4.0)
# SQLite result codes of passing faults: BUSY, LOCKED, IOERR, FULL.
_TRANSIENT = {5, 6, 10, 13}


@dataclass
class CallRecord:
    """A call as the `calls` table knows it: call id, file, content hash (its identity),
    agent, start (ISO text), and the audio's length (s), channels and codec once decoded.
    """

    id: str
    file: str
    sha256: str
    agent_id: str | None = None
    started_at: str | None = None
    duration_s: float | None = None
    channels: int | None = None
    codec: str | None = None


def now() -> str:
    """The current UTC time as ISO 8601 text to the second, as every stored time is written."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def search_tokens(text: str) -> str:
    """Space-separated jieba tokens: SQLite's FTS tokenizers cannot split Chinese."""
    return " ".join(t for t in jieba.cut_for_search(text) if t.strip())


def search_words(query: str) -> list[str]:
    """The words of a query that can match: tokens that are only punctuation are not indexed.
    Each becomes an FTS5 string, so a double quote in one cannot break the query."""
    return [t for t in search_tokens(query).split() if any(ch.isalnum() for ch in t)]


def to_json(value, indent: int | None = None) -> str:
    """JSON without NaN or Infinity (not JSON; 0/0 talk shares of one-sided calls made them)."""
    return json.dumps(finite(value), ensure_ascii=False, allow_nan=False, indent=indent)


def finite(value):
    """`value` with every NaN and infinite float, nested in dicts and lists too, replaced by None (JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


class Store:
    """`read_only` opens the file as it is: never created, converted, migrated or switched
    to WAL, so a read-only command works on a read-only mount and leaves a database it did
    not create untouched."""

    def __init__(self, path: str | Path, must_exist: bool = False, read_only: bool = False, lock_timeout_s: float = 10.0, retry_pauses_s: tuple[float, ...] = RETRY_PAUSES_S):
        self.path = Path(path)
        self.read_only = read_only
        self.lock_timeout_s = lock_timeout_s
        self.retry_pauses_s = retry_pauses_s
        if (must_exist or read_only) and not self.path.exists():
            raise StoreError(f"database not found: {self.path} (run `qa-audio process` first)")
        if self.path.is_dir():
            raise StoreError(f"cannot use database {self.path}: it is a folder")
        try:
            self.db = sqlite_utils.Database(self._connect(lock_timeout_s))
            self._check_schema()
            if not read_only:
                self.db.execute("PRAGMA journal_mode=WAL")
                self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot use database {self.path}: {exc}") from exc

    def _connect(self, timeout: float) -> sqlite3.Connection:
        if not self.read_only:
            conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
            conn.execute("PRAGMA foreign_keys=ON")
            # Deleted rows are overwritten with zeros, not left readable in free pages.
            conn.execute("PRAGMA secure_delete=ON")
            return conn
        uri = self.path.resolve().as_uri()
        try:
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, isolation_level=None)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            # A WAL database on a read-only mount cannot get its -shm index: nobody can
            # write there, so reading it as immutable is safe.
            return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=timeout, isolation_level=None)

    def _check_schema(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"database {self.path} has schema version {version}, newer than this qa-audio "
                f"understands ({SCHEMA_VERSION}); upgrade qa-audio"
            )
        tables = [r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        if version == 0 and tables:
            shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
            raise StoreError(f"{self.path} is not a qa-audio database (it holds other tables: {shown}); refusing to change it")
        if self.read_only and version == 0:
            raise StoreError(f"{self.path} holds no qa-audio data (run `qa-audio process` first)")
        if self.read_only and version < SCHEMA_VERSION:
            # An older qa-audio database is ours to upgrade (never a foreign one, never converted).
            try:
                Store(self.path, lock_timeout_s=self.lock_timeout_s).close()
            except StoreError as exc:
                raise StoreError(f"database {self.path} has schema version {version} and cannot be upgraded to {SCHEMA_VERSION} here ({exc})") from exc

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        for v in range(version + 1, SCHEMA_VERSION + 1):
            self._write(lambda v=v, version=version: self._apply_migration(v, version))
        if version and version < _REDACTION_VERSION:
            self.vacuum()

    def _apply_migration(self, v: int, version: int) -> None:
        for statement in _split_sql(_MIGRATIONS[v]):
            self.db.execute(statement)
        if v == _REDACTION_VERSION and version:
            self._redact_stored_transcripts()
        self.db.execute(f"PRAGMA user_version = {v}")

    def _redact_stored_transcripts(self) -> None:
        """A database from before redaction: its transcripts get placeholders, the cached
        (unredacted) transcripts go; the calls have no redacted audio until processed again."""
        for (call_id,) in self.db.execute("SELECT id FROM calls WHERE status = 'done'").fetchall():
            rows = self.segments(call_id)
            red = redact_segments([segment_from_row(r) for r in rows])
            redacted = {row["text"]: seg.text for row, seg in zip(rows, red.segments)}
            for row, seg in zip(rows, red.segments):
                if seg.text != row["text"]:
                    # Delete and insert, so the FTS triggers drop the old tokens and index the new.
                    self.db.execute("DELETE FROM segments WHERE id = ?", [row["id"]])
                    self.db["segments"].insert({**row, "text": seg.text, "search_text": search_tokens(seg.text), "words_json": _words_json(seg)})
            self.db["redaction_spans"].insert_all({"call_id": call_id, **asdict(s)} for s in red.spans)
            self._rewrite_evidence(call_id, lambda e: {**e, "text": redacted.get(e["text"], e["text"])})
        self.db.execute("DELETE FROM transcript_cache")
        self.db.execute("INSERT INTO segments_fts (segments_fts) VALUES ('optimize')")

    def close(self) -> None:
        """Close the database connection."""
        self.db.conn.close()

    # --- writes -------------------------------------------------------------------

    def stored_ids(self) -> dict[str, str]:
        """The call id of every content hash analysed and stored (not of those recorded as
        failed: a re-run tries them again)."""
        return dict(self.db.execute("SELECT sha256, id FROM calls WHERE status = 'done'").fetchall())

    def identity_conflict(self, rec: CallRecord, failed: bool = False) -> IdentityError | None:
        """Why storing `rec` would lose or mix up another call, or None.

        A call id belongs to one content: another file's analysis is never replaced under
        it (an unreviewed earlier version of the same path is). Reviews belong to the
        content they reviewed: reviewed audio keeps its id, and no analysis of audio is
        replaced by a failure."""
        row = self.db.execute("SELECT file, sha256 FROM calls WHERE id = ?", [rec.id]).fetchone()
        if row and row[1] != rec.sha256 and not (_same_file(row[0], rec.file) and not self._reviewed(rec.id)):
            return IdentityError(f"call id {rec.id!r} is already taken by {row[0]} (other audio); not stored over it: give {rec.file} a unique call id", True)
        old = self.db.execute("SELECT id, status FROM calls WHERE sha256 = ?", [rec.sha256]).fetchone()
        if old and old[0] != rec.id and self._reviewed(old[0]):
            return IdentityError(f"this audio was reviewed as call {old[0]!r}; reviews stay with what they reviewed, so its id stays {old[0]!r} (not {rec.id!r})", False)
        if old and failed and old[1] == "done":
            return IdentityError(f"kept the earlier analysis of this audio (call {old[0]!r})", False)
        return None

    def _reviewed(self, call_id: str) -> bool:
        """Someone has acted on this call: reviewed, acknowledged or disputed it (rows that
        point at its id, which must therefore stay)."""
        return any(
            self.db.execute(f"SELECT 1 FROM {table} WHERE call_id = ? LIMIT 1", [call_id]).fetchone()
            for table in ("reviews", "acknowledgements", "disputes")
        )

    def save_failure(self, rec: CallRecord, error: str) -> None:
        """Record that a file could not be analysed, with the reason (`error`), under `rec`.

        Raises IdentityError when that would replace or relabel another call, StoreError when
        the database cannot be written.
        """
        def write():
            self._claim(rec, failed=True)
            self.db["calls"].insert({**asdict(rec), "call_date": _date(rec.started_at), "status": "failed", "error": error, "processed_at": now()})

        self._write(write)

    def save_call(
        self, rec: CallRecord, timeline: Timeline, segments: list[Segment], card: Scorecard, asr_key: str,
        redaction: CallRedaction | None = None, redacted_audio: str | None = None,
    ) -> None:
        """One analysed call; `segments` are already redacted (redact.py), `redaction` holds
        the rest, `redacted_audio` is where its redacted audio copy was written."""

        def write():
            self._claim(rec)
            self.db["calls"].insert(
                {
                    **asdict(rec),
                    "call_date": _date(rec.started_at),
                    "status": "done",
                    "error": None,
                    "processed_at": now(),
                    "asr_key": asr_key,
                    "redacted_audio": redacted_audio,
                }
            )
            self._write_timeline(rec.id, timeline)
            if redaction:
                self._write_redaction(rec.id, redaction)
            self.db["segments"].insert_all(
                {
                    "call_id": rec.id, "side": s.side, "start_s": s.start_s, "end_s": s.end_s, "text": s.text,
                    "search_text": search_tokens(s.text), "avg_logprob": s.avg_logprob, "no_speech_prob": s.no_speech_prob,
                    "role_confidence": s.role_confidence, "words_json": _words_json(s),
                }
                for s in segments
            )
            self._write_scorecard(rec.id, card)

        self._write(write)

    def _write_redaction(self, call_id: str, redaction: CallRedaction) -> None:
        self.db["redaction_spans"].insert_all({"call_id": call_id, **asdict(s)} for s in redaction.spans)
        if redaction.raw is not None:
            self.db["raw_transcripts"].insert({"call_id": call_id, "segments_json": _segments_json(redaction.raw)})

    def save_rescore(self, call_id: str, timeline: Timeline, card: Scorecard) -> None:
        """A rescore: the timeline facts that depend on the rules, and the scorecard (reviews stay)."""

        def write():
            self._write_timeline(call_id, timeline)
            self.db.execute("DELETE FROM findings WHERE call_id = ?", [call_id])
            self.db.execute("DELETE FROM scorecards WHERE call_id = ?", [call_id])
            self._write_scorecard(call_id, card)

        self._write(write)

    def _write_timeline(self, call_id: str, timeline: Timeline) -> None:
        self.db["calls"].update(call_id, {"timeline_json": to_json(timeline.to_dict())})
        self.db.execute("DELETE FROM events WHERE call_id = ?", [call_id])
        self.db["events"].insert_all(finite({"call_id": call_id, **e.to_dict()}) for e in timeline.events)

    def _write_scorecard(self, call_id: str, card: Scorecard) -> None:
        self.db["findings"].insert_all(
            {"call_id": call_id, **finding_row(f)}
            for f in card.findings
        )
        self.db["scorecards"].insert(
            {
                "call_id": call_id, "score": card.score, "pass_score": card.pass_score, "passed": int(card.passed), "flagged": int(card.flagged),
                "flag_reasons_json": to_json(card.flag_reasons),
                "quality_flags_json": to_json(card.quality_flags), "rulepack": card.rulepack,
                "rulepack_version": card.rulepack_version, "rulepack_hash": card.rulepack_hash, "scored_at": now(),
            }
        )

    def add_review(self, call_id: str, rule_id: str, decision: str, reviewer: str, note: str, result: str | None) -> int:
        """Append a review of one finding (append-only: reviews are never changed or deleted).

        Returns the review's id. Raises StoreFault when the write does not get through.
        """
        def write():
            cur = self.db.execute(
                "INSERT INTO reviews (call_id, rule_id, decision, result, reviewer, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [call_id, rule_id, decision, result, reviewer, note, now()],
            )
            return cur.lastrowid

        return self._write(write)

    def cached_segments(self, sha256: str, asr_key: str) -> list[dict] | None:
        """The cached transcript of the audio with content hash `sha256` made under `asr_key`, as dicts; None when not cached."""
        row = self.db.execute("SELECT segments_json FROM transcript_cache WHERE sha256 = ? AND asr_key = ?", [sha256, asr_key]).fetchone()
        return json.loads(row[0]) if row else None

    def cache_segments(self, sha256: str, asr_key: str, segments: list[Segment]) -> None:
        """Cache a transcript for the audio `sha256` under `asr_key` (replacing one cached before)."""
        self._write(
            lambda: self.db["transcript_cache"].upsert(
                {"sha256": sha256, "asr_key": asr_key, "segments_json": _segments_json(segments)},
                pk=("sha256", "asr_key"),
            )
        )

    def _write(self, work: Callable[[], T]) -> T:
        """One transaction, tried again after each of `retry_pauses_s` while the database is
        locked or full; then StoreFault."""
        if self.read_only:
            raise StoreError(f"{self.path} was opened read-only")
        for attempt, pause in enumerate((*self.retry_pauses_s, None), start=1):
            try:
                with self._tx():
                    return work()
            except _Transient as exc:
                if pause is None:
                    raise StoreFault(f"cannot write to {self.path} after {attempt} tries: {exc.reason}") from exc
                log.warning("write to %s failed (%s); trying again in %.1f s", self.path, exc.reason, pause)
                time.sleep(pause)
        raise AssertionError("unreachable")

    def _tx(self) -> "_Transaction":
        return _Transaction(self.db.conn, self.path)

    def _upsert_agent(self, agent_id: str | None) -> None:
        if agent_id:
            self.db.execute("INSERT OR IGNORE INTO agents (id) VALUES (?)", [agent_id])

    def _claim(self, rec: CallRecord, failed: bool = False) -> None:
        """Inside the write: refuse a conflict (checked again here, another batch may have
        stored the id meanwhile), then remove the earlier analysis of this content or of
        this id. Reviews stay: they point at the call id, which the insert that follows
        restores (foreign keys are checked at commit)."""
        conflict = self.identity_conflict(rec, failed)
        if conflict:
            raise conflict
        self._upsert_agent(rec.agent_id)
        self.db.execute("PRAGMA defer_foreign_keys = ON")
        ids = [r[0] for r in self.db.execute("SELECT id FROM calls WHERE id = ? OR sha256 = ?", [rec.id, rec.sha256])]
        for old in ids:
            for table in ("events", "segments", "findings", "scorecards", "redaction_spans", "raw_transcripts"):
                self.db.execute(f"DELETE FROM {table} WHERE call_id = ?", [old])
            self.db.execute("DELETE FROM calls WHERE id = ?", [old])

    # --- web app: users, sessions, acknowledgements, disputes, audit -----------------

    def add_user(self, name: str, role: str, agent_id: str | None, password_hash: str) -> int:
        """Add a web user with an already hashed password; returns the user's id.

        Raises ValueError when the name is taken.
        """
        with self._tx():
            if self.db.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
                raise ValueError(f"user {name!r} exists already")
            return self.db.execute(
                "INSERT INTO users (name, role, agent_id, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                [name, role, agent_id, password_hash, now()],
            ).lastrowid

    def user(self, name: str) -> dict | None:
        """The user named `name` (with the password hash, for logging in), or None."""
        return next(self.db["users"].rows_where("name = ?", [name]), None)

    def users(self) -> list[dict]:
        """Every user (id, name, role, agent id, created), by name; never the password hashes."""
        return list(self.db["users"].rows_where(order_by="name", select="id, name, role, agent_id, created_at"))

    def add_session(self, token_hash: str, user_id: int, csrf: str, expires_at: str) -> None:
        """Start a web session (`token_hash`: the cookie's hash, never the cookie); expired sessions are dropped."""
        with self._tx():
            self.db.execute("DELETE FROM sessions WHERE expires_at < ?", [now()])
            self.db.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                [token_hash, user_id, csrf, now(), expires_at],
            )

    def session(self, token_hash: str) -> dict | None:
        """The live session's user (id, name, role, agent_id) and its CSRF token."""
        row = self.db.execute(
            "SELECT users.id, users.name, users.role, users.agent_id, sessions.csrf FROM sessions "
            "JOIN users ON users.id = sessions.user_id WHERE token_hash = ? AND expires_at > ?",
            [token_hash, now()],
        ).fetchone()
        return dict(zip(("id", "name", "role", "agent_id", "csrf"), row)) if row else None

    def end_session(self, token_hash: str) -> None:
        """End a web session (log out)."""
        with self._tx():
            self.db.execute("DELETE FROM sessions WHERE token_hash = ?", [token_hash])

    def add_acknowledgement(self, call_id: str, agent_user: str) -> int:
        """Record that an agent acknowledged a call's scorecard (append-only); returns its id."""
        with self._tx():
            return self.db.execute(
                "INSERT INTO acknowledgements (call_id, agent_user, created_at) VALUES (?, ?, ?)", [call_id, agent_user, now()]
            ).lastrowid

    def acknowledgements(self, call_id: str) -> list[dict]:
        """A call's acknowledgements, oldest first."""
        return list(self.db["acknowledgements"].rows_where("call_id = ?", [call_id], order_by="id"))

    def add_dispute(self, call_id: str, rule_id: str, agent_user: str, reason: str) -> int:
        """Record an agent's dispute of one finding with the reason (append-only); returns its id."""
        with self._tx():
            return self.db.execute(
                "INSERT INTO disputes (call_id, rule_id, agent_user, reason, created_at) VALUES (?, ?, ?, ?, ?)",
                [call_id, rule_id, agent_user, reason, now()],
            ).lastrowid

    def disputes(self, call_id: str | None = None) -> list[dict]:
        """Disputes with their resolution (outcome etc. None while open), oldest first."""
        sql = (
            "SELECT d.id, d.call_id, d.rule_id, d.agent_user, d.reason, d.created_at, r.outcome, r.resolver, "
            "r.note AS resolution_note, r.created_at AS resolved_at FROM disputes d "
            "LEFT JOIN dispute_resolutions r ON r.dispute_id = d.id"
        )
        cur = self.db.execute(sql + (" WHERE d.call_id = ?" if call_id else "") + " ORDER BY d.id", [call_id] if call_id else [])
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r)) for r in cur]

    def resolve_dispute(self, dispute_id: int, outcome: str, resolver: str, note: str, review_id: int | None) -> None:
        """Record a dispute's resolution: the outcome, who resolved it, the note and the review it led to, if any."""
        with self._tx():
            self.db.execute(
                "INSERT INTO dispute_resolutions (dispute_id, outcome, resolver, note, review_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [dispute_id, outcome, resolver, note, review_id, now()],
            )

    def audit(self, actor: str, action: str, call_id: str | None = None, detail: dict | None = None) -> None:
        """Append an entry to the audit trail: who (`actor`) did what (`action`), to which call, with details."""
        with self._tx():
            self._audit(actor, action, call_id, detail)

    def audit_trail(self, call_id: str | None = None, limit: int = 200) -> list[dict]:
        """The latest `limit` audit entries, newest first, of one call or of all."""
        where, params = ("call_id = ?", [call_id]) if call_id else ("1", [])
        return list(self.db["audit"].rows_where(where, params, order_by="id DESC", limit=limit))

    def count_audit(self, action: str, since: str, actor: str | None = None, client: str | None = None) -> int:
        """Entries of one action since a time, by one actor or from one client (detail.client)."""
        where, params = "action = ? AND created_at >= ?", [action, since]
        if actor is not None:
            where, params = where + " AND actor = ?", params + [actor]
        if client is not None:
            where, params = where + " AND json_extract(detail, '$.client') = ?", params + [client]
        return self.db.execute(f"SELECT count(*) FROM audit WHERE {where}", params).fetchone()[0]

    def audio_file_for(self, call_id: str) -> Path | None:
        """The recording to play for a call, looked up by id only (never a path from a request):
        its redacted copy (personal numbers toned out), never the original; None without one."""
        copy = self.redacted_audio(call_id)
        return copy if copy is not None and copy.is_file() else None

    def _audit(self, actor: str, action: str, call_id: str | None, detail: dict | None) -> int:
        cur = self.db.execute(
            "INSERT INTO audit (created_at, actor, action, call_id, detail) VALUES (?, ?, ?, ?, ?)",
            [now(), actor, action, call_id, json.dumps(detail, ensure_ascii=False) if detail is not None else None],
        )
        return cur.lastrowid

    def forget(self, call_ids: list[str], actor: str, action: str, detail: dict | None = None) -> list[str]:
        """Remove the personal data of these calls: transcript, search index, transcript cache,
        raw text, redaction spans, and the text quoted as evidence; the scorecards, findings
        (results, times, matched phrases), reviews and the audit trail stay. One audit row per
        call. Returns the redacted audio copies, for the caller to delete; the file is then
        vacuumed, so nothing deleted is left in free pages or the write-ahead log.
        """
        copies = []
        with self._tx():
            for call_id in call_ids:
                row = self.db.execute("SELECT sha256, redacted_audio FROM calls WHERE id = ?", [call_id]).fetchone()
                if row is None:
                    continue
                sha, copy = row
                copies += [copy] if copy else []
                for table in ("segments", "raw_transcripts", "redaction_spans"):
                    self.db.execute(f"DELETE FROM {table} WHERE call_id = ?", [call_id])
                self.db.execute("DELETE FROM transcript_cache WHERE sha256 = ?", [sha])
                self._rewrite_evidence(call_id, lambda e: {**e, "text": ""})
                self.db.execute("UPDATE calls SET redacted_audio = NULL, purged_at = ? WHERE id = ?", [now(), call_id])
                self._audit(actor, action, call_id, detail)
            # An FTS5 delete only marks index entries deleted; merging the index drops them.
            self.db.execute("INSERT INTO segments_fts (segments_fts) VALUES ('optimize')")
        self.vacuum()
        return copies

    def _rewrite_evidence(self, call_id: str, change) -> None:
        """Each evidence item of a call's findings through `change` (the text it quotes)."""
        for rule_id, evidence in self.db.execute("SELECT rule_id, evidence_json FROM findings WHERE call_id = ?", [call_id]).fetchall():
            items = [change(e) for e in json.loads(evidence)]
            self.db.execute("UPDATE findings SET evidence_json = ? WHERE call_id = ? AND rule_id = ?", [json.dumps(items, ensure_ascii=False), call_id, rule_id])

    def vacuum(self) -> None:
        """Rewrite the file without free pages, and empty the write-ahead log into it."""
        try:
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot vacuum {self.path}: {exc} (another qa-audio or a tool holds it; try again)") from exc

    # --- reads --------------------------------------------------------------------

    def call(self, call_id: str) -> dict | None:
        """The `calls` row of one call (status, file, timeline_json, ...), or None."""
        return next(self.db["calls"].rows_where("id = ?", [call_id]), None)

    def calls(self, where: str = "1", params: list | None = None, order: str = "id") -> list[dict]:
        """`calls` rows matching an SQL condition (`where`, with `params`), ordered by `order`."""
        return list(self.db["calls"].rows_where(where, params or [], order_by=order))

    def events(self, call_id: str) -> list[dict]:
        """A call's timeline events as rows, by start time."""
        return list(self.db["events"].rows_where("call_id = ?", [call_id], order_by="start_s"))

    def segments(self, call_id: str) -> list[dict]:
        """A call's (redacted) transcript as rows, by start time."""
        return list(self.db["segments"].rows_where("call_id = ?", [call_id], order_by="start_s"))

    def findings(self, call_id: str) -> list[dict]:
        """A call's findings as rows, in the rule pack's order (`finding_from_row` reads one back)."""
        return list(self.db["findings"].rows_where("call_id = ?", [call_id], order_by="rowid"))

    def scorecard(self, call_id: str) -> dict | None:
        """A call's `scorecards` row (score, passed, flagged, rule pack), or None."""
        return next(self.db["scorecards"].rows_where("call_id = ?", [call_id]), None)

    def reviews(self, call_id: str) -> list[dict]:
        """A call's reviews, oldest first."""
        return list(self.db["reviews"].rows_where("call_id = ?", [call_id], order_by="id"))

    def calls_before(self, date: str) -> list[str]:
        """Calls made before `date` (YYYY-MM-DD; undated calls by the day they were processed)
        whose personal data is still stored."""
        sql = "SELECT id FROM calls WHERE purged_at IS NULL AND coalesce(call_date, substr(processed_at, 1, 10)) < ? ORDER BY id"
        return [r[0] for r in self.db.execute(sql, [date])]

    def redaction_spans(self, call_id: str) -> list[dict]:
        """Where a call's personal numbers were spoken (seconds, side, kind), by start time."""
        return list(self.db["redaction_spans"].rows_where("call_id = ?", [call_id], order_by="start_s"))

    def redacted_audio(self, call_id: str) -> Path | None:
        """The recording with personal numbers toned out: what a player or an audio export serves."""
        row = self.db.execute("SELECT redacted_audio FROM calls WHERE id = ?", [call_id]).fetchone()
        return Path(row[0]) if row and row[0] else None

    def raw_segments(self, call_id: str) -> list[dict] | None:
        """The transcript as heard, digits and all; stored only when the rule pack's
        keep_raw_transcripts is true, and for administrators' eyes only."""
        row = self.db.execute("SELECT segments_json FROM raw_transcripts WHERE call_id = ?", [call_id]).fetchone()
        return json.loads(row[0]) if row else None

    def search(self, query: str, limit: int = 50, agent_id: str | None = None) -> list[dict]:
        """Transcript hits; with agent_id, only that agent's calls (what an agent may see)."""
        terms = " ".join('"' + w.replace('"', '""') + '"' for w in search_words(query))
        if not terms:
            return []
        only_agent = " AND segments.call_id IN (SELECT id FROM calls WHERE agent_id = ?)" if agent_id is not None else ""
        sql = (
            "SELECT segments.call_id, segments.side, segments.start_s, segments.end_s, segments.text "
            "FROM segments JOIN segments_fts ON segments.rowid = segments_fts.rowid "
            f"WHERE segments_fts MATCH ?{only_agent} ORDER BY segments.call_id, segments.start_s LIMIT ?"
        )
        params = [terms] + ([agent_id] if agent_id is not None else []) + [limit]
        return [dict(zip(("call_id", "side", "start_s", "end_s", "text"), r)) for r in self.db.execute(sql, params)]


class _Transient(StoreError):
    """A passing fault (locked, busy, disk full, I/O): `_write` tries again; a caller of
    `_tx` alone gets it as the StoreError it is."""

    def __init__(self, reason: str, path: Path):
        super().__init__(f"cannot write to {path}: {reason}")
        self.reason = reason


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error; SQLite errors become StoreError,
    passing ones (locked, busy, disk full, I/O) _Transient for the caller to retry."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn, self.path = conn, path

    def __enter__(self):
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _classify(exc, self.path) from exc
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type:
            self._rollback()
            if issubclass(exc_type, sqlite3.Error):
                raise _classify(exc, self.path) from exc
            return False
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as err:
            self._rollback()
            raise _classify(err, self.path) from err
        return False

    def _rollback(self) -> None:
        # SQLite has already rolled back by itself after some errors (a full disk, say).
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error as err:
                log.warning("rollback in %s failed: %s", self.path, err)


def _classify(exc: sqlite3.Error, path: Path) -> Exception:
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if code in _TRANSIENT:
        hint = " (another program holds the database)" if code in (5, 6) else ""
        return _Transient(f"{exc}{hint}", path)
    return StoreError(f"database error in {path}: {exc}")


def _same_file(a: str, b: str) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def _split_sql(script: str) -> list[str]:
    """Statements of a migration; trigger bodies keep their inner semicolons."""
    out, buf = [], []
    for line in script.strip().splitlines():
        buf.append(line)
        joined = "\n".join(buf).strip()
        if joined.endswith(";") and (not joined.upper().startswith("CREATE TRIGGER") or joined.upper().endswith("END;")):
            out.append(joined)
            buf = []
    return out


def _words_json(segment: Segment) -> str:
    return to_json([w.to_dict() for w in segment.words])


def _segments_json(segments: list[Segment]) -> str:
    return to_json([s.to_dict() for s in segments])


def segment_from_row(row: dict) -> Segment:
    """A `segments` row (words as JSON text) as a Segment."""
    return Segment.from_dict({**row, "words": json.loads(row.get("words_json") or "[]")})


def finding_row(f: Finding) -> dict:
    """A Finding as a `findings` row: evidence as JSON text, critical as 0/1."""
    row = f.to_dict()
    evidence = row.pop("evidence")
    return {**row, "critical": int(f.critical), "evidence_json": to_json(evidence)}


def finding_from_row(row: dict) -> Finding:
    """A `findings` row back as a Finding."""
    return Finding.from_dict({**row, "critical": bool(row["critical"]), "evidence": json.loads(row["evidence_json"])})


def _date(started_at: str | None) -> str | None:
    return started_at[:10] if started_at else None
