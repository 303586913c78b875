"""``loyaltypos history ...``: purchases from before the program, for the insight figures."""

from __future__ import annotations

import argparse

from loyaltypos.cli.common import Command, Out, money, sign_in
from loyaltypos.db import Database
from loyaltypos.domain import clock
from loyaltypos.domain.i18n import N_, _, ngettext
from loyaltypos.services import history, store


def _date(value) -> str | None:
    return None if value is None else value.isoformat()


def result_json(done: history.HistoryImportResult, currency: str) -> dict:
    return {"file": done.file_name, "rows_in_file": done.rows_in_file,
            "imported": done.imported, "already_known": done.already_known,
            "customers": done.customers, "first_date": _date(done.first_date),
            "last_date": _date(done.last_date), "total": money(done.total, currency),
            "nothing_new": done.nothing_new}


def result_text(done: history.HistoryImportResult, currency: str) -> str:
    if done.nothing_new:
        return ngettext("{file}: nothing new; its {rows} purchase was imported before",
                        "{file}: nothing new; all {rows} purchases were imported before",
                        done.rows_in_file).format(file=done.file_name, rows=done.rows_in_file)
    return _("Imported {file}: {imported} purchases of {customers} customers, {first} .. {last},"
             " total {total}; {known} already known").format(
        file=done.file_name, imported=done.imported, customers=done.customers,
        first=_date(done.first_date), last=_date(done.last_date),
        total=money(done.total, currency), known=done.already_known)


def import_json(info: history.HistoryImportInfo, currency: str) -> dict:
    return {"file": info.file_name, "sha256": info.sha256,
            "imported_at": clock.to_local(info.imported_at).isoformat(timespec="seconds"),
            "user": info.user, "purchases": info.purchases,
            "first_date": _date(info.first_date), "last_date": _date(info.last_date),
            "total": money(info.total, currency)}


def import_text(data: dict) -> str:
    return _("{at}  {file}  by {user}: {n} purchases, {first} .. {last}, total {total}").format(
        at=data["imported_at"], file=data["file"], user=data["user"], n=data["purchases"],
        first=data["first_date"], last=data["last_date"], total=data["total"])


def run(db: Database, args: argparse.Namespace, out: Out) -> None:
    actor = sign_in(db, args)
    currency = store.program_in_force(db).currency
    if args.action == "import":
        done = history.import_history_csv(db, actor=actor, path=args.file)
        out(result_json(done, currency), result_text(done, currency))
    else:  # list
        found = [import_json(i, currency) for i in history.imports(db, actor=actor)]
        out(found, "\n".join(import_text(i) for i in found) or _("no history imported yet"))


def _arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("import", parents=[common],
                       help=_("import a CSV of past purchases (manager)")).add_argument(
        "file", help=_("CSV with the columns date,card,amount[,receipt]; card is a card number"
                       " or a customer's phone"))
    actions.add_parser("list", parents=[common], help=_("the files imported so far (manager)"))


COMMANDS = (
    Command("history", N_("purchases from before the program, for the insight figures"),
            _arguments, run),
)
