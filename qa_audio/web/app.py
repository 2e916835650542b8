"""`qa-audio serve`: the supervisors', agents' and QA staff's pages over the same database.

Every request opens the store, finds its user from the session cookie, and is refused
unless that user's role may see what it asks for: a call of another agent is a 404, the
same as a call that does not exist. Every form carries the session's CSRF token.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from .. import report, rules
from ..store import Store, StoreError
from . import auth, flows, views
from .charts import trend_svg

HERE = Path(__file__).parent
SESSION_COOKIE = "qa_session"
LOGIN_CSRF_COOKIE = "qa_login_csrf"
# Pages load only this server's own files; wavesurfer draws into a shadow DOM with inline styles.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; media-src 'self' blob:; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class Settings:
    db: Path
    dispute_days: int
    rules_path: Path
    secure_cookies: bool


TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
TEMPLATES.env.filters["t"] = report.fmt_time
TEMPLATES.env.globals["RESULT_LABEL"] = views.RESULT_LABEL
TEMPLATES.env.globals["ROLE_LABEL"] = views.ROLE_LABEL


def create_app(db: Path, dispute_days: int = flows.DEFAULT_DISPUTE_DAYS, rules_path: Path = rules.DEFAULT_PACK, secure_cookies: bool = False) -> Starlette:
    Store(db, must_exist=True).close()  # refuses a missing or too-new database before serving
    app = Starlette(routes=ROUTES, exception_handlers={HTTPException: not_found, StoreError: store_error}, middleware=[Middleware(SecurityHeaders)])
    app.state.settings = Settings(Path(db), dispute_days, Path(rules_path), secure_cookies)
    return app


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def render(request: Request, name: str, user: auth.User | None, status: int = 200, **ctx) -> Response:
    ctx |= {"user": user, "notice": request.query_params.get("notice"), "error": request.query_params.get("error")}
    return TEMPLATES.TemplateResponse(request, name, ctx, status_code=status)


def handler(roles: tuple[str, ...] | None = None, form: bool = False, api: bool = False):
    """Authenticates, checks the role (and a form's CSRF token), then runs the page with its
    own store in a worker thread: one slow page does not hold up the event loop."""

    def wrap(fn):
        @wraps(fn)
        async def endpoint(request: Request) -> Response:
            data = await request.form() if form else None
            return await run_in_threadpool(_run, fn, request, data)

        def _run(fn, request: Request, data) -> Response:
            store = Store(_settings(request).db, must_exist=True)
            try:
                user = auth.session_user(store, request.cookies.get(SESSION_COOKIE))
                if user is None:
                    if api:
                        return JSONResponse({"error": "not logged in"}, status_code=401)
                    return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)
                if roles and user.role not in roles:
                    raise HTTPException(404)
                if form and not auth.csrf_ok(user, data.get("csrf")):
                    raise HTTPException(403, "CSRF token missing or wrong")
                return fn(request, store, user, data) if form else fn(request, store, user)
            except report.NotFound:
                raise HTTPException(404)
            finally:
                store.close()

        return endpoint

    return wrap


def back(path: str, **query) -> RedirectResponse:
    return RedirectResponse(path + ("?" + urlencode(query) if query else ""), status_code=303)


# --- login -----------------------------------------------------------------------


async def login_page(request: Request) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    resp = render(request, "login.html", None, login_csrf=token, next=_safe_next(request.query_params.get("next")))
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request))
    return resp


async def login_post(request: Request) -> Response:
    data = await request.form()
    sent, cookie = data.get("csrf"), request.cookies.get(LOGIN_CSRF_COOKIE)
    if not sent or not cookie or not secrets.compare_digest(sent, cookie):
        raise HTTPException(403, "CSRF token missing or wrong")
    store = Store(_settings(request).db, must_exist=True)
    try:
        old = request.cookies.get(SESSION_COOKIE)
        if old:
            auth.forget(store, old)
        try:
            token = auth.login(store, str(data.get("name", "")), str(data.get("password", "")), request.client.host if request.client else "")
        except auth.LoginRefused as exc:
            return render(request, "login.html", None, status=401, login_csrf=cookie, next=_safe_next(data.get("next")), login_error=str(exc))
    finally:
        store.close()
    resp = RedirectResponse(_safe_next(data.get("next")) or "/", status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, max_age=auth.SESSION_HOURS * 3600, httponly=True, samesite="strict", secure=_secure(request))
    resp.delete_cookie(LOGIN_CSRF_COOKIE)
    return resp


@handler(form=True)
def logout(request, store, user, data):
    auth.logout(store, request.cookies[SESSION_COOKIE], user)
    resp = back("/login")
    resp.delete_cookie(SESSION_COOKIE)
    return resp


@handler()
def home(request, store, user):
    return back("/me" if user.role == "agent" else "/day" if user.staff else "/queue")


# --- supervisor ------------------------------------------------------------------


@handler(roles=auth.REVIEWERS)
def queue(request, store, user):
    filters = views.QueueFilters.from_query(request.query_params)
    items = views.queue(store, filters)
    return render(request, "queue.html", user, items=items, filters=filters, disputes=views.open_disputes(store), agents=views.agent_ids(store), rule_ids=views.rule_ids(store))


@handler()
def call_page(request, store, user):
    card = views.visible_card(store, user, request.path_params["call_id"])
    page = views.call_page(store, card, _settings(request).rules_path, _settings(request).dispute_days)
    return render(request, "call.html", user, card=card, page=page, player_json=json.dumps(page.player, ensure_ascii=False).replace("</", "<\\/"))


@handler()
def audio(request, store, user):
    call_id = request.path_params["call_id"]
    views.visible_call(store, user, call_id)
    path = store.audio_file_for(call_id)
    if path is None:
        raise HTTPException(404)
    return FileResponse(path, headers={"Cache-Control": "private, no-store"})


@handler(roles=auth.REVIEWERS, form=True)
def review_post(request, store, user, data):
    call_id = request.path_params["call_id"]
    req = report.ReviewRequest(call_id, str(data.get("rule_id", "")), str(data.get("decision", "")), user.name, str(data.get("note", "")), data.get("result") or None)
    try:
        card = flows.record_review(store, req)
    except ValueError as exc:
        return back(f"/calls/{call_id}", error=str(exc))
    return back(f"/calls/{call_id}", notice=f"已记录：{req.rule_id} {views.DECISION_LABEL[req.decision]}，当前得分 {card['score']}")


@handler(roles=auth.REVIEWERS, form=True)
def resolve_post(request, store, user, data):
    try:
        call_id = flows.resolve(store, int(request.path_params["dispute_id"]), str(data.get("outcome", "")), user.name, str(data.get("note", "")))
    except ValueError as exc:
        return back("/queue", error=str(exc))
    return back(f"/calls/{call_id}", notice="申诉已处理")


# --- agent -----------------------------------------------------------------------


@handler(roles=("agent",))
def me(request, store, user):
    rep = views.agent_report(store, user.agent_id)
    return render(request, "agent.html", user, rep=rep, trend=trend_svg([(t["date"], t["mean_score"]) for t in rep["trend"]], views.pass_score(_settings(request).rules_path)), acks=views.acked_calls(store, rep))


@handler(roles=("agent",), form=True)
def ack_post(request, store, user, data):
    call_id = request.path_params["call_id"]
    views.visible_call(store, user, call_id)
    flows.acknowledge(store, call_id, user.name)
    return back(f"/calls/{call_id}", notice="已确认评分")


@handler(roles=("agent",), form=True)
def dispute_post(request, store, user, data):
    call_id = request.path_params["call_id"]
    views.visible_call(store, user, call_id)
    try:
        flows.dispute(store, call_id, str(data.get("rule_id", "")), user.name, str(data.get("reason", "")), _settings(request).dispute_days)
    except ValueError as exc:
        return back(f"/calls/{call_id}", error=str(exc))
    return back(f"/calls/{call_id}", notice="申诉已提交，等待主管处理")


# --- QA staff and admin ----------------------------------------------------------


@handler(roles=auth.STAFF)
def day(request, store, user):
    day = views.DayView.build(store, request.query_params.get("date"), _settings(request).rules_path)
    return render(request, "day.html", user, day=day, trend=trend_svg(day.trend, day.pass_score))


@handler(roles=auth.STAFF)
def rules_page(request, store, user):
    return render(request, "rules.html", user, pack=rules.load(_settings(request).rules_path))


@handler(roles=("admin",))
def users_page(request, store, user):
    return render(request, "users.html", user, users=store.users(), roles=auth.ROLES)


@handler(roles=("admin",), form=True)
def users_post(request, store, user, data):
    try:
        auth.add_user(store, str(data.get("name", "")), str(data.get("role", "")), str(data.get("password", "")), str(data.get("agent_id", "")).strip() or None, user.name)
    except ValueError as exc:
        return back("/users", error=str(exc))
    return back("/users", notice=f"已添加用户 {data.get('name')}")


@handler(roles=auth.STAFF)
def audit_page(request, store, user):
    return render(request, "audit.html", user, rows=store.audit_trail())


@handler()
def search(request, store, user):
    q = request.query_params.get("q", "").strip()
    return render(request, "search.html", user, q=q, hits=views.search(store, user, q))


# --- JSON API: the same data under the same rules ---------------------------------


@handler(api=True)
def api_me(request, store, user):
    return JSONResponse({"name": user.name, "role": user.role, "agent_id": user.agent_id})


@handler(api=True)
def api_calls(request, store, user):
    return JSONResponse(views.visible_cards(store, user))


@handler(api=True)
def api_call(request, store, user):
    call_id = request.path_params["call_id"]
    card = views.visible_card(store, user, call_id)
    return JSONResponse(card | {"acknowledgements": store.acknowledgements(call_id), "disputes": store.disputes(call_id)})


@handler(api=True)
def api_agent(request, store, user):
    agent_id = request.path_params["agent_id"]
    if not user.sees_agent(agent_id):
        raise HTTPException(404)
    return JSONResponse(report.agent_report(store, agent_id))


@handler(roles=auth.REVIEWERS, api=True)
def api_flagged(request, store, user):
    return JSONResponse(report.flagged(store))


@handler(roles=auth.STAFF, api=True)
def api_day(request, store, user):
    return JSONResponse(report.daily_report(store, views.day_or_latest(store, request.query_params.get("date"))))


@handler(api=True)
def api_search(request, store, user):
    return JSONResponse(views.search(store, user, request.query_params.get("q", "").strip()))


async def not_found(request: Request, exc: HTTPException) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    return render(request, "error.html", None, status=exc.status_code, status_code=exc.status_code, detail=exc.detail)


async def store_error(request: Request, exc: StoreError) -> Response:
    return JSONResponse({"error": str(exc)}, status_code=503) if request.url.path.startswith("/api/") else Response(str(exc), status_code=503)


ROUTES = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_post, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/", home),
    Route("/queue", queue),
    Route("/calls/{call_id}", call_page),
    Route("/calls/{call_id}/audio", audio),
    Route("/calls/{call_id}/review", review_post, methods=["POST"]),
    Route("/calls/{call_id}/acknowledge", ack_post, methods=["POST"]),
    Route("/calls/{call_id}/dispute", dispute_post, methods=["POST"]),
    Route("/disputes/{dispute_id:int}/resolve", resolve_post, methods=["POST"]),
    Route("/me", me),
    Route("/day", day),
    Route("/rules", rules_page),
    Route("/users", users_page, methods=["GET"]),
    Route("/users", users_post, methods=["POST"]),
    Route("/audit", audit_page),
    Route("/search", search),
    Route("/api/me", api_me),
    Route("/api/calls", api_calls),
    Route("/api/calls/{call_id}", api_call),
    Route("/api/agents/{agent_id}", api_agent),
    Route("/api/flagged", api_flagged),
    Route("/api/day", api_day),
    Route("/api/search", api_search),
    Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
]


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (pure ASGI: streams and ranges pass through)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in SECURITY_HEADERS.items():
                    headers.setdefault(k, v)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure(request: Request) -> bool:
    """Secure cookies behind TLS (uvicorn --proxy-headers makes the scheme https) or when told."""
    return _settings(request).secure_cookies or request.url.scheme == "https"


def _safe_next(target) -> str:
    """Only a path on this site: never an open redirect to another host."""
    target = str(target or "")
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else ""
