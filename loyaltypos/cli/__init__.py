"""The ``loyaltypos`` command line: a shop owner's scripting tool over the services.

Exit codes: 0 done; 1 refused by a rule (one line on stderr, nothing written);
2 bad usage. ``--json`` prints one JSON document; amounts are strings with the
currency's decimals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
from collections.abc import Sequence

from loyaltypos import db as dbmod
from loyaltypos.domain.errors import NotInitialised, Refused
from loyaltypos.domain.money import fmt, parse_amount
from loyaltypos.domain.pricing import REDEEM_MAX, CartLine, parse_quantity
from loyaltypos.domain.program import DEFAULT_PROGRAM_FILE, dump_program, load_program_file
from loyaltypos.services import cards, checkout, days, products, refunds, store, users, verify

ENV_PIN = "LOYALTYPOS_PIN"
ENV_NEW_PIN = "LOYALTYPOS_NEW_PIN"


class UsageError(Exception):
    """Bad usage found after parsing: exit code 2."""


# ---------------------------------------------------------------- helpers


def _pin(env: str, prompt: str) -> str:
    pin = os.environ.get(env)
    if pin is not None:
        return pin.strip()
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    raise Refused(f"no PIN: set {env} or run the command in a terminal to type it")


def _actor(db: dbmod.Database, args) -> users.Actor:
    if not getattr(args, "user", None):
        raise UsageError("this command writes: say who you are with --user NAME")
    return users.sign_in(db, name=args.user, pin=_pin(ENV_PIN, f"PIN for {args.user}: "))


def _money(units: int | None, currency: str) -> str | None:
    return None if units is None else fmt(units, currency)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Refused(f"'{text}' is not a date; write YYYY-MM-DD") from None


def _card_json(info: cards.CardInfo, currency: str) -> dict:
    holder = None
    if info.holder is not None:
        h = info.holder
        holder = {"name": h.name, "phone": h.phone, "email": h.email,
                  "birthday": h.birthday.isoformat() if h.birthday else None}
    return {
        "number": info.number, "kind": info.kind, "status": info.status, "tier": info.tier,
        "balance": fmt(info.balance, currency), "spend": fmt(info.spend, currency),
        "holder": holder,
        "discount_pct": str(info.discount_pct), "cashback_pct": str(info.cashback_pct),
        "pinned": info.pinned, "next_tier": info.next_tier,
        "to_next_tier": _money(info.to_next_tier, currency), "replaced_by": info.replaced_by,
    }


def _card_text(info: cards.CardInfo, currency: str) -> str:
    who = info.holder.name if info.holder else "Bearer card"
    text = (
        f"{info.number}  {who}  [{info.kind}, {info.status}]  tier {info.tier}"
        f" ({info.discount_pct}% off, {info.cashback_pct}% cashback)"
        f"  balance {fmt(info.balance, currency)}  spend {fmt(info.spend, currency)}"
    )
    if info.next_tier:
        text += f"  {fmt(info.to_next_tier, currency)} more to {info.next_tier}"
    if info.replaced_by:
        text += f"  replaced by {info.replaced_by}"
    return text


def _customer(args) -> cards.CustomerInput:
    return cards.CustomerInput(
        name=args.name,
        phone=args.phone,
        email=args.email,
        birthday=_date(args.birthday) if getattr(args, "birthday", None) else None,
        marketing_consent=bool(getattr(args, "consent", False)),
    )


class Out:
    """Prints either JSON or text, whichever the user asked for."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def __call__(self, data, text: str) -> None:
        if self.as_json:
            print(json.dumps(data, ensure_ascii=False, default=str))
        else:
            print(text)


# ---------------------------------------------------------------- commands


def cmd_init(db, args, out: Out) -> None:
    program = load_program_file(args.program or DEFAULT_PROGRAM_FILE)
    pin = _pin(ENV_PIN, f"new PIN for manager {args.manager}: ")
    done = store.initialise(db, manager_name=args.manager, manager_pin=pin, program=program,
                            shop_name=args.shop, currency=args.currency)
    out({"shop": done.program.name, "currency": done.program.currency,
         "manager": done.manager.name, "database": db.describe()},
        f"Shop '{done.program.name}' ({done.program.currency}) set up in {db.describe()};"
        f" manager {done.manager.name}")


