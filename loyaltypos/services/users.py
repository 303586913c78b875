"""Users of the till: signing in with a PIN, lock-out after wrong PINs, adding users."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyaltypos.db import Database
from loyaltypos.db.models import AuditEntry, User
from loyaltypos.domain import clock, people
from loyaltypos.domain.errors import PinWrong, Refused, UserLocked
from loyaltypos.domain.i18n import _, known_language, ngettext
from loyaltypos.domain.people import (
    LOCK_MINUTES,
    MAX_WRONG_PINS,
    MIN_PIN,
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
    return Actor(user_id=user.id, name=user.name, role=user.role, language=user.language,
                 disabled=user.disabled_at is not None)


def _wrong(tries_left: int) -> PinWrong:
    # One message whether the name or the PIN was wrong: it must not tell a guesser which
    # names exist. The English singular says "tries" too; a catalog gives each language
    # its own forms.
    return PinWrong(ngettext("wrong name or PIN; {n} tries left before this name is paused",
                             "wrong name or PIN; {n} tries left before this name is paused",
                             tries_left).format(n=tries_left))


def _paused(name: str, until: dt.datetime, now: dt.datetime) -> UserLocked:
    seconds = int((until - now).total_seconds())
    minutes = max(1, -(-seconds // 60))  # whole minutes, rounded up
    return UserLocked(
        _("{wrong} wrong tries: signing in as {name} is paused; try again in {minutes} min or"
          " ask a manager").format(wrong=MAX_WRONG_PINS, name=name, minutes=minutes))


_DECOY: list[str] = []


def _decoy_hash() -> str:
    """A hash at today's cost that no PIN is checked against for real: an unknown name
    costs the same time as a known one."""
    if not _DECOY or not _DECOY[0].startswith(f"scrypt${people.SCRYPT['n']}$"):
        _DECOY[:] = [hash_pin("0" * MIN_PIN["manager"])]
    return _DECOY[0]


def sign_in(db: Database, *, name: str, pin: str) -> Actor:
    """Check a user's PIN. Five wrong tries in a row pause the name for a few minutes.

    An unknown name and a wrong PIN get the same answer, cost the same time and are
    counted the same way (an unknown name's tries are audit lines), so the answers do not
    tell which names exist. A wrong try is the one thing a refused sign-in writes. The slow
    PIN hash is worked out before the write transaction, so a till signing in never holds
    the other tills' write lock while it hashes. A pause never lasts longer than
    LOCK_MINUTES by the current clock: a clock set back cannot stretch it.
    """
    name = str(name or "").strip()
    with db.read() as s:
        row = s.execute(select(User.id, User.pin_hash).where(User.name == name)).first()
    if row is None:
        pin_matches(str(pin), _decoy_hash())
        raise _unknown_name(db, name)
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
            failure = _paused(user.name, user.locked_until, now)
        elif matches and user.disabled_at is not None:
            failure = Refused(_("{name} is disabled; a manager enables users in Manage >"
                                " Users").format(name=user.name))
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
                failure = _paused(user.name, longest, now)
            else:
                failure = _wrong(MAX_WRONG_PINS - user.failed_pins)
    raise failure


def _unknown_name(db: Database, name: str) -> Refused:
    """Count a try on a name no user has, as a known name's wrong PIN is counted."""
    target = name[:120]
    with db.write() as s:
        now = clock.now()
        paused = s.execute(select(AuditEntry.id, AuditEntry.created_at)
                           .where(AuditEntry.action == "user_locked",
                                  AuditEntry.target == target)
                           .order_by(AuditEntry.id.desc()).limit(1)).first()
        since = 0
        if paused is not None:
            since = paused.id
            until = min(paused.created_at, now) + dt.timedelta(minutes=LOCK_MINUTES)
            if until > now:
                return _paused(name, until, now)
        tries = 1 + (s.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "sign_in_unknown",
                                     AuditEntry.target == target, AuditEntry.id > since)) or 0)
        audit(s, None, "sign_in_unknown", target)
        if tries >= MAX_WRONG_PINS:
            audit(s, None, "user_locked", target, failed=MAX_WRONG_PINS)
            return _paused(name, now + dt.timedelta(minutes=LOCK_MINUTES), now)
    return _wrong(MAX_WRONG_PINS - tries)


