"""One database for the web tests: the four samples through the real CLI and model, and a
user of each role. Built once per session; tests that change it use calls nobody else checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

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


@dataclass(frozen=True)
class WebDb:
    path: Path


@pytest.fixture(scope="session")
def web_db(tmp_path_factory, model_path) -> WebDb:
    path = tmp_path_factory.mktemp("web") / "qa.db"
    run_cli("process", "samples", "--metadata", "samples/calls.csv", "--workers", "1", db=path, check=True)
    for name, (role, agent_id) in USERS.items():
        args = ["users", "add", name, "--role", role, "--password", PASSWORD] + (["--agent-id", agent_id] if agent_id else [])
        run_cli(*args, db=path, check=True)
    return WebDb(path)