def cmd_program(db, args, out: Out) -> None:
    if args.action == "show":
        program = store.program_in_force(db)
    else:
        actor = _actor(db, args)
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


def cmd_user(db, args, out: Out) -> None:
    actor = _actor(db, args)
    pin = _pin(ENV_NEW_PIN, f"new PIN for {args.name}: ")
    added = users.add_user(db, actor=actor, name=args.name, role=args.role, pin=pin)
    out({"name": added.name, "role": added.role}, f"Added {added.role} {added.name}")


def _print_issued(db, issued: list[cards.CardInfo], path: str):
    """The PDF of cards just issued: one CR80 card for a personal card, A4 sheets for bearer."""
    from loyaltypos.documents import (
        cards as card_print,  # reportlab loads only when something is printed
    )

    program = store.program_in_force(db)
    if issued[0].kind == "personal":
        return card_print.write_card_pdf(issued[0], program, path)
    return card_print.batch_pdf(issued, program, path)


def cmd_card(db, args, out: Out) -> None:
    cur = store.program_in_force(db).currency
    action = args.action
    if action == "issue":
        actor = _actor(db, args)
        if args.bearer == args.personal:
            raise UsageError("say --bearer or --personal")
        if args.pdf:
            from loyaltypos.documents.files import check_writable

            check_writable(args.pdf)  # before issuing: no cards for a PDF that cannot be saved
        if args.personal:
            if args.count is not None:
                raise UsageError("personal cards are issued one at a time; drop --count")
            if not args.name:
                raise UsageError("a personal card needs --name")
            issued = cards.issue_cards(db, actor=actor, kind="personal", customer=_customer(args))
        else:
            count = 1 if args.count is None else args.count
            issued = cards.issue_cards(db, actor=actor, kind="bearer", count=count)
        data = [_card_json(c, cur) for c in issued]
        text = "\n".join(_card_text(c, cur) for c in issued)
        if args.pdf:
            try:
                written = _print_issued(db, issued, args.pdf)
            except Refused as exc:
                # The cards exist now: show them, then say the PDF is missing (exit 1).
                out(data if args.count is not None else data[0], text)
                raise Refused(f"the cards above were issued, but {exc}") from None
            text += f"\nPDF: {written.path} ({written.pages} pages)"
        # --count always answers with a list, even of one card; without it, one card.
        out(data if args.count is not None else data[0], text)
        return
    if action == "print":
        from loyaltypos.domain import cardnumbers
        from loyaltypos.services.printouts import card_pdf  # reportlab loads only when printing

        written = card_pdf(db, number=args.number, path=args.pdf)
        out({"card": cardnumbers.normalize(args.number), "pdf": str(written.path),
             "pages": written.pages},
            f"Card printed to {written.path} (front and back, {written.pages} pages)")
        return
    if action == "find":
        found = cards.find_cards(db, text=args.text)
        out([_card_json(c, cur) for c in found],
            "\n".join(_card_text(c, cur) for c in found) or "no card found")
        return
    if action == "show":
        info = cards.show_card(db, number=args.number)
    elif action == "replace":
        done = cards.replace_card(db, actor=_actor(db, args), number=args.number)
        data = _card_json(done.new, cur) | {"replaces": done.old.number,
                                            "moved_balance": fmt(done.moved_balance, cur)}
        out(data, f"Card {done.old.number} replaced by\n{_card_text(done.new, cur)}")
        return
    else:
        actor = _actor(db, args)
        if action == "register":
            info = cards.register_card(db, actor=actor, number=args.number,
                                       customer=_customer(args))
        elif action == "block":
            info = cards.block_card(db, actor=actor, number=args.number, reason=args.reason)
        elif action == "pin-tier":
            tier = None if args.tier.lower() == "none" else args.tier
            info = cards.pin_tier(db, actor=actor, number=args.number, tier=tier)
        else:  # adjust
            amount = parse_amount(args.amount, cur, allow_negative=True)
            info = cards.adjust_balance(db, actor=actor, number=args.number, amount=amount,
                                        reason=args.reason)
    out(_card_json(info, cur), _card_text(info, cur))


