"""Column layouts of headerless Asterisk CSV files, and the user's own (`--pbx-format`).

A headerless file is matched to the layouts with its number of columns, and each candidate
is tried on the rows: the one whose times, dispositions and event names read is used.
Citations are to the Asterisk source tree (github asterisk/asterisk; 11.25.3 for the
Asterisk 11 ones).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .records import PbxError

CDR, CEL = "cdr", "cel"

_CDR_CSV = [
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata",
    "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
]
_CDR_CUSTOM = [
    "clid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp", "lastdata", "start", "answer", "end",
    "duration", "billsec", "disposition", "amaflags", "accountcode", "uniqueid", "userfield", "sequence",
]
_CEL_LEGACY = [
    "eventtype", "eventtime", "cid_name", "cid_num", "cid_ani", "cid_rdnis", "cid_dnid", "exten", "context",
    "channame", "appname", "appdata", "amaflags", "accountcode", "uniqueid", "linkedid", "peer", "userfield",
    "userdeftype", "extra",
]


@dataclass(frozen=True)
class Layout:
    """The columns of a headerless Asterisk CSV: its kind (`cdr` or `cel`), column names in
    order ("" for a literal column), where the layout comes from, and the delimiter (None: sniffed).
    """

    name: str
    kind: str  # cdr | cel
    columns: tuple[str, ...]  # "" for a literal column
    source: str = ""
    delimiter: str | None = None  # None: sniffed


def _layout(name: str, kind: str, columns: list[str], source: str) -> Layout:
    return Layout(name, kind, tuple(columns), source)


BUILTIN = [
    _layout("cdr_csv", CDR, _CDR_CSV, "cdr/cdr_csv.c:215-246, loguniqueid and loguserfield off by default (:56-57)"),
    _layout("cdr_csv_uniqueid", CDR, _CDR_CSV + ["uniqueid"], "cdr/cdr_csv.c:248-249, loguniqueid=yes"),
    _layout("cdr_csv_userfield", CDR, _CDR_CSV + ["userfield"], "cdr/cdr_csv.c:251-252, loguserfield=yes"),
    _layout("cdr_csv_sample", CDR, _CDR_CSV + ["uniqueid", "userfield"], "configs/samples/cdr.conf.sample:172-175"),
    _layout("cdr_csv_newcdrcolumns", CDR, _CDR_CSV + ["uniqueid", "userfield", "peeraccount", "linkedid", "sequence"],
            "cdr/cdr_csv.c:253-256 with cdr.conf.sample:174-177"),
    _layout("cdr_csv_newcdrcolumns_only", CDR, _CDR_CSV + ["peeraccount", "linkedid", "sequence"], "cdr/cdr_csv.c:253-256, code defaults"),
    _layout("cdr_custom", CDR, _CDR_CUSTOM, "configs/samples/cdr_custom.conf.sample:39, configs/basic-pbx/cdr_custom.conf:4"),
    _layout("cel_custom", CEL, _CEL_LEGACY, "configs/samples/cel_custom.conf.sample:56"),
    _layout("cel_custom_advanced", CEL, [
        "eventtype", "eventenum", "userdeftype", "", "eventtime", "cid_name", "cid_num", "cid_ani", "cid_rdnis", "cid_dnid",
        "exten", "context", "channame", "appname", "appdata", "amaflags", "accountcode", "uniqueid", "linkedid", "peer",
        "peeraccount", "userfield", "extra", "tenantid"], "configs/samples/cel_custom.conf.sample:101"),
    _layout("cel_custom_advanced_csv", CEL, [
        "eventtype", "eventenum", "", "eventtime", "userdeftype", "cid_name", "cid_num", "exten", "context", "channame",
        "appname", "appdata", "amaflags", "accountcode", "uniqueid", "userfield", "cid_ani", "cid_rdnis", "cid_dnid",
        "peer", "linkedid", "peeraccount", "extra", "tenantid"], "configs/samples/cel_custom.conf.sample:238"),
]

# Names as cdr_custom / cel_custom mappings, database exports and CSV headers spell them.
_ALIASES = {
    "name": "cid_name", "cidname": "cid_name", "callerid_name": "cid_name",
    "num": "cid_num", "cidnum": "cid_num", "callerid_num": "cid_num",
    "ani": "cid_ani", "cidani": "cid_ani", "rdnis": "cid_rdnis", "cidrdnis": "cid_rdnis",
    "dnid": "cid_dnid", "ciddnid": "cid_dnid", "acctcode": "accountcode", "peeracct": "peeraccount",
    "eventextra": "extra", "usereventname": "userdeftype", "calldate": "start", "event_type": "eventtype",
    "event_time": "eventtime", "channel_name": "channame", "linked_id": "linkedid", "unique_id": "uniqueid",
}
KNOWN = {c for lay in BUILTIN for c in lay.columns if c} | {"call_id", "hangupsource"}


def canonical(name: str) -> str:
    """A field name without qualifiers (`uniqueid(noquote)`), case or alias."""
    base = re.sub(r"\(.*\)$", "", name.strip().strip('"').strip()).lower()
    return _ALIASES.get(base, base)


def parse_fields(text: str) -> tuple[str, ...]:
    """The `fields = ...` of a cdr_custom / cel_custom advanced mapping; "literals" become ''.

    Commas separate fields, double quotes mark literals (cdr_custom.conf.sample:118-122).
    """
    out = []
    for part in re.findall(r'"[^"]*"|[^,]+', text):
        part = part.strip()
        out.append("" if part.startswith('"') else canonical(part))
    return tuple(out)


def load(spec: str) -> Layout:
    """A built-in layout by name, or a TOML file: kind = "cdr"|"cel", fields = "..." as in
    the mapping, optional delimiter."""
    for lay in BUILTIN:
        if lay.name == spec:
            return lay
    path = Path(spec)
    if path.suffix.lower() != ".toml":
        raise PbxError(f"unknown PBX format {spec!r}; known: {', '.join(l.name for l in BUILTIN)}, or a .toml layout file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PbxError(f"{path}: cannot read PBX layout ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PbxError(f"{path}: {exc}") from exc
    kind, fields = raw.get("kind"), raw.get("fields")
    if kind not in (CDR, CEL):
        raise PbxError(f"{path}: 'kind' must be \"cdr\" or \"cel\"")
    if isinstance(fields, list):
        fields = ",".join(f if f else '""' for f in fields)
    if not isinstance(fields, str) or not fields.strip():
        raise PbxError(f"{path}: 'fields' must be the mapping's field list, e.g. fields = \"clid,src,dst,...\"")
    columns = parse_fields(fields)
    wanted = {"start", "answer", "disposition"} if kind == CDR else {"eventtype", "eventtime"}
    if not wanted <= set(columns):
        raise PbxError(f"{path}: a {kind} layout needs the fields {', '.join(sorted(wanted))}")
    delimiter = raw.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter.replace("\\t", "\t")) != 1):
        raise PbxError(f"{path}: 'delimiter' must be one character")
    return Layout(path.stem, kind, columns, str(path), delimiter.replace("\\t", "\t") if delimiter else None)