def change_pin(db: Database, *, actor: Actor, old_pin: str, new_pin: str) -> None:
    """A signed-in user changes their own PIN (audited; the old PIN is asked again)."""
    with db.read() as s:
        user = s.get(User, actor.user_id)
        if user is None:
            raise Refused(_("no such user"))
        stored, role = user.pin_hash, user.role
    check_pin_format(new_pin, role)
    if not pin_matches(str(old_pin), stored):
        raise PinWrong(_("the old PIN is wrong; nothing was changed"))
    new_hash = hash_pin(new_pin)
    with db.write() as s:
        user = s.get(User, actor.user_id)
        if user is None or user.pin_hash != stored:
            raise PinWrong(_("the PIN was just changed elsewhere; nothing was changed"))
        audit(s, actor, "user_pin", user.name, pin=pin_fingerprint(new_hash))
        user.pin_hash = new_hash
        s.flush()


def set_language(db: Database, *, actor: Actor, language: str | None) -> Actor:
    """A signed-in user chooses the language of their screen (None: the computer's).
    Words only: no stored figure changes. Returns the user as now signed in."""
    code = known_language(language)
    with db.write() as s:
        user = s.get(User, actor.user_id)
        if user is None:
            raise Refused(_("no such user"))
        if user.language != code:
            audit(s, actor, "user_language", user.name, language=code)
            user.language = code
            s.flush()
        return _actor(user)


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
    check_pin_format(pin, role)
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Refused(_("there is already a user named '{name}'").format(name=name))
    pin_hash = hash_pin(pin)
    # The audit line first: the database adds a user only right after it.
    audit(session, actor, "user_add", name, role=role, pin=pin_fingerprint(pin_hash))
    user = User(name=name, role=role, pin_hash=pin_hash, failed_pins=0, created_at=clock.now())
    session.add(user)
    session.flush()
    return _actor(user)


def list_users(db: Database, *, with_disabled: bool = False) -> list[Actor]:
    """The users, by name: those who may sign in, or (``with_disabled``) all of them."""
    with db.read() as s:
        query = select(User).order_by(User.name)
        if not with_disabled:
            query = query.where(User.disabled_at.is_(None))
        return [_actor(u) for u in s.scalars(query)]


def reset_pin(db: Database, *, actor: Actor, name: str, new_pin: str) -> Actor:
    """A manager gives a user a new PIN (a forgotten one; audited as the PIN's change)."""
    require_manager(actor, _("resetting a PIN"))
    with db.read() as s:
        role = s.scalar(select(User.role).where(User.name == name))
    if role is None:
        raise Refused(_("there is no user named '{name}'").format(name=name))
    check_pin_format(new_pin, role)
    new_hash = hash_pin(new_pin)
    with db.write() as s:
        user = s.scalar(select(User).where(User.name == name))
        audit(s, actor, "user_pin", user.name, pin=pin_fingerprint(new_hash), by_manager=True)
        user.pin_hash, user.failed_pins, user.locked_until = new_hash, 0, None
        s.flush()
        return _actor(user)


def set_enabled(db: Database, *, actor: Actor, name: str, enabled: bool) -> Actor:
    """A manager disables a user (they sign in no more; their history stays) or enables
    them again (audited). A manager cannot disable themselves, nor the last manager."""
    require_manager(actor, _("enabling or disabling a user"))
    with db.write() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            raise Refused(_("there is no user named '{name}'").format(name=name))
        if not enabled and user.id == actor.user_id:
            raise Refused(_("you cannot disable yourself; another manager can"))
        if not enabled and user.role == "manager" and s.scalar(
                select(func.count(User.id)).where(User.role == "manager",
                                                  User.disabled_at.is_(None))) <= 1:
            raise Refused(_("{name} is the last manager who can sign in").format(
                name=user.name))
        if (user.disabled_at is None) != enabled:
            audit(s, actor, "user_enable" if enabled else "user_disable", user.name)
            user.disabled_at = None if enabled else clock.now()
            s.flush()
        return _actor(user)
