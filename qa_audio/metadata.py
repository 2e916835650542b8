"""Per-call metadata: call id, agent id, start time, from a sidecar file or the file name."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .errors import QaAudioError

DEFAULT_PATTERN = "{date}_{agent}_{callid}"
_TOKENS = {
    "date": r"(?P<date>\d{4}-?\d{2}-?\d{2})",
    "time": r"(?P<time>\d{2}[-:]?\d{2}[-:]?\d{2})",
    "agent": r"(?P<agent>[A-Za-z0-9-]+)",
    "callid": r"(?P<callid>[A-Za-z0-9-]+)",
    "any": r".*?",
}


class MetadataError(QaAudioError):
    """The metadata sidecar or the file-name pattern is unusable; the message names the file and row."""

    pass


@dataclass(frozen=True)
class CallMeta:
    """What is known about a call besides its audio: its call id, the agent's id and when
    it started (a `date`, or a `datetime` when the time of day is known); None when unknown.
    """

    call_id: str | None = None
    agent_id: str | None = None
    started_at: date | None = None  # a datetime when the time of day is known


def parse_when(text: str) -> date:
    """'YYYY-MM-DD' is a day (time of day unknown); anything longer is an ISO date-time."""
    return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)


def pattern_regex(pattern: str) -> re.Pattern:
    """The regular expression for a file-name pattern such as `{date}_{agent}_{callid}`
    (fields: {date} {time} {agent} {callid} {any}); it matches a whole file stem.

    Raises MetadataError on an unknown field.
    """
    out, pos = "", 0
    for m in re.finditer(r"\{(\w+)\}", pattern):
        if m.group(1) not in _TOKENS:
            raise MetadataError(f"unknown field {{{m.group(1)}}} in filename pattern (known: {', '.join('{' + t + '}' for t in _TOKENS)})")
        out += re.escape(pattern[pos : m.start()]) + _TOKENS[m.group(1)]
        pos = m.end()
    return re.compile(out + re.escape(pattern[pos:]) + r"$")


def from_filename(path: Path, pattern: str = DEFAULT_PATTERN) -> CallMeta:
    """Call id, agent and start time read from a file's name (its stem) by `pattern`;
    an empty CallMeta when the name does not fit the pattern.

    Raises MetadataError on an unknown field in the pattern.
    """
    m = pattern_regex(pattern).match(path.stem)
    if not m:
        return CallMeta()
    fields = m.groupdict()
    started = None
    if fields.get("date"):
        stamp = fields["date"].replace("-", "") + re.sub(r"\D", "", fields.get("time") or "")
        started = datetime.strptime(stamp, "%Y%m%d%H%M%S") if len(stamp) > 8 else datetime.strptime(stamp, "%Y%m%d").date()
    return CallMeta(fields.get("callid"), fields.get("agent"), started)


@dataclass(frozen=True)
class SidecarRow:
    """One row of a metadata sidecar: the file it names, its row number (for messages) and what it says."""

    file: str  # as written: a name, a path relative to the batch folder, or an absolute path
    row: int  # CSV line / JSON list item (1-based), for messages
    meta: CallMeta


@dataclass(frozen=True)
class Sidecar:
    """A metadata sidecar (CSV or JSON) as read: its path and its rows (`load_sidecar`)."""

    path: Path
    rows: tuple[SidecarRow, ...] = ()

    def match(self, path: Path, rel: str) -> SidecarRow | None:
        """The most specific row for a file (`rel` is its path relative to the batch folder):
        the same absolute path, or a path that `rel` ends with, whole components."""
        parts = Path(rel).parts
        fits = [
            r for r in self.rows
            if (Path(r.file).is_absolute() and Path(r.file).resolve() == path.resolve())
            or (not Path(r.file).is_absolute() and parts[len(parts) - len(Path(r.file).parts):] == Path(r.file).parts)
        ]
        return max(fits, key=lambda r: len(Path(r.file).parts), default=None)


_FIELDS = ("file", "call_id", "agent_id", "started_at")


def load_sidecar(path: Path) -> Sidecar:
    """CSV or JSON (a list of objects) with `file` plus any of call_id, agent_id, started_at."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MetadataError(f"cannot read metadata file {path}: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise MetadataError(f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8") from exc
    if path.suffix.lower() == ".json":
        try:
            items = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            where = f":{exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
            raise MetadataError(f"{path}{where}: invalid JSON ({getattr(exc, 'msg', 'nested too deeply')})") from exc
        if not isinstance(items, list):
            raise MetadataError(f"{path}: expected a JSON list of objects with a 'file' key")
        rows = enumerate(items, start=1)
        where = "item"
    else:
        try:
            rows = enumerate(list(csv.DictReader(io.StringIO(text, newline=""))), start=2)
        except csv.Error as exc:
            raise MetadataError(f"{path}: invalid CSV ({exc})") from exc
        where = "line"
    out: dict[str, SidecarRow] = {}
    for i, row in rows:
        r = _row(row, f"{path}: {where} {i}")
        key = Path(r.file).as_posix()
        if key in out:
            raise MetadataError(f"{path}: {where}s {out[key].row} and {i} both describe file {r.file!r}")
        out[key] = SidecarRow(r.file, i, r.meta)
    return Sidecar(path, tuple(out.values()))


def _row(row, where: str) -> SidecarRow:
    if not isinstance(row, dict):
        raise MetadataError(f"{where}: expected an object with a 'file' key")
    for key in _FIELDS:
        value = row.get(key)
        if value is not None and not isinstance(value, str):
            raise MetadataError(f"{where}: '{key}' must be text, not {type(value).__name__} {json.dumps(value, ensure_ascii=False)[:40]}")
    if not (row.get("file") or "").strip():
        raise MetadataError(f"{where}: no 'file'")
    started = (row.get("started_at") or "").strip() or None
    try:
        when = parse_when(started) if started else None
    except ValueError as exc:
        raise MetadataError(f"{where}: started_at {started!r} is not an ISO date-time") from exc
    call_id = (row.get("call_id") or "").strip() or None
    if call_id is not None and not re.fullmatch(r"[\w.-]{1,64}", call_id):
        raise MetadataError(f"{where}: call_id {call_id!r} must be 1-64 letters, digits, '_', '-' or '.'")
    return SidecarRow(row["file"].strip(), 0, CallMeta(call_id, (row.get("agent_id") or "").strip() or None, when))


def resolve(path: Path, rel: str, sidecar: Sidecar | None, pattern: str) -> CallMeta:
    """Sidecar first, then the filename pattern, field by field."""
    row = sidecar.match(path, rel) if sidecar else None
    from_side = row.meta if row else CallMeta()
    from_name = from_filename(path, pattern)
    return CallMeta(
        from_side.call_id or from_name.call_id,
        from_side.agent_id or from_name.agent_id,
        from_side.started_at or from_name.started_at,
    )
