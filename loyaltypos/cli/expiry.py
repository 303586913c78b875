"""``loyaltypos expire``: write off lapsed cashback now; ``loyaltypos expire reminders``:
the customers who agreed to marketing whose cashback lapses within N days, as a list or a
CSV file for a reminder (manager)."""

from __future__ import annotations

import argparse

from loyaltypos.cli.common import Command, Out, UsageError, money, sign_in
from loyaltypos.db import Database
from loyaltypos.domain.i18n import N_, _, ngettext
from loyaltypos.services import expiry, store


def _arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=False)
    q = actions.add_parser("reminders", parents=[common],
                           help=_("customers whose cashback lapses soon (manager)"))
    q.add_argument("--days", required=True, help=_("lapsing within this many days"))
    q.add_argument("--csv", metavar=_("FILE"),
                   help=_("write them to FILE for a reminder (customers who agreed to"
                          " marketing only)"))


def _days(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise UsageError(_("--days takes a whole number of days, not '{text}'").format(
            text=text))
    return int(text)


def run(db: Database, args: argparse.Namespace, out: Out) -> None:
    actor = sign_in(db, args)
    currency = store.program_in_force(db).currency
    if args.action == "reminders":
        _reminders(db, args, out, actor, currency)
        return
    done = expiry.expire(db, actor=actor)
    text = (ngettext("{amount} of cashback expired on {cards} card (as of {date})",
                     "{amount} of cashback expired on {cards} cards (as of {date})", done.cards)
            if done.cards else _("Nothing has expired (as of {date})"))
    out({"cards": done.cards, "amount": money(done.amount, currency),
         "as_of": done.as_of.isoformat()},
        text.format(amount=money(done.amount, currency), cards=done.cards,
                    date=done.as_of.isoformat()))


def _reminders(db: Database, args: argparse.Namespace, out: Out, actor, currency: str) -> None:
    within = _days(args.days)
    rows = expiry.expiring_customers(db, actor=actor, within_days=within)
    if args.csv:
        written = expiry.write_reminders(db, actor=actor, rows=rows, path=args.csv,
                                         within_days=within)
        out({"days": within, "customers": written, "file": args.csv},
            ngettext("{n} customer whose cashback lapses within {days} days: written to {file}",
                     "{n} customers whose cashback lapses within {days} days: written to"
                     " {file}", written).format(n=written, days=within, file=args.csv))
        return
    data = [{"card": r.card, "name": r.name, "phone": r.phone, "email": r.email,
             "amount": money(r.amount, currency), "date": r.date.isoformat()} for r in rows]
    text = [ngettext("{n} customer whose cashback lapses within {days} days",
                     "{n} customers whose cashback lapses within {days} days", len(data)
                     ).format(n=len(data), days=within)]
    text += [f"  {r['card']}  {r['name'][:24]:<24}  {r['amount']:>12}  {r['date']}"
             for r in data]
    out({"days": within, "customers": data}, "\n".join(text))


COMMANDS = (
    Command("expire", N_("write off lapsed cashback now; 'expire reminders': who to remind"),
            _arguments, run),
)
