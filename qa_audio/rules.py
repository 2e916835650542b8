"""Rule packs: the service standard as data (`rules/*.toml`), validated on load.

A rule names conditions and combines them with `and` / `or` / `not` expressions:
`applies` (else the rule is N/A) and `passes`. Conditions are of three kinds:

- `said`: phrases (or `@collection`s) with any / all / none / at_least N, a speaker, a time
  window (first / last N s of the call, an absolute range, or before / after / within N s of
  another condition's hit or a timeline event), fuzzy matching and a NOTIN exclusion list;
- `near`: two phrase lists within N characters of each other in one utterance;
- `metric`: a timeline or transcript figure compared with a value or a `$setting`.

Any error names the file, the line and the reason.
"""

from __future__ import annotations

import ast
import hashlib
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from . import settings as registry
from .errors import QaAudioError
from .matching import is_template, template_error

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# The standard pack ships in the wheel as qa_audio/packs/; in a checkout that folder is a
# link to rules/, so errors name rules/standard_zh.toml, the file a QA lead edits.
RULES_DIR = Path(str(resources.files("qa_audio") / "packs")).resolve()
DEFAULT_PACK = RULES_DIR / "standard_zh.toml"

SPEAKERS = ("agent", "customer", "any")
MATCH_MODES = ("any", "all", "none", "at_least")
OPS = ("<", "<=", ">", ">=", "==", "!=")
EVENTS = ("answer", "hold_start", "hold_end", "hangup", "transfer")
METRICS = {
    "answer_delay_s": "seconds from the first ring to pickup",
    "ring_count": "rings before pickup",
    "hold_count": "number of holds",
    "hold_max_s": "longest hold, seconds",
    "hold_total_s": "all holds together, seconds",
    "longest_silence_s": "longest dead air after pickup (holds excluded), seconds",
    "interruptions": "agent starts while the customer speaks (>= 1 s overlap)",
    "overtalk_count": "stretches where both sides speak",
    "agent_talk_share": "agent talk time / all talk time (stereo only)",
    "agent_speech_rate_cpm": "agent characters per minute of agent speech",
    "customer_spoke": "1 when the customer said anything, else 0",
    "agent_first_words_s": "seconds from pickup to the agent's first words",
    "nin_share": "您 / (您 + 你) in the agent's speech",
    "is_holiday": "1 on a configured holiday, else 0",
    "call_hour": "hour of day the call started (from metadata)",
    "duration_s": "recording length, seconds",
    "hangup_by": "'agent', 'customer' (unknown when neither audio nor PBX shows it)",
    "transfer_count": "transfers in the PBX record (0 without one: the audio cannot show a transfer)",
}


class RuleError(QaAudioError):
    """A rule file is invalid; the message names the file, line and reason."""


@dataclass(frozen=True)
class Said:
    """A `said` condition: the phrases (or @collections) one side says, with `match` any, all,
    none or at_least `n`; where in the call (first_s / last_s after pickup or before the end,
    from_s / to_s, or within_s after / before an event or another condition), fuzzy matching
    down to `min_quality` (0-1), and `not_in` wordings that do not count.
    """

    phrases: tuple[str, ...]
    match: str = "any"
    n: int = 1
    by: str = "agent"
    first_s: float | None = None
    last_s: float | None = None
    from_s: float | None = None
    to_s: float | None = None
    after: str | None = None
    before: str | None = None
    within_s: float | None = None
    fuzzy: bool = True
    min_quality: float = 0.8
    whole_word: bool = False
    not_in: tuple[str, ...] = ()
    # False keeps the strict matcher (homophones and the classic sound pairs only): for
    # phrases whose hit is a violation, a looser matcher must not invent one.
    learned: bool = True
    # A hit with one of these words just before it in its clause is denied, not said.
    negated_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Near:
    """A `near` condition: a phrase of `a` and a phrase of `b` said by one side within
    `within_chars` characters of each other, matched fuzzily down to `min_quality` (0-1).
    """

    a: tuple[str, ...]
    b: tuple[str, ...]
    within_chars: int = 10
    by: str = "agent"
    fuzzy: bool = True
    min_quality: float = 0.8
    learned: bool = True
    # b must come after a (你怎么…不知道 is a reproach; 我不知道您怎么称呼 is not)
    ordered: bool = False


