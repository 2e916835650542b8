"""The web app over a real database, through HTTP (Starlette's TestClient): who may see and
do what, CSRF, sessions, logins, audio by call id, and the append-only trail."""

from __future__ import annotations

import getpass
import json
import re
import sqlite3
from urllib.parse import unquote_plus

import pytest
from starlette.testclient import TestClient

from qa_audio import report
from qa_audio.store import Store
from qa_audio.web import auth
from qa_audio.web.app import SESSION_COOKIE, create_app

from .conftest import SAMPLES, run_cli
from .webdb import CALLS, PASSWORD, web_db  # noqa: F401  (the fixture)

OTHER_AGENTS_URLS = [
    "/calls/{c}", "/calls/{c}/audio", "/api/calls/{c}", "/api/agents/a02",
]


@pytest.fixture(scope="module")
def app(web_db):
    return create_app(web_db.path)


def client(app, name: str | None = None, password: str = PASSWORD, base_url: str = "http://testserver") -> TestClient:
    c = TestClient(app, base_url=base_url, follow_redirects=False)
    if name:
        r = login(c, name, password)
        assert r.status_code == 303, r.text
    return c


def login(c: TestClient, name: str, password: str):
    return c.post("/login", data={"name": name, "password": password, "csrf": login_token(c)})


def login_token(c: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)


def csrf(c: TestClient, page: str = "/") -> str:
    c.follow_redirects = True
    try:
        return re.search(r'name="csrf" value="([^"]+)"', c.get(page).text).group(1)
    finally:
        c.follow_redirects = False


def audit(db, action: str) -> list[dict]:
    with _store(db) as store:
        return [r for r in store.audit_trail(limit=1000) if r["action"] == action]


class _store:
    def __init__(self, db):
        self.store = Store(db.path)

    def __enter__(self):
        return self.store

    def __exit__(self, *exc):
        self.store.close()


def test_pages_need_a_login(app):
    c = client(app)
    for path in ("/", "/queue", "/calls/c001", "/calls/c001/audio", "/me", "/day"):
        r = c.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    for path in ("/api/calls", "/api/calls/c001", "/api/flagged"):
        assert c.get(path).status_code == 401, path


def test_agent_sees_only_their_own(app):
    c = client(app, "agent1")
    for call_id in CALLS["a02"]:
        for url in OTHER_AGENTS_URLS:
            r = c.get(url.format(c=call_id))
            assert r.status_code == 404, url
            assert call_id not in r.text and "a02" not in r.text
    # The same 404 as for a call that does not exist: nothing tells a02's ids apart.
    assert c.get("/calls/nope").status_code == 404
    for path in ("/queue", "/day", "/users", "/rules", "/audit", "/api/flagged", "/api/day"):
        assert c.get(path).status_code == 404, path
    for call_id in CALLS["a01"]:
        assert c.get(f"/calls/{call_id}").status_code == 200
        assert c.get(f"/api/calls/{call_id}").json()["agent_id"] == "a01"
    assert {card["agent_id"] for card in c.get("/api/calls").json()} == {"a01"}
    # Posting to another agent's call is refused the same way.
    token = csrf(c, "/me")
    for action, data in (("acknowledge", {}), ("dispute", {"rule_id": "hold_permission", "reason": "x"})):
        assert c.post(f"/calls/c004/{action}", data={"csrf": token, **data}).status_code == 404


def test_search_is_filtered_by_role(app, web_db):
    with _store(web_db) as store:
        # A word said in both agents' calls (whatever the model heard: a greeting, say).
        words = [t for s in store.segments("c004") for t in s["search_text"].split() if len(t) > 1]
        word = next(w for w in words if {h["call_id"][:4] in CALLS["a01"] for h in store.search(w)} == {True, False})
        everyone = store.search(word)
    sup, agent = client(app, "sup1"), client(app, "agent1")
    assert {h["call_id"] for h in sup.get("/api/search", params={"q": word}).json()} == {h["call_id"] for h in everyone}
    mine = agent.get("/api/search", params={"q": word}).json()
    assert all(h["call_id"] in CALLS["a01"] for h in mine)
    page = agent.get("/search", params={"q": word}).text
    assert not any(f"/calls/{c}" in page for c in CALLS["a02"])