def _payments(specs: Sequence[str], currency: str) -> list[checkout.PaymentInput]:
    result = []
    for spec in specs or ["cash"]:
        method, _, value = spec.partition(":")
        method = method.strip().lower()
        if method not in checkout.METHODS:
            raise UsageError(f"--pay takes cash[:TENDERED] or card[:AMOUNT], not '{spec}'")
        amount = parse_amount(value, currency) if value else None
        if method == "cash":
            result.append(checkout.PaymentInput("cash", None, amount))
        else:
            result.append(checkout.PaymentInput("card", amount))
    return result


def cmd_sale(db, args, out: Out) -> None:
    actor = _actor(db, args)
    cur = store.program_in_force(db).currency
    if not args.items:
        raise UsageError("a sale needs at least one --item DESC QTY PRICE")
    lines = [
        CartLine(desc, parse_quantity(qty), parse_amount(price, cur), eligible)
        for desc, qty, price, eligible in args.items
    ]
    redeem = None
    if args.redeem is not None:
        redeem = REDEEM_MAX if args.redeem.lower() == "max" else parse_amount(args.redeem, cur)
    payments = _payments(args.pay, cur)
    result = checkout.checkout(db, actor=actor, sale_id=args.id or checkout.new_sale_id(),
                               card_number=args.card, lines=lines, redeem=redeem,
                               payments=payments)
    data = {
        "sale_id": result.sale_id, "receipt_no": result.receipt_no, "card": result.card,
        "tier": result.tier, "subtotal": fmt(result.subtotal, cur),
        "discount": fmt(result.discount, cur), "redeemed": fmt(result.redeemed, cur),
        "paid": fmt(result.paid, cur), "cashback": fmt(result.cashback, cur),
        "balance": _money(result.balance, cur), "change": fmt(result.change, cur),
        "replayed": result.replayed,
    }
    text = (
        f"Receipt {result.receipt_no}  sale {result.sale_id}\n"
        f"subtotal {data['subtotal']}  discount {data['discount']}  redeemed {data['redeemed']}"
        f"  paid {data['paid']}  change {data['change']}"
    )
    if result.card:
        text += (f"\ncard {result.card} ({result.tier}): cashback {data['cashback']},"
                 f" balance {data['balance']}")
    if result.replayed:
        text += "\n(this sale was already recorded; nothing was charged again)"
    out(data, text)


def cmd_refund(db, args, out: Out) -> None:
    actor = _actor(db, args)
    cur = store.program_in_force(db).currency
    sale_id = args.sale_id
    if sale_id.isdigit():
        sale_id = refunds.find_sale_id(db, receipt_no=int(sale_id))
    items = None
    if args.item:
        items = {}
        for line_no, qty in args.item:
            if not line_no.isdigit() or int(line_no) < 1:
                raise Refused(f"'{line_no}' is not a line number; lines count from 1")
            items[int(line_no)] = items.get(int(line_no), 0) + parse_quantity(qty)
    result = refunds.refund(db, actor=actor, sale_id=sale_id, items=items, refund_id=args.id)
    data = {
        "refund_id": result.refund_id, "refund_no": result.refund_no, "sale_id": result.sale_id,
        "money_back": fmt(result.money_back, cur), "restored": fmt(result.restored, cur),
        "reversed": fmt(result.reversed, cur), "shortfall": fmt(result.shortfall, cur),
        "balance": _money(result.balance, cur), "to_card": fmt(result.to_card, cur),
        "to_cash": fmt(result.to_cash, cur),
    }
    text = (f"Refund {result.refund_no}: money back {data['money_back']}"
            f" (card {data['to_card']}, cash {data['to_cash']}),"
            f" cashback restored {data['restored']}, reversed {data['reversed']}")
    if result.shortfall:
        text += f", kept back {data['shortfall']} of cashback already spent"
    if result.balance is not None:
        text += f"; balance {data['balance']}"
    out(data, text)


