"""At the counter: ``sale``, ``refund`` and ``receipt``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from loyaltypos.cli.common import (
    Command,
    Out,
    UsageError,
    money,
    shop_language,
    sign_in,
    word,
    write_bytes,
)
from loyaltypos.db import Database
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import N_, _
from loyaltypos.domain.money import fmt, parse_amount
from loyaltypos.domain.pricing import REDEEM_MAX, CartLine, parse_quantity
from loyaltypos.services import cards, checkout, refunds, store

# ---------------------------------------------------------------- sale


def _payments(specs: Sequence[str], currency: str) -> list[checkout.PaymentInput]:
    result = []
    for spec in specs or ["cash"]:
        method, _sep, value = spec.partition(":")
        method = method.strip().lower()
        if method not in checkout.METHODS:
            raise UsageError(_("--pay takes cash[:TENDERED] or card[:AMOUNT], not '{spec}'")
                             .format(spec=spec))
        amount = parse_amount(value, currency) if value else None
        if method == "cash":
            result.append(checkout.PaymentInput("cash", None, amount))
        else:
            result.append(checkout.PaymentInput("card", amount))
    return result


def run_sale(db: Database, args: argparse.Namespace, out: Out) -> None:
    actor = sign_in(db, args)
    cur = store.program_in_force(db).currency
    if not args.items:
        raise UsageError(_("a sale needs at least one --item DESC QTY PRICE"))
    lines = [
        CartLine(desc, parse_quantity(qty), parse_amount(price, cur), eligible)
        for desc, qty, price, eligible in args.items
    ]
    redeem = None
    if args.redeem is not None:
        redeem = REDEEM_MAX if args.redeem.lower() == "max" else parse_amount(args.redeem, cur)
    payments = _payments(args.pay, cur)
    if getattr(args, "gift", False):
        if not args.card:
            raise UsageError(_("--gift hands out a gift of the card given with --card"))
        ready = cards.scan_card(db, number=args.card).rewards.gifts_ready
        if not ready:
            raise Refused(_("card {number} has no gift ready").format(number=args.card))
        lines = [ready[0].line(), *lines]
    result = checkout.checkout(db, actor=actor, sale_id=args.id or checkout.new_sale_id(),
                               card_number=args.card, lines=lines, redeem=redeem,
                               payments=payments)
    data = {
        "sale_id": result.sale_id, "receipt_no": result.receipt_no, "card": result.card,
        "tier": result.tier, "subtotal": fmt(result.subtotal, cur),
        "discount": fmt(result.discount, cur), "redeemed": fmt(result.redeemed, cur),
        "paid": fmt(result.paid, cur), "cashback": fmt(result.cashback, cur),
        "balance": money(result.balance, cur), "change": fmt(result.change, cur),
        "replayed": result.replayed,
        "bonuses": {kind.removeprefix("bonus_"): fmt(amount, cur)
                    for kind, amount in sorted(result.bonuses.items())},
        "stamps": None if result.stamp is None else {
            "count": result.stamp, "every": result.stamps_every, "gift": result.gift},
    }
    text = _("Receipt {receipt_no}  sale {sale_id}\n"
             "subtotal {subtotal}  discount {discount}  redeemed {redeemed}"
             "  paid {paid}  change {change}").format(**data)
    if result.card:
        text += "\n" + _("card {card} ({tier}): cashback {cashback}, balance {balance}").format(
            **data)
    for kind, amount in data["bonuses"].items():
        text += "\n" + _("bonus ({kind}): {amount}").format(kind=word(kind), amount=amount)
    if result.stamp is not None:
        text += "\n" + _("stamp {count} of {every}").format(count=result.stamp,
                                                            every=result.stamps_every or "?")
    if result.replayed:
        text += "\n" + _("(this sale was already recorded; nothing was charged again)")
    out(data, text)


class _ItemAction(argparse.Action):
    """Keeps --item and --excluded-item in the order typed, with their eligibility."""

    def __call__(self, parser, namespace, values, option_string=None):
        items = list(getattr(namespace, self.dest, None) or [])
        items.append((*values, option_string == "--item"))
        setattr(namespace, self.dest, items)


def _sale_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    item = (_("DESC"), _("QTY"), _("PRICE"))
    p.add_argument("--card")
    p.add_argument("--item", dest="items", nargs=3, action=_ItemAction, metavar=item)
    p.add_argument("--excluded-item", dest="items", nargs=3, action=_ItemAction,
                   metavar=item, help=_("goods outside the loyalty program"))
    p.add_argument("--redeem", help=_("amount of cashback to spend, or max"))
    p.add_argument("--pay", action="append", help=_("cash[:TENDERED] or card[:AMOUNT]"))
    p.add_argument("--id", help=_("the sale's UUID; the same id twice records one sale"))
    p.add_argument("--gift", action="store_true",
                   help=_("hand out the card's item gift (one unit at price 0)"))


# ---------------------------------------------------------------- refund


def run_refund(db: Database, args: argparse.Namespace, out: Out) -> None:
    actor = sign_in(db, args)
    cur = store.program_in_force(db).currency
    sale_id = args.sale_id
    if sale_id.isascii() and sale_id.isdigit():
        if len(sale_id) > 12:
            raise Refused(_("there is no receipt number {number}").format(number=sale_id))
        sale_id = refunds.find_sale_id(db, receipt_no=int(sale_id))
    items = None
    if args.item:
        items = {}
        for line_no, qty in args.item:
            if not (line_no.isascii() and line_no.isdigit()) or len(line_no) > 6 \
                    or int(line_no) < 1:
                raise Refused(_("'{line_no}' is not a line number; lines count from 1").format(
                    line_no=line_no))
            items[int(line_no)] = items.get(int(line_no), 0) + parse_quantity(qty)
    result = refunds.refund(db, actor=actor, sale_id=sale_id, items=items, refund_id=args.id)
    data = {
        "refund_id": result.refund_id, "refund_no": result.refund_no, "sale_id": result.sale_id,
        "money_back": fmt(result.money_back, cur), "restored": fmt(result.restored, cur),
        "reversed": fmt(result.reversed, cur), "shortfall": fmt(result.shortfall, cur),
        "balance": money(result.balance, cur), "to_card": fmt(result.to_card, cur),
        "to_cash": fmt(result.to_cash, cur),
        "unstamped": result.unstamped, "gift": result.gift,
        "rewards_back": fmt(result.rewards_back, cur),
        "rewards_kept": fmt(result.rewards_kept, cur),
        "rewards_forgiven": fmt(result.rewards_forgiven, cur),
        "referral_back": fmt(result.referral_back, cur),
    }
    text = _("Refund {refund_no}: money back {money_back} (card {to_card}, cash {to_cash}),"
             " cashback restored {restored}, reversed {reversed}").format(**data)
    if result.shortfall:
        text += ", " + _("kept back {shortfall} of cashback already spent").format(**data)
    if result.unstamped:
        text += ", " + _("the purchase's stamp taken back")
    if result.gift == "cancelled":
        text += ", " + _("its unused gift cancelled")
    if result.rewards_back or result.rewards_kept:
        text += ", " + _("rewards taken back {back} from the balance, {kept} kept from the"
                         " money").format(back=data["rewards_back"], kept=data["rewards_kept"])
    if result.balance is not None:
        text += "; " + _("balance {balance}").format(**data)
    out(data, text)


def _refund_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("sale_id", help=_("sale id or receipt number"))
    p.add_argument("--item", nargs=2, action="append", metavar=(_("LINE_NO"), _("QTY")))
    p.add_argument("--id", help=_("the refund's UUID; the same id twice refunds once"))


# ---------------------------------------------------------------- receipt


def run_receipt(db: Database, args: argparse.Namespace, out: Out) -> None:
    from loyaltypos.documents import receipt_print  # reportlab loads only for receipts
    from loyaltypos.documents import receipts as receipt_text
    from loyaltypos.domain.receipts import Receipt
    from loyaltypos.services import receipts

    number = receipt_print.parse_receipt_code(args.number)
    if args.refund:
        if number is None:
            raise UsageError(_("with --refund, give the refund number"))
        doc = receipts.refund_receipt(db, refund_no=number.number)
    else:
        sale_id = (refunds.find_sale_id(db, receipt_no=number) if number is not None
                   else args.number)
        doc = receipts.sale_receipt(db, sale_id=sale_id)
    written, text = {}, None
    with shop_language(db):  # the customer's paper, in the shop's language
        if args.pdf:
            written["pdf"] = str(receipt_print.write_receipt_pdf(doc, args.pdf,
                                                                 width_mm=args.width))
        if args.escpos:
            write_bytes(args.escpos, receipt_print.escpos_bytes(doc, width_mm=args.width))
            written["escpos"] = args.escpos
        if not written:  # no file asked for: show it
            text = receipt_text.render_text(doc) if isinstance(doc, Receipt) \
                else receipt_text.render_refund_text(doc)
    if written:
        out(written, _("Written: {files}").format(files=", ".join(written.values())))
    else:
        out({"text": text}, text)


def _receipt_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("number",
                   help=_("receipt number (or R123 from its barcode, or the sale id)"))
    p.add_argument("--refund", action="store_true", help=_("the number is a refund's"))
    p.add_argument("--pdf", help=_("write the receipt as a PDF for a roll printer"))
    p.add_argument("--escpos", help=_("write the ESC/POS bytes for a thermal printer"))
    p.add_argument("--width", type=int, choices=(80, 58), default=80, help=_("roll width, mm"))


COMMANDS = (
    Command("sale", N_("record a sale"), _sale_arguments, run_sale),
    Command("refund", N_("refund a sale (manager)"), _refund_arguments, run_refund),
    Command("receipt", N_("show or print a receipt"), _receipt_arguments, run_receipt),
)
