"""``product ...``: the catalog the till scans goods from."""

from __future__ import annotations

import argparse

from loyaltypos.cli.common import Command, Out, sign_in
from loyaltypos.db import Database
from loyaltypos.domain.i18n import N_, _
from loyaltypos.domain.money import fmt, parse_amount
from loyaltypos.services import products, store


def product_json(p: products.ProductInfo, currency: str) -> dict:
    return {"code": p.code, "name": p.name, "price": fmt(p.price, currency),
            "eligible": p.eligible}


def product_text(p: products.ProductInfo, currency: str) -> str:
    outside = "" if p.eligible else "  " + _("(outside the loyalty program)")
    return f"{p.code:<14} {p.name}  {fmt(p.price, currency)}{outside}"


def run_product(db: Database, args: argparse.Namespace, out: Out) -> None:
    cur = store.program_in_force(db).currency
    if args.action == "list":
        found = products.list_products(db)
        out([product_json(p, cur) for p in found],
            "\n".join(product_text(p, cur) for p in found) or _("no products yet"))
        return
    actor = sign_in(db, args)
    if args.action == "import":
        done = products.import_products_csv(db, actor=actor, path=args.file)
        out({"added": done.added, "updated": done.updated, "unchanged": done.unchanged},
            _("Imported {file}: {added} added, {updated} updated, {unchanged} unchanged")
            .format(file=args.file, added=done.added, updated=done.updated,
                    unchanged=done.unchanged))
    else:  # add
        info = products.save_product(db, actor=actor, code=args.code, name=args.name,
                                     price=parse_amount(args.price, cur),
                                     eligible=not args.excluded)
        out(product_json(info, cur), _("Saved {product}").format(product=product_text(info, cur)))


def _product_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("list", parents=[common])
    actions.add_parser("import", parents=[common]).add_argument(
        "file", help=_("CSV with the columns code,name,price[,eligible] (manager)"))
    q = actions.add_parser("add", parents=[common])
    q.add_argument("code", help=_("barcode or SKU; an existing code is changed (manager)"))
    q.add_argument("name")
    q.add_argument("price", help=_("e.g. 129.90"))
    q.add_argument("--excluded", action="store_true",
                   help=_("outside the loyalty program (gift cards, tobacco)"))


COMMANDS = (
    Command("product", N_("the product catalog"), _product_arguments, run_product),
)