def _summary_json(s: days.DaySummary, cur: str) -> dict:
    return {
        "date": s.date.isoformat(), "closed": s.closed, "z_number": s.z_number,
        "sales": s.sales, "refunds": s.refunds, "subtotal": fmt(s.subtotal, cur),
        "discount": fmt(s.discount, cur), "redeemed": fmt(s.redeemed, cur),
        "paid": fmt(s.paid, cur), "money_back": fmt(s.money_back, cur),
        "paid_by": {k: fmt(v, cur) for k, v in s.paid_by.items()},
        "cashback_earned": fmt(s.cashback_earned, cur),
        "cashback_restored": fmt(s.cashback_restored, cur),
        "cashback_reversed": fmt(s.cashback_reversed, cur),
        "adjustments": fmt(s.adjustments, cur),
        "liability_change": fmt(s.liability_change, cur),
        "liability_total": fmt(s.liability_total, cur),
        "new_cards": s.new_cards, "average_check": fmt(s.average_check, cur),
        "tiers": {k: {"sales": v.sales, "subtotal": fmt(v.subtotal, cur),
                      "discount": fmt(v.discount, cur)} for k, v in s.tiers.items()},
        "hours": {k: fmt(v, cur) for k, v in s.hours.items()},
        "top_customers": [{"card": t.card, "name": t.name, "paid": fmt(t.paid, cur)}
                          for t in s.top_customers],
        "expected_cash": fmt(s.expected_cash, cur),
        "counted_cash": _money(s.counted_cash, cur),
        "cash_difference": _money(s.cash_difference, cur),
    }


def _summary_text(data: dict) -> str:
    head = f"Business day {data['date']}" + (
        f" - closed, Z {data['z_number']}" if data["closed"] else " - open")
    rows = [head]
    for key in ("sales", "refunds", "subtotal", "discount", "redeemed", "paid", "money_back",
                "cashback_earned", "cashback_reversed", "liability_change", "liability_total",
                "average_check", "expected_cash", "counted_cash", "cash_difference"):
        if data[key] is not None:
            rows.append(f"  {key.replace('_', ' '):<20} {data[key]}")
    for key in ("paid_by", "new_cards"):
        parts = ", ".join(f"{k} {v}" for k, v in data[key].items())
        rows.append(f"  {key.replace('_', ' '):<20} {parts}")
    for name, t in data["tiers"].items():
        rows.append(f"  tier {name:<15} {t['sales']} sales, {t['subtotal']}, -{t['discount']}")
    return "\n".join(rows)


def cmd_day(db, args, out: Out) -> None:
    actor = _actor(db, args)
    cur = store.program_in_force(db).currency
    counted = parse_amount(args.counted_cash, cur) if args.counted_cash is not None else None
    summary = days.close_day(db, actor=actor, counted_cash=counted)
    data = _summary_json(summary, cur)
    out(data, _summary_text(data))


def cmd_report(db, args, out: Out) -> None:
    program = store.program_in_force(db)
    cur = program.currency
    if args.action == "z":
        summary = days.z_report(db, z_number=args.number)
    else:
        summary = days.day_summary(db, date=_date(args.date) if args.date else None)
    data = _summary_json(summary, cur)
    if getattr(args, "pdf", None):
        from loyaltypos.documents.z_report import write_z_pdf

        data["pdf"] = str(write_z_pdf(summary, args.pdf, shop=program.name, currency=cur))
    if getattr(args, "escpos", None):
        from loyaltypos.documents.z_report import z_escpos_bytes

        try:
            with open(args.escpos, "wb") as target:
                target.write(z_escpos_bytes(summary, shop=program.name, currency=cur))
        except OSError as exc:
            raise Refused(f"cannot write {args.escpos}: {exc.strerror}") from None
        data["escpos"] = args.escpos
    out(data, _summary_text(data) + "".join(f"\nWritten: {data[k]}" for k in ("pdf", "escpos")
                                           if k in data))


