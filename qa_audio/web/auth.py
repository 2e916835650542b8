"""Accounts, sessions and who may see what. Every request's user comes from here; the
pages never take a user, a reviewer or an agent id from the request itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..store import Store

ROLES = ("admin", "qa", "supervisor", "agent")
# Who reads every agent's calls and may confirm or override a finding and resolve disputes.
REVIEWERS = ("admin", "qa", "supervisor")
# Who sees the day's batch, the per-agent and per-rule tables and the rule pack.
STAFF = ("admin", "qa")

SESSION_HOURS = 12
# Wrong passwords per account name within LOCKOUT_MINUTES before logins are refused: enough
# for a typo or two, far too few to guess a password (each argon2 check costs ~50 ms too).
MAX_FAILED_LOGINS = 5
# From one client address, over all names: a shared office NAT still gets a few people's
# typos, one guesser trying many names does not get far.
MAX_FAILED_PER_CLIENT = 20
LOCKOUT_MINUTES = 15

_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified when the name is unknown, so a wrong name costs as long as a wrong password."""
    return _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    agent_id: str | None
    csrf: str

    @property
    def reviews(self) -> bool:
        return self.role in REVIEWERS

    @property
    def staff(self) -> bool:
        return self.role in STAFF

    def sees_agent(self, agent_id: str | None) -> bool:
        """Reviewers see every agent; an agent sees only their own calls."""
        return self.reviews or (self.role == "agent" and agent_id is not None and agent_id == self.agent_id)


class LoginRefused(Exception):
    """Wrong name or password, or too many tries: the message is safe to show."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def add_user(store: Store, name: str, role: str, password: str, agent_id: str | None, actor: str) -> int:
    """A new account; agents must name the agent id whose calls they may see."""
    name = name.strip()
    if not name:
        raise ValueError("a user needs a name")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "agent" and not agent_id:
        raise ValueError("an agent account needs --agent-id (the agent id on their calls)")
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    user_id = store.add_user(name, role, agent_id if role == "agent" else None, hash_password(password))
    store.audit(actor, "user_add", detail={"name": name, "role": role, "agent_id": agent_id})
    return user_id


def _token_hash(token: str) -> str:
    # The database holds only a hash of each session token: a copy of qa.db logs nobody in.
    return hashlib.sha256(token.encode()).hexdigest()


def login(store: Store, name: str, password: str, client: str) -> str:
    """A new session token for a right name and password (a fresh one every time, so a
    token planted before login is never promoted); LoginRefused otherwise."""
    since = (datetime.now(timezone.utc) - timedelta(minutes=LOCKOUT_MINUTES)).isoformat(timespec="seconds")
    if store.count_audit("login_failed", since, actor=name) >= MAX_FAILED_LOGINS or store.count_audit("login_failed", since, client=client) >= MAX_FAILED_PER_CLIENT:
        store.audit(name, "login_refused", detail={"client": client})
        raise LoginRefused(f"登录失败次数过多，请 {LOCKOUT_MINUTES} 分钟后再试")
    row = store.user(name)
    try:
        _hasher.verify(row["password_hash"] if row else _dummy_hash(), password)
        ok = row is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        store.audit(name, "login_failed", detail={"client": client})
        raise LoginRefused("用户名或密码错误")
    token = secrets.token_urlsafe(32)
    expires = (datetime.now(timezone.utc) + timedelta(hours=SESSION_HOURS)).isoformat(timespec="seconds")
    store.add_session(_token_hash(token), row["id"], secrets.token_urlsafe(32), expires)
    store.audit(name, "login", detail={"client": client})
    return token


def session_user(store: Store, token: str | None) -> User | None:
    row = store.session(_token_hash(token)) if token else None
    return User(**row) if row else None


def forget(store: Store, token: str) -> None:
    """Ends a session token, e.g. whatever cookie a browser brings to the login form."""
    store.end_session(_token_hash(token))


def logout(store: Store, token: str, user: User) -> None:
    forget(store, token)
    store.audit(user.name, "logout")


def csrf_ok(user: User, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(user.csrf, sent)