@dataclass(frozen=True)
class Metric:
    """A `metric` condition: a timeline or talk metric (`scoring.metrics`) compared with
    `value` by `op` (<, <=, >, >=, ==, !=); an unknown metric is never a pass.
    """

    name: str
    op: str
    value: float | str


Condition = Said | Near | Metric


@dataclass(frozen=True)
class Rule:
    """One checkable requirement: its id, title, section and points; its named conditions;
    `passes` (and `applies`: otherwise N/A), boolean expressions over the conditions' names;
    whether a failure fails the whole call (`critical`); and the standard it checks (clause
    and source).
    """

    id: str
    title: str
    section: str
    points: float
    conditions: dict[str, Condition]
    passes: str
    applies: str | None = None
    critical: bool = False
    standard: str = ""
    source: str = ""
    description: str = ""


@dataclass(frozen=True)
class Section:
    """A section of the scorecard (opening, hold, ...): its id, title and weight in the score."""

    id: str
    title: str
    weight: float


@dataclass
class RulePack:
    """A loaded rule pack (`load`): its name, version and content hash, the pass score, the
    engine settings (checked against `qa_audio.settings`), phrase collections, holiday
    greetings by date, sections and rules. Every scorecard records the name, version and hash
    it was made with.
    """

    name: str
    version: str
    hash: str
    path: Path
    pass_score: float
    min_logprob: float
    min_role_confidence: float
    settings: dict  # [settings] and [pack] over the registry's defaults (qa_audio.settings), checked
    collections: dict[str, tuple[str, ...]]
    holidays: dict[str, tuple[str, ...]]
    sections: dict[str, Section]
    rules: list[Rule] = field(default_factory=list)

    def hotwords(self, limit: int = 40) -> str:
        """The pack's service phrases as a Whisper `hotwords` prompt, shortest first."""
        names = self.settings["hotword_collections"]
        words = {p for n in names for p in self.collections.get(n, ()) if not is_template(p)}
        return " ".join(sorted(words, key=lambda w: (len(w), w))[:limit])

    def rule(self, rule_id: str) -> Rule:
        """The rule with id `rule_id`.

        Raises KeyError when the pack has none.
        """
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


class _Locator:
    """Line numbers for keys of the i-th [[rule]] table, for error messages."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = text.splitlines()

    def rule_line(self, index: int) -> int:
        seen = -1
        for no, line in enumerate(self.lines, start=1):
            if line.strip() == "[[rule]]":
                seen += 1
                if seen == index:
                    return no
        return 1

    def key_line(self, rule_index: int | None, key: str) -> int:
        start = self.rule_line(rule_index) if rule_index is not None else 1
        # `key = ...`, a dotted `conditions.key = ...`, or a table header naming the key.
        pattern = re.compile(rf"^\s*(\[+[^\]]*\b{re.escape(key)}\b[^\]]*\]+|(?:[\w-]+\.)*{re.escape(key)}\s*=)")
        for no in range(start, len(self.lines) + 1):
            line = self.lines[no - 1]
            if no > start and line.strip() == "[[rule]]":
                break
            if pattern.search(line):
                return no
        return start

    def fail(self, line: int, reason: str) -> RuleError:
        return RuleError(f"{self.path}:{line}: {reason}")


def load(path: str | Path = DEFAULT_PACK) -> RulePack:
    """A rule pack read and checked: TOML (UTF-8, a byte-order mark allowed), every rule's
    conditions, expressions, phrase templates and settings.

    Args:
        path: the pack's .toml file (default: the standard pack shipped in the package).

    Returns:
        The RulePack, with `hash` the SHA-256 of the file's text (first 16 hex digits).

    Raises:
        RuleError: the file cannot be read, is not UTF-8 or TOML, or a rule or setting is
            invalid; the message is `file:line: reason`.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RuleError(f"{path}: cannot read rule file ({exc.strerror})") from exc
    try:
        # Editors on Windows save UTF-8 with a byte-order mark, which TOML does not allow.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RuleError(f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8") from exc
    loc = _Locator(path, text)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise loc.fail(int(m.group(1)) if m else 1, f"TOML syntax error: {exc}") from exc
    except RecursionError as exc:
        raise loc.fail(1, "TOML nested too deeply") from exc
    return _build(raw, loc, hashlib.sha256(text.encode()).hexdigest()[:16])