def test_api_serves_the_scorecard_contract(app, web_db):
    sup = client(app, "sup1")
    got = sup.get("/api/calls/c001").json()
    with _store(web_db) as store:
        want = report.scorecard(store, "c001", with_transcript=True)
    assert {k: got[k] for k in want} == json.loads(json.dumps(want))
    assert "acknowledgements" in got and "disputes" in got


def test_csrf_is_required_on_every_form(app, web_db):
    sup = client(app, "sup1")
    form = {"rule_id": "greeting", "decision": "confirm", "note": "looks right"}
    assert sup.post("/calls/c001/review", data=form).status_code == 403
    assert sup.post("/calls/c001/review", data=form | {"csrf": "forged"}).status_code == 403
    assert sup.post("/logout", data={}).status_code == 403
    anon = TestClient(app, follow_redirects=False)
    assert anon.post("/login", data={"name": "sup1", "password": PASSWORD}).status_code == 403
    assert anon.post("/login", data={"name": "sup1", "password": PASSWORD, "csrf": "guess"}).status_code == 403
    with _store(web_db) as store:
        assert not [r for r in store.reviews("c001") if r["note"] == "looks right"]


def test_reviewer_is_the_logged_in_user_never_a_form_field(app, web_db):
    sup = client(app, "sup1")
    form = {"csrf": csrf(sup, "/calls/c003"), "rule_id": "greeting", "decision": "override", "result": "fail",
            "note": "calibration", "reviewer": "Supervisor Wang", "by": "Supervisor Wang"}
    assert sup.post("/calls/c003/review", data=form).status_code == 303
    with _store(web_db) as store:
        last = store.reviews("c003")[-1]
    assert last["reviewer"] == "sup1" and last["note"] == "calibration"
    entry = [a for a in audit(web_db, "review") if a["call_id"] == "c003"][0]
    assert entry["actor"] == "sup1" and json.loads(entry["detail"])["rule_id"] == "greeting"
    # Agents cannot review at all.
    agent = client(app, "agent1")
    assert agent.post("/calls/c003/review", data=form | {"csrf": csrf(agent, "/me")}).status_code == 404


def test_session_fixation_and_logout(app):
    attacker = client(app, "agent2")
    planted = attacker.cookies[SESSION_COOKIE]  # a valid token the attacker holds
    assert attacker.get("/me").status_code == 200
    victim = client(app)
    victim.cookies.set(SESSION_COOKIE, planted, domain="testserver.local")
    assert victim.get("/me").status_code == 200  # the planted cookie is sent
    assert login(victim, "sup1", PASSWORD).status_code == 303
    fresh = victim.cookies[SESSION_COOKIE]
    assert fresh != planted
    assert attacker.get("/me").status_code == 303  # the planted token was ended at login
    assert victim.get("/queue").status_code == 200
    assert victim.post("/logout", data={"csrf": csrf(victim, "/queue")}).status_code == 303
    replay = client(app)
    replay.cookies.set(SESSION_COOKIE, fresh, domain="testserver.local")
    assert replay.get("/queue").status_code == 303


def test_cookies_are_httponly_strict_and_secure_behind_tls(app):
    c = TestClient(app, follow_redirects=False)
    r = login(c, "qa1", PASSWORD)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    tls = TestClient(app, base_url="https://testserver", follow_redirects=False)
    assert "secure" in login(tls, "qa1", PASSWORD).headers["set-cookie"].lower()


def test_wrong_passwords_then_lockout(app, web_db):
    c = client(app)
    r = login(c, "locked", "wrong password")
    assert r.status_code == 401 and "用户名或密码错误" in r.text and SESSION_COOKIE not in c.cookies
    assert login(c, "nobody", "whatever1").status_code == 401
    for _ in range(4):
        login(c, "locked", "still wrong")
    r = login(c, "locked", PASSWORD)  # right, but after 5 wrong tries
    assert r.status_code == 401 and "次数过多" in r.text
    assert len([a for a in audit(web_db, "login_failed") if a["actor"] == "locked"]) == 5
    assert client(app, "agent1").get("/me").status_code == 200  # other accounts unaffected


