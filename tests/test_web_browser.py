"""The web app in a real headless browser (Debian's chromium, driven by Playwright's Python
client): each role logs in, plays from a finding's evidence, reviews, acknowledges, disputes
and resolves; an agent tries the other agent's URLs and gets nothing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT
from .webdb import CALLS, PASSWORD, web_db  # noqa: F401  (the fixture)

CHROMIUM = Path(os.environ.get("QA_AUDIO_CHROMIUM", "/usr/bin/chromium"))
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright's Python client is not installed (pip install -e '.[test]')")
if not CHROMIUM.exists():
    pytest.skip(f"no chromium at {CHROMIUM} (scripts/browser-deps.sh installs Debian's as root)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(web_db):
    """`qa-audio serve` as a user starts it, on a free port, for this module."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "qa_audio", "serve", "--db", str(web_db.path), "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/login", timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"qa-audio serve did not start: {proc.stdout.read()}")
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--autoplay-policy=no-user-gesture-required"])
        yield b
        b.close()


@pytest.fixture
def as_user(browser, server):
    """A fresh browser context logged in as the given user; page errors fail the test."""
    contexts = []

    def open_as(name: str):
        ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        contexts.append(ctx)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.errors = errors
        page.goto(server + "/login")
        page.fill("input[name=name]", name)
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        page.wait_for_load_state()
        assert "/login" not in page.url, page.content()[:500]
        return page

    yield open_as
    for ctx in contexts:
        ctx.close()


def open_call(page, server: str, call_id: str):
    page.goto(f"{server}/calls/{call_id}")
    page.wait_for_selector("body[data-player=ready]", timeout=20000)


def test_supervisor_plays_evidence_and_reviews(as_user, server, tmp_path):
    page = as_user("sup1")
    assert page.url.endswith("/queue")
    assert page.locator("table.queue a", has_text="c002").count() == 1  # the auto-fail is queued
    open_call(page, server, "c004")
    evidence = page.locator("#finding-closing_thanks .evidence").first
    start = float(evidence.get_attribute("data-start"))
    evidence.click()
    page.wait_for_function("() => window.qaPlayer.isPlaying()", timeout=5000)
    now = page.evaluate("() => window.qaPlayer.getCurrentTime()")
    assert abs(now - start) <= 0.5, (now, start)
    # The transcript follows: the line being played is highlighted.
    page.wait_for_selector("#transcript .seg.active", timeout=5000)
    active = page.locator("#transcript .seg.active")
    assert float(active.get_attribute("data-start")) <= page.evaluate("() => window.qaPlayer.getCurrentTime()") + 0.5
    # Click a transcript line: the player jumps there.
    line = page.locator("#transcript .seg").nth(1)
    line.click()
    assert abs(page.evaluate("() => window.qaPlayer.getCurrentTime()") - float(line.get_attribute("data-start"))) <= 0.5
    page.evaluate("() => window.qaPlayer.pause()")
    # Regions for the hold and the evidence are on the waveform.
    assert page.evaluate("() => document.querySelector('#waveform div').shadowRoot.querySelectorAll('[part~=region]').length") >= 2
    page.screenshot(path=str(tmp_path / "call.png"), full_page=False)
    # Override a finding with a note; the reviewer is the logged-in user.
    f = page.locator("#finding-hold_thanks")
    f.locator("summary").click()
    f.locator("input[value=override]").check()
    f.locator("input[name=note]").fill("等待后其实致谢了，识别有误")
    f.locator("form button").click()
    page.wait_for_load_state()
    assert "已记录" in page.locator(".notice").inner_text()
    assert "sup1" in page.locator("table", has_text="复核人").inner_text()
    assert not page.errors, page.errors


def test_agent_acknowledges_disputes_and_supervisor_resolves(as_user, server):
    agent = as_user("agent2")
    assert agent.url.endswith("/me")
    open_call(agent, server, "c002")
    agent.click("#ack")
    agent.wait_for_load_state()
    assert "已确认" in agent.locator(".ack").inner_text()
    failed = agent.locator(".finding.r-fail").first
    rule = failed.get_attribute("id").removeprefix("finding-")
    failed.locator("summary").click()
    failed.locator("input[name=reason]").fill("客户挂断太快，来不及说")
    failed.locator("form button").click()
    agent.wait_for_load_state()
    assert "申诉已提交" in agent.locator(".notice").inner_text()

    sup = as_user("sup1")
    sup.locator("section", has_text="待处理申诉").locator("a", has_text="c002").click()
    sup.wait_for_load_state()
    form = sup.locator(".dispute", has_text="客户挂断太快").locator("form")
    form.locator("select[name=outcome]").select_option("upheld")
    form.locator("input[name=note]").fill("录音中确实没有说")
    form.locator("button").click()
    sup.wait_for_load_state()
    assert "申诉已处理" in sup.locator(".notice").inner_text()
    assert "维持原判" in sup.locator(".dispute", has_text="客户挂断太快").inner_text()

    agent.goto(f"{server}/calls/c002")
    text = agent.locator(".dispute", has_text="客户挂断太快").inner_text()
    assert "维持原判" in text and "sup1" in text and rule in text


def test_agent_gets_nothing_of_another_agent(as_user, server):
    page = as_user("agent1")
    for call_id in CALLS["a02"]:
        for path in (f"/calls/{call_id}", f"/calls/{call_id}/audio", f"/api/calls/{call_id}", "/api/agents/a02"):
            resp = page.goto(server + path)
            assert resp.status == 404, path
            assert call_id not in page.content() and "a02" not in page.content(), path
    for path in ("/queue", "/day", "/users", "/audit", "/api/flagged"):
        assert page.goto(server + path).status == 404, path
        assert not any(c in page.content() for c in CALLS["a02"]), path
    page.goto(server + "/me")
    assert all(page.locator("a", has_text=c).count() == 0 for c in CALLS["a02"])
    assert page.locator("a", has_text="c001").count() == 1
    # Fetching the other agent's audio from inside the page is refused too.
    status = page.evaluate(f"() => fetch('/calls/{CALLS['a02'][0]}/audio').then(r => r.status)")
    assert status == 404


def test_qa_sees_the_day_admin_adds_a_user(as_user, server):
    qa = as_user("qa1")
    assert qa.url.endswith("/day")
    assert qa.locator("svg.trend").count() == 1
    assert "a01" in qa.locator("section", has_text="按坐席").inner_text()
    qa.goto(server + "/rules")
    assert "standard_zh" in qa.locator("h1").inner_text()
    admin = as_user("admin1")
    admin.goto(server + "/users")
    admin.fill("input[name=name]", "新主管")
    admin.select_option("select[name=role]", "supervisor")
    admin.fill("input[name=password]", "a-long-password")
    admin.click("form button.primary")
    admin.wait_for_load_state()
    assert "新主管" in admin.locator("table").inner_text()
    admin.goto(server + "/audit")
    assert "user_add" in admin.locator("table").inner_text()
