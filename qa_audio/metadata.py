"""Per-call metadata: call id, agent id, start time, from a sidecar file or the file name."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

DEFAULT_PATTERN = "{date}_{agent}_{callid}"
_TOKENS = {
    "date": r"(?P<date>\d{4}-?\d{2}-?\d{2})",
    "time": r"(?P<time>\d{2}[-:]?\d{2}[-:]?\d{2})",
    "agent": r"(?P<agent>[A-Za-z0-9-]+)",
    "callid": r"(?P<callid>[A-Za-z0-9-]+)",
    "any": r".*?",
}


class MetadataError(Exception):
    pass


@dataclass(frozen=True)
class CallMeta:
    call_id: str | None = None
    agent_id: str | None = None
    started_at: date | None = None  # a datetime when the time of day is known


def parse_when(text: str) -> date:
    """'YYYY-MM-DD' is a day (time of day unknown); anything longer is an ISO date-time."""
    return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)


def pattern_regex(pattern: str) -> re.Pattern:
    out, pos = "", 0
    for m in re.finditer(r"\{(\w+)\}", pattern):
        if m.group(1) not in _TOKENS:
            raise MetadataError(f"unknown field {{{m.group(1)}}} in filename pattern (known: {', '.join('{' + t + '}' for t in _TOKENS)})")
        out += re.escape(pattern[pos : m.start()]) + _TOKENS[m.group(1)]
        pos = m.end()
    return re.compile(out + re.escape(pattern[pos:]) + r"$")


def from_filename(path: Path, pattern: str = DEFAULT_PATTERN) -> CallMeta:
    m = pattern_regex(pattern).match(path.stem)
    if not m:
        return CallMeta()
    fields = m.groupdict()
    started = None
    if fields.get("date"):
        stamp = fields["date"].replace("-", "") + re.sub(r"\D", "", fields.get("time") or "")
        started = datetime.strptime(stamp, "%Y%m%d%H%M%S") if len(stamp) > 8 else datetime.strptime(stamp, "%Y%m%d").date()
    return CallMeta(fields.get("callid"), fields.get("agent"), started)


def load_sidecar(path: Path) -> dict[str, CallMeta]:
    """CSV or JSON (a list of objects) with `file` plus any of call_id, agent_id, started_at."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MetadataError(f"cannot read metadata file {path}: {exc.strerror}") from exc
    if path.suffix.lower() == ".json":
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MetadataError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from exc
        if not isinstance(rows, list):
            raise MetadataError(f"{path}: expected a JSON list of objects with a 'file' key")
    else:
        rows = list(csv.DictReader(text.splitlines()))
    out = {}
    for i, row in enumerate(rows, start=2):
        if not isinstance(row, dict) or not row.get("file"):
            raise MetadataError(f"{path}: row {i} has no 'file'")
        started = row.get("started_at") or None
        try:
            when = parse_when(started) if started else None
        except ValueError as exc:
            raise MetadataError(f"{path}: row {i}: started_at {started!r} is not an ISO date-time") from exc
        out[Path(row["file"]).name] = CallMeta(row.get("call_id") or None, row.get("agent_id") or None, when)
    return out


def resolve(path: Path, sidecar: dict[str, CallMeta], pattern: str) -> CallMeta:
    """Sidecar first, then the filename pattern, field by field."""
    from_side = sidecar.get(path.name, CallMeta())
    from_name = from_filename(path, pattern)
    return CallMeta(
        from_side.call_id or from_name.call_id,
        from_side.agent_id or from_name.agent_id,
        from_side.started_at or from_name.started_at,
    )