def _build(raw: dict, loc: _Locator, digest: str) -> RulePack:
    pack_meta = _table(raw, "pack", loc, None)
    for key in ("name", "version"):
        if not isinstance(pack_meta.get(key), str):
            raise loc.fail(loc.key_line(None, "pack"), f"[pack] needs a string '{key}'")
    fail = lambda key, reason: loc.fail(loc.key_line(None, key), reason)  # noqa: E731
    referenced = _referenced(raw.get("rule", []))
    settings = registry.validate("settings", _table(raw, "settings", loc, None, required=False), referenced, fail)
    settings |= registry.validate("pack", pack_meta, referenced, fail)
    collections = {}
    for name, items in _table(raw, "phrases", loc, None, required=False).items():
        if not (isinstance(items, list) and items and all(isinstance(i, str) and i for i in items)):
            raise loc.fail(loc.key_line(None, name), f"phrase collection '{name}' must be a non-empty list of strings")
        collections[name] = tuple(items)
    written = dict(collections)
    for name, items in written.items():
        fail_here = lambda reason, name=name: loc.fail(loc.key_line(None, name), f"phrase collection '{name}': {reason}")  # noqa: E731
        collections[name] = tuple(_expand(p, written, settings["template_gap_chars"], fail_here) for p in items)
    _check_collections(settings, collections, raw, loc)
    holidays = {}
    for day, greetings in _table(raw, "holidays", loc, None, required=False).items():
        if not _is_day(day):
            raise loc.fail(loc.key_line(None, f'"{day}"'), f"holiday date '{day}' must be a real MM-DD or YYYY-MM-DD date")
        greetings = greetings if isinstance(greetings, list) else [greetings]
        if not all(isinstance(g, str) and g for g in greetings):
            raise loc.fail(loc.key_line(None, f'"{day}"'), f"holiday '{day}': greetings must be non-empty strings")
        holidays[day] = tuple(greetings)
    sections = {}
    for i, sec in enumerate(raw.get("section", [])):
        if not isinstance(sec.get("id"), str) or not isinstance(sec.get("weight"), (int, float)):
            raise loc.fail(loc.key_line(None, "[[section]]"), f"section #{i + 1} needs a string 'id' and a numeric 'weight'")
        sections[sec["id"]] = Section(sec["id"], sec.get("title", sec["id"]), float(sec["weight"]))
    if not sections:
        raise loc.fail(1, "a rule pack needs at least one [[section]]")
    pack = RulePack(
        name=pack_meta["name"],
        version=pack_meta["version"],
        hash=digest,
        path=loc.path,
        pass_score=float(settings["pass_score"]),
        min_logprob=float(settings["min_avg_logprob"]),
        min_role_confidence=float(settings["min_role_confidence"]),
        settings=settings,
        collections=collections,
        holidays=holidays,
        sections=sections,
    )
    seen = set()
    for i, spec in enumerate(raw.get("rule", [])):
        rule = _rule(spec, i, pack, loc)
        if rule.id in seen:
            raise loc.fail(loc.rule_line(i), f"duplicate rule id '{rule.id}'")
        seen.add(rule.id)
        pack.rules.append(rule)
    if not pack.rules:
        raise loc.fail(1, "a rule pack needs at least one [[rule]]")
    return pack


def _check_collections(settings: dict, collections: dict, raw: dict, loc: _Locator) -> None:
    """Settings that name phrase collections name declared ones (when the pack sets them:
    a pack without the standard's collections just leaves those lines unmatched)."""
    for s in registry.SETTINGS:
        if s.unit == "collection" and s.name in raw.get("settings", {}):
            names = settings[s.name] if isinstance(settings[s.name], list) else [settings[s.name]]
            missing = [n for n in names if n not in collections]
            if missing:
                raise loc.fail(loc.key_line(None, s.name), f"[settings] {s.name} names '{missing[0]}', which is not a collection under [phrases]")