def cmd_export(db, args, out: Out) -> None:
    from loyaltypos.services.export import export_range

    done = export_range(db, start=_date(args.date_from), end=_date(args.date_to),
                        folder=args.dir, delimiter="\t" if args.delimiter == "tab"
                        else args.delimiter)
    out({"files": {k: str(v) for k, v in done.files.items()}, "rows": done.rows},
        "\n".join(f"{path}  ({done.rows[name]} rows)" for name, path in done.files.items()))


def cmd_verify(db, args, out: Out) -> int:
    problems = verify.verify(db)
    out({"ok": not problems, "problems": problems},
        "ledger ok" if not problems else "\n".join(problems))
    return 0 if not problems else 1


def cmd_backup(db, args, out: Out) -> None:
    from loyaltypos.db.backup import backup

    target = backup(db, args.file)
    out({"backup": str(target)}, f"Backup written to {target}")


def _product_json(p: products.ProductInfo, currency: str) -> dict:
    return {"code": p.code, "name": p.name, "price": fmt(p.price, currency),
            "eligible": p.eligible}


def _product_text(p: products.ProductInfo, currency: str) -> str:
    outside = "" if p.eligible else "  (outside the loyalty program)"
    return f"{p.code:<14} {p.name}  {fmt(p.price, currency)}{outside}"


def cmd_product(db, args, out: Out) -> None:
    cur = store.program_in_force(db).currency
    if args.action == "list":
        found = products.list_products(db)
        out([_product_json(p, cur) for p in found],
            "\n".join(_product_text(p, cur) for p in found) or "no products yet")
        return
    actor = _actor(db, args)
    if args.action == "import":
        done = products.import_products_csv(db, actor=actor, path=args.file)
        out({"added": done.added, "updated": done.updated, "unchanged": done.unchanged},
            f"Imported {args.file}: {done.added} added, {done.updated} updated,"
            f" {done.unchanged} unchanged")
    else:  # add
        info = products.save_product(db, actor=actor, code=args.code, name=args.name,
                                     price=parse_amount(args.price, cur),
                                     eligible=not args.excluded)
        out(_product_json(info, cur), f"Saved {_product_text(info, cur)}")


def cmd_receipt_header(db, args, out: Out) -> None:
    lines = store.set_receipt_header(db, actor=_actor(db, args), lines=args.lines)
    out({"receipt_header": list(lines)}, "\n".join(lines) or "(no header lines)")


def cmd_receipt(db, args, out: Out) -> None:
    from loyaltypos.documents import receipt_print
    from loyaltypos.documents import receipts as receipt_text
    from loyaltypos.domain.receipts import Receipt
    from loyaltypos.services import receipts

    if args.refund:
        number = receipt_print.parse_receipt_code(args.number)
        if number is None:
            raise UsageError("with --refund, give the refund number")
        doc = receipts.refund_receipt(db, refund_no=number)
    else:
        number = receipt_print.parse_receipt_code(args.number)
        sale_id = (refunds.find_sale_id(db, receipt_no=number) if number is not None
                   else args.number)
        doc = receipts.sale_receipt(db, sale_id=sale_id)
    written = {}
    if args.pdf:
        written["pdf"] = str(receipt_print.write_receipt_pdf(doc, args.pdf, width_mm=args.width))
    if args.escpos:
        try:
            with open(args.escpos, "wb") as target:
                target.write(receipt_print.escpos_bytes(doc, width_mm=args.width))
        except OSError as exc:
            raise Refused(f"cannot write {args.escpos}: {exc.strerror}") from None
        written["escpos"] = args.escpos
    if written:
        out(written, "Written: " + ", ".join(written.values()))
    else:  # no file asked for: show it
        is_sale = isinstance(doc, Receipt)
        text = receipt_text.render_text(doc) if is_sale else receipt_text.render_refund_text(doc)
        out({"text": text}, text)


