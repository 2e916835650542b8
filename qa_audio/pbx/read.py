"""PBX record files read by what is in them, never by their name.

XML is a FreeSWITCH xml_cdr; JSON a document, a list, or one record per line (JSON lines:
cdr_custom / cel_custom `format = json`, cdr_custom.conf.sample:127-141); anything else is
delimiter-separated, with a header or in one of the known layouts (`layouts.py`). Each
record becomes a `Row` of a kind (Asterisk CDR, Asterisk CEL, FreeSWITCH leg); what cannot
be read becomes a warning with file and line.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from . import layouts
from .layouts import CDR, CEL, Layout
from .records import PbxWarning, Row, instant

LEG = "freeswitch"

# ast_cdr_disp2str (main/cdr.c:3575-3592), and the numbers of disposition(int64)
# (include/asterisk/cdr.h:258-263).
DISPOSITIONS = {"NO ANSWER": "NO ANSWER", "FAILED": "FAILED", "BUSY": "BUSY", "ANSWERED": "ANSWERED", "CONGESTION": "CONGESTION",
                "0": "NO ANSWER", "1": "NO ANSWER", "2": "FAILED", "4": "BUSY", "8": "ANSWERED", "16": "CONGESTION"}
CEL_EVENTS = {
    "CHAN_START", "CHAN_END", "HANGUP", "ANSWER", "APP_START", "APP_END", "BRIDGE_ENTER", "BRIDGE_EXIT", "BRIDGE_START",
    "BRIDGE_END", "PARK_START", "PARK_END", "BLINDTRANSFER", "ATTENDEDTRANSFER", "TRANSFER", "USER_DEFINED", "LINKEDID_END",
    "PICKUP", "FORWARD", "LOCAL_OPTIMIZE", "LOCAL_OPTIMIZE_BEGIN", "STREAM_BEGIN", "STREAM_END", "DTMF", "HOOKFLASH",
    "CONF_START", "CONF_END", "CONF_ENTER", "CONF_EXIT", "3WAY_START", "3WAY_END",
}


@dataclass
class Parsed:
    """What one PBX file held: rows by kind (Asterisk CDR, Asterisk CEL, FreeSWITCH leg) and warnings."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {CDR: [], CEL: [], LEG: []})
    warnings: list[PbxWarning] = field(default_factory=list)

    def add(self, kind: str, row: Row) -> None:
        """Keep one row of the given kind."""
        self.rows[kind].append(row)


def read_file(path: Path, layout: Layout | None = None) -> Parsed:
    """The rows of one PBX record file, read by its content (XML, JSON, JSON lines or
    delimiter-separated; `layout` for a headerless CSV). Never raises for bad content: what
    cannot be read becomes a warning with file and line.
    """
    out = Parsed()
    try:
        data = path.read_bytes()
    except OSError as exc:
        out.warnings.append(PbxWarning(str(path), None, f"cannot read ({exc.strerror})"))
        return out
    if b"\0" in data[:4096]:
        out.warnings.append(PbxWarning(str(path), None, "a binary file, not a PBX record"))
        return out
    text = data.decode("utf-8-sig", errors="replace")
    head = text.lstrip()[:1]
    if not head:
        return out
    if head == "<":
        _xml(path, text, out)
    elif head in "{[":
        _json(path, text, out)
    else:
        _delimited(path, text, layout, out)
    return out


def invalid(fields: dict[str, str], kind: str) -> str | None:
    """Why a record is not a readable CDR / CEL row, or None when it is."""
    try:
        if kind == CDR:
            if fields.get("disposition", "").upper() not in DISPOSITIONS:
                return f"disposition {fields.get('disposition', '')!r} is not a CDR disposition"
            if instant(fields.get("start", "")) is None:
                return "no start time"
            for name in ("answer", "end"):
                instant(fields.get(name, ""))
        else:
            event = fields.get("eventtype", "").upper()
            if event not in CEL_EVENTS and not event.isdigit():
                return f"event type {fields.get('eventtype', '')!r} is not a CEL event"
            if instant(fields.get("eventtime", "")) is None:
                return "no event time"
    except ValueError as exc:
        return f"unreadable time ({exc})"
    if "uniqueid" in fields and not fields["uniqueid"]:
        return "empty uniqueid"
    return None


