"""Users of the till: signing in with a PIN, lock-out after wrong PINs, adding users."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltypos.db import Database
from loyaltypos.db.models import User
from loyaltypos.domain import clock
from loyaltypos.domain.errors import PinWrong, Refused, UserLocked, UserNotFound
from loyaltypos.domain.i18n import _, ngettext
from loyaltypos.domain.people import (
    LOCK_MINUTES,
    MAX_WRONG_PINS,
    check_pin_format,
    hash_pin,
    pin_fingerprint,
    pin_matches,
)
from loyaltypos.domain.people import (
    ROLES as ROLES,
)
from loyaltypos.domain.people import (
    Actor as Actor,
)
from loyaltypos.domain.people import (
    require_manager as require_manager,
)
from loyaltypos.services.audit import audit


def _actor(user: User) -> Actor:
    return Actor(user_id=user.id, name=user.name, role=user.role)


def sign_in(db: Database, *, name: str, pin: str) -> Actor:
    """Check a user's PIN. Five wrong PINs in a row lock the user for a few minutes.

    A wrong PIN is counted (that is the one thing a refused sign-in writes). The slow PIN
    hash is worked out before the write transaction, so a till signing in never holds
    the other tills' write lock while it hashes. A lock never lasts longer than
    LOCK_MINUTES by the current clock: a clock set back cannot stretch it.
    """
    with db.read() as s:
        row = s.execute(select(User.id, User.pin_hash).where(User.name == name.strip())).first()
    if row is None:
        raise UserNotFound(_("no user named '{name}'; check the name").format(name=name))
    user_id, stored_hash = row
    matches = pin_matches(str(pin), stored_hash)
    failure: Refused | None = None
    with db.write() as s:
        user = s.get(User, user_id)
        if user is None or user.pin_hash != stored_hash:  # removed or re-keyed meanwhile
            raise PinWrong(_("the PIN of {name} was just changed; type it again").format(
                name=name))
        now = clock.now()
        longest = now + dt.timedelta(minutes=LOCK_MINUTES)
        if user.locked_until is not None and user.locked_until > longest:
            user.locked_until = longest  # the clock went back since the lock began
        if user.locked_until is not None and user.locked_until > now:
            seconds = int((user.locked_until - now).total_seconds())
            minutes = max(1, -(-seconds // 60))  # whole minutes, rounded up
            failure = UserLocked(
                _("{name} is locked after {wrong} wrong PINs; try again in {minutes} min or ask a"
                  " manager").format(name=user.name, wrong=MAX_WRONG_PINS, minutes=minutes)
            )
        elif matches:
            user.failed_pins = 0
            user.locked_until = None
            return _actor(user)
        else:
            user.failed_pins += 1
            if user.failed_pins >= MAX_WRONG_PINS:
                user.failed_pins = 0
                user.locked_until = longest
                audit(s, None, "user_locked", user.name, failed=MAX_WRONG_PINS)
                failure = UserLocked(
                    _("wrong PIN {wrong} times: {name} is locked for {minutes} min").format(
                        wrong=MAX_WRONG_PINS, name=user.name, minutes=LOCK_MINUTES)
                )
            else:
                left = MAX_WRONG_PINS - user.failed_pins
                # The English singular says "tries" too, as it always has; a catalog gives
                # each language its own forms.
                failure = PinWrong(ngettext("wrong PIN for {name}; {n} tries left before a lock",
                                            "wrong PIN for {name}; {n} tries left before a lock",
                                            left).format(name=user.name, n=left))
    raise failure


def add_user(db: Database, *, actor: Actor, name: str, role: str, pin: str) -> Actor:
    """Add a cashier or manager (manager only; audited)."""
    require_manager(actor, _("adding a user"))
    with db.write() as s:
        return insert_user(s, actor=actor, name=name, role=role, pin=pin)


def insert_user(session: Session, *, actor: Actor | None, name: str, role: str,
                pin: str) -> Actor:
    """Write a new user inside the caller's transaction (``add_user`` and the shop's set-up)."""
    name = (name or "").strip()
    if not name:
        raise Refused(_("a user needs a name"))
    if role not in ROLES:
        raise Refused(_("role must be cashier or manager, not '{role}'").format(role=role))
    check_pin_format(pin)
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Refused(_("there is already a user named '{name}'").format(name=name))
    pin_hash = hash_pin(pin)
    # The audit line first: the database adds a user only right after it.
    audit(session, actor, "user_add", name, role=role, pin=pin_fingerprint(pin_hash))
    user = User(name=name, role=role, pin_hash=pin_hash, failed_pins=0, created_at=clock.now())
    session.add(user)
    session.flush()
    return _actor(user)


def list_users(db: Database) -> list[Actor]:
    with db.read() as s:
        return [_actor(u) for u in s.scalars(select(User).order_by(User.name))]
