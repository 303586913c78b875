"""What every command group shares: the options every command takes, how a command is
described, who does it (``--user`` and the PIN), printing, and small parsers."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from loyaltypos.db import Database
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import N_, _, speaking, system_language
from loyaltypos.domain.money import fmt
from loyaltypos.services import users

PROG = "loyaltypos"
ENV_PIN = "LOYALTYPOS_PIN"
ENV_NEW_PIN = "LOYALTYPOS_NEW_PIN"


class UsageError(Exception):
    """Bad usage found after parsing: exit code 2."""


class Out:
    """Prints either JSON or text, whichever the user asked for."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def __call__(self, data, text: str) -> None:
        if self.as_json:
            print(json.dumps(data, ensure_ascii=False, default=str))
        else:
            print(text)


Handler = Callable[[Database, argparse.Namespace, Out], int | None]


@dataclass(frozen=True)
class Command:
    """One top-level command: its help line, its arguments and what it does.

    ``help`` is marked with ``N_`` and translated when the parser is built.
    ``add_arguments(parser, common)`` adds the command's own arguments (and its actions,
    each built with ``parents=[common]``); ``run(db, args, out)`` returns the exit code or
    None for 0.
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser, argparse.ArgumentParser], None]
    run: Handler
    needs_shop: bool = True


def no_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    """For a command that takes nothing but the common options."""


def common_options() -> argparse.ArgumentParser:
    """``--db``, ``--till``, ``--json`` and ``--user``, accepted before or after any command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help=_("database file or SQLAlchemy URL (default: LOYALTYPOS_DB, "
                               "or the user's data folder)"))
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help=_("print one JSON document"))
    common.add_argument("--till", default=argparse.SUPPRESS,
                        help=_("which till this is, by name (default: LOYALTYPOS_TILL, or"
                               " the program's only till)"))
    common.add_argument("--user", default=argparse.SUPPRESS,
                        help=_("who does this (PIN from LOYALTYPOS_PIN or a prompt)"))
    return common


# ---------------------------------------------------------------- who does it


def read_pin(env: str, prompt: str) -> str:
    """A PIN from the environment variable ``env``, or typed at a terminal."""
    pin = os.environ.get(env)
    if pin is not None:
        return pin.strip()
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    raise Refused(_("no PIN: set {env} or run the command in a terminal to type it").format(
        env=env))


def sign_in(db: Database, args: argparse.Namespace) -> users.Actor:
    """The user named by ``--user``, signed in with their PIN. Every command that writes,
    or reads customers' details, copies or exports the shop's data, needs one."""
    if not getattr(args, "user", None):
        raise UsageError(_("say who you are with --user NAME (the PIN comes from "
                           "{env} or a prompt)").format(env=ENV_PIN))
    return users.sign_in(db, name=args.user,
                         pin=read_pin(ENV_PIN, _("PIN for {user}: ").format(user=args.user)))


# ---------------------------------------------------------------- values in and out


# Words the services hand over as data (a card's kind and status, a payment method, a
# role): JSON keeps them as they are, the text output shows them translated.
WORDS = {
    "personal": N_("personal"), "bearer": N_("bearer"),
    "active": N_("active"), "blocked": N_("blocked"), "replaced": N_("replaced"),
    "cash": N_("cash"), "card": N_("card"),
    "cashier": N_("cashier"), "manager": N_("manager"),
}


def word(value: str) -> str:
    """``value`` as a person reads it: translated when it is one of :data:`WORDS`."""
    return _(WORDS[value]) if value in WORDS else value


def money(units: int | None, currency: str) -> str | None:
    return None if units is None else fmt(units, currency)


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Refused(_("'{text}' is not a date; write YYYY-MM-DD").format(text=text)) from None


def write_bytes(path: str, data: bytes) -> None:
    """Save printer bytes; a file that cannot be written is a refusal, not a fault."""
    try:
        with open(path, "wb") as target:
            target.write(data)
    except OSError as exc:
        raise Refused(_("cannot write {path}: {why}").format(path=path, why=exc.strerror)) \
            from None


def shop_language(db: Database):
    """A block speaking the shop's printout language (a receipt, a card, a Z report as a
    file or slip), whatever the shell's language; none set: the shell's."""
    from loyaltypos.services import shops

    return speaking(shops.print_language(db) or system_language())