def _keep(out: Parsed, kind: str, fields: dict[str, str], file: str, line: int, note: str = "") -> None:
    reason = invalid(fields, kind) if kind != LEG else None
    if reason:
        out.warnings.append(PbxWarning(file, line, f"not read as an Asterisk {kind.upper()} record: {reason}"))
        return
    if note:
        out.warnings.append(PbxWarning(file, line, note))
    out.add(kind, Row(fields, file, line))


# --- JSON and XML ---------------------------------------------------------------------------

def _json(path: Path, text: str, out: Parsed) -> None:
    try:
        docs = [(1, json.loads(text))]
    except json.JSONDecodeError as exc:
        if not exc.msg.startswith("Extra data"):
            out.warnings.append(PbxWarning(str(path), exc.lineno, f"not JSON: {exc.msg}"))
            return
        docs = []
        for no, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    docs.append((no, json.loads(line)))
                except json.JSONDecodeError as line_exc:
                    out.warnings.append(PbxWarning(str(path), no, f"not a JSON record: {line_exc.msg}"))
    for no, doc in docs:
        for item in doc if isinstance(doc, list) else [doc]:
            _json_record(path, no, item, out)


def _json_record(path: Path, line: int, item, out: Parsed) -> None:
    if not isinstance(item, dict):
        out.warnings.append(PbxWarning(str(path), line, "a JSON record must be an object"))
        return
    if "variables" in item or "channel_data" in item or "uuid" in item:
        out.add(LEG, Row(_freeswitch_json(item), str(path), line))
        return
    fields = {layouts.canonical(k): _text(v) for k, v in item.items()}
    kind = CEL if "eventtype" in fields else CDR if "disposition" in fields else None
    if kind is None:
        out.warnings.append(PbxWarning(str(path), line, "neither a CDR (disposition), a CEL event (eventtype) nor a FreeSWITCH CDR (variables)"))
        return
    _keep(out, kind, fields, str(path), line)


def _text(value) -> str:
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value).strip()


def _freeswitch_json(cdr: dict) -> dict[str, str]:
    """mod_json_cdr: variables URL-encoded unless encode-values=false (switch_ivr.c:3304-3320,
    json_cdr.conf.xml `encode-values` default true)."""
    v = cdr.get("variables", cdr)
    fields = {k: unquote(str(x)) for k, x in v.items() if not isinstance(x, (dict, list))}
    direction = (cdr.get("channel_data") or {}).get("direction")
    if direction:
        fields.setdefault("direction", direction)
    flows = cdr.get("callflow") or []
    for flow in flows if isinstance(flows, list) else [flows]:
        _callflow_times(fields, (flow or {}).get("times") or {})
    return fields


def _callflow_times(fields: dict[str, str], times: dict) -> None:
    # callflow times are microseconds (switch_ivr.c:3524-3557); variables win where present.
    for src, dst in (("created_time", "start_uepoch"), ("answered_time", "answer_uepoch"), ("hangup_time", "end_uepoch")):
        value = str(times.get(src) or "")
        if value.strip("0") and not fields.get(dst, "").strip("0"):
            fields[dst] = value


