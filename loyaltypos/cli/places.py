"""``loyaltypos shops`` and ``loyaltypos till``: the program's shops and their tills."""

from __future__ import annotations

import argparse

from loyaltypos.cli.common import Command, Out, sign_in
from loyaltypos.db import Database
from loyaltypos.domain.i18n import N_, _
from loyaltypos.services import shops


def _shops_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("list", parents=[common])
    for name in ("add", "set"):
        q = actions.add_parser(name, parents=[common], help=(
            _("a new shop with its first till (manager)") if name == "add"
            else _("change a shop's name, address, time zone or language (manager)")))
        if name == "set":
            q.add_argument("shop", type=int, help=_("the shop's number"))
        q.add_argument("--name", required=name == "add")
        q.add_argument("--address", action="append",
                       help=_("a line printed under the name on receipts (repeat for more)"))
        q.add_argument("--timezone", help=_("the zone its days are dated in, e.g."
                                            " Europe/Moscow (none: the till computer's)"))
        q.add_argument("--language", help=_(
            "the language of its receipts, cards and reports, e.g. ru or en (blank: the till"
            " computer's)"))
        if name == "add":
            q.add_argument("--first-till", dest="first_till", required=True,
                           help=_("the name of its first till, unique in the program"))


def _shop_data(view: shops.ShopView) -> dict:
    return {"id": view.id, "name": view.name, "address": list(view.address),
            "timezone": view.timezone, "language": view.language, "tills": list(view.tills)}


def _shop_text(view: shops.ShopView) -> str:
    name = view.name or _("(the program's name)")
    zone = view.timezone or _("the till computer's zone")
    tills = ", ".join(view.tills) or _("no tills")
    language = view.language or _("the till computer's language")
    return _("Shop {number}: {name}; days in {zone}; printouts in {language}; tills: {tills}"
             ).format(number=view.id, name=name, zone=zone, language=language, tills=tills)


def run_shops(db: Database, args: argparse.Namespace, out: Out) -> None:
    if args.action == "list":
        found = shops.shops(db)
        out({"shops": [_shop_data(v) for v in found]}, "\n".join(map(_shop_text, found)))
        return
    actor = sign_in(db, args)
    if args.action == "add":
        view = shops.add_shop(db, actor=actor, name=args.name, address=args.address,
                              timezone=args.timezone, first_till=args.first_till,
                              language=args.language)
    else:
        view = shops.set_shop(db, actor=actor, shop_id=args.shop, name=args.name,
                              address=args.address, timezone=args.timezone,
                              language=args.language)
    out(_shop_data(view), _shop_text(view))


def _till_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("list", parents=[common])
    actions.add_parser("which", parents=[common], help=_("which till this is"))
    q = actions.add_parser("add", parents=[common], help=_("a new till (manager)"))
    q.add_argument("name", help=_("unique in the program, e.g. 'Arbat 2'"))
    q.add_argument("--shop", type=int, help=_("its shop's number (default: this till's)"))


def run_till(db: Database, args: argparse.Namespace, out: Out) -> None:
    if args.action == "list":
        found = shops.tills(db)
        out({"tills": [{"id": t.id, "name": t.name, "shop": t.shop_id} for t in found]},
            "\n".join(_("{name} (till {number}, shop {shop})").format(
                name=t.name, number=t.id, shop=t.shop_id) for t in found))
        return
    if args.action == "which":
        place = shops.this_till(db)
        out({"till": place.till_name, "till_id": place.till_id, "shop": place.shop_id},
            _("This is {name} (till {number}) of shop {shop}").format(
                name=place.till_name, number=place.till_id, shop=place.shop_id))
        return
    till = shops.add_till(db, actor=sign_in(db, args), name=args.name, shop_id=args.shop)
    out({"id": till.id, "name": till.name, "shop": till.shop_id},
        _("Added {name} (till {number}) to shop {shop}; start it with --till {quoted}"
          " or {env}").format(name=till.name, number=till.id, shop=till.shop_id,
                              quoted=repr(till.name), env=shops.ENV_TILL + "=..."))


COMMANDS = (
    Command("shops", N_("the program's shops: list, add, set (several shops on one server)"),
            _shops_arguments, run_shops),
    Command("till", N_("the program's tills: list, which, add"), _till_arguments, run_till),
)
