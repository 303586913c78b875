"""Setting up and looking after the shop: ``init``, ``program``, ``user``,
``receipt-header``, ``verify`` and ``backup``."""

from __future__ import annotations

import argparse

from loyaltypos.cli.common import (
    ENV_NEW_PIN,
    ENV_PIN,
    Command,
    Out,
    no_arguments,
    read_pin,
    sign_in,
    word,
)
from loyaltypos.db import Database
from loyaltypos.domain.i18n import N_, _
from loyaltypos.domain.money import fmt
from loyaltypos.domain.program import default_program_file, dump_program, load_program_file
from loyaltypos.services import store, users, verify

# ---------------------------------------------------------------- init


def _init_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("--manager", required=True)
    p.add_argument("--program")
    p.add_argument("--shop")
    p.add_argument("--currency")


def run_init(db: Database, args: argparse.Namespace, out: Out) -> None:
    program = load_program_file(args.program or default_program_file())
    pin = read_pin(ENV_PIN, _("new PIN for manager {name}: ").format(name=args.manager))
    done = store.initialise(db, manager_name=args.manager, manager_pin=pin, program=program,
                            shop_name=args.shop, currency=args.currency)
    out({"shop": done.program.name, "currency": done.program.currency,
         "manager": done.manager.name, "database": db.describe()},
        _("Shop '{shop}' ({currency}) set up in {database}; manager {manager}").format(
            shop=done.program.name, currency=done.program.currency, database=db.describe(),
            manager=done.manager.name))


# ---------------------------------------------------------------- program


def _program_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("show", parents=[common])
    actions.add_parser("load", parents=[common]).add_argument("file")


def run_program(db: Database, args: argparse.Namespace, out: Out) -> None:
    if args.action == "show":
        program = store.program_in_force(db)
    else:
        actor = sign_in(db, args)
        program = store.load_program(db, actor=actor, program=load_program_file(args.file))
    cur = program.currency
    data = {
        "name": program.name, "currency": cur, "tier_window_days": program.tier_window_days,
        "max_redeem_pct": str(program.max_redeem_pct),
        "min_redeem_balance": fmt(program.min_redeem_balance, cur),
        "tiers": [{"name": t.name, "bearer": t.bearer, "min_spend": fmt(t.min_spend, cur),
                   "discount_pct": str(t.discount_pct), "cashback_pct": str(t.cashback_pct)}
                  for t in program.tiers],
    }
    out(data, dump_program(program).rstrip())


# ---------------------------------------------------------------- user


def _user_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", parents=[common])
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=users.ROLES)
    actions.add_parser("pin", parents=[common],
                       help=_("change your own PIN (the new one from LOYALTYPOS_NEW_PIN or a"
                              " prompt)"))


def run_user(db: Database, args: argparse.Namespace, out: Out) -> None:
    actor = sign_in(db, args)
    if args.action == "pin":
        old = read_pin(ENV_PIN, _("PIN for {user}: ").format(user=actor.name))
        new = read_pin(ENV_NEW_PIN, _("new PIN for {name}: ").format(name=actor.name))
        users.change_pin(db, actor=actor, old_pin=old, new_pin=new)
        out({"name": actor.name, "pin": "changed"},
            _("PIN of {name} changed").format(name=actor.name))
        return
    pin = read_pin(ENV_NEW_PIN, _("new PIN for {name}: ").format(name=args.name))
    added = users.add_user(db, actor=actor, name=args.name, role=args.role, pin=pin)
    out({"name": added.name, "role": added.role},
        _("Added {role} {name}").format(role=word(added.role), name=added.name))


# ---------------------------------------------------------------- receipt header


def _receipt_header_arguments(p: argparse.ArgumentParser,
                              common: argparse.ArgumentParser) -> None:
    p.add_argument("lines", nargs="*", help=_("up to 6 lines; none clears the header"))


def run_receipt_header(db: Database, args: argparse.Namespace, out: Out) -> None:
    lines = store.set_receipt_header(db, actor=sign_in(db, args), lines=args.lines)
    out({"receipt_header": list(lines)}, "\n".join(lines) or _("(no header lines)"))


# ---------------------------------------------------------------- verify and backup


def run_verify(db: Database, args: argparse.Namespace, out: Out) -> int:
    problems = verify.verify(db)
    out({"ok": not problems, "problems": problems},
        _("ledger ok") if not problems else "\n".join(problems))
    return 0 if not problems else 1


def _backup_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("file")


def run_backup(db: Database, args: argparse.Namespace, out: Out) -> None:
    from loyaltypos.services.backups import back_up

    target = back_up(db, actor=sign_in(db, args), target=args.file)
    out({"backup": str(target)}, _("Backup written to {path}").format(path=target))


def _db_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("upgrade", parents=[common],
                       help=_("bring the database's schema up to date (an admin's step on a"
                              " server; tills never do it themselves)"))


def run_db(db: Database, args: argparse.Namespace, out: Out) -> None:
    # Opening the database for this command ran the migrations, under the server's lock.
    revision = store.schema(db)
    out({"schema": revision}, _("{database} is at schema {schema}, the newest").format(
        database=db.describe(), schema=revision))


COMMANDS = (
    Command("db", N_("the database itself: 'db upgrade' brings its schema up to date"),
            _db_arguments, run_db, needs_shop=False),
    Command("init", N_("set up a new shop database"), _init_arguments, run_init,
            needs_shop=False),
    Command("program", N_("show or load the loyalty program"), _program_arguments,
            run_program),
    Command("user", N_("add a user, or change your own PIN"), _user_arguments, run_user),
    Command("receipt-header", N_("set the lines printed under the shop's name (manager)"),
            _receipt_header_arguments, run_receipt_header),
    Command("verify", N_("check the ledger"), no_arguments, run_verify),
    Command("backup", N_("copy the database to a file (manager)"), _backup_arguments,
            run_backup),
)
