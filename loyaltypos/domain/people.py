"""People and their rights: roles, the signed-in actor, PIN format and PIN hashing.

PINs are kept only as salted scrypt hashes; every hash records its own cost
parameters, so a stored PIN still checks after the cost is raised.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from loyaltypos.domain.errors import NotAllowed, Refused
from loyaltypos.domain.i18n import _

ROLES = ("cashier", "manager")
MAX_WRONG_PINS = 5
LOCK_MINUTES = 5
# A cashier's PIN is 4 to 12 digits, a manager's 6 to 12: a manager's PIN opens backups
# and exports, so it must outlast an offline guesser longer.
MIN_PIN = {"cashier": 4, "manager": 6}
MAX_PIN = 12
# n = 2**15 (32 MiB, about 0.13 s a PIN on a two-core till): a guesser with a copy of the
# database tries fewer than ten PINs a second a core; a cashier barely notices. n = 2**16
# measured 0.25 s here, too close to the 0.3 s a sign-in may take on a slower till.
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
SCRYPT_MAXMEM = 2**26  # 64 MiB: room for n = 2**15 (OpenSSL's default stops at 32 MiB)


@dataclass(frozen=True)
class Actor:
    """A signed-in user, as the services see them."""

    user_id: int
    name: str
    role: str
    language: str | None = None  # the screen's language for this user; None: the computer's
    disabled: bool = False  # a manager disabled them: they sign in no more

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


def require_manager(actor: Actor, action: str) -> None:
    """Refuse a cashier. ``action`` says what needs a manager ("closing the day"), already
    in the person's language: the caller passes it through :func:`~loyaltypos.domain.i18n._`."""
    if not actor.is_manager:
        raise NotAllowed(_("{action} needs a manager: ask a manager to enter their PIN").format(
            action=action))


def check_pin_format(pin: str, role: str = "cashier") -> str:
    """A PIN the role may have: ASCII digits, 4 to 12 for a cashier, 6 to 12 for a manager."""
    least = MIN_PIN.get(role, MIN_PIN["manager"])
    if not (isinstance(pin, str) and pin.isascii() and pin.isdigit()
            and least <= len(pin) <= MAX_PIN):
        if role == "manager":
            raise Refused(_("a manager's PIN is {least} to {most} digits").format(
                least=least, most=MAX_PIN))
        raise Refused(_("a PIN is {least} to {most} digits").format(least=least, most=MAX_PIN))
    return pin


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, maxmem=SCRYPT_MAXMEM, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def pin_fingerprint(pin_hash: str) -> str:
    """A short digest of a stored PIN hash for the audit log: tells a changed hash from the
    one the audit line names, and gives a guesser nothing to work on."""
    return hashlib.sha256(pin_hash.encode()).hexdigest()[:16]


def pin_matches(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        pin.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p),
        maxmem=SCRYPT_MAXMEM,
    )
    return hmac.compare_digest(candidate.hex(), digest)