def _xml(path: Path, text: str, out: Parsed) -> None:
    """mod_xml_cdr: <cdr><channel_data><direction/>…</channel_data><variables><name>value…
    </variables><callflow><times>… (switch_ivr.c:2862-3190); values URL-encoded."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        out.warnings.append(PbxWarning(str(path), exc.position[0], f"not XML: {exc}"))
        return
    cdrs = [root] if root.tag == "cdr" else root.findall(".//cdr")
    if not cdrs:
        out.warnings.append(PbxWarning(str(path), 1, f"XML <{root.tag}> holds no FreeSWITCH <cdr>"))
    for cdr in cdrs:
        fields = {child.tag: unquote(child.text or "") for child in cdr.findall("variables/*")}
        direction = cdr.findtext("channel_data/direction")
        if direction:
            fields.setdefault("direction", direction)
        for times in cdr.findall("callflow/times"):
            _callflow_times(fields, {t.tag: t.text for t in times})
        out.add(LEG, Row(fields, str(path), 1))


# --- delimiter-separated ----------------------------------------------------------------------

def _delimited(path: Path, text: str, layout: Layout | None, out: Parsed) -> None:
    file = str(path)
    delimiter = _sniff_delimiter(text, layout.delimiter if layout else None)
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                records.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        out.warnings.append(PbxWarning(file, line, f"CSV stops being readable here: {exc}"))
    if not records:
        return
    header = [layouts.canonical(c) for c in records[0][1]]
    if sum(h in layouts.KNOWN for h in header) >= max(2, len(header) // 2):
        kind = CEL if "eventtype" in header else CDR
        _rows_by(out, file, records[1:], lambda n: Layout("header", kind, tuple(header)), by_header=True)
        return
    choose = _chooser(records, ([layout] if layout else []) + layouts.BUILTIN)
    part = Parsed()
    _rows_by(part, file, records, choose, by_header=False)
    if any(part.rows.values()) or len(part.warnings) <= 1:
        out.warnings += part.warnings
        for kind, rows in part.rows.items():
            out.rows[kind] += rows
    else:
        # Not records at all (a README beside them, say): one warning, not one per line.
        first = part.warnings[0]
        out.warnings.append(PbxWarning(file, first.line, f"no PBX record in {len(records)} rows (first: {first.reason})"))


def _sniff_delimiter(text: str, preferred: str | None) -> str:
    """The separator of the first line (outside quotes): the layout's own where it occurs."""
    first = re.sub(r'"[^"]*"', "", text.lstrip().splitlines()[0])
    if preferred and preferred in first:
        return preferred
    return max([",", "\t", ";", "|"], key=first.count)


def _chooser(records: list[tuple[int, list[str]]], candidates: list[Layout]):
    """For each row length, the layout of that many columns under which most rows read; on a
    tie the first of `candidates` (the user's --pbx-format comes first)."""
    by_len: dict[int, list[list[str]]] = {}
    for _, cells in records:
        by_len.setdefault(len(cells), []).append(cells)
    best: dict[int, Layout | None] = {}
    for n, rows in by_len.items():
        scored = [
            (sum(invalid(_fields(lay, cells), lay.kind) is None for cells in rows[:50]), -i, lay)
            for i, lay in enumerate(candidates) if len(lay.columns) == n
        ]
        top = max(scored, default=None, key=lambda s: s[:2])
        best[n] = top[2] if top and top[0] else None
    return best.get


def _fields(lay: Layout, cells: list[str]) -> dict[str, str]:
    return {c: v.strip() for c, v in zip(lay.columns, cells) if c}


def _rows_by(out: Parsed, file: str, records, choose, by_header: bool) -> None:
    for line, cells in records:
        lay = choose(len(cells))
        if lay is None:
            known = sorted({len(l.columns) for l in layouts.BUILTIN})
            out.warnings.append(PbxWarning(file, line, f"{len(cells)} fields match no layout that reads them (built in: {', '.join(map(str, known))} columns); name yours with --pbx-format"))
            continue
        n = len(lay.columns)
        if len(cells) < n:
            out.warnings.append(PbxWarning(file, line, f"only {len(cells)} of the {n} fields of {'the header' if by_header else lay.name}: row skipped"))
            continue
        note = f"{len(cells)} fields, {'the header has' if by_header else lay.name + ' has'} {n}: the extra fields were ignored" if len(cells) > n else ""
        _keep(out, lay.kind, _fields(lay, cells), file, line, note)
