"""One database for the web tests: the four samples through the real CLI and model, and a
user of each role. Built once per test run (both web test modules share it); tests that
change it use calls and rules that no other test checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from qa_audio.store import Store
from qa_audio.web import auth

from .conftest import run_cli

PASSWORD = "correct horse 42"
USERS = {  # name: (role, agent id)
    "admin1": ("admin", None),
    "qa1": ("qa", None),
    "sup1": ("supervisor", None),
    "agent1": ("agent", "a01"),  # c001, c003
    "agent2": ("agent", "a02"),  # c002, c004
    "locked": ("agent", "a01"),  # for the wrong-password lock-out
}
CALLS = {"a01": ("c001", "c003"), "a02": ("c002", "c004")}
_BUILT: dict[str, "WebDb"] = {}


@dataclass(frozen=True)
class WebDb:
    path: Path


@pytest.fixture(scope="session")
def web_db(tmp_path_factory, model_path) -> WebDb:
    # Each test module imports this fixture, which makes it a fixture per module: the
    # memo keeps it one database (and one run of the model) per test run.
    if "db" not in _BUILT:
        path = tmp_path_factory.mktemp("web") / "qa.db"
        run_cli("process", "samples", "--metadata", "samples/calls.csv", "--workers", "1", db=path, check=True)
        (first, (role, _)), *rest = USERS.items()
        run_cli("users", "add", first, "--role", role, "--password", PASSWORD, db=path, check=True)  # the CLI, once
        store = Store(path)
        for name, (role, agent_id) in rest:
            auth.add_user(store, name, role, PASSWORD, agent_id, actor="test set-up")
        store.close()
        _BUILT["db"] = WebDb(path)
    return _BUILT["db"]