def test_one_client_guessing_many_names_is_refused(app, monkeypatch):
    monkeypatch.setattr(auth, "MAX_FAILED_PER_CLIENT", 3)  # the mechanism, without 20 argon2 checks
    guesser = TestClient(app, follow_redirects=False, client=("192.0.2.7", 40000))  # TEST-NET: only a label here
    for i in range(3):
        assert login(guesser, f"guess{i}", "password1").status_code == 401
    r = login(guesser, "qa1", PASSWORD)
    assert r.status_code == 401 and "次数过多" in r.text and SESSION_COOKIE not in guesser.cookies
    elsewhere = TestClient(app, follow_redirects=False, client=("192.0.2.8", 40000))
    assert login(elsewhere, "qa1", PASSWORD).status_code == 303  # from another client, qa1 still logs in


def test_audio_by_call_id_only_with_ranges(app, web_db):
    c = client(app, "agent1")
    # The player gets the redacted copy (personal numbers toned out), never the original.
    store = Store(web_db.path)
    wav = store.redacted_audio("c001").read_bytes()
    store.close()
    r = c.get("/calls/c001/audio", params={"file": "/etc/passwd", "path": "../../qa_audio/store.py"})
    assert r.status_code == 200 and r.content == wav
    r = c.get("/calls/c001/audio", headers={"Range": "bytes=100-199"})
    assert r.status_code == 206 and r.content == wav[100:200]
    for url in ("/calls/..%2F..%2Fetc%2Fpasswd/audio", "/calls/%2Fetc%2Fpasswd/audio", "/calls/../../etc/passwd/audio",
                "/calls/c001/../../../etc/passwd", "/static/..%2F..%2Fstore.py", "/static/../store.py"):
        r = c.get(url)
        assert r.status_code == 404, url
        assert b"root:" not in r.content and b"import sqlite3" not in r.content


def test_acknowledge_dispute_resolve(app, web_db):
    agent = client(app, "agent2")
    token = csrf(agent, "/me")
    assert agent.post("/calls/c004/acknowledge", data={"csrf": token}).status_code == 303
    r = agent.post("/calls/c004/dispute", data={"csrf": token, "rule_id": "nin_not_ni", "reason": "我说的是您"})
    assert r.status_code == 303 and "notice" in r.headers["location"]
    again = agent.post("/calls/c004/dispute", data={"csrf": token, "rule_id": "nin_not_ni", "reason": "again"})
    assert "error" in again.headers["location"]
    sup = client(app, "sup1")
    queue = sup.get("/queue").text
    assert "我说的是您" in queue and "/calls/c004#dispute-" in queue
    dispute_id = int(re.search(r"/calls/c004#dispute-(\d+)", queue).group(1))
    before = sup.get("/api/calls/c004").json()
    assert next(f for f in before["findings"] if f["rule_id"] == "nin_not_ni")["result"] == "fail"
    r = sup.post(f"/disputes/{dispute_id}/resolve", data={"csrf": csrf(sup, "/queue"), "outcome": "overturned", "note": "听录音确认说的是您"})
    assert r.status_code == 303
    after = sup.get("/api/calls/c004").json()
    assert next(f for f in after["findings"] if f["rule_id"] == "nin_not_ni")["result"] == "pass"
    assert after["score"] > before["score"] and after["reviews"][-1]["reviewer"] == "sup1"
    resolved = next(d for d in after["disputes"] if d["id"] == dispute_id)
    assert resolved["outcome"] == "overturned" and resolved["resolver"] == "sup1"
    assert after["acknowledgements"][0]["agent_user"] == "agent2"
    actions = {a["action"] for a in audit(web_db, "acknowledge") + audit(web_db, "dispute") + audit(web_db, "resolve")}
    assert actions == {"acknowledge", "dispute", "resolve"}
    # Resolved once: a second resolution is refused, and the agent sees the outcome.
    twice = sup.post(f"/disputes/{dispute_id}/resolve", data={"csrf": csrf(sup, "/queue"), "outcome": "upheld", "note": "x"})
    assert "error" in twice.headers["location"]
    assert "已改判" in agent.get("/calls/c004").text