COMMANDS = {
    "init": cmd_init, "program": cmd_program, "user": cmd_user, "card": cmd_card,
    "sale": cmd_sale, "refund": cmd_refund, "day": cmd_day, "report": cmd_report,
    "verify": cmd_verify, "backup": cmd_backup, "product": cmd_product,
    "receipt": cmd_receipt, "export": cmd_export, "receipt-header": cmd_receipt_header,
}


# ---------------------------------------------------------------- parser


class _ItemAction(argparse.Action):
    """Keeps --item and --excluded-item in the order typed, with their eligibility."""

    def __call__(self, parser, namespace, values, option_string=None):
        items = list(getattr(namespace, self.dest, None) or [])
        items.append((*values, option_string == "--item"))
        setattr(namespace, self.dest, items)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="database file or SQLAlchemy URL (default: LOYALTYPOS_DB, "
                             "or the user's data folder)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print one JSON document")
    common.add_argument("--user", default=argparse.SUPPRESS,
                        help="who does this (PIN from LOYALTYPOS_PIN or a prompt)")

    parser = argparse.ArgumentParser(prog="loyaltypos", parents=[common],
                                     description="LoyaltyPOS: loyalty cards and cashback.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help_)

    p = add("init", "set up a new shop database")
    p.add_argument("--manager", required=True)
    p.add_argument("--program")
    p.add_argument("--shop")
    p.add_argument("--currency")

    p = add("program", "show or load the loyalty program")
    psub = p.add_subparsers(dest="action", required=True)
    psub.add_parser("show", parents=[common])
    psub.add_parser("load", parents=[common]).add_argument("file")

    p = add("user", "add a user")
    usub = p.add_subparsers(dest="action", required=True)
    pu = usub.add_parser("add", parents=[common])
    pu.add_argument("name")
    pu.add_argument("--role", required=True, choices=users.ROLES)

    p = add("card", "issue, look up and manage cards")
    csub = p.add_subparsers(dest="action", required=True)

    def holder_args(q: argparse.ArgumentParser, *, name_required: bool) -> None:
        q.add_argument("--name", required=name_required)
        q.add_argument("--phone")
        q.add_argument("--email")
        q.add_argument("--birthday", help="YYYY-MM-DD")
        q.add_argument("--consent", action="store_true", help="agrees to marketing messages")

    q = csub.add_parser("issue", parents=[common])
    q.add_argument("--bearer", action="store_true")
    q.add_argument("--personal", action="store_true")
    q.add_argument("--count", type=int, help="how many bearer cards (answers with a list)")
    q.add_argument("--pdf", metavar="FILE",
                   help="also write the new cards to a PDF: bearer cards on A4 sheets of ten"
                        " (fronts, then mirrored backs), a personal card as one CR80 card")
    holder_args(q, name_required=False)
    q = csub.add_parser("print", parents=[common])
    q.add_argument("number")
    q.add_argument("--pdf", metavar="FILE", required=True,
                   help="write the card's front and back (two CR80 pages) to this PDF")
    csub.add_parser("show", parents=[common]).add_argument("number")
    csub.add_parser("find", parents=[common]).add_argument("text")
    q = csub.add_parser("register", parents=[common])
    q.add_argument("number")
    holder_args(q, name_required=True)
    q = csub.add_parser("block", parents=[common])
    q.add_argument("number")
    q.add_argument("--reason", default="")
    csub.add_parser("replace", parents=[common]).add_argument("number")
    q = csub.add_parser("pin-tier", parents=[common])
    q.add_argument("number")
    q.add_argument("tier", help="tier name, or 'none' to unpin")
    q = csub.add_parser("adjust", parents=[common])
    q.add_argument("number")
    q.add_argument("amount", help="signed amount, e.g. 100.00 or -50")
    q.add_argument("--reason", required=True)

    p = add("product", "the product catalog")
    prsub = p.add_subparsers(dest="action", required=True)
    prsub.add_parser("list", parents=[common])
    prsub.add_parser("import", parents=[common]).add_argument(
        "file", help="CSV with the columns code,name,price[,eligible] (manager)")
    q = prsub.add_parser("add", parents=[common])
    q.add_argument("code", help="barcode or SKU; an existing code is changed (manager)")
    q.add_argument("name")
    q.add_argument("price", help="e.g. 129.90")
    q.add_argument("--excluded", action="store_true",
                   help="outside the loyalty program (gift cards, tobacco)")

    p = add("sale", "record a sale")
    p.add_argument("--card")
    p.add_argument("--item", dest="items", nargs=3, action=_ItemAction,
                   metavar=("DESC", "QTY", "PRICE"))
    p.add_argument("--excluded-item", dest="items", nargs=3, action=_ItemAction,
                   metavar=("DESC", "QTY", "PRICE"), help="goods outside the loyalty program")
    p.add_argument("--redeem", help="amount of cashback to spend, or max")
    p.add_argument("--pay", action="append", help="cash[:TENDERED] or card[:AMOUNT]")
    p.add_argument("--id", help="the sale's UUID; the same id twice records one sale")

    p = add("refund", "refund a sale (manager)")
    p.add_argument("sale_id", help="sale id or receipt number")
    p.add_argument("--item", nargs=2, action="append", metavar=("LINE_NO", "QTY"))
    p.add_argument("--id", help="the refund's UUID; the same id twice refunds once")

    p = add("day", "the business day")
    dsub = p.add_subparsers(dest="action", required=True)
    dsub.add_parser("close", parents=[common]).add_argument("--counted-cash")

    p = add("report", "reports")
    rsub = p.add_subparsers(dest="action", required=True)
    q = rsub.add_parser("eod", parents=[common])
    q.add_argument("--date")
    q.add_argument("--pdf", help="also write the report (X or Z) as a PDF")
    q.add_argument("--escpos", help="also write it as ESC/POS bytes for a thermal printer")
    q = rsub.add_parser("z", parents=[common], help="a closed day's frozen Z report")
    q.add_argument("number", type=int)
    q.add_argument("--pdf")
    q.add_argument("--escpos")

    p = add("export", "sales, lines, payments, refunds and ledger of a date range as CSV")
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--dir", required=True, help="folder for the CSV files")
    p.add_argument("--delimiter", choices=(",", ";", "tab"), default=",",
                   help="column separator; ';' for Excel with Russian, German or French settings")

    p = add("receipt-header", "set the lines printed under the shop's name (manager)")
    p.add_argument("lines", nargs="*", help="up to 6 lines; none clears the header")

    p = add("receipt", "show or print a receipt")
    p.add_argument("number", help="receipt number (or R123 from its barcode, or the sale id)")
    p.add_argument("--refund", action="store_true", help="the number is a refund's")
    p.add_argument("--pdf", help="write the receipt as a PDF for a roll printer")
    p.add_argument("--escpos", help="write the ESC/POS bytes for a thermal printer")
    p.add_argument("--width", type=int, choices=(80, 58), default=80, help="roll width, mm")

    add("verify", "check the ledger")
    add("backup", "copy the database to a file").add_argument("file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Out(getattr(args, "json", False))
    try:
        db = dbmod.open_database(getattr(args, "db", None))
    except Exception as exc:  # a bad URL or an unreadable file
        print(f"loyaltypos: cannot open the database: {exc}", file=sys.stderr)
        return 1
    try:
        if args.command != "init" and not store.is_initialised(db):
            raise NotInitialised(
                f"{db.describe()} has no shop yet; set it up with 'loyaltypos init'"
            )
        result = COMMANDS[args.command](db, args, out)
        return int(result or 0)
    except UsageError as exc:
        parser.error(str(exc))
    except Refused as exc:
        print(f"loyaltypos: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    return 0  # pragma: no cover - parser.error exits


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