def _referenced(specs) -> set[str]:
    """Names the rules refer to as `"$name"`, anywhere in their tables."""
    found: set[str] = set()
    stack = [specs]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack += item.values()
        elif isinstance(item, list):
            stack += item
        elif isinstance(item, str) and item.startswith("$"):
            found.add(item[1:])
    return found


def _is_day(text: str) -> bool:
    if not re.fullmatch(r"(\d{4}-)?\d{2}-\d{2}", text):
        return False
    try:
        # A year-less date is checked in a leap year, so 02-29 stays allowed.
        date.fromisoformat(text if len(text) == 10 else f"2000-{text}")
    except ValueError:
        return False
    return True


def _table(raw: dict, key: str, loc: _Locator, rule_index: int | None, required: bool = True) -> dict:
    value = raw.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise loc.fail(loc.key_line(rule_index, key), f"'{key}' must be a table")
    return value


_RULE_KEYS = {"id", "title", "section", "points", "critical", "standard", "source", "description", "applies", "passes", "conditions"}


def _rule(spec: dict, i: int, pack: RulePack, loc: _Locator) -> Rule:
    line = loc.rule_line(i)
    rid = spec.get("id")
    if not isinstance(rid, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", rid):
        raise loc.fail(line, "rule needs an 'id' of lower-case letters, digits and underscores")
    unknown = set(spec) - _RULE_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise loc.fail(loc.key_line(i, key), f"rule '{rid}': unknown key '{key}' (allowed: {', '.join(sorted(_RULE_KEYS))})")
    if spec.get("section") not in pack.sections:
        raise loc.fail(loc.key_line(i, "section"), f"rule '{rid}': section '{spec.get('section')}' is not a declared [[section]]")
    points = spec.get("points", 1)
    if not isinstance(points, (int, float)) or points < 0:
        raise loc.fail(loc.key_line(i, "points"), f"rule '{rid}': 'points' must be a number >= 0")
    conds_raw = spec.get("conditions")
    if not isinstance(conds_raw, dict) or not conds_raw:
        raise loc.fail(line, f"rule '{rid}': needs a [rule.conditions] table with at least one condition")
    conditions = {name: _condition(rid, name, c, i, pack, loc) for name, c in conds_raw.items()}
    for name, cond in conditions.items():
        if isinstance(cond, Said):
            for anchor in (cond.after, cond.before):
                if anchor and anchor not in conditions and anchor not in EVENTS:
                    raise loc.fail(loc.key_line(i, name), f"rule '{rid}': condition '{name}' anchors to '{anchor}', which is neither a condition of this rule nor an event ({', '.join(EVENTS)})")
                if anchor == name:
                    raise loc.fail(loc.key_line(i, name), f"rule '{rid}': condition '{name}' cannot anchor to itself")
    passes = spec.get("passes")
    if not isinstance(passes, str):
        raise loc.fail(line, f"rule '{rid}': needs a 'passes' expression, e.g. passes = \"greeting and not rude\"")
    _check_expr(passes, conditions, rid, "passes", loc, i)
    applies = spec.get("applies")
    if applies is not None:
        _check_expr(applies, conditions, rid, "applies", loc, i)
    return Rule(
        id=rid,
        title=spec.get("title", rid),
        section=spec["section"],
        points=float(points),
        conditions=conditions,
        passes=passes,
        applies=applies,
        critical=bool(spec.get("critical", False)),
        standard=spec.get("standard", ""),
        source=spec.get("source", ""),
        description=spec.get("description", ""),
    )


_SAID_KEYS = {"said", "match", "n", "by", "first_s", "last_s", "from_s", "to_s", "after", "before", "within_s", "fuzzy", "min_quality", "whole_word", "not_in", "learned", "negated_by"}
_NEAR_KEYS = {"near", "within_chars", "by", "fuzzy", "min_quality", "learned", "ordered"}
_METRIC_KEYS = {"metric", "op", "value"}


def _condition(rid: str, name: str, c: dict, i: int, pack: RulePack, loc: _Locator) -> Condition:
    line = loc.key_line(i, name)

    def fail(reason: str) -> RuleError:
        return loc.fail(line, f"rule '{rid}', condition '{name}': {reason}")

    if not isinstance(c, dict):
        raise fail("must be a table such as { said = [\"您好\"], by = \"agent\" }")
    kinds = [k for k in ("said", "near", "metric") if k in c]
    if len(kinds) != 1:
        raise fail("needs exactly one of 'said', 'near' or 'metric'")
    kind = kinds[0]
    allowed = {"said": _SAID_KEYS, "near": _NEAR_KEYS, "metric": _METRIC_KEYS}[kind]
    extra = set(c) - allowed
    if extra:
        raise fail(f"unknown key '{sorted(extra)[0]}' for a '{kind}' condition (allowed: {', '.join(sorted(allowed))})")
    by = c.get("by", "agent")
    if by not in SPEAKERS:
        raise fail(f"'by' must be one of {', '.join(SPEAKERS)}")
    if kind == "metric":
        metric = c["metric"]
        if metric not in METRICS:
            raise fail(f"unknown metric '{metric}' (known: {', '.join(sorted(METRICS))})")
        if c.get("op") not in OPS:
            raise fail(f"'op' must be one of {' '.join(OPS)}")
        value = _setting(c.get("value"), pack, fail)
        if not isinstance(value, (int, float, str)) or isinstance(value, bool):
            raise fail("'value' must be a number, a string or a $setting")
        return Metric(metric, c["op"], value)
    if kind == "near":
        pair = c["near"]
        if not (isinstance(pair, list) and len(pair) == 2):
            raise fail("'near' must be two phrase lists: near = [[\"a\"], [\"b\"]]")
        return Near(
            _phrases(pair[0], pack, fail), _phrases(pair[1], pack, fail), _count(c, "within_chars", 10, 0, fail), by,
            _flag(c, "fuzzy", True, fail), _quality(c, fail), _flag(c, "learned", True, fail), _flag(c, "ordered", False, fail),
        )
    match = c.get("match", "any")
    if match not in MATCH_MODES:
        raise fail(f"'match' must be one of {', '.join(MATCH_MODES)}")
    windows = {k: _number(_setting(c.get(k), pack, fail), k, fail) for k in ("first_s", "last_s", "from_s", "to_s", "within_s")}
    if (c.get("after") or c.get("before")) and windows["within_s"] is None:
        raise fail("'after' / 'before' need 'within_s'")
    return Said(
        phrases=_phrases(c["said"], pack, fail),
        match=match,
        n=_count(c, "n", 1, 1, fail),
        by=by,
        first_s=windows["first_s"],
        last_s=windows["last_s"],
        from_s=windows["from_s"],
        to_s=windows["to_s"],
        after=c.get("after"),
        before=c.get("before"),
        within_s=windows["within_s"],
        fuzzy=_flag(c, "fuzzy", True, fail),
        min_quality=_quality(c, fail),
        whole_word=_flag(c, "whole_word", False, fail),
        not_in=_phrases(c.get("not_in", []), pack, fail, allow_empty=True),
        learned=_flag(c, "learned", True, fail),
        negated_by=_phrases(c.get("negated_by", []), pack, fail, allow_empty=True),
    )


def _phrases(items, pack: RulePack, fail, allow_empty: bool = False) -> tuple[str, ...]:
    if isinstance(items, str):
        items = [items]
    if not isinstance(items, list) or not all(isinstance(p, str) and p for p in items) or (not items and not allow_empty):
        raise fail("phrases must be a list of non-empty strings or @collections")
    out: list[str] = []
    for p in items:
        if p == "@holiday_greeting":
            out.append(p)  # resolved per call from [holidays]
        elif p.startswith("@"):
            if p[1:] not in pack.collections:
                raise fail(f"unknown phrase collection '{p}' (declare it under [phrases])")
            out += pack.collections[p[1:]]
        else:
            out.append(_expand(p, pack.collections, pack.settings["template_gap_chars"], fail))
    return tuple(out)


_COLLECTION_SLOT = re.compile(r"\{@(\w+)\}")


def _expand(phrase: str, collections: dict, gap_chars: int, fail) -> str:
    """A phrase with its {@collection} slots written out as {a|b|c} and a bare {gap} as
    {gap:N} (the pack's template_gap_chars), checked as a template."""

    def words(m: re.Match) -> str:
        name = m.group(1)
        if name not in collections:
            raise fail(f"phrase '{phrase}': unknown phrase collection '@{name}' (declare it under [phrases])")
        if any(is_template(w) or "|" in w for w in collections[name]):
            raise fail(f"phrase '{phrase}': '@{name}' holds templates; a {{@collection}} slot takes plain phrases")
        return "{" + "|".join(collections[name]) + "}"

    out = _COLLECTION_SLOT.sub(words, phrase).replace("{gap}", f"{{gap:{gap_chars}}}")
    why = template_error(out)
    if why:
        raise fail(f"phrase '{phrase}': {why}")
    return out


def _setting(value, pack: RulePack, fail):
    if isinstance(value, str) and value.startswith("$"):
        if value[1:] not in pack.settings:
            raise fail(f"unknown setting '{value}' (declare it under [settings])")
        return pack.settings[value[1:]]
    return value


def _count(c: dict, key: str, default: int, least: int, fail) -> int:
    value = c.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise fail(f"'{key}' must be a whole number >= {least}, not {value!r}")
    return value


def _flag(c: dict, key: str, default: bool, fail) -> bool:
    value = c.get(key, default)
    if not isinstance(value, bool):
        raise fail(f"'{key}' must be true or false, not {value!r}")
    return value


def _quality(c: dict, fail) -> float:
    value = c.get("min_quality", 0.8)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise fail(f"'min_quality' must be a number from 0 to 1 (1.0 exact, 0.85 similar sounds), not {value!r}")
    return float(value)


def _number(value, key: str, fail) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise fail(f"'{key}' must be a number of seconds >= 0")
    return float(value)


# Deeper and/or/not nesting than any real rule needs; Python's parser and the evaluator
# recurse, and 5,000 nested `not` overflowed them.
_MAX_EXPR_DEPTH = 30


def _check_expr(expr: str, conditions: dict, rid: str, key: str, loc: _Locator, i: int) -> None:
    try:
        tree = ast.parse(expr, mode="eval")
    except (SyntaxError, RecursionError, MemoryError) as exc:
        reason = exc.msg if isinstance(exc, SyntaxError) else "nested too deeply"
        raise loc.fail(loc.key_line(i, key), f"rule '{rid}': '{key}' is not a valid expression ({reason})") from exc
    if _depth(tree) > _MAX_EXPR_DEPTH:
        raise loc.fail(loc.key_line(i, key), f"rule '{rid}': '{key}' nests and/or/not more than {_MAX_EXPR_DEPTH} deep")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in conditions:
                raise loc.fail(loc.key_line(i, key), f"rule '{rid}': '{key}' names '{node.id}', which is not one of its conditions ({', '.join(conditions)})")
        elif not isinstance(node, (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.Load)):
            raise loc.fail(loc.key_line(i, key), f"rule '{rid}': '{key}' may only use condition names, and, or, not, parentheses")


def _depth(tree: ast.AST) -> int:
    """How deep the operators nest, counted without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack += [(child, d + 1) for child in ast.iter_child_nodes(node)]
    return deepest


def evaluate_expr(expr: str, values: dict[str, bool | None]) -> bool | None:
    """Kleene three-valued logic: None (unknown) propagates unless the result is decided."""
    return _eval(ast.parse(expr, mode="eval").body, values)


def _eval(node, values):
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, values)
        return None if v is None else not v
    parts = [_eval(v, values) for v in node.values]
    if isinstance(node.op, ast.And):
        return False if False in parts else (None if None in parts else True)
    return True if True in parts else (None if None in parts else False)
