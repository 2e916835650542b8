"""The settings registry: one declaration per setting, the pack's values checked against it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa_audio import rules, settings
from qa_audio.cli import app

PACKAGE = Path(settings.__file__).parent


def _pack(tmp_path: Path, settings_lines: str, rule_value: str = "1") -> Path:
    path = tmp_path / "p.toml"
    path.write_text(
        '[pack]\nname = "t"\nversion = "1"\n[settings]\n'
        + settings_lines
        + '\n[[section]]\nid = "s"\nweight = 1\n'
        + f'[[rule]]\nid = "r"\nsection = "s"\npasses = "c"\nconditions.c = {{ metric = "ring_count", op = "<=", value = {rule_value} }}\n',
        encoding="utf-8",
    )
    return path


def test_every_setting_the_engine_reads_is_declared():
    # A setting read by a name the registry lacks would raise KeyError on the first call.
    read = {m for f in PACKAGE.rglob("*.py") for m in re.findall(r"settings\[\"(\w+)\"\]", f.read_text(encoding="utf-8"))}
    assert read and read <= set(settings.BY_NAME), read - set(settings.BY_NAME)


def test_the_standard_pack_sets_only_declared_settings_and_agrees_with_the_registry():
    pack = rules.load()
    keys = set(tomllib.loads(rules.DEFAULT_PACK.read_text(encoding="utf-8"))["settings"])
    assert keys and keys <= set(settings.BY_NAME)
    assert pack.min_role_confidence == settings.BY_NAME["min_role_confidence"].default == 0.8


def test_a_setting_left_out_takes_the_declared_default(tmp_path):
    pack = rules.load(_pack(tmp_path, "max_hold_s = 60"))
    assert pack.settings["max_hold_s"] == 60
    assert pack.settings["dead_air_s"] == settings.BY_NAME["dead_air_s"].default
    assert pack.pass_score == settings.BY_NAME["pass_score"].default


@pytest.mark.parametrize(
    "line,reason",
    [
        ("dead_air = 30", "unknown setting 'dead_air' (not declared and used by no rule); did you mean 'dead_air_s'?"),
        ('max_rings = "abc"', "[settings] max_rings must be a whole number"),
        ("max_rings = 2.5", "[settings] max_rings must be a whole number"),
        ("dead_air_s = 0", "[settings] dead_air_s must be at least 1"),
        ('pii_audio = "beep"', "[settings] pii_audio must be one of tone, silence, off, not 'beep'"),
        ("keep_raw_transcripts = 1", "[settings] keep_raw_transcripts must be true or false"),
        ("retention_days = 0", "[settings] retention_days must be at least 1"),
        ("min_nin_share = 1.5", "[settings] min_nin_share must be at most 1"),
        ('hotword_collections = "greeting"', "[settings] hotword_collections must be a list of names, e.g. [\"greeting\", \"thanks\"]"),
        ('hold_cue_collection = "hold_please"', "[settings] hold_cue_collection names 'hold_please', which is not a collection under [phrases]"),
        ("max_answer_s = nan", "[settings] max_answer_s must be a number"),
    ],
)
def test_a_bad_setting_names_file_line_and_reason(tmp_path, line, reason):
    path = _pack(tmp_path, "max_hold_s = 60\n" + line)
    with pytest.raises(rules.RuleError) as err:
        rules.load(path)
    assert str(err.value) == f"{path}:6: {reason}"


def test_a_bad_pack_table_value_is_refused(tmp_path):
    path = _pack(tmp_path, "").with_name("p.toml")
    path.write_text(path.read_text(encoding="utf-8").replace('version = "1"', 'version = "1"\npass_score = 120'), encoding="utf-8")
    with pytest.raises(rules.RuleError, match=r"p\.toml:4: \[pack\] pass_score must be at most 100"):
        rules.load(path)


def test_a_misspelt_pack_table_key_is_refused(tmp_path):
    path = _pack(tmp_path, "").with_name("p.toml")
    path.write_text(path.read_text(encoding="utf-8").replace('version = "1"', 'version = "1"\npass_scor = 70'), encoding="utf-8")
    with pytest.raises(rules.RuleError, match=r"p\.toml:4: unknown setting 'pass_scor' .*did you mean 'pass_score'\?"):
        rules.load(path)


def test_a_packs_own_threshold_is_accepted_when_a_rule_uses_it(tmp_path):
    pack = rules.load(_pack(tmp_path, "our_ring_limit = 2", rule_value='"$our_ring_limit"'))
    assert pack.rules[0].conditions["c"].value == 2


def test_rules_settings_lists_every_setting_and_marks_the_packs_changes(tmp_path):
    path = _pack(tmp_path, "max_hold_s = 60\nour_ring_limit = 2", rule_value='"$our_ring_limit"')
    out = CliRunner().invoke(app, ["rules", "settings", "--rules", str(path)])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert all(any(line[1:].startswith(s.name + " ") for line in lines) for s in settings.SETTINGS)
    assert [line.split()[0] for line in lines if line.startswith("*")] == ["*max_hold_s"]
    assert "our_ring_limit = 2" in out.output
    bad = CliRunner().invoke(app, ["rules", "settings", "--rules", str(_pack(tmp_path, "dead_air = 1"))])
    assert bad.exit_code == 1 and "did you mean 'dead_air_s'?" in bad.output and "Traceback" not in bad.output
