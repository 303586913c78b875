"""The ``loyaltypos`` command line: a shop owner's scripting tool over the services.

Each group of commands is a module with a table of :class:`~loyaltypos.cli.common.Command`:
``shop`` (init, program, user, receipt-header, verify, backup), ``cards``, ``products``,
``sales`` (sale, refund, receipt), ``days`` (day close, report, export) and ``expiry``
(expire, expire reminders), among others. This module builds the parser from the tables
and runs one command.

Exit codes (:mod:`loyaltypos.cli.failures`): 0 done; 1 refused by a rule (one line on
stderr, nothing written); 2 bad usage; 3 the database failed or cannot be opened; 4 internal
error (the details go to the log file). ``--json`` prints one JSON document; amounts are
strings with the currency's decimals.

:func:`main` can be called in-process: it returns the exit code, prints to the
``sys.stdout`` and ``sys.stderr`` of the moment and reads ``LOYALTYPOS_*`` from ``os.environ``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from loyaltypos import db as dbmod
from loyaltypos.cli import (
    argparse_words,
    cards,
    days,
    expiry,
    failures,
    history,
    insight,
    nps,
    places,
    products,
    sales,
    shop,
)
from loyaltypos.cli.common import PROG, Command, Out, UsageError, common_options
from loyaltypos.domain.errors import NotInitialised
from loyaltypos.domain.i18n import _, speaking, system_language
from loyaltypos.services import store

GROUPS = (shop, places, cards, products, sales, days, expiry, insight, nps, history)
# The order of ``loyaltypos --help``; a command missing here is listed after these.
HELP_ORDER = ("init", "program", "user", "card", "product", "sale", "refund", "day", "report",
              "export", "receipt-header", "receipt", "verify", "backup")


def commands() -> dict[str, Command]:
    """Every command by name, in the order of the help."""
    table = {c.name: c for group in GROUPS for c in group.COMMANDS}
    ranked = sorted(table, key=lambda name: (
        HELP_ORDER.index(name) if name in HELP_ORDER else len(HELP_ORDER), name))
    return {name: table[name] for name in ranked}


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(prog=PROG, parents=[common],
                                     description=_("LoyaltyPOS: loyalty cards and cashback."))
    sub = parser.add_subparsers(dest="command", required=True, metavar=_("COMMAND"))
    for name, command in commands().items():
        command.add_arguments(sub.add_parser(name, parents=[common], help=_(command.help)),
                              common)
    return parser


def _usage_error(parser: argparse.ArgumentParser, message: str) -> int:
    """Usage and ``message`` on stderr, as argparse says it; returns exit code 2."""
    try:
        parser.error(message)
    except SystemExit as stop:
        return int(stop.code or 0)
    return failures.USAGE  # pragma: no cover - parser.error always exits


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (``sys.argv[1:]`` when ``argv`` is None); returns the exit code.
    It speaks the language of the environment (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
    ``LANG``); ``--json`` keys and CSV columns stay English whatever it is."""
    argparse_words.install()
    with speaking(system_language()):
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help (0), or bad usage (2): argparse has said why
        return int(stop.code or 0)
    command = commands()[args.command]
    label = " ".join(part for part in (PROG, args.command, getattr(args, "action", None))
                     if part)
    out = Out(getattr(args, "json", False))
    try:
        # Only init makes a database: any other command on a mistyped path is refused.
        # init and db upgrade may bring a server's schema up to date; a till may not.
        db = dbmod.open_database(getattr(args, "db", None), create=args.command == "init",
                                 admin=args.command in ("init", "db"),
                                 till=getattr(args, "till", None))
    except Exception as exc:  # a bad URL, an unreadable file, a locked or newer database
        return failures.cannot_open(exc, label)
    try:
        if command.needs_shop and not store.is_initialised(db):
            raise NotInitialised(
                _("{database} has no shop yet; set it up with 'loyaltypos init'").format(
                    database=db.describe()))
        return int(command.run(db, args, out) or 0)
    except UsageError as exc:
        return _usage_error(parser, str(exc))
    except KeyboardInterrupt:  # Ctrl+C, at the PIN prompt or during a long command
        failures.say(_("stopped; a change that was not finished was rolled back"))
        return failures.INTERRUPTED
    except BrokenPipeError:  # the output went to `head` or a pager that closed early
        # What is still buffered would fail again at exit: send it nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return failures.OK
    except Exception as exc:  # refused (1), the database failed (3), a fault (4)
        return failures.failed(exc, label)
    finally:
        db.dispose()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
