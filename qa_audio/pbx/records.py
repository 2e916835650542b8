"""What PBX records say about one call, and the rows they are read from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ..errors import QaAudioError

# Whole-second timestamps (cdr_csv's "%Y-%m-%d %T", FreeSWITCH's *_epoch) can be up to this
# far off; a disagreement with the audio is only one beyond this plus the audio's 1 s.
WHOLE_SECOND = 1.0


class PbxError(QaAudioError):
    """A PBX option that cannot work at all (unknown --pbx-format, bad layout file)."""


@dataclass(frozen=True)
class PbxWarning:
    """A record, or a file, that could not be read; the batch goes on without it."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}" if self.line else f"{self.file}: {self.reason}"


@dataclass(frozen=True)
class Row:
    """One record: field name -> text, and where it was read."""

    fields: dict[str, str]
    file: str
    line: int

    def get(self, name: str) -> str:
        """A field's text, "" when the row does not have it or it is empty."""
        return self.fields.get(name) or ""

    @property
    def where(self) -> str:
        """`file:line` of the row, for messages."""
        return f"{self.file}:{self.line}"


def where(rows) -> tuple[str, ...]:
    """The sorted, distinct `file:line` places of some rows, for messages."""
    return tuple(sorted({r.where for r in rows}))


@dataclass(frozen=True)
class Span:
    """Seconds after the agent's answer (PBX clock)."""

    start_s: float
    end_s: float


@dataclass(frozen=True)
class Transfer:
    """A transfer in a PBX record: when (seconds after the agent's answer), blind or attended, and to whom."""

    at_s: float  # seconds after the agent's answer
    kind: str  # blind | attended
    target: str = ""


@dataclass(frozen=True)
class PbxFacts:
    """`None`: the record does not say. `hangup_by = "unknown"`: it says nobody on the call
    ended it (the PBX's dialplan, or a transfer)."""

    call_id: str
    source: str
    answer_delay_s: float | None = None
    hangup_by: str | None = None
    hold_total_s: float | None = None
    answered: bool | None = None
    precision_s: float = 0.0
    holds: tuple[Span, ...] | None = None
    transfers: tuple[Transfer, ...] = ()
    detail: str = ""  # what decided answered / hang-up, for the evidence
    hangup_detail: str = ""
    keys: tuple[str, ...] = ()  # every id the call is known by (uniqueid, linkedid, uuids...)
    started: datetime | None = None  # for records without any id (cdr_csv's defaults)
    where: tuple[str, ...] = ()  # file:line of every row read for the call
    notes: tuple[str, ...] = ()  # warnings about those rows (extra fields ignored, say)


def instant(value: str) -> datetime | None:
    """A PBX timestamp as a naive datetime (local wall clock where the PBX wrote one).

    Asterisk writes "%Y-%m-%d %T" (cdr_csv.c:52), CEL "<seconds>.<microseconds>"
    (main/cel.c:683) or a strftime format; FreeSWITCH *_uepoch in microseconds. Empty or
    zero means "never" (FreeSWITCH writes 0 for a leg never answered).
    """
    value = (value or "").strip()
    if not value or re.fullmatch(r"0+(\.0+)?", value):
        return None
    if re.fullmatch(r"\d+(\.\d+)?", value):
        number = float(value)
        # 1e12 s is the year 33658; above it the number is micro- or milliseconds.
        seconds = number / 1e6 if number > 1e14 else number / 1e3 if number > 1e12 else number
        return datetime.fromtimestamp(seconds)
    when = datetime.fromisoformat(value.replace("/", "-"))
    return when.astimezone().replace(tzinfo=None) if when.tzinfo else when


def has_fraction(value: str) -> bool:
    """Whether a timestamp's text carries sub-second precision (a decimal part, or epoch microseconds)."""
    value = (value or "").strip()
    return bool(re.search(r"\.\d+$", value)) or (value.isdigit() and int(value) > 1e12)


def seconds(later: datetime, earlier: datetime) -> float:
    """Seconds from `earlier` to `later`, rounded to the millisecond."""
    return round((later - earlier).total_seconds(), 3)