def test_disputes_close_after_the_window(web_db):
    late = client(create_app(web_db.path, dispute_days=0), "agent2")
    failed = next(f["rule_id"] for f in late.get("/api/calls/c002").json()["findings"] if f["result"] == "fail")
    r = late.post("/calls/c002/dispute", data={"csrf": csrf(late, "/me"), "rule_id": failed, "reason": "too late"})
    assert "已超过申诉期限" in unquote_plus(r.headers["location"])
    passed = next(f["rule_id"] for f in late.get("/api/calls/c002").json()["findings"] if f["result"] == "pass")
    on_time = client(create_app(web_db.path), "agent2")
    r = on_time.post("/calls/c002/dispute", data={"csrf": csrf(on_time, "/me"), "rule_id": passed, "reason": "a pass"})
    assert "只能对未通过" in unquote_plus(r.headers["location"])
    assert "申诉期限" in late.get("/calls/c002").text


def test_new_tables_are_append_only(web_db):
    with sqlite3.connect(web_db.path) as conn:
        for table in ("audit", "acknowledgements", "disputes", "dispute_resolutions"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(f"DELETE FROM {table}")
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(f"UPDATE {table} SET id = id")


def test_cli_review_records_the_os_user(web_db):
    proc = run_cli("review", "c001", "--rule", "greeting", "--decision", "confirm", "--by", "Supervisor Wang",
                   "--note", "heard it", db=web_db.path, check=True)
    me = f"os:{getpass.getuser()}"
    assert f"recorded as {me}" in proc.stdout
    with _store(web_db) as store:
        last = store.reviews("c001")[-1]
    assert last["reviewer"] == me and "Supervisor Wang" in last["note"]
    assert [a for a in audit(web_db, "review") if a["call_id"] == "c001"][0]["actor"] == me


def test_admin_manages_users_qa_sees_the_day(app, web_db):
    admin = client(app, "admin1")
    r = admin.post("/users", data={"csrf": csrf(admin, "/users"), "name": "agent9", "role": "agent", "agent_id": "a09", "password": "longenough9"})
    assert "notice" in r.headers["location"]
    assert "agent9" in admin.get("/users").text
    bad = admin.post("/users", data={"csrf": csrf(admin, "/users"), "name": "agent10", "role": "agent", "password": "longenough9"})
    assert "error" in bad.headers["location"]  # an agent account needs its agent id
    assert client(app, "qa1").get("/users").status_code == 404
    day = client(app, "qa1").get("/day", params={"date": "2026-11-22"}).text
    assert '<svg class="trend"' in day and "按规则" in day and "a01" in day and "a02" in day
    assert client(app, "sup1").get("/day").status_code == 404
    api_day = client(app, "qa1").get("/api/day").json()  # default: the latest batch
    assert api_day["date"] == "2026-11-22" and api_day["calls"] == 4


def test_queue_filters(app):
    sup = client(app, "sup1")
    rows = lambda **q: set(re.findall(r'<td><a href="/calls/(c\d+)">', sup.get("/queue", params=q).text))  # noqa: E731
    everything = rows()
    assert "c002" in everything and "c001" not in everything  # flagged only; c001 passed unflagged
    assert rows(agent="a01") == everything - {"c002", "c004"}
    assert rows(date="2026-11-22") == everything and rows(date="2026-11-23") == set()
    assert rows(rule="forbidden_opening") == {"c002"}
    # The result filter splits the queue (a flagged call may pass: c003, flagged for its mono roles).
    assert rows(result="fail") | rows(result="pass") == everything and not rows(result="fail") & rows(result="pass")
    assert "c002" in rows(result="fail")
    assert rows(reviewed="no") | rows(reviewed="yes") == everything
