"""PBX call records: Asterisk CDR and CEL (CSV, DSV, JSON lines, cel_odbc exports) and
FreeSWITCH CDRs (JSON, XML), read by content, grouped per call, merged into the timeline.

    read.py       files -> rows (format sniffed; unreadable records become warnings)
    layouts.py    headerless column layouts, built in or named with --pbx-format
    asterisk.py   CDR rows / CEL events of one call -> PbxFacts
    freeswitch.py the legs of one call -> PbxFacts
    merge.py      PbxFacts -> timeline (the record wins, disagreements are stored)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from . import layouts
from .asterisk import cdr_facts, cel_facts
from .freeswitch import freeswitch_facts
from .layouts import CDR, CEL
from .merge import apply, unanswered
from .read import LEG, Parsed, read_file
from .records import PbxError, PbxFacts, PbxWarning, Span, Transfer

__all__ = ["PbxError", "PbxFacts", "PbxWarning", "Records", "Span", "Transfer", "apply", "load_records", "unanswered"]

# A record without any id (cdr_csv's code defaults have no uniqueid) is matched to the
# recording whose start time is this close to the call's start, if it is the only one.
MATCH_BY_START_S = 2.0


@dataclass
class Records:
    """Everything read from a batch's PBX record files: facts per call id, facts without an
    id (matched to a recording by its start time), and the warnings for what could not be read.
    """

    calls: dict[str, list[PbxFacts]] = field(default_factory=dict)
    undated: list[PbxFacts] = field(default_factory=list)  # no id: matched by start time
    warnings: list[PbxWarning] = field(default_factory=list)

    def for_call(self, call_id: str, started_at: date | None = None) -> list[PbxFacts]:
        """The PBX facts for one recording: those under its call id, else the one record without
        an id that started within MATCH_BY_START_S of `started_at` (a datetime); [] when none
        (or several) fit.
        """
        if call_id in self.calls:
            return self.calls[call_id]
        if not isinstance(started_at, datetime):
            return []
        near = [f for f in self.undated if f.started and abs((f.started - started_at.replace(tzinfo=None)).total_seconds()) <= MATCH_BY_START_S]
        return near if len(near) == 1 else []


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    return [path]


def load_records(paths: list[Path], inbound: bool = True, layout: str | None = None) -> Records:
    """Every record under the paths; a row in two files (cdr_csv writes Master.csv and the
    account's own NAME.csv, cdr_csv.c:310) counts once."""
    chosen = layouts.load(layout) if layout else None
    parsed = Parsed()
    for f in (f for p in paths for f in _files(p)):
        one = read_file(f, chosen)
        parsed.warnings += one.warnings
        for kind, rows in one.rows.items():
            parsed.rows[kind] += rows
    unique = {kind: list({tuple(sorted(r.fields.items())): r for r in rows[::-1]}.values())[::-1] for kind, rows in parsed.rows.items()}
    facts = cdr_facts(unique[CDR]) + cel_facts(unique[CEL], inbound) + freeswitch_facts(unique[LEG], inbound)
    out = Records(warnings=parsed.warnings)
    notes = {f"{w.file}:{w.line}": str(w) for w in parsed.warnings}
    for f in facts:
        f = replace(f, notes=tuple(notes[w] for w in f.where if w in notes))
        if not f.keys:
            out.undated.append(f)
        for key in f.keys:
            out.calls.setdefault(key, []).append(f)
    for key, found in list(out.calls.items()):
        sources = [f.source for f in found]
        if len(set(sources)) < len(sources):
            # A userfield or call_id shared by several calls names none of them for sure.
            del out.calls[key]
            out.warnings.append(PbxWarning(", ".join(sorted({w.rsplit(":", 1)[0] for f in found for w in f.where})), None,
                                           f"id {key!r} names {len(found)} different calls: not matched to any recording"))
    return out
