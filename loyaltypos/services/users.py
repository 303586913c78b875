"""People at the till: PINs kept as salted scrypt hashes, lock-out, manager rights."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from loyaltypos import clock
from loyaltypos.db import Database
from loyaltypos.errors import NotAllowed, PinWrong, Refused, UserLocked, UserNotFound
from loyaltypos.models import User
from loyaltypos.services.audit import audit

ROLES = ("cashier", "manager")
MAX_WRONG_PINS = 5
LOCK_MINUTES = 5
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


@dataclass(frozen=True)
class Actor:
    """A signed-in user, as the services see them."""

    user_id: int
    name: str
    role: str

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


def require_manager(actor: Actor, action: str) -> None:
    if not actor.is_manager:
        raise NotAllowed(f"{action} needs a manager: ask a manager to enter their PIN")


def check_pin_format(pin: str) -> str:
    if not (isinstance(pin, str) and pin.isdigit() and 4 <= len(pin) <= 12):
        raise Refused("a PIN is 4 to 12 digits")
    return pin


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        pin.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p)
    )
    return hmac.compare_digest(candidate.hex(), digest)


def _actor(user: User) -> Actor:
    return Actor(user_id=user.id, name=user.name, role=user.role)


def sign_in(db: Database, *, name: str, pin: str) -> Actor:
    """Check a user's PIN. Five wrong PINs in a row lock the user for a few minutes.

    A wrong PIN is counted (that is the one thing a refused sign-in writes).
    """
    failure: Refused | None = None
    with db.write() as s:
        user = s.scalar(select(User).where(User.name == name.strip()))
        if user is None:
            raise UserNotFound(f"no user named '{name}'; check the name")
        now = clock.now()
        if user.locked_until is not None and user.locked_until > now:
            minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
            raise UserLocked(
                f"{user.name} is locked after {MAX_WRONG_PINS} wrong PINs; try again in"
                f" {minutes} min or ask a manager"
            )
        if pin_matches(str(pin), user.pin_hash):
            user.failed_pins = 0
            user.locked_until = None
            return _actor(user)
        user.failed_pins += 1
        if user.failed_pins >= MAX_WRONG_PINS:
            user.failed_pins = 0
            user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
            audit(s, None, "user_locked", user.name, failed=MAX_WRONG_PINS)
            failure = UserLocked(
                f"wrong PIN {MAX_WRONG_PINS} times: {user.name} is locked for {LOCK_MINUTES} min"
            )
        else:
            left = MAX_WRONG_PINS - user.failed_pins
            failure = PinWrong(f"wrong PIN for {user.name}; {left} tries left before a lock")
    raise failure


def add_user(db: Database, *, actor: Actor, name: str, role: str, pin: str) -> Actor:
    """Add a cashier or manager (manager only)."""
    require_manager(actor, "adding a user")
    return create_user(db, actor=actor, name=name, role=role, pin=pin)


def create_user(db: Database, *, actor: Actor | None, name: str, role: str, pin: str) -> Actor:
    name = (name or "").strip()
    if not name:
        raise Refused("a user needs a name")
    if role not in ROLES:
        raise Refused(f"role must be cashier or manager, not '{role}'")
    check_pin_format(pin)
    with db.write() as s:
        if s.scalar(select(User.id).where(User.name == name)) is not None:
            raise Refused(f"there is already a user named '{name}'")
        user = User(name=name, role=role, pin_hash=hash_pin(pin), failed_pins=0,
                    created_at=clock.now())
        s.add(user)
        s.flush()
        audit(s, actor, "user_add", name, role=role)
        return _actor(user)


def list_users(db: Database) -> list[Actor]:
    with db.read() as s:
        return [_actor(u) for u in s.scalars(select(User).order_by(User.name))]
